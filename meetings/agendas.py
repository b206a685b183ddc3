"""Meeting agendas built from data (product.md, "Meeting agendas"), as JSON of a stable shape.

Every window is half-open, `[date_from, date_to)` in local dates (the meeting's date is `date_to`),
so that consecutive meetings split events without gaps or double counting. Dates are ISO strings,
money 2-place decimal strings, rates numbers or null (metrics.md); every key is always present,
lists may be empty. The shape is documented in docs/api.md, "Meeting agendas".
"""

import datetime as dt
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from experiments.models import Channel, Experiment, Review, ReviewUnlock
from experiments.review_lock import (
    json_float,
    recorded_unlock,
    review_lock_state,
    reviews_awaiting,
    unlock_deadline,
    with_lock_data,
)
from experiments.selectors import open_questions, regulation_current
from experiments.web_selectors import dashboard_experiments
from meetings.models import Goal, Meeting
from meetings.selectors import goals_overlapping, goals_with_progress
from meetings.services.goals import goal_target_text
from metrics.aggregates import reasons_by_count
from metrics.catalog import goal_metric, review_summary_metrics
from metrics.pace import month_to_date
from metrics.selectors import scoreboard_totals
from tracker.local_time import local_midnight


def _period(date_from: dt.date, date_to: dt.date) -> dict:
    return {"from": date_from.isoformat(), "to": date_to.isoformat()}


def _iso(value: dt.datetime | None) -> str | None:
    """A moment in local time with its offset, as the rest of the API writes datetimes."""
    return timezone.localtime(value).isoformat() if value is not None else None


def _experiment_ref(experiment: Experiment, *, channels: dict[int, tuple[str, str]] | None = None) -> dict:
    """`channels` maps channel ids to (slug, name) where the experiments were read without them."""
    if channels is not None:
        slug, name = channels[experiment.channel_id]
    else:
        slug, name = experiment.channel.slug, experiment.channel.name
    return {
        "id": experiment.pk,
        "title": experiment.title,
        "channel": slug,
        "channel_name": name,
        "owner": experiment.owner.username,
        "utm_campaign": experiment.utm_campaign,
        "start_date": experiment.start_date.isoformat(),
        "ends_on": experiment.ends_on.isoformat(),
        "status": experiment.status,
    }


def _share(k: int, n: int) -> float | None:
    return k / n if n else None


# --- department metrics -----------------------------------------------------------------------


def _difference(current, previous):
    """current - previous in the metric's own JSON type; null when either side is null."""
    if current is None or previous is None:
        return None
    if isinstance(current, str):
        return str(Decimal(current) - Decimal(previous))
    if isinstance(current, float) or isinstance(previous, float):
        return round(current - previous, 6)
    return current - previous


def _zones(board: dict) -> dict:
    return {"marketing": board["marketing"], "sales": board["sales"]}


def departments_vs_previous(*, current: dict, previous: dict) -> dict:
    """Each department's metrics in the window, in the previous window, and the change."""
    result = {}
    for zone in ("marketing", "sales"):
        now, before = current[zone], previous[zone]
        change = {
            name: _difference(value, before.get(name)) for name, value in now.items() if not isinstance(value, dict)
        }
        result[zone] = {"current": now, "previous": before, "change": change}
    return result


def _reasons(reasons: dict) -> list[dict]:
    return [{"reason": reason, "count": count} for reason, count in reasons_by_count(reasons)]


def churn_section(board: dict) -> dict:
    """Churn in the window, with reasons by count (most frequent first)."""
    sales = board["sales"]
    return {
        "churned_customers": sales["churned_customers"],
        "churn_rate": sales["churn_rate"],
        "reasons": _reasons(sales["churn_reasons"]),
    }


def non_target_section(board: dict) -> dict:
    """Leads of the window that sales judged non-target, with their reasons by count."""
    marketing = board["marketing"]
    return {
        "non_target_leads": marketing["non_target_leads"],
        "non_target_share": marketing["non_target_share"],
        "reasons": _reasons(marketing["non_target_reasons"]),
    }


