"""Spend files (`kind=spend`, docs/imports.md): the rows of an ad-cabinet report, stored a chunk at
a time by the same service as the JSON API (`spend_create`), so that a file's rows are checked,
keyed and upserted exactly as posted ones. Each chunk is a transaction of its own: a failure keeps
the chunks before it, and running the file again replaces its rows (they are keyed)."""

from collections.abc import Callable, Iterator
from typing import Any

from metrics.services.import_backend import MAX_STORED_ERRORS, ImportTally
from metrics.services.import_lease import ImportLease
from metrics.services.spend import spend_create

CHUNK_ROWS = 5_000


def spend_import(
    rows: Iterator[tuple[int, dict[str, str] | None, str]],
    *,
    lease: ImportLease,
    tally: ImportTally,
    position: Callable[[], float],
    by: Any,
) -> None:
    """Store the rows' spend; count every row and its errors in the tally; mark the job done."""
    chunk: list[tuple[int, dict[str, str]]] = []
    for line, row, problem in rows:
        tally.rows_total += 1
        if row is None:
            _error(tally, line, None, {"non_field_errors": [problem]})
            continue
        chunk.append((line, row))
        if len(chunk) >= CHUNK_ROWS:
            _store(chunk, tally, by)
            chunk = []
            lease.progress(min(position(), 0.99), tally)
    if chunk:
        _store(chunk, tally, by)
    lease.done(tally)  # spend_create marked the experiments dirty with each chunk


def _store(chunk: list[tuple[int, dict[str, str]]], tally: ImportTally, by: Any) -> None:
    result = spend_create(rows=[row for _line, row in chunk], by=by)
    tally.created += result.created
    tally.updated += result.updated
    tally.unchanged += result.unchanged
    tally.rows_failed += len(result.errors)
    tally.rows_ok += len(chunk) - len(result.errors)
    for error in result.errors:
        line, row = chunk[error["index"]]
        _error(tally, line, row.get("external_id"), error["errors"])


def _error(tally: ImportTally, line: int, external_id: str | None, errors: dict[str, Any]) -> None:
    if len(tally.errors) < MAX_STORED_ERRORS:  # the first lines' errors: the rows come in file order
        tally.errors.append({"line": line, "external_id": external_id, "errors": errors})
