"""Founder goals: the service's rules, the API (api.md, goals) with actual and progress, corrections
and deletions, the admin."""

import datetime as dt
import functools
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test import Client

from meetings import selectors as meeting_selectors
from meetings.models import Goal
from meetings.services.goals import goal_create, goal_delete, goal_update
from meetings.services.meetings import meeting_hold
from metrics.selectors import scoreboard_totals
from metrics.services import leads_upsert
from tests.concurrency import run_at_once
from tests.scenarios import at

pytestmark = pytest.mark.django_db

DECEMBER = {"period_start": dt.date(2026, 12, 1), "period_end": dt.date(2027, 1, 1)}


def december_leads(count: int, *, mql: int = 0, won: int = 0, revenue: str = "1000.00", prefix: str = "g") -> None:
    """`count` leads created in December 2026 (Moscow time), the first `mql` qualified, the first `won` bought."""
    rows = []
    for i in range(count):
        created = dt.datetime(2026, 12, 2 + i % 20, 12, tzinfo=dt.UTC)
        row = {"external_id": f"{prefix}{i}", "created_at": created.isoformat(), "utm_campaign": "goal_test"}
        if i < mql:
            row["mql_at"] = (created + dt.timedelta(hours=1)).isoformat()
        if i < won:
            row["won_at"] = (created + dt.timedelta(hours=2)).isoformat()
            row["revenue"] = revenue
        rows.append(row)
    assert leads_upsert(rows=rows).errors == []


# --- the service -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["founder", "admin"])
def test_founder_and_admin_set_goals(users, role):
    goal = goal_create(by=users[role], metric="mql", target=Decimal("400"), **DECEMBER)
    assert (goal.metric, goal.target, goal.created_by) == ("mql", Decimal("400"), users[role])
    assert Goal.objects.count() == 1


@pytest.mark.parametrize("role", ["marketer", "other_marketer", "marketing_head", "sales_head"])
def test_other_roles_cannot_set_goals(users, role):
    with pytest.raises(PermissionDenied, match="founder or an administrator"):
        goal_create(by=users[role], metric="mql", target=Decimal("400"), **DECEMBER)
    assert not Goal.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"metric": "happiness"}, "metric", "Choose one of the department metrics"),
        ({"metric": "churn_reasons"}, "metric", "Choose one of the department metrics"),
        ({"period_end": dt.date(2026, 12, 1)}, "period_end", "must be after its start"),
        ({"period_end": dt.date(2026, 11, 1)}, "period_end", "must be after its start"),
        ({"target": Decimal("-1")}, "target", "cannot be negative"),
        ({"target": Decimal("10.5")}, "target", "whole number"),
        ({"metric": "cr_overall", "target": Decimal("1.5")}, "target", "between 0 and 1"),
        ({"metric": "revenue", "target": Decimal("10.005")}, "target", "2 decimal places"),
        ({"target": "lots"}, "target", "as a number"),
    ],
)
def test_goal_fields_are_validated_in_plain_words(founder, fields, field, words):
    values = {"metric": "mql", "target": Decimal("400"), **DECEMBER, **fields}
    with pytest.raises(ValidationError) as refused:
        goal_create(by=founder, **values)
    assert words in " ".join(refused.value.message_dict[field])
    assert not Goal.objects.exists()


def test_a_rate_and_a_money_target_are_accepted(founder):
    assert goal_create(by=founder, metric="cr_overall", target=Decimal("0.25"), **DECEMBER).target == Decimal("0.25")
    revenue = goal_create(by=founder, metric="revenue", target=Decimal("5000000.00"), **DECEMBER)
    assert revenue.target == Decimal("5000000")


@pytest.fixture
def goal(founder) -> Goal:
    """400 MQL in December 2026."""
    return goal_create(by=founder, metric="mql", target=Decimal("400"), **DECEMBER)


@pytest.mark.parametrize("role", ["founder", "admin"])
def test_founder_and_admin_correct_a_goal_keeping_the_fields_not_given(users, goal, role):
    updated = goal_update(goal=goal, by=users[role], target=Decimal("450"))
    goal.refresh_from_db()
    assert (goal.metric, goal.target, goal.period_start, goal.period_end) == ("mql", Decimal("450"), *DECEMBER.values())
    assert updated.target == Decimal("450")
    assert goal.created_by == users["founder"]  # who set it stays


