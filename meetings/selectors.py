"""Reads of goals and meetings, and a goal's actual value from the scoreboard of its period."""

import datetime as dt
from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils import timezone

from meetings.models import Goal, Meeting
from metrics import pace
from metrics.catalog import goal_metric
from metrics.selectors import scoreboard_totals
from tracker.numbers import parse_decimal


def goal_list() -> QuerySet[Goal]:
    """Every goal, the latest period first."""
    return Goal.objects.select_related("created_by").order_by("-period_start", "metric", "id")


def goals_overlapping(*, date_from: dt.date, date_to: dt.date) -> QuerySet[Goal]:
    """Goals whose period `[period_start, period_end)` shares at least one day with `[date_from, date_to)`."""
    return goal_list().filter(period_start__lt=date_to, period_end__gt=date_from)


def goal_progress(goal: Goal, zones: dict, *, today: dt.date | None = None) -> dict:
    """`actual` (as the scoreboard shows the metric), `progress` = actual / target, `met`, and
    `pace`, the verdict that may be shown on `today` (`metrics.pace`).

    `progress` is null when the actual is null (a rate with no denominator) or the target is 0;
    for an "at most" metric (cpl, churn_rate...) a progress below 1 is the good side, which `met`
    says in one word. `met` compares the actual with the target now; `pace` is final only once
    the period has ended, and in the meantime says whether the department is on track.
    """
    spec = goal_metric(goal.metric)
    merged = {**zones["marketing"], **zones["sales"]}
    actual = merged.get(goal.metric)
    verdict = pace.judge(
        entry=spec,
        higher_is_better=spec.higher_is_better if spec else True,
        target=goal.target,
        actual=actual,
        start=goal.period_start,
        end=goal.period_end,
        today=today or timezone.localdate(),
        values=zones["marketing"],
    )
    if spec is None or actual is None:
        return {"actual": actual, "progress": None, "met": None, "pace": verdict}
    value, target = parse_decimal(actual), goal.target
    progress = round(float(value / target), 4) if target else None
    met = value >= target if spec.higher_is_better else value <= target
    return {"actual": actual, "progress": progress, "met": met, "pace": verdict}


def goals_with_progress(goals: Iterable[Goal], *, today: dt.date | None = None) -> list[Goal]:
    """The goals with `actual`, `progress`, `met` and `pace` set, from the department totals of
    their periods, computed together (`metrics.selectors.scoreboard_totals`): goals of one period
    share them, and many periods cost a few queries over the daily roll-up, not one scoreboard each."""
    goals = list(goals)
    boards = scoreboard_totals(periods=[(goal.period_start, goal.period_end) for goal in goals])
    for goal in goals:
        for name, value in goal_progress(goal, boards[(goal.period_start, goal.period_end)], today=today).items():
            setattr(goal, name, value)
    return goals


def meeting_list() -> QuerySet[Meeting]:
    """Meetings, newest first; `meetings.filters` narrows them for the API and the page."""
    return Meeting.objects.select_related("held_by").order_by("-date", "kind", "-id")


def meeting_latest(*, kind: str) -> Meeting | None:
    return Meeting.objects.filter(kind=kind).order_by("-date", "-id").first()
