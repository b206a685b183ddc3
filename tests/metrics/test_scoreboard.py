"""GET /api/v1/scoreboard/: period cohorts, spend by date, period churn, channels."""

import datetime as dt
from decimal import Decimal

import pytest

from metrics.selectors import experiment_daily_leads, scoreboard, scoreboard_totals
from metrics.services import leads_upsert, spend_create
from tests.factories import ChannelFactory, ExperimentFactory
from tests.metrics import reference
from tests.metrics.conftest import lead

pytestmark = pytest.mark.django_db

DEC1, JAN1 = dt.date(2026, 12, 1), dt.date(2027, 1, 1)


@pytest.fixture
def setup(experiment, channel):
    search = ChannelFactory(slug="paid-search", name="Paid search")
    other = ExperimentFactory.create(
        running=True, channel=search, utm_campaign="Search_Q4", start_date=dt.date(2026, 10, 1)
    )
    leads_upsert(
        rows=[
            # December leads of the partner experiment (by utm) and of search (by the lead's own channel).
            lead(
                "p1",
                "2026-12-02T10:00:00+03:00",
                is_target=True,
                mql_at="2026-12-02T12:00:00+03:00",
                sql_at="2026-12-03T12:00:00+03:00",
                won_at="2026-12-04T12:00:00+03:00",
                revenue="900.00",
            ),
            lead("p2", "2026-12-31T23:30:00+03:00", is_target=False),
            lead("s1", "2026-12-10T10:00:00+03:00", utm="search_q4"),
            lead("s2", "2026-12-11T10:00:00+03:00", utm="partner_dec", channel="paid-search"),
            lead("n1", "2026-12-12T10:00:00+03:00", utm="newsletter"),
            # Outside the period: January (local date), and November customers for churn.
            lead("late", "2027-01-01T00:10:00+03:00"),
            lead(
                "old-active",
                "2026-10-02T10:00:00+03:00",
                utm="search_q4",
                won_at="2026-10-05T10:00:00+03:00",
                churned_at="2026-12-15T10:00:00+03:00",
                churn_reason="price",
            ),
            lead("old-kept", "2026-10-02T10:00:00+03:00", utm="search_q4", won_at="2026-10-05T10:00:00+03:00"),
            lead(
                "old-gone",
                "2026-10-02T10:00:00+03:00",
                utm="search_q4",
                won_at="2026-10-05T10:00:00+03:00",
                churned_at="2026-11-15T10:00:00+03:00",
            ),
        ]
    )
    spend_create(
        rows=[
            {"experiment": experiment.id, "date": "2026-12-05", "amount": "300.00", "kind": "marketing", "visits": 10},
            {"experiment": experiment.id, "date": "2027-01-05", "amount": "999.00", "kind": "marketing"},
            {"experiment": other.id, "date": "2026-12-06", "amount": "100.00", "kind": "sales"},
        ]
    )
    return experiment, other


def test_scoreboard_totals(setup):
    board = scoreboard(date_from=DEC1, date_to=JAN1)
    m, s = board["marketing"], board["sales"]
    assert m["leads_total"] == 5  # p1, p2, s1, s2, n1
    assert (m["judged_leads"], m["non_target_leads"], m["mql"], m["sql"], m["customers"]) == (2, 1, 1, 1, 1)
    assert m["marketing_spend"] == "300.00" and m["sales_spend"] == "100.00"
    assert m["cpl"] == "60.00" and m["cac_full"] == "400.00" and m["non_target_share"] == 0.5
    assert s["revenue"] == "900.00" and s["visits"] == 10 and s["cr_visit_customer"] == 0.1
    # Period churn: old-active churned in December; active at Dec 1 were old-active and old-kept.
    assert s["churned_customers"] == 1 and s["active_customers_at_start"] == 2 and s["churn_rate"] == 0.5
    assert s["churn_reasons"] == {"price": 1}


PERIODS = [
    (DEC1, JAN1),
    (dt.date(2026, 10, 1), dt.date(2026, 11, 1)),  # the old customers' cohort
    (dt.date(2026, 11, 1), dt.date(2026, 12, 1)),  # old-gone churned
    (dt.date(2026, 12, 15), dt.date(2026, 12, 16)),  # one day: old-active churned that day
    (dt.date(2026, 1, 1), dt.date(2028, 1, 1)),  # everything
    (dt.date(2025, 1, 1), dt.date(2025, 2, 1)),  # nothing
    (DEC1, JAN1),  # asked twice, computed once
]


