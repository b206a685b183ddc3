"""Read-only queries shaped for the web pages, built on `experiments.selectors`.

Each returns a queryset with everything its page touches joined or prefetched, so that a page's
query count does not grow with its rows (tests/web checks this).
"""

from django.db.models import Count, Prefetch, QuerySet

from experiments.models import Experiment, Question, Review
from experiments.selectors import experiment_queryset


def dashboard_experiments() -> QuerySet[Experiment]:
    """Experiments in their test or waiting for a review: soonest end first."""
    return (
        experiment_queryset()
        .filter(status__in=[Experiment.Status.RUNNING, Experiment.Status.AWAITING_REVIEW])
        .order_by("ends_on", "id")
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
        .order_by("-created_at", "-id")[:10]
    )


def status_counts() -> dict[str, int]:
    """Stored statuses by count (the dashboard's tiles for drafts and reviewed ones)."""
    rows = Experiment.objects.order_by().values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows}


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
