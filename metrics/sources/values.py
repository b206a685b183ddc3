"""Values as people write them in exports, turned into the tracker's canonical text.

The canonical forms are what the JSON API accepts (docs/api.md): ISO 8601 datetimes, decimals with
a point, `true` / `false`. Anything these functions cannot read comes back unchanged, so that the
row check downstream reports it in the same words as for any other file.
"""

import datetime as dt
import re

from tracker.numbers import currency_markers, parse_decimal

# Text that means "no value" in exports (case-folded): amoCRM's `не закрыта`, dashes, placeholders.
NONE_MARKERS = frozenset(
    {"", "-", "—", "–", "не закрыта", "не указано", "(не указано)", "нет данных", "n/a", "none", "null", "(none)"}
)
TRUE_WORDS = frozenset({"да", "д", "yes", "y", "true", "t", "1", "истина"})
FALSE_WORDS = frozenset({"нет", "н", "no", "n", "false", "f", "0", "ложь"})

# What may stand beside an amount in an export: the currencies CRMs and ad cabinets write, and "%".
_CODES = ("RUB", "USD", "EUR", "GBP", "KZT")
EXPORT_UNITS = (*{marker for code in _CODES for marker in currency_markers(code)}, "тг", "%")
_DOTTED = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def fold(text: str) -> str:
    """Headers and stage values compared as people mean them: case-folded, trimmed, spaces
    collapsed, `ё` as `е`."""
    return " ".join(text.replace("ё", "е").replace("Ё", "Е").split()).casefold()


_NONE_START = frozenset("-—–нНnN(")  # the first letters of NONE_MARKERS: most cells are spared fold()


def is_none(text: str) -> bool:
    stripped = text.strip()
    return not stripped or (stripped[0] in _NONE_START and fold(stripped) in NONE_MARKERS)


def number_text(text: str, *, decimal_comma: bool = True) -> str:
    """`12 500,50 ₽` → `12500.50`; `12,500.50` → `12500.50`; `$1,200` → `1200` (a lone comma before
    three digits groups thousands where the source writes English numbers: `decimal_comma=False`).
    Read by the project's one parser of typed numbers (`tracker.numbers`)."""
    if is_none(text):
        return ""
    # Swiss-style exports group thousands with an apostrophe ("12'500.50").
    number = parse_decimal(text.replace("'", ""), typed=True, decimal_comma=decimal_comma, units=EXPORT_UNITS)
    return text if number is None else f"{number:f}"


def bool_text(text: str) -> str:
    folded = fold(text)
    if folded in TRUE_WORDS:
        return "true"
    if folded in FALSE_WORDS:
        return "false"
    return "" if folded in NONE_MARKERS else text


def _dotted_fast(text: str) -> str | None:
    """`dd.mm.yyyy HH:MM[:SS]` as CRMs write it, read by slicing (most cells of a Russian export):
    None for anything else, and for days past the 28th, which `datetime_text` checks in full."""
    if len(text) not in (16, 19) or text[2] != "." or text[5] != "." or text[10] != " " or text[13] != ":":
        return None
    day, month, year, hour, minute = text[:2], text[3:5], text[6:10], text[11:13], text[14:16]
    seconds = text[17:] if len(text) == 19 else "00"
    if len(text) == 19 and text[16] != ":":
        return None
    if not (
        "01" <= day <= "28"
        and "01" <= month <= "12"
        and year.isdigit()
        and "00" <= hour <= "23"
        and "00" <= minute <= "59"
        and "00" <= seconds <= "59"
        and (hour + minute + seconds).isdigit()
        and day.isdigit()
        and month.isdigit()
    ):
        return None
    return f"{year}-{month}-{day}T{hour}:{minute}:{seconds}"


def datetime_text(value: object, *, day_first: bool = True) -> str:
    """A cell as an ISO 8601 datetime. Times without an offset stay without one: the row cleaner and
    the import's SQL both read them in the configured time zone (`TIME_ZONE`), as imports.md says."""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return f"{value.isoformat()}T00:00:00"
    text = str(value).strip()
    if (fast := _dotted_fast(text)) is not None:
        return fast
    if is_none(text):
        return ""
    if _ISO_DATE.match(text):
        try:
            dt.datetime.fromisoformat(text)
        except ValueError:
            return text
        return text
    match = _DOTTED.match(text)
    if not match:
        return text
    first, second, year, hour, minute, second_of_minute, meridiem = match.groups()
    # Dotted dates are day first everywhere; slashed ones as the source writes them.
    day, month = (first, second) if day_first or "." in text else (second, first)
    hours = int(hour or 0)
    if meridiem:
        hours = hours % 12 + (12 if meridiem.lower() == "pm" else 0)
    try:
        parsed = dt.datetime(int(year), int(month), int(day), hours, int(minute or 0), int(second_of_minute or 0))
    except ValueError:
        return text
    return parsed.isoformat()
