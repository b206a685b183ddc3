"""Computing and storing metric snapshots."""

from collections.abc import Iterable
from functools import reduce
from operator import or_

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from experiments.models import Experiment
from experiments.services.unlocks import unlocks_record
from metrics.aggregates import experiment_counts
from metrics.formulas import metrics_from_counts
from metrics.models import MetricSnapshot
from metrics.services.dirty import recompute_enqueue

CHUNK = 500


def snapshots_recompute(*, experiment_ids: Iterable[int]) -> dict[int, MetricSnapshot]:
    """Recompute and store the snapshots of these experiments, then record review unlocks.

    The dirty counters are read before the aggregate query runs; a flag is cleared only where the
    counter is unchanged afterwards, so a change committed during the computation stays dirty.
    """
    ids = sorted(set(experiment_ids))
    for start in range(0, len(ids), CHUNK):
        _recompute_chunk(ids[start : start + CHUNK])
    unlocks_record(experiment_ids=ids)
    return {s.experiment_id: s for s in MetricSnapshot.objects.filter(experiment_id__in=ids)}


@transaction.atomic
def _recompute_chunk(ids: list[int]) -> None:
    experiments = list(Experiment.objects.filter(id__in=ids).only("id", "utm_campaign", "start_date", "ends_on"))
    seen = dict(
        MetricSnapshot.objects.filter(experiment_id__in=ids, dirty_since__isnull=False).values_list(
            "experiment_id", "dirty_seq"
        )
    )
    counts = experiment_counts(experiments)
    now = timezone.now()
    MetricSnapshot.objects.bulk_create(
        [
            MetricSnapshot(experiment_id=e.id, data=metrics_from_counts(counts[e.id]), computed_at=now)
            for e in experiments
        ],
        update_conflicts=True,
        unique_fields=["experiment"],
        update_fields=["data", "computed_at"],
        batch_size=CHUNK,
    )
    if seen:
        covered = reduce(or_, (Q(experiment_id=i, dirty_seq=seq) for i, seq in seen.items()))
        MetricSnapshot.objects.filter(covered).update(dirty_since=None)


def snapshots_recompute_dirty(*, experiment_ids: Iterable[int] | None = None) -> list[int]:
    """The debounced job's work: claim the dirty snapshots (or these experiments), recompute them.

    Returns the ids still dirty afterwards (changed while computing); the job sends itself again
    for them. Running it twice, or concurrently, only computes the same numbers twice.
    """
    if experiment_ids is None:
        experiment_ids = list(
            MetricSnapshot.objects.filter(dirty_since__isnull=False).values_list("experiment_id", flat=True)
        )
    ids = sorted(set(experiment_ids))
    if not ids:
        return []
    snapshots_recompute(experiment_ids=ids)
    return list(
        MetricSnapshot.objects.filter(experiment_id__in=ids, dirty_since__isnull=False).values_list(
            "experiment_id", flat=True
        )
    )


def snapshots_stale_ids() -> list[int]:
    """What the beat sweep repairs: dirty snapshots (a lost message), experiments launched without
    a snapshot, and snapshots older than an edit of their experiment (a draft's utm or dates)."""
    dirty = MetricSnapshot.objects.filter(dirty_since__isnull=False).values_list("experiment_id", flat=True)
    missing = Experiment.objects.filter(snapshot__isnull=True).exclude(status=Experiment.Status.DRAFT)
    outdated = Experiment.objects.filter(
        Q(snapshot__computed_at__isnull=True) | Q(snapshot__computed_at__lt=F("updated_at"))
    ).exclude(snapshot__isnull=True)
    return sorted({*dirty, *missing.values_list("id", flat=True), *outdated.values_list("id", flat=True)})


@transaction.atomic
def snapshot_recompute_request(*, experiment: Experiment) -> None:
    """POST .../recompute/: recompute this experiment soon, whatever its flags say."""
    MetricSnapshot.objects.get_or_create(experiment=experiment)
    MetricSnapshot.objects.filter(experiment=experiment).update(
        dirty_seq=F("dirty_seq") + 1, dirty_since=timezone.now()
    )
    transaction.on_commit(lambda: recompute_enqueue(experiment_ids=[experiment.id]))
