"""The import pages (docs/imports.md, "Pages"): an export uploaded as it is, its preview with a
drop-down per field and a level per stage value, the import with those answers, profiles."""

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from metrics.forms import value_key
from metrics.models import ImportJob, ImportProfile, ImportUpload, Lead, Spend
from metrics.services import import_job_run, import_profile_create
from tests.factories import ChannelFactory, ExperimentFactory
from tests.metrics.test_import_api import AMO_HEADER, amo_file

pytestmark = pytest.mark.django_db

LEVELS = {"Успешно реализовано": "won", "Закрыто и не реализовано": "mql", "Переговоры": "sql"}


@pytest.fixture
def experiment(marketer):
    """Alice's experiment of December 2026, which the files' rows belong to."""
    return ExperimentFactory(
        running=True,
        channel=ChannelFactory(slug="partner-mailings", name="Partner mailings"),
        owner=marketer,
        utm_campaign="partner_dec",
        start_date=dt.date(2026, 12, 1),
        test_period_days=30,
    )


def upload(client, file, **fields):
    """Upload a file on the imports page; the answer leads to its preview."""
    response = client.post(reverse("web:import-list"), {"file": file, "kind": "leads", "preset": "", **fields})
    assert response.status_code == 302, response.context["form"].errors
    return response["Location"]


def answers(preview_page, **changes):
    """The preview form as the page fills it (its proposals), with `changes` by field name."""
    form = preview_page.context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {name: ("on" if value is True else value) for name, value in data.items() if value not in (None, False)}
    return {**data, **changes}


def stage(value: str) -> str:
    return value_key("stage", value)


def test_an_amocrm_export_in_windows_1251_is_previewed(web_client, marketer):
    client = web_client(marketer)
    preview_url = upload(client, amo_file())
    token = ImportUpload.objects.get().token
    assert preview_url == reverse("web:import-preview", args=[token]) + "?kind=leads"
    page = client.get(preview_url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Windows-1251 (cp1251)" in html and "semicolon (;)" in html
    assert "amoCRM / Kommo" in html
    # The first rows, as read from cp1251.
    assert '<td title="Сделка 1">Сделка 1</td>' in html
    form = page.context["form"]
    assert form["column-external_id"].value() == "ID"
    assert form["column-stage"].value() == "Этап сделки"
    assert form["column-churned_at"].value() == ""
    # A stage row: its value, its count, its level proposed (or none, with the warning).
    stages = {row["value"]: row for row in page.context["stages"]}
    assert stages["Успешно реализовано"]["count"] == 1 and stages["Успешно реализовано"]["field"].value() == "won"
    assert stages["Переговоры"]["unanswered"] and stages["Переговоры"]["field"].value() == ""
    assert '<label for="id_stage-' in html and "No level: these rows will be line errors." in html
    assert "2 stages have no level: their rows (2) will be line errors." in html
    assert {row["value"]: row["field"].value() for row in page.context["reasons"]} == {"Нецелевой": "non_target"}
    assert not ImportJob.objects.exists()


def test_the_answers_become_the_jobs_options_and_the_import_follows_them(web_client, marketer, experiment):
    client = web_client(marketer)
    preview_url = upload(client, amo_file())
    page = client.get(preview_url)
    data = answers(
        page,
        **{stage(value): level for value, level in LEVELS.items()},
        **{"column-revenue": "", "column-won_at": "Дата закрытия"},
    )
    response = client.post(preview_url, data)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("web:import-detail", args=[job.pk])
    assert job.kind == "leads" and job.created_by == marketer and job.original_name == "amocrm.csv"
    assert job.options["preset"] == "amocrm"
    assert job.options["mapping"] == {
        "external_id": "ID",
        "created_at": "Дата создания сделки",
        "utm_campaign": "utm_campaign",
        "won_at": "Дата закрытия",
        "stage": "Этап сделки",
        "reason": "Причина отказа",
    }
    assert job.options["stages"] == LEVELS and job.options["reasons"] == {"Нецелевой": "non_target"}

    import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.rows_ok, job.rows_failed) == ("done", 3, 1)
    assert "Первичный контакт" in str(job.errors)  # the stage left without a level
    assert Lead.objects.get(external_id="101").revenue is None  # the budget column was left out
    detail = client.get(response["Location"]).content.decode()
    assert "Первичный контакт" in detail and "Error report" in detail
    assert "<dd>Leads · amoCRM / Kommo</dd>" in detail


