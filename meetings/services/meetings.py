"""Regular meetings: created on the regulation's cadence with an agenda built from data; the heads
and the founder add notes and decisions.

A sync meeting comes every `sync_meeting_every_days`, a founder meeting every
`founder_meeting_every_days` (the regulation in force). A meeting is dated the day it is created
and its agenda covers the days since the previous meeting of its kind, `[previous.date, date)`;
the first one covers the cadence's length before it.
"""

import datetime as dt
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from experiments.roles import User
from experiments.selectors import regulation_current
from meetings.agendas import founder_agenda, sync_agenda
from meetings.models import Meeting
from meetings.permissions import can_write_meeting_notes
from meetings.selectors import meeting_latest
from tracker.validators import field_errors

logger = logging.getLogger(__name__)

TEXT_MAX_LENGTH = 20000

AGENDA_BUILDERS = {Meeting.Kind.SYNC: sync_agenda, Meeting.Kind.FOUNDER: founder_agenda}


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


def _clean_text(value: str | None, name: str, errors: dict[str, list[str]]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        errors[name] = [_("Give the text as a string.")]
        return None
    value = value.strip()
    if len(value) > TEXT_MAX_LENGTH:
        errors[name] = [
            _("Keep it under %(limit)s characters (it has %(length)s).")
            % {"limit": TEXT_MAX_LENGTH, "length": len(value)}
        ]
    elif bounds := field_errors(Meeting, {name: value}):
        errors[name] = bounds[name]
    return value


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
    errors: dict[str, list[str]] = {}
    values = {"notes": _clean_text(notes, "notes", errors), "decisions": _clean_text(decisions, "decisions", errors)}
    if errors:
        raise ValidationError(errors)
    changed = {name: value for name, value in values.items() if value is not None}
    # The row lock orders concurrent edits of one meeting; each writes only its own fields.
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if changed:
        for name, value in changed.items():
            setattr(meeting, name, value)
        meeting.save(update_fields=list(changed))
    return meeting
