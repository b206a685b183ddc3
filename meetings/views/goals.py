"""Founder goals: every goal with its actual value against the target, a form to set one, and for
the founder and administrators a form to correct a goal and a confirmation step to delete one."""

import datetime as dt
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from experiments.forms import apply_service_errors
from meetings.forms import GoalForm
from meetings.models import Goal
from meetings.permissions import can_set_goals
from meetings.selectors import goal_list, goals_with_progress
from meetings.services.goals import goal_create, goal_delete, goal_target_text, goal_update
from meetings.views.meetings import goal_context
from metrics.catalog import MARKETING, SALES, goal_metric, goal_metrics

PAGE_SIZE = 20


def metric_choices() -> list:
    """The metrics a goal may name, grouped by the department judged by them."""
    groups = {MARKETING: [], SALES: []}
    for entry in goal_metrics():
        groups[entry.zone].append((entry.name, str(entry.label)))
    return [(_("Marketing"), groups[MARKETING]), (_("Sales"), groups[SALES])]


def goal_row(goal) -> dict:
    """A goal with `actual`, `progress` and `met` (from `goals_with_progress`) as the page shows it."""
    spec = goal_metric(goal.metric)
    return goal_context(
        {
            "id": goal.pk,
            "metric": goal.metric,
            "zone": spec.zone if spec else None,
            "direction": spec.direction if spec else None,
            "period_start": goal.period_start,
            "period_end": goal.period_end,
            "target": goal.target,
            "actual": goal.actual,
            "progress": goal.progress,
            "met": goal.met,
            "pace": goal.pace,
            "created_by": goal.created_by,
        }
    )


@login_required
def goals_page(request: HttpRequest) -> HttpResponse:
    can_set = can_set_goals(request.user)
    today = timezone.localdate()
    month = today.replace(day=1)
    next_month = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    form = GoalForm(
        request.POST or None,
        metric_choices=metric_choices(),
        initial={"period_start": month, "period_end": next_month},
    )
    if request.method == "POST":
        if not can_set:
            raise PermissionDenied(_("Only the founder or an administrator sets department goals."))
        if form.is_valid():
            try:
                goal_create(by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("The goal is set. Its progress is counted from the scoreboard."))
                return redirect("web:goal-list")
    page = Paginator(goal_list(), PAGE_SIZE).get_page(request.GET.get("page"))
    # The totals of every distinct period on the page, computed together.
    rows = [goal_row(goal) for goal in goals_with_progress(page.object_list)]
    return render(
        request,
        "meetings/goals.html",
        {"form": form, "page": page, "rows": rows, "can_set": can_set, "query": ""},
        status=400 if form.errors else 200,
    )


def _goal_for_setter(request: HttpRequest, pk: int) -> Goal:
    """The goal to correct or delete; only the founder and administrators get this far."""
    if not can_set_goals(request.user):
        raise PermissionDenied(_("Only the founder or an administrator sets department goals."))
    goal = goal_list().filter(pk=pk).first()
    if goal is None:
        raise Http404(_("There is no goal with this number."))
    return goal


def goal_summary(goal: Goal) -> dict:
    """A goal without its actual value (no scoreboard): what the edit and delete pages name."""
    spec = goal_metric(goal.metric)
    return goal_context(
        {
            "id": goal.pk,
            "metric": goal.metric,
            "direction": spec.direction if spec else None,
            "period_start": goal.period_start,
            "period_end": goal.period_end,
            "target": Decimal(goal_target_text(goal.metric, goal.target)),
        }
    )


@login_required
@require_http_methods(["GET", "POST"])
def goal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    goal = _goal_for_setter(request, pk)
    form = GoalForm(
        request.POST or None,
        metric_choices=metric_choices(),
        initial=GoalForm.initial_for(goal),
    )
    if request.method == "POST" and form.is_valid():
        try:
            goal_update(goal=goal, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The goal is saved. Its progress is counted over the new values."))
            return redirect("web:goal-list")
    return render(
        request,
        "meetings/goal_form.html",
        {"form": form, "goal": goal_summary(goal)},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def goal_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks to confirm; only a POST (with its CSRF token) deletes."""
    goal = _goal_for_setter(request, pk)
    if request.method == "POST":
        goal_delete(goal=goal, by=request.user)
        messages.success(request, _("The goal is deleted. Meeting agendas that showed it keep it as it was."))
        return redirect("web:goal-list")
    return render(request, "meetings/goal_delete.html", {"goal": goal_summary(goal)})
