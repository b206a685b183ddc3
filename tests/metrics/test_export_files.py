"""Exports as each CRM and ad cabinet writes them read back, through `metrics.sources`, as exactly the
lead or spend set written; files that are no table are refused in one plain sentence."""

import datetime as dt
import io
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics.rows import LEAD_FIELDS, LeadCleaner, RowError
from metrics.sources.detect import SourceError, sniff
from metrics.sources.mapping import LeadBatches, SourceMapping
from metrics.sources.presets import BY_NAME, level_proposal, preset_detect, reason_proposal
from metrics.sources.tables import open_table
from tests.metrics import exports
from tests.metrics.exports import SPEND_WRITERS, VENDORS, Export, Vendor, json_row, lead_sets, sample_leads, spend_sets

Read = dict[str, str] | str  # a converted row, or the problem / RowError message of a line


def _ids(vendor: Vendor) -> str:
    return vendor.name


@contextmanager
def _file(export: Export) -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / export.filename
        path.write_bytes(export.data)
        yield path


def read(export: Export, **answers: Any) -> tuple[str, list[tuple[int, Read]]]:
    """The preset detected from the file's headers, and each data line converted with the export's
    answers (or `answers` instead): (line, row) or (line, the line's problem). The import's batch
    reading (`LeadBatches`) must give the same rows as the row-by-row converter."""
    with _file(export) as path:
        with open_table(path) as table:
            preset = preset_detect(table.headers, kind=export.kind)
            mapping = SourceMapping(
                kind=export.kind,
                preset=preset,
                fields=preset.mapping(table.headers),
                stages=answers.get("stages", export.stages),
                reasons=answers.get("reasons", export.reasons),
                campaigns=answers.get("campaigns", export.campaigns),
            )
            assert mapping.errors(table.headers) == {}
            convert = mapping.converter(table.headers)
            out: list[tuple[int, Read]] = []
            for line, cells, problem in table.rows:
                try:
                    out.append((line, convert(cells) if cells is not None else problem))
                except RowError as exc:
                    out.append((line, str(exc)))
        if export.kind == "leads":
            assert _in_batches(path, mapping) == [(line, _filled(row)) for line, row in out]
        return preset.name, out


def _in_batches(path: Path, mapping: SourceMapping) -> list[tuple[int, Read]]:
    with open_table(path) as table:
        batches = LeadBatches(mapping, table.headers)
        rows: list[tuple[int, list[Any]]] = []
        unreadable: list[tuple[int, Read]] = []
        for line, cells, problem in table.rows:
            if cells is None:
                unreadable.append((line, problem))
            else:
                rows.append((line, cells))
        converted: list[tuple[int, Read]] = [
            (line, problem if fields is None else _filled(dict(zip(batches.header, fields, strict=True))))
            for line, fields, problem in batches.convert(rows)
        ]
        return sorted(unreadable + converted, key=lambda item: item[0])


def _filled(row: Read) -> Read:
    """A row with its empty fields left out: the converter leaves them out, a batch writes ""."""
    return row if isinstance(row, str) else {name: value for name, value in row.items() if value != ""}


def cleaned(row: Read) -> tuple[Any, ...]:
    """The lead as the tracker stores it: the same cleaning as the JSON API's and the CSV import's."""
    assert isinstance(row, dict), row
    assert set(row) <= set(LEAD_FIELDS), row
    values, errors = LeadCleaner(channels={}, zone=exports.zone()).clean(row)
    assert errors == {} and values is not None, (row, errors)
    return values


def assert_reads_back(vendor: Vendor, leads: list[exports.Lead]) -> Export:
    export = vendor.write(leads)
    preset, rows = read(export)
    assert preset == vendor.preset
    assert [cleaned(row) for _line, row in rows] == [cleaned(json_row(lead)) for lead in leads]
    return export