def test_a_bad_answer_comes_back_on_its_field_with_every_other_answer_kept(web_client, marketer):
    client = web_client(marketer)
    preview_url = upload(client, amo_file())
    data = answers(client.get(preview_url), **{stage("Переговоры"): "maybe", stage("Первичный контакт"): "new"})
    data["column-created_at"] = ""
    data["column-won_at"] = "Дата закрытия"
    response = client.post(preview_url, data)
    assert response.status_code == 400
    form = response.context["form"]
    assert "maybe" in str(form.errors[stage("Переговоры")])
    assert form.errors["column-created_at"] == ["Choose the column that holds this field."]
    html = response.content.decode()
    assert '<option value="Дата закрытия" selected>' in html  # what was chosen stays chosen
    assert form[stage("Первичный контакт")].value() == "new"
    assert not ImportJob.objects.exists()


def test_a_profile_name_already_taken_refuses_both_the_profile_and_the_job(web_client, marketer):
    import_profile_create(by=marketer, name="amoCRM", kind="leads", headers=["x"])
    client = web_client(marketer)
    preview_url = upload(client, amo_file())
    response = client.post(preview_url, answers(client.get(preview_url), save_profile="on", profile_name="amoCRM"))
    assert response.status_code == 400
    assert response.context["form"].errors["profile_name"]
    assert not ImportJob.objects.exists() and ImportProfile.objects.count() == 1


