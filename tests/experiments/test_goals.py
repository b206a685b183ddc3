"""Founder goals: the service's rules, the API (api.md, goals) with actual and progress, the admin."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from experiments.models import Goal
from experiments.services.goals import goal_create
from metrics.services import leads_upsert

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


def test_goal_list_queries_do_not_grow_with_goals_of_one_period(founder, client_for):
    client = client_for(founder)
    goal_create(by=founder, metric="mql", target=Decimal("1"), **DECEMBER)

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/v1/goals/")
        assert response.status_code == 200
        return len(queries)

    count_queries()  # warm the token and role caches
    few = count_queries()
    for metric in ("sql", "revenue", "cpl", "customers", "churn_rate", "cac", "leads_total"):
        goal_create(by=founder, metric=metric, target=Decimal("1"), **DECEMBER)
    assert count_queries() == few
    assert client.get("/api/v1/goals/").json()["count"] == 8


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
    response = staff_founder.post("/admin/experiments/goal/add/", data)
    assert response.status_code == 302
    goal = Goal.objects.get()
    assert (goal.metric, goal.target, goal.created_by) == ("mql", Decimal("400"), founder)
    assert staff_founder.get("/admin/experiments/goal/").status_code == 200


def test_admin_refuses_an_invalid_goal_with_the_services_words(staff_founder):
    data = {"metric": "mql", "period_start": "2026-12-01", "period_end": "2027-01-01", "target": "10.5"}
    response = staff_founder.post("/admin/experiments/goal/add/", data)
    assert response.status_code == 200
    assert "whole number" in response.content.decode()
    assert not Goal.objects.exists()
