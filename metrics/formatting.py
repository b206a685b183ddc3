"""Numbers as people read them: one rounding rule and the active locale, for every surface.

Pages (through the `tracker_format` template filters), chart labels, meeting agendas and e-mails
format here, so that one share reads the same everywhere: 175 of 248 is "70.6%" ("70,6 %" in
Russian) on the page, in the chart's labels, in the agenda and in the e-mail. Values are rounded
once, half up, from their decimal value (0.0125 is 1.3%); Django's `number_format` then only adds
the locale's separators (it cuts digits off rather than rounding them, so it never sees more
digits than it shows). A value with no number (None, a rate without a denominator) is a dash.

Kinds are those of `metrics.catalog`: counts whole, money with 2 places, rates as percent.
"""

import re
from decimal import ROUND_HALF_UP, Decimal
from numbers import Rational

from babel.numbers import format_currency
from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext as _

from metrics.catalog import MONEY, RATE, metric
from tracker.numbers import parse_decimal

EMPTY = "—"
_CODE_BEFORE_DIGIT = re.compile(r"([A-Za-z]{2,})(?=[\d-])")
_CODE_AFTER_DIGIT = re.compile(r"(?<=\d)([A-Za-z]{2,})")
EVIDENCE_CAP = Decimal(1_000_000)


def as_decimal(value: object) -> Decimal | None:
    """A number from a stored value (int, float, decimal string, fraction), or None when there is none.

    A float is read by its shortest repr (0.0125, not its binary expansion 0.01250000000000000069...),
    the number it was written from, so that a half rounds up however it was stored.
    """
    if isinstance(value, Rational) and not isinstance(value, int):
        return Decimal(int(value.numerator)) / Decimal(int(value.denominator))
    return parse_decimal(value, finite=False)


def rounded(number: Decimal, places: int) -> Decimal:
    """`number` rounded half up (away from zero on a tie) to `places` decimal places."""
    return number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _places(number: Decimal) -> int:
    """The decimal places a finite number has without trailing zeros: 0.0500 -> 2, 1E+2 -> 0."""
    exponent = number.normalize().as_tuple().exponent
    # Only NaN and the infinities have a letter for an exponent; callers pass finite numbers.
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _localized(number: Decimal, places: int, *, grouping: bool = True) -> str:
    return number_format(rounded(number, places), places, use_l10n=True, force_grouping=grouping)


def count(value: object) -> str:
    """Whole numbers with grouping: 12345 -> "12,345" ("12 345")."""
    number = as_decimal(value)
    return EMPTY if number is None or not number.is_finite() else _localized(number, 0)


def money(value: object) -> str:
    """An amount in `settings.CURRENCY`, 2 places, in the reader's locale (Babel's currency patterns):
    1234.5 -> "RUB 1,234.50" ("1 234,50 ₽")."""
    number = as_decimal(value)
    if number is None or not number.is_finite():
        return EMPTY
    # Rounded half up here; Babel then has no digits left to round its own way.
    text = format_currency(rounded(number, 2), settings.CURRENCY, locale=to_locale(get_language() or "en"))
    # CLDR's currency spacing, which Babel leaves out: a code written in letters ("RUB") is kept
    # apart from the digits by a no-break space ("RUB 1,234.50", not "RUB1,234.50").
    return _CODE_BEFORE_DIGIT.sub("\\1\u00a0", _CODE_AFTER_DIGIT.sub("\u00a0\\1", text))


def amount(value: object) -> str:
    """An amount without the currency, 2 places, for a form field or a table that names it in its
    header: 1234.5 -> "1,234.50" ("1 234,50")."""
    number = as_decimal(value)
    return EMPTY if number is None or not number.is_finite() else _localized(number, 2)


def percent_number(value: object, places: int = 1) -> str:
    """A fraction as the number of its percent, without the sign: 0.7056... -> "70.6" ("70,6")."""
    number = as_decimal(value)
    return EMPTY if number is None or not number.is_finite() else _localized(number * 100, places)


