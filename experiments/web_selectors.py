"""Read-only queries shaped for the web pages, built on `experiments.selectors`.

Each returns a queryset with everything its page touches joined or prefetched, so that a page's
query count does not grow with its rows (tests/web checks this).
"""

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, F, Prefetch, Q, QuerySet

from experiments.models import Experiment, Question, Review
from experiments.selectors import effective_status_q, experiment_queryset, running_unlocked_q

# Each dashboard section shows this many experiments and links to the full filtered list: the page's
# size and work stay the same with ten experiments or ten thousand.
DASHBOARD_SECTION_SIZE = 6
DASHBOARD_DRAFTS = 10


@dataclass(frozen=True)
class DashboardExperiments:
    awaiting: list[Experiment]  # the first DASHBOARD_SECTION_SIZE awaiting review
    running: list[Experiment]  # the first DASHBOARD_SECTION_SIZE in their test period
    counts: dict[str, int]  # by effective status, and `my_drafts`: the user's own drafts


def dashboard_experiments(
    *, today: dt.date, user: AbstractBaseUser | None = None, limit: int = DASHBOARD_SECTION_SIZE
) -> DashboardExperiments:
    """The dashboard's experiments: every count in one aggregate, and only the shown rows fetched.
    The sync agenda reads the same (without a user), so the two cannot disagree.

    Awaiting review: the review that opened longest ago first. It is the one closest to (or past)
    its deadline, since every review is due a fixed number of days after it opened; an opening not
    recorded yet (the sweep records it within minutes) is the newest, so it comes last.
    In the test period: the test that ends soonest first. It is the next review to open, and the
    last chance to act on it; a high non-target share shows on its card, and when it is high enough
    the exception moves the experiment to the other section anyway.
    """
    unlocked = running_unlocked_q(today=today)
    awaiting = effective_status_q(Experiment.Status.AWAITING_REVIEW, today=today, running_unlocked=unlocked)
    running = effective_status_q(Experiment.Status.RUNNING, today=today, running_unlocked=unlocked)
    counts = Experiment.objects.aggregate(
        **{
            Experiment.Status.AWAITING_REVIEW: Count("id", filter=awaiting),
            Experiment.Status.RUNNING: Count("id", filter=running),
            Experiment.Status.DRAFT: Count("id", filter=Q(status=Experiment.Status.DRAFT)),
            Experiment.Status.REVIEWED: Count("id", filter=Q(status=Experiment.Status.REVIEWED)),
            "my_drafts": Count("id", filter=Q(status=Experiment.Status.DRAFT, owner=user) if user else Q(pk=None)),
        }
    )
    opened = F("unlock__unlocked_at").asc(nulls_last=True)
    return DashboardExperiments(
        awaiting=list(experiment_queryset().filter(awaiting).order_by(opened, "ends_on", "id")[:limit]),
        running=list(experiment_queryset().filter(running).order_by("ends_on", "id")[:limit]),
        counts=counts,
    )


def with_reviews(queryset: QuerySet[Experiment]) -> QuerySet[Experiment]:
    """The experiments with their filed reviews (`reviews_filed`, oldest version first): what a list
    needs for the verdict of each, in one more query whatever the number of rows."""
    return queryset.prefetch_related(
        Prefetch("reviews", queryset=Review.objects.order_by("version"), to_attr="reviews_filed")
    )


def drafts_of(user) -> QuerySet[Experiment]:
    """The user's own drafts, newest first (a short list on the dashboard)."""
    return (
        Experiment.objects.filter(owner=user, status=Experiment.Status.DRAFT)
        .select_related("channel")
        .order_by("-created_at", "-id")[:DASHBOARD_DRAFTS]
    )


def experiment_for_page(*, pk: int) -> Experiment:
    """One experiment with its reviews (authors included), or Experiment.DoesNotExist."""
    return (
        experiment_queryset()
        .prefetch_related(
            Prefetch("reviews", queryset=Review.objects.select_related("author", "regulation").order_by("version")),
        )
        .get(pk=pk)
    )


def experiment_questions(*, experiment: Experiment) -> QuerySet[Question]:
    """The experiment page's questions, a page at a time: open ones first, oldest first (what is owed
    longest), then answered ones, the latest answer first. So a question just asked or answered, the
    one its redirect points at, is on the first page."""
    return experiment.questions.select_related("author", "answered_by").order_by(
        F("answered_at").desc(nulls_first=True), "created_at", "id"
    )


def experiment_history(*, experiment: Experiment, limit: int = 50) -> list:
    """The recorded versions of one experiment (who changed what, when), newest first."""
    return list(experiment.history.select_related("history_user").order_by("-history_date", "-history_id")[:limit])
