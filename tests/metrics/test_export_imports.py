"""Exports imported end to end through the API (docs/imports.md): preview, import with the preview's
upload token and the user's answers, the job run in-process. What is stored, and the experiment's
metrics, are those of the same leads or spend posted as JSON."""

import datetime as dt
import io
import json
import re
import zipfile
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from experiments.models import Experiment
from metrics.models import ImportJob, ImportUpload, Lead, Spend
from metrics.services import import_job_run, snapshots_recompute
from tests.factories import ExperimentFactory
from tests.metrics import exports
from tests.metrics.exports import SPEND_WRITERS, VENDORS, Export, Vendor, json_row, lead_sets, sample_leads, spend_sets

pytestmark = pytest.mark.django_db

COMPARED = ("created_at", "utm_campaign", "is_target", "disqualify_reason", "mql_at", "sql_at", "won_at", "revenue")


@pytest.fixture
def media(settings, tmp_path: Path) -> Path:
    """Uploads go to a folder of the test's own, which the refusal tests look into."""
    folder = tmp_path / "media"
    settings.MEDIA_ROOT = str(folder)
    return folder


def _ids(vendor: Vendor) -> str:
    return vendor.name


def preview(client: APIClient, export: Export) -> dict[str, Any]:
    upload = SimpleUploadedFile(export.filename, export.data)
    response = client.post("/api/v1/imports/preview/", {"file": upload, "kind": export.kind}, format="multipart")
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def import_previewed(client: APIClient, export: Export, body: dict[str, Any]) -> ImportJob:
    """The import of a previewed file with the preview's mapping and the user's answers."""
    form = {"upload": body["upload"], **export.form()}
    if export.preset != "tracker":
        form["mapping"] = json.dumps(body["mapping"], ensure_ascii=False)
    response = client.post("/api/v1/imports/", form, format="multipart")
    assert response.status_code == 202, response.content
    import_job_run(job_id=response.json()["id"])
    return ImportJob.objects.get(id=response.json()["id"])


def import_export(client: APIClient, export: Export) -> ImportJob:
    job = import_previewed(client, export, preview(client, export))
    assert job.status == ImportJob.Status.DONE, job.failure
    assert job.errors == [] and job.rows_failed == 0
    return job


def stored_leads() -> dict[str, tuple[Any, ...]]:
    return {lead.external_id: tuple(getattr(lead, name) for name in COMPARED) for lead in Lead.objects.all()}


def expected_leads(leads: Sequence[exports.Lead]) -> dict[str, tuple[Any, ...]]:
    defaults: dict[str, Any] = {"utm_campaign": "", "disqualify_reason": ""}
    return {lead["external_id"]: tuple(lead.get(name, defaults.get(name)) for name in COMPARED) for lead in leads}


def metrics(client: APIClient, experiment) -> dict[str, Any]:
    snapshots_recompute(experiment_ids=[experiment.id])
    response = client.get(f"/api/v1/experiments/{experiment.id}/metrics/")
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    body.pop("computed_at")
    return body


def posted_as_json(client: APIClient, leads: Sequence[exports.Lead]) -> None:
    response = client.post("/api/v1/leads/", [json_row(lead) for lead in leads], format="json")
    assert response.status_code == 200, response.content
    assert response.json()["errors"] == []


# --- leads ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("vendor", VENDORS, ids=_ids)
def test_each_export_is_previewed_and_imported_as_its_leads(client_for, marketer, experiment, media, vendor):
    client = client_for(marketer)
    leads = sample_leads(vendor)
    export = vendor.write(leads)
    body = preview(client, export)
    assert (body["format"], body["encoding"], body["delimiter"]) == (export.format, export.encoding, export.delimiter)
    assert body["preset"] == vendor.preset and body["values_complete"] is True
    assert len(body["rows"]) == len(leads) and body["rows_counted"] == len(leads)
    stages = {item["value"]: item["count"] for item in body["values"]["stage"]}
    assert set(stages) <= set(export.stages) and sum(stages.values()) == (len(leads) if export.stages else 0)
    reasons = {item["value"]: item["count"] for item in body["values"]["reason"]}
    for reason in export.reasons:
        assert reasons[reason] == sum(1 for lead in leads if lead.get("disqualify_reason") == reason)

    job = import_previewed(client, export, body)
    assert job.status == ImportJob.Status.DONE, job.failure
    assert (job.rows_total, job.rows_ok, job.rows_failed, job.created) == (len(leads), len(leads), 0, len(leads))
    if vendor.name == "tracker":
        assert job.options == {}  # today's CSV, read as it always was
    else:
        assert job.options["preset"] == vendor.preset and job.options["stages"] == export.stages
    assert stored_leads() == expected_leads(leads)

    again = import_previewed(client, export, body)  # the same stored file, by its token again
    assert (again.created, again.updated, again.unchanged) == (0, 0, len(leads))


