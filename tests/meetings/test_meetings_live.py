"""Agendas live until the meeting is held: the same counts as the dashboard before and after a
review is filed that morning, frozen with the notes and decisions once held, no cancelled experiment
"started", channels by name; and beat builds the due meetings as soon as it starts."""

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from experiments.services.experiments import experiment_cancel
from experiments.services.reviews import review_file
from meetings.live import meeting_is_live
from meetings.models import Meeting
from meetings.services.meetings import meeting_create_due
from meetings.tasks import build_due_meetings
from tests.factories import ChannelFactory, ExperimentFactory
from tests.scenarios import REVIEW, at

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 12, 15)


@pytest.fixture
def ended(marketer):
    """Two experiments whose test ended on Dec 10 (awaiting review) and one still in its test."""
    channel = ChannelFactory(slug="partner-mailings", name="Partner mailings")
    with at(dt.date(2026, 11, 10)):
        first, second = (
            ExperimentFactory.create(
                running=True, owner=marketer, channel=channel, start_date=dt.date(2026, 11, 10), test_period_days=30
            )
            for _ in range(2)
        )
        running = ExperimentFactory.create(running=True, owner=marketer, start_date=dt.date(2026, 12, 1))
    return {"first": first, "second": second, "running": running}


def _agenda(client, meeting: Meeting) -> dict[str, Any]:
    response = client.get(f"/api/v1/meetings/{meeting.pk}/")
    assert response.status_code == 200
    agenda: dict[str, Any] = response.json()["agenda"]
    return agenda


def _dashboard(client) -> dict[str, object]:
    context = client.get("/").context
    return {
        "running": context["counts"]["running"],
        "awaiting_review": [card["experiment"].pk for card in context["awaiting"]],
        "reviewed": context["counts"]["reviewed"],
    }


def _now(agenda: dict[str, Any]) -> dict[str, object]:
    now = agenda["experiments_now"]
    return {
        "running": now["running"],
        "awaiting_review": [e["id"] for e in now["awaiting_review"]],
        "reviewed": now["reviewed"],
    }


def test_the_agenda_agrees_with_the_dashboard_before_and_after_a_review_is_filed(
    ended, sales_head, client_for, web_client
):
    with at(DAY, hour=6):
        sync = {m.kind: m for m in meeting_create_due()}["sync"]
    api, pages = client_for(sales_head), web_client(sales_head)
    with at(DAY, hour=10):
        before = _agenda(api, sync)
        assert _now(before) == _dashboard(pages)
    assert _now(before) == {
        "running": 1,
        "awaiting_review": [ended["first"].pk, ended["second"].pk],
        "reviewed": 0,
    }
    with at(DAY, hour=11):
        review_file(experiment=ended["first"], by=sales_head, verdict="confirmed", recommendation="scale", **REVIEW)
    with at(DAY, hour=14):  # the meeting, three hours later: the review is on its agenda
        after = _agenda(api, sync)
        assert _now(after) == _dashboard(pages)
        html = pages.get(reverse("web:meeting-detail", args=[sync.pk])).content.decode()
    assert _now(after) == {"running": 1, "awaiting_review": [ended["second"].pk], "reviewed": 1}
    # The review of the meeting's own day belongs to the next meeting's window, `[from, to)`, but
    # the experiments whose review opened in this window read it already.
    reviewed = {u["experiment"]["id"]: u["reviewed"] for u in after["experiments_unlocked"]}
    assert reviewed == {ended["first"].pk: True, ended["second"].pk: False}
    now = html.split('id="now-title"')[1].split("</section>")[0]
    assert "Partner mailings" in now and "partner-mailings" not in now
    assert "Live" in html and "Mark as held" in html
    # The stored agenda is the one of 06:00; the live one is what GET and the page show.
    sync.refresh_from_db()
    assert _now(sync.agenda)["reviewed"] == 0


def test_a_held_meeting_keeps_its_agenda_notes_and_decisions(ended, sales_head, marketer, client_for, web_client):
    with at(DAY, hour=6):
        sync = {m.kind: m for m in meeting_create_due()}["sync"]
    api = client_for(sales_head)
    with at(DAY, hour=14):
        assert api.patch(f"/api/v1/meetings/{sync.pk}/", {"decisions": "Scale it."}, format="json").status_code == 200
        assert client_for(marketer).post(f"/api/v1/meetings/{sync.pk}/hold/").status_code == 403
        held = api.post(f"/api/v1/meetings/{sync.pk}/hold/")
    assert held.status_code == 200
    body = held.json()
    assert body["held_by"] == "shead" and body["held_at"].startswith("2026-12-15T14:00:00")
    frozen = body["agenda"]
    assert _now(frozen)["awaiting_review"] == [ended["first"].pk, ended["second"].pk]
    with at(DAY, hour=16):  # after the meeting: a review is filed, someone edits the notes
        review_file(experiment=ended["first"], by=sales_head, verdict="confirmed", recommendation="scale", **REVIEW)
        assert _agenda(api, sync) == frozen
        refused = api.patch(f"/api/v1/meetings/{sync.pk}/", {"decisions": "Stop it."}, format="json")
        again = api.post(f"/api/v1/meetings/{sync.pk}/hold/")
        html = web_client(sales_head).get(reverse("web:meeting-detail", args=[sync.pk])).content.decode()
        posted = web_client(sales_head).post(reverse("web:meeting-detail", args=[sync.pk]), {"notes": "n"}, follow=True)
    assert refused.status_code == 409 and refused.json()["code"] == "meeting_held"
    assert again.status_code == 409 and again.json()["code"] == "meeting_held"
    sync.refresh_from_db()
    assert (sync.decisions, sync.agenda) == ("Scale it.", frozen)
    assert "Held on" in html and "Mark as held" not in html and 'name="notes"' not in html
    assert posted.status_code == 200 and "was held on 2026-12-15" in posted.content.decode()


