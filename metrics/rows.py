"""Validation of raw lead and spend rows, in bulk, for the JSON API and the CSV import alike.

Rows arrive as JSON-like dicts (strings for datetimes and decimals are fine) or as CSV text. One
cleaning function per kind of row turns a row into typed values or a `{field: [message]}` dict, so
that both paths accept and refuse exactly the same things. It is plain Python on purpose: a DRF
serializer per row costs ~20x more, and a 10,000-row post must stay cheap.
"""

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tracker.input_limits import (
    MAX_INT,
    control_character,
    control_character_message,
    date_range_message,
    object_id,
    validate_date_in_range,
    visible,
)
from tracker.numbers import parse_decimal

MAX_TEXT = 255
MAX_MONEY = Decimal("999999999999.99")  # max_digits=14, decimal_places=2

LEAD_FIELDS = (
    "external_id",
    "created_at",
    "utm_campaign",
    "channel",
    "is_target",
    "disqualify_reason",
    "mql_at",
    "sql_at",
    "won_at",
    "revenue",
    "orders",
    "customer_id",
    "churned_at",
    "churn_reason",
)
# Columns of the lead table written by an upsert, in this order everywhere (staging, SQL, ORM).
LEAD_COLUMNS = (
    "external_id",
    "created_at",
    "created_date",
    "utm_campaign",
    "utm_key",
    "channel_id",
    "is_target",
    "disqualify_reason",
    "mql_at",
    "sql_at",
    "won_at",
    "revenue",
    "orders",
    "customer_id",
    "churned_at",
    "churn_reason",
)
# Provenance columns written with each created or changed lead (`metrics.services.leads.LeadSource`):
# one value per batch, bound as parameters of the merge statement, never staged row by row.
LEAD_SOURCE_COLUMNS = ("source_user_id", "source_import_id", "source_at")
EVENT_FIELDS = ("mql_at", "sql_at", "won_at", "churned_at")

_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}
_WHOLE = re.compile(r"\s*(-?)0*([0-9]+)\s*", re.ASCII)


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def utm_key(utm_campaign: str) -> str:
    """The attribution key of metrics.md: trimmed and case-insensitive."""
    return utm_campaign.strip().lower()


class RowError(Exception):
    pass


def _text(value, limit: int | None = MAX_TEXT, *, free_text: bool = False) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        if isinstance(value, bool | dict | list):
            raise RowError(_("Expected text."))
        value = str(value)
    if limit is not None and len(value) > limit:
        raise RowError(_("At most %(limit)s characters.") % {"limit": limit})
    char = control_character(value, free_text=free_text)
    if char is not None:
        raise RowError(control_character_message(char))
    return value


def _in_range(value: dt.date) -> None:
    try:
        validate_date_in_range(value)
    except ValidationError:
        raise RowError(date_range_message()) from None


def _datetime(value, zone: ZoneInfo) -> dt.datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise RowError(
                _("“%(value)s” is not a date and time (ISO 8601, e.g. 2026-12-01T10:30:00+03:00).")
                % {"value": visible(value)}
            ) from None
    else:
        raise RowError(_("Expected a date and time (ISO 8601 text)."))
    # By the year as written: with any offset the instant stays well inside what both PostgreSQL
    # and Python read back (year 9999 at -12:00 is year 10000 in UTC).
    _in_range(parsed)
    if parsed.tzinfo is None:
        # No offset: a CRM export in local time, read in the configured time zone.
        parsed = parsed.replace(tzinfo=zone)
    return parsed


def _bool(value) -> bool | None:
    if value is None or value == "" or isinstance(value, bool):
        return value if value != "" else None
    if isinstance(value, str):
        low = value.strip().lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        if low in ("", "null", "none"):
            return None
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise RowError(_("Expected true, false or null."))


def _money(value) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise RowError(_("Expected an amount of money."))
    amount = parse_decimal(value, decimal_comma=True)
    if amount is None:
        raise RowError(_("“%(value)s” is not an amount of money.") % {"value": visible(str(value))})
    if amount < 0:
        raise RowError(_("Must not be negative."))
    if amount > MAX_MONEY:
        raise RowError(_("At most %(limit)s.") % {"limit": MAX_MONEY})
    if amount.as_tuple().exponent < -2:
        raise RowError(_("At most 2 decimal places."))
    return amount.quantize(Decimal("0.01"))


def _whole_number(value) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise RowError(_("Expected a whole number."))
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and (whole := _WHOLE.fullmatch(value)):
        # ASCII digits only (str.isdigit() also takes "²", which int() refuses), measured before
        # int() reads them (it refuses more than 4,300 digits).
        sign, digits = whole.groups()
        number = (int(digits) if len(digits) <= 10 else MAX_INT + 1) * (-1 if sign else 1)
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    else:
        raise RowError(_("“%(value)s” is not a whole number.") % {"value": visible(str(value))})
    if number < 0:
        raise RowError(_("Must not be negative."))
    if number > MAX_INT:
        raise RowError(_("Too large."))
    return number


