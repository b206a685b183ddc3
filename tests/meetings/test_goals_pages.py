"""The goals page: actual against target with a direction-aware bar, the founder's form, and the
founder's corrections and deletions."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from meetings.models import Goal
from meetings.services.goals import goal_create
from meetings.services.meetings import meeting_hold
from tests.scenarios import at

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
        # A rate is typed as percent: 500% is 5 as a fraction.
        URL,
        {"metric": "churn_rate", "period_start": "2026-12-01", "period_end": "2027-01-01", "target": "500"},
    )
    assert "between 0 and 1" in rate.context["form"].errors["target"][0]
    assert 'id="id_target_errors"' in rate.content.decode()
    assert not Goal.objects.exists()


def test_form_refuses_missing_fields_and_unknown_metrics(web_client, founder):
    response = web_client(founder).post(URL, {"metric": "happiness", "period_start": "", "target": "x"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"metric", "period_start", "period_end", "target"}


def test_query_count_does_not_grow_with_goals_of_one_period(web_client, founder, count_queries):
    start, end = _this_month()
    client = web_client(founder)
    goal_create(by=founder, metric="mql", target=Decimal("10"), period_start=start, period_end=end)
    few = count_queries(client.get, URL)
    for metric in ("sql", "cpl", "revenue", "customers", "churn_rate", "leads_total"):
        goal_create(by=founder, metric=metric, target=Decimal("1"), period_start=start, period_end=end)
    assert len(client.get(URL).context["rows"]) == 7
    assert count_queries(client.get, URL) == few


# --- correcting and deleting a goal ------------------------------------------------------------

DECEMBER = {"period_start": dt.date(2026, 12, 1), "period_end": dt.date(2027, 1, 1)}


@pytest.fixture
def goal(founder) -> Goal:
    return goal_create(by=founder, metric="revenue", target=Decimal("5000.00"), **DECEMBER)


def _edit(goal: Goal) -> str:
    return reverse("web:goal-edit", args=[goal.pk])


def _delete(goal: Goal) -> str:
    return reverse("web:goal-delete", args=[goal.pk])


@pytest.mark.parametrize(
    ("role", "can_set"),
    [("marketer", False), ("marketing_head", False), ("sales_head", False), ("founder", True), ("admin", True)],
)
def test_edit_and_delete_links_only_for_founder_and_admin(web_client, users, goal, role, can_set):
    html = web_client(users[role]).get(URL).content.decode()
    assert (f'href="{_edit(goal)}"' in html) is can_set
    assert (f'href="{_delete(goal)}"' in html) is can_set


def test_edit_form_is_prefilled_in_the_metrics_precision(web_client, founder, goal):
    response = web_client(founder).get(_edit(goal))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<option value="revenue" selected>' in html
    assert 'value="2026-12-01"' in html and 'value="2027-01-01"' in html
    assert 'name="target" value="5000.00"' in html
    assert "Edit the goal: Revenue" in html


def test_founder_corrects_a_goal(web_client, founder, goal):
    client = web_client(founder)
    data = {"metric": "revenue", "period_start": "2026-11-01", "period_end": "2026-12-01", "target": "4500.50"}
    response = client.post(_edit(goal), data)
    assert response.status_code == 302
    assert response["Location"] == URL
    goal.refresh_from_db()
    assert (goal.period_start, goal.period_end, goal.target) == (
        dt.date(2026, 11, 1),
        dt.date(2026, 12, 1),
        Decimal("4500.50"),
    )
    html = client.get(URL).content.decode()
    assert "The goal is saved." in html
    assert "11/30/2026" in html  # the new last day


def test_a_correction_shows_the_services_words_on_its_fields(web_client, founder, goal):
    data = {"metric": "mql", "period_start": "2026-12-01", "period_end": "2026-11-01", "target": "5000.50"}
    response = web_client(founder).post(_edit(goal), data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "must be after its start" in errors["period_end"][0]
    assert "whole number" in errors["target"][0]
    assert 'id="id_target_errors"' in response.content.decode()
    missing = web_client(founder).post(_edit(goal), {"metric": "happiness", "target": "x"})
    assert set(missing.context["form"].errors) == {"metric", "period_start", "period_end", "target"}
    goal.refresh_from_db()
    assert (goal.metric, goal.target, goal.period_end) == ("revenue", Decimal("5000.00"), DECEMBER["period_end"])


def test_delete_asks_to_confirm_and_only_a_post_deletes(web_client, founder, goal):
    client = web_client(founder)
    response = client.get(_delete(goal))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Delete the goal?" in html
    assert 'method="post"' in html and "csrfmiddlewaretoken" in html
    assert "Revenue" in html and "5,000.00" in html
    assert Goal.objects.filter(pk=goal.pk).exists()
    response = client.post(_delete(goal))
    assert response.status_code == 302
    assert response["Location"] == URL
    assert not Goal.objects.filter(pk=goal.pk).exists()
    html = client.get(URL).content.decode()
    assert "The goal is deleted." in html
    assert "No goals yet." in html


def test_delete_without_the_csrf_token_is_refused(founder, goal):
    client = Client(enforce_csrf_checks=True)
    client.force_login(founder)
    assert client.post(_delete(goal)).status_code == 403
    assert Goal.objects.filter(pk=goal.pk).exists()


@pytest.mark.parametrize("role", ["marketer", "marketing_head", "sales_head"])
def test_others_are_refused_on_the_server(web_client, users, goal, role):
    client = web_client(users[role])
    data = {"metric": "mql", "period_start": "2026-12-01", "period_end": "2027-01-01", "target": "1"}
    assert client.get(_edit(goal)).status_code == 403
    assert client.post(_edit(goal), data).status_code == 403
    assert client.get(_delete(goal)).status_code == 403
    response = client.post(_delete(goal))
    assert response.status_code == 403
    assert "founder or an administrator" in response.content.decode()
    goal.refresh_from_db()
    assert (goal.metric, goal.target) == ("revenue", Decimal("5000.00"))


@pytest.mark.parametrize("name", ["web:goal-edit", "web:goal-delete"])
def test_an_unknown_goal_is_404(web_client, founder, name):
    assert web_client(founder).get(reverse(name, args=[987654])).status_code == 404


def test_other_methods_are_not_allowed(web_client, founder, goal):
    client = web_client(founder)
    assert client.put(_edit(goal)).status_code == 405
    assert client.delete(_delete(goal)).status_code == 405
    assert Goal.objects.filter(pk=goal.pk).exists()


def test_a_meeting_page_keeps_a_goal_deleted_later(web_client, founder, month):
    meeting = month["founder"]
    with at(dt.date(2026, 12, 15), hour=10):  # the meeting is held: its agenda is kept from then on
        meeting_hold(meeting=meeting, by=founder)
    meeting.refresh_from_db()
    [shown] = meeting.agenda["goals"]
    client = web_client(founder)
    assert client.post(reverse("web:goal-delete", args=[shown["id"]])).status_code == 302
    assert client.get(reverse("web:meeting-list")).status_code == 200
    response = client.get(reverse("web:meeting-detail", args=[meeting.pk]))
    assert response.status_code == 200
    goals = response.content.decode().split('id="goals-title"')[1].split("</section>")[0]
    assert "MQL" in goals and 'role="progressbar"' in goals


def test_edit_and_delete_pages_in_russian(web_client, founder, goal):
    client = web_client(founder)
    client.post(reverse("set_language"), {"language": "ru", "next": "/"})
    html = client.get(URL).content.decode()
    assert "Изменить" in html and "Удалить" in html
    assert "Изменить цель: Выручка" in client.get(_edit(goal)).content.decode()
    assert "Удалить цель?" in client.get(_delete(goal)).content.decode()
    response = client.post(_delete(goal), follow=True)
    assert "Цель удалена." in response.content.decode()


def test_page_queries_grow_neither_with_goals_nor_with_periods(web_client, founder, count_queries):
    client = web_client(founder)
    for metric in ("mql", "sql"):
        goal_create(by=founder, metric=metric, target=Decimal("1"), **DECEMBER)
    one_period = count_queries(client.get, URL)
    for month in range(1, 12):
        period = {"period_start": dt.date(2026, month, 1), "period_end": dt.date(2026, month + 1, 1)}
        for metric in ("sql", "cpl", "revenue"):
            goal_create(by=founder, metric=metric, target=Decimal("1"), **period)
    assert count_queries(client.get, URL) == one_period
