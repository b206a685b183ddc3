"""Reads of regulations, channels and experiments, with the related rows every view shows.

All authenticated users read everything (product.md), so the selectors take the user for scoping
only where a view narrows the list. The experiment status shown everywhere is the *effective*
status: a running experiment whose review has unlocked reads `awaiting_review` at once, before
any periodic job has stored it.
"""

import copy
import datetime as dt

from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from experiments.models import Channel, ChannelThreshold, Experiment, Question, Regulation
from experiments.permissions import User
from experiments.review_lock import LockState, review_lock_state

# The statuses in the order of an experiment's life: the list's tabs and its sort by status.
LIFECYCLE = (
    Experiment.Status.DRAFT,
    Experiment.Status.RUNNING,
    Experiment.Status.AWAITING_REVIEW,
    Experiment.Status.REVIEWED,
    Experiment.Status.CANCELLED,
)


def regulation_list() -> QuerySet[Regulation]:
    """Every version, newest first."""
    return (
        Regulation.objects.select_related("created_by")
        .prefetch_related(Prefetch("channel_thresholds", ChannelThreshold.objects.select_related("channel")))
        .order_by("-version")
    )


def regulation_current() -> Regulation:
    """The version in force (the data migration creates version 1, so there always is one)."""
    return regulation_list().first()


def channel_list() -> QuerySet[Channel]:
    return Channel.objects.order_by("name")


def open_questions(*, asked_before: dt.datetime | None = None) -> QuerySet[Question]:
    """Unanswered questions (asked before `asked_before`, when given), oldest first: what the
    marketing heads owe an answer to, with each question's experiment and author."""
    questions = Question.objects.filter(answered_at__isnull=True).select_related("experiment", "author")
    if asked_before is not None:
        questions = questions.filter(created_at__lt=asked_before)
    return questions.order_by("created_at", "id")


def experiment_queryset() -> QuerySet[Experiment]:
    """Experiments with everything their API and page representation reads, in constant queries."""
    return Experiment.objects.select_related(
        "channel", "owner", "regulation", "snapshot", "unlock", "adjusted_from"
    ).prefetch_related(
        "regulation__channel_thresholds",
        # The drafts that adjust it, oldest first: both ends of the link show it.
        Prefetch("adjustments", queryset=Experiment.objects.select_related("owner").order_by("created_at", "id")),
    )


def experiment_get(*, pk: int) -> Experiment:
    """One experiment; raises `Experiment.DoesNotExist` when there is none."""
    return experiment_queryset().get(pk=pk)


def experiment_lock_state(
    experiment: Experiment,
    *,
    current_regulation: Regulation | None = None,
    today: dt.date | None = None,
) -> LockState:
    """The review lock of one experiment, computed once per instance and kept on it.

    A draft has no pinned version; it is judged by the version in force, which list callers pass
    in once (`current_regulation`) instead of fetching it per row.
    """
    cached = getattr(experiment, "_lock_state", None)
    if cached is not None and today is None:
        return cached
    subject = experiment
    if experiment.regulation_id is None:
        # A copy, so that the draft itself never looks pinned (the copy has its own related cache).
        subject = copy.copy(experiment)
        subject.regulation = current_regulation or regulation_current()
    state = review_lock_state(subject, today=today)
    if today is None:
        experiment._lock_state = state
    return state


def experiment_effective_status(
    experiment: Experiment,
    *,
    current_regulation: Regulation | None = None,
    today: dt.date | None = None,
) -> str:
    """The status as every read shows it: running with an unlocked review is `awaiting_review`."""
    if experiment.status == Experiment.Status.RUNNING:
        state = experiment_lock_state(experiment, current_regulation=current_regulation, today=today)
        if state.unlocked:
            return Experiment.Status.AWAITING_REVIEW
    return experiment.status


def _unlocked_running_ids(today: dt.date) -> list[int]:
    """Running experiments whose review is unlocked but not recorded yet: period over or exception."""
    running = experiment_queryset().filter(status=Experiment.Status.RUNNING)
    ids = list(running.filter(Q(ends_on__lte=today) | Q(unlock__isnull=False)).values_list("id", flat=True))
    # The exception needs the evidence formula; only experiments with judged leads can hold it.
    candidates = running.filter(ends_on__gt=today, unlock__isnull=True, snapshot__isnull=False)
    ids.extend(e.id for e in candidates if review_lock_state(e, today=today).unlocked)
    return ids


def experiment_list(*, user: User) -> QuerySet[Experiment]:
    """Experiments, newest start first; `experiments.filters` narrows them for the API and the page."""
    return experiment_queryset().order_by("-start_date", "-id")


def _status_conditions(today: dt.date) -> dict[str, Q]:
    """A condition per *effective* status. A running experiment whose review has unlocked (its period
    ended, or the exception held, recorded or not yet) reads `awaiting_review`."""
    unlocked = Q(id__in=_unlocked_running_ids(today))
    conditions = {status: Q(status=status) for status in Experiment.Status.values}
    conditions[Experiment.Status.AWAITING_REVIEW] = Q(status=Experiment.Status.AWAITING_REVIEW) | unlocked
    conditions[Experiment.Status.RUNNING] = Q(status=Experiment.Status.RUNNING) & ~unlocked
    return conditions


def experiments_in_status(queryset: QuerySet[Experiment], *, status: str) -> QuerySet[Experiment]:
    """The experiments of `queryset` whose *effective* status is `status`."""
    return queryset.filter(_status_conditions(timezone.localdate())[status])


def experiment_status_counts(queryset: QuerySet[Experiment]) -> dict[str, int]:
    """How many experiments of `queryset` there are in each effective status, and `all` of them, in
    one aggregate query (after the one that finds the running experiments whose review unlocked)."""
    conditions = _status_conditions(timezone.localdate())
    counts = {status: Count("id", filter=condition) for status, condition in conditions.items()}
    return queryset.order_by().aggregate(all=Count("id"), **counts)


def effective_status_order() -> Case:
    """The effective status as a number in the order of an experiment's life (draft first), to sort by."""
    conditions = _status_conditions(timezone.localdate())
    return Case(
        *(When(conditions[status], then=Value(rank)) for rank, status in enumerate(LIFECYCLE)),
        output_field=IntegerField(),
    )
