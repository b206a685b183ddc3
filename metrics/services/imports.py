"""Imports of leads and spend: the file is stored, a Celery job streams it in batches.

The file is never loaded whole: it is read row by row (`metrics.services.import_rows`: today's CSV
through `csv`, any other export through `metrics.sources`), in batches, and written by the database's `ImportBackend`
(`metrics.services.import_backend`), chosen once per run by `import_backend`. Memory is bounded by
the batch size, whatever the file size. This module holds the job's life: upload, claim, lease,
retries and the report (the claim and its lease in `metrics.services.import_lease`), and the sweep
that sends lost jobs again.
"""

import datetime as dt
import logging
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from metrics.models import ImportJob, ImportUpload
from metrics.services.import_backend import ImportBackend, ImportStream, ImportTally
from metrics.services.import_lease import ImportLease, LeaseLost, stalled
from metrics.services.import_options import import_options_clean, stored_options
from metrics.services.import_orm import OrmImportBackend
from metrics.services.import_pg import PostgresImportBackend
from metrics.services.import_rows import FileRefused, MappingRefused, file_mapping, job_rows, preview_payload
from metrics.services.import_spend import spend_import
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


def _file_refusal(file) -> ValidationError | None:
    limit = settings.IMPORT_MAX_BYTES
    if file is None:
        return ValidationError({"file": [_("Attach a file: a CSV or Excel export of the CRM or ad cabinet.")]})
    if file.size > limit:
        return ValidationError(
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
        return ValidationError({"file": [_("The file is empty.")]})
    return None


def _upload_get(token: object) -> ImportUpload:
    try:
        return ImportUpload.objects.get(token=uuid.UUID(str(token)))
    except (ValueError, ImportUpload.DoesNotExist):
        raise ValidationError({"upload": [_("This uploaded file is no longer here: upload the file again.")]}) from None


def _stored(model, *, file, upload, by, **fields):
    """A row holding the request's file: a new upload, or the file a preview stored (`upload`)."""
    creator = by if getattr(by, "pk", None) else None
    if upload not in (None, ""):
        stored = _upload_get(upload)
        return model.objects.create(
            file=stored.file.name,
            original_name=stored.original_name,
            size_bytes=stored.size_bytes,
            created_by=creator,
            **fields,
        )
    refusal = _file_refusal(file)
    if refusal is not None:
        raise refusal
    return model.objects.create(
        file=file,
        original_name=(getattr(file, "name", "") or "")[:255],
        size_bytes=file.size,
        created_by=creator,
        **fields,
    )


def _refused(row, *, delete_file: bool, errors: dict[str, list[str]]) -> ValidationError:
    """The row's upload is refused: its file goes (the transaction takes the row back)."""
    if delete_file:
        row.file.delete(save=False)
    return ValidationError(errors)


@transaction.atomic
def import_job_create(*, file=None, upload=None, by, **options: object) -> ImportJob:
    """Store an uploaded file (or take the one a preview stored, by its `upload` token) and enqueue
    its import after commit. `options` are the request's (`kind`, `preset`, `sheet`, `profile`,
    `mapping`, `stages`, `reasons`, `campaigns`; docs/imports.md): the file is checked against them
    now, so that a file that is not a table or a mapping that does not fit it is refused with
    nothing queued. Without options a `tracker` CSV is imported exactly as it always was."""
    parsed = import_options_clean(options)
    new_file = upload in (None, "")
    job = _stored(
        ImportJob, file=file, upload=upload, by=by, kind=parsed.kind, language=translation.get_language() or ""
    )
    try:
        _sniffed, mapping = file_mapping(Path(job.file.path), parsed)
    except FileRefused as exc:
        raise _refused(job, delete_file=new_file, errors={"file": [str(exc)]}) from None
    except MappingRefused as exc:
        raise _refused(job, delete_file=new_file, errors=exc.errors) from None
    if mapping is not None:
        job.options = stored_options(mapping, parsed.sheet)
        job.save(update_fields=["options"])
    transaction.on_commit(lambda: import_job_enqueue(job.id))
    return job


@transaction.atomic
def import_preview(*, file=None, upload=None, by, **options: object) -> dict[str, Any]:
    """imports.md's preview: the file is stored (or a stored one read again by its `upload` token)
    and described; its token lets the import reuse it."""
    parsed = import_options_clean(options)
    new_file = upload in (None, "")
    stored = _stored(ImportUpload, file=file, upload=upload, by=by) if new_file else _upload_get(upload)
    try:
        payload = preview_payload(Path(stored.file.path), options=parsed)
    except FileRefused as exc:
        raise _refused(stored, delete_file=new_file, errors={"file": [str(exc)]}) from None
    return {"upload": str(stored.token), "original_name": stored.original_name, **payload}


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
    tally = ImportTally()
    try:
        with job_rows(job) as source:
            if source.spend is not None:
                spend_import(source.spend, lease=lease, tally=tally, position=source.position, by=job.created_by)
            else:
                stream = ImportStream(
                    lease=lease,
                    rows=source.rows,
                    header=source.header,
                    tally=tally,
                    position=source.position,
                    source=LeadSource.of_import(job),
                )
                backend.write(stream)  # and marks the job done
    except FileRefused as refused:
        return _fail(job, lease, backend, str(refused))
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


def import_uploads_forget(*, older_than: dt.timedelta | None = None) -> int:
    """Delete previewed files older than IMPORT_UPLOAD_DAYS, and their rows; a file an import job
    reads stays (the job's report links it), only the upload's row goes."""
    if older_than is None:
        older_than = dt.timedelta(days=settings.IMPORT_UPLOAD_DAYS)
    old = ImportUpload.objects.filter(created_at__lt=timezone.now() - older_than)
    imported = set(ImportJob.objects.filter(file__in=old.values("file")).values_list("file", flat=True))
    count = 0
    for upload in old.iterator():
        if upload.file.name not in imported:
            upload.file.delete(save=False)
        upload.delete()
        count += 1
    return count
