"""The dashboard: experiments in their test period and those waiting for a review, the most urgent
few of each (`web_selectors.dashboard_experiments`) with links to the full lists, and the reviews a
sales head owes."""

import datetime as dt
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from experiments import permissions
from experiments.models import Experiment
from experiments.review_lock import owed_order
from experiments.selectors import open_questions
from experiments.views.lock_display import lock_context
from experiments.views.targets import experiment_targets
from experiments.web_selectors import dashboard_experiments, drafts_of
from metrics.catalog import metric
from metrics.pace import elapsed_days, month_to_date
from metrics.selectors import scoreboard_totals

# The month's tiles: (metric, zone, short label).
MONTH_KPIS = (
    ("leads_total", "marketing", True),
    ("non_target_share", "marketing", False),
    ("mql", "marketing", True),
    ("sql", "marketing", True),
    ("cpl", "marketing", True),
    ("customers", "sales", True),
    ("revenue", "sales", True),
    ("romi", "marketing", True),
)


def period_progress(experiment: Experiment, today) -> tuple[int, float]:
    """(days elapsed, fraction elapsed) of the test period, clamped to the period."""
    elapsed, period = elapsed_days(experiment.start_date, experiment.ends_on, today)
    return elapsed, elapsed / period if period else 1.0


def experiment_card(experiment: Experiment, today: dt.date) -> dict:
    elapsed, fraction = period_progress(experiment, today)
    snapshot = getattr(experiment, "snapshot", None)
    metrics = snapshot.data if snapshot is not None and snapshot.computed_at else None
    return {
        "experiment": experiment,
        "lock": lock_context(experiment),
        "elapsed": elapsed,
        "progress": fraction,
        "metrics": metrics,
        "targets": experiment_targets(experiment, metrics, today=today),
        "computed_at": snapshot.computed_at if snapshot is not None else None,
    }


def see_all_links(user) -> dict[str, str]:
    """The experiment list filtered as each dashboard section is (its `ExperimentFilter` parameters)."""
    url = reverse("web:experiment-list")
    return {
        Experiment.Status.AWAITING_REVIEW: f"{url}?{urlencode({'status': Experiment.Status.AWAITING_REVIEW})}",
        Experiment.Status.RUNNING: f"{url}?{urlencode({'status': Experiment.Status.RUNNING})}",
        "my_drafts": f"{url}?{urlencode({'status': Experiment.Status.DRAFT, 'owner': user.pk})}",
    }


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    shown = dashboard_experiments(user=request.user, today=today)
    # The month so far beside the same days of the month before (not the whole of it).
    month, same_days = month_to_date(today)
    totals = scoreboard_totals(periods=[month, same_days])  # no by-channel rows
    now, before = totals[month], totals[same_days]
    can_register = permissions.can_register_experiments(request.user)
    can_review = permissions.can_file_reviews(request.user)
    awaiting = [experiment_card(e, today) for e in shown.awaiting]
    # What a sales head owes: every open review, the overdue first (the same order as the agendas).
    owed = sorted(awaiting, key=lambda card: owed_order(card["lock"].state)) if can_review else []
    return render(
        request,
        "experiments/dashboard.html",
        {
            "running": [experiment_card(e, today) for e in shown.running],
            "awaiting": awaiting,
            "counts": shown.counts,
            "see_all": see_all_links(request.user),
            "month": {
                "from": month[0],
                "to": month[1],
                "marketing": now["marketing"],
                "sales": now["sales"],
                "previous": {"from": same_days[0], "last_day": same_days[1] - dt.timedelta(days=1)},
                "kpis": [
                    {
                        "name": name,
                        "label": metric(name).short if short else metric(name).label,
                        "now": now[zone],
                        "before": before[zone],
                    }
                    for name, zone, short in MONTH_KPIS
                ],
            },
            "can_register": can_register,
            "my_drafts": list(drafts_of(request.user)) if can_register else [],
            "can_review": can_review,
            "owed": owed,
            "open_questions": list(open_questions()[:20]) if permissions.can_answer_questions(request.user) else [],
        },
    )