@pytest.mark.parametrize("role", ["marketer", "other_marketer", "marketing_head", "sales_head"])
def test_other_roles_cannot_correct_or_delete_a_goal(users, goal, role):
    with pytest.raises(PermissionDenied, match="founder or an administrator"):
        goal_update(goal=goal, by=users[role], target=Decimal("1"))
    with pytest.raises(PermissionDenied, match="founder or an administrator"):
        goal_delete(goal=goal, by=users[role])
    goal.refresh_from_db()
    assert goal.target == Decimal("400")


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"metric": "happiness"}, "metric", "Choose one of the department metrics"),
        ({"period_end": dt.date(2026, 11, 1)}, "period_end", "must be after its start"),
        ({"period_start": dt.date(2027, 1, 1)}, "period_end", "must be after its start"),
        ({"target": Decimal("-1")}, "target", "cannot be negative"),
        ({"target": Decimal("10.5")}, "target", "whole number"),
        # A new metric is checked against the target the goal already has.
        ({"metric": "cr_overall"}, "target", "between 0 and 1"),
    ],
)
def test_a_correction_is_validated_like_a_new_goal(founder, goal, fields, field, words):
    with pytest.raises(ValidationError) as refused:
        goal_update(goal=goal, by=founder, **fields)
    assert words in " ".join(refused.value.message_dict[field])
    goal.refresh_from_db()
    assert (goal.metric, goal.target, goal.period_end) == ("mql", Decimal("400"), DECEMBER["period_end"])


def test_a_correction_is_checked_against_the_goal_as_saved_not_a_stale_copy(founder, goal):
    stale = Goal.objects.get(pk=goal.pk)
    goal_update(goal=goal, by=founder, metric="revenue", target=Decimal("1500.50"))
    # The stale copy still says "mql, 400": checked against it, "metric = sql" would pass and leave
    # a count with a fractional target.
    with pytest.raises(ValidationError) as refused:
        goal_update(goal=stale, by=founder, metric="sql")
    assert "whole number" in refused.value.message_dict["target"][0]
    goal.refresh_from_db()
    assert (goal.metric, goal.target) == ("revenue", Decimal("1500.50"))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row-level concurrency needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_corrections_of_different_fields_both_hold(founder, admin_user):
    goal = goal_create(by=founder, metric="mql", target=Decimal("400"), **DECEMBER)
    for attempt in range(5):
        _, failures = run_at_once(
            functools.partial(goal_update, goal=goal, by=founder, target=Decimal(500 + attempt)),
            functools.partial(goal_update, goal=goal, by=admin_user, period_end=dt.date(2027, 2, 1 + attempt)),
        )
        assert failures == []
        goal.refresh_from_db()
        assert (goal.target, goal.period_end) == (Decimal(500 + attempt), dt.date(2027, 2, 1 + attempt))


def test_correcting_a_deleted_goal_is_not_found(founder, goal):
    goal_delete(goal=goal, by=founder)
    with pytest.raises(Http404):
        goal_update(goal=goal, by=founder, target=Decimal("1"))


@pytest.mark.parametrize("role", ["founder", "admin"])
def test_founder_and_admin_delete_a_goal_and_a_second_delete_changes_nothing(users, goal, role):
    other = goal_create(by=users["founder"], metric="sql", target=Decimal("40"), **DECEMBER)
    goal_delete(goal=goal, by=users[role])
    goal_delete(goal=goal, by=users[role])
    assert list(Goal.objects.all()) == [other]


# --- the API -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("founder", 201),
        ("admin", 201),
        ("marketer", 403),
        ("other_marketer", 403),
        ("marketing_head", 403),
        ("sales_head", 403),
        ("anonymous", 401),
    ],
)
def test_who_may_post_a_goal(users, client_for, role, expected):
    body = {"metric": "mql", "period_start": "2026-12-01", "period_end": "2027-01-01", "target": "400"}
    response = client_for(users[role]).post("/api/v1/goals/", body, format="json")
    assert response.status_code == expected, response.content
    assert Goal.objects.count() == (1 if expected == 201 else 0)
    if expected == 403:
        assert response.json()["code"] == "permission_denied"


