"""Reads of regulations, channels and experiments, with the related rows every view shows.

All authenticated users read everything (product.md), so the selectors take the user for scoping
only where a view narrows the list. The experiment status shown everywhere is the *effective*
status: a running experiment whose review has unlocked reads `awaiting_review` at once, before
any periodic job has stored it.
"""

import copy
import datetime as dt

from django.db.models import Case, Count, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce
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
        "channel", "owner", "regulation", "snapshot", "unlock", "exception_crossing", "adjusted_from"
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


def _exception_candidates(today: dt.date) -> QuerySet[Experiment]:
    """Running experiments, not ended and not recorded as unlocked, whose latest snapshot meets the
    exception's plain conditions (enough judged leads, non-target share at the threshold or above).

    Only these can hold the exception; the database says which, so a read never loads every running
    experiment to evaluate the evidence formula in Python. `>=` keeps the filter a superset of the
    formula's strict `>` whatever the rounding; `review_lock_state` decides exactly.
    """
    override = ChannelThreshold.objects.filter(regulation=OuterRef("regulation"), channel=OuterRef("channel"))
    return (
        experiment_queryset()
        .filter(status=Experiment.Status.RUNNING, ends_on__gt=today, unlock__isnull=True)
        .alias(
            judged=Cast(KeyTextTransform("judged_leads", "snapshot__data"), IntegerField()),
            non_target=Cast(KeyTextTransform("non_target_leads", "snapshot__data"), IntegerField()),
            threshold=Coalesce(
                Subquery(override.values("non_target_threshold")[:1]), F("regulation__non_target_threshold")
            ),
        )
        .filter(
            judged__gt=0, judged__gte=F("regulation__exception_min_leads"), non_target__gte=F("judged") * F("threshold")
        )
    )


def running_unlocked_q(*, today: dt.date) -> Q:
    """Running experiments whose review is unlocked but not recorded yet: period over or exception."""
    unlocked = Q(ends_on__lte=today) | Q(unlock__isnull=False)
    ids = [e.id for e in _exception_candidates(today) if review_lock_state(e, today=today).unlocked]
    return unlocked | Q(id__in=ids) if ids else unlocked


def effective_status_q(status: str, *, today: dt.date, running_unlocked: Q | None = None) -> Q:
    """Experiments whose *effective* status is `status`; pass `running_unlocked` to reuse one."""
    if status not in (Experiment.Status.AWAITING_REVIEW, Experiment.Status.RUNNING):
        return Q(status=status)
    unlocked = running_unlocked if running_unlocked is not None else running_unlocked_q(today=today)
    if status == Experiment.Status.AWAITING_REVIEW:
        return Q(status=Experiment.Status.AWAITING_REVIEW) | (Q(status=Experiment.Status.RUNNING) & unlocked)
    return Q(status=Experiment.Status.RUNNING) & ~unlocked


def experiment_list(*, user: User) -> QuerySet[Experiment]:
    """Experiments, newest start first; `experiments.filters` narrows them for the API and the page."""
    return experiment_queryset().order_by("-start_date", "-id")


def _status_conditions(today: dt.date) -> dict[str, Q]:
    """A condition per *effective* status (`effective_status_q`), the unlocked running ones found once."""
    unlocked = running_unlocked_q(today=today)
    return {
        status: effective_status_q(status, today=today, running_unlocked=unlocked)
        for status in Experiment.Status.values
    }


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
