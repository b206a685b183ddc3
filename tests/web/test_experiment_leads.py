"""From an experiment's numbers to its leads: the leads page (its cohort as the metrics count it, by
stage, 50 a page, for every signed-in role), the links to it, and the same list through the API."""

import datetime as dt

import pytest
from django.urls import reverse

from metrics.services import leads_upsert
from tests.factories import ExperimentFactory
from tests.pages import snapshot_for

pytestmark = pytest.mark.django_db

START = dt.date(2026, 11, 20)


def _at(day: dt.date, hour: int = 12) -> str:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.timezone(dt.timedelta(hours=3))).isoformat()


@pytest.fixture
def experiment(marketer):
    """A 10-day test from Nov 20: two non-target leads, an MQL, an SQL, a customer who churned, a
    customer who stays; and leads the cohort leaves out."""
    experiment = ExperimentFactory.create(
        running=True, owner=marketer, utm_campaign="partner_nov", start_date=START, test_period_days=10
    )
    day = START + dt.timedelta(days=1)
    rows: list[dict[str, object]] = [
        {"external_id": "nt-1", "is_target": False, "disqualify_reason": "Students, no budget"},
        {"external_id": "nt-2", "is_target": False, "disqualify_reason": "", "mql_at": _at(day, 13)},
        {"external_id": "mql", "is_target": True, "mql_at": _at(day, 13)},
        {"external_id": "sql", "is_target": True, "mql_at": _at(day, 13), "sql_at": _at(day, 14)},
        {
            "external_id": "won",
            "is_target": True,
            "sql_at": _at(day, 14),
            "won_at": _at(day, 15),
            "revenue": "1500.00",
        },
        {
            "external_id": "gone",
            "won_at": _at(day, 15),
            "revenue": "900.00",
            "churned_at": _at(day + dt.timedelta(days=30)),
            "churn_reason": "Too expensive",
        },
        {"external_id": "unjudged"},
    ]
    rows = [{"created_at": _at(day), "utm_campaign": " PARTNER_nov ", **row} for row in rows]
    rows += [
        {"external_id": "before", "created_at": _at(START - dt.timedelta(days=1)), "utm_campaign": "partner_nov"},
        {"external_id": "after", "created_at": _at(START + dt.timedelta(days=10)), "utm_campaign": "partner_nov"},
        {"external_id": "elsewhere", "created_at": _at(day), "utm_campaign": "events_nov"},
    ]
    assert leads_upsert(rows=rows).errors == []
    return experiment


def _url(experiment) -> str:
    return reverse("web:experiment-leads", args=[experiment.pk])


def _ids(response) -> list[str]:
    assert response.status_code == 200
    return sorted(row["lead"].external_id for row in response.context["rows"])


def test_the_page_lists_the_cohort_the_metrics_count(web_client, founder, experiment):
    response = web_client(founder).get(_url(experiment))
    assert _ids(response) == ["gone", "mql", "nt-1", "nt-2", "sql", "unjudged", "won"]
    html = response.content.decode()
    assert "Leads of " + experiment.title in html
    assert "created from Nov. 20, 2026 up to Nov. 30, 2026 (not included)" in html


@pytest.mark.parametrize(
    ("stage", "expected"),
    [
        ("target", ["mql", "sql", "won"]),
        ("non_target", ["nt-1", "nt-2"]),
        ("mql", ["mql", "nt-2", "sql"]),
        ("sql", ["sql", "won"]),
        ("customer", ["gone", "won"]),
        ("churned", ["gone"]),
    ],
)
def test_stages_narrow_the_leads(web_client, founder, experiment, stage, expected):
    assert _ids(web_client(founder).get(_url(experiment), {"stage": stage})) == expected


def test_tabs_count_each_stage_and_mark_the_chosen_one(web_client, founder, experiment):
    response = web_client(founder).get(_url(experiment), {"stage": "non_target"})
    tabs = {tab["label"]: (tab["count"], tab["current"]) for tab in response.context["tabs"]}
    assert tabs == {
        "All": (7, False),
        "Judged target": (3, False),
        "Non-target leads": (2, True),
        "MQL": (3, False),
        "SQL": (2, False),
        "Customers": (2, False),
        "Churned customers": (1, False),
    }


