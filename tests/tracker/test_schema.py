"""The OpenAPI schema: generated without warnings or errors, valid, and describing api.md."""

from typing import Any

import pytest
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    GENERATOR_STATS.reset()
    generated = SchemaGenerator().get_schema(request=None, public=True)
    stats = (dict(GENERATOR_STATS._warn_cache), dict(GENERATOR_STATS._error_cache))
    return {"schema": generated, "stats": stats}


def test_schema_generates_without_warnings_or_errors(schema):
    warnings, errors = schema["stats"]
    assert warnings == {}
    assert errors == {}


def test_schema_is_valid_openapi(schema):
    validate_schema(schema["schema"])  # raises on an invalid document


def test_schema_describes_the_experiment_endpoints(schema):
    paths = schema["schema"]["paths"]
    for path, methods in {
        "/api/v1/regulations/": {"get", "post"},
        "/api/v1/regulations/current/": {"get"},
        "/api/v1/channels/": {"get", "post"},
        "/api/v1/experiments/": {"get", "post"},
        "/api/v1/experiments/{id}/": {"get", "patch"},
        "/api/v1/experiments/{id}/launch/": {"post"},
        "/api/v1/experiments/{id}/cancel/": {"post"},
    }.items():
        assert methods <= set(paths[path]), path
    assert "put" not in paths["/api/v1/experiments/{id}/"]
    filters = {p["name"] for p in paths["/api/v1/experiments/"]["get"]["parameters"]}
    assert {"status", "channel", "owner", "page", "page_size"} <= filters
    launch = paths["/api/v1/experiments/{id}/launch/"]["post"]
    assert "requestBody" not in launch
    assert {"200", "409"} <= set(launch["responses"])


def test_schema_types_match_the_conventions(schema):
    components = schema["schema"]["components"]["schemas"]
    experiment = components["Experiment"]["properties"]
    assert experiment["budget"]["type"] == "string"
    assert experiment["budget"]["format"] == "decimal"
    assert experiment["non_target_threshold"]["type"] == "number"
    assert experiment["metrics"]["nullable"] is True
    assert experiment["regulation_version"]["nullable"] is True
    status_ref = experiment["status"]["allOf"][0]["$ref"].rsplit("/", 1)[-1]
    assert "awaiting_review" in components[status_ref]["enum"]
    lock_ref = experiment["review_lock"]["allOf"][0]["$ref"].rsplit("/", 1)[-1]
    assert set(components[lock_ref]["properties"]) == {
        "unlocked",
        "reason",
        "unlocks_on",
        "unlocked_at",
        "evidence",
        "evidence_needed",
        "opens_at",
        "opened_on",
        "review_due_on",
        "overdue",
        "days_overdue",
        "checklist",
    }
    regulation = components["Regulation"]["properties"]
    assert regulation["non_target_threshold"]["type"] == "number"
    assert regulation["version"]["readOnly"] is True


@pytest.mark.django_db
def test_schema_and_docs_are_served_offline(marketer, client_for):
    client = client_for(marketer)
    assert client.get("/api/v1/schema/").status_code == 200
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    assert "cdn" not in docs.content.decode().lower()


def test_fields_that_answer_null_are_nullable(schema):
    components = schema["schema"]["components"]["schemas"]
    assert components["Lead"]["properties"]["channel"]["nullable"] is True  # a lead that names no channel
    assert components["Review"]["properties"]["amends"]["nullable"] is True  # the original review


def test_lead_and_spend_rows_are_described(schema):
    paths = schema["schema"]["paths"]
    for path, row in (("/api/v1/leads/", "LeadRowRequest"), ("/api/v1/spend/", "SpendRowRequest")):
        body = paths[path]["post"]["requestBody"]["content"]
        assert body == {
            "application/json": {"schema": {"type": "array", "items": {"$ref": f"#/components/schemas/{row}"}}}
        }
