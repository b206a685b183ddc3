"""Who may call which regulation, channel and experiment endpoint: every role, every endpoint."""

from typing import Any

import pytest

from experiments.models import Experiment, Regulation
from experiments.permissions import can_manage_experiment
from tests.factories import ChannelFactory, ExperimentFactory

ROLES = ["marketer", "other_marketer", "marketing_head", "sales_head", "founder", "admin", "anonymous"]
READERS = {role: 200 for role in ROLES} | {"anonymous": 401}
REGISTRARS = {
    "marketer": 201,
    "other_marketer": 201,
    "marketing_head": 201,
    "sales_head": 403,
    "founder": 403,
    "admin": 201,
    "anonymous": 401,
}
# The experiment below belongs to the marketer (alice); bob is another marketer.
MANAGERS = {
    "marketer": 200,
    "other_marketer": 403,
    "marketing_head": 200,
    "sales_head": 403,
    "founder": 403,
    "admin": 200,
    "anonymous": 401,
}


@pytest.fixture
def draft(users):
    return ExperimentFactory(owner=users["marketer"], channel=ChannelFactory(slug="partner-mailings"))


def _experiment_payload(role: str) -> dict[str, Any]:
    return {
        "title": f"Partner mailings by {role}",
        "hypothesis": "If we mail partners' customers, then SMB leads come cheaper.",
        "channel": "partner-mailings",
        "utm_campaign": f"partner_{role}",
        "start_date": "2026-12-01",
    }


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", ["/api/v1/regulations/", "/api/v1/regulations/current/", "/api/v1/channels/"])
def test_everyone_signed_in_reads_regulations_and_channels(users, client_for, role, path):
    response = client_for(users[role]).get(path)
    assert response.status_code == READERS[role], response.content


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_everyone_signed_in_reads_experiments(users, client_for, draft, role):
    client = client_for(users[role])
    listed = client.get("/api/v1/experiments/")
    one = client.get(f"/api/v1/experiments/{draft.id}/")
    assert listed.status_code == READERS[role]
    assert one.status_code == READERS[role]
    if READERS[role] == 200:
        assert listed.json()["results"][0]["id"] == draft.id
        assert one.json()["utm_campaign"] == draft.utm_campaign


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_only_admins_create_regulation_versions(users, client_for, role):
    response = client_for(users[role]).post("/api/v1/regulations/", {"review_due_days": 9}, format="json")
    expected = 201 if role == "admin" else (401 if role == "anonymous" else 403)
    assert response.status_code == expected, response.content
    assert Regulation.objects.count() == (2 if expected == 201 else 1)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_channel_creation_by_role(users, client_for, role):
    response = client_for(users[role]).post("/api/v1/channels/", {"name": "Events", "slug": "events"}, format="json")
    assert response.status_code == REGISTRARS[role], response.content
    if REGISTRARS[role] == 201:
        assert response.json()["slug"] == "events"


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_experiment_registration_by_role(users, client_for, draft, role):
    response = client_for(users[role]).post("/api/v1/experiments/", _experiment_payload(role), format="json")
    assert response.status_code == REGISTRARS[role], response.content
    if REGISTRARS[role] == 201:
        assert response.json()["owner"] == users[role].username
        assert response.json()["status"] == "draft"
    else:
        assert not Experiment.objects.filter(utm_campaign=f"partner_{role}").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_editing_a_draft_by_role(users, client_for, draft, role):
    response = client_for(users[role]).patch(f"/api/v1/experiments/{draft.id}/", {"title": "Renamed"}, format="json")
    assert response.status_code == MANAGERS[role], response.content
    draft.refresh_from_db()
    assert (draft.title == "Renamed") is (MANAGERS[role] == 200)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_launching_by_role(users, client_for, draft, role):
    response = client_for(users[role]).post(f"/api/v1/experiments/{draft.id}/launch/")
    assert response.status_code == MANAGERS[role], response.content
    draft.refresh_from_db()
    assert draft.status == ("running" if MANAGERS[role] == 200 else "draft")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_cancelling_by_role(users, client_for, draft, role):
    response = client_for(users[role]).post(f"/api/v1/experiments/{draft.id}/cancel/")
    assert response.status_code == MANAGERS[role], response.content
    draft.refresh_from_db()
    assert draft.status == ("cancelled" if MANAGERS[role] == 200 else "draft")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_put_is_not_offered(users, client_for, draft, role):
    response = client_for(users[role]).put(f"/api/v1/experiments/{draft.id}/", {"title": "x"}, format="json")
    # Permissions are checked before the method: those who may not write hear 403 first.
    expected = {401: 401, 403: 403}.get(REGISTRARS[role], 405)
    assert response.status_code == expected


@pytest.mark.django_db
@pytest.mark.parametrize("role", [r for r in ROLES if r != "anonymous"])
def test_rule_function_matches_the_matrix(users, draft, role):
    assert can_manage_experiment(users[role], draft) is (MANAGERS[role] == 200)
