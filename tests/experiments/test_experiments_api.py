"""The experiment endpoints as api.md describes them: shapes, filters, transitions, query counts."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from experiments.models import Experiment, ReviewUnlock
from experiments.services.regulations import regulation_create
from metrics.models import MetricSnapshot
from tests.factories import ChannelFactory, ExperimentFactory

PAYLOAD = {
    "title": "Partner mailings to SMB",
    "hypothesis": "If we mail partners' customers, then SMB leads come cheaper.",
    "channel": "partner-mailings",
    "utm_campaign": "partner_dec",
    "start_date": "2026-12-01",
    "test_period_days": 30,
    "budget": "150000.00",
    "targets": {"max_cpl": "1500.00", "min_mql": 100},
}


@pytest.fixture
def channel(db):
    return ChannelFactory(slug="partner-mailings", name="Partner mailings")


@pytest.mark.django_db
def test_registration_answers_the_experiment_as_get_shows_it(marketer, client_for, channel):
    client = client_for(marketer)
    created = client.post("/api/v1/experiments/", PAYLOAD, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body == client.get(f"/api/v1/experiments/{body['id']}/").json()
    assert {key: body[key] for key in PAYLOAD} == PAYLOAD
    assert body["owner"] == "alice"
    assert body["status"] == "draft"
    assert body["ends_on"] == "2026-12-31"
    assert body["regulation_version"] is None
    assert body["non_target_threshold"] == 0.3
    assert body["metrics"] is None
    assert body["review_lock"] == {
        "unlocked": False,
        "reason": None,
        "unlocks_on": "2026-12-31",
        "unlocked_at": None,
        "evidence": 1.0,
        "evidence_needed": 20.0,
        "opens_at": None,
        # The review's dates, null while locked (docs/api.md).
        "opened_on": None,
        "review_due_on": None,
        "overdue": None,
        "days_overdue": None,
        "checklist": {
            "period_ended": {"met": False, "ends_on": "2026-12-31"},
            "exception": {
                "min_judged_leads": {"met": False, "value": 0, "needed": 10},
                "share_above_threshold": {"met": False, "value": None, "needed": 0.3},
                "evidence": {"met": False, "value": 1.0, "needed": 20.0},
                "more_leads_needed": None,
            },
        },
    }


@pytest.mark.django_db
def test_budget_is_a_two_place_string_and_optional_fields_default(marketer, client_for, channel):
    payload = {key: PAYLOAD[key] for key in ("title", "hypothesis", "channel", "utm_campaign", "start_date")}
    body = client_for(marketer).post("/api/v1/experiments/", payload | {"budget": "99.5"}, format="json").json()
    assert body["budget"] == "99.50"
    assert body["test_period_days"] == 30
    assert body["targets"] == {}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"test_period_days": 6}, "test_period_days"),
        ({"test_period_days": 91}, "test_period_days"),
        ({"channel": "nowhere"}, "channel"),
        ({"start_date": "01.12.2026"}, "start_date"),
        ({"budget": "-1.00"}, "budget"),
        ({"targets": {"max_cpl": "cheap"}}, "targets"),
        ({"title": ""}, "title"),
    ],
)
def test_invalid_registration_answers_400_per_field(marketer, client_for, channel, change, field):
    response = client_for(marketer).post("/api/v1/experiments/", PAYLOAD | change, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    messages = response.json()[field]
    assert messages and all(isinstance(message, str) and message for message in messages)
    assert not Experiment.objects.exists()


@pytest.mark.django_db
def test_period_message_names_the_regulation_bounds(marketer, client_for, channel):
    response = client_for(marketer).post("/api/v1/experiments/", PAYLOAD | {"test_period_days": 120}, format="json")
    assert response.json() == {"test_period_days": ["The regulation (v1) allows a test period of 7 to 90 days."]}


@pytest.mark.django_db
@pytest.mark.parametrize("utm", ["partner_dec", "PARTNER_DEC", "  Partner_Dec"])
def test_duplicate_utm_in_any_case_is_400(marketer, other_marketer, client_for, channel, utm):
    assert client_for(marketer).post("/api/v1/experiments/", PAYLOAD, format="json").status_code == 201
    response = client_for(other_marketer).post("/api/v1/experiments/", PAYLOAD | {"utm_campaign": utm}, format="json")
    assert response.status_code == 400
    assert "utm_campaign" in response.json()


@pytest.mark.django_db
def test_cancelled_experiment_frees_its_utm_over_the_api(marketer, client_for, channel):
    client = client_for(marketer)
    first = client.post("/api/v1/experiments/", PAYLOAD, format="json").json()
    assert client.post(f"/api/v1/experiments/{first['id']}/cancel/").json()["status"] == "cancelled"
    again = client.post("/api/v1/experiments/", PAYLOAD | {"utm_campaign": "PARTNER_DEC"}, format="json")
    assert again.status_code == 201


@pytest.mark.django_db
def test_cancel_may_say_why_and_the_reason_is_kept(marketer, client_for, channel):
    client = client_for(marketer)
    created = client.post("/api/v1/experiments/", PAYLOAD, format="json").json()
    assert created["cancel_reason"] == ""
    url = f"/api/v1/experiments/{created['id']}/cancel/"
    cancelled = client.post(url, {"reason": "  The partner withdrew.  "}, format="json")
    assert cancelled.status_code == 200
    assert (cancelled.json()["status"], cancelled.json()["cancel_reason"]) == ("cancelled", "The partner withdrew.")
    assert Experiment.objects.get(pk=created["id"]).history.first().cancel_reason == "The partner withdrew."


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "language", "message"),
    [
        ({"reason": ["why"]}, "en", "Not a valid string."),
        ({"reason": None}, "en", "This field may not be null."),
        ({"reason": "x" * 2001}, "en", "Ensure this value has at most 2000 characters (it has 2001)."),
        ({"reason": "x" * 2001}, "ru", "Убедитесь, что это значение содержит не более 2000 символов (сейчас 2001)."),
    ],
)
def test_a_bad_cancel_reason_is_400_and_cancels_nothing(marketer, client_for, channel, body, language, message):
    client = client_for(marketer)
    created = client.post("/api/v1/experiments/", PAYLOAD, format="json").json()
    url = f"/api/v1/experiments/{created['id']}/cancel/"
    response = client.post(url, body, format="json", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    assert response.json() == {"reason": [message]}
    assert Experiment.objects.get(pk=created["id"]).status == Experiment.Status.DRAFT


@pytest.mark.django_db
def test_patch_edits_a_draft_and_keeps_other_fields(marketer, client_for, channel):
    client = client_for(marketer)
    created = client.post("/api/v1/experiments/", PAYLOAD, format="json").json()
    response = client.patch(f"/api/v1/experiments/{created['id']}/", {"test_period_days": 14}, format="json")
    assert response.status_code == 200
    assert response.json()["ends_on"] == "2026-12-15"
    assert response.json()["title"] == PAYLOAD["title"]
    assert response.json()["budget"] == "150000.00"


@pytest.mark.django_db
def test_launch_then_launch_again_and_patch_are_409(admin_user, marketer, client_for, channel):
    client = client_for(marketer)
    created = client.post("/api/v1/experiments/", PAYLOAD, format="json").json()
    launched = client.post(f"/api/v1/experiments/{created['id']}/launch/")
    assert launched.status_code == 200
    assert launched.json()["status"] == "running"
    assert launched.json()["regulation_version"] == 1

    again = client.post(f"/api/v1/experiments/{created['id']}/launch/")
    assert again.status_code == 409
    assert again.json()["code"] == "not_draft"
    patched = client.patch(f"/api/v1/experiments/{created['id']}/", {"title": "Changed"}, format="json")
    assert patched.status_code == 409
    assert patched.json() == {"detail": "Only drafts can be edited; this experiment is running.", "code": "not_draft"}

    # A regulation edit afterwards does not move the running experiment's rules.
    regulation_create(by=admin_user, non_target_threshold=Decimal("0.1"))
    body = client.get(f"/api/v1/experiments/{created['id']}/").json()
    assert (body["regulation_version"], body["non_target_threshold"]) == (1, 0.3)


@pytest.mark.django_db
def test_cancel_of_cancelled_is_409(marketer, client_for, channel):
    client = client_for(marketer)
    created = client.post("/api/v1/experiments/", PAYLOAD, format="json").json()
    client.post(f"/api/v1/experiments/{created['id']}/cancel/")
    response = client.post(f"/api/v1/experiments/{created['id']}/cancel/")
    assert response.status_code == 409
    assert response.json()["code"] == "not_cancellable"
    assert response.json()["detail"].endswith(".")


@pytest.mark.django_db
def test_finished_period_reads_awaiting_review_before_any_job(marketer, client_for, channel):
    experiment = ExperimentFactory(
        running=True, owner=marketer, channel=channel, start_date=timezone.localdate() - dt.timedelta(days=40)
    )
    client = client_for(marketer)
    body = client.get(f"/api/v1/experiments/{experiment.id}/").json()
    assert body["status"] == "awaiting_review"
    assert body["review_lock"]["unlocked"] is True
    assert body["review_lock"]["reason"] == "period_ended"
    listed = client.get("/api/v1/experiments/", {"status": "awaiting_review"}).json()
    assert [row["id"] for row in listed["results"]] == [experiment.id]
    assert client.get("/api/v1/experiments/", {"status": "running"}).json()["count"] == 0


@pytest.mark.django_db
def test_metrics_show_the_snapshot_with_computed_at(marketer, client_for, channel):
    experiment = ExperimentFactory(running=True, owner=marketer, channel=channel)
    computed_at = timezone.now()
    MetricSnapshot.objects.create(
        experiment=experiment, computed_at=computed_at, data={"leads_total": 12, "cpl": "1250.00"}
    )
    body = client_for(marketer).get(f"/api/v1/experiments/{experiment.id}/").json()
    assert body["metrics"]["leads_total"] == 12
    assert body["metrics"]["cpl"] == "1250.00"
    assert dt.datetime.fromisoformat(body["metrics"]["computed_at"]) == computed_at


@pytest.mark.django_db
def test_snapshot_never_computed_reads_as_null(marketer, client_for, channel):
    experiment = ExperimentFactory(running=True, owner=marketer, channel=channel)
    MetricSnapshot.objects.create(experiment=experiment, data={})
    assert client_for(marketer).get(f"/api/v1/experiments/{experiment.id}/").json()["metrics"] is None


@pytest.mark.django_db
def test_list_filters_by_status_channel_and_owner(marketer, other_marketer, client_for, channel):
    events = ChannelFactory(slug="events", name="Events")
    today = timezone.localdate()
    mine = ExperimentFactory(owner=marketer, channel=channel)
    running = ExperimentFactory(running=True, owner=other_marketer, channel=events, start_date=today)
    unlocked = ExperimentFactory(running=True, owner=marketer, channel=events, start_date=today)
    ReviewUnlock.objects.create(
        experiment=unlocked,
        reason="exception",
        unlocked_at=timezone.now(),
        judged_leads=40,
        non_target_leads=30,
        evidence=50.0,
        threshold=Decimal("0.3"),
    )
    client = client_for(marketer)

    def ids(**params) -> set[int]:
        response = client.get("/api/v1/experiments/", params)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids(status="draft") == {mine.id}
    assert ids(status="running") == {running.id}
    assert ids(status="awaiting_review") == {unlocked.id}
    assert ids(channel="events") == {running.id, unlocked.id}
    assert ids(owner="alice") == {mine.id, unlocked.id}
    assert ids(owner=str(other_marketer.id)) == {running.id}
    assert ids(owner="alice", channel="events", status="awaiting_review") == {unlocked.id}
    assert ids(channel="nowhere") == set()
    assert client.get("/api/v1/experiments/", {"status": "lost"}).status_code == 400


@pytest.mark.django_db
def test_list_query_count_does_not_grow_with_rows(marketer, client_for, channel, count_queries):
    client = client_for(marketer)
    other = ChannelFactory(slug="events", name="Events")

    def add_rows(count: int) -> None:
        for i in range(count):
            experiment = ExperimentFactory(running=bool(i % 2), channel=channel if i % 3 else other)
            MetricSnapshot.objects.create(experiment=experiment, computed_at=timezone.now(), data={"judged_leads": 1})

    add_rows(3)
    few = count_queries(client.get, "/api/v1/experiments/")
    assert few <= 12
    assert client.get("/api/v1/experiments/").json()["count"] == 3
    add_rows(30)
    assert count_queries(client.get, "/api/v1/experiments/") <= few
    assert client.get("/api/v1/experiments/").json()["count"] == 33


@pytest.mark.django_db
def test_status_filter_query_count_does_not_grow_with_rows(marketer, client_for, channel, count_queries):
    client = client_for(marketer)
    for _ in range(3):
        MetricSnapshot.objects.create(experiment=ExperimentFactory(running=True, channel=channel), data={})
    few = count_queries(client.get, "/api/v1/experiments/", {"status": "running"})
    assert few <= 14
    for _ in range(20):
        MetricSnapshot.objects.create(experiment=ExperimentFactory(running=True, channel=channel), data={})
    assert count_queries(client.get, "/api/v1/experiments/", {"status": "running"}) <= few
    assert client.get("/api/v1/experiments/", {"status": "running"}).json()["count"] == 23


@pytest.mark.django_db
def test_owner_filter_takes_odd_ids_without_failing(marketer, client_for, channel):
    ExperimentFactory(owner=marketer, channel=channel)
    client = client_for(marketer)
    for owner in ("²", "99999999999999999999", "nobody"):
        response = client.get("/api/v1/experiments/", {"owner": owner})
        assert response.status_code == 200, owner
        assert response.json()["count"] == 0


@pytest.mark.django_db
def test_a_bad_filter_value_is_refused_per_field_in_the_readers_language(marketer, client_for):
    response = client_for(marketer).get(
        "/api/v1/experiments/", {"status": "lost", "channel": "no slug"}, HTTP_ACCEPT_LANGUAGE="ru"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"status", "channel"}
    assert "lost" in response.json()["status"][0]
    assert "допустим" in response.json()["status"][0]


@pytest.mark.django_db
def test_list_filters_do_not_apply_to_one_experiment(marketer, client_for, channel):
    draft = ExperimentFactory(owner=marketer, channel=channel)
    client = client_for(marketer)
    assert client.get(f"/api/v1/experiments/{draft.id}/", {"status": "running"}).status_code == 200
    assert client.get(f"/api/v1/experiments/{draft.id}/", {"status": "lost"}).status_code == 200
    renamed = client.patch(f"/api/v1/experiments/{draft.id}/?status=running", {"title": "Renamed"}, format="json")
    assert renamed.status_code == 200
