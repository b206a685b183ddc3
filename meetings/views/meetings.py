"""Meetings: the list (sync and founder, newest first) and one meeting with its agenda, section by
section, plus the notes and decisions the heads and the founder write, and the "Mark as held" step.

The agenda is the JSON of docs/api.md, "Meeting agendas": read live until the meeting is held, then
as it was held (`meetings.live`); this module only turns it into what people read: dates as dates,
labels instead of metric names, changes with their direction.
"""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from experiments.forms import apply_service_errors
from experiments.models import Experiment, Review, ReviewUnlock
from experiments.provenance import source_lines
from meetings.filters import MeetingFilter
from meetings.forms import MeetingNotesForm
from meetings.live import meeting_agenda, meeting_is_live
from meetings.models import Meeting
from meetings.permissions import can_write_meeting_notes
from meetings.selectors import meeting_list as meeting_list_selector
from meetings.services.meetings import meeting_hold, meeting_update_notes
from metrics.catalog import metric, zone_metrics
from metrics.formatting import change_text
from metrics.pace import MET, Pace, no_spend, spend_missing
from tracker.errors import Conflict
from tracker.numbers import parse_decimal

PAGE_SIZE = 20
# A section of a meeting's page lists this many items (open questions and overdue reviews have no
# other bound); its badge counts them all, and the API has the whole agenda.
AGENDA_ITEMS_SHOWN = 50


