"""Irreversible actions ask first: filing a review (a summary to confirm; a contradicting verdict and
recommendation need a tick), launching (a confirmation page) and cancelling (a reason, kept in the
history). The server-side steps here are also what a browser without the script gets."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from experiments.models import Experiment, Review
from tests.factories import ExperimentFactory

pytestmark = pytest.mark.django_db

REVIEW = {
    "verdict": "not_confirmed",
    "summary": "Leads came from outside our segment.",
    "loss_reasons": "No budget this quarter.",
    "recommendation": "adjust_positioning",
}


@pytest.fixture
def ended(marketer) -> Experiment:
    return ExperimentFactory.create(
        running=True, owner=marketer, title="Ended test", start_date=timezone.localdate() - dt.timedelta(days=40)
    )


# --- the review form ----------------------------------------------------------------------------


def test_nothing_is_preselected_on_a_new_review(web_client, sales_head, ended):
    response = web_client(sales_head).get(reverse("web:review-create", args=[ended.pk]))
    html = response.content.decode()
    verdicts = html.split('name="verdict"')[1:]
    assert len(verdicts) == 3 and not any("checked" in part.split(">")[0] for part in verdicts)
    select = html.split('name="recommendation"')[1].split("</select>")[0]
    assert '<option value="" selected>Choose a recommendation</option>' in select
    assert response.context["form"].fields["recommendation"].required


def test_filing_shows_a_summary_to_confirm_and_files_nothing_yet(web_client, sales_head, ended):
    client = web_client(sales_head)
    url = reverse("web:review-create", args=[ended.pk])
    step = client.post(url, REVIEW)
    assert step.status_code == 200
    assert step.templates[0].name == "experiments/review_confirm.html"
    html = step.content.decode()
    assert "File this review?" in html
    assert "Not confirmed" in html and "Adjust positioning" in html and REVIEW["summary"] in html
    for name, value in REVIEW.items():
        assert f'type="hidden" name="{name}" value="{value}"' in html
    assert 'name="confirmed" value="1"' in html
    assert not Review.objects.exists()

    back = client.post(url, {**REVIEW, "edit": "1"})
    assert back.templates[0].name == "experiments/review_form.html"
    assert back.context["form"].data["summary"] == REVIEW["summary"]

    assert client.post(url, {**REVIEW, "confirmed": "1"}).status_code == 302
    assert Review.objects.get().verdict == "not_confirmed"


def test_the_summary_step_says_why_it_cannot_be_filed_instead(web_client, sales_head, running_experiment):
    response = web_client(sales_head).post(reverse("web:review-create", args=[running_experiment.pk]), REVIEW)
    assert response.templates[0].name == "experiments/review_form.html"
    assert "The test period ends on" in " ".join(response.context["form"].non_field_errors())


@pytest.mark.parametrize(("verdict", "recommendation"), [("not_confirmed", "scale"), ("confirmed", "stop")])
def test_a_contradicting_recommendation_asks_for_a_tick(web_client, sales_head, ended, verdict, recommendation):
    client = web_client(sales_head)
    url = reverse("web:review-create", args=[ended.pk])
    fields = {**REVIEW, "verdict": verdict, "recommendation": recommendation}

    warned = client.post(url, {**fields, "confirmed": "1"})  # even a confirmed filing is stopped first
    assert warned.status_code == 200
    errors = " ".join(warned.context["form"].non_field_errors())
    assert "yet the recommendation is to" in errors and "Tick the box below" in errors
    assert 'name="mismatch_confirmed"' in warned.content.decode()
    assert not Review.objects.exists()

    step = client.post(url, {**fields, "mismatch_confirmed": "on"})
    html = step.content.decode()
    assert "You confirmed that this is what you recommend." in html
    assert '<input type="hidden" name="mismatch_confirmed" value="on">' in html
    assert not Review.objects.exists()

    assert client.post(url, {**fields, "mismatch_confirmed": "on", "confirmed": "1"}).status_code == 302
    assert (Review.objects.get().verdict, Review.objects.get().recommendation) == (verdict, recommendation)


def test_an_agreeing_recommendation_asks_no_tick(web_client, sales_head, ended):
    response = web_client(sales_head).post(
        reverse("web:review-create", args=[ended.pk]), {**REVIEW, "verdict": "confirmed", "recommendation": "scale"}
    )
    assert response.templates[0].name == "experiments/review_confirm.html"


def test_the_mismatch_warning_in_russian(sales_head, ended):
    from django.test import Client

    client = Client(HTTP_ACCEPT_LANGUAGE="ru")
    client.force_login(sales_head)
    response = client.post(
        reverse("web:review-create", args=[ended.pk]), {**REVIEW, "verdict": "not_confirmed", "recommendation": "scale"}
    )
    errors = " ".join(response.context["form"].non_field_errors())
    assert errors.startswith("Гипотеза не подтвердилась, а рекомендация — масштабировать.")


def test_the_review_form_loads_its_dialog_script_and_no_inline_script(web_client, sales_head, ended):
    html = web_client(sales_head).get(reverse("web:review-create", args=[ended.pk])).content.decode()
    assert '<dialog id="review-dialog"' in html
    assert 'data-confirm-dialog="review-dialog"' in html
    assert 'data-mismatches="not_confirmed:scale confirmed:stop "' in html  # left to the server's warning
    assert '<script src="/static/js/review-confirm.js"></script>' in html
    assert "<script>" not in html and "onclick" not in html


# --- launch -------------------------------------------------------------------------------------


def test_launch_asks_first_and_post_launches(web_client, marketer):
    draft = ExperimentFactory.create(owner=marketer, title="Webinars", test_period_days=30)
    client = web_client(marketer)
    detail = client.get(reverse("web:experiment-detail", args=[draft.pk])).content.decode()
    assert f'href="{reverse("web:experiment-launch", args=[draft.pk])}"' in detail  # a link, not a POST button

    page = client.get(reverse("web:experiment-launch", args=[draft.pk]))
    html = page.content.decode()
    assert "Launch “Webinars”?" in html
    assert "version 1 (pinned at launch)" in html
    assert "can no longer be edited" in html
    draft.refresh_from_db()
    assert draft.status == Experiment.Status.DRAFT

    client.post(reverse("web:experiment-launch", args=[draft.pk]))
    draft.refresh_from_db()
    assert draft.status == Experiment.Status.RUNNING
    again = client.get(reverse("web:experiment-launch", args=[draft.pk]), follow=True)
    assert "nothing to launch" in again.content.decode()


def test_only_those_who_may_launch_see_the_confirmation(web_client, other_marketer, marketer):
    draft = ExperimentFactory.create(owner=marketer)
    assert web_client(other_marketer).get(reverse("web:experiment-launch", args=[draft.pk])).status_code == 403


# --- cancel -------------------------------------------------------------------------------------


def test_cancel_asks_for_a_reason_and_keeps_it_in_the_history(web_client, marketer):
    running = ExperimentFactory.create(running=True, owner=marketer)
    client = web_client(marketer)
    url = reverse("web:experiment-cancel", args=[running.pk])
    assert 'name="reason"' in client.get(url).content.decode()

    refused = client.post(url, {"reason": "   "})
    assert refused.status_code == 200
    assert refused.context["form"].errors["reason"] == ["Say why the experiment is cancelled."]
    running.refresh_from_db()
    assert running.status == Experiment.Status.RUNNING

    assert client.post(url, {"reason": "The partner withdrew the mailing list."}).status_code == 302
    running.refresh_from_db()
    assert (running.status, running.cancel_reason) == (
        Experiment.Status.CANCELLED,
        "The partner withdrew the mailing list.",
    )
    detail = client.get(reverse("web:experiment-detail", args=[running.pk])).content.decode()
    history = detail.split('id="history-title"')[1]
    assert "<strong>cancellation reason</strong>: — → The partner withdrew the mailing list." in history
    assert "<strong>status</strong>: Running → Cancelled" in history


def test_only_those_who_may_cancel_see_the_form(web_client, other_marketer, marketer):
    draft = ExperimentFactory.create(owner=marketer)
    assert web_client(other_marketer).get(reverse("web:experiment-cancel", args=[draft.pk])).status_code == 403


def test_an_open_review_cannot_be_cancelled_from_the_form(web_client, marketer, ended):
    response = web_client(marketer).post(
        reverse("web:experiment-cancel", args=[ended.pk]), {"reason": "Changed our mind."}, follow=True
    )
    assert "can no longer be cancelled" in response.content.decode()
    ended.refresh_from_db()
    assert ended.status == Experiment.Status.RUNNING and ended.cancel_reason == ""
