"""Reads of regulations, channels and experiments, with the related rows every view shows.

All authenticated users read everything (product.md), so the selectors take the user for scoping
only where a view narrows the list. The experiment status shown everywhere is the *effective*
status: a running experiment whose review has unlocked reads `awaiting_review` at once, before
any periodic job has stored it.
"""

import copy
import datetime as dt

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from experiments.models import Channel, ChannelThreshold, Experiment, Regulation
from experiments.permissions import User
from experiments.review_lock import LockState, review_lock_state


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


def experiment_queryset() -> QuerySet[Experiment]:
    """Experiments with everything their API and page representation reads, in constant queries."""
    return Experiment.objects.select_related(
        "channel", "owner", "regulation", "snapshot", "unlock", "exception_crossing"
    ).prefetch_related("regulation__channel_thresholds")


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


def experiments_in_status(queryset: QuerySet[Experiment], *, status: str) -> QuerySet[Experiment]:
    """The experiments of `queryset` whose *effective* status is `status`."""
    today = timezone.localdate()
    if status == Experiment.Status.AWAITING_REVIEW:
        return queryset.filter(Q(status=Experiment.Status.AWAITING_REVIEW) | Q(id__in=_unlocked_running_ids(today)))
    if status == Experiment.Status.RUNNING:
        return queryset.filter(status=Experiment.Status.RUNNING).exclude(id__in=_unlocked_running_ids(today))
    return queryset.filter(status=status)
