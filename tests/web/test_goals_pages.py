"""The goals page: actual against target with a direction-aware bar, and the founder's form."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from experiments.models import Goal
from experiments.services.goals import goal_create
from tests.web.test_pages import _queries

pytestmark = pytest.mark.django_db

URL = "/goals/"


def _this_month() -> tuple[dt.date, dt.date]:
    start = timezone.localdate().replace(day=1)
    return start, (start + dt.timedelta(days=32)).replace(day=1)


def _leads(count: int, non_target: int = 0) -> None:
    from metrics.services import leads_upsert

    now = timezone.localtime().isoformat()
    leads_upsert(
        rows=[
            {"external_id": f"G-{i}", "created_at": now, "is_target": i >= non_target, "mql_at": now}
            for i in range(count)
        ]
    )


def test_anonymous_user_is_sent_to_the_login_page(web_client):
    response = web_client(None).get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_empty_page_says_who_sets_goals(web_client, marketer):
    html = web_client(marketer).get(URL).content.decode()
    assert "No goals yet." in html
    assert 'name="target"' not in html


def test_goals_show_actual_against_target_direction_aware(web_client, founder, marketer):
    start, end = _this_month()
    _leads(4, non_target=1)  # 4 MQL, non-target share 25%
    goal_create(by=founder, metric="mql", target=Decimal("10"), period_start=start, period_end=end)
    goal_create(by=founder, metric="non_target_share", target=Decimal("0.3"), period_start=start, period_end=end)
    goal_create(by=founder, metric="leads_total", target=Decimal("2"), period_start=start, period_end=end)
    response = web_client(marketer).get(URL)
    rows = {row["metric"]: row for row in response.context["rows"]}
    # 4 of 10 MQL: not met yet, 40% of the bar.
    assert (rows["mql"]["met"], rows["mql"]["bar"]) == (False, 0.4)
    # A share of 25% against "at most 30%" is met although the actual is below the target.
    assert rows["non_target_share"]["direction"] == "at_most"
    assert rows["non_target_share"]["met"] is True
    # 4 leads against 2: met, and the bar is full rather than overflowing.
    assert (rows["leads_total"]["met"], rows["leads_total"]["bar"]) == (True, 1.0)
    html = response.content.decode()
    mql = html.split("<strong>MQL</strong>")[1].split("</li>")[0].replace("\n", "")
    assert "<strong>4</strong> / 10" in mql
    assert 'aria-valuenow="40.0"' in mql
    assert "not met yet" in mql
    share = html.split("<strong>Non-target share</strong>")[1].split("</li>")[0]
    assert "at most" in share and "progress-done" in share and "✓ met" in share


def test_goal_over_an_at_most_target_shows_as_over(web_client, founder):
    start, end = _this_month()
    _leads(4, non_target=3)  # 75% non-target
    goal_create(by=founder, metric="non_target_share", target=Decimal("0.3"), period_start=start, period_end=end)
    html = web_client(founder).get(URL).content.decode()
    assert "progress-failed" in html
    assert "over the target" in html


@pytest.mark.parametrize(
    ("role", "can_set"), [("marketer", False), ("sales_head", False), ("founder", True), ("admin", True)]
)
def test_form_only_for_founder_and_admin(web_client, users, role, can_set):
    html = web_client(users[role]).get(URL).content.decode()
    assert ('name="target"' in html) is can_set


def test_marketer_cannot_set_a_goal(web_client, marketer):
    start, end = _this_month()
    response = web_client(marketer).post(
        URL, {"metric": "mql", "period_start": start, "period_end": end, "target": "400"}
    )
    assert response.status_code == 403
    assert not Goal.objects.exists()


def test_founder_sets_a_goal(web_client, founder):
    client = web_client(founder)
    response = client.post(
        URL, {"metric": "mql", "period_start": "2026-12-01", "period_end": "2027-01-01", "target": "400"}
    )
    assert response.status_code == 302
    goal = Goal.objects.get()
    assert (goal.metric, goal.target, goal.created_by) == ("mql", Decimal("400"), founder)
    html = client.get(URL).content.decode()
    assert "The goal is set." in html
    assert "<strong>MQL</strong>" in html
    assert "12/31/2026" in html  # the last day of the period, the end being excluded


def test_service_errors_are_shown_on_their_fields(web_client, founder):
    response = web_client(founder).post(
        URL, {"metric": "mql", "period_start": "2026-12-01", "period_end": "2026-11-01", "target": "10.5"}
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "must be after its start" in errors["period_end"][0]
    assert "whole number" in errors["target"][0]
    assert "metric" not in errors
    rate = web_client(founder).post(
        URL, {"metric": "churn_rate", "period_start": "2026-12-01", "period_end": "2027-01-01", "target": "5"}
    )
    assert "between 0 and 1" in rate.context["form"].errors["target"][0]
    assert 'id="id_target_errors"' in rate.content.decode()
    assert not Goal.objects.exists()


def test_form_refuses_missing_fields_and_unknown_metrics(web_client, founder):
    response = web_client(founder).post(URL, {"metric": "happiness", "period_start": "", "target": "x"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"metric", "period_start", "period_end", "target"}


def test_query_count_does_not_grow_with_goals_of_one_period(web_client, founder):
    start, end = _this_month()
    client = web_client(founder)
    goal_create(by=founder, metric="mql", target=Decimal("10"), period_start=start, period_end=end)
    few = _queries(client, URL)
    for metric in ("sql", "cpl", "revenue", "customers", "churn_rate", "leads_total"):
        goal_create(by=founder, metric=metric, target=Decimal("1"), period_start=start, period_end=end)
    assert len(client.get(URL).context["rows"]) == 7
    assert _queries(client, URL) == few
