"""The metric catalog is the one list of metrics: the formulas answer exactly its names, and goals,
targets, the scoreboard, agendas, charts and the API read it instead of keeping lists of their own."""

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django import forms
from django.conf import settings
from django.urls import reverse
from rest_framework import serializers

from experiments.api.serializers import TargetsSerializer
from experiments.forms import ExperimentForm
from experiments.targets import targets_typed
from meetings.admin import GoalAdminForm
from meetings.agendas import founder_agenda
from meetings.api.goals import GoalInputSerializer, GoalSerializer
from meetings.views.goals import metric_choices
from meetings.views.meetings import founder_agenda_context
from metrics import catalog, formulas, selectors
from metrics.catalog import COUNT, HIGHER, SALES, Metric, Target
from metrics.services import leads_upsert, snapshots
from tests.metrics.conftest import lead

DEC1, JAN1 = dt.date(2026, 12, 1), dt.date(2027, 1, 1)
PERIOD = {"from": DEC1.isoformat(), "to": JAN1.isoformat()}


def _serializer_choices(field: object) -> list[Any]:
    """A serializer field's choice values."""
    assert isinstance(field, serializers.ChoiceField)
    return list(field.choices)


def _form_choices(field: object) -> list[Any]:
    """A form field's (value, label) pairs, which Django keeps as a list."""
    assert isinstance(field, forms.ChoiceField) and isinstance(field.choices, list)
    return field.choices


def _numbers(zone: str) -> list[str]:
    return [entry.name for entry in catalog.zone_metrics(zone) if entry.is_number]


def _december_leads() -> None:
    sql = {"mql_at": "2026-12-08T12:00:00+03:00", "sql_at": "2026-12-09T12:00:00+03:00"}
    result = leads_upsert(
        rows=[
            lead("c1", "2026-12-02T10:00:00+03:00", is_target=True, **sql),
            lead("c2", "2026-12-05T10:00:00+03:00", is_target=True, **sql, won_at="2026-12-10T10:00:00+03:00"),
            lead("c3", "2026-12-07T10:00:00+03:00", is_target=False),
        ]
    )
    assert result.errors == []


# --- the real catalog ------------------------------------------------------------------------


def test_the_formulas_answer_exactly_the_names_of_the_catalog():
    assert set(formulas.metrics_from_counts({})) == set(catalog.metric_names())


def test_every_metric_is_defined_in_the_docs_and_listed_by_a_zone():
    text = (Path(settings.BASE_DIR) / "docs" / "metrics.md").read_text()
    for entry in catalog.CATALOG:
        assert re.search(rf"\b{entry.name}\b", text), entry.name
        assert entry.scoreboard_zones, entry.name
    assert len(set(catalog.metric_names())) == len(catalog.CATALOG)


@pytest.mark.django_db
def test_every_surface_lists_exactly_the_catalog(experiment, client_for, web_client, founder):
    _december_leads()
    snapshots.snapshots_recompute(experiment_ids=[experiment.id])
    api = client_for(founder)

    snapshot = api.get(f"/api/v1/experiments/{experiment.id}/metrics/").json()
    assert set(snapshot) - {"computed_at", "pending"} == set(catalog.metric_names())

    board = api.get("/api/v1/scoreboard/", PERIOD).json()
    for zone in catalog.ZONES:
        listed = [name for name in board[zone] if name != "active_customers_at_start"]
        assert listed == [entry.name for entry in catalog.zone_metrics(zone)]
        assert list(board["by_channel"][0][zone]) == list(board[zone])

    page = web_client(founder).get(reverse("web:scoreboard"), {"date_from": DEC1, "date_to": JAN1}).context["board"]
    for zone in catalog.ZONES:
        assert [row["name"] for row in page[zone]] == _numbers(zone)

    goal_names = sorted(entry.name for entry in catalog.goal_metrics())
    assert sorted(name for _, group in metric_choices() for name, _ in group) == goal_names
    assert _serializer_choices(GoalInputSerializer().fields["metric"]) == goal_names
    assert _serializer_choices(GoalSerializer().fields["metric"]) == goal_names
    assert [name for name, _ in _form_choices(GoalAdminForm().fields["metric"])] == goal_names
    assert "churn_reasons" not in goal_names

    target_names = [field.name for field in catalog.target_fields()]
    assert target_names == [name for name in ExperimentForm().fields if name.startswith(("min_", "max_"))]
    assert list(TargetsSerializer().fields) == target_names
    assert sorted(target_names) == sorted(
        ["max_cpl", "max_cac", "min_revenue", "min_mql", "min_sql", "min_customers", "max_non_target_share"]
    )