def test_the_preview_in_russian(web_client, marketer):
    client = web_client(marketer)
    preview_url = upload(client, amo_file())
    html = client.get(preview_url, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert '<html lang="ru">' in html
    for words in (
        "Как прочитан файл",
        "Кодировка",
        "точка с запятой (;)",
        "Первые строки",
        "— нет в файле —",
        "Ещё не оценён",
        "Нецелевой",
        "Покупка",
        "Этапы",
        "2 этапа без уровня: их строки (2) станут ошибками строк.",
        "Импортировать",
    ):
        assert words in html, words
    assert "Not judged yet" not in html and "Choose the column" not in html


def test_someone_who_does_not_import_gets_403(web_client, founder, marketer):
    preview_url = upload(web_client(marketer), amo_file())
    profile = import_profile_create(by=marketer, name="amoCRM", kind="leads")
    client = web_client(founder)
    assert client.post(reverse("web:import-list"), {"file": amo_file(), "kind": "leads"}).status_code == 403
    assert client.get(preview_url).status_code == 403
    assert client.post(preview_url, {}).status_code == 403
    delete_url = reverse("web:import-profile-delete", args=[profile.pk])
    assert client.get(delete_url).status_code == 403 and client.post(delete_url).status_code == 403
    page = client.get(reverse("web:import-profile-list")).content.decode()
    assert "amoCRM" in page and delete_url not in page
    assert "Upload an export" not in client.get(reverse("web:import-list")).content.decode()
    assert ImportProfile.objects.count() == 1 and ImportUpload.objects.count() == 1


def test_answers_saved_as_a_profile_are_proposed_for_the_next_file_and_updated(web_client, marketer, sales_head):
    client = web_client(marketer)
    preview_url = upload(client, amo_file())
    levels = {**LEVELS, "Первичный контакт": "new"}
    data = answers(client.get(preview_url), **{stage(v): level for v, level in levels.items()})
    response = client.post(preview_url, {**data, "save_profile": "on", "profile_name": "amoCRM, отдел продаж"})
    assert response.status_code == 302
    profile = ImportProfile.objects.get()
    assert (profile.name, profile.kind, profile.preset, profile.created_by) == (
        "amoCRM, отдел продаж",
        "leads",
        "amocrm",
        marketer,
    )
    assert profile.headers == AMO_HEADER.split(";") and profile.stages == levels
    assert profile.mapping["stage"] == "Этап сделки"

    # The next file with these columns: the profile is named and its levels are filled in.
    other = web_client(sales_head)
    next_url = upload(other, amo_file(name="amocrm-january.csv"))
    page = other.get(next_url)
    assert "“amoCRM, отдел продаж”: its answers are filled in below" in page.content.decode()
    assert page.context["form"][stage("Первичный контакт")].value() == "new"
    assert page.context["form"]["profile_name"].value() == "amoCRM, отдел продаж"
    data = answers(page, **{stage("Первичный контакт"): "mql", "save_profile": "on"})
    assert other.post(next_url, data).status_code == 302
    profile.refresh_from_db()
    assert ImportProfile.objects.count() == 1 and profile.stages["Первичный контакт"] == "mql"


def test_profiles_page_lists_and_deletes_after_asking(web_client, marketer):
    profile = import_profile_create(
        by=marketer,
        name="amoCRM",
        kind="leads",
        preset="amocrm",
        headers=AMO_HEADER.split(";"),
        mapping={"external_id": "ID", "created_at": "Дата создания сделки", "stage": "Этап сделки"},
        stages={"Переговоры": "sql"},
    )
    client = web_client(marketer)
    assert reverse("web:import-profile-list") in client.get(reverse("web:import-list")).content.decode()
    html = client.get(reverse("web:import-profile-list")).content.decode()
    assert "amoCRM / Kommo" in html and "For files with these 8 columns" in html
    assert "<dt>CRM stage</dt><dd>Этап сделки</dd>" in html and "<dt>Переговоры</dt><dd>SQL</dd>" in html
    assert 'data-delete-dialog="profile-delete-dialog"' in html and '<dialog id="profile-delete-dialog"' in html
    assert "/static/js/delete-confirm.js" in html and "<script>" not in html

    url = reverse("web:import-profile-delete", args=[profile.pk])
    confirm = client.get(url)
    assert confirm.status_code == 200 and "Delete this import profile?" in confirm.content.decode()
    assert ImportProfile.objects.exists()  # asking deletes nothing
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == reverse("web:import-profile-list")
    assert not ImportProfile.objects.exists()
    assert "The profile “amoCRM” is deleted." in client.get(response["Location"]).content.decode()
    assert client.post(url).status_code == 404


def test_profiles_page_query_count_does_not_grow(web_client, marketer, count_queries):
    client = web_client(marketer)
    import_profile_create(by=marketer, name="p0", kind="leads")
    few = count_queries(client.get, reverse("web:import-profile-list"))
    for i in range(1, 6):
        import_profile_create(by=marketer, name=f"p{i}", kind="spend", mapping={"date": "Дата"})
    assert count_queries(client.get, reverse("web:import-profile-list")) == few


def test_choosing_another_stage_column_lists_its_values_before_importing(web_client, marketer):
    client = web_client(marketer)
    preview_url = upload(client, amo_file())
    data = answers(client.get(preview_url), **{"column-stage": "Название сделки"})
    response = client.post(preview_url, data)
    assert response.status_code == 200 and not ImportJob.objects.exists()
    assert "Another column was chosen for stages" in response.content.decode()
    assert {row["value"] for row in response.context["stages"]} == {"Сделка 1", "Сделка 2", "Сделка 3", "Сделка 4"}
    # Answered now, the same form imports.
    data = answers(response, **{stage(f"Сделка {i}"): "mql" for i in range(1, 5)})
    assert client.post(preview_url, data).status_code == 302
    assert ImportJob.objects.get().options["stages"] == {f"Сделка {i}": "mql" for i in range(1, 5)}


def test_a_spend_report_maps_its_campaigns_to_utm_campaigns(web_client, marketer, experiment):
    report = (
        "Дата;Кампания;Клики;Расход (руб.)\n"
        "01.12.2026;Партнёрская рассылка;120;1 500,50\n"
        "02.12.2026;Партнёрская рассылка;98;1 200,00\n"
        "02.12.2026;Поиск;10;100,00\n"
    )
    client = web_client(marketer)
    preview_url = upload(client, SimpleUploadedFile("direct.csv", report.encode("utf-8-sig")), kind="spend")
    assert preview_url.endswith("?kind=spend")
    page = client.get(preview_url)
    assert "Yandex Direct" in page.content.decode()
    campaigns = {row["value"]: row["count"] for row in page.context["campaigns"]}
    assert campaigns == {"Партнёрская рассылка": 2, "Поиск": 1}
    key = value_key("campaign", "Партнёрская рассылка")
    response = client.post(preview_url, answers(page, **{key: "partner_dec"}))
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.kind == "spend" and job.options["campaigns"] == {"Партнёрская рассылка": "partner_dec"}
    import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.rows_ok, job.rows_failed) == (2, 1)  # "Поиск" is no experiment's utm_campaign
    detail = client.get(response["Location"]).content.decode()
    assert "<dd>Spend · Yandex Direct</dd>" in detail and "<dt>Spend rows</dt>" in detail
    assert sorted(Spend.objects.values_list("date", "amount")) == [
        (dt.date(2026, 12, 1), Decimal("1500.50")),
        (dt.date(2026, 12, 2), Decimal("1200.00")),
    ]