def _parse_date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _parse_datetime(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def _experiment(ref: dict) -> dict:
    """An agenda's experiment reference with its dates parsed and its status in words."""
    statuses = dict(Experiment.Status.choices)
    return {
        **ref,
        # Agendas stored before the channel's name was kept show its slug.
        "channel_name": ref.get("channel_name") or ref.get("channel"),
        "start_date": _parse_date(ref.get("start_date")),
        "ends_on": _parse_date(ref.get("ends_on")),
        "status_label": statuses.get(ref.get("status"), ref.get("status")),
    }


def _summary_no_spend(metrics: dict | None) -> bool:
    """A review's summary metrics hold no marketing spend: its CPL and CAC read "no spend data".
    Agendas stored before the summary carried the spend show the costs as they were stored."""
    return "marketing_spend" in (metrics or {}) and spend_missing(metrics)


def _review(item: dict) -> dict:
    verdicts, recommendations = dict(Review.Verdict.choices), dict(Review.Recommendation.choices)
    return {
        **item,
        "no_spend": _summary_no_spend(item.get("metrics")),
        "experiment": _experiment(item["experiment"]),
        "created_at": _parse_datetime(item.get("created_at")),
        "verdict_label": verdicts.get(item.get("verdict"), item.get("verdict")),
        "recommendation_label": recommendations.get(item.get("recommendation"), item.get("recommendation")),
        "unlock_reason_label": dict(ReviewUnlock.Reason.choices).get(item.get("unlock_reason")),
    }


def department_rows(zone: str, current: dict, previous: dict | None = None, change: dict | None = None) -> list[dict]:
    """One row per metric of the zone: label, values and, against the previous period, whether the
    change went the good way (down is good for costs, non-target share and churn). A cost or
    return of the marketing spend without any reads "no spend data", and its change means nothing."""
    rows = []
    for entry in zone_metrics(zone):
        name, kind = entry.name, entry.kind
        if not entry.is_number or name not in current:
            continue
        row = {"name": name, "label": str(entry.label), "kind": kind, "current": current.get(name)}
        # Only a cost or return of the marketing spend can lack it.
        if no_spend(entry, current):
            row["no_spend"] = True
        if previous is not None and no_spend(entry, previous):
            row["previous_no_spend"] = True
        if previous is not None:
            spendless = row.get("no_spend") or row.get("previous_no_spend")
            delta = None if spendless else parse_decimal((change or {}).get(name))
            trend = None if delta is None or delta == 0 else ("up" if delta > 0 else "down")
            good = None if trend is None else (trend == "up") == entry.higher_is_better
            row.update(previous=previous.get(name), change=change_text(kind, delta), trend=trend, good=good)
        rows.append(row)
    return rows


def _departments(departments: dict) -> list[dict]:
    return [
        {
            "zone": zone,
            "rows": department_rows(
                zone, departments[zone]["current"], departments[zone]["previous"], departments[zone]["change"]
            ),
        }
        for zone in ("marketing", "sales")
    ]


def goal_context(goal: dict) -> dict:
    """A goal (of an agenda, or of the goals page) with its label, kind, last day and a bar
    clamped to 0..1; the period's end is excluded, so people read the day before it."""
    entry = metric(goal["metric"])
    label, kind = (str(entry.label), entry.kind) if entry is not None else (goal["metric"], "count")
    progress = goal.get("progress")
    start, end = (
        _parse_date(value) if isinstance(value, str) else value for value in (goal["period_start"], goal["period_end"])
    )
    verdict = goal.get("pace")
    if isinstance(verdict, dict):
        verdict = Pace.from_dict(verdict, higher_is_better=goal.get("direction") != "at_most", kind=kind)
    return {
        **goal,
        "label": label,
        "kind": kind,
        "period_start": start,
        "last_day": end - dt.timedelta(days=1),
        "bar": min(max(float(progress), 0.0), 1.0) if progress is not None else 0.0,
        # None in an agenda stored before verdicts had a pace: it shows `met` as it was then.
        "pace": verdict,
    }


def sync_agenda_context(agenda: dict) -> dict:
    departments = agenda["departments"]
    reasons = dict(ReviewUnlock.Reason.choices)
    return {
        "period": {k: _parse_date(v) for k, v in agenda["period"].items()},
        "previous_period": {k: _parse_date(v) for k, v in agenda["previous_period"].items()},
        "unlocked": [
            {
                **item,
                "experiment": _experiment(item["experiment"]),
                "reason_label": reasons.get(item["reason"], item["reason"]),
                "unlocked_at": _parse_datetime(item.get("unlocked_at")),
                "review_due_on": _parse_date(item.get("review_due_on")),
                "source_lines": source_lines(item.get("lead_sources") or []),
            }
            for item in agenda["experiments_unlocked"]
        ],
        "reviews": [_review(item) for item in agenda["reviews"]],
        "wins": [
            {
                **win,
                "no_spend": _summary_no_spend(win.get("metrics")),
                "experiment": _experiment(win["experiment"]),
                "decided_at": _parse_datetime(win.get("decided_at")),
                "launched_at": _parse_datetime(win.get("launched_at")),
                "recommendation_label": dict(Review.Recommendation.choices).get(win.get("recommendation")),
            }
            for win in agenda["wins"]
        ],
        "questions": [{**q, "asked_at": _parse_datetime(q.get("asked_at"))} for q in agenda["open_questions"]],
        "churn": agenda["churn"],
        "departments": _departments(departments),
        # Agendas stored before these sections were added have neither.
        "non_target": _reason_pairs(agenda.get("non_target")),
        "now": _experiments_now(agenda.get("experiments_now")),
    }


def _reason_pairs(section: dict | None) -> dict | None:
    if section is None:
        return None
    return {**section, "pairs": [(item["reason"], item["count"]) for item in section["reasons"]]}


def _experiments_now(section: dict | None) -> dict | None:
    if section is None:
        return None
    return {
        **section,
        "awaiting_review": [_experiment(ref) for ref in section["awaiting_review"]],
        "awaiting_review_count": _awaiting_count(section),
    }


def _awaiting_count(section: dict) -> int:
    """All the experiments awaiting review; the agenda lists the first of them by name. Agendas stored
    before the count was kept list them all."""
    return int(section.get("awaiting_review_count", len(section.get("awaiting_review", []))))


def founder_agenda_context(agenda: dict) -> dict:
    experiments = agenda["experiments"]
    reasons = dict(ReviewUnlock.Reason.choices)
    month = agenda.get("month_to_date")
    return {
        "period": {k: _parse_date(v) for k, v in agenda["period"].items()},
        "month": {
            "period": {k: _parse_date(v) for k, v in month["period"].items()},
            "previous_period": {k: _parse_date(v) for k, v in month["previous_period"].items()},
            "departments": _departments(month["departments"]),
        }
        if month
        else None,
        "goals": [goal_context(goal) for goal in agenda["goals"]],
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
                "review_due_on": _parse_date(item.get("review_due_on")),
                "source_lines": source_lines(item.get("lead_sources") or []),
            }
            for item in agenda["overdue_reviews"]
        ],
    }


def _goal_met(goal: dict) -> bool:
    verdict = goal.get("pace")
    return verdict.get("state") == MET if isinstance(verdict, dict) else bool(goal.get("met"))


