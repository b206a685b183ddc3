"""The dashboard: experiments in their test period and those waiting for a review, the most urgent
few of each (`web_selectors.dashboard_experiments`) with links to the full lists."""

import datetime as dt
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from experiments import permissions
from experiments.models import Experiment
from experiments.views.lock_display import lock_view
from experiments.web_selectors import dashboard_experiments, drafts_of, open_questions
from metrics.selectors import scoreboard_totals


def period_progress(experiment: Experiment, today) -> tuple[int, float]:
    """(days elapsed, fraction elapsed) of the test period, clamped to the period."""
    elapsed = min(max((today - experiment.start_date).days, 0), experiment.test_period_days)
    return elapsed, elapsed / experiment.test_period_days if experiment.test_period_days else 1.0


def experiment_card(experiment: Experiment, today: dt.date) -> dict:
    elapsed, fraction = period_progress(experiment, today)
    snapshot = getattr(experiment, "snapshot", None)
    return {
        "experiment": experiment,
        "lock": lock_view(experiment),
        "elapsed": elapsed,
        "progress": fraction,
        "metrics": snapshot.data if snapshot is not None and snapshot.computed_at else None,
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
    month_start = today.replace(day=1)
    tomorrow = today + dt.timedelta(days=1)
    board = scoreboard_totals(periods=[(month_start, tomorrow)])[(month_start, tomorrow)]  # no by-channel rows
    can_register = permissions.can_register_experiments(request.user)
    return render(
        request,
        "experiments/dashboard.html",
        {
            "running": [experiment_card(experiment, today) for experiment in shown.running],
            "awaiting": [experiment_card(experiment, today) for experiment in shown.awaiting],
            "counts": shown.counts,
            "see_all": see_all_links(request.user),
            "month": {"from": month_start, "to": tomorrow, "marketing": board["marketing"], "sales": board["sales"]},
            "can_register": can_register,
            "my_drafts": list(drafts_of(request.user)) if can_register else [],
            "can_review": permissions.can_file_reviews(request.user),
            "open_questions": open_questions() if permissions.can_answer_questions(request.user) else [],
        },
    )
