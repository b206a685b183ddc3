"""CSV imports of leads: the file is stored, a Celery job streams it in batches.

The file is never loaded whole: it is read line by line through `csv`, in batches. On PostgreSQL
each batch is copied as text and checked set-based in SQL (`metrics.services.import_sql`; rows SQL
cannot vouch for are cleaned by the same `LeadCleaner` as the JSON API), then merged. On SQLite
(demo) each batch is cleaned by `LeadCleaner` and merged by the ORM. Memory is bounded by the batch
size, whatever the file size.
"""

import csv
import datetime as dt
import io
import logging
import threading
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from metrics.models import ImportJob
from metrics.rows import LEAD_FIELDS
from metrics.services import dirty
from metrics.services.dirty import (
    experiment_ids_for_keys,
    snapshots_mark_dirty,
    snapshots_mark_dirty_by_keys,
    snapshots_mark_dirty_with,
)
from metrics.services.import_sql import BatchLoader, BatchResult, malformed, read_batches, wrong_width
from metrics.services.leads import LeadSource, MergeCounts, lead_cleaner, merge_orm
from tracker.db import is_deadlock

logger = logging.getLogger(__name__)

BATCH_ROWS = 20_000  # SQLite (demo)
PG_BATCH_ROWS = 50_000  # lines of text; each batch is checked in a transaction of its own
PG_FIRST_BATCH_ROWS = 10_000  # smaller, so that merging starts sooner
DEADLOCK_ATTEMPTS = 3
MAX_STORED_ERRORS = 1_000  # the report keeps the first ones; rows_failed counts them all


def _human_size(size: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:,.0f} {unit}" if unit == "bytes" else f"{size:,.1f} {unit}"
        size /= 1024
    return str(size)


@transaction.atomic
def import_job_create(*, file, by) -> ImportJob:
    """Store an uploaded CSV file and enqueue its import after commit."""
    limit = settings.IMPORT_MAX_BYTES
    if file is None:
        raise ValidationError({"file": [_("Attach a CSV file.")]})
    if file.size > limit:
        raise ValidationError(
            {
                "file": [
                    _(
                        "The file is %(size)s; the import limit is %(limit)s (%(bytes)s bytes). "
                        "Split it into smaller files."
                    )
                    % {"size": _human_size(file.size), "limit": _human_size(limit), "bytes": f"{limit:,}"}
                ]
            }
        )
    if file.size == 0:
        raise ValidationError({"file": [_("The file is empty.")]})
    job = ImportJob.objects.create(
        file=file,
        original_name=(getattr(file, "name", "") or "")[:255],
        size_bytes=file.size,
        created_by=by if getattr(by, "pk", None) else None,
        language=translation.get_language() or "",
    )
    transaction.on_commit(lambda: _enqueue(job.id))
    return job


def _enqueue(job_id: int) -> None:
    from metrics.tasks import import_run as import_task

    try:
        import_task.delay(job_id)
    except Exception:
        logger.warning("Could not enqueue import %s; it stays queued.", job_id, exc_info=True)


@dataclass
class ImportRunResult:
    status: str
    rows_total: int = 0
    rows_ok: int = 0
    rows_failed: int = 0


def _sniff_delimiter(header: str) -> str:
    return ";" if header.count(";") > header.count(",") else ","


def _records(text: io.TextIOBase, delimiter: str, header: list[str]) -> Iterator[tuple[int, dict | None, str]]:
    """(line number in the file, row dict or None, problem) for every data line, malformed ones
    included. The header was read already: it is line 1."""
    reader = csv.reader(text, delimiter=delimiter, strict=True)
    width = len(header)
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield reader.line_num + 1, None, malformed(exc)
            continue
        if not fields or (len(fields) == 1 and not fields[0].strip()):
            continue  # blank line
        if len(fields) != width:
            yield reader.line_num + 1, None, wrong_width(width, len(fields))
            continue
        yield reader.line_num + 1, dict(zip(header, fields, strict=True)), ""


def _stalled() -> Q:
    """A running job whose worker is gone: no heartbeat for IMPORT_STALLED_SECONDS (or none at all
    since it started that long ago)."""
    before = timezone.now() - dt.timedelta(seconds=settings.IMPORT_STALLED_SECONDS)
    return Q(status=ImportJob.Status.RUNNING) & (
        Q(heartbeat_at__lt=before) | Q(heartbeat_at__isnull=True, started_at__lt=before)
    )


