"""CSV imports: parsing, errors per line, size limit, idempotency."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from metrics.models import ImportJob, Lead
from metrics.services import import_job_create, import_job_run

pytestmark = pytest.mark.django_db

HEADER = "external_id,created_at,utm_campaign,channel,is_target,won_at,revenue,orders\n"


def run(content: str | bytes, user, name: str = "leads.csv") -> ImportJob:
    data = content.encode() if isinstance(content, str) else content
    job = import_job_create(file=SimpleUploadedFile(name, data, content_type="text/csv"), by=user)
    import_job_run(job_id=job.id)
    job.refresh_from_db()
    return job


def test_comma_file_with_a_malformed_line(marketer, channel):
    content = (
        HEADER
        + "a1,2026-12-02T10:00:00+03:00,partner_dec,partner-mailings,true,,,\n"
        + "a2,2026-12-02T10:00:00+03:00,partner_dec,,false\n"  # too few fields
        + 'a3,2026-12-02T10:00:00+03:00,"partner, dec",,,2026-12-03T10:00:00+03:00,"1200.50",2\n'
        + "a4,2026-12-05T10:00:00+03:00,partner_dec,,,2026-12-03T10:00:00+03:00,-3,\n"
        + "\n"
    )
    job = run(content, marketer)
    assert job.status == ImportJob.Status.DONE and job.progress == 1.0
    assert (job.rows_total, job.rows_ok, job.rows_failed, job.created) == (4, 2, 2, 2)
    lines = {e["line"]: e["errors"] for e in job.errors}
    assert set(lines) == {3, 5}
    assert "Expected 8 fields" in lines[3]["non_field_errors"][0]
    assert set(lines[5]) == {"won_at", "revenue"}
    a3 = Lead.objects.get(external_id="a3")
    assert a3.utm_campaign == "partner, dec" and str(a3.revenue) == "1200.50" and a3.orders == 2
    assert Lead.objects.get(external_id="a1").channel == channel


def test_semicolon_file_with_bom_and_reimport_changes_nothing(marketer):
    content = (
        "\ufeffexternal_id;created_at;utm_campaign\nb1;2026-12-02T10:00:00+03:00;Partner_Dec\nb2;2026-12-02 12:00;x\n"
    )
    first = run(content, marketer)
    assert (first.rows_ok, first.created, first.rows_failed) == (2, 2, 0)
    assert Lead.objects.get(external_id="b1").utm_key == "partner_dec"
    again = run(content, marketer)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert Lead.objects.count() == 2


def test_the_last_line_of_a_repeated_id_wins(marketer):
    content = HEADER + "r,2026-12-02T10:00:00+03:00,one,,,,,\nr,2026-12-02T10:00:00+03:00,two,,,,,\n"
    job = run(content, marketer)
    assert job.rows_ok == 2 and job.created == 1
    assert Lead.objects.get(external_id="r").utm_campaign == "two"


def test_missing_required_columns_fail_the_job_with_a_message(marketer):
    job = run("id,created\n1,2\n", marketer)
    assert job.status == ImportJob.Status.FAILED
    assert "external_id" in job.failure


def test_a_windows_1251_file_is_read_in_its_encoding(marketer):
    job = run(HEADER.encode() + "c1,2026-12-02T10:00:00+03:00,кампания,,,,,\n".encode("cp1251"), marketer)
    assert job.status == ImportJob.Status.DONE and job.rows_ok == 1
    assert Lead.objects.get(external_id="c1").utm_campaign == "кампания"


def test_a_file_over_the_limit_is_refused(client_for, marketer, settings):
    settings.IMPORT_MAX_BYTES = 100
    upload = SimpleUploadedFile("big.csv", (HEADER * 10).encode(), content_type="text/csv")
    response = client_for(marketer).post("/api/v1/imports/", {"file": upload}, format="multipart")
    assert response.status_code == 400
    assert "limit is 100 bytes" in response.json()["file"][0]
    assert ImportJob.objects.count() == 0


def test_import_permissions_and_status(client_for, users, django_capture_on_commit_callbacks):
    upload = SimpleUploadedFile("l.csv", (HEADER + "z,2026-12-02T10:00:00+03:00,,,,,,\n").encode())
    assert client_for(users["founder"]).post("/api/v1/imports/", {"file": upload}).status_code == 403
    assert client_for(None).post("/api/v1/imports/", {"file": upload}).status_code == 401
    upload.seek(0)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client_for(users["sales_head"]).post("/api/v1/imports/", {"file": upload})
    assert response.status_code == 202 and len(callbacks) == 1
    job_id = response.json()["id"]
    import_job_run(job_id=job_id)
    body = client_for(users["founder"]).get(f"/api/v1/imports/{job_id}/").json()
    assert body["status"] == "done" and body["rows_ok"] == 1 and body["progress"] == 1.0
    assert client_for(users["sales_head"]).post("/api/v1/imports/", {}).status_code == 400


def test_a_header_naming_a_column_twice_fails_the_job_with_a_message(marketer):
    job = run("external_id,created_at,utm_campaign,external_id\na,2026-12-02T10:00:00+03:00,x,b\n", marketer)
    assert job.status == ImportJob.Status.FAILED
    assert job.failure == "The header row names the column(s) external_id more than once."
    assert not Lead.objects.exists()
