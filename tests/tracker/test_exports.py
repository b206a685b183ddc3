"""Downloads as CSV and XLSX: text that a spreadsheet would run as a formula is escaped in both,
numbers stay numbers and dates dates."""

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest

from metrics.catalog import COUNT, MONEY, RATE
from tracker import exports

COLUMNS = [
    exports.Column("Name"),
    exports.Column("Start", exports.DATE),
    exports.Column("Leads", COUNT),
    exports.Column("CPL", MONEY),
    exports.Column("Share", RATE),
    exports.Column("Mixed"),
]
ROWS: list[list[object]] = [
    ['=HYPERLINK("http://evil")', dt.date(2026, 12, 1), 12, "1234.50", 0.7056, exports.Cell(-0.25, RATE)],
    ["+cmd", None, None, None, None, exports.Cell("1500", MONEY)],
    ["-2+3", dt.date(2026, 1, 2), 0, Decimal("0.5"), None, "@SUM(A1)"],
    ["\tTab", None, None, None, None, "\rCR"],
    ["Plain — текст", None, None, None, None, None],
]


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+7 999", "'+7 999"),
        ("-5", "'-5"),
        ("@user", "'@user"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
    ],
)
def test_text_that_starts_a_formula_gets_an_apostrophe(text, written):
    assert exports.spreadsheet_text(text) == written


def test_csv_is_utf8_with_a_bom_and_escapes_text_but_not_numbers():
    response = exports.csv_response(filename="list.csv", columns=COLUMNS, rows=ROWS)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="list.csv"'
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    header, *rows = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    assert header == ["Name", "Start", "Leads", "CPL", "Share", "Mixed"]
    assert rows == [
        ['\'=HYPERLINK("http://evil")', "2026-12-01", "12", "1234.50", "0.7056", "-0.2500"],
        ["'+cmd", "", "", "", "", "1500.00"],
        ["'-2+3", "2026-01-02", "0", "0.50", "", "'@SUM(A1)"],
        ["'\tTab", "", "", "", "", "'\rCR"],
        ["Plain — текст", "", "", "", "", ""],
    ]


def test_xlsx_has_typed_numbers_and_dates_and_no_formulas():
    response = exports.xlsx_response(filename="list.xlsx", columns=COLUMNS, rows=ROWS, title="Experiments: [all]")
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == 'attachment; filename="list.xlsx"'
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    assert sheet.title == "Experiments   all"
    assert [cell.value for cell in sheet[1]] == ["Name", "Start", "Leads", "CPL", "Share", "Mixed"]
    assert sheet[1][0].font.bold
    first = sheet[2]
    assert first[0].value == '\'=HYPERLINK("http://evil")' and first[0].data_type == "s"
    assert first[1].value == dt.datetime(2026, 12, 1) and first[1].is_date
    assert first[2].value == 12 and first[2].number_format == "#,##0"
    assert first[3].value == 1234.5 and first[3].number_format == "#,##0.00"
    assert first[4].value == pytest.approx(0.7056) and first[4].number_format == "0.0%"
    assert first[5].value == -0.25  # a negative number stays a number
    assert sheet[3][5].value == 1500
    assert sheet[4][5].value == "'@SUM(A1)"
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_xlsx_drops_characters_xml_cannot_hold():
    response = exports.xlsx_response(
        filename="x.xlsx", columns=[exports.Column("Text")], rows=[["bell\x07 and nul\x00"]], title="x"
    )
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert sheet["A2"].value == "bell and nul"


def test_a_filename_outside_ascii_is_sent_in_both_forms():
    response = exports.csv_response(filename="встреча.csv", columns=COLUMNS[:1], rows=[])
    assert "filename*=utf-8''" in response["Content-Disposition"]


def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="pdf"):
        exports.table_response("pdf", filename="x", columns=COLUMNS, rows=[], title="x")
