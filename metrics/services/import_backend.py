"""The seam between a lead import and the database it writes to.

An import job reads its file's header (`metrics.services.import_rows`), then hands the data rows,
as the tracker's rows, to one `ImportBackend`, chosen once per run by `metrics.services.imports.import_backend`:
`PostgresImportBackend` (lines checked set-based in SQL, the whole import one transaction) or
`OrmImportBackend` (SQLite, the demo database: rows cleaned in Python, batches committed one by
one). Everything that differs between the two databases lives behind this interface.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from metrics.services.import_csv import Row
from metrics.services.import_lease import ImportLease
from metrics.services.leads import LeadSource, MergeCounts

MAX_STORED_ERRORS = 1_000  # the report keeps the first ones; rows_failed counts them all


@dataclass
class ImportTally:
    """What a run has counted so far: lines, leads, line errors and the utm keys it touched."""

    rows_total: int = 0
    rows_ok: int = 0
    rows_failed: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)  # {line, external_id, errors}: JSON
    keys: set[str] = field(default_factory=set)

    def counts(self) -> dict[str, int]:
        """The job's count columns, by name."""
        return {
            "rows_total": self.rows_total,
            "rows_ok": self.rows_ok,
            "rows_failed": self.rows_failed,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }

    def add_merged(self, merged: MergeCounts) -> None:
        self.created += merged.created
        self.updated += merged.updated
        self.unchanged += merged.unchanged
        self.keys.update(merged.keys)

    def keep_first_errors(self, limit: int = MAX_STORED_ERRORS) -> None:
        """The errors of the first lines of the file, at most `limit` of them."""
        self.errors.sort(key=lambda error: error["line"])
        del self.errors[limit:]


@dataclass(frozen=True)
class ImportStream:
    """One run of an import job, as a backend writes it: the data lines (the header was read) and
    where the results go."""

    lease: ImportLease  # the run's hold on its job: every write to the job row goes through it
    rows: Iterator[Row]  # the file's data rows as the tracker's rows, after its header
    header: tuple[str, ...]  # the tracker's column names, in the order of each row's fields
    tally: ImportTally  # the backend adds every line and lead to it
    position: Callable[[], float]  # how far the file has been read, 0..1
    source: LeadSource  # stamped on every lead the run creates or changes: the job and its uploader

    @property
    def job_id(self) -> int:
        return self.lease.job_id

    def checkpoint(self) -> None:
        """After each batch: the job's progress and counts so far. Raises `LeaseLost` when another
        run holds the job now."""
        self.lease.progress(min(self.position(), 0.99), self.tally)


class ImportBackend(Protocol):
    """How an import's lines are checked and written on one kind of database."""

    # A failed run stored nothing (the whole import is one transaction): its counts are zeroed, and
    # a run lost to a transient error may simply start over.
    all_or_nothing: bool

    def write(self, stream: ImportStream) -> None:
        """Read the data lines, store the valid rows as leads, count everything in the tally and
        mark the affected snapshots dirty; then mark the job done (`stream.lease`) in the
        transaction that commits the last rows, so that the job is done exactly when they are.

        Raises what stopped it; the caller reports it on the job.
        """

    def is_transient(self, exc: BaseException) -> bool:
        """The run failed for a reason that left nothing behind and may pass: start it over."""
