"""Regular meetings: created on the regulation's cadence with an agenda built from data; the heads
and the founder add notes and decisions.

A sync meeting comes every `sync_meeting_every_days`, a founder meeting every
`founder_meeting_every_days` (the regulation in force). A meeting is dated the day it is created
and its agenda covers the days since the previous meeting of its kind, `[previous.date, date)`;
the first one covers the cadence's length before it.

Until it is held the agenda is read live (`meetings.live`); holding it stores the agenda of that
moment and closes its notes and decisions.
"""

import datetime as dt
import logging
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from experiments.permissions import User
from experiments.selectors import regulation_current
from meetings.live import AGENDA_BUILDERS, agenda_build, meeting_window_start
from meetings.models import Meeting
from meetings.permissions import can_write_meeting_notes
from meetings.selectors import meeting_latest
from tracker.errors import Conflict
from tracker.validation import validate

logger = logging.getLogger(__name__)


def meeting_cadence() -> dict[str, int]:
    """Days between meetings of each kind, from the regulation in force."""
    regulation = regulation_current()
    return {
        Meeting.Kind.SYNC: regulation.sync_meeting_every_days,
        Meeting.Kind.FOUNDER: regulation.founder_meeting_every_days,
    }


def meeting_due_window(*, kind: str, today: dt.date, every_days: int) -> tuple[dt.date, dt.date] | None:
    """The window `[from, today)` of the meeting of `kind` due today, or None when none is due."""
    previous = meeting_latest(kind=kind)
    if previous is None:
        return today - dt.timedelta(days=every_days), today
    if today < previous.date + dt.timedelta(days=every_days):
        return None
    return previous.date, today


@transaction.atomic
def meeting_create(*, kind: str, date: dt.date, date_from: dt.date) -> Meeting | None:
    """Create the meeting of `kind` on `date` with its agenda over `[date_from, date)`.

    Returns None when a meeting of that kind already exists on that date: the unique constraint
    (kind, date) settles concurrent callers (two beat runs, a retried message), so exactly one
    meeting is created.
    """
    if kind not in AGENDA_BUILDERS:
        raise ValidationError(
            {"kind": [_("Choose one of: %(choices)s.") % {"choices": ", ".join(Meeting.Kind.values)}]}
        )
    if date_from >= date:
        raise ValidationError({"date": [_("The agenda's window must end after it starts.")]})
    agenda = AGENDA_BUILDERS[kind](date_from=date_from, date_to=date)
    try:
        with transaction.atomic():
            return Meeting.objects.create(kind=kind, date=date, agenda=agenda)
    except IntegrityError:
        logger.info("A %s meeting on %s exists already; not creating another.", kind, date)
        return None


def meeting_create_due(*, today: dt.date | None = None) -> list[Meeting]:
    """Create every meeting due today (sync and/or founder), each with its agenda. Safe to run
    any number of times a day: a meeting that exists is not created again.

    Each kind commits on its own, so a failure building one agenda does not lose the other.
    """
    today = today or timezone.localdate()
    created = []
    for kind, every_days in meeting_cadence().items():
        window = meeting_due_window(kind=kind, today=today, every_days=every_days)
        if window is None:
            continue
        meeting = meeting_create(kind=kind, date=today, date_from=window[0])
        if meeting is not None:
            created.append(meeting)
    return created


@transaction.atomic
def meeting_update_notes(
    *, meeting: Meeting, by: User, notes: str | None = None, decisions: str | None = None
) -> Meeting:
    """Write the meeting's notes and/or decisions (marketing heads, sales heads, the founder).

    A field left None is not touched, so two heads writing different fields do not overwrite each
    other. Raises PermissionDenied or ValidationError per field.
    """
    if not can_write_meeting_notes(by):
        raise PermissionDenied(
            _("Only marketing heads, sales heads and the founder write meeting notes and decisions.")
        )
    given = {name: value for name, value in (("notes", notes), ("decisions", decisions)) if value is not None}
    refused = {name: [_("Give the text as a string.")] for name, value in given.items() if not isinstance(value, str)}
    # The row lock orders concurrent edits of one meeting; each writes only its own fields, and
    # none lands after the meeting was held (holding takes the same lock).
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.held_at is not None and given:
        raise _held_conflict(meeting)
    for name, value in given.items():
        if name not in refused:
            setattr(meeting, name, value.strip())
    validate(meeting, refused=refused, only=given)
    if given:
        meeting.save(update_fields=list(given))
    return meeting


def _held_conflict(meeting: Meeting) -> Conflict:
    return Conflict(
        _("The meeting was held on %(date)s: its agenda, notes and decisions stay as they were then.")
        % {"date": timezone.localdate(meeting.held_at).isoformat()},
        code="meeting_held",
        held_at=timezone.localtime(meeting.held_at).isoformat(),
    )


@transaction.atomic
def meeting_hold(*, meeting: Meeting, by: User) -> Meeting:
    """Mark the meeting held (marketing heads, sales heads, the founder): its agenda is built from
    the data as it is now and stored, and from then on it is what the meeting shows, with the notes
    and decisions, which are closed. Raises PermissionDenied, or Conflict `meeting_held` when it
    was held already (by someone else a moment ago, say)."""
    if not can_write_meeting_notes(by):
        raise PermissionDenied(_("Only marketing heads, sales heads and the founder mark a meeting as held."))
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.held_at is not None:
        raise _held_conflict(meeting)
    fields = ["held_at", "held_by"]
    if meeting.kind in AGENDA_BUILDERS and meeting_window_start(meeting) is not None:
        meeting.agenda = agenda_build(meeting)
        fields.append("agenda")
    meeting.held_at, meeting.held_by = timezone.now(), by
    meeting.save(update_fields=fields)
    return meeting


def meeting_refresh_today(*, today: dt.date | None = None, skip: Iterable[int] = ()) -> list[int]:
    """Store the agendas of today's meetings not held yet, built from the data as it is now.

    A meeting nobody marks as held counts as held once its day has passed and then shows the
    agenda last stored: refreshed through the day, it is that of the day's end rather than of
    06:00. Each meeting commits on its own; one marked held meanwhile is left as it was held.
    """
    today = today or timezone.localdate()
    refreshed = []
    waiting = Meeting.objects.filter(date=today, held_at__isnull=True).exclude(pk__in=list(skip))
    for pk in waiting.values_list("id", flat=True):
        with transaction.atomic():
            meeting = Meeting.objects.select_for_update().filter(pk=pk, held_at__isnull=True).first()
            if meeting is None or meeting.kind not in AGENDA_BUILDERS or meeting_window_start(meeting) is None:
                continue
            meeting.agenda = agenda_build(meeting, today=today)
            meeting.save(update_fields=["agenda"])
            refreshed.append(pk)
    return refreshed
