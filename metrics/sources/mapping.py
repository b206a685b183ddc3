"""From a file's row of cells to the tracker's row: which header is which field, what each stage
value means for the funnel (imports.md, "From a CRM stage to the funnel"), which campaign is which
utm_campaign. A row the mapping cannot place raises `RowError` naming the value, never a guess."""

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter

from django.utils.translation import gettext as _

from metrics.rows import LEAD_FIELDS, RowError
from metrics.sources.presets import LEAD_SOURCE_FIELDS, LEVELS, REQUIRED, SPEND_SOURCE_FIELDS, Preset
from metrics.sources.tables import Cell
from metrics.sources.values import bool_text, datetime_text, fold, is_none, number_text

DATETIME_FIELDS = ("created_at", "mql_at", "sql_at", "won_at", "churned_at")
NUMBER_FIELDS = ("revenue", "amount")
COUNT_FIELDS = ("orders", "visits")
# Funnel steps each level reaches; events above the level are not written even if a column has them.
_REACHED = {"new": 0, "non_target": 0, "mql": 1, "sql": 2, "won": 3}
_STEPS = (("mql_at", 1), ("sql_at", 2), ("won_at", 3))
_TARGET = {"new": "", "non_target": "false"}  # is_target by level; "true" for the others
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

    def converter(self, headers: list[str]) -> Callable[[list[Cell]], dict[str, str]]:
        """A function from a row of cells to the tracker's row (docs/api.md's fields, as text): the
        meaning of a mapping, row by row. The import reads leads a batch at a time (`LeadBatches`),
        to the same effect."""
        columns = {name: header_columns(headers, header) for name, header in self.fields.items()}
        readers = {name: value_reader(name, self.preset) for name in columns}
        stages = {fold(value): level for value, level in self.stages.items()}
        reasons = {fold(value) for value, level in self.reasons.items() if level == "non_target"}
        campaigns = {fold(value): utm for value, utm in self.campaigns.items()}

        def values(cells: list[Cell]) -> dict[str, str]:
            return {name: readers[name](first_cell(cells, indexes)) for name, indexes in columns.items()}

        if self.kind == "spend":
            return lambda cells: _spend_row(values(cells), campaigns)
        return lambda cells: _lead_row(values(cells), stages, reasons)


def value_reader(name: str, preset: Preset) -> Callable[[Cell], str]:
    """How a cell of our field `name` is read: as the canonical text of docs/api.md."""
    if name in DATETIME_FIELDS or name == "date":
        # Remembered too: an open deal's close date is the same "не закрыта" on most rows.
        return _memo(lambda raw: datetime_text(raw, day_first=preset.day_first))
    if name in NUMBER_FIELDS:
        return _memo(lambda raw: number_text(_text(raw), decimal_comma=preset.decimal_comma))
    if name in COUNT_FIELDS:
        return _memo(lambda raw: count_text(_text(raw), decimal_comma=preset.decimal_comma))
    if name == "is_target":
        return _memo(lambda raw: bool_text(_text(raw)))
    if name == "stage":
        return _stripped
    return _memo(_plain) if name in ("utm_campaign", "channel", "kind", "campaign", "reason") else _plain


def _text(raw: Cell) -> str:
    return raw if isinstance(raw, str) else raw.isoformat()


def _stripped(raw: Cell) -> str:
    return _text(raw).strip()


def _plain(raw: Cell) -> str:
    text = _text(raw)
    return "" if is_none(text) else text.strip()


def count_text(text: str, *, decimal_comma: bool = True) -> str:
    """`1 200` → `1200`; a count written with a decimal zero (`3,0`) is the whole number."""
    number = number_text(text, decimal_comma=decimal_comma)
    return number[:-2] if number.endswith(".0") else number


def _memo(read: Callable[[Cell], str], limit: int = 10_000) -> Callable[[Cell], str]:
    """`read` remembered for the values a column repeats (amounts, campaigns, flags); the memory is
    bounded, so that a column of distinct values costs no more than reading them."""
    seen: dict[Cell, str] = {}

    def remembered(raw: Cell) -> str:
        found = seen.get(raw)
        if found is None:
            found = read(raw)
            if len(seen) >= limit:
                seen.clear()
            seen[raw] = found
        return found

    return remembered


def first_cell(cells: list[Cell], indexes: tuple[int, ...]) -> Cell:
    # A repeated header (amoCRM writes utm_campaign twice) takes the first non-empty cell.
    for index in indexes:
        if index < len(cells) and (value := cells[index]) not in ("", None):
            return value
    return ""