# The experiments awaiting review that an agenda lists by name; it counts them all.
AGENDA_AWAITING_SHOWN = 50


def experiments_now(*, today: dt.date) -> dict:
    """Where the experiments stand as the agenda is read: the dashboard's own reading
    (`experiments.web_selectors.dashboard_experiments`), so the two never disagree."""
    board = dashboard_experiments(today=today, limit=AGENDA_AWAITING_SHOWN)
    return {
        "running": board.counts[Experiment.Status.RUNNING],
        "awaiting_review": [_experiment_ref(e) for e in board.awaiting],
        "awaiting_review_count": board.counts[Experiment.Status.AWAITING_REVIEW],
        "drafts": board.counts[Experiment.Status.DRAFT],
        "reviewed": board.counts[Experiment.Status.REVIEWED],
    }


def month_to_date_section(*, today: dt.date) -> dict:
    """The month so far beside the same days of the month before (`metrics.pace.month_to_date`)."""
    month, same_days = month_to_date(today)
    boards = scoreboard_totals(periods=[month, same_days])
    return {
        "period": _period(*month),
        "previous_period": _period(*same_days),
        "departments": departments_vs_previous(current=_zones(boards[month]), previous=_zones(boards[same_days])),
    }


def goal_as_dict(goal: Goal) -> dict:
    """A goal as the API shows it; `actual`, `progress`, `met` and `pace` come from `goals_with_progress`."""
    spec = goal_metric(goal.metric)
    return {
        "id": goal.pk,
        "metric": goal.metric,
        "zone": spec.zone if spec else None,
        "direction": spec.direction if spec else None,
        "period_start": goal.period_start.isoformat(),
        "period_end": goal.period_end.isoformat(),
        "target": goal_target_text(goal.metric, goal.target),
        "actual": getattr(goal, "actual", None),
        "progress": getattr(goal, "progress", None),
        "met": getattr(goal, "met", None),
        "pace": goal.pace.as_dict() if getattr(goal, "pace", None) is not None else None,
    }


# --- experiments and reviews ------------------------------------------------------------------


def experiments_unlocked(*, date_from: dt.date, date_to: dt.date) -> list[dict]:
    """Experiments whose review opened in the window: the period ended, or the exception held.

    Recorded unlocks carry the numbers of their moment. A period that ended in the window but
    that no sweep has recorded yet is listed too, from the latest snapshot (`recorded: false`).
    """
    start, end = local_midnight(date_from), local_midnight(date_to)
    unlocks = (
        ReviewUnlock.objects.filter(unlocked_at__gte=start, unlocked_at__lt=end)
        .select_related("experiment__channel", "experiment__owner", "experiment__regulation")
        .order_by("unlocked_at", "id")
    )
    items = []
    for unlock in unlocks:
        n, k = unlock.judged_leads, unlock.non_target_leads
        items.append(
            {
                "experiment": _experiment_ref(unlock.experiment),
                "reason": unlock.reason,
                "recorded": True,
                "unlocked_at": _iso(unlock.unlocked_at),
                "judged_leads": n,
                "non_target_leads": k,
                "non_target_share": _share(k, n),
                "threshold": float(unlock.threshold),
                "evidence": json_float(unlock.evidence),
                "evidence_needed": unlock.experiment.regulation.evidence_needed,
                **unlock_deadline(unlock, today=date_to).as_dict(),
                "reviewed": unlock.experiment.status == Experiment.Status.REVIEWED,
                # Who supplied the judged leads that opened an exception, as the unlock kept it.
                "lead_sources": unlock.sources,
            }
        )
    unrecorded = with_lock_data(
        Experiment.objects.filter(
            status=Experiment.Status.RUNNING, unlock__isnull=True, ends_on__gte=date_from, ends_on__lt=date_to
        ).select_related("channel", "owner")
    ).order_by("ends_on", "id")
    for experiment in unrecorded:
        state = review_lock_state(experiment, today=date_to)
        items.append(
            {
                "experiment": _experiment_ref(experiment),
                "reason": ReviewUnlock.Reason.PERIOD_ENDED.value,
                "recorded": False,
                "unlocked_at": _iso(state.unlocked_at),
                "judged_leads": state.judged_leads,
                "non_target_leads": state.non_target_leads,
                "non_target_share": _share(state.non_target_leads, state.judged_leads),
                "threshold": float(state.threshold),
                "evidence": json_float(state.evidence),
                "evidence_needed": state.evidence_needed,
                **state.deadline.as_dict(),
                "reviewed": False,
                "lead_sources": [],
            }
        )
    return items


