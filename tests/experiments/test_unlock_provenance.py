"""An exception's unlock names who supplied its judged leads: kept with the unlock (later changes of
the leads move neither), sent with the notice, shown on the lock box, the review form and the
agendas."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from experiments import tasks
from experiments.models import Experiment, ReviewUnlock
from experiments.services.regulations import regulation_create
from meetings.agendas import experiments_unlocked, overdue_reviews
from metrics.services import import_job_create, import_job_run, leads_upsert, snapshots_recompute_dirty
from tests.factories import ExperimentFactory

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 12, 10, 9, 0, tzinfo=dt.UTC)
SERGEY = "Sergey (sales head): 10 judged leads via the API, 10 of them non-target"


@pytest.fixture
def experiment(marketer, marketing_head, sales_head):
    sales_head.first_name = "Sergey"
    sales_head.save(update_fields=["first_name"])
    with time_machine.travel(T0, tick=False):
        return ExperimentFactory.create(
            running=True, owner=marketer, title="Partner mailings", utm_campaign="partner_dec"
        )


def rows(*, target: bool, count: int = 10, prefix: str = "inv") -> list[dict[str, object]]:
    return [
        {"external_id": f"{prefix}-{i}", "created_at": "2026-12-09T12:00:00+03:00", "utm_campaign": "partner_dec"}
        | {"is_target": target}
        for i in range(count)
    ]


def post(client, body: list[dict[str, object]]) -> None:
    response = client.post("/api/v1/leads/", body, format="json")
    assert response.status_code == 200, response.content
    snapshots_recompute_dirty()


def test_an_exception_unlock_keeps_and_sends_who_supplied_the_leads(experiment, sales_head, marketer, client_for):
    with time_machine.travel(T0, tick=False):
        leads_upsert(rows=rows(target=True, count=3, prefix="crm"), by=marketer)
        post(client_for(sales_head), rows(target=False))  # no cooling-off: it opens at once
    unlock = ReviewUnlock.objects.get(experiment=experiment)
    assert unlock.reason == ReviewUnlock.Reason.EXCEPTION
    assert [(s["user"], s["role"], s["judged_leads"], s["non_target_leads"]) for s in unlock.sources] == [
        ("shead", "sales_head", 10, 10),
        ("alice", "marketer", 3, 0),
    ]
    assert tasks.notify_review_unlocked(unlock.id) is True
    message = mail.outbox[0]
    assert {"alice@example.com", "mhead@example.com"} <= set(message.to)
    assert "10 of 13 judged leads were not target leads" in message.body
    assert "Evidence " in message.body and "needed 20." in message.body
    assert SERGEY in message.body
    assert "alice (marketer): 3 judged leads via the API, 0 of them non-target" in message.body


def test_reposting_the_leads_as_target_keeps_the_record_of_who_opened_it(experiment, sales_head, client_for):
    with time_machine.travel(T0, tick=False):
        post(client_for(sales_head), rows(target=False))
    with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):
        post(client_for(sales_head), rows(target=True))
    unlock = ReviewUnlock.objects.get(experiment=experiment)
    assert (unlock.judged_leads, unlock.non_target_leads) == (10, 10)
    assert unlock.sources[0]["non_target_leads"] == 10


def test_leads_from_an_import_name_the_file_and_its_uploader(experiment, sales_head):
    header = "external_id,created_at,utm_campaign,is_target\n"
    lines = "".join(f"f-{i},2026-12-09T12:00:00+03:00,partner_dec,false\n" for i in range(10))
    with time_machine.travel(T0, tick=False):
        job = import_job_create(
            file=SimpleUploadedFile("crm-export.csv", (header + lines).encode(), content_type="text/csv"), by=sales_head
        )
        import_job_run(job_id=job.id)
        snapshots_recompute_dirty()
    unlock = ReviewUnlock.objects.get(experiment=experiment)
    assert unlock.sources == [
        {
            "user": "shead",
            "name": "Sergey",
            "role": "sales_head",
            "import": job.id,
            "file": "crm-export.csv",
            "judged_leads": 10,
            "non_target_leads": 10,
        }
    ]
    tasks.notify_review_unlocked(unlock.id)
    assert (
        "Sergey (sales head): 10 judged leads from the import “crm-export.csv”, 10 of them non-target"
        in mail.outbox[0].body
    )


def test_the_lock_box_and_the_review_form_show_the_sources(experiment, sales_head, client_for, web_client):
    with time_machine.travel(T0, tick=False):
        post(client_for(sales_head), rows(target=False))
        for url in (f"/experiments/{experiment.pk}/", f"/experiments/{experiment.pk}/review/"):
            page = web_client(sales_head).get(url).content.decode()
            assert "Who supplied the judged leads:" in page, url
            assert SERGEY in page, url
        russian = web_client(sales_head).get(f"/experiments/{experiment.pk}/", HTTP_ACCEPT_LANGUAGE="ru")
        assert "Sergey (руководитель продаж): 10 оценённых лидов через API, нецелевых из них 10" in (
            russian.content.decode()
        )


def test_a_cooling_lock_box_says_when_it_opens_and_who_supplied_the_leads(
    admin_user, marketer, sales_head, client_for, web_client
):
    regulation_create(by=admin_user, exception_cooldown_hours=24)
    with time_machine.travel(T0, tick=False):
        experiment = ExperimentFactory.create(running=True, owner=marketer, utm_campaign="partner_dec")
        post(client_for(sales_head), rows(target=False))
        page = web_client(marketer).get(f"/experiments/{experiment.pk}/").content.decode()
    assert "Locked for the regulation&#x27;s cooling-off" in page
    assert "shead (sales head): 10 judged leads via the API, 10 of them non-target" in page


def test_without_an_exception_the_lock_box_names_no_sources(experiment, sales_head, web_client):
    leads_upsert(rows=rows(target=False, count=3), by=sales_head)
    snapshots_recompute_dirty()
    page = web_client(sales_head).get(f"/experiments/{experiment.pk}/").content.decode()
    assert "Who supplied the judged leads:" not in page


def test_both_agendas_list_the_sources_of_an_exception(experiment, sales_head, client_for):
    with time_machine.travel(T0, tick=False):
        post(client_for(sales_head), rows(target=False))
    expected = ReviewUnlock.objects.get(experiment=experiment).sources
    assert expected
    unlocked = experiments_unlocked(date_from=dt.date(2026, 12, 1), date_to=dt.date(2026, 12, 15))
    assert [(item["experiment"]["id"], item["lead_sources"]) for item in unlocked] == [(experiment.pk, expected)]
    overdue = overdue_reviews(today=dt.date(2026, 12, 31))
    assert [(item["experiment"]["id"], item["lead_sources"]) for item in overdue] == [(experiment.pk, expected)]


def test_a_period_end_lists_no_sources(marketer):
    ended = ExperimentFactory.create(
        running=True, owner=marketer, start_date=dt.date(2026, 11, 1), test_period_days=30, utm_campaign="old"
    )
    with time_machine.travel(dt.datetime(2026, 12, 3, 9, tzinfo=dt.UTC), tick=False):
        snapshots_recompute_dirty(experiment_ids=[ended.pk])
    assert ReviewUnlock.objects.get(experiment=ended).sources == []
    assert Experiment.objects.get(pk=ended.pk).status == Experiment.Status.AWAITING_REVIEW


def test_the_lead_list_shows_each_leads_source(experiment, sales_head, marketer, client_for):
    leads_upsert(rows=rows(target=False, count=1), by=sales_head)
    body = client_for(marketer).get("/api/v1/leads/").json()["results"]
    assert [(row["external_id"], row["source_user"], row["source_import"]) for row in body] == [
        ("inv-0", "shead", None)
    ]
    assert body[0]["source_at"] is not None
