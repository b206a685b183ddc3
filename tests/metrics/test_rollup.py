"""The daily roll-up (LeadDay) stays equal to the leads under every kind of write, and drift is repaired."""

import functools
from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from metrics.models import Lead, LeadDay, LeadDayChurn, MetricSnapshot
from metrics.services import leads_upsert, snapshots_recompute
from metrics.services.rollup import rollup_defer, rollup_flush
from metrics.tasks import recompute_stale_snapshots
from tests.concurrency import run_at_once
from tests.metrics.conftest import lead

pytestmark = pytest.mark.django_db

WON = {
    "mql_at": "2026-12-03T10:00:00+03:00",
    "sql_at": "2026-12-04T10:00:00+03:00",
    "won_at": "2026-12-05T10:00:00+03:00",
}


def expected_days() -> dict:
    """The roll-up computed in Python from the lead rows, the obvious way."""
    days: dict = defaultdict(lambda: defaultdict(int))
    for x in Lead.objects.all():
        d = days[(x.utm_key, x.created_date)]
        d["leads_total"] += 1
        d["judged_leads"] += x.is_target is not None
        d["non_target_leads"] += x.is_target is False
        d["mql"] += x.mql_at is not None
        d["sql"] += x.sql_at is not None
        if x.won_at is not None:
            d["customers"] += 1
            d["sql_customers"] += x.sql_at is not None
            d["orders"] += 1 if x.orders is None else x.orders
            d["revenue_cents"] += int((x.revenue or Decimal(0)) * 100)
            d["churned_customers"] += x.churned_at is not None
    return {key: {name: n for name, n in values.items() if n} for key, values in days.items()}


def expected_churn() -> dict:
    churn: dict = defaultdict(int)
    for x in Lead.objects.filter(won_at__isnull=False, churned_at__isnull=False):
        churn[(x.utm_key, x.created_date, x.churn_reason)] += 1
    return dict(churn)


def actual_churn() -> dict:
    rows = LeadDayChurn.objects.filter(churned__gt=0).values_list("utm_key", "created_date", "churn_reason", "churned")
    return {(key, day, reason): n for key, day, reason, n in rows}


def actual_days() -> dict:
    names = ("leads_total", "judged_leads", "non_target_leads", "mql", "sql", "customers", "sql_customers")
    names += ("orders", "revenue_cents", "churned_customers")
    return {
        (row["utm_key"], row["created_date"]): {name: row[name] for name in names if row[name]}
        for row in LeadDay.objects.values("utm_key", "created_date", *names)
        if row["leads_total"]  # a day whose leads all moved away may stay as a row of zeros
    }


def test_roll_up_follows_inserts_changes_moves_and_deletes(experiment):
    leads_upsert(
        rows=[
            lead("a", "2026-12-02T10:00:00+03:00", is_target=True, **WON, revenue="10.05", orders=2),
            lead("b", "2026-12-02T11:00:00+03:00", is_target=False),
            lead("c", "2026-12-03T10:00:00+03:00", utm=" Partner_DEC"),
            lead("d", "2026-12-04T10:00:00+03:00", utm="other", **WON, revenue="3.30"),
        ]
    )
    assert actual_days() == expected_days() and actual_churn() == expected_churn()
    assert actual_days()[("partner_dec", Lead.objects.get(external_id="a").created_date)]["revenue_cents"] == 1005
    # A changed funnel, a move to another campaign and day, a churn.
    leads_upsert(
        rows=[
            lead(
                "a",
                "2026-12-02T10:00:00+03:00",
                is_target=True,
                **WON,
                revenue="10.05",
                churned_at="2026-12-20T10:00:00+03:00",
                churn_reason=" price " + "x" * 3000,  # longer than a btree index entry may be
            ),
            lead("e", "2026-12-03T10:00:00+03:00", **WON, churned_at="2026-12-21T10:00:00+03:00"),
            lead("b", "2026-12-09T11:00:00+03:00", utm="other", is_target=True),
            lead("d", "2026-12-04T10:00:00+03:00", utm="partner_dec"),
        ]
    )
    assert actual_days() == expected_days() and actual_churn() == expected_churn()
    assert len(actual_churn()) == 2
    Lead.objects.filter(external_id="c").update(is_target=False, utm_key="other")  # a write outside the services
    assert actual_days() == expected_days() and actual_churn() == expected_churn()
    Lead.objects.filter(external_id__in=["a", "b"]).delete()
    assert actual_days() == expected_days() and actual_churn() == expected_churn()
    data = snapshots_recompute(experiment_ids=[experiment.id])[experiment.id].data
    assert data["leads_total"] == 2 and data["revenue"] == "0.00"
    assert data["churn_reasons"] == {"unspecified": 1} and data["churned_customers"] == 1