def test_a_workbook_with_several_sheets_offers_a_sheet_drop_down(web_client, marketer):
    from openpyxl import Workbook

    book = Workbook()
    summary = book.create_sheet("Сводка", 0)
    summary.append(["Менеджер", "Сделок"])
    summary.append(["Анна", 12])
    book.remove(book["Sheet"])
    deals = book.create_sheet("Сделки")
    deals.append(AMO_HEADER.split(";"))
    deals.append(["101", "Сделка 1", "1000", "Успешно реализовано", dt.datetime(2026, 12, 1, 9, 5), None, None, "x"])
    content = io.BytesIO()
    book.save(content)
    client = web_client(marketer)
    preview_url = upload(client, SimpleUploadedFile("deals.xlsx", content.getvalue()))
    page = client.get(preview_url)
    read = page.context["read_form"]
    assert [choice for choice, _label in read.fields["sheet"].choices] == ["Сводка", "Сделки"]
    page = client.get(preview_url, {"kind": "leads", "preset": "amocrm", "sheet": "Сделки"})
    assert page.status_code == 200 and page.context["preview"]["headers"][0] == "ID"
    assert '<option value="Сделки" selected>' in page.content.decode()
    assert "2026-12-01T09:05:00" in page.content.decode()  # an Excel date cell, as a date


def test_an_upload_that_is_no_table_is_refused_on_the_upload_form(web_client, marketer):
    pdf = SimpleUploadedFile("leads.xls", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    response = web_client(marketer).post(reverse("web:import-list"), {"file": pdf, "kind": "leads"})
    assert response.status_code == 400 and "PDF" in " ".join(response.context["form"].errors["file"])
    assert not ImportUpload.objects.exists()


def test_a_source_of_the_other_kind_is_refused_on_its_field(web_client, marketer):
    response = web_client(marketer).post(
        reverse("web:import-list"), {"file": amo_file(), "kind": "spend", "preset": "amocrm"}
    )
    assert response.status_code == 400 and "not a source of this import" in str(
        response.context["form"].errors["preset"]
    )


def test_an_unknown_upload_says_to_upload_again(web_client, marketer):
    url = reverse("web:import-preview", args=["6c8b2f1e-2a7e-4f5e-9a3b-0d1c2b3a4f5e"])
    response = web_client(marketer).get(url)
    assert response.status_code == 404 and "upload the file again" in response.content.decode()


def test_todays_tracker_csv_goes_through_the_preview_too(web_client, sales_head, experiment):
    csv = b"external_id,created_at,utm_campaign\nL-1,2026-12-01T10:00:00+03:00,partner_dec\n"
    client = web_client(sales_head)
    preview_url = upload(client, SimpleUploadedFile("leads.csv", csv, content_type="text/csv"))
    page = client.get(preview_url)
    assert "Experiment Tracker CSV" in page.content.decode()
    assert "No stage column is chosen" in page.content.decode()
    response = client.post(preview_url, answers(page))
    job = ImportJob.objects.get()
    assert json.loads(json.dumps(job.options["mapping"])) == {
        "external_id": "external_id",
        "created_at": "created_at",
        "utm_campaign": "utm_campaign",
    }
    assert response["Location"] == reverse("web:import-detail", args=[job.pk])
    import_job_run(job_id=job.pk)
    assert Lead.objects.get().external_id == "L-1"
