"""Read-only queries shaped for the web pages, built on `experiments.selectors`.

Each returns a queryset with everything its page touches joined or prefetched, so that a page's
query count does not grow with its rows (tests/web checks this).
"""

from dataclasses import dataclass

from django.db.models import Count, Prefetch, QuerySet

from experiments.models import Experiment, Question, Review
from experiments.selectors import experiment_effective_status, experiment_queryset


def dashboard_experiments() -> QuerySet[Experiment]:
    """Experiments in their test or waiting for a review: soonest end first."""
    return (
        experiment_queryset()
        .filter(status__in=[Experiment.Status.RUNNING, Experiment.Status.AWAITING_REVIEW])
        .order_by("ends_on", "id")
    )


def drafts_of(user) -> QuerySet[Experiment]:
    """The user's own drafts, newest first (a short list on the dashboard)."""
    return (
        Experiment.objects.filter(owner=user, status=Experiment.Status.DRAFT)
        .select_related("channel")
        .order_by("-created_at", "-id")[:10]
    )


def status_counts() -> dict[str, int]:
    """Stored statuses by count (the dashboard's tiles for drafts and reviewed ones)."""
    rows = Experiment.objects.order_by().values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows}


@dataclass(frozen=True)
class ExperimentBoard:
    """Where the experiments stand now: the dashboard's tiles, and the sync agenda repeats them."""

    running: list[Experiment]  # in the test period, the review still locked
    awaiting_review: list[Experiment]  # the review is open (effective status) and not filed
    drafts: int
    reviewed: int


def experiment_board() -> ExperimentBoard:
    """One reading of the experiments in their test or waiting for a review, soonest end first,
    split by effective status, with the stored counts of drafts and reviewed ones. The dashboard
    and the sync agenda both read it, so they cannot disagree."""
    running, awaiting = [], []
    for experiment in dashboard_experiments():
        status = experiment_effective_status(experiment)
        (awaiting if status == Experiment.Status.AWAITING_REVIEW else running).append(experiment)
    counts = status_counts()
    return ExperimentBoard(
        running=running,
        awaiting_review=awaiting,
        drafts=counts.get(Experiment.Status.DRAFT, 0),
        reviewed=counts.get(Experiment.Status.REVIEWED, 0),
    )


def experiment_for_page(*, pk: int) -> Experiment:
    """One experiment with its reviews and questions (authors included), or Experiment.DoesNotExist."""
    return (
        experiment_queryset()
        .prefetch_related(
            Prefetch("reviews", queryset=Review.objects.select_related("author", "regulation").order_by("version")),
            Prefetch("questions", queryset=Question.objects.select_related("author", "answered_by")),
        )
        .get(pk=pk)
    )


def experiment_history(*, experiment: Experiment, limit: int = 50) -> list:
    """The recorded versions of one experiment (who changed what, when), newest first."""
    return list(experiment.history.select_related("history_user").order_by("-history_date", "-history_id")[:limit])
