"""The import backend for PostgreSQL: lines copied as text in batches, checked set-based in SQL
(`metrics.services.import_sql.BatchLoader`), merged in bulk; the whole import is one transaction.

The affected snapshots are marked dirty and the job marked done in that transaction too, so an
import's leads, their dirty flags and the job's "done" commit together, and a failed import leaves
no lead of its file behind. A run that lost its database connection (or a deadlock) therefore left
nothing, and starts over.
"""

import logging
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import Any

import psycopg
from django.conf import settings
from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper
from django.utils import translation
from psycopg.types.json import Jsonb

from metrics.models import ImportJob
from metrics.services import dirty
from metrics.services.dirty import experiment_ids_for_keys, snapshots_mark_dirty, snapshots_mark_dirty_with
from metrics.services.import_backend import MAX_STORED_ERRORS, ImportStream, ImportTally
from metrics.services.import_csv import Batch, read_batches
from metrics.services.import_lease import ImportLease, LeaseLost
from metrics.services.import_sql import BatchLoader, BatchResult, line_pattern
from metrics.services.leads import lead_cleaner
from tracker.db import is_connection_lost, is_deadlock

logger = logging.getLogger(__name__)

BATCH_ROWS = 50_000  # lines of text; each batch is checked in a transaction of its own
FIRST_BATCH_ROWS = 10_000  # smaller, so that merging starts sooner


class PostgresImportBackend:
    all_or_nothing = True

    def write(self, stream: ImportStream) -> None:
        """Split the lines into text batches and hand them to the loader, which also marks the
        affected snapshots dirty and the job done in the import's transaction."""
        tally, header = stream.tally, stream.header

        def problem(line: int, message: str) -> None:
            tally.rows_total += 1
            tally.rows_failed += 1
            tally.errors.append({"line": line, "external_id": None, "errors": {"non_field_errors": [message]}})

        batches = read_batches(
            stream.rows,
            header,
            BATCH_ROWS,
            problem,
            plain=line_pattern(header).fullmatch,
            first_batch_rows=min(FIRST_BATCH_ROWS, BATCH_ROWS),
        )
        loader = BatchLoader(
            list(header), lead_cleaner(exported=True), settings.TIME_ZONE, stream.job_id, source=stream.source
        )
        pipeline = (
            _InCallersTransaction(loader, stream) if connection.in_atomic_block else _OnOwnConnections(loader, stream)
        )
        with pipeline:
            for batch in batches:
                tally.rows_total += len(batch.lines) + len(batch.python_rows)
                pipeline.submit(batch)
                if len(tally.errors) > 2 * MAX_STORED_ERRORS:  # keep the first lines' errors, bounded
                    tally.keep_first_errors()
                stream.checkpoint()
            pipeline.finish()

    def is_transient(self, exc: BaseException) -> bool:
        # The import is one transaction: a lost deadlock or connection rolled all of it back.
        return is_deadlock(exc) or is_connection_lost(exc)


class _Pipeline:
    """Checks and merges batches in order; all merges of an import are one transaction. Results are
    added up by the calling thread, in file order."""

    def __init__(self, loader: BatchLoader, stream: ImportStream) -> None:
        self.loader, self.lease, self.tally = loader, stream.lease, stream.tally
        self.number = 0
        self.begun = False

    def _next_number(self) -> int:
        number, self.number = self.number, self.number + 1
        return number

    def _begin(self, cursor: CursorWrapper | psycopg.Cursor[Any], *, own_transaction: bool) -> None:
        if not self.begun:
            self.loader.begin(cursor, own_transaction=own_transaction)
            self.begun = True

    def _add(self, result: BatchResult) -> None:
        self.tally.rows_ok += result.rows_ok
        self.tally.rows_failed += result.rows_failed
        self.tally.errors.extend(result.errors)
        assert result.merged is not None, "a batch is added once merged"
        self.tally.add_merged(result.merged)


class _InCallersTransaction(_Pipeline):
    """Inside a caller's transaction (tests) both steps run there in turn, and the import is a
    savepoint: a failure takes back its leads and the deferral of the roll-up together."""

    def __enter__(self) -> "_InCallersTransaction":
        self.savepoint = transaction.atomic()
        self.savepoint.__enter__()
        return self

    def __exit__(self, kind: type | None, exc: BaseException | None, trace: TracebackType | None) -> None:
        self.savepoint.__exit__(kind, exc, trace)

    def submit(self, batch: Batch) -> None:
        number = self._next_number()
        with connection.cursor() as cursor:
            result = self.loader.check(cursor, batch, number)
            self._begin(cursor, own_transaction=False)
            result.merged = self.loader.merge(cursor, number, result)
        self._add(result)

    def finish(self) -> None:
        """Apply the deferred roll-up, mark the affected snapshots dirty and the job done, in the
        caller's transaction."""
        experiment_ids = experiment_ids_for_keys(self.tally.keys)
        if self.begun:
            with connection.cursor() as cursor:
                self.loader.finish(cursor)
        snapshots_mark_dirty(experiment_ids=experiment_ids)
        self.lease.done(self.tally)


