"""Every lead change records its source: who (the poster, the token's user, an import's uploader),
through which import, and when; a re-send that changes nothing keeps the source it had."""

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from metrics.models import ImportJob, Lead
from metrics.services import import_job_create, import_job_run, leads_upsert
from tests.metrics.conftest import lead

pytestmark = pytest.mark.django_db

HEADER = "external_id,created_at,utm_campaign,is_target\n"


def sources() -> dict[str, tuple[object, ...]]:
    return {
        row[0]: row[1:]
        for row in Lead.objects.values_list("external_id", "source_user_id", "source_import_id", "source_at")
    }


def run(content: str, user, name: str = "leads.csv") -> ImportJob:
    job = import_job_create(file=SimpleUploadedFile(name, content.encode(), content_type="text/csv"), by=user)
    import_job_run(job_id=job.id)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.failure
    return job


def test_a_post_records_the_token_user_and_the_moment(client_for, sales_head):
    moment = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(moment, tick=False):
        response = client_for(sales_head).post(
            "/api/v1/leads/", [lead("s1", "2026-12-02T10:00:00+03:00", is_target=False)], format="json"
        )
    assert response.status_code == 200, response.content
    assert sources() == {"s1": (sales_head.pk, None, moment)}


def test_only_a_created_or_changed_lead_moves_its_source(marketer, sales_head):
    first = dt.datetime(2026, 12, 3, 9, 0, tzinfo=dt.UTC)
    later = first + dt.timedelta(hours=5)
    rows = [lead("a", "2026-12-02T10:00:00+03:00"), lead("b", "2026-12-02T11:00:00+03:00")]
    with time_machine.travel(first, tick=False):
        leads_upsert(rows=rows, by=marketer)
    with time_machine.travel(later, tick=False):
        # The same "a" again (unchanged) and "b" judged non-target: only "b" changes hands.
        result = leads_upsert(rows=[rows[0], {**rows[1], "is_target": False}], by=sales_head)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    assert sources() == {"a": (marketer.pk, None, first), "b": (sales_head.pk, None, later)}


def test_an_import_records_the_job_and_its_uploader_on_every_merge_path(marketer, sales_head):
    first = run(HEADER + "i1,2026-12-02T10:00:00+03:00,x,\ni2,2026-12-02T10:00:00+03:00,x,\n", marketer)
    assert {k: v[:2] for k, v in sources().items()} == {"i1": (marketer.pk, first.pk), "i2": (marketer.pk, first.pk)}
    stamped = sources()["i1"][2]
    assert isinstance(stamped, dt.datetime) and timezone.now() - stamped < dt.timedelta(minutes=5)

    leads_upsert(rows=[lead("p1", "2026-12-02T10:00:00+03:00", utm="x")], by=marketer)
    # A second file: i1 unchanged, i2 changed, p1 (posted) changed, n1 new (the probing insert and
    # the upsert of the known ones on PostgreSQL; the ORM on SQLite).
    second = run(
        HEADER
        + "i1,2026-12-02T10:00:00+03:00,x,\n"
        + "i2,2026-12-02T10:00:00+03:00,x,false\n"
        + "p1,2026-12-02T10:00:00+03:00,x,false\n"
        + "n1,2026-12-02T10:00:00+03:00,x,false\n",
        sales_head,
        name="crm-export.csv",
    )
    assert (second.created, second.updated, second.unchanged) == (1, 2, 1)
    assert {k: v[:2] for k, v in sources().items()} == {
        "i1": (marketer.pk, first.pk),
        "i2": (sales_head.pk, second.pk),
        "p1": (sales_head.pk, second.pk),
        "n1": (sales_head.pk, second.pk),
    }


def test_a_post_after_an_import_clears_the_import(marketer, sales_head):
    job = run(HEADER + "c1,2026-12-02T10:00:00+03:00,x,\n", marketer)
    assert sources()["c1"][:2] == (marketer.pk, job.pk)
    leads_upsert(rows=[lead("c1", "2026-12-02T10:00:00+03:00", utm="x", is_target=True)], by=sales_head)
    assert sources()["c1"][:2] == (sales_head.pk, None)


def test_deleting_the_user_or_the_import_clears_the_source(marketer, sales_head):
    job = run(HEADER + "d1,2026-12-02T10:00:00+03:00,x,\n", marketer)
    leads_upsert(rows=[lead("d2", "2026-12-02T10:00:00+03:00")], by=sales_head)
    job.delete()
    sales_head.delete()
    assert {k: v[:2] for k, v in sources().items()} == {"d1": (marketer.pk, None), "d2": (None, None)}
