"""CSV imports of leads: the file is stored, a Celery job streams it in batches.

The file is never loaded whole: it is read line by line through `csv`, in batches
(`metrics.services.import_csv`), and written by the database's `ImportBackend`
(`metrics.services.import_backend`), chosen once per run by `import_backend`. Memory is bounded by
the batch size, whatever the file size. This module holds the job's life: upload, claim, lease,
retries, the report, and the sweep that sends lost jobs again.
"""

import datetime as dt
import io
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from metrics.models import ImportJob
from metrics.services.import_backend import ImportBackend, ImportStream, ImportTally
from metrics.services.import_csv import HeaderRefused, read_header
from metrics.services.import_orm import OrmImportBackend
from metrics.services.import_pg import PostgresImportBackend

logger = logging.getLogger(__name__)

ATTEMPTS = 3  # runs of a job that failed for a transient reason (a lost deadlock), the first one included


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
    transaction.on_commit(lambda: import_job_enqueue(job.id))
    return job


def import_job_enqueue(job_id: int) -> None:
    """Send the job's message; a broker failure is logged, the sweep sends it again later."""
    from metrics.tasks import run_import

    try:
        run_import.delay(job_id)
    except Exception:
        logger.warning("Could not enqueue import %s; it stays queued.", job_id, exc_info=True)


@dataclass
class ImportRunResult:
    status: str
    rows_total: int = 0
    rows_ok: int = 0
    rows_failed: int = 0


def _stalled() -> Q:
    """A running job whose worker is gone: no heartbeat for IMPORT_STALLED_SECONDS (or none at all
    since it started that long ago)."""
    before = timezone.now() - dt.timedelta(seconds=settings.IMPORT_STALLED_SECONDS)
    return Q(status=ImportJob.Status.RUNNING) & (
        Q(heartbeat_at__lt=before) | Q(heartbeat_at__isnull=True, started_at__lt=before)
    )


def import_backend() -> ImportBackend:
    """The import backend of the configured database: the one place that asks which it is."""
    return PostgresImportBackend() if connection.vendor == "postgresql" else OrmImportBackend()


def import_job_run(*, job_id: int) -> ImportRunResult:
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
        return _run_reporting(job, import_backend())  # the report in the uploader's words


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


def _run_reporting(job: ImportJob, backend: ImportBackend) -> ImportRunResult:
    """Run the job; a run that failed for a transient reason (PostgreSQL aborted it to break a
    deadlock) left nothing behind and starts over, up to ATTEMPTS times. (Lead posts and other
    imports wait for the lead-writes lock instead of deadlocking with it; this guards against any
    other writer.) Inside a caller's transaction a run cannot start over."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return _run(job, backend)
        except UnicodeDecodeError as exc:
            return _fail(
                job,
                backend,
                _("The file is not UTF-8 text (byte %(byte)s of a block could not be read).") % {"byte": exc.start},
            )
        except Exception as exc:
            if backend.is_transient(exc) and attempt < ATTEMPTS and not connection.in_atomic_block:
                logger.warning("Import %s lost a deadlock (attempt %s); it starts over.", job.id, attempt)
                time.sleep(attempt)
                continue
            logger.exception("Import %s failed", job.id)
            return _fail(job, backend, _("The import stopped: %(problem)s") % {"problem": exc})
    raise AssertionError("unreachable")


def _fail(job: ImportJob, backend: ImportBackend, message: str) -> ImportRunResult:
    # A failed all-or-nothing import stored nothing: counts of the rows it had merged would mislead.
    stored_nothing = {"rows_ok": 0, "created": 0, "updated": 0, "unchanged": 0} if backend.all_or_nothing else {}
    ImportJob.objects.filter(id=job.id).update(
        status=ImportJob.Status.FAILED, failure=message, finished_at=timezone.now(), **stored_nothing
    )
    return ImportRunResult(ImportJob.Status.FAILED)


def _run(job: ImportJob, backend: ImportBackend) -> ImportRunResult:
    size = max(job.size_bytes, 1)
    tally = ImportTally()
    with job.file.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        try:
            delimiter, header = read_header(text)
        except HeaderRefused as refused:
            return _fail(job, backend, str(refused))
        backend.write(
            ImportStream(
                job_id=job.id,
                text=text,
                delimiter=delimiter,
                header=header,
                tally=tally,
                checkpoint=lambda: _progress(job, min(raw.tell() / size, 0.99), tally),
            )
        )
    tally.keep_first_errors()
    with transaction.atomic():
        backend.on_done(tally)
        ImportJob.objects.filter(id=job.id).update(
            status=ImportJob.Status.DONE,
            progress=1.0,
            errors=tally.errors,
            finished_at=timezone.now(),
            **tally.counts(),
        )
    return ImportRunResult(ImportJob.Status.DONE, tally.rows_total, tally.rows_ok, tally.rows_failed)


def _progress(job: ImportJob, progress: float, tally: ImportTally) -> None:
    ImportJob.objects.filter(id=job.id).update(
        progress=progress, errors=tally.errors, heartbeat_at=timezone.now(), **tally.counts()
    )


def imports_resume_stalled(*, queued_for: dt.timedelta = dt.timedelta(minutes=2)) -> list[int]:
    """Send again the jobs whose message was lost: queued for a while (the broker was down at the
    upload) or running without a heartbeat (the worker died). A message that was only late finds
    its job claimed and does nothing."""
    stalled = ImportJob.objects.filter(
        Q(status=ImportJob.Status.QUEUED, created_at__lt=timezone.now() - queued_for) | _stalled()
    )
    ids = list(stalled.order_by("id").values_list("id", flat=True))
    for job_id in ids:
        import_job_enqueue(job_id)
    return ids
