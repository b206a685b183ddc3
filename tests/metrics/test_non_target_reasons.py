"""Why leads were non-target, as a signal of its own: counted like churn reasons (the same labelling
function), most frequent first, in the experiment's metrics (API and page), on the scoreboard, in
the sync agenda beside churn, and on the review form."""

import datetime as dt

import pytest
from django.urls import reverse

from meetings.agendas import sync_agenda
from meetings.views.meetings import sync_agenda_context
from metrics import aggregates
from metrics.services import leads_upsert, snapshots
from tests.metrics.conftest import lead
from tests.scenarios import at

pytestmark = pytest.mark.django_db

WHEN = "2026-12-03T10:00:00+03:00"
EXPECTED = {"Students": 3, "No budget": 2, "unspecified": 1}


@pytest.fixture
def judged(experiment) -> None:
    """Seven leads of the cohort: six judged non-target with their reasons, one target."""
    reasons = ["Students", " Students ", "Students", "No budget", "No budget", ""]
    rows = [lead(f"n{i}", WHEN, is_target=False, disqualify_reason=r) for i, r in enumerate(reasons)]
    rows.append(lead("t1", WHEN, is_target=True, disqualify_reason="ignored: the lead is target"))
    assert leads_upsert(rows=rows).errors == []
    snapshots.snapshots_recompute(experiment_ids=[experiment.id])


def test_reasons_are_labelled_by_the_churn_reasons_function(monkeypatch, experiment, judged):
    seen = []
    original = aggregates.reason_label
    monkeypatch.setattr(aggregates, "reason_label", lambda reason: seen.append(reason) or original(reason))
    counts = aggregates.experiment_counts([experiment])[experiment.id]
    assert counts["non_target_reasons"] == EXPECTED
    assert set(seen) >= {"Students", " Students ", "No budget", ""}


def test_the_metrics_api_lists_reasons_most_frequent_first(experiment, judged, client_for, founder):
    api = client_for(founder)
    metrics = api.get(f"/api/v1/experiments/{experiment.id}/metrics/").json()
    assert list(metrics["non_target_reasons"].items()) == list(EXPECTED.items())
    assert metrics["non_target_leads"] == 6 and metrics["churn_reasons"] == {}
    detail = api.get(f"/api/v1/experiments/{experiment.id}/").json()
    assert list(detail["metrics"]["non_target_reasons"].items()) == list(EXPECTED.items())


def test_a_snapshot_from_before_the_reasons_answers_an_empty_object(experiment, judged, client_for, founder):
    snapshot = experiment.snapshot
    snapshot.refresh_from_db()
    snapshot.data = {k: v for k, v in snapshot.data.items() if k != "non_target_reasons"}
    snapshot.save(update_fields=["data"])
    metrics = client_for(founder).get(f"/api/v1/experiments/{experiment.id}/metrics/").json()
    assert metrics["non_target_reasons"] == {}


def _reason_names(section: str) -> list[str]:
    return [part.split("</span>")[0] for part in section.split('class="reason-name">')[1:]]


def test_the_experiment_page_and_the_review_form_show_them(experiment, judged, web_client, sales_head):
    client = web_client(sales_head)
    page = client.get(reverse("web:experiment-detail", args=[experiment.pk])).content.decode()
    section = page.split("Why leads were non-target")[1].split("</section>")[0]
    assert _reason_names(section) == ["Students", "No budget", "unspecified"]
    form = client.get(reverse("web:review-create", args=[experiment.pk])).content.decode()
    # Beside the field where the sales head writes why leads did not buy.
    after_loss_reasons = form.split('name="loss_reasons"')[1]
    section = after_loss_reasons.split("Why leads were non-target")[1].split("</section>")[0]
    assert _reason_names(section) == ["Students", "No budget", "unspecified"]
    assert '<span class="reason-count num">3</span>' in section


def test_the_review_form_reads_in_russian(experiment, judged, web_client, sales_head):
    client = web_client(sales_head)
    client.post(reverse("set_language"), {"language": "ru", "next": "/"})
    form = client.get(reverse("web:review-create", args=[experiment.pk])).content.decode()
    assert "Почему лиды нецелевые" in form and "не указана" in form


def test_the_scoreboard_lists_them_in_the_marketing_zone(judged, client_for, web_client, founder):
    period = {"from": "2026-12-01", "to": "2027-01-01"}
    board = client_for(founder).get("/api/v1/scoreboard/", period).json()
    assert board["marketing"]["non_target_reasons"] == EXPECTED
    assert board["by_channel"][0]["marketing"]["non_target_reasons"] == EXPECTED
    page = web_client(founder).get(reverse("web:scoreboard"), {"date_from": "2026-12-01", "date_to": "2027-01-01"})
    assert page.context["board"]["non_target_reasons"] == list(EXPECTED.items())


def test_the_sync_agenda_shows_them_beside_churn(judged, web_client, marketer):
    with at(dt.date(2026, 12, 15), hour=6):
        agenda = sync_agenda(date_from=dt.date(2026, 12, 1), date_to=dt.date(2026, 12, 15))
    assert agenda["non_target"] == {
        "non_target_leads": 6,
        "non_target_share": 6 / 7,
        "reasons": [{"reason": r, "count": n} for r, n in EXPECTED.items()],
    }
    assert sync_agenda_context(agenda)["non_target"]["pairs"] == list(EXPECTED.items())
