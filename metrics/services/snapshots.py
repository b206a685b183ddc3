"""Computing and storing metric snapshots."""

import datetime as dt
import json
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from experiments.models import Experiment
from experiments.services.unlocks import unlocks_record
from metrics.aggregates import experiment_counts
from metrics.formulas import metrics_from_counts
from metrics.models import MetricSnapshot
from metrics.rows import utm_key
from metrics.services.dirty import recompute_enqueue
from metrics.services.rollup import leaddays_rebuild

# One aggregate query per chunk; each scans the cohorts of its experiments once.
CHUNK = 2000


def snapshots_recompute(*, experiment_ids: Iterable[int]) -> dict[int, MetricSnapshot]:
    """Recompute and store the snapshots of these experiments, then record review unlocks.

    The dirty counters are read before the aggregate query runs; a flag is cleared only where the
    counter is unchanged afterwards, so a change committed during the computation stays dirty.
    """
    ids = sorted(set(experiment_ids))
    payloads: dict[int, dict] = {}
    for start in range(0, len(ids), CHUNK):
        payloads.update(_recompute_chunk(ids[start : start + CHUNK]))
    unlocks_record(experiment_ids=ids)
    # The rows as stored, without reading back (and decoding) the JSON just written.
    return {
        experiment_id: MetricSnapshot(
            id=pk,
            experiment_id=experiment_id,
            data=payloads[experiment_id][0],
            computed_at=payloads[experiment_id][1],
            dirty_since=dirty_since,
            dirty_seq=seq,
        )
        for pk, experiment_id, dirty_since, seq in MetricSnapshot.objects.filter(experiment_id__in=ids).values_list(
            "id", "experiment_id", "dirty_since", "dirty_seq"
        )
        if experiment_id in payloads
    }


@transaction.atomic
def _recompute_chunk(ids: list[int]) -> dict[int, tuple[dict, dt.datetime]]:
    seen = _dirty_seqs(ids)
    experiments = list(Experiment.objects.filter(id__in=ids).only("id", "utm_campaign", "start_date", "ends_on"))
    counts = experiment_counts(experiments)
    now = timezone.now()
    payloads = {e.id: metrics_from_counts(counts[e.id]) for e in experiments}
    _store(payloads, now)
    _clear_covered(seen)
    return {experiment_id: (data, now) for experiment_id, data in payloads.items()}


def _dirty_seqs(ids: list[int]) -> dict[int, int]:
    """{experiment id: dirty_seq} of the dirty snapshots among ids, read before computing."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT experiment_id, dirty_seq FROM {MetricSnapshot._meta.db_table} "  # noqa: S608 (table name)
                "WHERE experiment_id = ANY(%s) AND dirty_since IS NOT NULL",
                [ids],
            )
            return dict(cursor.fetchall())
    return dict(
        MetricSnapshot.objects.filter(experiment_id__in=ids, dirty_since__isnull=False).values_list(
            "experiment_id", "dirty_seq"
        )
    )


def _clear_covered(seen: dict[int, int]) -> None:
    """Clear the flags whose counter is still the one read before computing."""
    if not seen:
        return
    if connection.vendor == "postgresql":
        table = MetricSnapshot._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                UPDATE {table} AS s SET dirty_since = NULL
                FROM json_to_recordset(%s::json) AS u(experiment_id bigint, seq bigint)
                WHERE s.experiment_id = u.experiment_id AND s.dirty_seq = u.seq
                """,  # noqa: S608 (table name only; values are parameters)
                [json.dumps([{"experiment_id": i, "seq": q} for i, q in seen.items()])],
            )
        return
    by_seq: dict[int, list[int]] = {}
    for experiment_id, seq in seen.items():
        by_seq.setdefault(seq, []).append(experiment_id)
    for seq, group in by_seq.items():
        MetricSnapshot.objects.filter(experiment_id__in=group, dirty_seq=seq).update(dirty_since=None)


def _store(payloads: dict[int, dict], now) -> None:
    """Upsert the snapshots' data and computed_at (dirty flags are handled by the caller)."""
    if connection.vendor == "postgresql":
        # One JSON parameter: far cheaper to bind than the ORM's thousand-row INSERT.
        table = MetricSnapshot._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {table} (experiment_id, data, computed_at, dirty_seq)
                SELECT u.experiment_id, u.data, %s, 0
                FROM json_to_recordset(%s::json) AS u(experiment_id bigint, data jsonb)
                ON CONFLICT (experiment_id) DO UPDATE SET data = EXCLUDED.data, computed_at = EXCLUDED.computed_at
                """,  # noqa: S608 (table name only; values are parameters)
                [now, json.dumps([{"experiment_id": i, "data": d} for i, d in payloads.items()])],
            )
        return
    MetricSnapshot.objects.bulk_create(
        [MetricSnapshot(experiment_id=i, data=d, computed_at=now) for i, d in payloads.items()],
        update_conflicts=True,
        unique_fields=["experiment"],
        update_fields=["data", "computed_at"],
        batch_size=500,
    )


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


def snapshots_repair(*, experiment_ids: Iterable[int]) -> dict[int, MetricSnapshot]:
    """The beat sweep's work on stale experiments: rebuild their keys' daily roll-up rows from the
    leads (repairing any drift), then recompute their snapshots."""
    ids = sorted(set(experiment_ids))
    campaigns = Experiment.objects.filter(id__in=ids).values_list("utm_campaign", flat=True)
    leaddays_rebuild(keys={utm_key(c) for c in campaigns})
    return snapshots_recompute(experiment_ids=ids)


@transaction.atomic
def snapshot_recompute_request(*, experiment: Experiment) -> None:
    """POST .../recompute/: recompute this experiment soon, whatever its flags say."""
    MetricSnapshot.objects.get_or_create(experiment=experiment)
    MetricSnapshot.objects.filter(experiment=experiment).update(
        dirty_seq=F("dirty_seq") + 1, dirty_since=timezone.now()
    )
    transaction.on_commit(lambda: recompute_enqueue(experiment_ids=[experiment.id]))
