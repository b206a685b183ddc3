"""Reading numbers that arrive as text, JSON or database values: one parser for the whole project."""

import re
import sys
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from babel.numbers import get_currency_symbol

_WHOLE = re.compile(r"\s*-?[0-9]+\s*", re.ASCII)


# What people and locales put between groups of thousands: a space, a no-break space (U+00A0, what
# Django's Russian format writes), a narrow no-break space (U+202F, CLDR's Russian) and a thin space.
GROUP_SPACES = " \u00a0\u202f\u2009"
_MINUS_SIGNS = "-\u2212"  # the hyphen-minus typed, the minus sign our formatter writes ("−1 500")
_DIGITS = re.compile(r"\d+")
_GROUPED = re.compile(r"\d{1,3}(?:(?P<sep>[ ,.])\d{3})(?:(?P=sep)\d{3})*")
# Words people write for an amount in roubles besides the symbol and the code.
_CURRENCY_WORDS = {"RUB": ("руб.", "руб", "р.", "р", "рублей", "рубля", "рубль")}


def currency_markers(code: str) -> tuple[str, ...]:
    """What may stand beside an amount in the currency `code` when a person types it: the code, its
    symbols in English and Russian, and the common words ("RUB", "₽", "руб."); longest first."""
    markers = {code, *(get_currency_symbol(code, locale) for locale in ("en", "ru")), *_CURRENCY_WORDS.get(code, ())}
    return tuple(sorted(markers, key=len, reverse=True))


def parse_decimal(
    value: object,
    *,
    decimal_comma: bool = False,
    finite: bool = True,
    typed: bool = False,
    units: Iterable[str] = (),
) -> Decimal | None:
    """The finite decimal `value` spells, or None when it spells none.

    A float is read by its shortest repr (a JSON 1500.1 is 1500.1, not its binary expansion);
    text may have spaces around it, and with `decimal_comma` a comma for the point ("1,5", as
    spreadsheets in Russian export it). A boolean is not a number. With `finite=False` an infinity
    is one too (an e-value may be infinite); NaN never is.

    With `typed`, text is read as a person types a number into a form (`_typed_text`): thousands
    apart ("5 000 000", "5,000,000"), a comma or a point before the decimals, and one of `units`
    before or after it ("25 %", "1 500 ₽"). `decimal_comma` then says that the reader's language
    writes a decimal comma, so that a lone comma followed by three digits is one: "1,500" is 1.5 in
    Russian and 1500 in English.
    """
    if value is None or isinstance(value, bool):
        return None
    if typed and isinstance(value, str):
        text = _typed_text(value, decimal_comma=decimal_comma, units=units)
        if text is None:
            return None
    else:
        text = value.strip() if isinstance(value, str) else str(value)
        if decimal_comma:
            text = text.replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    if number.is_nan() or (finite and number.is_infinite()):
        return None
    return number


def _without_unit(text: str, units: Iterable[str]) -> str:
    """`text` without one of `units` at its start or end (letter case ignored), spaces trimmed."""
    folded = text.casefold()
    for unit in sorted(units, key=len, reverse=True):
        marker = unit.casefold()
        if folded.endswith(marker):
            return text[: len(text) - len(marker)].strip(GROUP_SPACES)
        if folded.startswith(marker):
            return text[len(marker) :].strip(GROUP_SPACES)
    return text


def _typed_text(value: str, *, decimal_comma: bool, units: Iterable[str]) -> str | None:
    """A typed number in Decimal's notation ("-1500.5"), or None when it is not one.

    Thousands are grouped by spaces, or by the one of "," and "." that is not the decimal
    separator, in groups of three: "1 500 000", "1,500,000.50", "1.500.000,50". When both marks
    appear the later one is the decimal separator. A lone comma is a decimal comma, unless the
    reader's language writes a decimal point and three digits follow it ("1,500" in English); a
    lone point is always a decimal point. Several of one mark group thousands.
    """
    text = _without_unit(value.strip(GROUP_SPACES), units)
    sign = ""
    if text[:1] and text[0] in _MINUS_SIGNS:
        sign, text = "-", text[1:].lstrip(GROUP_SPACES)
    for space in GROUP_SPACES:
        text = text.replace(space, " ")
    commas, points = text.count(","), text.count(".")
    if commas and points:
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
    elif commas == 1 and (decimal_comma or not re.fullmatch(r"[\d ]*\d,\d{3}", text)):
        decimal_mark = ","
    elif points == 1:
        decimal_mark = "."
    else:
        decimal_mark = None
    whole, fraction = text.rsplit(decimal_mark, 1) if decimal_mark else (text, "")
    if decimal_mark and not _DIGITS.fullmatch(fraction):
        return None
    if whole == "" and fraction:
        whole = "0"  # ",5"
    if not _DIGITS.fullmatch(whole):
        grouped = _GROUPED.fullmatch(whole)
        if grouped is None or grouped["sep"] == decimal_mark:
            return None
        whole = whole.replace(grouped["sep"], "")
    return f"{sign}{whole}.{fraction}" if fraction else f"{sign}{whole}"


def parse_int(value: object) -> int | None:
    """The whole number `value` is or spells ("7", " -3 "), or None: a boolean, a float or "7.0" is none.

    Only ASCII digits (str.isdigit() also takes "²", which int() refuses), and no more of them than
    int() reads (4,300 by default; no column holds a number a tenth that long).
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and len(value) <= sys.get_int_max_str_digits() and _WHOLE.fullmatch(value):
        return int(value)
    return None
