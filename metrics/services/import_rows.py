"""What an import reads: a stored file's rows as the tracker's rows, and the preview of a file.

Today's `tracker` CSV (UTF-8, `,` or `;`, the API's column names, no options) is read as it always
was, line by line by the C `csv` reader. Any other file, and any file with options, is read by
`metrics.sources` (docs/imports.md): sniffed from its bytes, streamed as rows of cells, and each
batch of rows turned into the tracker's rows by the checked mapping. Both give the backends the same
thing, `(line, fields, problem)` rows under a header of the tracker's column names.
"""

import io
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from metrics.models import ImportJob, ImportKind
from metrics.services.import_csv import HeaderRefused, Row, csv_rows, read_header
from metrics.services.import_options import ImportOptions, job_mapping, profile_for_headers
from metrics.sources.detect import Sniffed, SourceError
from metrics.sources.mapping import LeadBatches, SourceMapping, first_cell, header_columns
from metrics.sources.presets import (
    LEAD_SOURCE_FIELDS,
    LEVELS,
    PRESETS,
    REQUIRED,
    SPEND_SOURCE_FIELDS,
    Preset,
    level_proposal,
    reason_proposal,
)
from metrics.sources.tables import Cell, Table, open_table
from metrics.sources.values import fold
from tracker.input_limits import visible

CONVERT_ROWS = 10_000  # rows of a file converted at a time: the memory of a batch, not of the file
PREVIEW_ROWS = 20
PREVIEW_VALUES = 500  # distinct stage (or reason) values listed; a stage column has a few dozen
PREVIEW_SECONDS = 20.0  # the preview counts values over the whole file, or for this long
TRACKER_ENCODINGS = ("utf-8", "utf-8-sig")


class FileRefused(Exception):
    """The file cannot be imported as it is; the message says why, in the uploader's language."""


@dataclass
class JobRows:
    """A job's data rows as the tracker's rows (leads: `header` names each field; spend: dicts)."""

    header: tuple[str, ...]
    rows: Iterator[Row]
    position: Callable[[], float]  # how far the file has been read, 0..1
    spend: Iterator[tuple[int, dict[str, str] | None, str]] | None = None


def is_tracker_csv(sniffed: Sniffed, options: ImportOptions, headers: list[str]) -> bool:
    """Today's CSV import, unchanged: a UTF-8 CSV of leads with no options that no other preset
    claims. (Its header problems are reported by the job, as they always were.)"""
    return (
        options.kind == ImportKind.LEADS
        and not options.given
        and sniffed.format == "csv"
        and sniffed.encoding in TRACKER_ENCODINGS
        and sniffed.delimiter in (",", ";")
        and options.source_mapping(headers).preset.name == "tracker"
    )


def file_mapping(path: Path, options: ImportOptions) -> tuple[Sniffed, SourceMapping | None]:
    """What the upload of this file will import: None for today's `tracker` CSV, else the mapping
    for its headers, checked. Raises `FileRefused` for a file that is not a table and
    `ValidationError`-shaped errors through `MappingRefused`."""
    try:
        with open_table(path, sheet=options.sheet) as table:
            headers = table.headers
            sniffed = table.sniffed
    except SourceError as exc:
        raise FileRefused(str(exc)) from None
    if is_tracker_csv(sniffed, options, headers):
        return sniffed, None
    mapping = options.source_mapping(headers)
    errors = mapping.errors(headers)
    if options.mapping is None and any(name in errors for name in REQUIRED[options.kind]):
        # Nothing was chosen and no source knows these names: most likely the header row is missing.
        errors["file"] = [
            _(
                "The first row names no columns this import knows (%(headers)s): export the file with "
                "its header row, or choose the columns in the preview."
            )
            % {"headers": ", ".join(visible(header[:40]) for header in headers[:6])}
        ]
    if errors:
        raise MappingRefused(errors)
    return sniffed, mapping


class MappingRefused(Exception):
    """The mapping does not fit the file: messages per field."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


@contextmanager
def job_rows(job: ImportJob) -> Iterator[JobRows]:
    """The job's rows, the file open until the block ends. Raises `FileRefused`."""
    path = Path(job.file.path)
    if not job.options:
        with _tracker_rows(path) as rows:
            yield rows
        return
    mapping = job_mapping(job.options, job.kind)
    try:
        with open_table(path, sheet=job.options.get("sheet")) as table:
            problems = mapping.errors(table.headers)
            if problems:  # the file changed since its upload: say what no longer fits
                raise FileRefused(" ".join(message for messages in problems.values() for message in messages))
            if job.kind == ImportKind.SPEND:
                yield JobRows(header=(), rows=iter(()), position=table.position, spend=_spend_rows(table, mapping))
            else:
                batches = LeadBatches(mapping, table.headers)
                yield JobRows(header=batches.header, rows=_lead_rows(table, batches), position=table.position)
    except SourceError as exc:
        raise FileRefused(str(exc)) from None


