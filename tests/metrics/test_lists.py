"""GET /api/v1/leads/ and /api/v1/spend/: their filters, as the CRM sync reads its data back."""

import pytest

from metrics.services import leads_upsert, spend_create
from tests.factories import ExperimentFactory
from tests.metrics.conftest import lead

pytestmark = pytest.mark.django_db


def _ids(client, path: str, **params) -> list[str]:
    response = client.get(path, params)
    assert response.status_code == 200, response.content
    return sorted(row["external_id"] for row in response.json()["results"])


def test_leads_filter_by_external_id_and_attribution_key(client_for, marketer):
    rows = [lead("a", "2026-12-02T10:00:00+03:00"), lead("b", "2026-12-02T11:00:00+03:00", utm="Other")]
    assert leads_upsert(rows=rows).errors == []
    client = client_for(marketer)
    assert _ids(client, "/api/v1/leads/") == ["a", "b"]
    assert _ids(client, "/api/v1/leads/", external_id="a") == ["a"]
    assert _ids(client, "/api/v1/leads/", external_id="zzz") == []
    # The attribution key is trimmed and case-insensitive (metrics.md).
    assert _ids(client, "/api/v1/leads/", utm_campaign="  OTHER ") == ["b"]
    assert _ids(client, "/api/v1/leads/", utm_campaign="other", external_id="a") == []


def test_a_nul_character_in_a_lead_filter_is_a_400(client_for, marketer):
    response = client_for(marketer).get("/api/v1/leads/", {"external_id": "a\x00"})
    assert response.status_code == 400
    assert set(response.json()) == {"external_id"}


def test_spend_filters_by_experiment_and_ignores_what_is_not_an_id(client_for, marketer, experiment):
    other = ExperimentFactory.create(running=True, owner=marketer, utm_campaign="other_dec")
    row = {"date": "2026-12-02", "amount": "5.00", "kind": "marketing"}
    created = spend_create(
        rows=[
            {**row, "experiment": experiment.id, "external_id": "mine"},
            {**row, "experiment": other.id, "external_id": "other"},
        ]
    )
    assert created.errors == []
    client = client_for(marketer)
    assert _ids(client, "/api/v1/spend/", experiment=str(experiment.id)) == ["mine"]
    for not_an_id in ("abc", "²", "-1"):
        assert _ids(client, "/api/v1/spend/", experiment=not_an_id) == ["mine", "other"]
    assert _ids(client, "/api/v1/spend/", experiment="99999999999999999999") == []