def test_the_page_marks_a_meeting_as_held(ended, founder, marketer, web_client):
    with at(DAY, hour=6):
        founder_meeting = {m.kind: m for m in meeting_create_due()}["founder"]
    with at(DAY, hour=12):
        assert web_client(marketer).post(reverse("web:meeting-hold", args=[founder_meeting.pk])).status_code == 403
        response = web_client(founder).post(reverse("web:meeting-hold", args=[founder_meeting.pk]), follow=True)
    assert "The meeting is marked as held" in response.content.decode()
    founder_meeting.refresh_from_db()
    assert founder_meeting.held_by == founder and not meeting_is_live(founder_meeting, today=DAY)


def test_an_unmarked_meeting_counts_as_held_once_its_day_has_passed(ended, sales_head, client_for):
    with at(DAY, hour=6):
        sync = {m.kind: m for m in meeting_create_due()}["sync"]
    with at(DAY, hour=11):
        review_file(experiment=ended["first"], by=sales_head, verdict="confirmed", recommendation="scale", **REVIEW)
    with at(DAY, hour=23):
        build_due_meetings()  # beat's hourly run stores today's agendas as they are
    with at(DAY + dt.timedelta(days=1), hour=9):
        review_file(experiment=ended["second"], by=sales_head, verdict="confirmed", recommendation="scale", **REVIEW)
        agenda = _agenda(client_for(sales_head), sync)
    assert _now(agenda) == {"running": 1, "awaiting_review": [ended["second"].pk], "reviewed": 1}


def test_a_cancelled_experiment_is_never_started_and_channels_read_by_name(marketer, founder, web_client):
    channel = ChannelFactory(slug="tg-ads", name="Telegram ads")
    with at(dt.date(2026, 12, 9)):
        kept = ExperimentFactory.create(running=True, owner=marketer, channel=channel, start_date=dt.date(2026, 12, 9))
        dropped = ExperimentFactory.create(
            running=True, owner=marketer, channel=channel, start_date=dt.date(2026, 12, 9)
        )
        experiment_cancel(experiment=dropped, by=marketer)
    with at(DAY, hour=6):
        meeting = {m.kind: m for m in meeting_create_due()}["founder"]
    started = meeting.agenda["experiments"]["started"]
    assert [e["id"] for e in started] == [kept.pk]
    assert (started[0]["channel"], started[0]["channel_name"]) == ("tg-ads", "Telegram ads")
    with at(DAY, hour=9):
        html = web_client(founder).get(reverse("web:meeting-detail", args=[meeting.pk])).content.decode()
    section = html.split('id="experiments-title"')[1].split("</section>")[0]
    assert "Telegram ads" in section and "tg-ads" not in section and dropped.title not in section


def test_the_founder_agenda_sets_the_month_so_far_beside_the_same_days_before(marketer):
    with at(DAY, hour=6):
        agenda = {m.kind: m for m in meeting_create_due()}["founder"].agenda
    month = agenda["month_to_date"]
    assert month["period"] == {"from": "2026-12-01", "to": "2026-12-16"}
    assert month["previous_period"] == {"from": "2026-11-01", "to": "2026-11-16"}
    assert set(month["departments"]) == {"marketing", "sales"}


def test_the_agenda_counts_every_experiment_awaiting_review_beyond_those_it_names(
    ended, sales_head, client_for, web_client, monkeypatch
):
    from meetings import agendas

    monkeypatch.setattr(agendas, "AGENDA_AWAITING_SHOWN", 1)
    with at(DAY, hour=6):
        sync = {m.kind: m for m in meeting_create_due()}["sync"]
    with at(DAY, hour=10):
        now = _agenda(client_for(sales_head), sync)["experiments_now"]
        html = web_client(sales_head).get(reverse("web:meeting-detail", args=[sync.pk])).content.decode()
        listed = web_client(sales_head).get(reverse("web:meeting-list")).content.decode()
    assert [e["id"] for e in now["awaiting_review"]] == [ended["first"].pk]
    assert now["awaiting_review_count"] == 2
    tiles = html.split('id="now-title"')[1].split("</dl>")[0]
    assert "<dd>2</dd>" in tiles
    assert "2 awaiting review" in listed
