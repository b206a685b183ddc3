"""POST /api/v1/leads/ and /api/v1/spend/: upsert, row errors, idempotency, permissions."""

import datetime as dt
import functools
from decimal import Decimal

import pytest
from django.db import connection

from metrics.models import Lead, MetricSnapshot, Spend
from metrics.services import leads_upsert, spend_create
from tests.concurrency import run_at_once
from tests.metrics.conftest import lead

pytestmark = pytest.mark.django_db

URL = "/api/v1/leads/"


def test_upsert_creates_updates_and_reports_unchanged(client_for, marketer, channel):
    client = client_for(marketer)
    rows = [
        lead("a", "2026-12-02T10:00:00+03:00", channel="partner-mailings"),
        lead("b", "2026-12-03T10:00:00+03:00", is_target=False, disqualify_reason="student"),
    ]
    first = client.post(URL, rows, format="json")
    assert first.status_code == 200, first.content
    assert first.json() == {"created": 2, "updated": 0, "unchanged": 0, "errors": []}

    again = client.post(URL, rows, format="json")
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 2, "errors": []}

    rows[1] = {**rows[1], "won_at": "2026-12-05T12:00:00+03:00", "revenue": "1000.50", "orders": 2}
    third = client.post(URL, rows, format="json")
    assert third.json() == {"created": 0, "updated": 1, "unchanged": 1, "errors": []}
    b = Lead.objects.get(external_id="b")
    assert b.revenue == Decimal("1000.50") and b.orders == 2
    assert b.utm_key == "partner_dec" and b.created_date == dt.date(2026, 12, 3)
    assert Lead.objects.get(external_id="a").channel == channel
    assert Lead.objects.count() == 2


def test_created_date_is_local_and_utm_key_is_trimmed_lower(marketer):
    # 22:30 UTC on Dec 1 is already Dec 2 in Moscow (the configured zone).
    leads_upsert(rows=[lead("x", "2026-12-01T22:30:00+00:00", utm="  Partner_DEC ")], by=marketer)
    x = Lead.objects.get()
    assert x.created_date == dt.date(2026, 12, 2)
    assert x.utm_key == "partner_dec"
    assert x.utm_campaign == "  Partner_DEC "


def test_naive_datetimes_are_read_in_the_configured_zone(marketer, tz):
    leads_upsert(rows=[lead("n", "2026-12-01T00:30:00")], by=marketer)
    assert Lead.objects.get().created_at == dt.datetime(2026, 12, 1, 0, 30, tzinfo=tz)


def test_valid_rows_are_stored_when_others_fail(client_for, marketer):
    rows = [
        lead("ok1", "2026-12-02T10:00:00+03:00"),
        lead("bad-won", "2026-12-05T10:00:00+03:00", won_at="2026-12-04T10:00:00+03:00"),
        lead("bad-sql", "2026-12-05T10:00:00+03:00", sql_at="2026-12-01T10:00:00+03:00"),
        lead("bad-money", "2026-12-05T10:00:00+03:00", won_at="2026-12-06T10:00:00+03:00", revenue="-1"),
        lead("bad-orders", "2026-12-05T10:00:00+03:00", orders=-2),
        lead("bad-churn", "2026-12-05T10:00:00+03:00", churned_at="2026-12-07T10:00:00+03:00"),
        {"created_at": "2026-12-05T10:00:00+03:00"},
        lead("bad-date", "yesterday"),
        lead("bad-channel", "2026-12-05T10:00:00+03:00", channel="nowhere"),
        "not an object",
        lead("ok2", "2026-12-02T11:00:00+03:00", is_target=True),
        lead("ok1", "2026-12-02T10:00:00+03:00"),
    ]
    response = client_for(marketer).post(URL, rows, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["created"] == 2
    errors = {e["index"]: e for e in body["errors"]}
    assert sorted(errors) == [1, 2, 3, 4, 5, 6, 7, 8, 9, 11]
    assert "won_at" in errors[1]["errors"] and "before created_at" in errors[1]["errors"]["won_at"][0]
    assert "sql_at" in errors[2]["errors"]
    assert errors[3]["errors"]["revenue"] == ["Must not be negative."]
    assert errors[4]["errors"]["orders"] == ["Must not be negative."]
    assert "churned_at" in errors[5]["errors"]
    assert errors[6]["errors"]["external_id"] == ["This field is required."]
    assert "created_at" in errors[7]["errors"]
    assert errors[8]["errors"]["channel"] == ["No channel with the slug “nowhere”."]
    assert errors[8]["external_id"] == "bad-channel"
    assert errors[9]["errors"] == {"non_field_errors": ["Each row must be an object."]}
    assert "row 0" in errors[11]["errors"]["external_id"][0]
    assert set(Lead.objects.values_list("external_id", flat=True)) == {"ok1", "ok2"}


@pytest.mark.parametrize("body", [{"external_id": "a"}, "text", None])
def test_a_body_that_is_not_a_list_is_refused(client_for, marketer, body):
    response = client_for(marketer).post(URL, body, format="json")
    assert response.status_code == 400
    assert Lead.objects.count() == 0


def test_more_than_ten_thousand_rows_are_refused_and_nothing_stored(client_for, marketer):
    rows = [lead(f"r{i}", "2026-12-02T10:00:00+03:00") for i in range(10_001)]
    response = client_for(marketer).post(URL, rows, format="json")
    assert response.status_code == 400
    assert "10,000" in str(response.json())
    assert Lead.objects.count() == 0


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("marketer", 200),
        ("marketing_head", 200),
        ("sales_head", 200),
        ("admin", 200),
        ("founder", 403),
        ("anonymous", 401),
    ],
)
def test_who_may_post_leads(client_for, users, role, expected):
    response = client_for(users[role]).post(URL, [lead(f"p-{role}", "2026-12-02T10:00:00+03:00")], format="json")
    assert response.status_code == expected
    assert Lead.objects.filter(external_id=f"p-{role}").exists() == (expected == 200)


