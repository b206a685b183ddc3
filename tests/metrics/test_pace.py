"""Verdicts only when they mean something (`metrics.pace`): on track or behind during a period,
the final ✓/✗ only after it, nothing for a draft or a cancelled experiment, no cost without spend;
and the month so far beside the same days of the month before."""

import datetime as dt
from decimal import Decimal

import pytest

from metrics import pace
from metrics.catalog import metric

START, END = dt.date(2026, 12, 1), dt.date(2026, 12, 31)  # a 30-day test period, [start, end)


def judge(name: str, target, actual, today: dt.date, *, higher: bool = True, values: dict | None = None):
    return pace.judge(
        entry=metric(name),
        higher_is_better=higher,
        target=target,
        actual=actual,
        start=START,
        end=END,
        today=today,
        values=values if values is not None else {"marketing_spend": "100.00"},
    )


def test_launch_day_expects_nothing_yet_and_shows_no_cross():
    verdict = judge("mql", 40, 0, START)
    assert (verdict.state, verdict.final, verdict.expected) == (pace.ON_TRACK, False, 0)
    assert "✗" not in verdict.text() and "✓" not in verdict.text()
    assert verdict.text() == "on track · 0 expected by today"


def test_a_count_is_compared_with_the_share_of_the_target_expected_by_today():
    behind = judge("mql", 40, 5, START + dt.timedelta(days=6))  # 40 × 6 / 30 = 8 expected
    assert (behind.state, behind.expected) == (pace.BEHIND, Decimal(8))
    assert behind.text() == "behind · 8 expected by today"
    assert judge("mql", 40, 8, START + dt.timedelta(days=6)).state == pace.ON_TRACK
    assert behind.as_dict() == {
        "state": "behind",
        "final": False,
        "so_far": False,
        "expected": 8.0,
        "elapsed_days": 6,
        "period_days": 30,
    }


def test_a_money_sum_is_prorated_like_a_count():
    verdict = judge("revenue", "3000.00", "500.00", START + dt.timedelta(days=10))
    assert (verdict.state, verdict.expected_json()) == (pace.BEHIND, "1000.00")


def test_a_ratio_is_judged_so_far_without_a_cross():
    over = judge("cpl", "1500.00", "1800.00", START + dt.timedelta(days=3), higher=False)
    assert (over.state, over.so_far, over.expected) == (pace.BEHIND, True, None)
    assert over.text() == "over the target so far"
    under = judge("non_target_share", "0.3", 0.2, START + dt.timedelta(days=3), higher=False)
    assert under.text() == "✓ met so far"


def test_the_final_verdict_comes_once_the_period_has_ended():
    assert judge("mql", 40, 39, END).text() == "✗ not met"
    assert judge("mql", 40, 40, END).text() == "✓ met"
    assert judge("cpl", "1500.00", "1600.00", END, higher=False).text() == "✗ over the target"
    assert judge("mql", 40, 41, END).final is True


def test_before_the_period_and_without_an_actual_there_is_no_verdict():
    assert judge("mql", 40, 0, START - dt.timedelta(days=1)).state == pace.NOT_STARTED
    assert judge("non_target_share", "0.3", None, END).state == pace.NO_DATA
    assert pace.no_verdict(higher_is_better=True).text() == "no verdict"


@pytest.mark.parametrize("name", ["cpl", "cac", "cac_full", "romi"])
@pytest.mark.parametrize("spend", [None, "0.00", 0])
def test_a_cost_or_return_without_marketing_spend_is_never_met(name, spend):
    values = {} if spend is None else {"marketing_spend": spend}
    verdict = judge(name, "1500.00", "0.00", END, higher=False, values=values)
    assert (verdict.state, verdict.good, verdict.text()) == (pace.NO_SPEND, None, "no spend data")


def test_a_count_does_not_need_spend():
    assert judge("mql", 1, 2, END, values={}).state == pace.MET


@pytest.mark.parametrize(
    ("today", "month", "before"),
    [
        # On the 1st: the 1st of each month.
        (dt.date(2026, 12, 1), ("2026-12-01", "2026-12-02"), ("2026-11-01", "2026-11-02")),
        (dt.date(2026, 3, 5), ("2026-03-01", "2026-03-06"), ("2026-02-01", "2026-02-06")),
        # A shorter previous month ends with its last day, never spills into this one.
        (dt.date(2026, 3, 31), ("2026-03-01", "2026-04-01"), ("2026-02-01", "2026-03-01")),
        (dt.date(2027, 1, 15), ("2027-01-01", "2027-01-16"), ("2026-12-01", "2026-12-16")),
    ],
)
def test_the_month_so_far_is_set_beside_the_same_days_of_the_month_before(today, month, before):
    (start, end), (previous_start, previous_end) = pace.month_to_date(today)
    assert (start.isoformat(), end.isoformat()) == month
    assert (previous_start.isoformat(), previous_end.isoformat()) == before
