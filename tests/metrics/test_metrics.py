"""Experiment metrics: the SQL aggregate path against the reference implementation of metrics.md."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics.formulas import metrics_from_counts
from metrics.models import Lead, MetricSnapshot, Spend
from metrics.rows import LEAD_FIELDS
from metrics.services import leads_upsert, snapshots_recompute, spend_create
from tests.factories import ExperimentFactory
from tests.metrics import reference
from tests.metrics.conftest import lead

pytestmark = pytest.mark.django_db

START = dt.date(2026, 12, 1)
ENDS = dt.date(2026, 12, 31)
TZ = "Europe/Moscow"


def compute(experiment) -> dict:
    return snapshots_recompute(experiment_ids=[experiment.id])[experiment.id].data


def test_no_leads_no_spend_gives_zeros_and_nulls(experiment):
    data = compute(experiment)
    assert data["leads_total"] == 0 and data["customers"] == 0
    assert data["revenue"] == "0.00" and data["marketing_spend"] == "0.00"
    for name in ("non_target_share", "cr_mql_sql", "cr_sql_customer", "cpl", "cac", "cac_full", "lcr", "aov"):
        assert data[name] is None, name
    assert data["cr_visit_customer"] is None and data["churn_rate"] is None and data["romi"] is None
    assert data["churn_reasons"] == {}
    assert data == reference.metrics([], [])


def test_spend_without_leads(experiment):
    spend_create(rows=[{"experiment": experiment.id, "date": "2026-12-02", "amount": "100", "kind": "marketing"}])
    data = compute(experiment)
    assert data["marketing_spend"] == "100.00"
    assert data["cpl"] is None and data["cac"] is None
    assert data["romi"] == -1.0


def test_all_non_target(experiment):
    leads_upsert(rows=[lead(f"n{i}", "2026-12-02T10:00:00+03:00", is_target=False) for i in range(4)])
    data = compute(experiment)
    assert (data["leads_total"], data["judged_leads"], data["non_target_leads"]) == (4, 4, 4)
    assert data["non_target_share"] == 1.0
    assert data["cr_overall"] == 0.0


def test_cohort_window_other_campaigns_and_mixed_case(experiment):
    leads_upsert(
        rows=[
            lead("in-first-day", "2026-12-01T00:00:00+03:00"),
            lead("in-mixed-case", "2026-12-10T10:00:00+03:00", utm="  PARTNER_Dec "),
            lead("in-last-day", "2026-12-30T23:59:59+03:00"),
            lead("out-before", "2026-11-30T23:59:59+03:00"),
            lead("out-ends-on", "2026-12-31T00:00:00+03:00"),
            # 21:30 UTC on Nov 30 is Dec 1 00:30 in Moscow: inside.
            lead("in-by-local-date", "2026-11-30T21:30:00+00:00"),
            lead("other-campaign", "2026-12-10T10:00:00+03:00", utm="partner_dec_2"),
            lead("no-campaign", "2026-12-10T10:00:00+03:00", utm=""),
        ]
    )
    data = compute(experiment)
    assert data["leads_total"] == 4


def test_funnel_money_and_churn(experiment):
    won = {"mql_at": "2026-12-03T10:00:00+03:00", "sql_at": "2026-12-04T10:00:00+03:00"}
    leads_upsert(
        rows=[
            lead(
                "1",
                "2026-12-02T10:00:00+03:00",
                is_target=True,
                **won,
                won_at="2026-12-05T10:00:00+03:00",
                revenue="1000.00",
                orders=2,
                churned_at="2027-01-10T10:00:00+03:00",
                churn_reason=" price ",
            ),
            lead(
                "2",
                "2026-12-02T10:00:00+03:00",
                is_target=True,
                won_at="2026-12-05T10:00:00+03:00",
                revenue="500.50",
                churned_at="2027-01-11T10:00:00+03:00",
            ),
            lead("3", "2026-12-02T10:00:00+03:00", is_target=True, **won),
            lead("4", "2026-12-02T10:00:00+03:00", is_target=False),
            lead("5", "2026-12-02T10:00:00+03:00"),
        ]
    )
    spend_create(
        rows=[
            {"experiment": experiment.id, "date": "2026-12-02", "amount": "300.00", "kind": "marketing", "visits": 40},
            {"utm_campaign": "partner_dec", "date": "2027-02-01", "amount": "100.00", "kind": "sales"},
        ]
    )
    data = compute(experiment)
    assert data["leads_total"] == 5 and data["judged_leads"] == 4 and data["non_target_leads"] == 1
    assert (data["mql"], data["sql"], data["customers"], data["sql_customers"]) == (2, 2, 2, 1)
    assert data["orders"] == 3  # 2 + a won lead without orders counts 1
    assert data["revenue"] == "1500.50"
    assert data["cpl"] == "60.00" and data["cac"] == "150.00" and data["cac_full"] == "200.00"
    assert data["aov"] == "500.17"
    assert data["cr_visit_customer"] == 0.05
    assert data["churn_rate"] == 1.0
    assert data["churn_reasons"] == {"price": 1, "unspecified": 1}
    assert data["romi"] == pytest.approx((1500.50 - 300) / 300)


def test_recompute_stores_one_snapshot_and_clears_dirty(experiment):
    leads_upsert(rows=[lead("1", "2026-12-02T10:00:00+03:00")])
    assert MetricSnapshot.objects.get(experiment=experiment).dirty_since is not None
    compute(experiment)
    compute(experiment)
    snapshot = MetricSnapshot.objects.get(experiment=experiment)
    assert snapshot.dirty_since is None and snapshot.computed_at is not None
    assert snapshot.data["leads_total"] == 1


def test_a_change_during_the_computation_keeps_its_dirty_flag(experiment, monkeypatch):
    from metrics import aggregates
    from metrics.services import snapshots as snapshots_module

    leads_upsert(rows=[lead("1", "2026-12-02T10:00:00+03:00")])
    real = aggregates.experiment_counts

    def counts_then_a_new_lead_arrives(experiments):
        result = real(experiments)
        leads_upsert(rows=[lead("2", "2026-12-02T11:00:00+03:00")])
        return result

    monkeypatch.setattr(snapshots_module, "experiment_counts", counts_then_a_new_lead_arrives)
    data = compute(experiment)
    assert data["leads_total"] == 1
    assert MetricSnapshot.objects.get(experiment=experiment).dirty_since is not None
    monkeypatch.setattr(snapshots_module, "experiment_counts", real)
    assert compute(experiment)["leads_total"] == 2
    assert MetricSnapshot.objects.get(experiment=experiment).dirty_since is None


def test_many_experiments_in_one_query(count_queries):
    experiments = [
        ExperimentFactory(running=True, utm_campaign=f"c{i}", start_date=START, test_period_days=30, ends_on=ENDS)
        for i in range(30)
    ]
    leads_upsert(rows=[lead(f"l{i}", "2026-12-02T10:00:00+03:00", utm=f"C{i % 30}") for i in range(90)])
    ids = [e.id for e in experiments]
    from metrics.aggregates import experiment_counts

    assert count_queries(experiment_counts, experiments) <= 2  # the counts, and the churn reasons
    counts = experiment_counts(experiments)
    assert {i: c["leads_total"] for i, c in counts.items()} == dict.fromkeys(ids, 3)


def test_metrics_endpoint_and_recompute(client_for, founder, experiment, django_capture_on_commit_callbacks):
    leads_upsert(rows=[lead("1", "2026-12-02T10:00:00+03:00", is_target=False)])
    client = client_for(founder)
    response = client.get(f"/api/v1/experiments/{experiment.id}/metrics/")
    assert response.status_code == 200
    body = response.json()
    assert body["computed_at"] is not None and body["leads_total"] == 1  # never computed: computed on read
    snapshots_recompute(experiment_ids=[experiment.id])
    body = client.get(f"/api/v1/experiments/{experiment.id}/metrics/").json()
    assert body["leads_total"] == 1 and body["non_target_share"] == 1.0 and body["computed_at"]
    for name in reference.metrics([], []):
        assert name in body
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(f"/api/v1/experiments/{experiment.id}/recompute/")
    assert response.status_code == 202 and len(callbacks) == 1
    assert client.get("/api/v1/experiments/999999/metrics/").status_code == 404
    assert client_for(None).get(f"/api/v1/experiments/{experiment.id}/metrics/").status_code == 401


# --- property: random lead sets give the reference numbers through the SQL path -------------------

_lead_created_at = st.datetimes(min_value=dt.datetime(2026, 11, 25), max_value=dt.datetime(2027, 1, 5)).map(
    lambda d: d.replace(microsecond=0, tzinfo=dt.UTC)
)
_later = st.one_of(st.none(), st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=40)))
_lead = st.fixed_dictionaries(
    {
        "created_at": _lead_created_at,
        "utm_campaign": st.sampled_from(["partner_dec", " Partner_DEC", "PARTNER_DEC ", "other", ""]),
        "is_target": st.sampled_from([None, True, False]),
        "mql": _later,
        "sql": _later,
        "won": _later,
        "churn": _later,
        "revenue": st.one_of(st.none(), st.decimals(min_value=0, max_value=100000, places=2)),
        "orders": st.one_of(st.none(), st.integers(min_value=0, max_value=5)),
        "churn_reason": st.sampled_from(["", " price ", "price", "no budget"]),
    }
)
_spend = st.fixed_dictionaries(
    {
        "amount": st.decimals(min_value=0, max_value=50000, places=2),
        "kind": st.sampled_from(["marketing", "sales"]),
        "visits": st.one_of(st.none(), st.integers(min_value=0, max_value=1000)),
    }
)


def _row(i: int, spec: dict) -> dict:
    created = spec["created_at"]
    row = {"external_id": f"h{i}", "created_at": created, "utm_campaign": spec["utm_campaign"]}
    row["is_target"] = spec["is_target"]
    for name in ("mql", "sql", "won"):
        row[f"{name}_at"] = created + spec[name] if spec[name] is not None else None
    won = row["won_at"]
    row["churned_at"] = won + spec["churn"] if won is not None and spec["churn"] is not None else None
    row["revenue"] = spec["revenue"]
    row["orders"] = spec["orders"]
    row["churn_reason"] = spec["churn_reason"]
    return row


# No deadline and no "too slow" check: on a busy machine a run's time says nothing about the code.
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=st.lists(_lead, max_size=40), spend=st.lists(_spend, max_size=5))
def test_sql_path_matches_the_reference(experiment, specs, spend):
    Lead.objects.all().delete()
    Spend.objects.all().delete()
    rows = [_row(i, spec) for i, spec in enumerate(specs)]
    api_rows = [{k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in r.items()} for r in rows]
    for r in api_rows:
        if r["revenue"] is not None:
            r["revenue"] = str(r["revenue"])
    assert set(api_rows[0]) <= set(LEAD_FIELDS) if api_rows else True
    result = leads_upsert(rows=api_rows)
    assert result.errors == []
    spend_rows = [{"experiment": experiment.id, "date": "2026-12-05", **s} for s in spend]
    assert spend_create(rows=[{**s, "amount": str(s["amount"])} for s in spend_rows]).errors == []

    cohort = [r for r in rows if reference.in_cohort(r, utm="partner_dec", start=START, ends_on=ENDS, tz=TZ)]
    expected = reference.metrics(cohort, spend_rows)
    assert compute(experiment) == expected


def test_formula_function_alone_follows_the_reference():
    counts = {
        "leads_total": 7,
        "judged_leads": 6,
        "non_target_leads": 2,
        "mql": 5,
        "sql": 3,
        "customers": 2,
        "sql_customers": 1,
        "orders": 3,
        "visits": 0,
        "churned_customers": 1,
        "revenue": Decimal("10.01"),
        "marketing_spend": Decimal("0"),
        "sales_spend": Decimal("3.33"),
        "churn_reasons": {"x": 1},
    }
    data = metrics_from_counts(counts)
    assert data["cr_visit_customer"] is None and data["romi"] is None and data["cpl"] == "0.00"
    assert data["aov"] == "3.34" and data["cac_full"] == "1.67" and data["churn_rate"] == 0.5
