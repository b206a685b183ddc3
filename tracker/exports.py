"""Tables people download: the same rows as CSV (UTF-8 with a BOM) or as an XLSX workbook.

Every download of the pages (the experiment list, the scoreboard, a meeting's agenda, an import's
error report) is written here, so that all of them guard against the same thing: a text cell that
starts with `=`, `+`, `-` or `@` (or a tab or a carriage return) is a formula to a spreadsheet, and
a lead's `utm_campaign` or a reason typed in a CRM must never run as one ("CSV injection"). Such
text gets a leading apostrophe, in both formats. Numbers are numbers and dates are dates: in CSV in
the API's notation (a dot, no grouping, rates as fractions, ISO dates), in XLSX as typed cells with
a display format, so that a spreadsheet sums and sorts them.

A column's kind is one of the metric kinds of `metrics.catalog` (count, money, rate) or text or
date; a `Cell` carries its own kind where one column holds values of several kinds.
"""

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.cell.cell import Cell as SheetCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from metrics.catalog import COUNT, MONEY, RATE
from metrics.formatting import api_number, as_decimal

TEXT = "text"
DATE = "date"
KINDS = (TEXT, DATE, COUNT, MONEY, RATE)
FORMATS = ("csv", "xlsx")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_XLSX_NUMBER_FORMATS = {COUNT: "#,##0", MONEY: "#,##0.00", RATE: "0.0%", DATE: "yyyy-mm-dd"}
_XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_SHEET_TITLE_MAX = 31  # Excel's limit
_SHEET_TITLE_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", " "))


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = TEXT
    width: int | None = None  # in characters, for the workbook; None: from the label


@dataclass(frozen=True)
class Cell:
    """A value whose kind is not its column's (an agenda lists counts, money and rates in one column)."""

    value: object
    kind: str


Row = Sequence[object]


def spreadsheet_text(value: object) -> str:
    """Text that a spreadsheet shows as text and never runs as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def _typed(value: object, kind: str) -> tuple[object, str]:
    return (value.value, value.kind) if isinstance(value, Cell) else (value, kind)


def _date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value if isinstance(value, dt.date) else None


def csv_value(value: object, kind: str) -> str:
    """One cell as CSV text: numbers in the API's notation (rates as fractions), ISO dates."""
    value, kind = _typed(value, kind)
    if value is None:
        return ""
    if kind == DATE:
        day = _date(value)
        return day.isoformat() if day is not None else spreadsheet_text(value)
    if kind in (COUNT, MONEY, RATE):
        places = {COUNT: 0, MONEY: 2, RATE: 4}[kind]
        number = api_number(value, places)
        return number if number else ""
    return spreadsheet_text(value)


def _xlsx_cell(sheet: WriteOnlyWorksheet, value: object, kind: str) -> SheetCell:
    value, kind = _typed(value, kind)
    if value is None:
        return WriteOnlyCell(sheet, value=None)
    if kind in (COUNT, MONEY, RATE):
        number = as_decimal(value)
        if number is None or not number.is_finite():
            return WriteOnlyCell(sheet, value=None)
        typed: int | float | Decimal | dt.date | str | None = (
            int(number) if kind == COUNT else (number if kind == MONEY else float(number))
        )
    elif kind == DATE:
        typed = _date(value)
    else:
        # XML cannot hold most control characters; openpyxl refuses them rather than drop them.
        typed = ILLEGAL_CHARACTERS_RE.sub("", spreadsheet_text(value))
    cell = WriteOnlyCell(sheet, value=typed)  # type: ignore[arg-type]  # the stubs leave out int, Decimal, date
    if kind in _XLSX_NUMBER_FORMATS and typed is not None:
        cell.number_format = _XLSX_NUMBER_FORMATS[kind]
    return cell


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


def csv_response(*, filename: str, columns: Sequence[Column], rows: Iterable[Row]) -> HttpResponse:
    """The table as a CSV file: a header of the columns' labels, then the rows."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response.write("\ufeff")  # spreadsheets read the file as UTF-8
    writer = csv.writer(response)
    writer.writerow([spreadsheet_text(column.label) for column in columns])
    for row in rows:
        writer.writerow([csv_value(value, column.kind) for value, column in zip(row, columns, strict=True)])
    return _attachment(response, filename)


def sheet_title(title: str) -> str:
    """A worksheet name Excel accepts: at most 31 characters, none of []:*?/\\."""
    return title.translate(_SHEET_TITLE_FORBIDDEN).strip()[:_SHEET_TITLE_MAX] or "Sheet"


def xlsx_response(*, filename: str, columns: Sequence[Column], rows: Iterable[Row], title: str) -> HttpResponse:
    """The table as an XLSX workbook of one sheet, written row by row (a write-only workbook)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title(title))
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width or max(10, len(column.label) + 2)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", spreadsheet_text(column.label)))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value, column.kind) for value, column in zip(row, columns, strict=True)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _attachment(HttpResponse(buffer.getvalue(), content_type=_XLSX_TYPE), filename)


def table_response(
    fmt: str, *, filename: str, columns: Sequence[Column], rows: Iterable[Row], title: str
) -> HttpResponse:
    """The table in `fmt` (`csv` or `xlsx`); `filename` without its extension."""
    if fmt == "xlsx":
        return xlsx_response(filename=f"{filename}.xlsx", columns=columns, rows=rows, title=title)
    if fmt == "csv":
        return csv_response(filename=f"{filename}.csv", columns=columns, rows=rows)
    raise ValueError(f"unknown export format {fmt!r}")