def test_everyone_signed_in_reads_leads(client_for, founder, marketer):
    leads_upsert(rows=[lead("r", "2026-12-02T10:00:00+03:00")], by=marketer)
    response = client_for(founder).get(URL)
    assert response.status_code == 200
    assert [row["external_id"] for row in response.json()["results"]] == ["r"]
    assert client_for(None).get(URL).status_code == 401


def test_a_lead_change_marks_the_experiment_dirty(experiment, marketer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        leads_upsert(rows=[lead("d1", "2026-12-02T10:00:00+03:00", utm="PARTNER_DEC")], by=marketer)
    snapshot = MetricSnapshot.objects.get(experiment=experiment)
    assert snapshot.dirty_since is not None
    assert len(callbacks) == 1  # one debounced job
    with django_capture_on_commit_callbacks() as callbacks:
        leads_upsert(rows=[lead("d2", "2026-12-02T11:00:00+03:00")], by=marketer)
    assert callbacks == []  # already dirty: the pending job covers it
    with django_capture_on_commit_callbacks() as callbacks:
        leads_upsert(rows=[lead("d2", "2026-12-02T11:00:00+03:00")], by=marketer)
    assert MetricSnapshot.objects.get(experiment=experiment).dirty_seq == 2  # unchanged rows mark nothing


def test_moving_a_lead_to_another_campaign_marks_both(experiment, marketer):
    from tests.factories import ExperimentFactory

    other = ExperimentFactory(running=True, utm_campaign="other", start_date=experiment.start_date)
    leads_upsert(rows=[lead("m", "2026-12-02T10:00:00+03:00")], by=marketer)
    MetricSnapshot.objects.update(dirty_since=None)
    leads_upsert(rows=[lead("m", "2026-12-02T10:00:00+03:00", utm="other")], by=marketer)
    dirty = set(MetricSnapshot.objects.filter(dirty_since__isnull=False).values_list("experiment_id", flat=True))
    assert dirty == {experiment.id, other.id}


def test_spend_by_id_or_utm_with_row_errors(client_for, marketer, experiment):
    rows = [
        {"experiment": experiment.id, "date": "2026-12-02", "amount": "1500.00", "kind": "marketing", "visits": 300},
        {"utm_campaign": " Partner_Dec ", "date": "2026-12-03", "amount": "700", "kind": "sales"},
        {"utm_campaign": "unknown", "date": "2026-12-03", "amount": "700", "kind": "sales"},
        {"experiment": experiment.id, "date": "2026-12-03", "amount": "-5", "kind": "marketing"},
        {"experiment": experiment.id, "date": "soon", "amount": "5", "kind": "other"},
    ]
    response = client_for(marketer).post("/api/v1/spend/", rows, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["created"] == 2
    assert [e["index"] for e in body["errors"]] == [2, 3, 4]
    assert "utm_campaign" in body["errors"][0]["errors"]
    assert body["errors"][1]["errors"]["amount"] == ["Must not be negative."]
    assert set(body["errors"][2]["errors"]) == {"date", "kind"}
    assert Spend.objects.filter(experiment=experiment).count() == 2
    assert MetricSnapshot.objects.get(experiment=experiment).dirty_since is not None


def test_founder_may_not_post_spend(client_for, founder, experiment):
    row = {"experiment": experiment.id, "date": "2026-12-02", "amount": "1", "kind": "marketing"}
    assert client_for(founder).post("/api/v1/spend/", [row], format="json").status_code == 403
    assert spend_create(rows=[row]).created == 1


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row-level concurrency needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_overlapping_posts_neither_duplicate_nor_lose_rows(marketer, experiment):
    assert connection.vendor == "postgresql"
    # Two writers share half of their rows, in opposite orders, and post at the same time.
    shared = [lead(f"s{i:04d}", "2026-12-02T10:00:00+03:00", is_target=i % 2 == 0) for i in range(400)]
    first = shared + [lead(f"a{i:04d}", "2026-12-03T10:00:00+03:00") for i in range(300)]
    second = list(reversed(shared)) + [lead(f"b{i:04d}", "2026-12-04T10:00:00+03:00") for i in range(300)]

    def post(rows):
        return [leads_upsert(rows=rows, by=None) for _ in range(3)]

    posts, failures = run_at_once(*(functools.partial(post, rows) for rows in (first, second, first, second)))
    results = [result for results in posts for result in results]
    assert failures == []
    assert Lead.objects.count() == 1000
    assert sum(r.created for r in results) == 1000
    assert all(not r.errors for r in results)
    assert Lead.objects.filter(external_id__startswith="s", is_target=True).count() == 200


def test_text_with_control_characters_round_trips(marketer):
    reason = "tab\there, new\nline, back\\slash, \\N literally, “quotes”; кириллица"
    result = leads_upsert(rows=[lead("t", "2026-12-02T10:00:00+03:00", disqualify_reason=reason, is_target=False)])
    assert result.created == 1
    assert Lead.objects.get(external_id="t").disqualify_reason == reason
    assert (
        leads_upsert(rows=[lead("t", "2026-12-02T10:00:00+03:00", disqualify_reason=reason, is_target=False)]).unchanged
        == 1
    )
    bad = leads_upsert(rows=[lead("nul", "2026-12-02T10:00:00+03:00", customer_id="a\x00b")])
    assert "NUL" in bad.errors[0]["errors"]["customer_id"][0]


def test_non_ascii_campaigns_match_case_insensitively_on_every_database(marketer):
    from metrics.services import snapshots_recompute
    from tests.factories import ExperimentFactory

    autumn = ExperimentFactory(
        running=True,
        utm_campaign="Осень_Партнёры",
        start_date=dt.date(2026, 12, 1),
        test_period_days=30,
        ends_on=dt.date(2026, 12, 31),
    )
    leads_upsert(rows=[lead("c1", "2026-12-02T10:00:00+03:00", utm="  осень_ПАРТНЁРЫ ")], by=marketer)
    assert MetricSnapshot.objects.get(experiment=autumn).dirty_since is not None
    assert snapshots_recompute(experiment_ids=[autumn.id])[autumn.id].data["leads_total"] == 1


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the import lock is PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_a_post_during_a_long_import_waits_then_is_told_to_come_back(client_for, marketer, settings):
    from metrics.services.leads import LEAD_WRITES_LOCK

    settings.LEAD_POST_WAIT_SECONDS = 0.3
    importer = connection.get_new_connection(connection.get_connection_params())
    importer.execute("SELECT pg_advisory_xact_lock(%s, %s)", list(LEAD_WRITES_LOCK))  # an import is writing
    rows = [lead("busy", "2026-12-02T10:00:00+03:00")]
    try:
        response = client_for(marketer).post("/api/v1/leads/", rows, format="json")
        assert response.status_code == 503
        assert response["Retry-After"] == "60"
        assert response.json()["code"] == "import_running" and response.json()["retry_after"] == 60
        assert not Lead.objects.filter(external_id="busy").exists()
    finally:
        importer.rollback()  # the import is done
        importer.close()
    assert client_for(marketer).post("/api/v1/leads/", rows, format="json").json()["created"] == 1
