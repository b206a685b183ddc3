"""The dashboard: experiments in their test period, those waiting for a review, and the reviews a
sales head owes."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from experiments import permissions
from experiments.models import Experiment
from experiments.review_lock import owed_order
from experiments.selectors import open_questions
from experiments.views.lock_display import lock_context
from experiments.web_selectors import dashboard_experiments, drafts_of, status_counts
from metrics.selectors import scoreboard_totals


def period_progress(experiment: Experiment, today) -> tuple[int, float]:
    """(days elapsed, fraction elapsed) of the test period, clamped to the period."""
    elapsed = min(max((today - experiment.start_date).days, 0), experiment.test_period_days)
    return elapsed, elapsed / experiment.test_period_days if experiment.test_period_days else 1.0


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    cards = []
    for experiment in dashboard_experiments():
        elapsed, fraction = period_progress(experiment, today)
        snapshot = getattr(experiment, "snapshot", None)
        cards.append(
            {
                "experiment": experiment,
                "lock": lock_context(experiment),
                "elapsed": elapsed,
                "progress": fraction,
                "metrics": snapshot.data if snapshot is not None and snapshot.computed_at else None,
                "computed_at": snapshot.computed_at if snapshot is not None else None,
            }
        )
    awaiting = [card for card in cards if card["lock"].status == Experiment.Status.AWAITING_REVIEW]
    can_review = permissions.can_file_reviews(request.user)
    # What a sales head owes: every open review, the overdue first (the same order as the agendas).
    owed = sorted(awaiting, key=lambda card: owed_order(card["lock"].state)) if can_review else []
    running = [card for card in cards if card["lock"].status != Experiment.Status.AWAITING_REVIEW]
    month_start = today.replace(day=1)
    tomorrow = today + dt.timedelta(days=1)
    board = scoreboard_totals(periods=[(month_start, tomorrow)])[(month_start, tomorrow)]  # no by-channel rows
    counts = status_counts()
    can_register = permissions.can_register_experiments(request.user)
    return render(
        request,
        "experiments/dashboard.html",
        {
            "running": running,
            "awaiting": awaiting,
            "drafts": counts.get(Experiment.Status.DRAFT, 0),
            "reviewed": counts.get(Experiment.Status.REVIEWED, 0),
            "month": {"from": month_start, "to": tomorrow, "marketing": board["marketing"], "sales": board["sales"]},
            "can_register": can_register,
            "my_drafts": list(drafts_of(request.user)) if can_register else [],
            "can_review": can_review,
            "owed": owed,
            "open_questions": list(open_questions()[:20]) if permissions.can_answer_questions(request.user) else [],
        },
    )
