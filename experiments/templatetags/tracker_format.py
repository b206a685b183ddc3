"""The templates' entry point to number formatting: rates as percent, money with 2 places, a dash for
"no value". Each filter is one call into `metrics.formatting`, which rounds (half up) and localizes
for every surface alike; labels and kinds come from `metrics.catalog`."""

from fractions import Fraction

from django import template
from django.utils.translation import gettext as _

from metrics import formatting
from metrics.catalog import metric
from metrics.pace import no_spend

register = template.Library()


@register.filter
def percent(value: object, places: int = 1) -> str:
    """0.3 -> "30.0%" ("30,0 %" in Russian); None -> a dash (a rate with no denominator)."""
    return formatting.percent(value, int(places))


@register.filter
def exact_percent(value: object) -> str:
    """A threshold as percent with the places it has: 0.3 -> "30%", 0.275 -> "27.5%"."""
    return formatting.exact_percent(value)


@register.filter
def money(value: object) -> str:
    """1234.5 -> "1,234.50" with the locale's separators; None -> a dash."""
    return formatting.money(value)


@register.filter
def count(value: object) -> str:
    """Whole numbers with grouping; None -> a dash."""
    return formatting.count(value)


@register.filter
def evidence(value: object) -> str:
    """The e-value as people read it: one decimal below 100, whole numbers above, capped display."""
    return formatting.evidence(value)


@register.filter
def bar_width(value: object) -> str:
    """A fraction 0..1 as a CSS width percentage, clamped, with a dot decimal whatever the locale."""
    return formatting.css_percent(value)


@register.filter
def plain_decimal(value: object) -> str:
    """A decimal without trailing zeros in the locale's notation: 0.0500 -> "0.05" ("0,05")."""
    return formatting.exact_decimal(value)


@register.filter(name="metric")
def metric_value(value: object, name: str) -> str:
    """A metric's value formatted by its kind in `metrics.catalog`: `{{ m.romi|metric:"romi" }}`."""
    return formatting.metric_value(value, name)


@register.filter
def formatted(value: object, kind: str) -> str:
    """A value of a metric kind (`count`, `money`, `rate`): `{{ row.value|formatted:row.kind }}`."""
    return formatting.metric_text(value, kind)


@register.simple_tag
def metric_label(name: str, short: bool = False) -> str:
    """A metric's label from `metrics.catalog` in the active language; `short=True` where room is scarce."""
    entry = metric(name)
    if entry is None:
        return name
    return str(entry.short if short else entry.label)


@register.filter
def metric_of(values: dict | None, name: str) -> str:
    """A metric read from a snapshot or a scoreboard zone: `{{ m|metric_of:"cpl" }}`. A cost or
    return of the marketing spend reads "no spend data" while there is none (`metrics.pace`)."""
    if not values:
        return formatting.EMPTY
    if no_spend(metric(name), values):
        return _("no spend data")
    return formatting.metric_value((values or {}).get(name), name)


@register.filter
def ratio(value: object, whole: object) -> Fraction | None:
    """`value / whole` exactly, for a bar's width: `{{ n|ratio:top|bar_width }}`; None without a whole."""
    try:
        return Fraction(int(value), int(whole)) if int(whole) else None
    except (TypeError, ValueError):
        return None
