"""Verdicts only when they mean something: a target or a goal judged against the part of its period
that has passed, and the month so far beside the same days of the month before.

Every surface that says whether a number meets a target reads it here: the experiment page, list
and dashboard (experiment targets), the goals page, the founder agenda and the goals API.

- Before its period starts, and for a draft or a cancelled experiment, there is no verdict.
- During the period a metric that grows with time (counts, money sums: `Metric.accumulates`) is
  compared with the share of the target expected by today, `target × elapsed_days / period_days`
  ("on track" / "behind"); elapsed days are the whole days since the start, so on the first day
  nothing is expected yet. A ratio (a rate, CPL, CAC) is compared as it stands, "so far".
- The final verdict, met or missed, only once the period has ended.
- A cost or return computed from the marketing spend (CPL, CAC, ROMI) has no value while no spend
  is recorded: "no spend data", never 0 and never a met target.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from metrics.catalog import MONEY, Metric
from metrics.formatting import as_decimal, metric_text, rounded

# The states, as the API writes them.
NOT_STARTED = "not_started"  # the period has not begun
NO_VERDICT = "no_verdict"  # a draft or a cancelled experiment: nothing to judge
NO_DATA = "no_data"  # no value yet (no snapshot, a rate without a denominator)
NO_SPEND = "no_spend"  # a cost or return while no marketing spend is recorded
ON_TRACK = "on_track"
BEHIND = "behind"
MET = "met"
MISSED = "missed"
STATES = (NOT_STARTED, NO_VERDICT, NO_DATA, NO_SPEND, ON_TRACK, BEHIND, MET, MISSED)


def elapsed_days(start: dt.date, end: dt.date, today: dt.date) -> tuple[int, int]:
    """(whole days since `start`, days in `[start, end)`), the first clamped to the period."""
    period = max((end - start).days, 0)
    return min(max((today - start).days, 0), period), period


def spend_missing(values: dict | None) -> bool:
    """No marketing spend recorded in these values (a snapshot or a scoreboard zone)."""
    spend = as_decimal((values or {}).get("marketing_spend"))
    return spend is None or spend == 0


def no_spend(entry: Metric | None, values: dict | None) -> bool:
    """The metric is a cost or return of the marketing spend, and there is none: it reads "no spend data"."""
    return entry is not None and entry.needs_spend and spend_missing(values)


@dataclass(frozen=True)
class Pace:
    state: str
    higher_is_better: bool
    # Judged on the value so far (a ratio), not against a prorated target.
    so_far: bool = False
    # What an accumulating metric should have reached by today to be on course (during the period).
    expected: Decimal | None = None
    kind: str = "count"
    elapsed_days: int = 0
    period_days: int = 0

    @property
    def final(self) -> bool:
        return self.state in (MET, MISSED)

    @property
    def good(self) -> bool | None:
        """True on the good side (met, on track), False on the bad side, None without a verdict."""
        if self.state in (MET, ON_TRACK):
            return True
        if self.state in (MISSED, BEHIND):
            return False
        return None

    @classmethod
    def from_dict(cls, data: dict, *, higher_is_better: bool, kind: str) -> "Pace":
        """A verdict as `as_dict` wrote it (an agenda, the API) back into one."""
        return cls(
            state=data.get("state") or NO_DATA,
            higher_is_better=higher_is_better,
            so_far=bool(data.get("so_far")),
            expected=as_decimal(data.get("expected")),
            kind=kind,
            elapsed_days=int(data.get("elapsed_days") or 0),
            period_days=int(data.get("period_days") or 0),
        )

    def expected_json(self) -> str | float | None:
        """`expected` in the metric's JSON type: a 2-place decimal string for money, else a number."""
        if self.expected is None:
            return None
        if self.kind == MONEY:
            return str(rounded(self.expected, 2))
        return float(rounded(self.expected, 2))

    def as_dict(self) -> dict:
        """The API's `pace` object (docs/api.md)."""
        return {
            "state": self.state,
            "final": self.final,
            "so_far": self.so_far,
            "expected": self.expected_json(),
            "elapsed_days": self.elapsed_days,
            "period_days": self.period_days,
        }

    def text(self) -> str:
        """The verdict in words for the reader: "✓ met", "behind · 13 expected by today"..."""
        if self.state == NOT_STARTED:
            return _("not started yet")
        if self.state == NO_VERDICT:
            return _("no verdict")
        if self.state == NO_DATA:
            return _("no data yet")
        if self.state == NO_SPEND:
            return _("no spend data")
        if self.state == MET:
            return "✓ " + _("met")
        if self.state == MISSED:
            return "✗ " + (_("not met") if self.higher_is_better else _("over the target"))
        if self.so_far:
            if self.state == ON_TRACK:
                return "✓ " + _("met so far")
            return _("under the target so far") if self.higher_is_better else _("over the target so far")
        words = _("on track") if self.state == ON_TRACK else _("behind")
        return _("%(verdict)s · %(expected)s expected by today") % {
            "verdict": words,
            "expected": metric_text(self.expected, self.kind),
        }


def judge(
    *,
    entry: Metric | None,
    higher_is_better: bool,
    target: object,
    actual: object,
    start: dt.date,
    end: dt.date,
    today: dt.date,
    values: dict | None = None,
) -> Pace:
    """The verdict on `actual` against `target` for the period `[start, end)` as of `today`.

    `values` (the snapshot or zone the actual comes from) tells whether marketing spend exists.
    """
    days, period = elapsed_days(start, end, today)
    common = {
        "higher_is_better": higher_is_better,
        "kind": entry.kind if entry is not None else "count",
        "elapsed_days": days,
        "period_days": period,
    }
    if today < start:
        return Pace(NOT_STARTED, **common)
    if no_spend(entry, values):
        return Pace(NO_SPEND, **common)
    value, goal = as_decimal(actual), as_decimal(target)
    if value is None or goal is None:
        return Pace(NO_DATA, **common)
    if today >= end:
        good = value >= goal if higher_is_better else value <= goal
        return Pace(MET if good else MISSED, **common)
    if entry is not None and entry.accumulates:
        expected = goal * days / period if period else goal
        on_course = value >= expected if higher_is_better else value <= expected
        return Pace(ON_TRACK if on_course else BEHIND, expected=expected, **common)
    good = value >= goal if higher_is_better else value <= goal
    return Pace(ON_TRACK if good else BEHIND, so_far=True, **common)


def no_verdict(*, higher_is_better: bool, kind: str = "count") -> Pace:
    """No verdict at all: a draft, or a cancelled experiment."""
    return Pace(NO_VERDICT, higher_is_better=higher_is_better, kind=kind)


# --- the month so far -------------------------------------------------------------------------


def month_to_date(today: dt.date) -> tuple[tuple[dt.date, dt.date], tuple[dt.date, dt.date]]:
    """This month up to and including today, and the same days of the previous month.

    On March 5th: `[Mar 1, Mar 6)` beside `[Feb 1, Feb 6)`. A previous month with fewer days ends
    with its last day (March 31st is compared with the whole of February), so a partial month is
    never set against a whole one.
    """
    start = today.replace(day=1)
    previous_start = (start - dt.timedelta(days=1)).replace(day=1)
    previous_end = min(previous_start + dt.timedelta(days=today.day), start)
    return (start, today + dt.timedelta(days=1)), (previous_start, previous_end)
