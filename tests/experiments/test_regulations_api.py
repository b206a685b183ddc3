"""The regulation endpoints: current version, history newest first, admins post new versions."""

from decimal import Decimal

import pytest

from experiments.services.regulations import regulation_create
from tests.factories import ChannelFactory


@pytest.mark.django_db
def test_current_is_version_one_with_the_product_defaults(marketer, client_for):
    body = client_for(marketer).get("/api/v1/regulations/current/").json()
    assert body == {
        "id": body["id"],
        "version": 1,
        "created_at": body["created_at"],
        "created_by": None,
        "default_test_period_days": 30,
        "min_test_period_days": 7,
        "max_test_period_days": 90,
        "exception_min_leads": 10,
        "exception_cooldown_hours": 0,
        "review_due_days": 7,
        "sync_meeting_every_days": 14,
        "founder_meeting_every_days": 7,
        "non_target_threshold": 0.3,
        "exception_alpha": 0.05,
        "evidence_needed": 20.0,
        "channel_thresholds": [],
    }


@pytest.mark.django_db
def test_admin_posts_a_new_version_in_force_at_once(admin_user, marketer, client_for):
    ChannelFactory(slug="events")
    response = client_for(admin_user).post(
        "/api/v1/regulations/",
        {"non_target_threshold": "0.25", "channel_thresholds": [{"channel": "events", "non_target_threshold": 0.4}]},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["version"], body["created_by"], body["non_target_threshold"]) == (2, "admin", 0.25)
    assert body["channel_thresholds"] == [{"channel": "events", "non_target_threshold": 0.4}]
    reader = client_for(marketer)
    assert reader.get("/api/v1/regulations/current/").json() == body
    assert [row["version"] for row in reader.get("/api/v1/regulations/").json()["results"]] == [2, 1]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"min_test_period_days": 31}, "min_test_period_days"),
        ({"max_test_period_days": 400}, "max_test_period_days"),
        ({"non_target_threshold": "1.0"}, "non_target_threshold"),
        ({"exception_alpha": "0.6"}, "exception_alpha"),
        ({"review_due_days": "soon"}, "review_due_days"),
        ({"channel_thresholds": [{"channel": "nowhere", "non_target_threshold": 0.4}]}, "channel_thresholds"),
    ],
)
def test_invalid_versions_are_400_per_field(admin_user, client_for, payload, field):
    response = client_for(admin_user).post("/api/v1/regulations/", payload, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]


@pytest.mark.django_db
def test_old_versions_stay_readable(admin_user, marketer, client_for):
    regulation_create(by=admin_user, non_target_threshold=Decimal("0.2"))
    results = client_for(marketer).get("/api/v1/regulations/").json()["results"]
    assert [(r["version"], r["non_target_threshold"]) for r in results] == [(2, 0.2), (1, 0.3)]


@pytest.mark.django_db
def test_regulation_list_query_count_does_not_grow(admin_user, marketer, client_for, count_queries):
    client = client_for(marketer)
    channel = ChannelFactory.create()
    regulation_create(by=admin_user, channel_thresholds={channel.id: Decimal("0.4")})
    few = count_queries(client.get, "/api/v1/regulations/")
    assert few <= 10
    assert client.get("/api/v1/regulations/").json()["count"] == 2
    for days in range(3, 13):
        regulation_create(by=admin_user, review_due_days=days)
    assert count_queries(client.get, "/api/v1/regulations/") <= few
    results = client.get("/api/v1/regulations/").json()["results"]
    assert len(results) == 12
    assert results[0]["channel_thresholds"] == [{"channel": channel.slug, "non_target_threshold": 0.4}]
