"""Marking snapshots dirty and enqueuing the debounced recompute.

The `dirty_since` column is the source of truth, not a cache: web and worker are different
processes. Only a change that turns a clean snapshot dirty enqueues a job (with a short
countdown); changes that find it already dirty ride on that job. So many posts within the
countdown cost one recompute. If the broker is down the flag stays and the beat sweep
(`metrics.tasks.recompute_stale_snapshots`) picks it up.
"""

import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from experiments.models import Experiment
from metrics.models import MetricSnapshot
from metrics.rows import utm_key

logger = logging.getLogger(__name__)


def debounce_seconds() -> float:
    return float(getattr(settings, "METRICS_RECOMPUTE_DEBOUNCE_SECONDS", 1.0))


def experiment_ids_for_keys(keys: Iterable[str]) -> list[int]:
    """Experiments whose utm_campaign has one of these attribution keys.

    Keys are compared in Python (`metrics.rows.utm_key`), as they were derived: SQLite's LOWER()
    folds ASCII only, so a database-side comparison would miss "Осень" = "осень" there.
    """
    wanted = {key for key in keys if key}
    if not wanted:
        return []
    rows = Experiment.objects.values_list("id", "utm_campaign")
    return sorted(pk for pk, utm in rows if utm_key(utm) in wanted)


def snapshots_mark_dirty_by_keys(*, keys: Iterable[str]) -> list[int]:
    """Mark dirty the snapshots of every experiment whose utm_campaign is one of these keys."""
    return snapshots_mark_dirty(experiment_ids=experiment_ids_for_keys(keys))


@transaction.atomic
def snapshots_mark_dirty(*, experiment_ids: Iterable[int]) -> list[int]:
    """Flag the snapshots dirty (creating missing ones) and enqueue a recompute after commit."""
    ids = sorted(set(experiment_ids))
    if not ids:
        return []
    newly = _mark_pg(ids) if connection.vendor == "postgresql" else _mark_orm(ids)
    if newly:
        transaction.on_commit(lambda: recompute_enqueue(countdown=debounce_seconds()))
    return ids


def snapshots_mark_dirty_with(cursor, *, experiment_ids: Iterable[int]) -> int:
    """PostgreSQL: flag the snapshots dirty on `cursor`, inside its connection's transaction (the CSV
    import's own connection, so that its leads and their dirty flags commit together). Returns how
    many turned dirty; the caller enqueues the recompute after its commit when any did."""
    ids = sorted(set(experiment_ids))
    return _mark_pg(ids, cursor) if ids else 0


def _mark_pg(ids: list[int], cursor=None) -> int:
    """One upsert, in experiment id order (the lock order of `metrics.services.snapshots`): each
    row is created (a new experiment) or locked and bumped in turn. Returns how many turned dirty.

    The conflict branch works on the latest committed version of each row, so "was it clean?"
    cannot race another marker or a recompute. A row kept its old `dirty_since` exactly when it was
    dirty already; a new value equal to this marker's `now` means it was clean (or another marker
    chose the very same microsecond, and the job is then merely sent twice).
    """
    if cursor is None:
        with connection.cursor() as cursor:
            return _mark_pg(ids, cursor)
    table = MetricSnapshot._meta.db_table
    now = timezone.now()
    cursor.execute(
        f"""
        INSERT INTO {table} AS s (experiment_id, data, dirty_seq, dirty_since)
        SELECT i, '{{}}'::jsonb, 1, %s FROM unnest(%s::bigint[]) AS i ORDER BY i
        ON CONFLICT (experiment_id) DO UPDATE
        SET dirty_seq = s.dirty_seq + 1, dirty_since = COALESCE(s.dirty_since, EXCLUDED.dirty_since)
        RETURNING s.dirty_since = %s
        """,  # noqa: S608 (table name only; values are parameters)
        [now, ids, now],
    )
    return sum(1 for (was_clean,) in cursor.fetchall() if was_clean)


def _mark_orm(ids: list[int]) -> int:
    have = set(MetricSnapshot.objects.filter(experiment_id__in=ids).values_list("experiment_id", flat=True))
    if len(have) < len(ids):
        MetricSnapshot.objects.bulk_create(
            [MetricSnapshot(experiment_id=i) for i in ids if i not in have], ignore_conflicts=True
        )
    # SQLite (demo) transactions begin IMMEDIATE: writers run one at a time, so this "was it
    # clean?" read cannot race another marker.
    locked = list(MetricSnapshot.objects.filter(experiment_id__in=ids).values_list("experiment_id", "dirty_since"))
    newly = [experiment_id for experiment_id, dirty_since in locked if dirty_since is None]
    MetricSnapshot.objects.filter(experiment_id__in=ids).update(
        dirty_seq=F("dirty_seq") + 1, dirty_since=Coalesce("dirty_since", Value(timezone.now()))
    )
    return len(newly)


def recompute_enqueue(*, experiment_ids: list[int] | None = None, countdown: float = 0.0) -> bool:
    """Send the recompute job; a broker failure is logged, the beat sweep repairs it."""
    from metrics.tasks import recompute_snapshots

    try:
        recompute_snapshots.apply_async(kwargs={"experiment_ids": experiment_ids}, countdown=countdown)
    except Exception:  # the data is committed; never fail the request over the queue
        logger.warning("Could not enqueue the metrics recompute; the periodic sweep will do it.", exc_info=True)
        return False
    return True