def percent(value: object, places: int = 1) -> str:
    """A fraction as percent: 175/248 -> "70.6%" ("70,6 %" in Russian); None -> a dash."""
    text = percent_number(value, places)
    return text if text == EMPTY else _("%(number)s%%") % {"number": text}


def exact_percent(value: object) -> str:
    """A fraction as percent with the places it has, nothing rounded: 0.275 -> "27.5%", 0.3 -> "30%"."""
    number = as_decimal(value)
    if number is None or not number.is_finite():
        return EMPTY
    return percent(number, _places(number * 100))


def metric_text(value: object, kind: str) -> str:
    """A value of a metric of this kind (`metrics.catalog`): rates as percent, money, else a count."""
    if kind == RATE:
        return percent(value)
    if kind == MONEY:
        return money(value)
    return count(value)


def metric_value(value: object, name: str) -> str:
    """A value of the named metric, formatted by its kind in the catalog."""
    entry = metric(name)
    return metric_text(value, entry.kind if entry is not None else "count")


def _signed(text: str, number: Decimal) -> str:
    return f"+{text}" if number > 0 else (f"−{text.lstrip('-')}" if number < 0 else text)


def change_text(kind: str, change: object) -> str:
    """A change between two periods: "+12", "−1,500.00", and for rates "+2.5 pp" (percentage points,
    not a percent of a percent)."""
    number = as_decimal(change)
    if number is None or not number.is_finite():
        return EMPTY
    if kind == RATE:
        return _("%(value)s pp") % {"value": _signed(percent_number(number), number)}
    return _signed(money(number) if kind == MONEY else count(number), number)


def evidence(value: object) -> str:
    """The e-value: one place below 100, whole above, "> 1,000,000" beyond (it may be infinite)."""
    number = as_decimal(value)
    if number is None or number.is_nan():
        return EMPTY
    if number >= EVIDENCE_CAP:
        return "> " + _localized(EVIDENCE_CAP, 0)
    return _localized(number, 1 if number < 100 else 0)


def exact_decimal(value: object) -> str:
    """A decimal without trailing zeros in the locale's notation: 0.0500 -> "0.05" ("0,05")."""
    number = as_decimal(value)
    if number is None or not number.is_finite():
        return EMPTY
    return number_format(number.normalize(), _places(number), use_l10n=True)


def typed_number(value: object, *, percent: bool = False) -> str:
    """A number as a form field shows it to be typed over: the places it has, the locale's decimal
    mark, no grouping; 5000.00 -> "5000.00" ("5000,00"). With `percent` a fraction is shown as the
    number of its percent, nothing rounded: 0.3000 -> "30", 0.275 -> "27.5" ("27,5")."""
    number = as_decimal(value)
    if number is None or not number.is_finite():
        return ""
    if percent:
        number = (number * 100).normalize()
    exponent = number.as_tuple().exponent
    places = max(0, -exponent) if isinstance(exponent, int) else 0
    return number_format(number.quantize(Decimal(1).scaleb(-places)), places, use_l10n=True)


def css_percent(value: object) -> str:
    """A fraction as a CSS percentage, clamped to 0..100, with a dot whatever the locale: "70.6"."""
    number = as_decimal(value)
    if number is None or not number.is_finite():
        return "0"
    return str(rounded(max(Decimal(0), min(Decimal(1), number)) * 100, 1))


def api_number(value: object, places: int) -> str:
    """A number in the API's notation (a dot, no grouping, every language), rounded half up."""
    number = as_decimal(value)
    return "" if number is None else str(rounded(number, places))


def api_percent(value: object) -> str:
    """A fraction as percent in the API's notation, nothing rounded: 0.3 -> "30%", 0.275 -> "27.5%"."""
    number = as_decimal(value)
    return "" if number is None else f"{(number * 100).normalize():f}%"
