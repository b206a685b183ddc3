"""Exports as they are: files in each vendor's shape, values as people write them, bad files."""

import codecs
import datetime as dt
import zipfile
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from metrics.rows import RowError
from metrics.sources.detect import SourceError, sniff
from metrics.sources.mapping import SourceMapping
from metrics.sources.presets import BY_NAME, preset_detect
from metrics.sources.tables import open_table
from metrics.sources.values import bool_text, datetime_text, fold, number_text

MSK = ZoneInfo("Europe/Moscow")
AMO_HEADER = "ID;Дата создания сделки;utm_campaign;utm_campaign;Этап сделки;Причина отказа;Дата закрытия;Бюджет"


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _rows(path: Path, **mapping_options) -> tuple[str, list[Any]]:
    """The detected preset's name and each data row converted (or the RowError's message): a
    dict[str, str] or a str, which each test knows and indexes as such."""
    with open_table(path) as table:
        preset = preset_detect(table.headers, kind=mapping_options.pop("kind", "leads"))
        mapping = SourceMapping(
            kind=preset.kind, preset=preset, fields=preset.mapping(table.headers), **mapping_options
        )
        assert mapping.errors(table.headers) == {}
        convert = mapping.converter(table.headers)
        out: list[Any] = []
        for _line, cells, problem in table.rows:
            try:
                out.append(convert(cells) if cells is not None else problem)
            except RowError as exc:
                out.append(str(exc))
        return preset.name, out


# --- values -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "comma", "expected"),
    [
        ("12500", True, "12500"),
        ("12 500,50", True, "12500.50"),
        ("12\u00a0500,50 руб.", True, "12500.50"),
        ("12,500.50", True, "12500.50"),
        ("$1,200", False, "1200"),
        ("1.234.567,8", True, "1234567.8"),
        ("₽ 300", True, "300"),
        ("не закрыта", True, ""),
        ("-", True, ""),
    ],
)
def test_numbers_as_people_write_them(text, comma, expected):
    assert number_text(text, decimal_comma=comma) == expected


@pytest.mark.parametrize(
    ("text", "day_first", "expected"),
    [
        ("01.12.2026 09:05", True, "2026-12-01T09:05:00"),
        ("01.12.2026", True, "2026-12-01T00:00:00"),
        ("2026-12-01T09:05:00+00:00", True, "2026-12-01T09:05:00+00:00"),
        ("2026-12-01 09:05", True, "2026-12-01 09:05"),  # ISO already: as written
        ("12/01/2026 09:05 PM", False, "2026-12-01T21:05:00"),
        ("01/12/2026", True, "2026-12-01T00:00:00"),
        ("не закрыта", True, ""),
    ],
)
def test_dates_as_people_write_them(text, day_first, expected):
    assert datetime_text(text, day_first=day_first) == expected


def test_excel_date_cells_are_local_times():
    assert datetime_text(dt.datetime(2026, 12, 1, 9, 5)) == "2026-12-01T09:05:00"
    assert datetime_text(dt.date(2026, 12, 1)) == "2026-12-01T00:00:00"


def test_a_value_nobody_can_read_passes_through_for_the_row_check_to_name():
    assert datetime_text("31.02.2026") == "31.02.2026"
    assert datetime_text("tomorrow") == "tomorrow"


@pytest.mark.parametrize(("text", "expected"), [("да", "true"), ("Нет", "false"), ("YES", "true"), ("n", "false")])
def test_booleans_in_both_languages(text, expected):
    assert bool_text(text) == expected


def test_headers_fold_case_spaces_and_yo():
    assert fold("  Дата   создания  СДЕЛКИ ") == fold("дата создания сделки")
    assert fold("Ещё") == fold("еще")


# --- detection -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("utf-16", "utf-16"), ("cp1251", "cp1251")],
)
def test_the_encoding_is_read_from_the_bytes(tmp_path, encoding, expected):
    text = AMO_HEADER + "\n" + "\n".join(f"{i};01.12.2026;promo;;Успешно реализовано;;;100" for i in range(50))
    path = _write(tmp_path, "export.csv", text.encode(encoding))
    assert sniff(path).encoding == expected
    assert sniff(path).delimiter == ";"


@pytest.mark.parametrize(("delimiter"), [",", ";", "\t"])
def test_the_delimiter_is_the_one_that_splits_the_header(tmp_path, delimiter):
    header = delimiter.join(["external_id", "created_at", "utm_campaign", "disqualify_reason"])
    row = delimiter.join(["a1", "2026-12-01T10:00:00", '"promo, winter"', '"no; budget"'])
    path = _write(tmp_path, "leads.csv", f"{header}\n{row}\n".encode())
    assert sniff(path).delimiter == delimiter


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"%PDF-1.7\n%binary", "PDF"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "97"),
        (b"", "empty"),
        (b"\x00\x01\x02\x03binary\x00\x00" * 100, "not text"),
    ],
)
def test_files_that_are_not_tables_get_one_plain_sentence(tmp_path, data, words):
    with pytest.raises(SourceError, match=words):
        sniff(_write(tmp_path, "export.xls", data))


