"""Agendas built from data: a month of experiments, leads, reviews and questions, then the sync and
founder meetings of December 15th (Moscow time; regulation v1: sync every 14 days, founder every 7,
threshold 0.30, review due 7 days after the unlock)."""

import datetime as dt
import json

import pytest

from meetings.models import Meeting
from meetings.services.meetings import meeting_create_due
from tests.scenarios import at

pytestmark = pytest.mark.django_db

SYNC_KEYS = {
    "kind",
    "period",
    "previous_period",
    "regulation_version",
    "previous_meeting",
    "experiments_unlocked",
    "reviews",
    "wins",
    "open_questions",
    "churn",
    "non_target",
    "departments",
    "experiments_now",
}
FOUNDER_KEYS = {
    "kind",
    "period",
    "regulation_version",
    "previous_meeting",
    "departments",
    "goals",
    "experiments",
    "overdue_reviews",
    "month_to_date",
}


def test_the_first_sync_lists_a_period_end_no_job_recorded_yet(month):
    first = Meeting.objects.get(kind="sync", date=dt.date(2026, 12, 1)).agenda
    unlocked = first["experiments_unlocked"]
    assert [(u["experiment"]["id"], u["reason"], u["recorded"]) for u in unlocked] == [
        (month["events"].pk, "period_ended", False)
    ]
    assert unlocked[0]["review_due_on"] == "2026-12-07"


def test_sync_agenda_lists_the_experiments_whose_review_opened(month):
    agenda = month["sync"].agenda
    assert set(agenda) == SYNC_KEYS
    assert agenda["period"] == {"from": "2026-12-01", "to": "2026-12-15"}
    previous = Meeting.objects.get(kind="sync", date=dt.date(2026, 12, 1))
    assert agenda["previous_meeting"] == {
        "id": previous.pk,
        "date": "2026-12-01",
        "decisions": "Judge partner mailings after Dec 5.",
    }
    unlocked = agenda["experiments_unlocked"]
    # The events experiment opened on Nov 30, before this window: it belonged to the previous sync.
    assert [(u["experiment"]["id"], u["reason"]) for u in unlocked] == [
        (month["students"].pk, "exception"),
        (month["partner"].pk, "period_ended"),
    ]
    exception, period_end = unlocked
    assert (exception["judged_leads"], exception["non_target_leads"], exception["non_target_share"]) == (20, 15, 0.75)
    assert exception["threshold"] == 0.3
    assert exception["evidence"] >= exception["evidence_needed"] == 20.0
    assert exception["unlocked_at"] == "2026-12-04T15:00:00+03:00"  # when the review was filed
    assert exception["reviewed"] is True
    assert (period_end["judged_leads"], period_end["non_target_leads"]) == (10, 3)
    assert period_end["unlocked_at"] == "2026-12-05T00:00:00+03:00"  # midnight of Dec 5 in Moscow
    assert period_end["review_due_on"] == "2026-12-12"
    assert period_end["experiment"]["channel"] == "partner-mailings"
    assert period_end["experiment"]["owner"] == "alice"


def test_sync_agenda_lists_reviews_and_wins_with_the_hypothesis_and_decision(month):
    agenda = month["sync"].agenda
    reviews = agenda["reviews"]
    assert [(r["experiment"]["id"], r["verdict"], r["recommendation"]) for r in reviews] == [
        (month["students"].pk, "not_confirmed", "adjust_positioning"),
        (month["partner"].pk, "confirmed", "scale"),
    ]
    assert reviews[0]["loss_reasons"] == "No budget; wrong segment."
    assert reviews[0]["unlock_reason"] == "exception"
    assert reviews[0]["metrics"]["leads_total"] == 20
    assert reviews[0]["author"] == "shead"

    [win] = agenda["wins"]
    assert win["experiment"]["id"] == month["partner"].pk
    assert win["experiment"]["hypothesis"] == month["partner"].hypothesis
    assert (win["recommendation"], win["decided_by"], win["budget"]) == ("scale", "shead", "150000.00")
    assert win["targets"] == {"min_mql": 2}
    assert win["metrics"]["mql"] == 2