# --- a metric added to the catalog -------------------------------------------------------------

DEMO_CALLS = Metric(
    "demo_calls", "Demo calls", SALES, COUNT, HIGHER, (SALES,), targets=(Target("min", "Min demo calls"),)
)


@pytest.fixture
def demo_calls(monkeypatch):
    """One more metric in the catalog, with its formula (here: the sales-qualified leads again)."""
    monkeypatch.setattr(catalog, "CATALOG", (*catalog.CATALOG, DEMO_CALLS))
    original = formulas.metrics_from_counts

    def with_demo_calls(counts: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return {**original(counts, **kwargs), "demo_calls": int(counts.get("sql") or 0)}

    for module in (formulas, selectors, snapshots):
        monkeypatch.setattr(module, "metrics_from_counts", with_demo_calls)
    return DEMO_CALLS


@pytest.mark.django_db
def test_a_metric_added_to_the_catalog_appears_on_every_surface(
    demo_calls, experiment, client_for, web_client, founder, marketer
):
    _december_leads()
    snapshots.snapshots_recompute(experiment_ids=[experiment.id])
    api = client_for(founder)

    # The experiment's metrics and the scoreboard, API and page.
    assert api.get(f"/api/v1/experiments/{experiment.id}/metrics/").json()["demo_calls"] == 2
    board = api.get("/api/v1/scoreboard/", PERIOD).json()
    assert board["sales"]["demo_calls"] == 2
    assert board["by_channel"][0]["sales"]["demo_calls"] == 2
    assert "demo_calls" not in board["marketing"]
    page = web_client(founder).get(reverse("web:scoreboard"), {"date_from": DEC1, "date_to": JAN1})
    assert {"name": "demo_calls", "label": "Demo calls", "kind": COUNT, "value": 2} in page.context["board"]["sales"]

    # Goals: a choice on the page, the API and the admin, judged by the sales department.
    assert ("demo_calls", "Demo calls") in dict(metric_choices())["Sales"]
    assert ("demo_calls", "demo_calls") in _form_choices(GoalAdminForm().fields["metric"])
    created = api.post("/api/v1/goals/", {"metric": "demo_calls", "target": "3", **_period()}, format="json")
    assert created.status_code == 201, created.json()
    goal = created.json()
    assert [goal[key] for key in ("zone", "direction", "target", "actual", "met")] == [
        "sales",
        "at_least",
        "3",
        2,
        False,
    ]
    refused = api.post("/api/v1/goals/", {"metric": "demo_calls", "target": "2.5", **_period()}, format="json")
    assert "whole number" in refused.json()["target"][0]

    # The founder agenda and its page.
    agenda = founder_agenda(date_from=DEC1, date_to=JAN1)
    assert agenda["departments"]["sales"]["demo_calls"] == 2
    assert [g["metric"] for g in agenda["goals"]] == ["demo_calls"]
    sales_rows = next(d["rows"] for d in founder_agenda_context(agenda)["departments"] if d["zone"] == "sales")
    assert {"name": "demo_calls", "label": "Demo calls", "kind": COUNT, "current": 2} in sales_rows

    # Experiment targets: the form, the API, the service and the targets table on the page.
    field = ExperimentForm().fields["min_demo_calls"]
    assert isinstance(field, forms.IntegerField)
    assert (str(field.label), field.min_value) == ("Min demo calls", 0)
    assert "min_demo_calls" in TargetsSerializer().fields
    assert targets_typed({"min_demo_calls": 3}) == {"min_demo_calls": 3}
    draft = client_for(marketer).post(
        "/api/v1/experiments/",
        {
            "title": "Demo calls",
            "hypothesis": "If we call, they buy.",
            "channel": experiment.channel.slug,
            "utm_campaign": "demo_calls",
            "start_date": "2026-12-01",
            "targets": {"min_demo_calls": 1},
        },
        format="json",
    )
    assert draft.status_code == 201, draft.json()
    assert draft.json()["targets"] == {"min_demo_calls": 1}
    experiment.targets = {"min_demo_calls": 1}
    experiment.save(update_fields=["targets"])
    detail = web_client(marketer).get(reverse("web:experiment-detail", args=[experiment.pk]))
    row = detail.context["targets"][0]
    assert (row["name"], row["label"], row["met"]) == ("min_demo_calls", "Min demo calls", True)
    assert "Min demo calls" in detail.content.decode()


def _period() -> dict[str, str]:
    return {"period_start": DEC1.isoformat(), "period_end": JAN1.isoformat()}