def test_drift_is_repaired_by_the_command_and_by_the_sweep(experiment):
    leads_upsert(rows=[lead(f"r{i}", "2026-12-02T10:00:00+03:00", **WON, revenue="1.10") for i in range(3)])
    truth = expected_days()
    LeadDay.objects.update(leads_total=99, revenue_cents=0)  # drift, e.g. a bulk fix with triggers off
    LeadDayChurn.objects.create(utm_key="partner_dec", created_date="2026-12-02", churn_reason="ghost", churned=5)
    assert actual_days() != truth and actual_churn() != expected_churn()
    call_command("metrics_rebuild_rollup", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert actual_days() == truth and actual_churn() == expected_churn() == {}
    LeadDay.objects.update(leads_total=99)
    MetricSnapshot.objects.filter(experiment=experiment).update(dirty_since="2026-12-02T10:00:00+03:00")
    assert recompute_stale_snapshots() >= 1
    assert actual_days() == truth
    snapshot = MetricSnapshot.objects.get(experiment=experiment)
    assert snapshot.data["leads_total"] == 3 and snapshot.data["revenue"] == "3.30"


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row-level concurrency needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_upserts_of_the_same_leads_keep_the_roll_up_exact(marketer, experiment):
    assert connection.vendor == "postgresql"

    # Four writers post different versions of the same leads (and some of their own) at once:
    # whichever version wins, the roll-up must describe the rows as they end up.
    def version(n: int) -> list[dict]:
        extra = {**WON, "churned_at": "2026-12-20T10:00:00+03:00", "churn_reason": f"r{n % 3}"} if n % 2 else {}
        shared = [
            lead(f"s{i:03d}", f"2026-12-{2 + (i + n) % 5:02d}T10:00:00+03:00", is_target=(i + n) % 3 == 0, **extra)
            for i in range(300)
        ]
        own = [lead(f"o{n}-{i:03d}", "2026-12-08T10:00:00+03:00") for i in range(100)]
        return shared[::-1] + own if n % 2 else shared + own

    def post(n):
        for _ in range(2):
            leads_upsert(rows=version(n), by=None)

    _, failures = run_at_once(*(functools.partial(post, n) for n in range(4)))
    assert failures == []
    assert Lead.objects.count() == 700
    assert actual_days() == expected_days() and actual_churn() == expected_churn()


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="deferral is PostgreSQL's (SQLite keeps row triggers)")
def test_a_deferred_roll_up_moves_at_the_flush_and_a_rollback_undoes_it(experiment):
    leads_upsert(rows=[lead("a", "2026-12-02T10:00:00+03:00", **WON, revenue="2.00")])
    before = actual_days()
    with connection.cursor() as cursor:
        rollup_defer(cursor)
        leads_upsert(rows=[lead("b", "2026-12-02T11:00:00+03:00"), lead("a", "2026-12-03T10:00:00+03:00", utm="x")])
        assert actual_days() == before  # deltas wait in the transaction's pending table
        # The savepoint's leads and their pending deltas are gone together.
        with pytest.raises(RuntimeError), transaction.atomic():
            leads_upsert(rows=[lead("c", "2026-12-04T10:00:00+03:00", **WON, churned_at="2026-12-09T10:00")])
            raise RuntimeError
        rollup_flush(cursor)
        assert actual_days() == expected_days() != before and actual_churn() == expected_churn()
        leads_upsert(rows=[lead("d", "2026-12-05T10:00:00+03:00")])  # deferral ended with the flush
        assert actual_days() == expected_days()
        rollup_flush(cursor)  # nothing deferred: a no-op
    assert actual_days() == expected_days() and actual_churn() == expected_churn()