def import_run(*, job_id: int) -> ImportRunResult:
    """Run a queued import job, or re-run one whose worker was lost (no heartbeat for
    IMPORT_STALLED_SECONDS; the upsert makes it safe). A job another worker is running is left
    alone, so a repeated message never runs a job twice at once."""
    now = timezone.now()
    claimed = (
        ImportJob.objects.filter(id=job_id)
        .filter(Q(status=ImportJob.Status.QUEUED) | _stalled())
        .update(status=ImportJob.Status.RUNNING, started_at=now, heartbeat_at=now, progress=0.0)
    )
    job = ImportJob.objects.get(id=job_id)
    if not claimed:
        return ImportRunResult(job.status, job.rows_total, job.rows_ok, job.rows_failed)
    with _heartbeat(job.id), translation.override(job.language or settings.LANGUAGE_CODE):
        return _run_reporting(job)  # the report in the uploader's words


@contextmanager
def _heartbeat(job_id: int) -> Iterator[None]:
    """Keep the job's lease while it runs, also while it waits (for another import's lock, say):
    a thread moves `heartbeat_at` a few times per IMPORT_STALLED_SECONDS."""
    stop = threading.Event()
    interval = max(settings.IMPORT_STALLED_SECONDS / 5, 1)

    def beat() -> None:
        try:
            while not stop.wait(interval):
                try:
                    ImportJob.objects.filter(id=job_id, status=ImportJob.Status.RUNNING).update(
                        heartbeat_at=timezone.now()
                    )
                except Exception:
                    logger.warning("Import %s: the heartbeat could not be written.", job_id, exc_info=True)
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=beat, name=f"import-{job_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _run_reporting(job: ImportJob) -> ImportRunResult:
    """Run the job; a run PostgreSQL aborted to break a deadlock left nothing behind and starts
    over, up to DEADLOCK_ATTEMPTS times. (Lead posts and other imports wait for the lead-writes
    lock instead of deadlocking with it; this guards against any other writer.)"""
    for attempt in range(1, DEADLOCK_ATTEMPTS + 1):
        try:
            return _run(job)
        except UnicodeDecodeError as exc:
            return _fail(
                job, _("The file is not UTF-8 text (byte %(byte)s of a block could not be read).") % {"byte": exc.start}
            )
        except Exception as exc:
            if is_deadlock(exc) and attempt < DEADLOCK_ATTEMPTS and not connection.in_atomic_block:
                logger.warning("Import %s lost a deadlock (attempt %s); it starts over.", job.id, attempt)
                time.sleep(attempt)
                continue
            logger.exception("Import %s failed", job.id)
            return _fail(job, _("The import stopped: %(problem)s") % {"problem": exc})
    raise AssertionError("unreachable")


def _fail(job: ImportJob, message: str) -> ImportRunResult:
    # On PostgreSQL a failed import stored nothing: counts of the rows it had merged would mislead.
    stored_nothing = (
        {"rows_ok": 0, "created": 0, "updated": 0, "unchanged": 0} if connection.vendor == "postgresql" else {}
    )
    ImportJob.objects.filter(id=job.id).update(
        status=ImportJob.Status.FAILED, failure=message, finished_at=timezone.now(), **stored_nothing
    )
    return ImportRunResult(ImportJob.Status.FAILED)