# --- leads ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("vendor", VENDORS, ids=_ids)
def test_each_export_reads_back_as_the_leads_written(vendor):
    leads = sample_leads(vendor)
    assert {exports.lead_level(lead) for lead in leads} == vendor.carries.levels
    export = assert_reads_back(vendor, leads)
    with _file(export) as path:
        sniffed = sniff(path)
    assert (sniffed.format, sniffed.encoding, sniffed.delimiter) == (export.format, export.encoding, export.delimiter)


@pytest.mark.parametrize("vendor", VENDORS, ids=_ids)
@settings(derandomize=True, max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_lead_set_reads_back_from_each_export(vendor, data):
    assert_reads_back(vendor, data.draw(lead_sets(vendor)))


def test_an_empty_export_is_a_header_and_no_rows():
    for vendor in VENDORS:
        _preset, rows = read(vendor.write([]))
        assert rows == [], vendor.name


# What each preset proposes for each export's headers (imports.md, "Presets").
MAPPINGS = {
    "tracker": {name: name for name in exports.TRACKER_HEADERS},
    "amocrm": {
        "external_id": "ID",
        "created_at": "Дата создания сделки",
        "utm_campaign": "utm_campaign",
        "stage": "Этап сделки",
        "reason": "Причина отказа",
        "won_at": "Дата закрытия",
        "revenue": "Бюджет",
    },
    "bitrix24_leads": {
        "external_id": "ID",
        "created_at": "Дата создания",
        "utm_campaign": "UTM Campaign",
        "stage": "Статус",
        "reason": "Дополнительно о статусе",
        "revenue": "Сумма",
    },
    "bitrix24_deals": {
        "external_id": "ID",
        "created_at": "Дата создания",
        "utm_campaign": "UTM Campaign",
        "stage": "Стадия сделки",
        "won_at": "Предполагаемая дата закрытия",
        "revenue": "Сумма",
    },
    "hubspot_contacts": {
        "external_id": "Record ID",
        "created_at": "Create Date",
        "utm_campaign": "utm_campaign",
        "stage": "Lifecycle Stage",
        "mql_at": "Became a Marketing Qualified Lead Date",
        "sql_at": "Became a Sales Qualified Lead Date",
        "won_at": "Became a Customer Date",
    },
    "hubspot_deals": {
        "external_id": "Record ID",
        "created_at": "Create Date",
        "utm_campaign": "utm_campaign",
        "stage": "Deal Stage",
        "reason": "Closed Lost Reason",
        "won_at": "Close Date",
        "revenue": "Amount",
    },
    "pipedrive": {
        "external_id": "Deal - ID",
        "created_at": "Deal - Deal created",
        "utm_campaign": "Deal - utm_campaign",
        "stage": "Deal - Status",
        "reason": "Deal - Lost reason",
        "won_at": "Deal - Won time",
        "revenue": "Deal - Value",
    },
    "salesforce": {
        "external_id": "Opportunity ID",
        "created_at": "Create Date",
        "utm_campaign": "Primary Campaign Source",
        "stage": "Stage",
        "won_at": "Close Date",
        "revenue": "Amount",
    },
}


@pytest.mark.parametrize("vendor", VENDORS, ids=_ids)
def test_the_preset_is_detected_from_the_headers_and_proposes_their_mapping(vendor):
    export = vendor.write(sample_leads(vendor))
    with _file(export) as path, open_table(path) as table:
        preset = preset_detect(table.headers, kind="leads")
        expected = next(fields for name, fields in MAPPINGS.items() if vendor.name.startswith(name))
        assert preset.name == vendor.preset
        assert preset.mapping(table.headers) == expected


@pytest.mark.parametrize("vendor", VENDORS, ids=_ids)
def test_what_a_preset_proposes_agrees_with_what_the_export_means(vendor):
    export = vendor.write(sample_leads(vendor))
    preset = BY_NAME[vendor.preset]
    proposed = {stage: level_proposal(preset, stage) for stage in export.stages}
    assert {stage: level for stage, level in proposed.items() if level} == {
        stage: level for stage, level in export.stages.items() if proposed[stage]
    }
    for reason in export.reasons:
        assert reason_proposal(preset, reason) in (None, "non_target")


def test_the_presets_propose_the_stages_imports_md_names():
    proposals = {
        ("amocrm", "Успешно реализовано"): "won",
        ("amocrm", "Закрыто и не реализовано"): "mql",
        ("amocrm", "Первичный контакт"): None,  # the user's own stages: no guess
        ("bitrix24", "Некачественный лид"): "non_target",
        ("bitrix24", "Сделка успешна"): "won",
        ("hubspot", "Lead"): "new",
        ("hubspot", "Marketing Qualified Lead"): "mql",
        ("hubspot", "salesqualifiedlead"): "sql",
        ("hubspot", "Customer"): "won",
        ("pipedrive", "Won"): "won",
        ("salesforce", "Closed Won"): "won",
    }
    assert {key: level_proposal(BY_NAME[key[0]], key[1]) for key in proposals} == proposals
    assert reason_proposal(BY_NAME["amocrm"], "Нецелевой") == "non_target"


def test_a_stage_left_unmapped_makes_its_rows_line_errors_naming_it():
    vendor = exports.AMOCRM
    leads = sample_leads(vendor)
    export = vendor.write(leads)
    stages = {stage: level for stage, level in export.stages.items() if stage != "Переговоры"}
    _preset, rows = read(export, stages=stages)
    problems = [row for _line, row in rows if isinstance(row, str)]
    sql = [lead for lead in leads if exports.lead_level(lead) == "sql"]
    assert problems == ["The stage “Переговоры” has no level: choose one for it."] * len(sql)
    assert len(rows) == len(leads)


def test_a_reason_mapped_non_target_wins_over_the_stage():
    """amoCRM marks junk by the loss reason of its closed stage, whose own level is mql."""
    leads = [lead for lead in sample_leads(exports.AMOCRM) if exports.lead_level(lead) == "non_target"]
    export = exports.amocrm(leads)
    assert set(export.stages) == {"Закрыто и не реализовано"} and export.stages["Закрыто и не реализовано"] == "mql"
    _preset, rows = read(export)
    assert [row["is_target"] for _line, row in rows if isinstance(row, dict)] == ["false"] * len(leads)
    _preset, unmarked = read(export, reasons={})
    assert [row["is_target"] for _line, row in unmarked if isinstance(row, dict)] == ["true"] * len(leads)


def test_lines_are_counted_as_a_person_sees_them_in_the_file():
    """A quoted note over two lines moves the line numbers of the rows after it."""
    leads = sample_leads(exports.AMOCRM)[:3]
    export = exports.amocrm(leads)
    text = export.data.decode("cp1251")
    assert text.count("\n") == 5  # the header, three rows, and the note of the second row
    _preset, rows = read(export)
    assert [line for line, _row in rows] == [2, 4, 5]


# --- spend ---------------------------------------------------------------------------------------

SPEND = [
    {"date": dt.date(2026, 12, 1), "campaign": "Партнёрская рассылка — декабрь", "utm_campaign": "partner_dec"}
    | {"amount": Decimal("1500.40"), "visits": 1234},
    {"date": dt.date(2026, 12, 2), "campaign": "Бренд, поиск", "utm_campaign": "brand"}
    | {"amount": Decimal("0.00"), "visits": 0},
    {"date": dt.date(2026, 12, 2), "campaign": "webinar", "utm_campaign": "webinar"}
    | {"amount": Decimal("1234567.89"), "visits": 98},
]


def amounts(row: Read) -> Read:
    """A spend row with its amount as a number: an Excel cell holds 1500.4, a CSV writes 1500,40."""
    assert isinstance(row, dict), row
    return {**row, "amount": str(Decimal(row["amount"]).quantize(Decimal("0.01")))}


@pytest.mark.parametrize("writer", sorted(SPEND_WRITERS))
def test_each_spend_report_reads_back_as_the_days_written(writer):
    export = SPEND_WRITERS[writer](SPEND)
    preset, rows = read(export)
    assert preset == export.preset
    assert [amounts(row) for _line, row in rows] == [amounts(row) for row in exports.spend_rows(SPEND)]
    assert export.campaigns == {"Партнёрская рассылка — декабрь": "partner_dec", "Бренд, поиск": "brand"}
    with _file(export) as path:
        sniffed = sniff(path)
    assert (sniffed.format, sniffed.encoding, sniffed.delimiter) == (export.format, export.encoding, export.delimiter)


@pytest.mark.parametrize("writer", sorted(SPEND_WRITERS))
@settings(derandomize=True, max_examples=25, deadline=None)
@given(spend=spend_sets())
def test_any_spend_set_reads_back_from_each_report(writer, spend):
    _preset, rows = read(SPEND_WRITERS[writer](spend))
    assert [amounts(row) for _line, row in rows] == [amounts(row) for row in exports.spend_rows(spend)]


# --- files that are not what they seem ----------------------------------------------------------


def _zip(entries: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in entries.items():
            archive.writestr(name, text)
    return out.getvalue()


NOT_TABLES = [
    ("pdf", b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", ["PDF document", "CSV or Excel (XLSX)"]),
    ("xls-1997", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), ["Excel 97–2003", "save it as", ".xlsx"]),
    ("zip", _zip({"leads.csv": "ID;Дата создания\n"}), ["ZIP archive", "unpack it"]),
    ("ods", _zip({"content.xml": "<office/>", "mimetype": "x"}), ["OpenDocument", ".xlsx"]),
    ("damaged-zip", b"PK\x03\x04" + bytes(100), ["damaged archive", "export it"]),
    ("empty", b"  \r\n", ["empty"]),
    # An image: said to be no text, or text in no known encoding; either way "export a CSV".
    ("png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, ["CSV"]),
]


@pytest.mark.parametrize(("data", "words"), [(d, w) for _n, d, w in NOT_TABLES], ids=[n for n, _d, _w in NOT_TABLES])
def test_a_file_that_is_no_table_is_refused_in_one_sentence(tmp_path, data, words):
    path = tmp_path / "export.xls"  # the name says nothing: the bytes do
    path.write_bytes(data)
    with pytest.raises(SourceError) as refused, open_table(path):
        pass
    message = str(refused.value)
    assert all(word in message for word in words), message
    assert message.endswith(".") and message.count(". ") == 0 and "\n" not in message


def test_a_damaged_workbook_and_a_missing_sheet_are_named(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(_zip({"xl/workbook.xml": "<workbook>"}))
    refused = r"^The workbook cannot be opened .*: save it again as \.xlsx\.$"
    with pytest.raises(SourceError, match=refused), open_table(path):
        pass
    export = exports.amocrm_xlsx(sample_leads(exports.AMOCRM))
    path.write_bytes(export.data)
    with pytest.raises(SourceError, match="The workbook has no sheet “Leads”"), open_table(path, sheet="Leads"):
        pass
    with open_table(path, sheet="Фильтры") as table:
        assert table.headers == ["Экспорт", "все"]


def test_a_header_of_ten_thousand_columns_is_refused(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_bytes((";".join(f"Поле {i}" for i in range(10_000)) + "\n1;2\n").encode("cp1251"))
    refused = r"^The header has 10000 columns; a lead or spend export has at most 500\.$"
    with pytest.raises(SourceError, match=refused), open_table(path):
        pass


@pytest.mark.parametrize(
    "word",
    ["Дубль", "Я", "ё", "№ 5", "«promo»", "promo — 1"],
)
def test_a_windows_1251_file_with_few_cyrillic_letters_is_read_as_such(tmp_path, word):
    """One short word among ASCII lines: too little for a statistical guess, enough for the rules."""
    lines = ["external_id;created_at;utm_campaign;disqualify_reason"]
    lines += [f"a{i};2026-12-01T10:00:00+03:00;promo_{i};" for i in range(40)]
    lines += [f"a99;2026-12-01T10:00:00+03:00;promo;{word}", ""]
    path = tmp_path / "leads.csv"
    path.write_bytes("\r\n".join(lines).encode("cp1251"))
    assert sniff(path).encoding == "cp1251"
    with open_table(path) as table:
        rows = [cells for _line, cells, _problem in table.rows]
    assert rows[-1] == ["a99", "2026-12-01T10:00:00+03:00", "promo", word]


def test_a_short_windows_1251_file_ending_in_a_cyrillic_letter_is_read_as_such(tmp_path):
    """The sniffer forgives a UTF-8 sequence cut by the end of its 256 KB sample, and so also when
    the sample is the whole file: a last letter `Я` (0xDF, a UTF-8 lead byte) makes it "UTF-8", and
    the last line becomes a line error."""
    path = tmp_path / "leads.csv"
    path.write_bytes("external_id;created_at;disqualify_reason\r\na1;2026-12-01T10:00:00+03:00;Я".encode("cp1251"))
    assert sniff(path).encoding == "cp1251"


def _amocrm_utf8_with_one_windows_1251_byte() -> bytes:
    export = exports.amocrm(sample_leads(exports.AMOCRM), encoding="utf-8")
    lines = export.data.split(b"\r\n")
    # Someone pasted "№" from a Windows-1251 file into the deal name of the first deal.
    lines[1] = lines[1].replace("сделка #0".encode(), "сделка ".encode() + "№".encode("cp1251") + b"0")
    return b"\r\n".join(lines)


def test_a_utf8_file_with_one_windows_1251_byte_is_refused_or_loses_that_line_only(tmp_path):
    """Never read as Windows-1251: the Cyrillic of every other line would turn into mojibake."""
    path = tmp_path / "amocrm_export.csv"
    path.write_bytes(_amocrm_utf8_with_one_windows_1251_byte())
    try:
        with open_table(path) as table:
            headers, rows = table.headers, list(table.rows)
    except SourceError as exc:
        assert "encoding" in str(exc)
        return
    assert "Дата создания сделки" in headers
    assert [problem for _line, cells, problem in rows if cells is None] != []


def test_a_utf8_file_with_one_windows_1251_byte_loses_that_line_only(tmp_path):
    """The same byte 256 KB further on is a line error and the file is read; near the top it refuses
    the whole file, saying it is not UTF-8 and asking to save it as UTF-8, which it is."""
    path = tmp_path / "amocrm_export.csv"
    path.write_bytes(_amocrm_utf8_with_one_windows_1251_byte())
    with open_table(path) as table:
        rows = list(table.rows)
    assert sniff(path).encoding == "utf-8"
    assert rows[0][1] is None and "not text in the file's encoding" in rows[0][2]
    assert len([cells for _line, cells, _problem in rows if cells is not None]) == 9


def test_the_same_stray_byte_far_into_the_file_is_a_line_error(tmp_path):
    leads = sample_leads(exports.AMOCRM)
    lines = exports.amocrm(leads, encoding="utf-8").data.split(b"\r\n")
    filler = [lines[3]] * 4000  # ~600 KB of a repeated one-line deal before the bad line
    bad = lines[1].replace("сделка #0".encode(), "сделка ".encode() + "№".encode("cp1251") + b"0")
    path = tmp_path / "amocrm_export.csv"
    path.write_bytes(b"\r\n".join([lines[0], *filler, bad, lines[4]]))
    assert sniff(path).encoding == "utf-8"
    with open_table(path) as table:
        problems = [(line, problem) for line, cells, problem in table.rows if cells is None]
    assert problems == [(4002, "the line holds bytes that are not text in the file's encoding")]


def test_a_file_without_its_header_row_cannot_be_mapped(tmp_path):
    """Its first deal is taken for the header: no preset fits, and the required fields are unmapped."""
    export = exports.amocrm(sample_leads(exports.AMOCRM))
    path = tmp_path / "amocrm_export.csv"
    path.write_bytes(export.data.split(b"\r\n", 1)[1])
    with open_table(path) as table:
        assert table.headers[0] == "1000"
        preset = preset_detect(table.headers, kind="leads")
        errors = SourceMapping(kind="leads", preset=preset, fields=preset.mapping(table.headers)).errors(table.headers)
    assert preset.name == "tracker"
    assert errors == {
        "external_id": ["Choose the column that holds this field."],
        "created_at": ["Choose the column that holds this field."],
    }


HEADER = "external_id,created_at,utm_campaign\n"


def _ten_megabyte_line(tmp_path: Path, middle: str) -> Path:
    path = tmp_path / "long.csv"
    with open(path, "w", encoding="utf-8") as file:
        file.write(HEADER + "a1,2026-12-01T10:00:00+03:00,promo\n")
        file.write(middle)
        file.write("\na3,2026-12-02T10:00:00+03:00,promo\n")
    assert path.stat().st_size > 10 * 1024 * 1024
    return path


def _lines(path: Path) -> list[tuple[int, list[Any] | None, str]]:
    with open_table(path) as table:
        return list(table.rows)


def test_a_ten_megabyte_line_is_one_line_error_and_the_rows_around_it_stay(tmp_path):
    path = _ten_megabyte_line(tmp_path, "a2,2026-12-01T10:00:00+03:00," + "x" * (10 * 1024 * 1024))
    rows = _lines(path)
    assert [(line, cells[0] if cells else None) for line, cells, _problem in rows] == [(2, "a1"), (3, None), (4, "a3")]
    assert rows[1][2] != ""


def test_the_ten_megabyte_line_is_told_in_the_readers_language(tmp_path):
    path = _ten_megabyte_line(tmp_path, "a2,2026-12-01T10:00:00+03:00," + "x" * (10 * 1024 * 1024))
    with translation.override("ru"):
        problem = _lines(path)[1][2]
    assert problem != "field larger than field limit (131072)"
    assert any("а" <= char <= "я" for char in problem.lower()), problem


def test_a_line_of_ten_megabytes_of_cells_is_a_line_error(tmp_path):
    path = _ten_megabyte_line(tmp_path, "a2,2026-12-01T10:00:00+03:00,promo," + "x," * (5 * 1024 * 1024))
    rows = _lines(path)
    assert [(line, cells[0] if cells else None) for line, cells, _problem in rows] == [(2, "a1"), (3, None), (4, "a3")]


def test_an_unquoted_comma_that_shifts_the_cells_is_a_line_error_not_a_wrong_amount(tmp_path):
    """An English amount written without quotes in a comma-separated file: `1,200.00` is two cells,
    and the Amount column would read 1."""
    path = tmp_path / "hubspot.csv"
    path.write_text(
        "Record ID,Create Date,utm_campaign,Lifecycle Stage,Became a Customer Date,Amount\n"
        "501,2026-12-01 09:05,webinar,Customer,2026-12-03 10:00,1,200.00\n"
    )
    export = Export(path.read_bytes(), "hubspot.csv", "hubspot", "csv", "utf-8", ",", stages={"Customer": "won"})
    _preset, rows = read(export)
    row = rows[0][1]
    assert not (isinstance(row, dict) and row.get("revenue") == "1"), "read as a customer who paid 1"
    assert isinstance(row, str)


@pytest.mark.parametrize("external_id", ["TOTAL-7", "Итого-2026-15", "Всего 1"])
def test_a_lead_whose_first_cell_starts_like_a_totals_row_is_read(tmp_path, external_id):
    """`Итого` / `Всего` / `Total` rows end ad-cabinet reports; in a lead file the first column is the
    lead's key, and a key may start with those words (a ticket key, a deal name)."""
    path = tmp_path / "leads.csv"
    path.write_text(f"{HEADER}a1,2026-12-01T10:00:00+03:00,promo\n{external_id},2026-12-01T11:00:00+03:00,promo\n")
    assert [cells[0] for _line, cells, _problem in _lines(path) if cells] == ["a1", external_id]
