"""Reading an import's CSV file: its header row, its data lines, and the messages for lines that are
not well-formed CSV. No database here.

Both import backends read through this module: the ORM one record by record (`records`), the
PostgreSQL one in batches of COPY text lines (`read_batches`). Either way a file is read line by
line through the C `csv` reader, so memory is bounded by a batch, whatever the file's size.
"""

import csv
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TextIO

from django.utils.translation import gettext as _

from metrics.rows import LEAD_FIELDS
from metrics.sources.tables import bounded_lines, is_too_long, too_long
from tracker.input_limits import visible

REQUIRED = ("external_id", "created_at")


class HeaderRefused(Exception):
    """The header row cannot be imported; the message says why in the uploader's language."""


def read_header(text: TextIO) -> tuple[str, tuple[str, ...]]:
    """Read the file's first line: its delimiter (`;` when it has more of them than commas) and the
    column names, trimmed and lower-cased. The data lines follow in `text`."""
    first = text.readline()
    if not first.strip():
        raise HeaderRefused(_("The file has no header row."))
    delimiter = ";" if first.count(";") > first.count(",") else ","
    header = tuple(name.strip().lower() for name in next(csv.reader([first], delimiter=delimiter)))
    repeated = sorted({name for name in header if name and header.count(name) > 1})
    if repeated:
        raise HeaderRefused(
            _("The header row names the column(s) %(names)s more than once.")
            % {"names": ", ".join(map(visible, repeated))}
        )
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise HeaderRefused(
            _("The header row lacks the column(s) %(missing)s. Expected columns: %(expected)s.")
            % {"missing": ", ".join(missing), "expected": ", ".join(LEAD_FIELDS)}
        )
    return delimiter, header


def wrong_width(width: int, found: int) -> str:
    return _("Expected %(width)s fields as in the header, found %(found)s.") % {"width": width, "found": found}


def malformed(exc: csv.Error) -> str:
    return _("Malformed CSV line: %(problem)s.") % {"problem": exc}


Row = tuple[int, list[str] | None, str]  # (line in the file, the row's fields or None, the problem)


def csv_rows(text: TextIO, delimiter: str, width: int) -> Iterator[Row]:
    """(line number in the file, fields, "") for every data line of a `tracker` CSV, or (line, None,
    problem) for a malformed one; blank lines are skipped. The header was read already: it is
    line 1."""
    reader = csv.reader(bounded_lines(text), delimiter=delimiter, strict=True)
    while True:
        try:
            for fields in reader:
                if len(fields) != width or width == 1:
                    if is_too_long(fields):
                        yield reader.line_num + 1, None, too_long()
                        continue
                    if not fields or (len(fields) == 1 and not fields[0].strip()):
                        continue  # blank line
                    if len(fields) != width:
                        yield reader.line_num + 1, None, wrong_width(width, len(fields))
                        continue
                yield reader.line_num + 1, fields, ""
            return
        except csv.Error as exc:
            yield reader.line_num + 1, None, malformed(exc)


def records(rows: Iterable[Row], header: Sequence[str]) -> Iterator[tuple[int, dict[str, str] | None, str]]:
    """(line, row dict or None, problem) for every row, malformed ones included."""
    for line, fields, problem in rows:
        yield line, None if fields is None else dict(zip(header, fields, strict=True)), problem


@dataclass
class Batch:
    lines: list[str] = field(default_factory=list)  # "<line>\t<field>\t<field>..." in COPY text format
    # Lines COPY text cannot carry (NUL): cleaned in Python.
    python_rows: list[tuple[int, list[str]]] = field(default_factory=list)
    repeats: bool = False  # an external_id occurs on more than one line (as written)


def read_batches(
    rows: Iterable[Row],
    header: Sequence[str],
    batch_rows: int,
    problem: Callable[[int, str], None],
    *,
    plain: Callable[[str], object],
    first_batch_rows: int | None = None,
) -> Iterator[Batch]:
    """Split the rows into batches of COPY lines; malformed rows go to `problem(line, message)`.

    Each line carries a flag: `plain(tab-joined fields)` is true when SQL may check it on its own.
    The first batch may be smaller (`first_batch_rows`), so that the work after it starts sooner.
    """
    batch = Batch()
    lines, ids = batch.lines, set()
    tabs = len(header) - 1
    id_index = header.index("external_id")
    size = first_batch_rows or batch_rows
    for line, fields, message in rows:
        if fields is None:
            problem(line, message)
            continue
        external_id = fields[id_index]
        if external_id in ids:
            batch.repeats = True
        ids.add(external_id)
        joined = "\t".join(fields)
        if "\\" in joined or "\n" in joined or "\r" in joined or joined.count("\t") != tabs:
            if "\x00" in joined:  # COPY text cannot carry NUL
                batch.python_rows.append((line, fields))
                continue
            lines.append(f"{line}\tf\t" + "\t".join(map(copy_escape, fields)))
        elif "\x00" in joined:
            batch.python_rows.append((line, fields))
        else:
            lines.append(f"{line}\t{'t' if plain(joined) else 'f'}\t{joined}")
        if len(lines) + len(batch.python_rows) >= size:
            yield batch
            batch = Batch()
            lines, ids = batch.lines, set()
            size = batch_rows
    if lines or batch.python_rows:
        yield batch


def copy_escape(value: str) -> str:
    """A text field in COPY's text format (backslash, tab and line breaks escaped)."""
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
