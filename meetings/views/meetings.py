"""Meetings: the list (sync and founder, newest first) and one meeting with its agenda, section by
section, plus the notes and decisions the heads and the founder write.

The agenda is the JSON the meeting was created with (docs/api.md, "Meeting agendas"); this module
only turns it into what people read: dates as dates, labels instead of metric names, changes with
their direction.
"""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from experiments.forms import apply_service_errors
from experiments.models import Experiment, Review, ReviewUnlock
from experiments.provenance import source_lines
from meetings.filters import MeetingFilter
from meetings.forms import MeetingNotesForm
from meetings.models import Meeting
from meetings.permissions import can_write_meeting_notes
from meetings.selectors import meeting_list as meeting_list_selector
from meetings.services.meetings import meeting_update_notes
from metrics.catalog import metric, zone_metrics
from metrics.formatting import change_text

PAGE_SIZE = 20


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _moment(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def _decimal(value) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _experiment(ref: dict) -> dict:
    """An agenda's experiment reference with its dates parsed and its status in words."""
    statuses = dict(Experiment.Status.choices)
    return {
        **ref,
        "start_date": _date(ref.get("start_date")),
        "ends_on": _date(ref.get("ends_on")),
        "status_label": statuses.get(ref.get("status"), ref.get("status")),
    }


def _review(item: dict) -> dict:
    verdicts, recommendations = dict(Review.Verdict.choices), dict(Review.Recommendation.choices)
    return {
        **item,
        "experiment": _experiment(item["experiment"]),
        "created_at": _moment(item.get("created_at")),
        "verdict_label": verdicts.get(item.get("verdict"), item.get("verdict")),
        "recommendation_label": recommendations.get(item.get("recommendation"), item.get("recommendation")),
        "unlock_reason_label": dict(ReviewUnlock.Reason.choices).get(item.get("unlock_reason")),
    }


def department_rows(zone: str, current: dict, previous: dict | None = None, change: dict | None = None) -> list[dict]:
    """One row per metric of the zone: label, values and, against the previous period, whether the
    change went the good way (down is good for costs, non-target share and churn)."""
    rows = []
    for entry in zone_metrics(zone):
        name, kind = entry.name, entry.kind
        if not entry.is_number or name not in current:
            continue
        row = {"name": name, "label": str(entry.label), "kind": kind, "current": current.get(name)}
        if previous is not None:
            delta = _decimal((change or {}).get(name))
            trend = None if delta is None or delta == 0 else ("up" if delta > 0 else "down")
            good = None if trend is None else (trend == "up") == entry.higher_is_better
            row.update(previous=previous.get(name), change=change_text(kind, delta), trend=trend, good=good)
        rows.append(row)
    return rows


def goal_view(goal: dict) -> dict:
    """A goal (of an agenda, or of the goals page) with its label, kind, last day and a bar
    clamped to 0..1; the period's end is excluded, so people read the day before it."""
    entry = metric(goal["metric"])
    label, kind = (str(entry.label), entry.kind) if entry is not None else (goal["metric"], "count")
    progress = goal.get("progress")
    start, end = (
        _date(value) if isinstance(value, str) else value for value in (goal["period_start"], goal["period_end"])
    )
    return {
        **goal,
        "label": label,
        "kind": kind,
        "period_start": start,
        "last_day": end - dt.timedelta(days=1),
        "bar": min(max(float(progress), 0.0), 1.0) if progress is not None else 0.0,
    }


def sync_view(agenda: dict) -> dict:
    departments = agenda["departments"]
    reasons = dict(ReviewUnlock.Reason.choices)
    return {
        "period": {k: _date(v) for k, v in agenda["period"].items()},
        "previous_period": {k: _date(v) for k, v in agenda["previous_period"].items()},
        "unlocked": [
            {
                **item,
                "experiment": _experiment(item["experiment"]),
                "reason_label": reasons.get(item["reason"], item["reason"]),
                "unlocked_at": _moment(item.get("unlocked_at")),
                "review_due_on": _date(item.get("review_due_on")),
                "source_lines": source_lines(item.get("lead_sources") or []),
            }
            for item in agenda["experiments_unlocked"]
        ],
        "reviews": [_review(item) for item in agenda["reviews"]],
        "wins": [
            {
                **win,
                "experiment": _experiment(win["experiment"]),
                "decided_at": _moment(win.get("decided_at")),
                "launched_at": _moment(win.get("launched_at")),
                "recommendation_label": dict(Review.Recommendation.choices).get(win.get("recommendation")),
            }
            for win in agenda["wins"]
        ],
        "questions": [{**q, "asked_at": _moment(q.get("asked_at"))} for q in agenda["open_questions"]],
        "churn": agenda["churn"],
        "departments": [
            {
                "zone": zone,
                "rows": department_rows(
                    zone, departments[zone]["current"], departments[zone]["previous"], departments[zone]["change"]
                ),
            }
            for zone in ("marketing", "sales")
        ],
    }


def founder_view(agenda: dict) -> dict:
    experiments = agenda["experiments"]
    reasons = dict(ReviewUnlock.Reason.choices)
    return {
        "period": {k: _date(v) for k, v in agenda["period"].items()},
        "goals": [goal_view(goal) for goal in agenda["goals"]],
        "departments": [
            {"zone": zone, "rows": department_rows(zone, agenda["departments"][zone])}
            for zone in ("marketing", "sales")
        ],
        "started": [_experiment(e) for e in experiments["started"]],
        "ended": [_experiment(e) for e in experiments["ended"]],
        "reviewed": [_review(item) for item in experiments["reviewed"]],
        "overdue": [
            {
                **item,
                "experiment": _experiment(item["experiment"]),
                "reason_label": reasons.get(item["reason"], item["reason"]),
                "review_due_on": _date(item.get("review_due_on")),
                "source_lines": source_lines(item.get("lead_sources") or []),
            }
            for item in agenda["overdue_reviews"]
        ],
    }


def meeting_summary(meeting: Meeting) -> dict:
    """The few counts the list shows for a meeting, read from its agenda (no extra query)."""
    agenda = meeting.agenda or {}
    period = agenda.get("period") or {}
    end = _date(period.get("to"))
    # The window excludes its end (the meeting's date): people read the last day it covers.
    summary = {"from": _date(period.get("from")), "last_day": end - dt.timedelta(days=1) if end else None}
    if meeting.kind == Meeting.Kind.SYNC:
        summary.update(
            unlocked=len(agenda.get("experiments_unlocked", [])),
            reviews=len(agenda.get("reviews", [])),
            wins=len(agenda.get("wins", [])),
            questions=len(agenda.get("open_questions", [])),
        )
    else:
        goals = agenda.get("goals", [])
        summary.update(
            goals=len(goals),
            goals_met=sum(1 for goal in goals if goal.get("met")),
            overdue=len(agenda.get("overdue_reviews", [])),
        )
    return summary


@login_required
def meeting_list(request: HttpRequest) -> HttpResponse:
    filters = MeetingFilter(request.GET, queryset=meeting_list_selector(), request=request)
    filtered = filters.is_valid() and bool(filters.form.cleaned_data["kind"])
    page = Paginator(filters.qs if filtered else filters.queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"meeting": meeting, "summary": meeting_summary(meeting)} for meeting in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "meetings/meetings.html",
        {"form": filters.form, "page": page, "rows": rows, "query": query.urlencode(), "filtered": filtered},
    )


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = meeting_list_selector().filter(pk=pk).first()
    if meeting is None:
        raise Http404(_("There is no meeting with this number."))
    can_write = can_write_meeting_notes(request.user)
    form = MeetingNotesForm(request.POST or None, initial={"notes": meeting.notes, "decisions": meeting.decisions})
    if request.method == "POST":
        if not can_write:
            raise PermissionDenied(_("Only marketing heads, sales heads and the founder write meeting notes."))
        if form.is_valid():
            try:
                meeting_update_notes(meeting=meeting, by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("Notes and decisions are saved."))
                return redirect("web:meeting-detail", pk=meeting.pk)
    agenda = meeting.agenda or {}
    previous = agenda.get("previous_meeting")
    return render(
        request,
        "meetings/meeting_detail.html",
        {
            "meeting": meeting,
            # Agendas are built by the service with every key present; a bare row (made by hand) has none.
            "agenda": (sync_view if meeting.kind == Meeting.Kind.SYNC else founder_view)(agenda)
            if agenda.get("period")
            else None,
            "regulation_version": agenda.get("regulation_version"),
            "previous": {**previous, "date": _date(previous["date"])} if previous else None,
            "form": form,
            "can_write": can_write,
        },
        status=400 if form.errors else 200,
    )
