"""A lead set as exports carry it: its levels, the JSON rows it stands for, and what an export of
it is (`Export`) and can carry (`Carries`). The writers and their registry: `tests.metrics.exports`."""

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo

from django.conf import settings

Lead = dict[str, Any]
SpendEntry = dict[str, Any]  # date (dt.date), campaign, utm_campaign, amount (Decimal), visits (int)
LEVELS = ("new", "non_target", "mql", "sql", "won")
TARGET = {"new": None, "non_target": False, "mql": True, "sql": True, "won": True}
# Junk reasons people write; none of them is a stage value any writer uses.
JUNK_REASONS = ("Нецелевой", "Спам", "Дубль", "Студент", "Not a fit", "Wrong number")


def zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_time(moment: dt.datetime) -> dt.datetime:
    """The naive local time an export writes for an aware moment."""
    return moment.astimezone(zone()).replace(tzinfo=None)


def lead_level(lead: Lead) -> str:
    if lead.get("won_at"):
        return "won"
    if lead.get("sql_at"):
        return "sql"
    if lead.get("mql_at"):
        return "mql"
    return "non_target" if lead.get("is_target") is False else "new"


def json_row(lead: Lead) -> dict[str, Any]:
    """The lead as the JSON API takes it (`POST /api/v1/leads/`)."""
    row: dict[str, Any] = {}
    for name, value in lead.items():
        if isinstance(value, dt.datetime):
            row[name] = value.isoformat()
        elif isinstance(value, Decimal):
            row[name] = f"{value:.2f}"
        else:
            row[name] = value
    return row


@dataclass(frozen=True)
class Export:
    data: bytes
    filename: str
    preset: str  # the preset its headers are detected as
    format: Literal["csv", "xlsx", "html"]
    encoding: str | None  # as the reader names it: utf-8, utf-8-sig, utf-16, cp1251
    delimiter: str | None
    kind: Literal["leads", "spend"] = "leads"
    stages: dict[str, str] = field(default_factory=dict)  # stage value -> level
    reasons: dict[str, str] = field(default_factory=dict)  # reason value -> "non_target"
    campaigns: dict[str, str] = field(default_factory=dict)  # ad campaign -> utm_campaign

    def form(self) -> dict[str, str]:
        """The import's answers as the API takes them: JSON strings in a multipart form. A file in
        the tracker's own columns needs none: it is imported as today's CSV is."""
        if self.preset == "tracker":
            return {}
        answers = {"kind": self.kind, "preset": self.preset}
        for name in ("stages", "reasons", "campaigns"):
            if value := getattr(self, name):
                answers[name] = json.dumps(value, ensure_ascii=False)
        return answers


@dataclass(frozen=True)
class Carries:
    """What a vendor's file can carry of a lead."""

    levels: frozenset[str] = frozenset(LEVELS)
    won_date: Literal["datetime", "date"] | None = "datetime"  # None: no column, won_at = created_at
    revenue: bool = True  # a won lead's revenue has a column
    funnel_dates: bool = False  # mql_at and sql_at have columns of their own (HubSpot contacts)


class Unwritable(ValueError):
    """A lead the vendor's file cannot carry: the test's lead set is wrong, not the reader."""


def check(vendor: str, carries: Carries, leads: Sequence[Lead]) -> None:
    """Refuse leads that would not come back the same from this vendor's file."""
    seen: set[str] = set()
    for lead in leads:
        problem = _problem(carries, lead)
        if lead["external_id"] in seen:
            problem = "a repeated external_id"
        seen.add(lead["external_id"])
        if problem:
            raise Unwritable(f"{vendor}: lead {lead['external_id']!r}: {problem}")


def _problem(vendor: Carries, lead: Lead) -> str | None:
    level = lead_level(lead)
    created: dt.datetime = lead["created_at"]
    extra = set(lead) - {"external_id", "created_at", "utm_campaign", "is_target", "disqualify_reason"}
    extra -= {"mql_at", "sql_at", "won_at", "revenue"}
    if extra:
        return f"no column for {sorted(extra)}"
    if created.tzinfo is None or created.second or created.microsecond:
        return "created_at must be aware and on a whole minute (exports write minutes)"
    if level not in vendor.levels:
        return f"the level {level} cannot be written"
    if lead.get("is_target") is not TARGET[level]:
        return f"is_target must be {TARGET[level]} at the level {level}"
    if (level == "non_target") != bool(lead.get("disqualify_reason")):
        return "a disqualify_reason goes with a non-target lead, and only with one"
    if level == "non_target" and lead["disqualify_reason"] not in JUNK_REASONS:
        return f"the reason must be one of {JUNK_REASONS} (no stage value of any vendor)"
    reached = LEVELS.index(level) - 1  # mql 1, sql 2, won 3
    for step, name in enumerate(("mql_at", "sql_at"), start=1):
        moment = lead.get(name)
        if (moment is not None) != (reached >= step):
            return f"{name} goes with the level reached"
        if moment is not None and moment != created and not (vendor.funnel_dates and _minute(moment, created)):
            return f"{name} must equal created_at: the level writes it so"
    won = lead.get("won_at")
    if won is not None:
        kind = vendor.won_date
        if kind is None and won != created:
            return "won_at must equal created_at (no won-date column)"
        if kind == "datetime" and not _minute(won, created):
            return "won_at must be on a whole minute, not before created_at"
        if kind == "date" and (local_time(won).time() != dt.time() or won < created):
            return "won_at must be a local midnight (a date column), not before created_at"
    revenue = lead.get("revenue")
    if revenue is not None and (level != "won" or not vendor.revenue):
        return "revenue goes with a won lead of a vendor that has the column"
    if revenue is not None and revenue != revenue.quantize(Decimal("0.01")):
        return "revenue has at most two decimals"
    return None


def _minute(moment: dt.datetime, created: dt.datetime) -> bool:
    return moment >= created and moment.second == 0 and moment.microsecond == 0


def reasons_of(leads: Sequence[Lead]) -> dict[str, str]:
    return {lead["disqualify_reason"]: "non_target" for lead in leads if lead_level(lead) == "non_target"}


def stages_of(written: Iterable[tuple[str, str]]) -> dict[str, str]:
    stages: dict[str, str] = {}
    for stage, level in written:
        if stages.setdefault(stage, level) != level:
            raise Unwritable(f"the stage {stage!r} would mean both {stages[stage]} and {level}")
    return stages
