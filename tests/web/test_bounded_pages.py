"""Every page reachable from the navigation shows a bounded number of rows: long lists go page by
page or list their first items; and a page shows rows that the load test's data has."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from experiments.services.questions import question_answer, question_ask
from experiments.services.regulations import regulation_create
from experiments.views.experiments import QUESTIONS_PAGE_SIZE
from experiments.views.regulations import HISTORY_PAGE_SIZE
from meetings.models import Meeting
from meetings.services.meetings import meeting_create
from meetings.views.meetings import AGENDA_ITEMS_SHOWN
from metrics.models import ImportJob
from metrics.views.imports import IMPORT_ERRORS_SHOWN
from tests.factories import ExperimentFactory

pytestmark = pytest.mark.django_db


def test_healthz_answers_a_signed_in_user_only(web_client, marketer):
    assert web_client(None).get("/healthz/").status_code == 302
    response = web_client(marketer).get("/healthz/")
    assert response.status_code == 200
    assert response.content == b"ok\n"


def test_regulation_history_goes_page_by_page(web_client, founder, admin_user):
    for days in range(HISTORY_PAGE_SIZE + 4):  # versions 2..25 over version 1
        regulation_create(by=admin_user, review_due_days=3 + days % 20)
    client = web_client(founder)
    first = client.get(reverse("web:regulation"))
    second = client.get(reverse("web:regulation"), {"page": 2})
    assert len(first.context["history"]) == HISTORY_PAGE_SIZE
    assert [row["regulation"].version for row in second.context["history"]] == [5, 4, 3, 2, 1]
    html = second.content.decode()
    # The version in force heads every page; what the last version of a page changed is still said.
    assert "In force: version 25" in html
    assert html.count("in force</span>") == 0
    assert "first version" in html
    assert second.context["history"][0]["changes"] == ["days to file a review"]
    assert "first version" not in first.content.decode()
    assert first.content.decode().count("in force</span>") == 1


def test_questions_on_an_experiment_go_page_by_page_open_ones_first(web_client, sales_head, marketing_head):
    experiment = ExperimentFactory.create(running=True)
    asked = [
        question_ask(experiment=experiment, by=sales_head, text=f"Question number {n:02d}?")
        for n in range(QUESTIONS_PAGE_SIZE + 5)
    ]
    for question in asked[:10]:
        question_answer(question=question, by=marketing_head, text="Because.")
    client = web_client(marketing_head)
    url = reverse("web:experiment-detail", args=[experiment.pk])
    first = client.get(url).content.decode()
    second = client.get(url, {"questions": 2}).content.decode()
    # The 15 open ones, oldest first, then the answered ones, the latest answer first.
    assert first.count("Question number") == QUESTIONS_PAGE_SIZE
    assert first.index("Question number 10?") < first.index("Question number 24?") < first.index("Question number 09?")
    assert second.count("Question number") == 5
    assert "Question number 00?" in second
    assert "?questions=2#qa-title" in first


def test_import_page_lists_the_first_errors_and_says_so(web_client, marketer):
    errors = [{"line": n + 2, "external_id": f"x{n}", "errors": {"created_at": ["Bad date."]}} for n in range(1000)]
    job = ImportJob.objects.create(
        file="imports/a.csv", created_by=marketer, status=ImportJob.Status.DONE, rows_failed=5000, errors=errors
    )
    html = web_client(marketer).get(reverse("web:import-detail", args=[job.pk])).content.decode()
    assert html.count("Bad date.") == IMPORT_ERRORS_SHOWN
    assert f"The first {IMPORT_ERRORS_SHOWN} of 5000 failed rows are listed." in html


def test_experiment_without_any_history_record_shows_its_page(web_client, founder):
    experiment = ExperimentFactory.create(running=True, title="Loaded in bulk")
    experiment.history.all().delete()
    response = web_client(founder).get(reverse("web:experiment-detail", args=[experiment.pk]))
    assert response.status_code == 200
    assert "Loaded in bulk" in response.content.decode()


def test_meeting_page_lists_the_first_items_of_a_long_agenda_section(web_client, founder):
    day = timezone.localdate()
    meeting = meeting_create(kind=Meeting.Kind.FOUNDER, date=day, date_from=day - dt.timedelta(days=7))
    assert meeting is not None
    experiment = {"id": 1, "title": "Overdue test", "channel": "events", "owner": "alice", "utm_campaign": "x"}
    experiment.update(start_date="2026-01-01", ends_on="2026-01-31", status="awaiting_review")
    item = {"experiment": experiment, "reason": "period_ended", "review_due_on": "2026-02-07", "days_overdue": 9}
    meeting.agenda["overdue_reviews"] = [item] * (AGENDA_ITEMS_SHOWN + 20)
    meeting.held_at = timezone.now()  # a held meeting shows the agenda it was held with, not a live one
    meeting.save(update_fields=["agenda", "held_at"])
    html = web_client(founder).get(reverse("web:meeting-detail", args=[meeting.pk])).content.decode()
    overdue = html.split('id="overdue-title"')[1].split("</section>")[0]
    assert f'badge-not_confirmed">{AGENDA_ITEMS_SHOWN + 20}</span>' in overdue  # the badge counts them all
    assert overdue.count("Overdue test") == AGENDA_ITEMS_SHOWN
    assert "…and 20 more, not listed here." in overdue