class _OnOwnConnections(_Pipeline):
    """Two plain database connections of its own, one thread each: the checking one commits each
    batch's checked table, the merging one keeps one transaction from the first batch to `finish`,
    so that a failed import leaves no lead of its file behind; the affected snapshots are marked
    dirty in that transaction too. Batch k + 1 is checked while batch k merges, and the next lines
    are read meanwhile; at most three batches are in flight. Both threads speak the caller's
    language.
    """

    def __init__(self, loader: BatchLoader, stream: ImportStream) -> None:
        super().__init__(loader, stream)
        self.language = translation.get_language()
        self.pending: deque[Future[BatchResult]] = deque()
        self.connections: list[psycopg.Connection[Any]] = []
        self.pools: list[ThreadPoolExecutor] = []
        try:
            for name in ("check", "merge"):
                raw = connection.get_new_connection(connection.get_connection_params())
                self.connections.append(raw)
                # Before the first temporary table: a batch's raw lines fit in memory.
                raw.execute("SET temp_buffers = '64MB'")
                raw.commit()
                self.pools.append(ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"import-{name}"))
            self.connections[0].autocommit = True  # one transaction per checked batch
            with self.connections[1].cursor() as cursor:
                loader.drop_tables(cursor)
            self.connections[1].commit()
        except Exception:
            self.close()
            raise

    def __enter__(self) -> "_OnOwnConnections":
        return self

    def __exit__(self, kind: type | None, exc: BaseException | None, trace: TracebackType | None) -> None:
        self.close()

    def submit(self, batch: Batch) -> None:
        number = self._next_number()
        checked = self.pools[0].submit(self._check, batch, number)
        self.pending.append(self.pools[1].submit(self._merge, checked, number))
        while len(self.pending) > 2:
            self._add(self.pending.popleft().result())  # re-raises a step's error here

    def _check(self, batch: Batch, number: int) -> BatchResult:
        check = self.connections[0]
        with translation.override(self.language), check.transaction(), check.cursor() as cursor:
            return self.loader.check(cursor, batch, number)

    def _merge(self, checked: Future[BatchResult], number: int) -> BatchResult:
        result = checked.result()
        with translation.override(self.language), self.connections[1].cursor() as cursor:
            self._begin(cursor, own_transaction=True)
            result.merged = self.loader.merge(cursor, number, result)
        return result

    def _commit(self, experiment_ids: list[int]) -> int:
        with self.connections[1].cursor() as cursor:
            if self.begun:
                self.loader.finish(cursor)
            newly_dirty = snapshots_mark_dirty_with(cursor, experiment_ids=experiment_ids)
            _mark_done(cursor, self.lease, self.tally)
        self.connections[1].commit()
        return newly_dirty

    def finish(self) -> None:
        """Wait for every batch, apply the deferred roll-up, mark the affected snapshots dirty and
        the job done, and commit the import."""
        while self.pending:
            self._add(self.pending.popleft().result())
        experiment_ids = experiment_ids_for_keys(self.tally.keys)
        if self.pools[1].submit(self._commit, experiment_ids).result():
            dirty.recompute_enqueue(countdown=dirty.debounce_seconds())

    def close(self) -> None:
        """Release the threads and connections; an import not finished is rolled back and its batch
        tables dropped. Never raises: an error here would hide the one that stopped the import."""
        try:
            for pending in self.pending:  # after an error: let the steps in flight finish
                pending.exception()
        finally:
            for pool in self.pools:
                pool.shutdown()
            for raw in reversed(self.connections):  # the merging one first: its transaction ends
                try:
                    if not raw.autocommit:
                        raw.rollback()
                    with raw.cursor() as cursor:
                        self.loader.drop_tables(cursor)
                    if not raw.autocommit:
                        raw.commit()
                    break
                except Exception:
                    logger.warning(
                        "Import %s: could not drop its batch tables here.", self.loader.job_id, exc_info=True
                    )
            for raw in self.connections:
                try:
                    raw.close()
                except Exception:
                    logger.warning("Import %s: a connection did not close.", self.loader.job_id, exc_info=True)


def _mark_done(cursor: psycopg.Cursor[Any], lease: ImportLease, tally: ImportTally) -> None:
    """Mark the job done on the import's own connection, in its transaction. A run whose lease was
    lost (another run claimed the job) rolls back instead: one run stores the file."""
    values = lease.done_values(tally)
    values["status"] = ImportJob.Status.DONE.value
    values["errors"] = Jsonb(values["errors"])
    sets = ", ".join(f"{name} = %s" for name in values)
    cursor.execute(
        f"UPDATE {ImportJob._meta.db_table} SET {sets} WHERE id = %s AND status = %s AND started_at = %s",  # noqa: S608 (column names only)
        [*values.values(), lease.job_id, ImportJob.Status.RUNNING.value, lease.started_at],
    )
    if cursor.rowcount != 1:
        raise LeaseLost(lease.job_id)