def _run(job: ImportJob) -> ImportRunResult:
    size = max(job.size_bytes, 1)
    totals = {"rows_total": 0, "rows_ok": 0, "rows_failed": 0, "created": 0, "updated": 0, "unchanged": 0}
    errors: list[dict] = []
    keys: set[str] = set()
    with job.file.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        first = text.readline()
        if not first.strip():
            return _fail(job, _("The file has no header row."))
        delimiter = _sniff_delimiter(first)
        header = [name.strip().lower() for name in next(csv.reader([first], delimiter=delimiter))]
        repeated = sorted({name for name in header if name and header.count(name) > 1})
        if repeated:
            return _fail(
                job, _("The header row names the column(s) %(names)s more than once.") % {"names": ", ".join(repeated)}
            )
        missing = [name for name in ("external_id", "created_at") if name not in header]
        if missing:
            return _fail(
                job,
                _("The header row lacks the column(s) %(missing)s. Expected columns: %(expected)s.")
                % {"missing": ", ".join(missing), "expected": ", ".join(LEAD_FIELDS)},
            )
        if connection.vendor == "postgresql":
            _stream_pg(text, delimiter, header, totals, errors, keys, lambda: raw.tell() / size, job)
        else:
            _stream(text, delimiter, header, lead_cleaner(), totals, errors, keys, lambda: raw.tell() / size, job)
    errors.sort(key=lambda error: error["line"])
    del errors[MAX_STORED_ERRORS:]
    with transaction.atomic():
        if connection.vendor != "postgresql":  # PostgreSQL marked them in the import's own transaction
            snapshots_mark_dirty_by_keys(keys=keys)
        ImportJob.objects.filter(id=job.id).update(
            status=ImportJob.Status.DONE, progress=1.0, errors=errors, finished_at=timezone.now(), **totals
        )
    return ImportRunResult(ImportJob.Status.DONE, totals["rows_total"], totals["rows_ok"], totals["rows_failed"])


def import_source(job: ImportJob) -> LeadSource:
    """The source stamped on the leads an import writes: the job and its uploader."""
    return LeadSource(user_id=job.created_by_id, import_id=job.id)


def _stream(text, delimiter, header, cleaner, totals, errors, keys, position, job) -> None:
    """SQLite: clean the lines in Python and merge full batches through the ORM."""
    source = import_source(job)
    batch: list[tuple] = []
    for line, record, problem in _records(text, delimiter, header):
        totals["rows_total"] += 1
        values, row_errors = (None, {"non_field_errors": [problem]}) if record is None else cleaner.clean(record)
        if values is None:
            totals["rows_failed"] += 1
            if len(errors) < MAX_STORED_ERRORS:
                errors.append({"line": line, "external_id": (record or {}).get("external_id"), "errors": row_errors})
            continue
        batch.append(values)
        if len(batch) >= BATCH_ROWS:
            _merge_batch(batch, totals, keys, source)
            batch = []
            _progress(job, min(position(), 0.99), totals, errors)
    if batch:
        _merge_batch(batch, totals, keys, source)


@transaction.atomic
def _merge_batch(batch: list[tuple], totals: dict, keys: set[str], source: LeadSource) -> None:
    _count(batch, merge_orm(batch, source=source), totals, keys)


def _stream_pg(text, delimiter, header, totals, errors, keys, position, job) -> None:
    """PostgreSQL: split lines into text batches and hand them to the loader, which also marks the
    affected snapshots dirty in the import's transaction."""

    def problem(line: int, message: str) -> None:
        totals["rows_total"] += 1
        totals["rows_failed"] += 1
        errors.append({"line": line, "external_id": None, "errors": {"non_field_errors": [message]}})

    batches = read_batches(
        text, delimiter, header, PG_BATCH_ROWS, problem, first_batch_rows=min(PG_FIRST_BATCH_ROWS, PG_BATCH_ROWS)
    )
    loader = _PgLoader(
        BatchLoader(header, lead_cleaner(), settings.TIME_ZONE, job.id, source=import_source(job)), totals, errors, keys
    )
    # Inside a caller's transaction (tests) the import is a savepoint: a failure takes back its
    # leads and the deferral of the roll-up together.
    with transaction.atomic() if connection.in_atomic_block else nullcontext():
        try:
            for batch in batches:
                totals["rows_total"] += len(batch.lines) + len(batch.python_rows)
                loader.submit(batch)
                if len(errors) > 2 * MAX_STORED_ERRORS:  # keep the first lines' errors, bounded
                    errors.sort(key=lambda error: error["line"])
                    del errors[MAX_STORED_ERRORS:]
                _progress(job, min(position(), 0.99), totals, errors)
            loader.finish()
        finally:
            loader.close()


