"""api.md "Conventions": auth, error shapes, pagination, money and datetime formats."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from tests.conftest import PASSWORD
from tests.factories import ChannelFactory, ExperimentFactory


@pytest.mark.django_db
def test_token_for_good_credentials(marketer):
    response = APIClient().post("/api/v1/auth/token/", {"username": "alice", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/experiments/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("password", ["wrong", ""])
def test_bad_credentials_are_400(marketer, password):
    response = APIClient().post("/api/v1/auth/token/", {"username": "alice", "password": password}, format="json")
    assert response.status_code == 400
    assert "token" not in response.json()


@pytest.mark.django_db
def test_no_credentials_is_401_with_detail_and_code():
    response = APIClient().get("/api/v1/experiments/")
    assert response.status_code == 401
    assert response.json() == {
        "detail": "Authentication credentials were not provided.",
        "code": "not_authenticated",
    }
    assert response.headers["WWW-Authenticate"].startswith("Token")


@pytest.mark.django_db
def test_invalid_token_is_401():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get("/api/v1/channels/").status_code == 401


@pytest.mark.django_db
def test_not_allowed_is_403_with_a_plain_sentence(sales_head, client_for):
    response = client_for(sales_head).post("/api/v1/channels/", {"name": "X", "slug": "x"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert response.json()["detail"].endswith(".")


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "patch", "post"])
def test_missing_experiment_is_404(marketer, client_for, method):
    path = "/api/v1/experiments/987654/" + ("launch/" if method == "post" else "")
    response = getattr(client_for(marketer), method)(path, {}, format="json")
    assert response.status_code == 404
    assert set(response.json()) == {"detail", "code"}


@pytest.mark.django_db
def test_validation_errors_are_lists_per_field(marketer, client_for):
    response = client_for(marketer).post("/api/v1/experiments/", {}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"title", "hypothesis", "channel", "utm_campaign", "start_date"}
    assert all(isinstance(messages, list) and messages for messages in body.values())


@pytest.mark.django_db
def test_conflict_is_409_with_detail_and_code(marketer, client_for):
    experiment = ExperimentFactory(running=True, owner=marketer)
    response = client_for(marketer).patch(f"/api/v1/experiments/{experiment.id}/", {"title": "x"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "not_draft"
    assert response.json()["detail"].endswith(".")


@pytest.mark.django_db
def test_lists_are_paginated_up_to_500(marketer, client_for):
    channel = ChannelFactory()
    for _ in range(3):
        ExperimentFactory(channel=channel)
    client = client_for(marketer)
    first = client.get("/api/v1/experiments/", {"page_size": 2}).json()
    assert (first["count"], len(first["results"]), first["previous"]) == (3, 2, None)
    assert "page=2" in first["next"]
    second = client.get("/api/v1/experiments/", {"page_size": 2, "page": 2}).json()
    assert len(second["results"]) == 1
    assert {r["id"] for r in first["results"]}.isdisjoint({r["id"] for r in second["results"]})
    assert len(client.get("/api/v1/experiments/", {"page_size": 100000}).json()["results"]) == 3
    assert client.get("/api/v1/experiments/", {"page": 9}).status_code == 404


@pytest.mark.django_db
def test_money_dates_and_datetimes_formats(marketer, client_for):
    experiment = ExperimentFactory(owner=marketer, budget=7, start_date=dt.date(2026, 12, 1))
    body = client_for(marketer).get(f"/api/v1/experiments/{experiment.id}/").json()
    assert body["budget"] == "7.00"
    assert body["start_date"] == "2026-12-01"
    assert dt.datetime.fromisoformat(body["created_at"]).utcoffset() is not None


@pytest.mark.django_db
def test_session_auth_requires_csrf(marketer):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(marketer)
    assert client.get("/api/v1/channels/").status_code == 200
    response = client.post("/api/v1/channels/", {"name": "Events", "slug": "events"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_a_service_refusal_keeps_its_sentence_and_gets_a_code():
    from django.core.exceptions import PermissionDenied

    from tracker.api_errors import exception_handler

    response = exception_handler(PermissionDenied("Only an administrator can change the regulation."), {})
    assert response.status_code == 403
    assert response.data == {"detail": "Only an administrator can change the regulation.", "code": "permission_denied"}