@pytest.mark.parametrize(
    ("role", "expected"),
    [(role, 200) for role in ("marketer", "marketing_head", "sales_head", "founder", "admin")] + [("anonymous", 401)],
)
def test_everyone_signed_in_reads_goals(users, client_for, role, expected):
    goal_create(by=users["founder"], metric="mql", target=Decimal("400"), **DECEMBER)
    response = client_for(users[role]).get("/api/v1/goals/")
    assert response.status_code == expected
    if expected == 200:
        assert response.json()["count"] == 1


def test_post_answers_400_per_field(founder, client_for):
    body = {"metric": "happiness", "period_start": "2026-12-01", "period_end": "2026-11-01", "target": "-5"}
    response = client_for(founder).post("/api/v1/goals/", body, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"metric"}  # the serializer stops at the unknown metric
    body["metric"] = "mql"
    response = client_for(founder).post("/api/v1/goals/", body, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"period_end", "target"}
    assert not Goal.objects.exists()


def test_goal_shows_actual_and_progress_from_the_scoreboard_of_its_period(founder, client_for):
    december_leads(12, mql=5, won=2, revenue="2500.00")
    # A lead of November counts for neither December goal.
    november = {"external_id": "nov", "created_at": "2026-11-20T12:00:00+03:00", "mql_at": "2026-11-20T13:00:00+03:00"}
    assert leads_upsert(rows=[november]).errors == []
    client = client_for(founder)
    created = client.post(
        "/api/v1/goals/",
        {"metric": "mql", "period_start": "2026-12-01", "period_end": "2027-01-01", "target": "20"},
        format="json",
    )
    assert created.status_code == 201
    goal = created.json()
    assert goal["target"] == "20"
    assert (goal["actual"], goal["progress"], goal["met"]) == (5, 0.25, False)
    assert (goal["zone"], goal["direction"], goal["created_by"]) == ("marketing", "at_least", "founder")

    client.post(
        "/api/v1/goals/",
        {"metric": "revenue", "period_start": "2026-12-01", "period_end": "2027-01-01", "target": "4000"},
        format="json",
    )
    client.post(
        "/api/v1/goals/",
        {"metric": "cr_overall", "period_start": "2026-12-01", "period_end": "2027-01-01", "target": "0.2"},
        format="json",
    )
    goals = {g["metric"]: g for g in client.get("/api/v1/goals/").json()["results"]}
    assert goals["revenue"]["target"] == "4000.00"
    assert (goals["revenue"]["actual"], goals["revenue"]["progress"], goals["revenue"]["met"]) == (
        "5000.00",
        1.25,
        True,
    )
    assert goals["revenue"]["zone"] == "sales"
    assert goals["cr_overall"]["actual"] == pytest.approx(2 / 12)
    assert goals["cr_overall"]["met"] is False


def test_an_at_most_goal_is_met_below_its_target(founder, client_for):
    december_leads(4, won=4)
    rows = [
        {"external_id": f"c{i}", "created_at": "2026-10-01T12:00:00+03:00", "won_at": "2026-10-02T12:00:00+03:00"}
        for i in range(10)
    ]
    rows[0]["churned_at"] = "2026-12-05T12:00:00+03:00"
    assert leads_upsert(rows=rows).errors == []
    goal_create(by=founder, metric="churn_rate", target=Decimal("0.2"), **DECEMBER)
    goal = client_for(founder).get("/api/v1/goals/").json()["results"][0]
    # 1 of the 10 customers active on December 1 churned in December.
    assert (goal["actual"], goal["progress"], goal["met"], goal["direction"]) == (0.1, 0.5, True, "at_most")


def test_a_rate_without_denominator_has_no_progress(founder, client_for):
    goal_create(by=founder, metric="cr_mql_sql", target=Decimal("0.5"), **DECEMBER)
    goal = client_for(founder).get("/api/v1/goals/").json()["results"][0]
    assert (goal["actual"], goal["progress"], goal["met"]) == (None, None, None)


def test_goal_list_queries_do_not_grow_with_goals_of_one_period(founder, client_for, count_queries):
    client = client_for(founder)
    goal_create(by=founder, metric="mql", target=Decimal("1"), **DECEMBER)
    count_queries(client.get, "/api/v1/goals/")  # warm the token and role caches
    few = count_queries(client.get, "/api/v1/goals/")
    for metric in ("sql", "revenue", "cpl", "customers", "churn_rate", "cac", "leads_total"):
        goal_create(by=founder, metric=metric, target=Decimal("1"), **DECEMBER)
    assert count_queries(client.get, "/api/v1/goals/") == few
    assert client.get("/api/v1/goals/").json()["count"] == 8


