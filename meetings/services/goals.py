"""Founder goals: a target for one department metric over a period, e.g. 400 MQL in December.

A goal names a metric of metrics.md that a department is judged by. Its period is half-open,
`[period_start, period_end)`, like the scoreboard's `[from, to)`: December is 2026-12-01 to
2027-01-01. The goal's actual value is read from the scoreboard of that period
(`meetings.selectors.goals_with_progress`).

The founder or an administrator sets, corrects and deletes goals. A founder meeting's agenda keeps
a copy of the goals it showed (`meetings.agendas.goal_as_dict`), so correcting or deleting a
goal later changes neither a stored agenda nor its page.
"""

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from experiments.permissions import User
from meetings.models import Goal
from meetings.permissions import can_set_goals
from metrics.catalog import COUNT, MONEY, RATE, goal_metric, goal_metrics
from tracker.numbers import parse_decimal
from tracker.validation import model_errors, refusal


def choose_metric_message() -> str:
    """The refusal of an unknown goal metric, in the active language (the API's serializer says it too)."""
    names = sorted(entry.name for entry in goal_metrics())
    return _("Choose one of the department metrics: %(metrics)s.") % {"metrics": ", ".join(names)}


def _target_problem(metric: str, target: Decimal) -> str | None:
    """What is wrong with a target for its metric's kind (the catalog's part of the rule), or None.
    The metric is named by its label: the words reach the goal forms as well as the API."""
    spec = goal_metric(metric)
    label = {"metric": spec.label}
    if spec.kind == COUNT and target != target.to_integral_value():
        return _("%(metric)s counts leads or customers: give a whole number.") % label
    if spec.kind == RATE and spec.share and target > 1:
        return _("%(metric)s is a share from 0 to 100%% (between 0 and 1 as a fraction).") % label
    if spec.kind == MONEY and target != target.quantize(Decimal("0.01")):
        return _("%(metric)s is money: at most 2 decimal places.") % label
    return None


def goal_validate(*, goal: Goal, values: Mapping[str, Any]) -> Goal:
    """Set the goal's fields from `values` (metric, period_start, period_end, target) and check it.

    The model checks its period and target; here the input is typed and the metric and its target
    checked against the department metrics. Raises ValidationError per field in plain words.
    """
    refused: dict[str, list] = {}
    metric = str(values.get("metric") or "").strip()
    if goal_metric(metric) is None:
        refused["metric"] = [choose_metric_message()]
    goal.metric = metric
    for name in ("period_start", "period_end"):
        day = values.get(name)
        if isinstance(day, dt.date) and not isinstance(day, dt.datetime):
            setattr(goal, name, day)
        else:
            refused[name] = [refusal(Goal, name)]
    goal.target = parse_decimal(values.get("target"))
    if goal.target is None:
        refused["target"] = [refusal(Goal, "target")]
    # Who set the goal is kept, never changed by input.
    errors = {**refused, **model_errors(goal, exclude={*refused, "created_by"})}
    if "metric" not in errors and "target" not in errors and (problem := _target_problem(metric, goal.target)):
        errors["target"] = [problem]
    if errors:
        raise ValidationError(errors)
    return goal


def _check_may_set_goals(by: User) -> None:
    if not can_set_goals(by):
        raise PermissionDenied(_("Only the founder or an administrator sets department goals."))


@transaction.atomic
def goal_create(*, by: User, metric: str, period_start: dt.date, period_end: dt.date, target: Decimal) -> Goal:
    """Set a goal (founder or admin). Raises PermissionDenied or ValidationError per field."""
    _check_may_set_goals(by)
    values = {"metric": metric, "period_start": period_start, "period_end": period_end, "target": target}
    goal = goal_validate(goal=Goal(created_by=by), values=values)
    goal.save()
    return goal


EDITABLE_FIELDS = ("metric", "period_start", "period_end", "target")


@transaction.atomic
def goal_update(*, goal: Goal, by: User, **fields: Any) -> Goal:
    """Correct a goal (founder or admin): any of metric, period_start, period_end, target.

    The fields not given keep their values, and the goal as a whole is checked as on creation
    (a new metric may make the old target wrong: a count needs a whole number). Raises
    PermissionDenied, ValidationError per field, or Http404 when the goal was deleted meanwhile.
    """
    _check_may_set_goals(by)
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"goal_update() got unexpected fields: {', '.join(sorted(unknown))}")
    # The row lock queues corrections of one goal, and each is merged into the goal as the one
    # before it left it: a correction of the target and one of the period do not write back each
    # other's old values, and a new metric is checked against the target that holds now.
    locked = Goal.objects.select_for_update().filter(pk=goal.pk).first()
    if locked is None:
        raise Http404(_("There is no goal with this number."))
    current = {name: getattr(locked, name) for name in EDITABLE_FIELDS}
    goal_validate(goal=locked, values={**current, **fields})
    locked.save(update_fields=list(EDITABLE_FIELDS))
    return locked


@transaction.atomic
def goal_delete(*, goal: Goal, by: User) -> None:
    """Delete a goal (founder or admin). Meeting agendas that showed it keep their copy of it.

    A goal already deleted by someone else is not an error: the result is the same.
    """
    _check_may_set_goals(by)
    Goal.objects.filter(pk=goal.pk).delete()


def goal_target_text(metric: str, target: Decimal) -> str:
    """The target as a decimal string in its metric's own precision: "400", "1500.00", "0.25"."""
    spec = goal_metric(metric)
    if spec is not None and spec.kind == COUNT:
        return str(target.quantize(Decimal("1")))
    if spec is not None and spec.kind == MONEY:
        return str(target.quantize(Decimal("0.01")))
    text = f"{target.normalize():f}"
    return text if "." in text else f"{text}.0"
