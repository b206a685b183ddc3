"""From a file's row of cells to the tracker's row: which header is which field, what each stage
value means for the funnel (imports.md, "From a CRM stage to the funnel"), which campaign is which
utm_campaign. A row the mapping cannot place raises `RowError` naming the value, never a guess."""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from metrics.rows import RowError
from metrics.sources.presets import LEAD_SOURCE_FIELDS, LEVELS, REQUIRED, SPEND_SOURCE_FIELDS, Preset
from metrics.sources.tables import Cell
from metrics.sources.values import bool_text, datetime_text, fold, is_none, number_text

DATETIME_FIELDS = ("created_at", "mql_at", "sql_at", "won_at", "churned_at")
NUMBER_FIELDS = ("revenue", "amount")
COUNT_FIELDS = ("orders", "visits")
# Funnel steps each level reaches; events above the level are not written even if a column has them.
_REACHED = {"new": 0, "non_target": 0, "mql": 1, "sql": 2, "won": 3}
_STEPS = (("mql_at", 1), ("sql_at", 2), ("won_at", 3))
MAX_EXTERNAL_ID = 255


@dataclass(frozen=True)
class SourceMapping:
    kind: str  # "leads" | "spend"
    preset: Preset
    fields: dict[str, str]  # our field -> the file's header
    stages: dict[str, str] = field(default_factory=dict)  # stage value -> level
    reasons: dict[str, str] = field(default_factory=dict)  # reason value -> "non_target"
    campaigns: dict[str, str] = field(default_factory=dict)  # ad campaign -> utm_campaign

    def errors(self, headers: list[str]) -> dict[str, list[str]]:
        """What is wrong with the mapping for this file, per field (empty: it can be used)."""
        known = LEAD_SOURCE_FIELDS if self.kind == "leads" else SPEND_SOURCE_FIELDS
        folded_headers = {fold(header) for header in headers}
        errors: dict[str, list[str]] = {}
        for name, header in self.fields.items():
            if name not in known:
                errors.setdefault("mapping", []).append(
                    _("“%(field)s” is not a field of this import.") % {"field": name}
                )
            elif fold(header) not in folded_headers:
                errors.setdefault(name, []).append(_("The file has no column “%(header)s”.") % {"header": header})
        for name in REQUIRED[self.kind]:
            if not self.fields.get(name):
                errors.setdefault(name, []).append(_("Choose the column that holds this field."))
        for value, level in self.stages.items():
            if level not in LEVELS:
                errors.setdefault("stages", []).append(
                    _("“%(level)s” is not a level (for the stage “%(value)s”).") % {"level": level, "value": value}
                )
        for value, level in self.reasons.items():
            if level != "non_target":
                errors.setdefault("reasons", []).append(
                    _("A reason can only mark leads non-target (the reason “%(value)s”).") % {"value": value}
                )
        return errors

    def converter(self, headers: list[str], *, zone: ZoneInfo) -> Callable[[list[Cell]], dict[str, str]]:
        """A function from a row of cells to the tracker's row (docs/api.md's fields, as text)."""
        columns = {name: _columns(headers, header) for name, header in self.fields.items()}
        stages = {fold(value): level for value, level in self.stages.items()}
        reasons = {fold(value) for value, level in self.reasons.items() if level == "non_target"}
        campaigns = {fold(value): utm for value, utm in self.campaigns.items()}
        preset = self.preset

        def cell(cells: list[Cell], name: str) -> Cell:
            # A repeated header (amoCRM writes utm_campaign twice) takes the first non-empty cell.
            for index in columns.get(name, ()):
                if index < len(cells) and (value := cells[index]) not in ("", None):
                    return value
            return ""

        def value(cells: list[Cell], name: str) -> str:
            raw = cell(cells, name)
            if name in DATETIME_FIELDS or name == "date":
                return datetime_text(raw, zone=zone, day_first=preset.day_first)
            text = raw if isinstance(raw, str) else raw.isoformat()
            if name in NUMBER_FIELDS:
                return number_text(text, decimal_comma=preset.decimal_comma)
            if name in COUNT_FIELDS:
                number = number_text(text, decimal_comma=preset.decimal_comma)
                return number[:-2] if number.endswith(".0") else number
            if name == "is_target":
                return bool_text(text)
            return "" if is_none(text) and name not in ("stage", "reason") else text.strip()

        if self.kind == "spend":
            return lambda cells: _spend_row({name: value(cells, name) for name in columns}, campaigns)
        return lambda cells: _lead_row({name: value(cells, name) for name in columns}, stages, reasons)


def _columns(headers: list[str], header: str) -> tuple[int, ...]:
    wanted = fold(header)
    return tuple(index for index, name in enumerate(headers) if fold(name) == wanted)


def _lead_row(values: dict[str, str], stages: dict[str, str], reasons: set[str]) -> dict[str, str]:
    stage = values.pop("stage", None)
    reason = values.pop("reason", "")
    if stage is None:
        return values  # no stage column: the file carries the lead's fields itself
    level: str | None
    if reason and fold(reason) in reasons:
        level = "non_target"
    else:
        level = stages.get(fold(stage))
        if level is None:
            raise RowError(_("The stage “%(value)s” has no level: choose one for it.") % {"value": stage})
    created = values.get("created_at", "")
    reached = _REACHED[level]
    for name, step in _STEPS:
        if step > reached:
            values.pop(name, None)
        elif not values.get(name):
            values[name] = created
    if level != "won":
        values.pop("revenue", None)
    if "is_target" not in values or values["is_target"] == "":
        values["is_target"] = {"new": "", "non_target": "false"}.get(level, "true")
    if level == "non_target" and not values.get("disqualify_reason"):
        values["disqualify_reason"] = reason or stage
    return values


def _spend_row(values: dict[str, str], campaigns: dict[str, str]) -> dict[str, str]:
    campaign = values.pop("campaign", "")
    if campaign and not values.get("utm_campaign") and not values.get("experiment"):
        values["utm_campaign"] = campaigns.get(fold(campaign), campaign)
    if values.get("date"):
        values["date"] = values["date"][:10]
    values["kind"] = values.get("kind") or "marketing"
    if not values.get("external_id"):
        # A re-export of the same days replaces its rows: the key is the date, campaign and kind.
        key = "|".join((values.get("date", ""), campaign or values.get("utm_campaign", ""), values["kind"]))
        values["external_id"] = key if len(key) <= MAX_EXTERNAL_ID else hashlib.sha256(key.encode()).hexdigest()
    return values