def test_rows_say_how_far_each_lead_went_and_why_it_was_lost(web_client, founder, experiment):
    response = web_client(founder).get(_url(experiment))
    rows = {row["lead"].external_id: row for row in response.context["rows"]}
    assert (rows["nt-1"]["judged"], rows["nt-1"]["stage"], rows["nt-1"]["reason"]) == (
        "Non-target lead",
        "Lead",
        "Students, no budget",
    )
    assert (rows["nt-2"]["stage"], rows["nt-2"]["reason"]) == ("MQL", "")
    assert (rows["sql"]["stage"], rows["won"]["stage"]) == ("SQL", "Customer")
    assert (rows["gone"]["stage"], rows["gone"]["reason"], rows["gone"]["judged"]) == (
        "Churned",
        "Too expensive",
        "Not judged yet",
    )
    html = response.content.decode()
    assert "1,500.00" in html and "Too expensive" in html


def test_a_bad_stage_filters_nothing(web_client, founder, experiment):
    response = web_client(founder).get(_url(experiment), {"stage": "everything"})
    assert len(_ids(response)) == 7


@pytest.mark.parametrize("role", ["marketer", "other_marketer", "marketing_head", "sales_head", "founder", "admin"])
def test_every_signed_in_role_reads_the_leads(web_client, users, role, experiment):
    assert web_client(users[role]).get(_url(experiment)).status_code == 200


def test_anonymous_users_are_sent_to_log_in_and_a_missing_experiment_is_404(web_client, founder):
    response = web_client(None).get("/experiments/1/leads/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert web_client(founder).get("/experiments/999999/leads/").status_code == 404


def test_fifty_leads_a_page(web_client, founder, marketer):
    experiment = ExperimentFactory.create(running=True, utm_campaign="big", start_date=START, test_period_days=10)
    rows = [{"external_id": f"L-{i:03d}", "created_at": _at(START), "utm_campaign": "big"} for i in range(55)]
    assert leads_upsert(rows=rows).errors == []
    client = web_client(founder)
    first = client.get(_url(experiment), {"stage": ""})
    assert len(first.context["rows"]) == 50
    assert "Page 1 of 2" in first.content.decode()
    assert len(client.get(_url(experiment), {"page": 2}).context["rows"]) == 5


def test_leads_page_query_count_does_not_grow_with_leads(web_client, founder, count_queries):
    experiment = ExperimentFactory.create(running=True, utm_campaign="grow", start_date=START, test_period_days=10)

    def add(first: int, count: int) -> None:
        rows = [
            {"external_id": f"G-{i}", "created_at": _at(START), "utm_campaign": "grow", "is_target": i % 2 == 0}
            for i in range(first, first + count)
        ]
        assert leads_upsert(rows=rows).errors == []

    add(0, 2)
    client = web_client(founder)
    few = count_queries(client.get, _url(experiment), {"stage": "target"})
    add(2, 30)
    assert count_queries(client.get, _url(experiment), {"stage": "target"}) == few


def test_the_experiment_page_links_its_numbers_and_funnel_steps_to_the_leads(web_client, founder, experiment):
    snapshot_for(experiment, leads_total=7, judged_leads=5, non_target_leads=2, non_target_share=0.4, mql=3)
    html = web_client(founder).get(reverse("web:experiment-detail", args=[experiment.pk])).content.decode()
    url = _url(experiment)
    for stage in ("mql", "sql", "customer", "churned", "target", "non_target"):
        assert f'href="{url}?stage={stage}"' in html, stage
    assert f'href="{url}">7</a>' in html  # the leads tile
    assert f'<a href="{url}?stage=non_target">40.0% non-target: see those leads</a>' in html


# --- The same list through the API ----------------------------------------------------------


def _api_ids(client, **params) -> list[str]:
    response = client.get("/api/v1/leads/", params)
    assert response.status_code == 200, response.content
    return sorted(row["external_id"] for row in response.json()["results"])


def test_api_lists_an_experiments_leads_by_stage(client_for, sales_head, experiment):
    client = client_for(sales_head)
    assert _api_ids(client, experiment=experiment.pk) == ["gone", "mql", "nt-1", "nt-2", "sql", "unjudged", "won"]
    assert _api_ids(client, experiment=experiment.pk, stage="non_target") == ["nt-1", "nt-2"]
    assert _api_ids(client, stage="churned") == ["gone"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"experiment": "999999"}, "experiment"),
        ({"experiment": "abc"}, "experiment"),
        ({"experiment": "99999999999999999999"}, "experiment"),
        ({"stage": "lost"}, "stage"),
    ],
)
def test_api_refuses_an_unknown_experiment_or_stage_with_a_400_in_the_readers_language(
    client_for, founder, params, field
):
    client = client_for(founder)
    response = client.get("/api/v1/leads/", params)
    assert response.status_code == 400
    assert set(response.json()) == {field}
    russian = client.get("/api/v1/leads/", params, HTTP_ACCEPT_LANGUAGE="ru").json()[field][0]
    assert "Выберите" in russian
