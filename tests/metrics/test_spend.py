"""POST /api/v1/spend/ with the source system's external_id: upserted, so a repeated sync changes nothing."""

import functools
from decimal import Decimal

import pytest
from django.db import connection

from metrics.models import MetricSnapshot, Spend
from metrics.services import snapshots_recompute, spend_create
from tests.concurrency import run_at_once
from tests.factories import ExperimentFactory

pytestmark = pytest.mark.django_db


def row(experiment, amount="100.00", external_id="ads-1", **extra) -> dict:
    return {"experiment": experiment.id, "date": "2026-12-02", "amount": amount, "kind": "marketing", **extra} | (
        {"external_id": external_id} if external_id is not None else {}
    )


def marketing_spend(experiment) -> Decimal:
    return Decimal(snapshots_recompute(experiment_ids=[experiment.id])[experiment.id].data["marketing_spend"])


def test_the_same_rows_sent_again_change_nothing(client_for, marketer, experiment):
    rows = [row(experiment, external_id="ads-1"), row(experiment, "50.50", external_id="ads-2", visits=40)]
    first = client_for(marketer).post("/api/v1/spend/", rows, format="json")
    assert first.status_code == 201
    assert first.json() == {"created": 2, "updated": 0, "unchanged": 0, "errors": []}
    again = client_for(marketer).post("/api/v1/spend/", rows, format="json")
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 2, "errors": []}
    assert Spend.objects.count() == 2
    assert marketing_spend(experiment) == Decimal("150.50")
    listed = client_for(marketer).get("/api/v1/spend/").json()["results"]
    assert sorted(r["external_id"] for r in listed) == ["ads-1", "ads-2"]


def test_a_changed_or_moved_row_is_updated_and_both_experiments_recomputed(marketer, experiment):
    other = ExperimentFactory(running=True, owner=marketer, utm_campaign="other_dec")
    spend_create(rows=[row(experiment, "100.00")], by=marketer)
    assert marketing_spend(experiment) == Decimal("100.00")
    result = spend_create(rows=[row(experiment, "80.00")])
    assert (result.created, result.updated, result.unchanged) == (0, 1, 0)
    assert marketing_spend(experiment) == Decimal("80.00")
    moved = spend_create(rows=[{**row(experiment, "80.00"), "experiment": "", "utm_campaign": " Other_Dec "}])
    assert moved.updated == 1
    dirty = set(MetricSnapshot.objects.filter(dirty_since__isnull=False).values_list("experiment_id", flat=True))
    assert {experiment.id, other.id} <= dirty
    assert marketing_spend(experiment) == Decimal("0") and marketing_spend(other) == Decimal("80.00")
    spend = Spend.objects.get()
    assert spend.created_by == marketer  # the first writer is kept; the values are the last ones


def test_rows_without_an_external_id_are_added_each_time(marketer, experiment):
    for _ in range(2):
        assert spend_create(rows=[row(experiment, external_id=None)]).created == 1
    assert marketing_spend(experiment) == Decimal("200.00")


def test_a_repeated_or_bad_external_id_is_a_row_error_and_the_rest_is_stored(marketer, experiment):
    rows = [
        row(experiment, external_id="ads-1"),
        row(experiment, "5", external_id="ads-1"),
        row(experiment, external_id="x" * 256),
        row(experiment, external_id=" ads-2 "),
    ]
    result = spend_create(rows=rows)
    assert result.created == 2
    assert [(e["index"], list(e["errors"])) for e in result.errors] == [(1, ["external_id"]), (2, ["external_id"])]
    assert "row 0" in result.errors[0]["errors"]["external_id"][0]
    assert sorted(Spend.objects.values_list("external_id", flat=True)) == ["ads-1", "ads-2"]


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row-level concurrency needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_syncs_of_the_same_rows_store_each_once(marketer, experiment):
    assert connection.vendor == "postgresql"
    rows = [row(experiment, f"{i}.00", external_id=f"ads-{i:03d}") for i in range(200)]
    batches = (rows, rows[::-1], rows, rows[::-1])
    results, failures = run_at_once(*(functools.partial(spend_create, rows=batch) for batch in batches))
    assert failures == []
    assert sum(r.created for r in results) == 200 and sum(r.unchanged for r in results) == 600  # counts exact
    assert Spend.objects.count() == 200
    assert marketing_spend(experiment) == sum(Decimal(i) for i in range(200))
