"""Which agenda a meeting shows: the data as it is now until the meeting is held, then the agenda
it was held with (docs/api.md, "Meeting agendas").

A meeting is held when a head or the founder marks it so (`meetings.services.meetings.meeting_hold`,
which stores the agenda of that moment), or, unmarked, once its day has passed: it then shows the
agenda last stored, which beat refreshes through the meeting's day (`meeting_refresh_today`).
Agendas are built by the same functions either way (`meetings.agendas`), so a live agenda and a
stored one differ only in when they were read.
"""

import datetime as dt

from django.utils import timezone

from meetings.agendas import founder_agenda, sync_agenda
from meetings.models import Meeting

AGENDA_BUILDERS = {Meeting.Kind.SYNC: sync_agenda, Meeting.Kind.FOUNDER: founder_agenda}


def meeting_window_start(meeting: Meeting) -> dt.date | None:
    """The first day the agenda covers, as stored when the meeting was created (None: a bare row)."""
    start = ((meeting.agenda or {}).get("period") or {}).get("from")
    return dt.date.fromisoformat(start) if start else None


def meeting_is_live(meeting: Meeting, *, today: dt.date | None = None) -> bool:
    """Not held, its day not passed, and built from data: the agenda is read as it is now."""
    today = today or timezone.localdate()
    return (
        meeting.held_at is None
        and meeting.date >= today
        and meeting.kind in AGENDA_BUILDERS
        and meeting_window_start(meeting) is not None
    )


def agenda_build(meeting: Meeting, *, today: dt.date | None = None) -> dict:
    """The meeting's agenda from the data as it is now, over the window it was created with."""
    date_from = meeting_window_start(meeting)
    return AGENDA_BUILDERS[meeting.kind](date_from=date_from, date_to=meeting.date, today=today)


def meeting_agenda(meeting: Meeting, *, today: dt.date | None = None) -> dict:
    """What the meeting shows: the live agenda while it is live, else the stored one."""
    if meeting_is_live(meeting, today=today):
        return agenda_build(meeting, today=today)
    return meeting.agenda or {}