def test_sync_agenda_lists_open_questions_and_churn_reasons(month):
    agenda = month["sync"].agenda
    [question] = agenda["open_questions"]
    assert (question["id"], question["text"], question["author"]) == (
        month["question"].pk,
        "Which partners sent the best leads?",
        "shead",
    )
    assert question["experiment"] == {"id": month["partner"].pk, "title": "Partner mailings to SMB"}
    assert question["days_open"] == 7
    assert agenda["churn"] == {
        "churned_customers": 3,
        "churn_rate": 1.0,  # all three customers active on Dec 1 churned
        "reasons": [{"reason": "Too expensive", "count": 2}, {"reason": "unspecified", "count": 1}],
    }


def test_sync_agenda_compares_each_department_with_the_previous_period(month):
    agenda = month["sync"].agenda
    assert agenda["previous_period"] == {"from": "2026-11-17", "to": "2026-12-01"}
    marketing = agenda["departments"]["marketing"]
    assert (marketing["current"]["leads_total"], marketing["previous"]["leads_total"]) == (20, 10)
    assert marketing["change"]["leads_total"] == 10
    assert (marketing["current"]["mql"], marketing["previous"]["mql"], marketing["change"]["mql"]) == (4, 2, 2)
    assert marketing["change"]["non_target_share"] == pytest.approx(0.45)
    assert marketing["current"]["marketing_spend"] == "0.00"
    assert marketing["change"]["marketing_spend"] == "0.00"
    assert marketing["current"]["cpl"] == "0.00"
    assert marketing["current"]["cac"] is None  # no customers won in the window: no denominator
    sales = agenda["departments"]["sales"]
    assert (sales["current"]["churned_customers"], sales["previous"]["churned_customers"]) == (3, 0)
    # The same three customers were active at both starts; none churned in the previous period.
    assert (sales["previous"]["churn_rate"], sales["change"]["churn_rate"]) == (0.0, 1.0)
    assert "churn_reasons" not in sales["change"]


def test_founder_agenda_shows_goals_experiments_and_overdue_reviews(month):
    agenda = month["founder"].agenda
    assert set(agenda) == FOUNDER_KEYS
    # The meeting of Dec 8 never ran: this one covers everything since Dec 1.
    assert agenda["period"] == {"from": "2026-12-01", "to": "2026-12-15"}
    assert agenda["departments"]["marketing"]["leads_total"] == 20
    [goal] = agenda["goals"]  # the November revenue goal does not overlap the window
    assert (goal["metric"], goal["target"], goal["actual"], goal["progress"], goal["met"]) == (
        "mql",
        "10",
        4,
        0.4,
        False,
    )
    assert (goal["period_start"], goal["period_end"], goal["zone"]) == ("2026-12-01", "2027-01-01", "marketing")

    experiments = agenda["experiments"]
    assert [e["id"] for e in experiments["started"]] == [month["students"].pk]
    assert [e["id"] for e in experiments["ended"]] == [month["partner"].pk]
    assert [(r["experiment"]["id"], r["verdict"]) for r in experiments["reviewed"]] == [
        (month["students"].pk, "not_confirmed"),
        (month["partner"].pk, "confirmed"),
    ]
    [overdue] = agenda["overdue_reviews"]
    assert overdue["experiment"]["id"] == month["events"].pk
    assert (overdue["reason"], overdue["review_due_on"], overdue["days_overdue"]) == ("period_ended", "2026-12-07", 8)


def test_an_agenda_is_plain_json_of_a_stable_shape_even_when_empty():
    with at(dt.date(2026, 12, 1), hour=6):
        created = {m.kind: m for m in meeting_create_due()}
    sync, founder = created["sync"].agenda, created["founder"].agenda
    assert set(sync) == SYNC_KEYS
    assert set(founder) == FOUNDER_KEYS
    for key in ("experiments_unlocked", "reviews", "wins", "open_questions"):
        assert sync[key] == []
    assert sync["churn"] == {"churned_customers": 0, "churn_rate": None, "reasons": []}
    assert sync["previous_meeting"] is None and founder["previous_meeting"] is None
    assert founder["goals"] == [] and founder["overdue_reviews"] == []
    assert founder["experiments"] == {"started": [], "ended": [], "reviewed": []}
    # Stored as JSON and read back unchanged.
    meeting = Meeting.objects.get(kind="sync")
    assert json.loads(json.dumps(meeting.agenda)) == sync
