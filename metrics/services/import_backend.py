"""The seam between a CSV import and the database it writes to.

An import job reads its file's header (`metrics.services.import_csv`), then hands the data lines to
one `ImportBackend`, chosen once per run by `metrics.services.imports.import_backend`:
`PostgresImportBackend` (lines checked set-based in SQL, the whole import one transaction) or
`OrmImportBackend` (SQLite, the demo database: rows cleaned in Python, batches committed one by
one). Everything that differs between the two databases lives behind this interface.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, TextIO

from metrics.services.leads import MergeCounts

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
    errors: list[dict] = field(default_factory=list)
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

    job_id: int
    text: TextIO  # the file's data lines, after its header
    delimiter: str
    header: tuple[str, ...]  # the column names, trimmed and lower-cased
    tally: ImportTally  # the backend adds every line and lead to it
    checkpoint: Callable[[], None]  # after each batch: the job's progress and counts so far


class ImportBackend(Protocol):
    """How an import's lines are checked and written on one kind of database."""

    # A failed run stored nothing (the whole import is one transaction), so its counts are zeroed.
    all_or_nothing: bool

    def write(self, stream: ImportStream) -> None:
        """Read the data lines, store the valid rows as leads and count everything in the tally.

        Raises what stopped it; the caller reports it on the job.
        """

    def on_done(self, tally: ImportTally) -> None:
        """Anything left to do in the transaction that marks the job done (the snapshots the run
        made stale, unless `write` marked them in its own transaction)."""

    def is_transient(self, exc: BaseException) -> bool:
        """The run failed for a reason that leaves nothing behind and may pass: start it over."""
