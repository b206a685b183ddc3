"""The schema of an experiment's JSON `targets` column: one place that says what it may hold.

Its keys are the target fields of `metrics.catalog` (`max_cpl` bounds `cpl` from above); each is
stored typed by its metric's kind: money as a 2-place decimal string, counts as whole numbers, shares
as numbers in 0..1. The services type the input with `targets_typed`; the model checks the column
with `validate_targets`.
"""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from metrics.catalog import COUNT, MONEY, target_field, target_fields
from tracker.input_limits import MAX_INT
from tracker.numbers import parse_decimal

MONEY_LIMIT = Decimal("999999999999.99")  # what the budget's column holds too


def _typed_money(value: Any) -> str | None:
    amount = parse_decimal(value)
    if amount is None or not 0 <= amount <= MONEY_LIMIT or amount != amount.quantize(Decimal("0.01")):
        return None
    return str(amount.quantize(Decimal("0.01")))


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _typed_count(value: Any) -> int | None:
    # Within an integer column, as every count the metrics compare it with.
    return value if _is_count(value) and 0 <= value <= MAX_INT else None


def _typed_share(value: Any) -> float | None:
    if not isinstance(value, int | float | Decimal | str):
        return None
    share = parse_decimal(value)
    return float(share) if share is not None and 0 <= share <= 1 else None


def _typed(kind: str, value: Any) -> Any:
    """The value as stored for a target of this kind (a rate target is a share), or None."""
    return {MONEY: _typed_money, COUNT: _typed_count}.get(kind, _typed_share)(value)


def _refusal(name: str, kind: str, value: Any) -> ValidationError:
    """The refusal of one target; `key` in its params names the target, so that a form that shows the
    target in a field of that name puts the refusal there, in its label's words."""
    params: dict[str, Any] = {"key": name}
    if kind == MONEY:
        message = _("%(key)s must be an amount of money of at least 0 with at most 2 decimal places.")
    elif kind == COUNT and _is_count(value) and value > MAX_INT:
        message, params["max"] = _("%(key)s may be at most %(max)s."), f"{MAX_INT:,}"
    elif kind == COUNT:
        message = _("%(key)s must be a whole number of at least 0.")
    else:
        message = _("%(key)s must be a share between 0 and 1.")
    return ValidationError(message, code="invalid", params=params)


def targets_typed(targets: Any) -> dict[str, Any]:
    """The targets as stored, or ValidationError listing every target that is not one."""
    if targets is None:
        return {}
    if not isinstance(targets, Mapping):
        raise ValidationError(_('Targets must be an object such as {"max_cpl": "1500.00"}.'), code="invalid")
    problems: list[str | ValidationError] = []
    typed: dict[str, Any] = {}
    for name, value in targets.items():
        target = target_field(name)
        if target is None:
            known = ", ".join(field.name for field in target_fields())
            problems.append(_("Unknown target “%(key)s”; use one of: %(known)s.") % {"key": name, "known": known})
            continue
        typed[name] = _typed(target.kind, value)
        if typed[name] is None:
            problems.append(_refusal(name, target.kind, value))
    if problems:
        raise ValidationError(problems, code="invalid")
    return typed


def validate_targets(targets: Any) -> None:
    """The `targets` column's validator: the same schema, for `full_clean()` and model forms."""
    targets_typed(targets)
