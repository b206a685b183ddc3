"""Meetings: the cadence of the regulation, exactly one meeting per kind and date, notes and
decisions by the heads and the founder, the API (api.md, meetings) and the admin."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from experiments.models import Regulation
from meetings.models import Meeting
from meetings.services.meetings import (
    meeting_create,
    meeting_create_due,
    meeting_due_window,
    meeting_update_notes,
)
from meetings.tasks import build_due_meetings

pytestmark = pytest.mark.django_db

MSK = dt.timezone(dt.timedelta(hours=3))


def morning(day: dt.date) -> time_machine.travel:
    """06:00 in Moscow (the configured zone) on `day`, when beat builds the meetings."""
    return time_machine.travel(dt.datetime.combine(day, dt.time(6), tzinfo=MSK), tick=False)


def kinds_and_dates() -> list[tuple[str, str]]:
    return sorted((m.kind, m.date.isoformat()) for m in Meeting.objects.all())


# --- cadence and idempotency -------------------------------------------------------------------


def test_the_first_run_creates_one_meeting_of_each_kind():
    with morning(dt.date(2026, 12, 1)):
        created = meeting_create_due()
    assert sorted(m.kind for m in created) == ["founder", "sync"]
    sync = Meeting.objects.get(kind="sync")
    assert sync.date == dt.date(2026, 12, 1)
    # The first sync covers the cadence's length before it.
    assert sync.agenda["period"] == {"from": "2026-11-17", "to": "2026-12-01"}
    assert Meeting.objects.get(kind="founder").agenda["period"] == {"from": "2026-11-24", "to": "2026-12-01"}


def test_sync_every_14_days_and_founder_every_7_days():
    start = dt.date(2026, 12, 1)
    for offset in range(29):
        with morning(start + dt.timedelta(days=offset)):
            meeting_create_due()
    assert kinds_and_dates() == [
        ("founder", "2026-12-01"),
        ("founder", "2026-12-08"),
        ("founder", "2026-12-15"),
        ("founder", "2026-12-22"),
        ("founder", "2026-12-29"),
        ("sync", "2026-12-01"),
        ("sync", "2026-12-15"),
        ("sync", "2026-12-29"),
    ]
    second_sync = Meeting.objects.get(kind="sync", date=dt.date(2026, 12, 15))
    assert second_sync.agenda["period"] == {"from": "2026-12-01", "to": "2026-12-15"}
    assert second_sync.agenda["previous_period"] == {"from": "2026-11-17", "to": "2026-12-01"}


def test_a_sync_is_not_created_before_14_days_have_passed():
    with morning(dt.date(2026, 12, 1)):
        meeting_create_due()
    with morning(dt.date(2026, 12, 14)):
        # The founder meeting is due (since the 8th); the sync is not, a day before its 14 days.
        assert [m.kind for m in meeting_create_due()] == ["founder"]
    assert not Meeting.objects.filter(kind="sync", date=dt.date(2026, 12, 14)).exists()
    with morning(dt.date(2026, 12, 15)):
        assert [m.kind for m in meeting_create_due()] == ["sync"]


def test_a_missed_day_is_caught_up_with_a_window_since_the_previous_meeting():
    with morning(dt.date(2026, 12, 1)):
        meeting_create_due()
    with morning(dt.date(2026, 12, 10)):  # nothing ran on the 8th and 9th
        created = meeting_create_due()
    assert [(m.kind, m.date) for m in created] == [("founder", dt.date(2026, 12, 10))]
    assert created[0].agenda["period"] == {"from": "2026-12-01", "to": "2026-12-10"}


def test_the_cadence_follows_the_regulation_in_force():
    Regulation.objects.create(version=2, sync_meeting_every_days=7, founder_meeting_every_days=3)
    with morning(dt.date(2026, 12, 1)):
        meeting_create_due()
    with morning(dt.date(2026, 12, 4)):
        assert [m.kind for m in meeting_create_due()] == ["founder"]
    with morning(dt.date(2026, 12, 8)):
        assert sorted(m.kind for m in meeting_create_due()) == ["founder", "sync"]


def test_calling_twice_creates_one_meeting_of_each_kind():
    with morning(dt.date(2026, 12, 1)):
        assert len(meeting_create_due()) == 2
        assert meeting_create_due() == []
        assert build_due_meetings() == []  # the beat task, called as a function
    assert Meeting.objects.count() == 2


def test_a_caller_that_lost_the_race_creates_nothing():
    today = dt.date(2026, 12, 1)
    # Both callers saw no meeting; the first one commits its meeting before the second inserts.
    window = meeting_due_window(kind="sync", today=today, every_days=14)
    assert window is not None
    first = meeting_create(kind="sync", date=today, date_from=window[0])
    second = meeting_create(kind="sync", date=today, date_from=window[0])
    assert first is not None
    assert second is None
    assert Meeting.objects.filter(kind="sync").count() == 1


def test_the_beat_task_returns_the_ids_it_created():
    with morning(dt.date(2026, 12, 1)):
        ids = build_due_meetings()
    assert sorted(ids) == sorted(Meeting.objects.values_list("id", flat=True))
    assert len(ids) == 2


def test_the_beat_schedule_runs_the_task_every_morning(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["build-due-meetings"]
    assert entry["task"] == build_due_meetings.name
    assert 6 in entry["schedule"].hour
    assert min(entry["schedule"].hour) == 6


def test_beat_start_sends_the_meeting_entry_too(settings):
    from tracker.celery import AT_BEAT_START

    assert "build-due-meetings" in AT_BEAT_START
    assert set(AT_BEAT_START) <= set(settings.CELERY_BEAT_SCHEDULE)


# --- notes and decisions -----------------------------------------------------------------------


@pytest.fixture
def meeting() -> Meeting:
    with morning(dt.date(2026, 12, 1)):
        meeting_create_due()
    return Meeting.objects.get(kind="sync")


@pytest.mark.parametrize("role", ["marketing_head", "sales_head", "founder"])
def test_heads_and_founder_write_notes_and_decisions(users, meeting, role):
    updated = meeting_update_notes(meeting=meeting, by=users[role], notes="  Partner mailings: scale.  ")
    assert updated.notes == "Partner mailings: scale."
    updated = meeting_update_notes(meeting=meeting, by=users[role], decisions="Double the budget in January.")
    meeting.refresh_from_db()
    # A field left out is not touched.
    assert (meeting.notes, meeting.decisions) == ("Partner mailings: scale.", "Double the budget in January.")


@pytest.mark.parametrize("role", ["marketer", "other_marketer", "admin"])
def test_others_cannot_write_meeting_notes(users, meeting, role):
    with pytest.raises(PermissionDenied, match="marketing heads, sales heads and the founder"):
        meeting_update_notes(meeting=meeting, by=users[role], notes="x")
    meeting.refresh_from_db()
    assert meeting.notes == ""


def test_overlong_notes_are_refused_per_field(founder, meeting):
    with pytest.raises(ValidationError) as refused:
        meeting_update_notes(meeting=meeting, by=founder, notes="ok", decisions="d" * 20001)
    assert set(refused.value.message_dict) == {"decisions"}
    meeting.refresh_from_db()
    assert meeting.notes == ""


# --- the API -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("marketing_head", 200),
        ("sales_head", 200),
        ("founder", 200),
        ("marketer", 403),
        ("other_marketer", 403),
        ("admin", 403),
        ("anonymous", 401),
    ],
)
def test_who_may_patch_notes_and_decisions(users, client_for, meeting, role, expected):
    response = client_for(users[role]).patch(
        f"/api/v1/meetings/{meeting.pk}/", {"notes": "Talked", "decisions": "Scale"}, format="json"
    )
    assert response.status_code == expected, response.content
    meeting.refresh_from_db()
    if expected == 200:
        assert response.json() == {
            "id": meeting.pk,
            "kind": "sync",
            "date": "2026-12-01",
            "agenda": meeting.agenda,
            "notes": "Talked",
            "decisions": "Scale",
            "held_at": None,
            "held_by": None,
        }
    else:
        assert (meeting.notes, meeting.decisions) == ("", "")


def test_patch_cannot_change_the_agenda_kind_or_date(founder, client_for, meeting):
    agenda = meeting.agenda
    response = client_for(founder).patch(
        f"/api/v1/meetings/{meeting.pk}/",
        {"kind": "founder", "date": "2027-01-01", "agenda": {"typed": True}, "notes": "n"},
        format="json",
    )
    assert response.status_code == 200
    meeting.refresh_from_db()
    assert (meeting.kind, meeting.date, meeting.agenda, meeting.notes) == ("sync", dt.date(2026, 12, 1), agenda, "n")
    assert client_for(founder).put(f"/api/v1/meetings/{meeting.pk}/", {}, format="json").status_code == 405


def test_patch_answers_400_per_field(founder, client_for, meeting):
    response = client_for(founder).patch(f"/api/v1/meetings/{meeting.pk}/", {"notes": "n" * 20001}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"notes"}


@pytest.mark.parametrize("role", ["marketer", "sales_head", "founder", "admin"])
def test_everyone_signed_in_reads_meetings(users, client_for, meeting, role):
    client = client_for(users[role])
    listed = client.get("/api/v1/meetings/")
    assert listed.status_code == 200
    assert listed.json()["count"] == 2
    one = client.get(f"/api/v1/meetings/{meeting.pk}/")
    assert one.status_code == 200
    assert set(one.json()) == {"id", "kind", "date", "agenda", "notes", "decisions", "held_at", "held_by"}
    assert one.json()["agenda"]["kind"] == "sync"


def test_anonymous_reads_nothing(client_for, meeting):
    assert client_for(None).get("/api/v1/meetings/").status_code == 401
    assert client_for(None).get(f"/api/v1/meetings/{meeting.pk}/").status_code == 401


def test_missing_meeting_is_404(founder, client_for):
    assert client_for(founder).get("/api/v1/meetings/999999/").status_code == 404


def test_list_is_newest_first_and_filters_by_kind(marketer, client_for):
    for offset in range(0, 22):
        with morning(dt.date(2026, 12, 1) + dt.timedelta(days=offset)):
            meeting_create_due()
    client = client_for(marketer)
    everything = client.get("/api/v1/meetings/").json()["results"]
    assert [m["date"] for m in everything] == sorted((m["date"] for m in everything), reverse=True)
    syncs = client.get("/api/v1/meetings/?kind=sync").json()
    assert [m["date"] for m in syncs["results"]] == ["2026-12-15", "2026-12-01"]
    founders = client.get("/api/v1/meetings/?kind=founder&page_size=2").json()
    assert founders["count"] == 4
    assert [m["date"] for m in founders["results"]] == ["2026-12-22", "2026-12-15"]
    assert founders["next"] is not None
    refused = client.get("/api/v1/meetings/?kind=weekly")
    assert refused.status_code == 400
    assert set(refused.json()) == {"kind"}


def test_the_list_filter_does_not_apply_to_one_meeting(marketer, client_for):
    with morning(dt.date(2026, 12, 1)):
        meeting_create_due()
    meeting = Meeting.objects.filter(kind="sync").get()
    client = client_for(marketer)
    assert client.get(f"/api/v1/meetings/{meeting.id}/", {"kind": "founder"}).status_code == 200
    assert client.get(f"/api/v1/meetings/{meeting.id}/", {"kind": "weekly"}).status_code == 200


def test_meeting_list_queries_do_not_grow_with_meetings(marketer, client_for, count_queries):
    client = client_for(marketer)
    day = dt.date(2026, 12, 1)
    with morning(day):
        meeting_create_due()
    count_queries(client.get, "/api/v1/meetings/")  # warm the token and role caches
    few = count_queries(client.get, "/api/v1/meetings/")
    for offset in range(1, 30):
        with morning(day + dt.timedelta(days=offset)):
            meeting_create_due()
    assert Meeting.objects.count() == 8
    assert count_queries(client.get, "/api/v1/meetings/") == few


# --- the admin ---------------------------------------------------------------------------------


@pytest.fixture
def staff_client():
    def make(user) -> Client:
        user.is_staff = True
        user.is_superuser = True
        user.save()
        client = Client()
        client.force_login(user)
        return client

    return make


def test_admin_writes_notes_through_the_service(staff_client, sales_head, meeting):
    client = staff_client(sales_head)
    page = client.get(f"/admin/meetings/meeting/{meeting.pk}/change/")
    assert page.status_code == 200
    assert "experiments_unlocked" in page.content.decode()  # the agenda is shown, read-only
    response = client.post(
        f"/admin/meetings/meeting/{meeting.pk}/change/", {"notes": "From the admin", "decisions": "Keep testing"}
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.notes, meeting.decisions) == ("From the admin", "Keep testing")


def test_admin_refuses_overlong_notes_as_the_service_does(staff_client, sales_head, meeting):
    response = staff_client(sales_head).post(
        f"/admin/meetings/meeting/{meeting.pk}/change/", {"notes": "n" * 20001, "decisions": ""}
    )
    assert response.status_code == 200
    assert "Keep it under 20000 characters (it has 20001)." in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.notes == ""


def test_admin_without_a_head_role_only_reads_meetings(staff_client, admin_user, meeting):
    client = staff_client(admin_user)
    assert client.get("/admin/meetings/meeting/").status_code == 200
    client.post(f"/admin/meetings/meeting/{meeting.pk}/change/", {"notes": "typed", "decisions": ""})
    meeting.refresh_from_db()
    assert meeting.notes == ""
    assert client.get("/admin/meetings/meeting/add/").status_code == 403


def test_goal_and_meeting_pages_exist_in_the_admin(staff_client, founder):
    client = staff_client(founder)
    assert client.get("/admin/meetings/goal/").status_code == 200
    assert client.get("/admin/meetings/meeting/").status_code == 200


# --- the schema --------------------------------------------------------------------------------


def test_schema_describes_goals_and_meetings():
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/goals/"])
    assert set(paths["/api/v1/meetings/"]) == {"get"}
    assert {"get", "patch"} <= set(paths["/api/v1/meetings/{id}/"])
    assert "put" not in paths["/api/v1/meetings/{id}/"]
    filters = {p["name"] for p in paths["/api/v1/meetings/"]["get"]["parameters"]}
    assert {"kind", "page", "page_size"} <= filters