def test_a_zip_that_is_not_a_workbook_is_named(tmp_path):
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("leads.csv", "external_id,created_at\n")
    with pytest.raises(SourceError, match="ZIP"):
        sniff(path)


def test_a_file_without_a_header_row_is_refused(tmp_path):
    path = _write(tmp_path, "leads.csv", b"\n\n1\n2\n")
    with pytest.raises(SourceError, match="header"), open_table(path):
        pass


def test_a_header_of_ten_thousand_columns_is_refused(tmp_path):
    header = ",".join(f"c{i}" for i in range(10_000))
    path = _write(tmp_path, "wide.csv", f"{header}\n".encode())
    with pytest.raises(SourceError, match="10000 columns"), open_table(path):
        pass


def test_a_ten_megabyte_line_is_a_line_error_and_the_other_rows_stay(tmp_path):
    text = "external_id,created_at\na1,2026-12-01\n" + "a2," + "x" * (10 * 1024 * 1024) + "\na3,2026-12-02\n"
    path = _write(tmp_path, "long.csv", text.encode())
    with open_table(path) as table:
        rows = list(table.rows)
    assert [cells[0] for _line, cells, _problem in rows if cells] == ["a1", "a3"]
    assert [problem for _line, cells, problem in rows if cells is None] != []


# --- vendors' shapes -----------------------------------------------------------------------------


def test_amocrm_export_in_windows_1251_with_semicolons(tmp_path):
    text = (
        AMO_HEADER + ";\n"
        '1;01.12.2026 09:05;;partner_smb;Успешно реализовано;;03.12.2026 10:00;"12 500,50 руб.";\n'
        "2;01.12.2026 10:05;partner_smb;;Закрыто и не реализовано;Нецелевой;не закрыта;0;\n"
        "3;02.12.2026;partner_smb;;Закрыто и не реализовано;Дорого;не закрыта;5 000;\n"
        "4;02.12.2026;partner_smb;;Первичный контакт;;не закрыта;1 000;\n"
    )
    path = _write(tmp_path, "amocrm_export.csv", text.encode("cp1251"))
    name, rows = _rows(
        path,
        stages={"Успешно реализовано": "won", "Закрыто и не реализовано": "mql"},
        reasons={"Нецелевой": "non_target"},
    )
    assert name == "amocrm"
    won, junk, lost, unmapped = rows
    assert won["utm_campaign"] == "partner_smb"  # the repeated header's first non-empty cell
    assert won["won_at"] == "2026-12-03T10:00:00"
    assert won["revenue"] == "12500.50"
    assert won["is_target"] == "true"
    assert junk["is_target"] == "false"
    assert junk["disqualify_reason"] == "Нецелевой"
    assert "won_at" not in junk
    assert lost["mql_at"] == lost["created_at"]
    assert "revenue" not in lost and "sql_at" not in lost
    assert "Первичный контакт" in unmapped


def test_bitrix24_leads_with_a_trailing_semicolon(tmp_path):
    text = (
        "ID;Дата создания;UTM Campaign;Статус;Дополнительно о статусе;Сумма;\n"
        "11;01.12.2026 12:00:00;expo;Некачественный лид;Студент;;\n"
        "12;01.12.2026 13:00:00;expo;Качественный лид;;;\n"
    )
    path = _write(tmp_path, "LEAD.csv", codecs.BOM_UTF8 + text.encode())
    name, (junk, good) = _rows(path, stages={"Некачественный лид": "non_target", "Качественный лид": "sql"})
    assert name == "bitrix24"
    assert junk == {
        "external_id": "11",
        "created_at": "2026-12-01T12:00:00",
        "utm_campaign": "expo",
        "is_target": "false",
        "disqualify_reason": "Студент",
    }
    assert good["sql_at"] == good["created_at"] and good["is_target"] == "true"


def test_bitrix24_html_excel(tmp_path):
    html = (
        '<html><head><meta http-equiv="Content-type" content="text/html;charset=windows-1251"></head><body>'
        "<table><tr><th>ID</th><th>Дата создания</th><th>UTM Campaign</th><th>Стадия сделки</th><th>Сумма</th></tr>"
        "<tr><td>7</td><td>01.12.2026</td><td>expo</td><td>Сделка успешна</td><td>1&nbsp;500,00</td></tr>"
        "</table></body></html>"
    )
    path = _write(tmp_path, "DEAL.xls", html.encode("cp1251"))
    assert sniff(path).format == "html"
    name, (deal,) = _rows(path, stages={"Сделка успешна": "won"})
    assert name == "bitrix24"
    assert deal["revenue"] == "1500.00" and deal["won_at"] == deal["created_at"]