@contextmanager
def _tracker_rows(path: Path) -> Iterator[JobRows]:
    size = max(path.stat().st_size, 1)
    with open(path, "rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        try:
            delimiter, header = read_header(text)
        except HeaderRefused as refused:
            raise FileRefused(str(refused)) from None
        yield JobRows(header=header, rows=csv_rows(text, delimiter, len(header)), position=lambda: raw.tell() / size)


def _lead_rows(table: Table, batches: LeadBatches) -> Iterator[Row]:
    pending: list[tuple[int, list[Cell]]] = []
    for line, cells, problem in table.rows:
        if cells is None:
            yield line, None, problem
            continue
        pending.append((line, cells))
        if len(pending) >= CONVERT_ROWS:
            yield from batches.convert(pending)
            pending = []
    if pending:
        yield from batches.convert(pending)


def _spend_rows(table: Table, mapping: SourceMapping) -> Iterator[tuple[int, dict[str, str] | None, str]]:
    convert = mapping.converter(table.headers)
    for line, cells, problem in table.rows:
        yield (line, None, problem) if cells is None else (line, convert(cells), "")


# --- the preview ----------------------------------------------------------------------------------


def preview_payload(
    path: Path, *, options: ImportOptions, clock: Callable[[], float] = time.monotonic
) -> dict[str, Any]:
    """imports.md's preview of a stored file (without its token): the file's shape, its first rows,
    the proposed preset and mapping (a saved profile's when the headers are the profile's), and
    every distinct stage, reason and (spend) campaign value with its count over the file (for
    PREVIEW_SECONDS at most: `values_complete` says whether the whole file was counted)."""
    try:
        with open_table(path, sheet=options.sheet) as table:
            headers = table.headers
            profile = profile_for_headers(headers, options.kind)
            if profile is not None:
                options = options.with_profile(profile)
            mapping = options.source_mapping(headers)
            first: list[list[str]] = []
            counts = {"stage": Counter[str](), "reason": Counter[str](), "campaign": Counter[str]()}
            spelled: dict[str, str] = {}
            columns = {
                name: header_columns(headers, mapping.fields[name]) for name in counts if mapping.fields.get(name)
            }
            complete, counted, deadline = True, 0, clock() + PREVIEW_SECONDS
            for _line, cells, _problem in table.rows:
                if cells is None:
                    continue
                if len(first) < PREVIEW_ROWS:
                    first.append([_text(cell) for cell in cells[: len(headers)]])
                for name, indexes in columns.items():
                    value = _text(first_cell(cells, indexes)).strip()
                    if value:
                        key = fold(value)
                        spelled.setdefault(key, value)
                        counts[name][key] += 1
                counted += 1
                if counted % 1000 == 0 and clock() > deadline:
                    complete = False
                    break
            sniffed, sheets = table.sniffed, table.sheets
    except SourceError as exc:
        raise FileRefused(str(exc)) from None
    preset = mapping.preset
    stages = {fold(value): level for value, level in mapping.stages.items()}
    reasons = {fold(value): level for value, level in mapping.reasons.items()}
    campaigns = {fold(value): utm for value, utm in mapping.campaigns.items()}
    return {
        "kind": options.kind,
        "format": sniffed.format,
        "encoding": sniffed.encoding,
        "delimiter": sniffed.delimiter,
        "sheets": sheets,
        "headers": headers,
        "rows": first,
        "rows_counted": counted,
        "values_complete": complete,
        "preset": preset.name,
        "preset_label": str(preset.label),
        "profile": None if profile is None else {"id": profile.pk, "name": profile.name},
        "mapping": mapping.fields,
        "campaigns": mapping.campaigns,
        "values": {
            "stage": _values(counts["stage"], spelled, lambda key: stages.get(key) or level_proposal(preset, key)),
            "reason": _values(counts["reason"], spelled, lambda key: reasons.get(key) or reason_proposal(preset, key)),
            "campaign": [
                {"value": spelled[key], "count": count, "utm_campaign": campaigns.get(key)}
                for key, count in counts["campaign"].most_common(PREVIEW_VALUES)
            ],
        },
        "fields": list(LEAD_SOURCE_FIELDS if options.kind == ImportKind.LEADS else SPEND_SOURCE_FIELDS),
        "required": list(REQUIRED[options.kind]),
        "levels": list(LEVELS),
        "presets": [{"name": each.name, "label": str(each.label)} for each in presets_of(options.kind)],
    }


def presets_of(kind: str) -> list[Preset]:
    return [preset for preset in PRESETS if preset.kind == kind]


def _values(counted: Counter[str], spelled: dict[str, str], level: Callable[[str], str | None]) -> list[dict[str, Any]]:
    return [
        {"value": spelled[key], "count": count, "level": level(key)}
        for key, count in counted.most_common(PREVIEW_VALUES)
    ]


def _text(cell: Cell | None) -> str:
    if cell is None:
        return ""
    return visible(cell) if isinstance(cell, str) else cell.isoformat()
