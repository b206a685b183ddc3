"""Verdicts only when they mean something, on the pages: no ✗ on launch day, none for a cancelled
draft, "no spend data" instead of a cost of nothing, goals on pace, and the month so far beside the
same days of the month before."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from experiments.models import Experiment
from meetings.services.goals import goal_create
from metrics.services import leads_upsert
from tests.factories import ExperimentFactory
from tests.pages import snapshot_for
from tests.scenarios import at, moment

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 12, 10)


def _targets(html: str) -> str:
    return html.split('id="targets-title"')[1].split("</table>")[0]


def test_launch_day_shows_pace_and_no_cross(web_client, founder, marketer):
    with at(DAY):
        experiment = ExperimentFactory(
            running=True, owner=marketer, start_date=DAY, test_period_days=30, targets={"min_mql": 40}
        )
        snapshot_for(experiment, mql=0)
        client = web_client(founder)
        detail = client.get(reverse("web:experiment-detail", args=[experiment.pk])).content.decode()
        listing = client.get(reverse("web:experiment-list")).content.decode()
        dashboard = client.get("/").content.decode()
    targets = _targets(detail)
    assert "Min MQL" in targets and "on track · 0 expected by today" in targets
    assert "✗" not in targets and "not met" not in targets
    for page in (listing, dashboard):
        line = page.split("target-lines")[1].split("</ul>")[0]
        assert "Min MQL 40" in line and "on track" in line and "✗" not in line


def test_mid_period_a_count_behind_its_pace_is_behind_not_missed(web_client, founder, marketer):
    with at(DAY):
        experiment = ExperimentFactory(
            running=True, owner=marketer, start_date=DAY - dt.timedelta(days=15), test_period_days=30,
            targets={"min_mql": 40},
        )  # fmt: skip
        snapshot_for(experiment, mql=5)
        html = web_client(founder).get(reverse("web:experiment-detail", args=[experiment.pk])).content.decode()
    targets = _targets(html)
    assert "behind · 20 expected by today" in targets and "✗" not in targets


@pytest.mark.parametrize("status", [Experiment.Status.CANCELLED, Experiment.Status.DRAFT])
def test_a_cancelled_or_draft_experiment_shows_no_verdict(web_client, founder, marketer, status):
    # Its period lies in the past: a verdict would be final if there were one.
    experiment = ExperimentFactory(
        owner=marketer, status=status, start_date=dt.date(2026, 1, 1), targets={"min_mql": 40, "max_cpl": "10.00"}
    )
    snapshot_for(experiment, mql=0, cpl="5.00", marketing_spend="5.00")
    html = web_client(founder).get(reverse("web:experiment-detail", args=[experiment.pk])).content.decode()
    targets = _targets(html)
    assert targets.count("no verdict") == 2
    assert "✗" not in targets and "✓" not in targets


def test_costs_without_marketing_spend_read_no_spend_data(web_client, founder, marketer):
    experiment = ExperimentFactory(
        running=True, owner=marketer, start_date=dt.date(2026, 1, 1), targets={"max_cpl": "1500.00"}
    )  # its period is over: a met target would show ✓
    snapshot_for(experiment, leads_total=10, cpl="0.00", cac=None, romi=None, marketing_spend="0.00")
    html = web_client(founder).get(reverse("web:experiment-detail", args=[experiment.pk])).content.decode()
    targets = _targets(html)
    assert "no spend data" in targets and "✓" not in targets
    kpis = html.split('class="kpis"')[1].split("</dl>")[0]
    assert kpis.count("no spend data") == 3  # CPL, CAC, ROMI
    assert "<dt>CPL</dt><dd>no spend data</dd>" in kpis


def _mql_leads(day: dt.date, count: int, prefix: str) -> None:
    rows = [
        {"external_id": f"{prefix}-{i}", "created_at": moment(day, 9), "mql_at": moment(day, 10)} for i in range(count)
    ]
    assert leads_upsert(rows=rows).errors == []


def test_a_goal_on_the_first_of_the_month_shows_pace_not_a_miss(web_client, founder, client_for):
    first = dt.date(2026, 12, 1)
    _mql_leads(first, 172, "G")
    goal = goal_create(
        by=founder, metric="mql", target=Decimal("400"), period_start=first, period_end=dt.date(2027, 1, 1)
    )
    with at(first):
        html = web_client(founder).get("/goals/").content.decode()
        body = client_for(founder).get(f"/api/v1/goals/{goal.pk}/").json()
    item = html.split("<strong>MQL</strong>")[1].split("</li>")[0]
    assert "✗" not in item and "on track · 0 expected by today" in item
    assert body["met"] is False  # 172 < 400, as before
    assert body["pace"] == {
        "state": "on_track",
        "final": False,
        "so_far": False,
        "expected": 0.0,
        "elapsed_days": 0,
        "period_days": 31,
    }
    with at(dt.date(2026, 12, 16)):
        assert client_for(founder).get(f"/api/v1/goals/{goal.pk}/").json()["pace"]["state"] == "behind"
    with at(dt.date(2027, 1, 2)):
        html = web_client(founder).get("/goals/").content.decode()
        body = client_for(founder).get(f"/api/v1/goals/{goal.pk}/").json()
    assert "✗ not met" in html.split("<strong>MQL</strong>")[1].split("</li>")[0]
    assert (body["pace"]["state"], body["pace"]["final"]) == ("missed", True)


def test_the_month_so_far_is_compared_with_the_same_days_of_the_month_before(web_client, founder):
    _mql_leads(dt.date(2026, 11, 3), 2, "N3")  # within Nov 1..5
    _mql_leads(dt.date(2026, 11, 20), 5, "N20")  # later in November: not the same days
    _mql_leads(dt.date(2026, 12, 2), 3, "D2")
    with at(dt.date(2026, 12, 5)):
        client = web_client(founder)
        dashboard = client.get("/")
        board = client.get(reverse("web:scoreboard"))
    kpis = {k["name"]: k for k in dashboard.context["month"]["kpis"]}
    assert (kpis["leads_total"]["now"]["leads_total"], kpis["leads_total"]["before"]["leads_total"]) == (3, 2)
    html = dashboard.content.decode()
    assert "<dt>Leads</dt><dd>3</dd>" in html
    assert "same days last month: </span>2</dd>" in html
    # ROMI with no spend on either side reads "no spend data", not -100% or a dash.
    assert kpis["romi"]["now"]["marketing_spend"] == "0.00"
    assert "<dt>ROMI</dt><dd>no spend data</dd>" in html
    rows = {row["name"]: row for row in board.context["board"]["marketing"]}
    assert (rows["leads_total"]["value"], rows["leads_total"]["previous"]) == (3, 2)
    assert "Same days last month" in board.content.decode()


def test_the_scoreboard_compares_only_the_month_so_far(web_client, founder):
    with at(dt.date(2026, 12, 5)):
        page = web_client(founder).get(reverse("web:scoreboard"), {"date_from": "2026-11-01", "date_to": "2026-12-01"})
    assert page.context["board"]["previous"] is None
    assert "previous" not in page.context["board"]["marketing"][0]
