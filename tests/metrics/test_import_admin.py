"""Imports in Django admin: profiles written through their services (the options' rules on their
fields), jobs and stored uploads shown read-only with how each file is read."""

import json

import pytest
from django.urls import reverse

from metrics.models import ImportJob, ImportProfile, ImportUpload
from metrics.services import import_profile_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(client, admin_user):
    client.force_login(admin_user)
    return client


def profile_form(**overrides) -> dict[str, str]:
    return {
        "name": "amoCRM, отдел продаж",
        "kind": "leads",
        "preset": "amocrm",
        "headers": json.dumps(["ID", "Этап сделки", "Дата создания сделки"], ensure_ascii=False),
        "mapping": json.dumps({"external_id": "ID", "stage": "Этап сделки"}, ensure_ascii=False),
        "stages": json.dumps({"Переговоры": "sql"}, ensure_ascii=False),
        "reasons": "{}",
        "campaigns": "{}",
    } | overrides


def test_admin_adds_a_profile_through_the_service(admin_client_, admin_user):
    response = admin_client_.post(reverse("admin:metrics_importprofile_add"), profile_form())
    assert response.status_code == 302, response.content.decode()[:3000]
    profile = ImportProfile.objects.get()
    assert (profile.created_by, profile.preset, profile.stages) == (admin_user, "amocrm", {"Переговоры": "sql"})
    assert profile.headers == ["ID", "Этап сделки", "Дата создания сделки"]


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"stages": json.dumps({"Переговоры": "maybe"})}, "is not a level"),
        ({"reasons": json.dumps({"Нецелевой": "won"})}, "can only mark leads non-target"),
        ({"kind": "spend"}, "is not a source of this import"),
        ({"name": "taken"}, "already exists"),
    ],
)
def test_admin_form_shows_the_options_refusals(admin_client_, admin_user, fields, words):
    import_profile_create(by=admin_user, name="taken", kind="leads")
    response = admin_client_.post(reverse("admin:metrics_importprofile_add"), profile_form(**fields))
    assert response.status_code == 200
    assert words in response.content.decode()
    assert ImportProfile.objects.count() == 1


def test_admin_edits_and_deletes_a_profile(admin_client_, admin_user):
    profile = import_profile_create(by=admin_user, name="amoCRM", kind="leads", preset="amocrm")
    url = reverse("admin:metrics_importprofile_change", args=[profile.pk])
    changed = profile_form(name="amoCRM", stages=json.dumps({"Переговоры": "mql"}, ensure_ascii=False))
    assert admin_client_.post(url, changed).status_code == 302
    profile.refresh_from_db()
    assert profile.stages == {"Переговоры": "mql"} and profile.mapping["stage"] == "Этап сделки"
    delete = reverse("admin:metrics_importprofile_delete", args=[profile.pk])
    assert admin_client_.post(delete, {"post": "yes"}).status_code == 302
    assert not ImportProfile.objects.exists()


def test_admin_shows_jobs_with_their_kind_and_options_read_only(admin_client_, marketer):
    options = {"preset": "amocrm", "sheet": None, "mapping": {"external_id": "ID"}, "stages": {"Переговоры": "sql"}}
    job = ImportJob.objects.create(
        file="imports/amo.csv", original_name="amo.csv", kind="spend", options=options, created_by=marketer
    )
    ImportUpload.objects.create(file="imports/up.csv", original_name="up.csv", created_by=marketer)
    listing = admin_client_.get(reverse("admin:metrics_importjob_changelist"))
    assert listing.status_code == 200 and "amo.csv" in listing.content.decode()
    assert "Spend" in listing.content.decode()
    page = admin_client_.get(reverse("admin:metrics_importjob_change", args=[job.pk])).content.decode()
    assert "Переговоры" in page and "&quot;preset&quot;: &quot;amocrm&quot;" in page
    assert 'name="status"' not in page  # nothing to edit
    assert admin_client_.get(reverse("admin:metrics_importjob_add")).status_code == 403
    uploads = admin_client_.get(reverse("admin:metrics_importupload_changelist")).content.decode()
    assert "up.csv" in uploads
