"""What a value must be for PostgreSQL, SQLite and Python all to hold it and read it back.

One place for the bounds every input path shares (model fields, and through them `full_clean()` in
the services, the admin and model forms; the lead and spend row cleaner; query strings; JSON bodies).
`tracker.validation` says how a model's rules reach the reader; this module says what the values are:

- dates and datetimes in the years 2000 to 2100 (api.md, Conventions). PostgreSQL stores years up
  to 294276 and before year 1, Python only 1 to 9999: a `won_at` in year 10000 UTC was stored
  and then broke every read of the lead list. Our data starts in this century; the cap leaves
  room for any offset and any period added to a date;
- integers within their column (PostgreSQL `integer`, `smallint`; SQLite takes 64 bits);
- text without control characters (NUL cannot be stored at all; the others only break exports and
  pages) and without lone UTF-16 surrogates (not encodable as UTF-8). Free text may hold tabs and
  line breaks; a one-line value (a name, a key, an id) may not.
"""

import datetime as dt
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tracker.numbers import parse_int

MIN_YEAR, MAX_YEAR = 2000, 2100
MIN_DATE, MAX_DATE = dt.date(MIN_YEAR, 1, 1), dt.date(MAX_YEAR, 12, 31)
MAX_INT = 2_147_483_647  # PostgreSQL integer
MAX_BIGINT = 9_223_372_036_854_775_807  # PostgreSQL bigint, SQLite integer: ids
MAX_DAYS = 365  # a test period, a deadline or a meeting cadence longer than a year means a typo

# C0 and C1 control characters, DEL, and lone surrogates (category Cc and Cs).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_BUT_WHITESPACE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def date_range_message() -> str:
    return _("Use a date in the years %(min)s to %(max)s.") % {"min": MIN_YEAR, "max": MAX_YEAR}


def validate_date_in_range(value: dt.date) -> None:
    """A date (or a datetime, by the year it was written in) within MIN_YEAR..MAX_YEAR."""
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValidationError(date_range_message(), code="date_out_of_range")


def control_character(text: str, *, free_text: bool = False) -> str | None:
    """The first character `text` may not hold, or None. Free text may hold tabs and line breaks."""
    found = (_CONTROL_BUT_WHITESPACE if free_text else _CONTROL).search(text)
    return found.group() if found else None


def control_character_message(char: str) -> str:
    if char == "\x00":
        return _("Contains a NUL character, which text fields cannot hold.")
    return _("Contains the control character U+%(code)s, which is not allowed here.") % {"code": f"{ord(char):04X}"}


def visible(text: str) -> str:
    """`text` with its control characters written as escapes, for messages and reports that
    repeat a refused value (a NUL would not even fit in the stored report)."""
    return _CONTROL.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


def _check_text(value: Any, *, free_text: bool) -> None:
    if isinstance(value, str):
        char = control_character(value, free_text=free_text)
        if char is not None:
            raise ValidationError(control_character_message(char), code="control_character")


def validate_single_line(value: str) -> None:
    """No control characters at all: names, keys, ids."""
    _check_text(value, free_text=False)


def validate_free_text(value: str) -> None:
    """No control characters but tabs and line breaks: descriptions, notes, reasons."""
    _check_text(value, free_text=True)


def object_id(value: Any) -> int | None:
    """An id as a query parameter or a row names it (ASCII digits within bigint), else None."""
    number = parse_int(value)
    return number if number is not None and 0 <= number <= MAX_BIGINT else None
