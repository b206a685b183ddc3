"""An import run's hold on its job: the claim, the heartbeat that keeps it, and the lease's end.

A worker claims a job by a conditional UPDATE (queued, or running with a heartbeat older than
IMPORT_STALLED_SECONDS); the claim's `started_at` is the run's token. Every later write of the run
to the job row (progress, heartbeat, done, failed) is conditional on that token, so a run whose
job was claimed again (its worker seemed dead for a whole lease) finds out at its next write and
stops without touching the job: a job never runs twice at once, and one run reports it.
"""

import datetime as dt
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from metrics.models import ImportJob

if TYPE_CHECKING:  # the backend's stream holds a lease: a real import would be circular
    from metrics.services.import_backend import ImportTally

logger = logging.getLogger(__name__)


class LeaseLost(Exception):
    """Another run claimed this run's job: this one stops and leaves the job to it."""


def stalled() -> Q:
    """A running job whose worker is gone: no heartbeat for IMPORT_STALLED_SECONDS (or none at all
    since it started that long ago)."""
    before = timezone.now() - dt.timedelta(seconds=settings.IMPORT_STALLED_SECONDS)
    return Q(status=ImportJob.Status.RUNNING) & (
        Q(heartbeat_at__lt=before) | Q(heartbeat_at__isnull=True, started_at__lt=before)
    )


@dataclass(frozen=True)
class ImportLease:
    job_id: int
    started_at: dt.datetime  # the claim's token

    @classmethod
    def claim(cls, job_id: int) -> "ImportLease | None":
        """Claim a queued job, or a running one whose worker was lost; None when another run
        holds it (or it is over)."""
        now = timezone.now()
        claimed = (
            ImportJob.objects.filter(id=job_id)
            .filter(Q(status=ImportJob.Status.QUEUED) | stalled())
            .update(status=ImportJob.Status.RUNNING, started_at=now, heartbeat_at=now, progress=0.0)
        )
        return cls(job_id, now) if claimed else None

    def job(self) -> QuerySet:
        """The job row, as long as this run holds it."""
        return ImportJob.objects.filter(id=self.job_id, status=ImportJob.Status.RUNNING, started_at=self.started_at)

    def progress(self, progress: float, tally: "ImportTally") -> None:
        """Report progress and the counts so far; the heartbeat moves too."""
        counts = tally.counts()
        if not self.job().update(progress=progress, errors=tally.errors, heartbeat_at=timezone.now(), **counts):
            raise LeaseLost(self.job_id)

    def done_values(self, tally: "ImportTally") -> dict:
        """The job's columns once it is done (the first lines' errors only)."""
        tally.keep_first_errors()
        return {
            "status": ImportJob.Status.DONE,
            "progress": 1.0,
            "errors": tally.errors,
            "finished_at": timezone.now(),
            **tally.counts(),
        }

    def done(self, tally: "ImportTally") -> None:
        """Mark the job done, in the caller's transaction."""
        if not self.job().update(**self.done_values(tally)):
            raise LeaseLost(self.job_id)

    def fail(self, message: str, *, stored_nothing: bool) -> bool:
        """Mark the job failed; False when another run holds it now. A run that `stored_nothing`
        (an all-or-nothing import) zeroes its counts: counts of rows it had merged would mislead."""
        zeroed = {"rows_ok": 0, "created": 0, "updated": 0, "unchanged": 0} if stored_nothing else {}
        return bool(
            self.job().update(status=ImportJob.Status.FAILED, failure=message, finished_at=timezone.now(), **zeroed)
        )

    @contextmanager
    def heartbeat(self) -> Iterator[None]:
        """Keep the lease while the run goes on, also while it waits (for another import's lock, or
        between attempts): a thread of its own moves `heartbeat_at` every IMPORT_HEARTBEAT_SECONDS,
        on a database connection of its own. It stops when the lease is lost."""
        stop = threading.Event()
        interval = settings.IMPORT_HEARTBEAT_SECONDS

        def beat() -> None:
            try:
                while not stop.wait(interval):
                    try:
                        if not self.job().update(heartbeat_at=timezone.now()):
                            if not ImportJob.objects.filter(id=self.job_id, started_at=self.started_at).exists():
                                logger.warning("Import %s: another run holds it now; this one stops.", self.job_id)
                            return  # or this run has just marked it done or failed
                    except Exception:
                        logger.warning("Import %s: the heartbeat could not be written.", self.job_id, exc_info=True)
                        connection.close_if_unusable_or_obsolete()  # the next beat connects again
            finally:
                connection.close()  # this thread's own connection

        thread = threading.Thread(target=beat, name=f"import-{self.job_id}-heartbeat", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()