def _reviews_in(date_from: dt.date, date_to: dt.date) -> list[Review]:
    return list(
        Review.objects.filter(created_at__gte=local_midnight(date_from), created_at__lt=local_midnight(date_to))
        .select_related("experiment__channel", "experiment__owner", "author")
        .order_by("created_at", "id")
    )


def _review_dict(review: Review) -> dict:
    frozen = review.metrics or {}
    return {
        "id": review.pk,
        "experiment": _experiment_ref(review.experiment),
        "version": review.version,
        "verdict": review.verdict,
        "recommendation": review.recommendation,
        "summary": review.summary,
        "loss_reasons": review.loss_reasons,
        "author": review.author.username,
        "created_at": _iso(review.created_at),
        "unlock_reason": review.unlock_reason,
        # The frozen review metrics a meeting looks at first (the full snapshot stays on the review).
        "metrics": {name: frozen.get(name) for name in review_summary_metrics()},
    }


def _latest_per_experiment(reviews: list[Review]) -> list[Review]:
    """The last version filed in the window for each experiment, in order of filing."""
    latest: dict[int, Review] = {}
    for review in reviews:
        latest[review.experiment_id] = review
    return sorted(latest.values(), key=lambda r: (r.created_at, r.pk))


def _win(review: Review) -> dict:
    experiment = review.experiment
    return {
        "experiment": {**_experiment_ref(experiment), "hypothesis": experiment.hypothesis},
        "review": review.pk,
        "summary": review.summary,
        # The decision the review leads to, and the launch decision behind the win.
        "recommendation": review.recommendation,
        "decided_by": review.author.username,
        "decided_at": _iso(review.created_at),
        "launched_at": _iso(experiment.launched_at),
        "budget": str(experiment.budget) if experiment.budget is not None else None,
        "targets": experiment.targets or {},
        "metrics": {name: (review.metrics or {}).get(name) for name in review_summary_metrics()},
    }


def open_questions_section(*, date_to: dt.date) -> list[dict]:
    """Questions asked before the meeting's window closed and still unanswered, oldest first."""
    return [
        {
            "id": q.pk,
            "experiment": {"id": q.experiment_id, "title": q.experiment.title},
            "author": q.author.username,
            "text": q.text,
            "asked_at": _iso(q.created_at),
            "days_open": (date_to - timezone.localdate(q.created_at)).days,
        }
        for q in open_questions(asked_before=local_midnight(date_to))
    ]


def _launched(queryset):
    return queryset.filter(launched_at__isnull=False).select_related("channel", "owner").order_by("start_date", "id")


def experiments_started_ended(*, date_from: dt.date, date_to: dt.date) -> dict:
    """Launched experiments that started (or were launched) in the window, and those whose period ended."""
    start, end = local_midnight(date_from), local_midnight(date_to)
    # A cancelled experiment was not started in any sense that a meeting follows up on.
    started = _launched(
        Experiment.objects.filter(
            Q(start_date__gte=date_from, start_date__lt=date_to) | Q(launched_at__gte=start, launched_at__lt=end)
        ).exclude(status=Experiment.Status.CANCELLED)
    )
    ended = _launched(
        Experiment.objects.filter(ends_on__gte=date_from, ends_on__lt=date_to).exclude(
            status=Experiment.Status.CANCELLED
        )
    )
    return {
        "started": [_experiment_ref(e) for e in started],
        "ended": [_experiment_ref(e) for e in ended],
    }


