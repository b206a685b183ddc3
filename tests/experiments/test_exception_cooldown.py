"""The party the lock restrains cannot open it at once with data of its own: under a regulation with
a cooling-off the exception opens the review only `exception_cooldown_hours` after its evidence is
first met, and only if it still holds then; the notice names who supplied the judged leads."""

import datetime as dt
from functools import partial

import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError, transaction

from experiments import tasks
from experiments.models import ExceptionCrossing, Experiment, ReviewUnlock
from experiments.review_lock import review_lock_state, with_lock_data
from experiments.services.regulations import regulation_create
from experiments.services.unlocks import crossing_record, review_locks_sweep
from metrics.models import MetricSnapshot
from metrics.services import snapshots_recompute_dirty
from tests.factories import ExperimentFactory

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 12, 10, 9, 0, tzinfo=dt.UTC)
FIELDS = {"verdict": "not_confirmed", "summary": "Wrong audience.", "recommendation": "stop"}


@pytest.fixture
def experiment(admin_user, marketer, marketing_head, sales_head):
    sales_head.first_name = "Sergey"
    sales_head.save(update_fields=["first_name"])
    regulation_create(by=admin_user, exception_cooldown_hours=24)
    with time_machine.travel(T0, tick=False):
        return ExperimentFactory.create(
            running=True, owner=marketer, title="Partner mailings", utm_campaign="partner_dec"
        )


def leads(*, target: bool, count: int = 10) -> list[dict[str, object]]:
    return [
        {"external_id": f"inv-{i}", "created_at": "2026-12-09T12:00:00+03:00", "utm_campaign": "partner_dec"}
        | {"is_target": target}
        for i in range(count)
    ]


def post(client, rows: list[dict[str, object]]) -> None:
    response = client.post("/api/v1/leads/", rows, format="json")
    assert response.status_code == 200, response.content
    assert not response.json()["errors"]
    snapshots_recompute_dirty()  # what the debounced job runs (it records unlocks and crossings)


def lock(experiment: Experiment):
    return review_lock_state(with_lock_data(Experiment.objects.all()).get(pk=experiment.pk))


def test_invented_non_target_leads_do_not_open_the_review_at_once(experiment, sales_head, client_for):
    client = client_for(sales_head)
    with time_machine.travel(T0, tick=False):
        post(client, leads(target=False))
        state = lock(experiment)
        assert not state.unlocked and state.exception_met
        assert state.opens_at == T0 + dt.timedelta(hours=24)
        assert not ReviewUnlock.objects.exists()
        crossing = ExceptionCrossing.objects.get(experiment=experiment)
        assert (crossing.crossed_at, crossing.judged_leads, crossing.non_target_leads) == (T0, 10, 10)
        body = client.get(f"/api/v1/experiments/{experiment.pk}/").json()
        assert body["status"] == "running"
        assert body["review_lock"]["unlocked"] is False
        assert body["review_lock"]["opens_at"] == "2026-12-11T09:00:00+00:00"

        refused = client.post(f"/api/v1/experiments/{experiment.pk}/review/", FIELDS, format="json")
        assert refused.status_code == 409
        assert refused.json()["code"] == "review_locked"
        assert refused.json()["opens_at"] == "2026-12-11T09:00:00+00:00"
        assert "it opens at 2026-12-11 12:00 if the evidence still holds then" in refused.json()["detail"]
        russian = client.post(
            f"/api/v1/experiments/{experiment.pk}/review/", FIELDS, format="json", HTTP_ACCEPT_LANGUAGE="ru"
        )
        assert russian.status_code == 409
        assert "2026-12-11 12:00" in russian.json()["detail"]
        assert "если доказательств и тогда будет достаточно" in russian.json()["detail"]

    # Recorded once: later recomputes and sweeps within the cooling-off keep the first moment.
    with time_machine.travel(T0 + dt.timedelta(hours=3), tick=False):
        review_locks_sweep()
    assert ExceptionCrossing.objects.get(experiment=experiment).crossed_at == T0
    assert not ReviewUnlock.objects.exists()


def test_posting_them_back_as_target_within_the_cooling_off_clears_the_crossing(experiment, sales_head, client_for):
    client = client_for(sales_head)
    with time_machine.travel(T0, tick=False):
        post(client, leads(target=False))
    with time_machine.travel(T0 + dt.timedelta(hours=2), tick=False):
        post(client, leads(target=True))
        assert not ExceptionCrossing.objects.exists()
    with time_machine.travel(T0 + dt.timedelta(hours=25), tick=False):
        result = review_locks_sweep()
        assert result.unlocked == []
        state = lock(experiment)
    assert not state.unlocked and not state.exception_met and state.opens_at is None
    assert not ReviewUnlock.objects.exists() and not ExceptionCrossing.objects.exists()
    experiment.refresh_from_db()
    assert experiment.status == Experiment.Status.RUNNING