@dataclass
class LeadCleaner:
    """Cleans lead rows. `channels` maps slug -> id (loaded once per batch)."""

    channels: dict[str, int]
    zone: ZoneInfo

    def __post_init__(self) -> None:
        zone = self.zone

        def moment(value):
            return _datetime(value, zone)

        def long_text(value):
            return _text(value, None, free_text=True)

        self._parsers = (
            ("external_id", _text),
            ("created_at", moment),
            ("utm_campaign", _text),
            ("is_target", _bool),
            ("disqualify_reason", long_text),
            ("mql_at", moment),
            ("sql_at", moment),
            ("won_at", moment),
            ("churned_at", moment),
            ("revenue", _money),
            ("orders", _whole_number),
            ("customer_id", _text),
            ("churn_reason", long_text),
        )

    def clean(self, row) -> tuple[tuple | None, dict[str, list[str]]]:
        """(values in LEAD_COLUMNS order, {}) or (None, {field: [message]})."""
        if not isinstance(row, dict):
            return None, {"non_field_errors": [_("Each row must be an object.")]}
        errors: dict[str, list[str]] = {}
        get = row.get
        v: dict = {}
        # Most fields of a CRM row are empty: skip the parser call for them (this loop is hot).
        for name, parse in self._parsers:
            raw = get(name)
            if raw is None or raw == "":
                v[name] = None
                continue
            try:
                v[name] = parse(raw)
            except RowError as exc:
                errors[name] = [str(exc)]
                v[name] = None

        external_id = (v["external_id"] or "").strip()
        if not external_id and "external_id" not in errors:
            errors["external_id"] = [_("This field is required.")]
        created_at = v["created_at"]
        if created_at is None and "created_at" not in errors:
            errors["created_at"] = [_("This field is required.")]
        utm_campaign = v["utm_campaign"] or ""
        channel_id = None
        slug = get("channel")
        if slug is not None and slug != "":
            channel_id = self.channels.get(slug.strip()) if isinstance(slug, str) else None
            if channel_id is None:
                errors["channel"] = [_("No channel with the slug “%(slug)s”.") % {"slug": visible(str(slug))}]
        is_target = v["is_target"]
        disqualify_reason = v["disqualify_reason"] or ""
        events = v
        revenue = v["revenue"]
        orders = v["orders"]
        customer_id = v["customer_id"] or ""
        churn_reason = v["churn_reason"] or ""

        if created_at is not None:
            for name in EVENT_FIELDS:
                moment = events[name]
                if moment is not None and moment < created_at and name not in errors:
                    errors[name] = [
                        _("%(field)s (%(moment)s) is before created_at (%(created_at)s).")
                        % {"field": name, "moment": moment.isoformat(), "created_at": created_at.isoformat()}
                    ]
        won_at, churned_at = events["won_at"], events["churned_at"]
        if churned_at is not None and "churned_at" not in errors:
            if won_at is None and "won_at" not in errors:
                errors["churned_at"] = [_("A lead that never bought (no won_at) cannot churn.")]
            elif won_at is not None and churned_at < won_at:
                errors["churned_at"] = [
                    _("churned_at (%(churned_at)s) is before won_at (%(won_at)s).")
                    % {"churned_at": churned_at.isoformat(), "won_at": won_at.isoformat()}
                ]
        if errors:
            return None, errors
        return (
            external_id,
            created_at,
            created_at.astimezone(self.zone).date(),
            utm_campaign,
            utm_key(utm_campaign),
            channel_id,
            is_target,
            disqualify_reason,
            events["mql_at"],
            events["sql_at"],
            won_at,
            revenue,
            orders,
            customer_id,
            churned_at,
            churn_reason,
        ), {}


def spend_clean(row, *, experiments_by_key: dict[str, int], experiment_ids: set[int]) -> tuple[dict | None, dict]:
    """A spend row as model field values, or its errors. The experiment is named by id or utm_campaign."""
    if not isinstance(row, dict):
        return None, {"non_field_errors": [_("Each row must be an object.")]}
    errors: dict[str, list[str]] = {}
    experiment_id = None
    if row.get("experiment") not in (None, ""):
        experiment_id = object_id(row["experiment"])
        if experiment_id not in experiment_ids:
            errors["experiment"] = [_("No experiment with the id “%(id)s”.") % {"id": visible(str(row["experiment"]))}]
    elif isinstance(row.get("utm_campaign"), str) and row["utm_campaign"].strip():
        experiment_id = experiments_by_key.get(utm_key(row["utm_campaign"]))
        if experiment_id is None:
            errors["utm_campaign"] = [
                _("No experiment (not cancelled) uses utm_campaign “%(utm)s”.") % {"utm": visible(row["utm_campaign"])}
            ]
    else:
        errors["experiment"] = [_("Name the experiment by its id (experiment) or by its utm_campaign.")]
    date = None
    try:
        date = dt.date.fromisoformat(str(row.get("date") or "").strip())
        _in_range(date)
    except ValueError:
        errors["date"] = [
            _("A date is required (YYYY-MM-DD).") if not row.get("date") else _("Not a date (YYYY-MM-DD).")
        ]
    except RowError as exc:
        date = None
        errors["date"] = [str(exc)]
    amount = None
    try:
        amount = _money(row.get("amount"))
        if amount is None:
            errors["amount"] = [_("This field is required.")]
    except RowError as exc:
        errors["amount"] = [str(exc)]
    kind = row.get("kind")
    if kind not in ("marketing", "sales"):
        errors["kind"] = [_("Expected “marketing” or “sales”.")]
    visits = None
    try:
        visits = _whole_number(row.get("visits"))
    except RowError as exc:
        errors["visits"] = [str(exc)]
    external_id = None
    if row.get("external_id") not in (None, ""):
        try:
            external_id = _text(row["external_id"]).strip() or None
        except RowError as exc:
            errors["external_id"] = [str(exc)]
    if errors:
        return None, errors
    values = {"experiment_id": experiment_id, "date": date, "amount": amount, "kind": kind, "visits": visits}
    return {**values, "external_id": external_id}, {}
