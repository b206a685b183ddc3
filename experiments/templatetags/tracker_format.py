"""Number formatting for pages: rates as percent, money with 2 places, a dash for "no value".

metrics.md keeps rates as fractions (null when the denominator is 0) and money as 2-place
decimals; these filters are the only place that turns them into what people read.
"""

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.formats import number_format

from metrics.catalog import MONEY, RATE, metric

register = template.Library()

EMPTY = "—"


def as_decimal(value: object) -> Decimal | None:
    """A number from a snapshot value (int, float, decimal string), or None when there is none."""
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


@register.filter
def percent(value: object, places: int = 1) -> str:
    """0.3 -> "30.0%" ("30,0%" in Russian); None -> a dash (a rate with no denominator)."""
    number = as_decimal(value)
    if number is None:
        return EMPTY
    return f"{number_format(number * 100, int(places), use_l10n=True, force_grouping=True)}%"


@register.filter
def money(value: object) -> str:
    """1234.5 -> "1,234.50" with the locale's separators; None -> a dash."""
    number = as_decimal(value)
    if number is None:
        return EMPTY
    return number_format(number, 2, use_l10n=True, force_grouping=True)


@register.filter
def count(value: object) -> str:
    """Whole numbers with grouping; None -> a dash."""
    number = as_decimal(value)
    if number is None:
        return EMPTY
    return number_format(int(number), 0, use_l10n=True, force_grouping=True)


@register.filter
def evidence(value: object) -> str:
    """The e-value as people read it: one decimal below 100, whole numbers above, capped display."""
    number = as_decimal(value)
    if number is None:
        return EMPTY
    if number >= Decimal("1e6"):
        return "> " + number_format(1_000_000, 0, use_l10n=True, force_grouping=True)
    places = 1 if number < 100 else 0
    return number_format(number, places, use_l10n=True, force_grouping=True)


@register.filter
def bar_width(value: object) -> str:
    """A fraction 0..1 as a CSS width percentage, clamped, with a dot decimal whatever the locale."""
    number = as_decimal(value)
    if number is None:
        return "0"
    number = max(Decimal(0), min(Decimal(1), number))
    return f"{float(number) * 100:.1f}"


@register.filter
def plain_decimal(value: object) -> str:
    """A decimal without trailing zeros in the locale's notation: 0.0500 -> "0.05" ("0,05")."""
    number = as_decimal(value)
    if number is None:
        return EMPTY
    normalized = number.normalize()
    places = max(0, -normalized.as_tuple().exponent)
    return number_format(normalized, places, use_l10n=True)


@register.filter(name="metric")
def metric_value(value: object, name: str) -> str:
    """A metric's value formatted by its kind in `metrics.catalog`: `{{ m.romi|metric:"romi" }}`."""
    entry = metric(name)
    kind = entry.kind if entry is not None else None
    if kind == RATE:
        return percent(value)
    if kind == MONEY:
        return money(value)
    return count(value)


@register.simple_tag
def metric_label(name: str, short: bool = False) -> str:
    """A metric's label from `metrics.catalog` in the active language; `short=True` where room is scarce."""
    entry = metric(name)
    if entry is None:
        return name
    return str(entry.short if short else entry.label)
