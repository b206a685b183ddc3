"""CSV imports of leads: the file is stored, a Celery job streams it in batches.

The file is never loaded whole: it is read line by line through `csv`, in batches
(`metrics.services.import_csv`), and written by the database's `ImportBackend`
(`metrics.services.import_backend`), chosen once per run by `import_backend`. Memory is bounded by
the batch size, whatever the file size. This module holds the job's life: upload, claim, lease,
retries and the report (the claim and its lease in `metrics.services.import_lease`), and the sweep
that sends lost jobs again.
"""

import datetime as dt
import io
import logging
import time
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
from metrics.services.import_lease import ImportLease, LeaseLost, stalled
from metrics.services.import_orm import OrmImportBackend
from metrics.services.import_pg import PostgresImportBackend
from metrics.services.leads import LeadSource

logger = logging.getLogger(__name__)

# Runs of a job that keeps failing for a transient reason (a lost deadlock or database connection),
# the first one included; between them the run waits 1 s, then 2 s.
ATTEMPTS = 3


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


def import_backend() -> ImportBackend:
    """The import backend of the configured database: the one place that asks which it is."""
    return PostgresImportBackend() if connection.vendor == "postgresql" else OrmImportBackend()


def import_job_run(*, job_id: int) -> ImportRunResult:
    """Run a queued import job, or re-run one whose worker was lost (no heartbeat for
    IMPORT_STALLED_SECONDS; the upsert makes it safe). A job another run holds is left alone, so a
    repeated message never runs a job twice at once."""
    lease = ImportLease.claim(job_id)
    job = ImportJob.objects.get(id=job_id)
    if lease is None:
        return _result(job)
    with lease.heartbeat(), translation.override(job.language or settings.LANGUAGE_CODE):
        return _run_reporting(job, lease, import_backend())  # the report in the uploader's words


def _result(job: ImportJob) -> ImportRunResult:
    return ImportRunResult(job.status, job.rows_total, job.rows_ok, job.rows_failed)


def _run_reporting(job: ImportJob, lease: ImportLease, backend: ImportBackend) -> ImportRunResult:
    """Run the job; a run that failed for a transient reason left nothing behind and starts over
    while it keeps its lease, up to ATTEMPTS runs in all: PostgreSQL aborted it to break a
    deadlock, or its database connection was lost (killed, or the server restarted). (Lead posts
    and other imports wait for the lead-writes lock instead of deadlocking with it; this guards
    against any other writer.) Inside a caller's transaction a run cannot start over."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return _run(job, lease, backend)
        except UnicodeDecodeError as exc:
            problem = _("The file is not UTF-8 text (byte %(byte)s of a block could not be read).") % {
                "byte": exc.start
            }
            return _fail(job, lease, backend, problem)
        except LeaseLost:
            logger.warning("Import %s was claimed by another run; this one stops.", job.id)
            return _result(ImportJob.objects.get(id=job.id))
        except Exception as exc:
            if not connection.in_atomic_block:
                connection.close_if_unusable_or_obsolete()  # a lost connection: the next query opens one
            if backend.is_transient(exc) and attempt < ATTEMPTS and not connection.in_atomic_block:
                logger.warning("Import %s stopped (attempt %s: %s); it starts over.", job.id, attempt, exc)
                time.sleep(attempt)
                continue
            logger.exception("Import %s failed", job.id)
            return _fail(job, lease, backend, _("The import stopped: %(problem)s") % {"problem": exc})
    raise AssertionError("unreachable")


def _fail(job: ImportJob, lease: ImportLease, backend: ImportBackend, message: str) -> ImportRunResult:
    if not lease.fail(message, stored_nothing=backend.all_or_nothing):
        return _result(ImportJob.objects.get(id=job.id))  # another run holds it now
    return ImportRunResult(ImportJob.Status.FAILED)


def _run(job: ImportJob, lease: ImportLease, backend: ImportBackend) -> ImportRunResult:
    size = max(job.size_bytes, 1)
    tally = ImportTally()
    with job.file.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        try:
            delimiter, header = read_header(text)
        except HeaderRefused as refused:
            return _fail(job, lease, backend, str(refused))
        stream = ImportStream(
            lease=lease,
            text=text,
            delimiter=delimiter,
            header=header,
            tally=tally,
            position=lambda: raw.tell() / size,
            source=LeadSource.of_import(job),
        )
        backend.write(stream)  # and marks the job done
    return ImportRunResult(ImportJob.Status.DONE, tally.rows_total, tally.rows_ok, tally.rows_failed)


def imports_resume_stalled(*, queued_for: dt.timedelta | None = None) -> list[int]:
    """Send again the jobs whose message was lost: queued for longer than `queued_for` (the lease
    by default: the broker was down at the upload, or the worker that took the message died) or
    running without a heartbeat for a lease (the worker died). A message that was only late finds
    its job claimed and does nothing."""
    if queued_for is None:
        queued_for = dt.timedelta(seconds=settings.IMPORT_STALLED_SECONDS)
    stalled_jobs = ImportJob.objects.filter(
        Q(status=ImportJob.Status.QUEUED, created_at__lt=timezone.now() - queued_for) | stalled()
    )
    ids = list(stalled_jobs.order_by("id").values_list("id", flat=True))
    for job_id in ids:
        import_job_enqueue(job_id)
    return ids
