"""How vendors write values and files: date and money formats, and a table of typed cells written
as CSV (any encoding, delimiter, quoting, a trailing delimiter), as an XLSX workbook (write-only,
date cells) or as Bitrix24's HTML "Excel"."""

import csv
import datetime as dt
import html
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial

from openpyxl import Workbook

Cell = str | int | Decimal | dt.datetime | dt.date | None


def ru_money(amount: Decimal, *, space: str = " ", cents: bool = False) -> str:
    """`12 500,50`; whole amounts without decimals unless `cents` (amoCRM writes budgets so)."""
    whole, fraction = f"{amount:.2f}".split(".")
    grouped = f"{int(whole):,}".replace(",", space)
    return grouped if fraction == "00" and not cents else f"{grouped},{fraction}"


def en_money(amount: Decimal, *, sign: str = "") -> str:
    return f"{sign}{amount:,.2f}"


def us_datetime(moment: dt.datetime) -> str:
    hour = moment.hour % 12 or 12
    return f"{moment.month}/{moment.day}/{moment.year} {hour}:{moment:%M} {'AM' if moment.hour < 12 else 'PM'}"


def us_date(day: dt.date) -> str:
    return f"{day.month}/{day.day}/{day.year}"


@dataclass(frozen=True)
class Style:
    """How a vendor writes typed cells as text."""

    moment: Callable[[dt.datetime], str]
    day: Callable[[dt.date], str]
    money: Callable[[Decimal], str]

    def text(self, cell: Cell) -> str:
        if cell is None:
            return ""
        if isinstance(cell, dt.datetime):
            return self.moment(cell)
        if isinstance(cell, dt.date):
            return self.day(cell)
        if isinstance(cell, Decimal):
            return self.money(cell)
        return str(cell)


RU = Style(lambda m: f"{m:%d.%m.%Y %H:%M}", lambda d: f"{d:%d.%m.%Y}", ru_money)
BITRIX = Style(lambda m: f"{m:%d.%m.%Y %H:%M:%S}", lambda d: f"{d:%d.%m.%Y}", lambda a: f"{a:.2f}")
BITRIX_HTML = Style(BITRIX.moment, BITRIX.day, partial(ru_money, space="\u00a0"))
ISO = Style(lambda m: f"{m:%Y-%m-%d %H:%M}", lambda d: d.isoformat(), lambda a: f"{a:.2f}")
ISO_SECONDS = Style(lambda m: f"{m:%Y-%m-%d %H:%M:%S}", lambda d: d.isoformat(), lambda a: f"{a:.2f}")
US = Style(us_datetime, us_date, partial(en_money, sign="$"))


@dataclass
class Table:
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    title: list[str] = field(default_factory=list)  # lines before the header (one cell each)
    footer: list[str] = field(default_factory=list)  # lines after the data (one cell each)


def write_csv(
    table: Table,
    style: Style,
    *,
    encoding: str,
    delimiter: str,
    quote_all: bool = False,
    trailing: bool = False,
    newline: str = "\r\n",
) -> bytes:
    out = io.StringIO()

    def line(cells: Iterable[Cell]) -> str:
        record = io.StringIO()
        csv.writer(
            record,
            delimiter=delimiter,
            lineterminator="",
            quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
        ).writerow([style.text(cell) for cell in cells])
        return record.getvalue() + (delimiter if trailing else "") + newline

    for title in table.title:
        out.write(line([title]))
    out.write(line(table.headers))
    for row in table.rows:
        out.write(line(row))
    for footer in table.footer:
        out.write(line([footer]) if footer else newline)
    return out.getvalue().encode(encoding)


def write_xlsx(table: Table, sheet: str) -> bytes:
    """A workbook written as Excel keeps it: dates as date cells, amounts as numbers."""
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet)
    for title in table.title:
        worksheet.append([title])
    worksheet.append(table.headers)
    for row in table.rows:
        worksheet.append([float(cell) if isinstance(cell, Decimal) else cell for cell in row])
    for footer in table.footer:
        worksheet.append([footer])
    workbook.create_sheet("Фильтры").append(["Экспорт", "все"])  # a second sheet is not read
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def write_html(table: Table, style: Style, *, charset: str) -> bytes:
    """Bitrix24's "Excel": an HTML table with a <meta charset>, saved as .xls."""

    def cell(tag: str, value: Cell) -> str:
        text = html.escape(style.text(value)).replace("\n", "<br>").replace("\u00a0", "&nbsp;")
        return f"<{tag}>{text}</{tag}>"

    head = "".join(cell("th", name) for name in table.headers)
    body = "".join("<tr>" + "".join(cell("td", value) for value in row) + "</tr>\n" for row in table.rows)
    page = (
        f'<meta http-equiv="Content-type" content="text/html;charset={charset}" />\n'
        "<style>td {mso-number-format:\\@;}</style>\n"
        f'<table border="1">\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}</tbody>\n</table>\n'
    )
    return page.encode(charset)


def codec_name(encoding: str) -> str:
    """The name the reader reports for the codec a file was written in."""
    return {"utf-16-le": "utf-16", "windows-1251": "cp1251", "utf_8": "utf-8"}.get(encoding, encoding)