def test_a_new_crossing_after_a_cleared_one_waits_the_whole_period_again(experiment, sales_head, client_for):
    client = client_for(sales_head)
    with time_machine.travel(T0, tick=False):
        post(client, leads(target=False))
    with time_machine.travel(T0 + dt.timedelta(hours=2), tick=False):
        post(client, leads(target=True))
    with time_machine.travel(T0 + dt.timedelta(hours=20), tick=False):
        post(client, leads(target=False))
    with time_machine.travel(T0 + dt.timedelta(hours=25), tick=False):
        review_locks_sweep()
        assert not ReviewUnlock.objects.exists()
    assert ExceptionCrossing.objects.get().opens_at == T0 + dt.timedelta(hours=44)


def test_evidence_that_still_holds_after_the_cooling_off_opens_and_tells_who_supplied_it(
    experiment, sales_head, client_for, django_capture_on_commit_callbacks
):
    with time_machine.travel(T0, tick=False):
        post(client_for(sales_head), leads(target=False))
    opening = T0 + dt.timedelta(hours=24, minutes=5)
    with time_machine.travel(opening, tick=False):
        with django_capture_on_commit_callbacks() as callbacks:
            result = review_locks_sweep()
        assert result.unlocked == [experiment.pk]
        unlock = ReviewUnlock.objects.get(experiment=experiment)
        assert (unlock.reason, unlock.unlocked_at) == (ReviewUnlock.Reason.EXCEPTION, opening)
        assert unlock.sources == [
            {
                "user": "shead",
                "name": "Sergey",
                "role": "sales_head",
                "import": None,
                "file": None,
                "judged_leads": 10,
                "non_target_leads": 10,
            }
        ]
        notices = [cb for cb in callbacks if isinstance(cb, partial)]
        assert [(cb.func.__self__.name, cb.args) for cb in notices] == [  # type: ignore[attr-defined]  # a task's .delay
            ("experiments.tasks.notify_review_unlocked", (unlock.id,))
        ]
        assert tasks.notify_review_unlocked(unlock.id) is True
    message = mail.outbox[0]
    assert {"alice@example.com", "mhead@example.com"} <= set(message.to)  # the owner and the marketing head
    assert "10 of 10 judged leads were not target leads" in message.body
    assert "needed 20" in message.body
    assert "first met at 2026-12-10 12:00 and still held after the regulation's cooling-off" in message.body
    assert "Sergey (sales head): 10 judged leads via the API, 10 of them non-target" in message.body
    experiment.refresh_from_db()
    assert experiment.status == Experiment.Status.AWAITING_REVIEW


def test_a_pending_change_holds_the_opening_until_it_is_counted(experiment, sales_head, client_for):
    with time_machine.travel(T0, tick=False):
        post(client_for(sales_head), leads(target=False))
    with time_machine.travel(T0 + dt.timedelta(hours=25), tick=False):
        # A post whose recompute has not run yet: its leads may correct the very evidence.
        response = client_for(sales_head).post("/api/v1/leads/", leads(target=True), format="json")
        assert response.status_code == 200
        assert MetricSnapshot.objects.get(experiment=experiment).dirty_since is not None
        assert review_locks_sweep().unlocked == []
        snapshots_recompute_dirty()
    assert not ReviewUnlock.objects.exists() and not ExceptionCrossing.objects.exists()


