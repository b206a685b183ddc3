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
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from experiments.roles import User
from meetings.models import Goal
from meetings.permissions import can_set_goals
from tracker.validators import field_errors

# The scoreboard refuses longer periods; a goal's actual is read from one.
MAX_PERIOD_DAYS = 3660
MAX_TARGET = Decimal("999999999999")


@dataclass(frozen=True)
class GoalMetric:
    """How a metric is judged: its department, its JSON kind and which way is better."""

    zone: str  # "marketing" | "sales"
    kind: str  # "count" (int), "money" (2-place decimal string), "rate" (0..1), "ratio" (any number)
    direction: str  # "at_least" | "at_most"


_COUNT_UP = ("count", "at_least")
_COUNT_DOWN = ("count", "at_most")
_RATE_UP = ("rate", "at_least")
_RATE_DOWN = ("rate", "at_most")
_MONEY_UP = ("money", "at_least")
_MONEY_DOWN = ("money", "at_most")

# Every scalar metric of the scoreboard's zones (metrics.md); `churn_reasons` is a breakdown, not a
# number one can set a target for. Metrics shown in both zones are judged where they are owned.
GOAL_METRICS: dict[str, GoalMetric] = {
    name: GoalMetric(zone, *spec)
    for zone, table in (
        (
            "marketing",
            {
                "leads_total": _COUNT_UP,
                "judged_leads": _COUNT_UP,
                "non_target_leads": _COUNT_DOWN,
                "non_target_share": _RATE_DOWN,
                "mql": _COUNT_UP,
                "sql": _COUNT_UP,
                "cr_mql_sql": _RATE_UP,
                "marketing_spend": _MONEY_DOWN,
                "cpl": _MONEY_DOWN,
                "cac": _MONEY_DOWN,
                "cac_full": _MONEY_DOWN,
                "romi": ("ratio", "at_least"),
                "visits": _COUNT_UP,
            },
        ),
        (
            "sales",
            {
                "customers": _COUNT_UP,
                "sql_customers": _COUNT_UP,
                "orders": _COUNT_UP,
                "lcr": _RATE_UP,
                "cr_overall": _RATE_UP,
                "cr_sql_customer": _RATE_UP,
                "cr_visit_customer": _RATE_UP,
                "revenue": _MONEY_UP,
                "aov": _MONEY_UP,
                "sales_spend": _MONEY_DOWN,
                "churned_customers": _COUNT_DOWN,
                "churn_rate": _RATE_DOWN,
            },
        ),
    )
    for name, spec in table.items()
}


def choose_metric_message() -> str:
    """The refusal of an unknown goal metric, in the active language (the API's serializer says it too)."""
    return _("Choose one of the department metrics: %(metrics)s.") % {"metrics": ", ".join(sorted(GOAL_METRICS))}


def _clean_target(metric: str, target: Any, errors: dict[str, list[str]]) -> Decimal | None:
    try:
        value = Decimal(str(target).strip())
    except (InvalidOperation, ValueError):
        errors["target"] = [_("Give the target as a number, e.g. 400 or 1500.00.")]
        return None
    if not value.is_finite():
        errors["target"] = [_("Give the target as a finite number.")]
        return None
    if value < 0:
        errors["target"] = [_("The target cannot be negative.")]
        return None
    if value > MAX_TARGET:
        errors["target"] = [_("The target may be at most %(max)s.") % {"max": MAX_TARGET}]
        return None
    spec = GOAL_METRICS.get(metric)
    if spec is None:
        return value
    if spec.kind == "count" and value != value.to_integral_value():
        errors["target"] = [_("%(metric)s counts leads or customers: give a whole number.") % {"metric": metric}]
    elif spec.kind == "rate" and value > 1:
        errors["target"] = [_("%(metric)s is a rate between 0 and 1 (0.25 means 25%%).") % {"metric": metric}]
    elif spec.kind == "money" and value != value.quantize(Decimal("0.01")):
        errors["target"] = [_("%(metric)s is money: at most 2 decimal places.") % {"metric": metric}]
    elif value != value.quantize(Decimal("0.0001")):
        errors["target"] = [_("At most 4 decimal places.")]
    return value


def goal_clean(*, metric: Any, period_start: Any, period_end: Any, target: Any) -> dict[str, Any]:
    """The goal's typed fields, or ValidationError per field in plain words."""
    errors: dict[str, list[str]] = {}
    metric = str(metric or "").strip()
    if metric not in GOAL_METRICS:
        errors["metric"] = [choose_metric_message()]
    for name, value in (("period_start", period_start), ("period_end", period_end)):
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            errors[name] = [_("Give a date as YYYY-MM-DD.")]
        elif bounds := field_errors(Goal, {name: value}):
            errors[name] = bounds[name]
    if "period_start" not in errors and "period_end" not in errors:
        if period_end <= period_start:
            errors["period_end"] = [
                _(
                    "The period end must be after its start; the end day is not included "
                    "(December is 2026-12-01 to 2027-01-01)."
                )
            ]
        elif (period_end - period_start).days > MAX_PERIOD_DAYS:
            errors["period_end"] = [_("A goal's period may span at most ten years.")]
    value = _clean_target(metric, target, errors)
    if errors:
        raise ValidationError(errors)
    return {"metric": metric, "period_start": period_start, "period_end": period_end, "target": value}


def _check_may_set_goals(by: User) -> None:
    if not can_set_goals(by):
        raise PermissionDenied(_("Only the founder or an administrator sets department goals."))


@transaction.atomic
def goal_create(*, by: User, metric: str, period_start: dt.date, period_end: dt.date, target: Decimal) -> Goal:
    """Set a goal (founder or admin). Raises PermissionDenied or ValidationError per field."""
    _check_may_set_goals(by)
    fields = goal_clean(metric=metric, period_start=period_start, period_end=period_end, target=target)
    goal = Goal(created_by=by, **fields)
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
    cleaned = goal_clean(**{**current, **fields})
    for name, value in cleaned.items():
        setattr(locked, name, value)
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
    spec = GOAL_METRICS.get(metric)
    if spec is not None and spec.kind == "count":
        return str(target.quantize(Decimal("1")))
    if spec is not None and spec.kind == "money":
        return str(target.quantize(Decimal("0.01")))
    text = f"{target.normalize():f}"
    return text if "." in text else f"{text}.0"