class _PgLoader:
    """Checks and merges batches in order; all merges of an import are one transaction.

    Outside a surrounding transaction it works on two plain database connections of its own, one
    thread each: the checking one commits each batch's checked table, the merging one keeps one
    transaction from the first batch to `finish`, so that a failed import leaves no lead of its
    file behind; the affected snapshots are marked dirty in that transaction too. Batch k + 1 is
    checked while batch k merges, and the next lines are read meanwhile; at most three batches are
    in flight. Results are added up by the calling thread, in file order. Both threads speak the
    caller's language. Inside a surrounding transaction (tests), both steps run there in turn.
    """

    def __init__(self, loader: BatchLoader, totals: dict, errors: list[dict], keys: set[str]) -> None:
        self.loader, self.totals, self.errors, self.keys = loader, totals, errors, keys
        self.language = translation.get_language()
        self.number = 0
        self.begun = False
        self.pending: deque[Future] = deque()
        self.connections: list = []
        self.pools: list[ThreadPoolExecutor] = []
        if connection.in_atomic_block:
            return
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

    def submit(self, batch) -> None:
        number, self.number = self.number, self.number + 1
        if not self.pools:
            with connection.cursor() as cursor:
                result = self.loader.check(cursor, batch, number)
                self._begin(cursor, own_transaction=False)
                result.merged = self.loader.merge(cursor, number, result)
            self._add(result)
            return
        checked = self.pools[0].submit(self._check, batch, number)
        self.pending.append(self.pools[1].submit(self._merge, checked, number))
        while len(self.pending) > 2:
            self._add(self.pending.popleft().result())  # re-raises a step's error here

    def _begin(self, cursor, *, own_transaction: bool) -> None:
        if not self.begun:
            self.loader.begin(cursor, own_transaction=own_transaction)
            self.begun = True

    def _check(self, batch, number: int) -> BatchResult:
        check = self.connections[0]
        with translation.override(self.language), check.transaction(), check.cursor() as cursor:
            return self.loader.check(cursor, batch, number)

    def _merge(self, checked: Future, number: int) -> BatchResult:
        result = checked.result()
        with translation.override(self.language), self.connections[1].cursor() as cursor:
            self._begin(cursor, own_transaction=True)
            result.merged = self.loader.merge(cursor, number, result)
        return result

    def _finish(self, experiment_ids: list[int]) -> int:
        with self.connections[1].cursor() as cursor:
            if self.begun:
                self.loader.finish(cursor)
            newly_dirty = snapshots_mark_dirty_with(cursor, experiment_ids=experiment_ids)
        self.connections[1].commit()
        return newly_dirty

    def _add(self, result: BatchResult) -> None:
        self.totals["rows_ok"] += result.rows_ok
        self.totals["rows_failed"] += result.rows_failed
        self.errors.extend(result.errors)
        self.totals["created"] += result.merged.created
        self.totals["updated"] += result.merged.updated
        self.totals["unchanged"] += result.merged.unchanged
        self.keys.update(result.merged.keys)

    def finish(self) -> None:
        """Wait for every batch, apply the deferred roll-up, mark the affected snapshots dirty and
        commit the import."""
        while self.pending:
            self._add(self.pending.popleft().result())
        experiment_ids = experiment_ids_for_keys(self.keys)
        if not self.pools:
            if self.begun:
                with connection.cursor() as cursor:
                    self.loader.finish(cursor)
            snapshots_mark_dirty(experiment_ids=experiment_ids)  # in the caller's transaction
            return
        if self.pools[1].submit(self._finish, experiment_ids).result():
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


def _count(batch: list[tuple], merged: MergeCounts, totals: dict, keys: set[str]) -> None:
    totals["rows_ok"] += len(batch)
    totals["created"] += merged.created
    totals["updated"] += merged.updated
    totals["unchanged"] += merged.unchanged
    keys.update(merged.keys)


def _progress(job: ImportJob, progress: float, totals: dict, errors: list[dict]) -> None:
    ImportJob.objects.filter(id=job.id).update(progress=progress, errors=errors, heartbeat_at=timezone.now(), **totals)


def imports_resume_stalled(*, queued_for: dt.timedelta = dt.timedelta(minutes=2)) -> list[int]:
    """Send again the jobs whose message was lost: queued for a while (the broker was down at the
    upload) or running without a heartbeat (the worker died). A message that was only late finds
    its job claimed and does nothing."""
    stalled = ImportJob.objects.filter(
        Q(status=ImportJob.Status.QUEUED, created_at__lt=timezone.now() - queued_for) | _stalled()
    )
    ids = list(stalled.order_by("id").values_list("id", flat=True))
    for job_id in ids:
        _enqueue(job_id)
    return ids