def test_hubspot_lifecycle_stages_and_us_dates(tmp_path):
    text = (
        "Record ID,Create Date,utm_campaign,Lifecycle Stage,Became a Marketing Qualified Lead Date,Amount\n"
        '501,12/01/2026 09:00 AM,webinar,Marketing Qualified Lead,12/02/2026 10:00 AM,"1,200.00"\n'
    )
    path = _write(tmp_path, "hubspot.csv", text.encode())
    name, (lead,) = _rows(path, stages={"Marketing Qualified Lead": "mql"})
    assert name == "hubspot"
    assert lead["created_at"] == "2026-12-01T09:00:00"
    assert lead["mql_at"] == "2026-12-02T10:00:00"  # the column's date, not the creation date
    assert "revenue" not in lead  # only bought leads carry revenue


def test_salesforce_report_footer_lines_are_not_rows(tmp_path):
    text = (
        '"Lead ID","Create Date","Primary Campaign Source","Lead Status"\n'
        '"00Q1","12/1/2026","search","Open - Not Contacted"\n'
        "\n"
        '"Grand Totals (1 records)"\n'
        '"Confidential Information - Do Not Distribute"\n'
        '"Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved."\n'
    )
    path = _write(tmp_path, "report.csv", text.encode())
    name, rows = _rows(path, stages={"Open - Not Contacted": "new"})
    assert name == "salesforce"
    assert [row["external_id"] for row in rows] == ["00Q1"]
    assert rows[0]["is_target"] == ""


def test_xlsx_is_read_with_date_cells(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)
    sheet.append(["ID", "Дата создания сделки", "utm_campaign", "Этап сделки", "Бюджет"])
    sheet.append([9, dt.datetime(2026, 12, 1, 9, 5), "promo", "Успешно реализовано", 12500.5])
    path = tmp_path / "amo.xlsx"
    workbook.save(path)
    assert sniff(path).format == "xlsx"
    name, (lead,) = _rows(path, stages={"Успешно реализовано": "won"})
    assert name == "amocrm"
    assert lead["external_id"] == "9"
    assert lead["created_at"] == "2026-12-01T09:05:00"
    assert lead["revenue"] == "12500.5"


def test_yandex_direct_spend_with_a_title_line_and_totals(tmp_path):
    text = (
        "Статистика по дням (01.12.2026 - 02.12.2026)\n"
        "Дата\tКампания\tКлики\tРасход (руб.)\n"
        "01.12.2026\tpartner_smb\t120\t1 500,40\n"
        "02.12.2026\tpartner_smb\t98\t1 100,00\n"
        "Итого\t\t218\t2 600,40\n"
    )
    path = _write(tmp_path, "direct.tsv", text.encode("utf-16"))
    name, rows = _rows(path, kind="spend", campaigns={"partner_smb": "partner_smb_2026"})
    assert name == "yandex_direct"
    assert rows == [
        {
            "date": "2026-12-01",
            "amount": "1500.40",
            "visits": "120",
            "utm_campaign": "partner_smb_2026",
            "kind": "marketing",
            "external_id": "2026-12-01|partner_smb|marketing",
        },
        {
            "date": "2026-12-02",
            "amount": "1100.00",
            "visits": "98",
            "utm_campaign": "partner_smb_2026",
            "kind": "marketing",
            "external_id": "2026-12-02|partner_smb|marketing",
        },
    ]


def test_the_tracker_csv_stays_the_default(tmp_path):
    text = "external_id,created_at,utm_campaign,is_target\na1,2026-12-01T10:00:00+03:00,promo,true\n"
    path = _write(tmp_path, "leads.csv", text.encode())
    name, (row,) = _rows(path)
    assert name == "tracker"
    assert row == {
        "external_id": "a1",
        "created_at": "2026-12-01T10:00:00+03:00",
        "utm_campaign": "promo",
        "is_target": "true",
    }


def test_a_mapping_that_names_a_missing_header_or_level_is_refused():
    preset = BY_NAME["amocrm"]
    mapping = SourceMapping(
        kind="leads",
        preset=preset,
        fields={"external_id": "ID", "stage": "Этап"},
        stages={"Новый": "hot"},
        reasons={"Дорого": "won"},
    )
    errors = mapping.errors(["ID", "Дата создания"])
    assert set(errors) == {"stage", "created_at", "stages", "reasons"}