@pytest.mark.parametrize("vendor", VENDORS, ids=_ids)
@settings(
    derandomize=True,
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_an_export_gives_the_metrics_of_the_same_leads_posted_as_json(
    client_for, marketer, experiment, media, vendor, data
):
    leads = data.draw(lead_sets(vendor, max_size=10))
    client = client_for(marketer)
    Lead.objects.all().delete()
    job = import_export(client, vendor.write(leads))
    assert job.rows_ok == len(leads)
    imported, from_file = stored_leads(), metrics(client, experiment)

    Lead.objects.all().delete()
    posted_as_json(client, leads)
    assert stored_leads() == imported == expected_leads(leads)
    assert metrics(client, experiment) == from_file


def test_the_metrics_compared_are_not_all_zero(client_for, marketer, experiment, media):
    """The comparison above could pass on nothing: here a fixed set of each level lands in the
    experiment and counts."""
    client = client_for(marketer)
    leads = [{**lead, "utm_campaign": "Partner_Dec"} for lead in sample_leads(exports.AMOCRM)]
    import_export(client, exports.amocrm(leads))
    body = metrics(client, experiment)
    levels = [exports.lead_level(lead) for lead in leads]
    assert body["leads_total"] == len(leads) and body["customers"] == levels.count("won") > 0
    assert body["non_target_leads"] == levels.count("non_target") > 0
    assert Decimal(body["revenue"]) == sum(lead.get("revenue") or 0 for lead in leads) > 0


# --- spend ---------------------------------------------------------------------------------------


@pytest.fixture
def campaigns(experiment) -> dict[str, int]:
    """An experiment per utm_campaign a spend set uses."""
    ids = {"partner_dec": experiment.id}
    for utm in ("webinar", "brand"):
        other = ExperimentFactory.create(
            running=True,
            utm_campaign=utm,
            owner=experiment.owner,
            start_date=dt.date(2026, 12, 1),
            test_period_days=30,
            ends_on=dt.date(2026, 12, 31),
        )
        ids[utm] = other.id
    return ids


def stored_spend() -> list[tuple[Any, ...]]:
    return sorted(Spend.objects.values_list("experiment__utm_campaign", "date", "amount", "kind", "visits"))


def expected_spend(spend: Sequence[exports.SpendEntry]) -> list[tuple[Any, ...]]:
    return sorted((e["utm_campaign"], e["date"], e["amount"], "marketing", e["visits"]) for e in spend)


@pytest.mark.parametrize("writer", sorted(SPEND_WRITERS))
@settings(
    derandomize=True,
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spend=spend_sets(max_size=6))
def test_a_spend_report_gives_the_metrics_of_the_same_spend_posted_as_json(
    client_for, marketer, experiment, campaigns, media, writer, spend
):
    client = client_for(marketer)
    Spend.objects.all().delete()
    export = SPEND_WRITERS[writer](spend)
    job = import_export(client, export)
    assert (job.rows_ok, job.options["preset"]) == (len(spend), export.preset)
    assert stored_spend() == expected_spend(spend)
    from_file = {utm: metrics(client, Experiment.objects.get(id=id_)) for utm, id_ in campaigns.items()}

    again = import_export(client, SPEND_WRITERS[writer](spend))  # a re-export of the same days
    assert (again.created, again.unchanged) == (0, len(spend))

    Spend.objects.all().delete()
    rows = [
        {"utm_campaign": e["utm_campaign"], "date": e["date"].isoformat(), "amount": f"{e['amount']:.2f}"}
        | {"kind": "marketing", "visits": e["visits"]}
        for e in spend
    ]
    response = client.post("/api/v1/spend/", rows, format="json")
    assert response.status_code == 201 and response.json()["errors"] == [], response.content
    assert stored_spend() == expected_spend(spend)
    posted = {utm: metrics(client, Experiment.objects.get(id=id_)) for utm, id_ in campaigns.items()}
    assert posted == from_file


# --- files that are no table ---------------------------------------------------------------------


def _headerless_amocrm() -> bytes:
    return exports.amocrm(sample_leads(exports.AMOCRM)).data.split(b"\r\n", 1)[1]


REFUSED = [
    ("pdf", b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", {"file": ["PDF document"]}),
    ("xls-1997", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), {"file": ["Excel 97–2003", ".xlsx"]}),
    ("zip", None, {"file": ["ZIP archive"]}),
    (
        "ten-thousand-columns",
        (";".join(f"Поле {i}" for i in range(10_000)) + "\n").encode("cp1251"),
        {"file": ["10000"]},
    ),
    (
        "no-header-row",
        None,
        {
            "file": ["The first row names no columns this import knows (1000, ", "export the file with its header row"],
            "external_id": ["Choose the column"],
            "created_at": ["Choose the column"],
        },
    ),
]


def _refused_file(name: str, data: bytes | None) -> bytes:
    if name == "zip":
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            archive.writestr("amocrm_export.csv", exports.amocrm(sample_leads(exports.AMOCRM)).data)
        return out.getvalue()
    if name == "no-header-row":
        return _headerless_amocrm()
    assert data is not None
    return data


@pytest.mark.parametrize(("name", "data", "words"), REFUSED, ids=[name for name, _d, _w in REFUSED])
def test_a_bad_file_is_a_400_in_plain_sentences_and_nothing_is_stored(client_for, marketer, media, name, data, words):
    client = client_for(marketer)
    content = _refused_file(name, data)
    for url in ("/api/v1/imports/", "/api/v1/imports/preview/"):
        upload = SimpleUploadedFile("export.xls", content)
        response = client.post(url, {"file": upload}, format="multipart")
        if url.endswith("preview/") and name == "no-header-row":
            # The preview shows such a file as it is (its first deal as headers) and proposes nothing.
            assert response.status_code == 200 and response.json()["preset"] == "tracker"
            continue
        assert response.status_code == 400, response.content
        body = response.json()
        assert set(body) == set(words), body
        for field, expected in words.items():
            (message,) = body[field]
            assert all(word in message for word in expected), message
            assert message.endswith(".") and "\n" not in message and "Traceback" not in message
    assert not ImportJob.objects.exists() and not Lead.objects.exists()
    assert ImportUpload.objects.count() == (1 if name == "no-header-row" else 0)
    stored = [path for path in media.rglob("*") if path.is_file()] if media.exists() else []
    assert len(stored) == ImportUpload.objects.count()  # a refused upload leaves no file behind


def test_a_utf8_export_with_one_windows_1251_byte_is_refused_in_a_sentence_or_loses_that_line(
    client_for, marketer, media
):
    export = exports.amocrm(sample_leads(exports.AMOCRM), encoding="utf-8")
    lines = export.data.split(b"\r\n")
    lines[1] = lines[1].replace("сделка #0".encode(), "сделка ".encode() + "№".encode("cp1251") + b"0")
    upload = SimpleUploadedFile("amocrm_export.csv", b"\r\n".join(lines))
    form = {"file": upload, **export.form()}
    response = client_for(marketer).post("/api/v1/imports/", form, format="multipart")
    if response.status_code == 400:
        (message,) = response.json()["file"]
        assert "encoding" in message
        assert not ImportJob.objects.exists() and not Lead.objects.exists()
        return
    assert response.status_code == 202, response.content
    import_job_run(job_id=response.json()["id"])
    job = ImportJob.objects.get()
    data_lines = len(lines) - 2  # the header and the empty piece after the last line break
    assert (job.rows_ok, job.rows_failed) == (data_lines - 1, 1) and job.errors[0]["line"] == 2
    assert "Дата" not in str(job.errors)  # the other lines' Cyrillic read as UTF-8, not as mojibake


def test_a_windows_1251_file_with_one_cyrillic_word_stores_it_right(client_for, marketer, media):
    lines = ["external_id;created_at;utm_campaign;is_target;disqualify_reason"]
    lines += [f"a{i};2026-12-01T10:00:00+03:00;partner_dec;true;" for i in range(30)]
    lines += ["a99;2026-12-01T10:00:00+03:00;partner_dec;false;Дубль", ""]
    upload = SimpleUploadedFile("leads.csv", "\r\n".join(lines).encode("cp1251"))
    response = client_for(marketer).post("/api/v1/imports/", {"file": upload}, format="multipart")
    assert response.status_code == 202, response.content
    import_job_run(job_id=response.json()["id"])
    job = ImportJob.objects.get()
    assert (job.status, job.rows_ok, job.rows_failed) == (ImportJob.Status.DONE, 31, 0), job.failure
    assert Lead.objects.get(external_id="a99").disqualify_reason == "Дубль"


def test_a_ten_megabyte_line_is_one_line_error_and_the_other_deals_are_imported(client_for, marketer, media):
    leads = sample_leads(exports.AMOCRM)
    export = exports.amocrm(leads)
    lines = export.data.split(b"\r\n")
    note = ("Звонок " * (10 * 1024 * 1024 // 7 + 1)).encode("cp1251")
    cells = lines[3].split(b";")
    lines[3] = b";".join([*cells[:8], b'"' + note + b'"', *cells[9:]])  # the note of the 3rd deal
    data = b"\r\n".join(lines)
    assert len(data) > 10 * 1024 * 1024
    client = client_for(marketer)
    long = replace(export, data=data)
    job = import_previewed(client, long, preview(client, long))
    assert job.status == ImportJob.Status.DONE, job.failure
    assert (job.rows_ok, job.rows_failed) == (len(leads) - 1, 1)
    assert job.errors[0]["line"] == 5 and job.errors[0]["errors"]  # the 2nd deal's note has two lines
    assert leads[2]["external_id"] not in stored_leads()
    assert {key: value for key, value in expected_leads(leads).items() if key != leads[2]["external_id"]} == (
        stored_leads()
    )


def test_an_unquoted_english_amount_is_a_line_error_not_a_customer_who_paid_one(client_for, marketer, media):
    text = (
        "Record ID,Create Date,utm_campaign,Lifecycle Stage,Became a Customer Date,Amount\n"
        "501,2026-12-01 09:05,partner_dec,Customer,2026-12-03 10:00,1,200.00\n"
        '502,2026-12-01 09:05,partner_dec,Customer,2026-12-03 10:00,"1,200.00"\n'
    )
    upload = SimpleUploadedFile("hubspot.csv", text.encode())
    form = {"file": upload, "stages": json.dumps({"Customer": "won"})}
    response = client_for(marketer).post("/api/v1/imports/", form, format="multipart")
    import_job_run(job_id=response.json()["id"])
    assert Lead.objects.get(external_id="502").revenue == Decimal("1200.00")
    assert not Lead.objects.filter(external_id="501", revenue=Decimal("1.00")).exists()
    assert ImportJob.objects.get().rows_failed == 1


ENGLISH = re.compile(r"\b(the|this|file|column|choose|export)\b", re.IGNORECASE)


def _cyrillic(text: str) -> bool:
    return any("а" <= char <= "я" for char in text.lower())


@pytest.mark.parametrize(
    ("name", "data"), [(name, data) for name, data, _words in REFUSED], ids=[r[0] for r in REFUSED]
)
def test_a_bad_file_is_refused_in_the_uploaders_language(client_for, marketer, media, name, data):
    upload = SimpleUploadedFile("export.xls", _refused_file(name, data))
    response = client_for(marketer).post(
        "/api/v1/imports/", {"file": upload}, format="multipart", HTTP_ACCEPT_LANGUAGE="ru"
    )
    assert response.status_code == 400
    for messages in response.json().values():
        (message,) = messages
        assert _cyrillic(message) and not ENGLISH.search(message), message


def test_an_unmapped_stage_is_a_line_error_in_the_uploaders_language(client_for, marketer, media):
    export = exports.amocrm(sample_leads(exports.AMOCRM))
    stages = {stage: level for stage, level in export.stages.items() if stage != "Переговоры"}
    form = {"file": SimpleUploadedFile(export.filename, export.data), **export.form(), "stages": json.dumps(stages)}
    response = client_for(marketer).post("/api/v1/imports/", form, format="multipart", HTTP_ACCEPT_LANGUAGE="ru")
    import_job_run(job_id=response.json()["id"])
    (message,) = ImportJob.objects.get().errors[0]["errors"]["non_field_errors"]
    assert _cyrillic(message.replace("Переговоры", "")) and not ENGLISH.search(message), message


def test_a_deal_exported_twice_is_the_last_line_as_in_todays_csv(client_for, marketer, media):
    leads = sample_leads(exports.AMOCRM)[:5]
    later = {**leads[4], "external_id": leads[0]["external_id"]}  # the first deal again, won since
    first, again = exports.amocrm(leads).data.split(b"\r\n"), exports.amocrm([later]).data.split(b"\r\n")
    data = b"\r\n".join([*first[:-1], *again[1:]])
    export = exports.amocrm([*leads, {**later, "external_id": "x"}])
    form = {"file": SimpleUploadedFile(export.filename, data), **export.form()}
    response = client_for(marketer).post("/api/v1/imports/", form, format="multipart")
    import_job_run(job_id=response.json()["id"])
    job = ImportJob.objects.get()
    assert (job.rows_total, job.rows_ok, job.rows_failed, job.created) == (6, 6, 0, 5)
    assert stored_leads() == expected_leads([later, *leads[1:]])