def agenda_context(meeting: Meeting, agenda: dict | None = None) -> dict | None:
    """The meeting's agenda as people read it (the page and its download): live until the meeting is
    held (`meetings.live`), then as held; None without one."""
    agenda = meeting_agenda(meeting) if agenda is None else agenda
    # Agendas are built by the service with every key present; a bare row (made by hand) has none.
    if not agenda.get("period"):
        return None
    return (sync_agenda_context if meeting.kind == Meeting.Kind.SYNC else founder_agenda_context)(agenda)


def meeting_summary(meeting: Meeting, agenda: dict | None = None) -> dict:
    """The few counts the list shows for a meeting, read from its agenda (stored unless given)."""
    agenda = (meeting.agenda if agenda is None else agenda) or {}
    period = agenda.get("period") or {}
    end = _parse_date(period.get("to"))
    # The window excludes its end (the meeting's date): people read the last day it covers.
    summary = {"from": _parse_date(period.get("from")), "last_day": end - dt.timedelta(days=1) if end else None}
    if meeting.kind == Meeting.Kind.SYNC:
        summary.update(
            unlocked=len(agenda.get("experiments_unlocked", [])),
            reviews=len(agenda.get("reviews", [])),
            wins=len(agenda.get("wins", [])),
            questions=len(agenda.get("open_questions", [])),
            awaiting=_awaiting_count(agenda.get("experiments_now") or {}),
        )
    else:
        goals = agenda.get("goals", [])
        summary.update(
            goals=len(goals),
            # Met for good: the period has ended (agendas stored before paces count `met`).
            goals_met=sum(1 for goal in goals if _goal_met(goal)),
            overdue=len(agenda.get("overdue_reviews", [])),
        )
    return summary


@login_required
def meeting_list(request: HttpRequest) -> HttpResponse:
    filters = MeetingFilter(request.GET, queryset=meeting_list_selector(), request=request)
    filtered = filters.is_valid() and bool(filters.form.cleaned_data["kind"])
    page = Paginator(filters.qs if filtered else filters.queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    rows = []
    for meeting in page.object_list:
        # Only the meetings not held yet (today's, as a rule) are read live; the rest as stored.
        live = meeting_is_live(meeting, today=today)
        agenda = meeting_agenda(meeting, today=today) if live else meeting.agenda
        rows.append({"meeting": meeting, "live": live, "summary": meeting_summary(meeting, agenda)})
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "meetings/meetings.html",
        {"form": filters.form, "page": page, "rows": rows, "query": query.urlencode(), "filtered": filtered},
    )


def left_out(agenda: dict | None) -> dict[str, int]:
    """How many items of each list of a presented agenda its page leaves out (`AGENDA_ITEMS_SHOWN`)."""
    if not agenda:
        return {}
    lists = {name: value for name, value in agenda.items() if isinstance(value, list)}
    if "churn" in agenda:
        lists["churn_reasons"] = agenda["churn"]["reasons"]
    return {name: len(items) - AGENDA_ITEMS_SHOWN for name, items in lists.items() if len(items) > AGENDA_ITEMS_SHOWN}


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
            except Conflict as exc:
                # Held meanwhile: the page now shows the notes as they were kept, without a form.
                messages.error(request, exc.message)
                return redirect("web:meeting-detail", pk=meeting.pk)
            else:
                messages.success(request, _("Notes and decisions are saved."))
                return redirect("web:meeting-detail", pk=meeting.pk)
    live = meeting_is_live(meeting)
    agenda = meeting_agenda(meeting)
    previous = agenda.get("previous_meeting")
    # Agendas are built by the service with every key present; a bare row (made by hand) has none.
    shown = (
        (sync_agenda_context if meeting.kind == Meeting.Kind.SYNC else founder_agenda_context)(agenda)
        if agenda.get("period")
        else None
    )
    return render(
        request,
        "meetings/meeting_detail.html",
        {
            "meeting": meeting,
            "agenda": shown,
            "shown": f":{AGENDA_ITEMS_SHOWN}",
            "more": left_out(shown),
            "regulation_version": agenda.get("regulation_version"),
            "previous": {**previous, "date": _parse_date(previous["date"])} if previous else None,
            "form": form,
            "can_write": can_write and meeting.held_at is None,
            "can_hold": can_write and meeting.held_at is None,
            "live": live,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def meeting_hold_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark the meeting as held: its agenda, notes and decisions are kept as they are now."""
    meeting = meeting_list_selector().filter(pk=pk).first()
    if meeting is None:
        raise Http404(_("There is no meeting with this number."))
    try:
        meeting_hold(meeting=meeting, by=request.user)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The meeting is marked as held: its agenda is kept as it is now."))
    return redirect("web:meeting-detail", pk=meeting.pk)
