"""Reading numbers that arrive as text, JSON or database values: one parser for the whole project."""

import re
import sys
from decimal import Decimal, InvalidOperation

_WHOLE = re.compile(r"\s*-?[0-9]+\s*", re.ASCII)


def parse_decimal(value: object, *, decimal_comma: bool = False, finite: bool = True) -> Decimal | None:
    """The finite decimal `value` spells, or None when it spells none.

    A float is read by its shortest repr (a JSON 1500.1 is 1500.1, not its binary expansion);
    text may have spaces around it, and with `decimal_comma` a comma for the point ("1,5", as
    spreadsheets in Russian export it). A boolean is not a number. With `finite=False` an infinity
    is one too (an e-value may be infinite); NaN never is.
    """
    if value is None or isinstance(value, bool):
        return None
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
