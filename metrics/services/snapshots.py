"""Computing and storing metric snapshots; the one lock order of experiment and snapshot rows.

Lock order. Every transaction that locks these rows takes them in this order, so that no two can
wait for each other in a circle (a deadlock, which PostgreSQL breaks by aborting one of them):

1. Lead data: the lead-writes advisory lock (`metrics.services.leads`), the per-external_id spend
   locks, then lead and spend rows and the roll-up rows their triggers upsert.
2. One `experiments_experiment` row, `select_for_update(no_key=True)` (FOR NO KEY UPDATE):
   launch, update, cancel (`experiments.services.experiments`), unlock recording and the
   exception's crossings (`experiments.services.unlocks`), review filing
   (`experiments.services.reviews`). One per transaction; unlocks of several experiments commit one
   by one, or go in id order inside a caller's transaction. FOR NO KEY UPDATE, not FOR UPDATE: the
   FOR KEY SHARE lock that a foreign-key check takes on the experiment when a snapshot, spend,
   unlock or review row is inserted does not conflict with it, so such inserts never wait for an
   experiment lock.
3. `metrics_metricsnapshot` rows, by experiment id ascending, each taken by one ordered upsert
   and no SELECT ... FOR UPDATE: marking dirty (`metrics.services.dirty`) and storing a recompute
   (`_store` here).
4. The experiment's `experiments_reviewunlock` row or `experiments_exceptioncrossing` row (recorded,
   cleared and checked by `experiments.services.unlocks` under the experiment's row lock), then
   its `experiments_review` rows.

The paths: registration inserts the experiment, then marks its snapshot (2, 3); launch and a
draft's edit lock the experiment, then mark its snapshot (2, 3); cancel locks the experiment (2);
lead posts, CSV imports and spend (posted in bulk, or one row locked and written from the experiment
page) write their data, then mark the snapshots (1, 3); a recompute stores its snapshots (3) in a
transaction per chunk and commits before it records unlocks, each in a transaction of its own
(2, 4); review filing and amending lock the experiment, recompute it, record its unlock and write
the review (2, 3, 4). `snapshots_recompute` inside a caller's transaction records unlocks while
holding the snapshots (3, then 2): its caller must lock those experiments first, as review filing
does.

What may still abort for a concurrent writer (two lead posts whose roll-up rows interleave, say) is
run again: services by `tracker.db.atomic_retrying_deadlocks`, the recompute job by Celery.
"""

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from experiments.models import Experiment
from experiments.services.unlocks import unlocks_record_due
from metrics.aggregates import experiment_counts
from metrics.formulas import metrics_from_counts
from metrics.models import MetricSnapshot
from metrics.rows import utm_key
from metrics.services.dirty import recompute_enqueue
from metrics.services.rollup import leaddays_rebuild
from tracker.db import atomic_retrying_deadlocks

# One aggregate query per chunk; each scans the cohorts of its experiments once.
CHUNK = 2000


def snapshots_recompute(*, experiment_ids: Iterable[int]) -> dict[int, MetricSnapshot]:
    """Recompute and store the snapshots of these experiments, then record review unlocks.

    The dirty counters are read before the aggregate query runs; a flag is cleared only where the
    counter is unchanged afterwards, so a change committed during the computation stays dirty.
    """
    ids = sorted(set(experiment_ids))
    payloads: dict[int, tuple[dict[str, Any], dt.datetime]] = {}
    for start in range(0, len(ids), CHUNK):
        payloads.update(_recompute_chunk(ids[start : start + CHUNK]))
    unlocks_record_due(experiment_ids=ids)
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


@atomic_retrying_deadlocks
def _recompute_chunk(ids: list[int]) -> dict[int, tuple[dict[str, Any], dt.datetime]]:
    seen = _dirty_seqs(ids)
    experiments = list(Experiment.objects.filter(id__in=ids).only("id", "utm_campaign", "start_date", "ends_on"))
    counts = experiment_counts(experiments)
    now = timezone.now()
    payloads = {e.id: metrics_from_counts(counts[e.id]) for e in experiments}
    _store(payloads, seen, now)
    return {experiment_id: (data, now) for experiment_id, data in payloads.items()}


def _dirty_seqs(ids: list[int]) -> dict[int, int]:
    """{experiment id: dirty_seq} of the existing snapshots among ids, read before computing."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT experiment_id, dirty_seq FROM {MetricSnapshot._meta.db_table} "  # noqa: S608 (table name)
                "WHERE experiment_id = ANY(%s)",
                [ids],
            )
            return dict(cursor.fetchall())
    return dict(MetricSnapshot.objects.filter(experiment_id__in=ids).values_list("experiment_id", "dirty_seq"))


def _store(payloads: dict[int, dict[str, Any]], seen: dict[int, int], now: dt.datetime) -> None:
    """Store the computed snapshots where no change was marked since `seen` was read, and clear
    their dirty flag; leave the others alone.

    A snapshot whose counter moved is dirty and will be recomputed, from newer data than this
    computation saw: writing it would put older numbers over whatever a concurrent recompute of
    that newer data stored. A missing snapshot is created (its counter: 0, never marked).
    """
    if connection.vendor == "postgresql":
        # One statement in experiment id order (the lock order above); one JSON parameter, far
        # cheaper to bind than the ORM's thousand-row INSERT. A new row carries the counter read
        # (0 when it was missing) as its own, so the conflict branch can compare against it.
        table = MetricSnapshot._meta.db_table
        rows = [{"experiment_id": i, "data": payloads[i], "seq": seen.get(i, 0)} for i in sorted(payloads)]
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                INSERT INTO {table} AS s (experiment_id, data, computed_at, dirty_seq)
                SELECT u.experiment_id, u.data, %s, u.seq
                FROM json_to_recordset(%s::json) AS u(experiment_id bigint, data jsonb, seq bigint)
                ORDER BY u.experiment_id
                ON CONFLICT (experiment_id) DO UPDATE
                SET data = EXCLUDED.data, computed_at = EXCLUDED.computed_at, dirty_since = NULL
                WHERE s.dirty_seq = EXCLUDED.dirty_seq
                """,  # noqa: S608 (table name only; values are parameters)
                [now, json.dumps(rows)],
            )
        return
    # SQLite (demo) runs one writer at a time: the counters read now hold until this commits.
    current = dict(
        MetricSnapshot.objects.filter(experiment_id__in=list(payloads)).values_list("experiment_id", "dirty_seq")
    )
    MetricSnapshot.objects.bulk_create(
        [
            MetricSnapshot(experiment_id=i, data=d, computed_at=now, dirty_since=None)
            for i, d in payloads.items()
            if current.get(i, 0) == seen.get(i, 0)
        ],
        update_conflicts=True,
        unique_fields=["experiment"],
        update_fields=["data", "computed_at", "dirty_since"],
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
