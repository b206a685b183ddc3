"""Recording review unlocks: once, race-safe, never undone; and the exception's cooling-off.

Under a regulation with `exception_cooldown_hours`, the moment the exception's evidence is first met
is recorded as an `ExceptionCrossing`; every recompute and sweep checks it again: cleared when the
evidence no longer holds, opened into an unlock once it is `opens_at` old and still holds.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from functools import partial

from django.db import IntegrityError, transaction
from django.utils import timezone

from experiments.models import ExceptionCrossing, Experiment, ReviewUnlock
from experiments.review_lock import (
    LockState,
    overdue_unlocks,
    recorded_crossing,
    regulation_for,
    review_lock_state,
    with_lock_data,
)
from metrics.selectors import lead_sources

OPEN_STATUSES = (Experiment.Status.RUNNING, Experiment.Status.AWAITING_REVIEW)


def _evidence(state: LockState) -> float:
    # A database float cannot hold +inf; 1e300 reads the same to anyone.
    return min(state.evidence or 0.0, 1e300)


@transaction.atomic
def unlock_record_from_state(*, experiment: Experiment, state: LockState, notify: bool = True) -> ReviewUnlock | None:
    """Record the opening `state` describes, unless one is recorded already.

    Returns the new record, or None when the lock is closed or another process recorded first (the
    one-to-one row is the claim; an existing row is never changed). Moves a running experiment to
    `awaiting_review` and, after commit, sends the unlock notice when `notify` is set. An exception
    keeps who supplied the judged leads (`ReviewUnlock.sources`).
    """
    if not state.unlocked or state.recorded:
        return None
    # The lock order of metrics.services.snapshots: the experiment row, then its unlock.
    row = Experiment.objects.select_for_update(no_key=True).get(pk=experiment.pk)
    if row.status not in OPEN_STATUSES:
        return None  # cancelled (or never launched) meanwhile: nothing opens
    exception = state.reason == ReviewUnlock.Reason.EXCEPTION
    # Under the row lock, which clearing takes too: a crossing cleared meanwhile opens nothing.
    # (The regulation is pinned: the caller's copy is current.)
    cooling_off = exception and regulation_for(experiment).exception_cooldown_hours
    if cooling_off and not ExceptionCrossing.objects.filter(experiment=row, opens_at__lte=timezone.now()).exists():
        return None
    try:
        with transaction.atomic():
            unlock = ReviewUnlock.objects.create(
                experiment=row,
                reason=state.reason,
                unlocked_at=state.unlocked_at or timezone.now(),
                judged_leads=state.judged_leads,
                non_target_leads=state.non_target_leads,
                evidence=_evidence(state),
                threshold=state.threshold,
                notified_at=None if notify else timezone.now(),
                sources=lead_sources(experiment=row) if exception else [],
            )
    except IntegrityError:
        return None  # another process recorded it first; theirs stands
    if row.status == Experiment.Status.RUNNING:
        # A save, not a bare UPDATE, so that the status change lands in the experiment's history.
        row.status = Experiment.Status.AWAITING_REVIEW
        row.save(update_fields=["status", "updated_at"])
        experiment.status = row.status
    if notify:
        from experiments.tasks import notify_review_unlocked

        transaction.on_commit(partial(notify_review_unlocked.delay, unlock.id))
    return unlock


@transaction.atomic
def crossing_record(*, experiment: Experiment, state: LockState) -> ExceptionCrossing | None:
    """Record that the exception's evidence is met now, under a cooling-off: the review opens
    `exception_cooldown_hours` from now if the evidence still holds then.

    Returns None when nothing is cooling, a crossing or an unlock exists already, or the experiment
    is no longer open (the one-to-one row is the claim, as for unlocks).
    """
    if not state.cooling or state.opens_at is not None:
        return None
    row = Experiment.objects.select_for_update(no_key=True).get(pk=experiment.pk)  # the lock order: row first
    if row.status not in OPEN_STATUSES or ReviewUnlock.objects.filter(experiment=row).exists():
        return None
    now = timezone.now()
    try:
        with transaction.atomic():
            return ExceptionCrossing.objects.create(
                experiment=row,
                crossed_at=now,
                opens_at=now + dt.timedelta(hours=regulation_for(experiment).exception_cooldown_hours),
                judged_leads=state.judged_leads,
                non_target_leads=state.non_target_leads,
                evidence=_evidence(state),
            )
    except IntegrityError:
        return None  # recorded by another process first; its moment stands


@transaction.atomic
def crossing_clear(*, experiment: Experiment, crossing: ExceptionCrossing) -> bool:
    """Forget a crossing whose evidence no longer holds, so that the next one waits the whole
    cooling-off again. A crossing that opened the review already is kept, as its record."""
    row = Experiment.objects.select_for_update(no_key=True).get(pk=experiment.pk)  # as unlock_record_from_state
    if ReviewUnlock.objects.filter(experiment=row).exists():
        return False
    deleted, _ = ExceptionCrossing.objects.filter(pk=crossing.pk).delete()
    return bool(deleted)


def unlocks_record_due(*, experiment_ids: Iterable[int], today: dt.date | None = None) -> list[ReviewUnlock]:
    """Record an unlock for each running experiment whose lock is open now (or on `today`), and keep
    its exception crossing in step with the evidence (recorded when first met under a cooling-off,
    cleared when no longer met).

    Called after every metrics recompute and by the periodic sweep. Safe to call any number of
    times, concurrently. Each record commits on its own (when no outer transaction holds it), so
    one experiment's row lock is never held while the next is checked.
    """
    experiments = with_lock_data(
        Experiment.objects.filter(id__in=list(experiment_ids), status__in=OPEN_STATUSES, unlock__isnull=True)
    ).order_by("id")  # inside a caller's transaction the row locks add up: take them in id order
    created: list[ReviewUnlock] = []
    for experiment in experiments:
        state = review_lock_state(experiment, today=today)
        if state.unlocked:
            unlock = unlock_record_from_state(experiment=experiment, state=state)
            if unlock is not None:
                created.append(unlock)
        elif state.cooling:
            crossing_record(experiment=experiment, state=state)
        elif (crossing := recorded_crossing(experiment)) is not None:
            crossing_clear(experiment=experiment, crossing=crossing)
    return created


@dataclass(frozen=True)
class SweepResult:
    unlocked: list[int]  # experiments whose unlock this sweep recorded
    notices: list[int]  # unlocks whose "review is open" notice was (re)enqueued
    reminders: list[int]  # unlocks whose overdue reminder was enqueued

    def as_dict(self) -> dict:
        return asdict(self)


def review_locks_sweep(*, today: dt.date | None = None) -> SweepResult:
    """The periodic repair: record openings nobody recorded yet, enqueue notices nobody sent.

    Finished periods and exceptions both open here (an exception is normally recorded right after
    the recompute that revealed it; this catches a lost message, and opens an exception whose
    cooling-off has passed). Notices are enqueued again until sent: each event's key makes a second
    send impossible.
    """
    from experiments.tasks import notify_review_overdue, notify_review_unlocked

    waiting = Experiment.objects.filter(status__in=OPEN_STATUSES, unlock__isnull=True).values_list("id", flat=True)
    created = unlocks_record_due(experiment_ids=list(waiting), today=today)
    created_ids = {unlock.pk for unlock in created}

    unnoticed = list(
        ReviewUnlock.objects.filter(notified_at__isnull=True, experiment__status=Experiment.Status.AWAITING_REVIEW)
        .exclude(pk__in=created_ids)
        .values_list("pk", flat=True)
    )
    for unlock_id in unnoticed:
        transaction.on_commit(partial(notify_review_unlocked.delay, unlock_id))

    # An unlock recorded by this very sweep gets no reminder: its "review is open" notice says it is
    # overdue already when the period ended long before anyone recorded it (and stands for it).
    reminders = [
        unlock.pk
        for unlock in overdue_unlocks(today=today)
        if unlock.overdue_notified_at is None and unlock.pk not in created_ids
    ]
    for unlock_id in reminders:
        transaction.on_commit(partial(notify_review_overdue.delay, unlock_id))
    return SweepResult(
        unlocked=sorted(unlock.experiment_id for unlock in created), notices=unnoticed, reminders=reminders
    )