# --- one goal: read, correct, delete ----------------------------------------------------------

ALL_SIGNED_IN = ("marketer", "other_marketer", "marketing_head", "sales_head", "founder", "admin")


@pytest.mark.parametrize(("role", "expected"), [(role, 200) for role in ALL_SIGNED_IN] + [("anonymous", 401)])
def test_everyone_signed_in_reads_one_goal_with_its_progress(users, client_for, goal, role, expected):
    december_leads(5, mql=3)
    response = client_for(users[role]).get(f"/api/v1/goals/{goal.pk}/")
    assert response.status_code == expected
    if expected == 200:
        body = response.json()
        assert (body["id"], body["metric"], body["target"], body["actual"], body["met"]) == (
            goal.pk,
            "mql",
            "400",
            3,
            False,
        )
        assert body["progress"] == 0.0075
        assert body == client_for(users[role]).get("/api/v1/goals/").json()["results"][0]


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_an_unknown_goal_is_404(founder, client_for, method):
    response = getattr(client_for(founder), method)("/api/v1/goals/987654/", {"target": "1"}, format="json")
    assert response.status_code == 404
    assert set(response.json()) == {"detail", "code"}


@pytest.mark.parametrize(
    ("role", "expected"),
    [("founder", 200), ("admin", 200)]
    + [(role, 403) for role in ("marketer", "other_marketer", "marketing_head", "sales_head")]
    + [("anonymous", 401)],
)
def test_who_may_patch_a_goal(users, client_for, goal, role, expected):
    response = client_for(users[role]).patch(f"/api/v1/goals/{goal.pk}/", {"target": "500"}, format="json")
    assert response.status_code == expected, response.content
    goal.refresh_from_db()
    assert goal.target == (Decimal("500") if expected == 200 else Decimal("400"))
    if expected == 403:
        assert response.json()["code"] == "permission_denied"


