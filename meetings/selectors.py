"""Reads of goals and meetings, and a goal's actual value from the scoreboard of its period."""

import datetime as dt
from collections.abc import Iterable

from django.db.models import QuerySet

from meetings.models import Goal, Meeting
from metrics.catalog import goal_metric
from metrics.selectors import scoreboard_totals
from tracker.numbers import parse_decimal


def goal_list() -> QuerySet[Goal]:
    """Every goal, the latest period first."""
    return Goal.objects.select_related("created_by").order_by("-period_start", "metric", "id")


def goals_overlapping(*, date_from: dt.date, date_to: dt.date) -> QuerySet[Goal]:
    """Goals whose period `[period_start, period_end)` shares at least one day with `[date_from, date_to)`."""
    return goal_list().filter(period_start__lt=date_to, period_end__gt=date_from)


def goal_progress(goal: Goal, zones: dict) -> dict:
    """`actual` (as the scoreboard shows the metric), `progress` = actual / target, and `met`.

    `progress` is null when the actual is null (a rate with no denominator) or the target is 0;
    for an "at most" metric (cpl, churn_rate...) a progress below 1 is the good side, which `met`
    says in one word.
    """
    spec = goal_metric(goal.metric)
    merged = {**zones["marketing"], **zones["sales"]}
    actual = merged.get(goal.metric)
    if spec is None or actual is None:
        return {"actual": actual, "progress": None, "met": None}
    value, target = parse_decimal(actual), goal.target
    progress = round(float(value / target), 4) if target else None
    met = value >= target if spec.higher_is_better else value <= target
    return {"actual": actual, "progress": progress, "met": met}


def goals_with_progress(goals: Iterable[Goal]) -> list[Goal]:
    """The goals with `actual`, `progress` and `met` set, from the department totals of their
    periods, computed together (`metrics.selectors.scoreboard_totals`): goals of one period share
    them, and many periods cost a few queries over the daily roll-up, not one scoreboard each."""
    goals = list(goals)
    boards = scoreboard_totals(periods=[(goal.period_start, goal.period_end) for goal in goals])
    for goal in goals:
        for name, value in goal_progress(goal, boards[(goal.period_start, goal.period_end)]).items():
            setattr(goal, name, value)
    return goals


def meeting_list() -> QuerySet[Meeting]:
    """Meetings, newest first; `meetings.filters` narrows them for the API and the page."""
    return Meeting.objects.order_by("-date", "kind", "-id")


def meeting_latest(*, kind: str) -> Meeting | None:
    return Meeting.objects.filter(kind=kind).order_by("-date", "-id").first()
