"""Recording review unlocks: once, race-safe, never undone."""

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from experiments.models import Experiment, ReviewUnlock
from experiments.review_lock import review_lock_state


def unlocks_record(*, experiment_ids: Iterable[int]) -> list[ReviewUnlock]:
    """Record an unlock for each running experiment whose lock is open now.

    Called after every metrics recompute and by the periodic sweep. Safe to call any number of
    times, concurrently: the one-to-one row is the claim, and an existing row is never changed.
    """
    created: list[ReviewUnlock] = []
    experiments = (
        Experiment.objects.filter(id__in=list(experiment_ids), status=Experiment.Status.RUNNING, unlock__isnull=True)
        .select_related("regulation", "snapshot")
        .prefetch_related("regulation__channel_thresholds")
    )
    for experiment in experiments:
        state = review_lock_state(experiment)
        if not state.unlocked:
            continue
        try:
            with transaction.atomic():
                unlock = ReviewUnlock.objects.create(
                    experiment=experiment,
                    reason=state.reason,
                    unlocked_at=timezone.now(),
                    judged_leads=state.judged_leads,
                    non_target_leads=state.non_target_leads,
                    evidence=min(state.evidence or 0.0, 1e300),
                    threshold=state.threshold,
                )
                Experiment.objects.filter(id=experiment.id, status=Experiment.Status.RUNNING).update(
                    status=Experiment.Status.AWAITING_REVIEW
                )
        except IntegrityError:
            continue  # another process recorded it first; theirs stands
        created.append(unlock)
    return created