def test_patch_changes_only_the_fields_given_and_answers_the_new_progress(founder, client_for, goal):
    december_leads(12, mql=5, won=2, revenue="2500.00")
    client = client_for(founder)
    response = client.patch(f"/api/v1/goals/{goal.pk}/", {"target": "20"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["metric"], body["period_start"], body["period_end"]) == ("mql", "2026-12-01", "2027-01-01")
    assert (body["target"], body["actual"], body["progress"], body["met"]) == ("20", 5, 0.25, False)
    assert body["created_by"] == "founder"
    response = client.patch(f"/api/v1/goals/{goal.pk}/", {"metric": "revenue", "target": "4000"}, format="json")
    body = response.json()
    assert (body["zone"], body["target"], body["actual"], body["met"]) == ("sales", "4000.00", "5000.00", True)
    assert client.get(f"/api/v1/goals/{goal.pk}/").json() == body
    # November has no leads: the actual follows the new period.
    response = client.patch(
        f"/api/v1/goals/{goal.pk}/", {"period_start": "2026-11-01", "period_end": "2026-12-01"}, format="json"
    )
    assert (response.json()["actual"], response.json()["met"]) == ("0.00", False)


def test_patch_answers_400_per_field_and_changes_nothing(founder, client_for, goal):
    client = client_for(founder)
    url = f"/api/v1/goals/{goal.pk}/"
    response = client.patch(url, {"metric": "happiness"}, format="json")
    assert response.status_code == 400
    assert "Choose one of the department metrics" in response.json()["metric"][0]
    response = client.patch(url, {"period_end": "2026-11-01", "target": "10.5"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"period_end", "target"}
    assert "must be after its start" in response.json()["period_end"][0]
    assert "whole number" in response.json()["target"][0]
    response = client.patch(url, {"metric": "churn_rate"}, format="json")  # 400 is no rate
    assert response.status_code == 400
    assert "between 0 and 1" in response.json()["target"][0]
    response = client.patch(url, {"period_start": "December"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"period_start"}
    goal.refresh_from_db()
    assert (goal.metric, goal.target, goal.period_end) == ("mql", Decimal("400"), DECEMBER["period_end"])


def test_patch_refusals_follow_accept_language(founder, client_for, goal):
    response = client_for(founder).patch(
        f"/api/v1/goals/{goal.pk}/", {"target": "10.5"}, format="json", HTTP_ACCEPT_LANGUAGE="ru"
    )
    assert response.status_code == 400
    assert "целое число" in response.json()["target"][0]


def test_put_is_not_offered(founder, client_for, goal):
    body = {"metric": "mql", "period_start": "2026-12-01", "period_end": "2027-01-01", "target": "1"}
    assert client_for(founder).put(f"/api/v1/goals/{goal.pk}/", body, format="json").status_code == 405


@pytest.mark.parametrize(
    ("role", "expected"),
    [("founder", 204), ("admin", 204)]
    + [(role, 403) for role in ("marketer", "other_marketer", "marketing_head", "sales_head")]
    + [("anonymous", 401)],
)
def test_who_may_delete_a_goal(users, client_for, goal, role, expected):
    response = client_for(users[role]).delete(f"/api/v1/goals/{goal.pk}/")
    assert response.status_code == expected
    assert Goal.objects.filter(pk=goal.pk).exists() is (expected != 204)
    if expected == 204:
        assert client_for(users[role]).get(f"/api/v1/goals/{goal.pk}/").status_code == 404


def test_a_marketer_is_refused_before_the_goal_is_looked_up(marketer, client_for):
    # 403 whether or not the goal exists: the refusal does not tell which ids are taken.
    response = client_for(marketer).delete("/api/v1/goals/987654/")
    assert response.status_code == 403


def test_a_held_meeting_keeps_a_goal_corrected_or_deleted_later(month, founder, client_for):
    meeting = month["founder"]
    with at(dt.date(2026, 12, 15), hour=10):  # the meeting is held: its agenda is kept from then on
        meeting_hold(meeting=meeting, by=founder)
    meeting.refresh_from_db()
    [shown] = meeting.agenda["goals"]
    assert (shown["metric"], shown["target"]) == ("mql", "10")
    client = client_for(founder)
    assert client.patch(f"/api/v1/goals/{shown['id']}/", {"target": "99"}, format="json").status_code == 200
    assert client.get(f"/api/v1/meetings/{meeting.pk}/").json()["agenda"]["goals"] == [shown]
    assert client.delete(f"/api/v1/goals/{shown['id']}/").status_code == 204
    response = client.get(f"/api/v1/meetings/{meeting.pk}/")
    assert response.status_code == 200
    assert response.json()["agenda"]["goals"] == [shown]
    assert client.get(f"/api/v1/goals/{shown['id']}/").status_code == 404


# --- the list: the totals of every distinct period of the page, computed together ------------------


@pytest.fixture
def boards(monkeypatch) -> list[list[tuple[dt.date, dt.date]]]:
    """The periods each computation of department totals was asked for, one list per call."""
    calls: list[list[tuple[dt.date, dt.date]]] = []
    real = scoreboard_totals

    def counting(*, periods: list[tuple[dt.date, dt.date]]) -> dict[tuple[dt.date, dt.date], Any]:
        calls.append(sorted(set(periods)))
        return real(periods=periods)

    monkeypatch.setattr(meeting_selectors, "scoreboard_totals", counting)
    return calls


def _goals_over_three_periods(founder) -> None:
    november = {"period_start": dt.date(2026, 11, 1), "period_end": dt.date(2026, 12, 1)}
    year = {"period_start": dt.date(2026, 1, 1), "period_end": dt.date(2027, 1, 1)}
    for metric in ("mql", "sql", "revenue", "churn_rate"):
        goal_create(by=founder, metric=metric, target=Decimal("1" if metric != "churn_rate" else "0.1"), **DECEMBER)
    for metric in ("mql", "cpl"):
        goal_create(by=founder, metric=metric, target=Decimal("1"), **november)
    goal_create(by=founder, metric="revenue", target=Decimal("1"), **year)


def test_the_list_computes_the_totals_of_its_periods_together(founder, client_for, boards):
    _goals_over_three_periods(founder)
    client = client_for(founder)
    assert client.get("/api/v1/goals/").json()["count"] == 7
    assert boards == [
        [
            (dt.date(2026, 1, 1), dt.date(2027, 1, 1)),
            (dt.date(2026, 11, 1), dt.date(2026, 12, 1)),
            (dt.date(2026, 12, 1), dt.date(2027, 1, 1)),
        ]
    ]
    boards.clear()
    # The first page of three holds December's goals only: December's totals, nothing else.
    page = client.get("/api/v1/goals/?page_size=3").json()["results"]
    assert {(g["period_start"], g["period_end"]) for g in page} == {("2026-12-01", "2027-01-01")}
    assert boards == [[(dt.date(2026, 12, 1), dt.date(2027, 1, 1))]]
    boards.clear()
    assert client.get(f"/api/v1/goals/{Goal.objects.filter(metric='cpl').get().pk}/").status_code == 200
    assert boards == [[(dt.date(2026, 11, 1), dt.date(2026, 12, 1))]]


def test_goals_of_one_period_share_their_scoreboard_values(founder, client_for):
    december_leads(12, mql=5, won=2, revenue="2500.00")
    _goals_over_three_periods(founder)
    by_metric = {
        (g["metric"], g["period_start"]): g["actual"]
        for g in client_for(founder).get("/api/v1/goals/").json()["results"]
    }
    assert by_metric[("mql", "2026-12-01")] == 5
    assert by_metric[("revenue", "2026-12-01")] == "5000.00"
    assert by_metric[("revenue", "2026-01-01")] == "5000.00"  # December is in the year
    assert by_metric[("mql", "2026-11-01")] == 0


# --- the admin ---------------------------------------------------------------------------------


@pytest.fixture
def staff_founder(founder):
    founder.is_staff = True
    founder.is_superuser = True
    founder.save()
    client = Client()
    client.force_login(founder)
    return client


def test_admin_adds_a_goal_through_the_service(staff_founder, founder):
    data = {"metric": "mql", "period_start": "2026-12-01", "period_end": "2027-01-01", "target": "400"}
    response = staff_founder.post("/admin/meetings/goal/add/", data)
    assert response.status_code == 302
    goal = Goal.objects.get()
    assert (goal.metric, goal.target, goal.created_by) == ("mql", Decimal("400"), founder)
    assert staff_founder.get("/admin/meetings/goal/").status_code == 200


def test_admin_refuses_an_invalid_goal_with_the_services_words(staff_founder):
    data = {"metric": "mql", "period_start": "2026-12-01", "period_end": "2027-01-01", "target": "10.5"}
    response = staff_founder.post("/admin/meetings/goal/add/", data)
    assert response.status_code == 200
    assert "whole number" in response.content.decode()
    assert not Goal.objects.exists()


def test_admin_changes_a_goal_through_the_service(staff_founder, founder):
    goal = goal_create(by=founder, metric="mql", target=Decimal("400"), **DECEMBER)
    url = f"/admin/meetings/goal/{goal.pk}/change/"
    assert staff_founder.get(url).status_code == 200
    data = {"metric": "mql", "period_start": "2026-12-01", "period_end": "2027-01-01", "target": "10.5"}
    response = staff_founder.post(url, data)
    assert response.status_code == 200
    assert "whole number" in response.content.decode()
    response = staff_founder.post(url, {**data, "target": "450"})
    assert response.status_code == 302
    goal.refresh_from_db()
    assert (goal.target, goal.created_by) == (Decimal("450"), founder)
    assert Goal.objects.count() == 1


def test_admin_deletes_goals_through_the_service(staff_founder, founder):
    first = goal_create(by=founder, metric="mql", target=Decimal("400"), **DECEMBER)
    goal_create(by=founder, metric="sql", target=Decimal("40"), **DECEMBER)
    response = staff_founder.post(f"/admin/meetings/goal/{first.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert list(Goal.objects.values_list("metric", flat=True)) == ["sql"]
    response = staff_founder.post(
        "/admin/meetings/goal/",
        {
            "action": "delete_selected",
            "_selected_action": list(Goal.objects.values_list("pk", flat=True)),
            "post": "yes",
        },
    )
    assert response.status_code == 302
    assert not Goal.objects.exists()


def test_schema_describes_one_goal():
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    assert set(paths["/api/v1/goals/{id}/"]) == {"get", "patch", "delete"}
    patch = paths["/api/v1/goals/{id}/"]["patch"]
    assert {"200", "400", "403"} <= set(patch["responses"])
    assert "204" in paths["/api/v1/goals/{id}/"]["delete"]["responses"]