class LeadBatches:
    """The import's reading of lead rows: a batch of a file's rows to tracker rows, column by column.

    The same meaning as `SourceMapping.converter` (a test holds them equal), at a fraction of its
    cost per row: each field's reader runs over its column, and the stage's level is looked up once
    per distinct stage and reason.
    """

    def __init__(self, mapping: SourceMapping, headers: list[str]) -> None:
        self.columns = {name: header_columns(headers, header) for name, header in mapping.fields.items()}
        self.width = 1 + max((index for indexes in self.columns.values() for index in indexes), default=-1)
        self.readers = {name: value_reader(name, mapping.preset) for name in self.columns}
        self.staged = "stage" in self.columns
        self.stages = {fold(value): level for value, level in mapping.stages.items()}
        self.reasons = {fold(value) for value, level in mapping.reasons.items() if level == "non_target"}
        self.levels: dict[tuple[str, str], str | None] = {}
        given = set(self.columns) - {"stage", "reason"}
        derived = {"is_target", "disqualify_reason", "mql_at", "sql_at", "won_at"} if self.staged else set()
        # The tracker's columns this file fills, in docs/api.md's order.
        self.header: tuple[str, ...] = tuple(name for name in LEAD_FIELDS if name in given | derived)

    def level(self, stage: str, reason: str) -> str | None:
        key = (stage, reason)
        if key not in self.levels:
            if reason and fold(reason) in self.reasons:
                self.levels[key] = "non_target"
            else:
                self.levels[key] = self.stages.get(fold(stage))
        return self.levels[key]

    def convert(self, rows: list[tuple[int, list[Cell]]]) -> Iterator[tuple[int, list[str] | None, str]]:
        """(line, the tracker row's values in `header` order, "") per row, or (line, None, the
        problem) for a row whose stage has no level."""
        count = len(rows)
        values: dict[str, list[str]] = {}
        # Rows as wide as the header (nearly always): each column is taken whole, in C.
        full = all(len(cells) >= self.width for _line, cells in rows)
        for name, indexes in self.columns.items():
            read = self.readers[name]
            if len(indexes) == 1 and full:
                values[name] = list(map(read, map(itemgetter(indexes[0]), map(itemgetter(1), rows))))
            elif len(indexes) == 1:
                index = indexes[0]
                values[name] = [read(cells[index] if index < len(cells) else "") for _line, cells in rows]
            else:
                values[name] = [read(first_cell(cells, indexes)) for _line, cells in rows]
        levels: list[str | None] = []
        if self.staged:
            stages = values.pop("stage")
            reasons = values.pop("reason", None) or [""] * count
            level = self.level
            levels = [level(stage, reason) for stage, reason in zip(stages, reasons, strict=True)]
            self._fill(values, levels, stages, reasons)
        columns = [values[name] for name in self.header]
        for index, ((line, _cells), fields) in enumerate(zip(rows, zip(*columns, strict=True), strict=True)):
            if self.staged and levels[index] is None:
                yield line, None, _no_level(stages[index])
            else:
                yield line, list(fields), ""

    def _fill(
        self, values: dict[str, list[str]], levels: list[str | None], stages: list[str], reasons: list[str]
    ) -> None:
        """The lead fields the levels imply (imports.md's level table), unless a column gives them."""
        count = len(levels)
        created = values.get("created_at") or [""] * count
        for name, step in _STEPS:
            given = values.get(name) or [""] * count
            values[name] = [
                (value or start) if _REACHED.get(level or "new", 0) >= step else ""
                for level, start, value in zip(levels, created, given, strict=True)
            ]
        if "revenue" in values:
            values["revenue"] = [
                value if level == "won" else "" for level, value in zip(levels, values["revenue"], strict=True)
            ]
        targets = values.get("is_target") or [""] * count
        values["is_target"] = [
            value or _TARGET.get(level or "new", "true") for level, value in zip(levels, targets, strict=True)
        ]
        given_reasons = values.get("disqualify_reason") or [""] * count
        values["disqualify_reason"] = [
            value or ((reason or stage) if level == "non_target" else "")
            for level, value, reason, stage in zip(levels, given_reasons, reasons, stages, strict=True)
        ]


def _no_level(stage: str) -> str:
    return _("The stage “%(value)s” has no level: choose one for it.") % {"value": stage}


def header_columns(headers: list[str], header: str) -> tuple[int, ...]:
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
        values["is_target"] = _TARGET.get(level, "true")
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