def test_filing_after_the_cooling_off_opens_and_files(experiment, sales_head, client_for):
    with time_machine.travel(T0, tick=False):
        post(client_for(sales_head), leads(target=False))
    with time_machine.travel(T0 + dt.timedelta(hours=24), tick=False):
        response = client_for(sales_head).post(f"/api/v1/experiments/{experiment.pk}/review/", FIELDS, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["unlock_reason"] == "exception"


def test_the_period_end_opens_whatever_the_cooling_off(experiment, sales_head, client_for):
    with time_machine.travel(T0, tick=False):
        post(client_for(sales_head), leads(target=False))
    with time_machine.travel(dt.datetime.combine(experiment.ends_on, dt.time(10), tzinfo=dt.UTC), tick=False):
        review_locks_sweep()
    assert ReviewUnlock.objects.get(experiment=experiment).reason == ReviewUnlock.Reason.PERIOD_ENDED


def test_a_crossing_is_recorded_once(experiment, sales_head, client_for):
    with time_machine.travel(T0, tick=False):
        post(client_for(sales_head), leads(target=False))
        ExceptionCrossing.objects.all().delete()
        state = lock(experiment)
        assert crossing_record(experiment=experiment, state=state) is not None
        # A second recorder that read the same state finds the claim taken.
        assert crossing_record(experiment=experiment, state=state) is None
        with pytest.raises(IntegrityError), transaction.atomic():
            ExceptionCrossing.objects.create(
                experiment=experiment, crossed_at=T0, opens_at=T0, judged_leads=1, non_target_leads=1, evidence=1.0
            )
    assert ExceptionCrossing.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_checks_record_one_crossing_and_one_unlock(admin_user, marketer):
    from django.db import connection

    from experiments.services.unlocks import unlocks_record_due
    from tests.concurrency import run_at_once

    if connection.vendor == "sqlite":
        pytest.skip("SQLite runs one writer at a time; the race needs concurrent writers.")
    regulation_create(by=admin_user, exception_cooldown_hours=1)
    experiment = ExperimentFactory.create(running=True, owner=marketer)
    MetricSnapshot.objects.create(
        experiment=experiment, data={"judged_leads": 10, "non_target_leads": 10}, computed_at=T0
    )
    check = partial(unlocks_record_due, experiment_ids=[experiment.pk])
    _, failures = run_at_once(check, check, check)
    assert failures == []
    crossing = ExceptionCrossing.objects.get(experiment=experiment)
    assert not ReviewUnlock.objects.exists()
    with time_machine.travel(crossing.opens_at + dt.timedelta(minutes=1)):
        results, failures = run_at_once(check, check, check)
    assert failures == []
    assert sorted(len(created) for created in results if isinstance(created, list)) == [0, 0, 1]
    assert ReviewUnlock.objects.get(experiment=experiment).reason == ReviewUnlock.Reason.EXCEPTION


# --- the regulation's field ---------------------------------------------------------------------


def test_admins_set_the_cooling_off_as_a_new_version(admin_user, marketer, client_for):
    response = client_for(admin_user).post("/api/v1/regulations/", {"exception_cooldown_hours": 48}, format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["version"], response.json()["exception_cooldown_hours"]) == (2, 48)
    versions = client_for(marketer).get("/api/v1/regulations/").json()["results"]
    assert [(v["version"], v["exception_cooldown_hours"]) for v in versions] == [(2, 48), (1, 0)]
    # An experiment keeps the version it pinned at launch.
    pinned = ExperimentFactory.create(running=True).regulation
    assert pinned is not None and pinned.exception_cooldown_hours == 48


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (721, "The exception's cooling-off must be between 0 and 720 hours."),
        (-1, "The exception's cooling-off must be between 0 and 720 hours."),
        ("soon", "A valid integer is required."),
    ],
)
def test_a_cooling_off_out_of_bounds_is_refused_in_words(admin_user, client_for, value, message):
    response = client_for(admin_user).post("/api/v1/regulations/", {"exception_cooldown_hours": value}, format="json")
    assert response.status_code == 400
    assert response.json() == {"exception_cooldown_hours": [message]}
    russian = client_for(admin_user).post(
        "/api/v1/regulations/", {"exception_cooldown_hours": 721}, format="json", HTTP_ACCEPT_LANGUAGE="ru"
    )
    assert russian.json() == {"exception_cooldown_hours": ["Выдержка исключения должна быть от 0 до 720 часов."]}


def test_the_database_refuses_a_cooling_off_over_the_bound(admin_user):
    from experiments.models import Regulation

    with pytest.raises(IntegrityError), transaction.atomic():
        Regulation.objects.create(version=99, exception_cooldown_hours=721)


def test_the_admin_and_the_regulation_page_show_the_cooling_off(admin_user, client, web_client):
    from django.urls import reverse

    regulation_create(by=admin_user, exception_cooldown_hours=24)
    client.force_login(admin_user)
    form = client.get(reverse("admin:experiments_regulation_add")).content.decode()
    assert 'name="exception_cooldown_hours" value="24"' in form
    page = web_client(admin_user).get("/regulation/").content.decode()
    assert "the review opens 24 hours after that is first met, if it still holds then" in page
    assert "wait 24 h" in page


def test_the_owner_cannot_cancel_while_the_exception_cools_off(experiment, sales_head, marketer, client_for):
    with time_machine.travel(T0, tick=False):
        post(client_for(sales_head), leads(target=False))
        response = client_for(marketer).post(f"/api/v1/experiments/{experiment.pk}/cancel/")
    assert response.status_code == 409
    assert response.json()["code"] == "not_cancellable"
    assert "cooling-off" in response.json()["detail"]
    experiment.refresh_from_db()
    assert experiment.status == Experiment.Status.RUNNING