def test_totals_of_many_periods_at_once_equal_each_periods_scoreboard(setup):
    totals = scoreboard_totals(periods=PERIODS)
    assert list(totals) == list(dict.fromkeys(PERIODS))
    for (date_from, date_to), board in totals.items():
        one = scoreboard(date_from=date_from, date_to=date_to)
        for zone in ("marketing", "sales"):
            assert board[zone] == one[zone], (date_from, date_to, zone)
        assert (board["from"], board["to"], board["channel"]) == (one["from"], one["to"], None)
    assert totals[(DEC1, JAN1)]["sales"]["churn_rate"] == 0.5
    assert totals[(dt.date(2025, 1, 1), dt.date(2025, 2, 1))]["marketing"]["leads_total"] == 0
    assert scoreboard_totals(periods=[]) == {}


def test_scoreboard_by_channel_and_filter(setup, client_for, founder):
    board = scoreboard(date_from=DEC1, date_to=JAN1)
    by = {row["channel"]: row for row in board["by_channel"]}
    assert set(by) == {"partner-mailings", "paid-search", None}
    assert by["partner-mailings"]["marketing"]["leads_total"] == 2
    assert by["paid-search"]["marketing"]["leads_total"] == 2  # s1 by utm, s2 by its own channel
    assert by[None]["marketing"]["leads_total"] == 1
    assert by["paid-search"]["sales"]["churn_rate"] == 0.5

    response = client_for(founder).get(
        "/api/v1/scoreboard/", {"from": "2026-12-01", "to": "2027-01-01", "channel": "paid-search"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["from"] == "2026-12-01" and body["to"] == "2027-01-01"
    assert body["marketing"]["leads_total"] == 2 and body["marketing"]["marketing_spend"] == "0.00"
    assert body["marketing"]["sales_spend"] == "100.00"
    assert [row["channel"] for row in body["by_channel"]] == ["paid-search"]


def test_scoreboard_zone_metrics_follow_the_reference(setup):
    board = scoreboard(date_from=DEC1, date_to=JAN1, channel="partner-mailings")
    ref = reference.metrics(
        [
            {"is_target": True, "mql_at": 1, "sql_at": 1, "won_at": 1, "revenue": Decimal("900")},
            {"is_target": False},
        ],
        [{"amount": Decimal("300"), "kind": "marketing", "visits": 10}],
        churn_base=0,
    )
    # Every reference metric is on the board, in one zone or both: none escapes the comparison.
    assert ref.keys() <= board["marketing"].keys() | board["sales"].keys()
    for zone in ("marketing", "sales"):
        shared = board[zone].keys() & ref.keys()
        assert {name: board[zone][name] for name in shared} == {name: ref[name] for name in shared}, zone


def test_scoreboard_query_validation(client_for, founder):
    client = client_for(founder)
    assert client.get("/api/v1/scoreboard/").status_code == 400
    bad = client.get("/api/v1/scoreboard/", {"from": "2026-12-10", "to": "2026-12-01"})
    assert bad.status_code == 400 and "to" in bad.json()
    assert (
        client.get("/api/v1/scoreboard/", {"from": "2026-12-01", "to": "2027-01-01", "channel": "nope"}).status_code
        == 400
    )
    empty = client.get("/api/v1/scoreboard/", {"from": "2026-12-01", "to": "2027-01-01"}).json()
    assert empty["marketing"]["leads_total"] == 0 and empty["sales"]["churn_rate"] is None
    assert empty["by_channel"] == []
    assert client_for(None).get("/api/v1/scoreboard/", {"from": "2026-12-01", "to": "2027-01-01"}).status_code == 401


def test_experiment_daily_leads(setup):
    experiment, _ = setup
    # p2 (Dec 31) is on ends_on, outside the cohort; s2 carries the experiment's utm_campaign.
    assert experiment_daily_leads(experiment=experiment) == [
        {"date": dt.date(2026, 12, 2), "leads": 1, "non_target": 0, "judged": 1},
        {"date": dt.date(2026, 12, 11), "leads": 1, "non_target": 0, "judged": 0},
    ]