def overdue_reviews(*, today: dt.date) -> list[dict]:
    """Open reviews not filed by their deadline on `today`, recorded by a job or not yet: the
    longest overdue first."""
    overdue = [(experiment, state) for experiment, state in reviews_awaiting(today=today) if state.overdue]
    channels = {
        pk: (slug, name)
        for pk, slug, name in Channel.objects.filter(id__in={e.channel_id for e, _state in overdue}).values_list(
            "id", "slug", "name"
        )
    }
    return [
        {
            "experiment": _experiment_ref(experiment, channels=channels),
            "reason": state.reason,
            "unlocked_at": _iso(state.unlocked_at),
            **state.deadline.as_dict(),
            # As in `experiments_unlocked`: who supplied the judged leads, as a recorded exception kept it.
            "lead_sources": _unlock_sources(experiment),
        }
        for experiment, state in overdue
    ]


def _unlock_sources(experiment: Experiment) -> list[dict]:
    """The judged leads by source an exception's unlock kept (joined by `with_lock_data`); [] for a
    period end and for an opening no job has recorded yet."""
    unlock = recorded_unlock(experiment)
    return list(unlock.sources) if unlock is not None else []


# --- the agendas ------------------------------------------------------------------------------


def previous_meeting(*, kind: str, date_to: dt.date) -> dict | None:
    """The last meeting of the kind before this one, with what it decided (to follow up on)."""
    meeting = Meeting.objects.filter(kind=kind, date__lt=date_to).order_by("-date", "-id").first()
    if meeting is None:
        return None
    return {"id": meeting.pk, "date": meeting.date.isoformat(), "decisions": meeting.decisions}


def sync_agenda(*, date_from: dt.date, date_to: dt.date, today: dt.date | None = None) -> dict:
    """Marketing + sales sync: what happened since the previous sync, where the experiments stand
    now, and the numbers against the previous period of equal length."""
    length = date_to - date_from
    previous_from = date_from - length
    boards = scoreboard_totals(periods=[(date_from, date_to), (previous_from, date_from)])
    current, previous = boards[(date_from, date_to)], boards[(previous_from, date_from)]
    reviews = _reviews_in(date_from, date_to)
    wins = [r for r in _latest_per_experiment(reviews) if r.verdict == Review.Verdict.CONFIRMED]
    return {
        "kind": "sync",
        "period": _period(date_from, date_to),
        "previous_period": _period(previous_from, date_from),
        "regulation_version": regulation_current().version,
        "previous_meeting": previous_meeting(kind=Meeting.Kind.SYNC, date_to=date_to),
        "experiments_unlocked": experiments_unlocked(date_from=date_from, date_to=date_to),
        "reviews": [_review_dict(r) for r in reviews],
        "wins": [_win(r) for r in wins],
        "open_questions": open_questions_section(date_to=date_to),
        "churn": churn_section(current),
        "non_target": non_target_section(current),
        "departments": departments_vs_previous(current=_zones(current), previous=_zones(previous)),
        "experiments_now": experiments_now(today=today or timezone.localdate()),
    }


def founder_agenda(*, date_from: dt.date, date_to: dt.date, today: dt.date | None = None) -> dict:
    """Founder meeting: department metrics against the goals (with their pace as of `today`), the
    month so far, experiments started / ended / reviewed in the window, and reviews past their
    deadline."""
    today = today or timezone.localdate()
    current = scoreboard_totals(periods=[(date_from, date_to)])[(date_from, date_to)]
    goals = goals_with_progress(goals_overlapping(date_from=date_from, date_to=date_to), today=today)
    reviewed = _latest_per_experiment(_reviews_in(date_from, date_to))
    return {
        "kind": "founder",
        "period": _period(date_from, date_to),
        "regulation_version": regulation_current().version,
        "previous_meeting": previous_meeting(kind=Meeting.Kind.FOUNDER, date_to=date_to),
        "departments": _zones(current),
        "goals": [goal_as_dict(goal) for goal in goals],
        "experiments": {
            **experiments_started_ended(date_from=date_from, date_to=date_to),
            "reviewed": [_review_dict(r) for r in reviewed],
        },
        "overdue_reviews": overdue_reviews(today=date_to),
        "month_to_date": month_to_date_section(today=today),
    }
