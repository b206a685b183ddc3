"""The import API for exports as they are (docs/imports.md): preview, options, profiles, spend files."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from metrics.models import ImportJob, ImportProfile, ImportUpload, Lead, Spend
from metrics.services import import_job_run, import_uploads_forget

pytestmark = pytest.mark.django_db

AMO_HEADER = "ID;Название сделки;Бюджет;Этап сделки;Дата создания сделки;Дата закрытия;Причина отказа;utm_campaign"
AMO_ROWS = [
    "101;Сделка 1;12 500,50;Успешно реализовано;01.12.2026 09:05;03.12.2026 15:00;;partner_dec",
    "102;Сделка 2;0;Закрыто и не реализовано;01.12.2026 10:00;не закрыта;Нецелевой;partner_dec",
    "103;Сделка 3;5 000;Переговоры;02.12.2026 11:30;не закрыта;;partner_dec",
    "104;Сделка 4;;Первичный контакт;02.12.2026 12:00;не закрыта;;partner_dec",
]


def amo_file(rows=AMO_ROWS, name="amocrm.csv") -> SimpleUploadedFile:
    text = "\n".join([AMO_HEADER, *rows]) + "\n"
    return SimpleUploadedFile(name, text.encode("cp1251"), content_type="text/csv")


def run(job_id: int) -> ImportJob:
    import_job_run(job_id=job_id)
    return ImportJob.objects.get(id=job_id)


def test_preview_describes_an_amocrm_export_and_the_import_reuses_it(client_for, marketer, experiment):
    client = client_for(marketer)
    preview = client.post("/api/v1/imports/preview/", {"file": amo_file()}, format="multipart")
    assert preview.status_code == 200, preview.content
    body = preview.json()
    assert (body["format"], body["encoding"], body["delimiter"], body["preset"]) == ("csv", "cp1251", ";", "amocrm")
    assert body["headers"][0] == "ID" and len(body["rows"]) == 4 and body["rows"][0][0] == "101"
    assert body["mapping"]["external_id"] == "ID" and body["mapping"]["stage"] == "Этап сделки"
    stages = {item["value"]: (item["count"], item["level"]) for item in body["values"]["stage"]}
    assert stages["Успешно реализовано"] == (1, "won") and stages["Переговоры"] == (1, None)
    assert {item["value"]: item["level"] for item in body["values"]["reason"]} == {"Нецелевой": "non_target"}
    assert body["values_complete"] is True

    levels = {"Успешно реализовано": "won", "Закрыто и не реализовано": "mql", "Переговоры": "sql"}
    response = client.post(
        "/api/v1/imports/",
        {"upload": body["upload"], "stages": json.dumps(levels), "reasons": json.dumps({"Нецелевой": "non_target"})},
        format="multipart",
    )
    assert response.status_code == 202, response.content
    job = run(response.json()["id"])
    assert job.status == ImportJob.Status.DONE, job.failure
    assert (job.rows_total, job.rows_ok, job.rows_failed) == (4, 3, 1)
    # The stage nobody mapped is a line error that names it, never a guess.
    (error,) = job.errors
    assert error["line"] == 5 and "Первичный контакт" in str(error["errors"])
    won = Lead.objects.get(external_id="101")
    assert won.revenue == Decimal("12500.50") and won.is_target is True
    assert won.won_at == dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)  # 15:00 in Moscow
    assert won.mql_at == won.sql_at == won.created_at
    junk = Lead.objects.get(external_id="102")
    assert junk.is_target is False and junk.disqualify_reason == "Нецелевой" and junk.mql_at is None
    talks = Lead.objects.get(external_id="103")
    assert talks.sql_at == talks.created_at and talks.won_at is None and talks.revenue is None


def test_an_export_uploaded_without_options_uses_its_presets_proposals(client_for, marketer, experiment):
    response = client_for(marketer).post("/api/v1/imports/", {"file": amo_file()}, format="multipart")
    assert response.status_code == 202, response.content
    job = run(response.json()["id"])
    assert job.options["preset"] == "amocrm"
    # amoCRM's closed stages are known; the others are line errors naming their value.
    assert (job.rows_ok, job.rows_failed) == (2, 2)
    assert {"Переговоры", "Первичный контакт"} == {
        value for error in job.errors for value in ("Переговоры", "Первичный контакт") if value in str(error)
    }


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"mapping": json.dumps({"external_id": "Номер"})}, "external_id", "no column"),
        ({"mapping": json.dumps({"external_id": "ID"})}, "created_at", "Choose the column"),
        ({"stages": json.dumps({"Переговоры": "maybe"})}, "stages", "not a level"),
        ({"reasons": json.dumps({"Нецелевой": "won"})}, "reasons", "non-target"),
        ({"mapping": "{not json"}, "mapping", "JSON object"),
        ({"preset": "google_ads"}, "preset", "not a source"),
        ({"kind": "money"}, "kind", "leads"),
        ({"profile": "999"}, "profile", "no import profile"),
    ],
)
def test_a_bad_option_is_a_400_for_its_field_and_nothing_is_queued(client_for, marketer, fields, field, words):
    response = client_for(marketer).post("/api/v1/imports/", {"file": amo_file(), **fields}, format="multipart")
    assert response.status_code == 400, response.content
    assert words in " ".join(response.json()[field])
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "PDF"),
        (b"PK\x03\x04" + b"\x00" * 40, "damaged archive"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "Excel 97"),
    ],
)
def test_a_file_that_is_no_table_is_a_400_in_one_sentence(client_for, marketer, content, words):
    upload = SimpleUploadedFile("leads.xls", content)
    for url in ("/api/v1/imports/", "/api/v1/imports/preview/"):
        response = client_for(marketer).post(url, {"file": upload}, format="multipart")
        upload.seek(0)
        assert response.status_code == 400, response.content
        assert words in response.json()["file"][0]
    assert not ImportJob.objects.exists() and not ImportUpload.objects.exists()


def test_an_unknown_upload_token_is_a_400(client_for, marketer):
    token = "6c8b2f1e-2a7e-4f5e-9a3b-0d1c2b3a4f5e"
    response = client_for(marketer).post("/api/v1/imports/", {"upload": token}, format="multipart")
    assert response.status_code == 400 and "upload the file again" in response.json()["upload"][0]


def test_a_spend_report_keyed_by_date_and_campaign_replaces_on_reexport(client_for, marketer, experiment):
    report = (
        "Отчёт по кампаниям, 01.12.2026 - 02.12.2026\n"
        "Дата;Кампания;Клики;Расход (руб.)\n"
        "01.12.2026;Партнёрская рассылка;120;1 500,50\n"
        "02.12.2026;Партнёрская рассылка;98;1 200,00\n"
        "Итого;;218;2 700,50\n"
    )
    campaigns = json.dumps({"Партнёрская рассылка": "partner_dec"})
    client = client_for(marketer)
    for amount in ("1 200,00", "1 300,00"):
        upload = SimpleUploadedFile("direct.csv", report.replace("1 200,00", amount).encode("utf-8-sig"))
        response = client.post(
            "/api/v1/imports/", {"file": upload, "kind": "spend", "campaigns": campaigns}, format="multipart"
        )
        assert response.status_code == 202, response.content
        job = run(response.json()["id"])
        assert job.status == ImportJob.Status.DONE and (job.rows_ok, job.rows_failed) == (2, 0), job.errors
    assert job.options["preset"] == "yandex_direct" and (job.created, job.updated, job.unchanged) == (0, 1, 1)
    rows = sorted(Spend.objects.filter(experiment=experiment).values_list("date", "amount", "visits"))
    assert rows == [(dt.date(2026, 12, 1), Decimal("1500.50"), 120), (dt.date(2026, 12, 2), Decimal("1300.00"), 98)]


def test_a_spend_row_of_no_experiment_is_a_line_error(client_for, marketer, experiment):
    report = 'Day,Campaign,Clicks,Cost\n2026-12-01,partner_dec,10,"1,200.50"\n2026-12-01,unknown,5,3.00\n'
    upload = SimpleUploadedFile("google.csv", report.encode())
    response = client_for(marketer).post("/api/v1/imports/", {"file": upload, "kind": "spend"}, format="multipart")
    job = run(response.json()["id"])
    assert job.options["preset"] == "google_ads" and (job.rows_ok, job.rows_failed) == (1, 1)
    assert job.errors[0]["line"] == 3
    assert Spend.objects.get(experiment=experiment).amount == Decimal("1200.50")


def test_profiles_are_saved_proposed_for_the_same_headers_and_used_by_id(client_for, marketer, sales_head, experiment):
    client = client_for(marketer)
    headers = AMO_HEADER.split(";")
    stages = {
        "Успешно реализовано": "won",
        "Закрыто и не реализовано": "mql",
        "Переговоры": "sql",
        "Первичный контакт": "new",
    }
    created = client.post(
        "/api/v1/import-profiles/",
        {"name": "amoCRM, отдел продаж", "kind": "leads", "preset": "amocrm", "stages": stages, "headers": headers},
        format="json",
    )
    assert created.status_code == 201, created.content
    profile_id = created.json()["id"]
    assert client.get("/api/v1/import-profiles/").json()[0]["name"] == "amoCRM, отдел продаж"

    preview = client.post("/api/v1/imports/preview/", {"file": amo_file()}, format="multipart").json()
    assert preview["profile"] == {"id": profile_id, "name": "amoCRM, отдел продаж"}
    assert {item["value"]: item["level"] for item in preview["values"]["stage"]}["Первичный контакт"] == "new"

    response = client.post("/api/v1/imports/", {"upload": preview["upload"], "profile": profile_id}, format="multipart")
    job = run(response.json()["id"])
    assert (job.rows_ok, job.rows_failed) == (4, 0), job.errors

    renamed = client_for(sales_head).patch(f"/api/v1/import-profiles/{profile_id}/", {"name": "amoCRM"}, format="json")
    assert renamed.status_code == 200 and renamed.json()["stages"] == stages
    bad = client.patch(f"/api/v1/import-profiles/{profile_id}/", {"stages": {"x": "maybe"}}, format="json")
    assert bad.status_code == 400 and "not a level" in bad.json()["stages"][0]
    assert client.delete(f"/api/v1/import-profiles/{profile_id}/").status_code == 204
    assert not ImportProfile.objects.exists()


def test_only_importers_preview_and_save_profiles(client_for, founder):
    client = client_for(founder)
    assert client.post("/api/v1/imports/preview/", {"file": amo_file()}, format="multipart").status_code == 403
    assert client.post("/api/v1/import-profiles/", {"name": "x"}, format="json").status_code == 403
    assert client.get("/api/v1/import-profiles/").status_code == 200


def test_todays_tracker_csv_with_values_as_people_write_them(client_for, marketer, experiment):
    text = (
        "external_id,created_at,utm_campaign,is_target,won_at,revenue\n"
        't1,01.12.2026 09:05,partner_dec,да,02.12.2026,"12 500,50"\n'
    )
    upload = SimpleUploadedFile("leads.csv", text.encode())
    response = client_for(marketer).post("/api/v1/imports/", {"file": upload}, format="multipart")
    job = run(response.json()["id"])
    assert job.options == {} and (job.rows_ok, job.rows_failed) == (1, 0), job.errors
    lead = Lead.objects.get(external_id="t1")
    assert lead.is_target is True and lead.revenue == Decimal("12500.50")
    assert lead.created_at == dt.datetime(2026, 12, 1, 6, 5, tzinfo=dt.UTC)


def test_a_file_without_its_header_row_says_so(client_for, marketer):
    text = "\n".join(AMO_ROWS) + "\n"
    upload = SimpleUploadedFile("amocrm.csv", text.encode("cp1251"))
    response = client_for(marketer).post("/api/v1/imports/", {"file": upload}, format="multipart")
    assert response.status_code == 400
    assert "export the file with its header row" in response.json()["file"][0]
    assert not ImportJob.objects.exists()


def test_a_tracker_spend_csv_is_the_spend_default(client_for, marketer, experiment):
    text = 'date,utm_campaign,amount,visits\n2026-12-01,partner_dec,"1 500,50",12\n'
    upload = SimpleUploadedFile("spend.csv", text.encode())
    response = client_for(marketer).post(
        "/api/v1/imports/", {"file": upload, "kind": "spend", "preset": "tracker"}, format="multipart"
    )
    assert response.status_code == 202, response.content
    job = run(response.json()["id"])
    assert (job.kind, job.options["preset"], job.rows_ok) == ("spend", "tracker", 1), job.errors
    assert Spend.objects.get(experiment=experiment).amount == Decimal("1500.50")


def test_old_previewed_files_are_forgotten_unless_imported(client_for, marketer, experiment, time_machine):
    client = client_for(marketer)
    kept = client.post("/api/v1/imports/preview/", {"file": amo_file()}, format="multipart").json()
    forgotten = client.post("/api/v1/imports/preview/", {"file": amo_file()}, format="multipart").json()
    job = client.post("/api/v1/imports/", {"upload": kept["upload"]}, format="multipart").json()
    time_machine.move_to(dt.datetime.now(tz=dt.UTC) + dt.timedelta(days=8))
    assert import_uploads_forget() == 2
    assert not ImportUpload.objects.exists()
    stored = ImportJob.objects.get(id=job["id"]).file
    assert stored.name and stored.storage.exists(stored.name)  # the import's file stays
    response = client.post("/api/v1/imports/", {"upload": forgotten["upload"]}, format="multipart")
    assert response.status_code == 400
