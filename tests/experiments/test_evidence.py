"""The anytime-valid e-value of metrics.md, "The non-target exception"."""

import math

import numpy as np
import pytest
from scipy.special import beta, betainc

from experiments.review_lock import evidence, exception_holds, log_evidence

T, ALPHA, M = 0.30, 0.05, 10


@pytest.mark.parametrize(
    ("n", "k", "expected", "tolerance"),
    [(1, 1, 2.17, 0.005), (20, 8, 0.51, 0.005), (20, 12, 17.6, 0.05), (20, 15, 1819, 0.5), (10, 10, 21994, 0.5)],
)
def test_worked_values_of_metrics_md(n, k, expected, tolerance):
    """As many digits as metrics.md gives."""
    assert evidence(n, k, T) == pytest.approx(expected, abs=tolerance)


@pytest.mark.parametrize(
    ("n", "k", "unlocks"),
    [(1, 1, False), (20, 8, False), (20, 12, False), (20, 15, True), (10, 10, True), (9, 9, False)],
)
def test_worked_values_lock_or_unlock(n, k, unlocks):
    assert exception_holds(n=n, k=k, threshold=T, alpha=ALPHA, min_leads=M) is unlocks


def test_matches_the_formula_computed_directly_for_small_counts():
    for n in range(0, 30):
        for k in range(0, n + 1):
            direct = beta(k + 1, n - k + 1) * (1 - betainc(k + 1, n - k + 1, T)) / ((1 - T) * T**k * (1 - T) ** (n - k))
            assert evidence(n, k, T) == pytest.approx(direct, rel=1e-9)


def test_no_leads_is_no_evidence():
    assert evidence(0, 0, T) == pytest.approx(1.0)


def test_logarithms_keep_large_counts_finite():
    # t^k and B(...) underflow as plain floats long before this; the logarithm stays exact.
    assert math.isfinite(log_evidence(100_000, 30_000, T))
    assert log_evidence(100_000, 30_000, T) < 0  # exactly at the threshold: no evidence
    assert log_evidence(100_000, 31_000, T) > math.log(1 / ALPHA)
    assert evidence(100_000, 60_000, T) == math.inf  # saturates, still compares as "enough"
    assert exception_holds(n=100_000, k=60_000, threshold=T, alpha=ALPHA, min_leads=M)


def test_share_at_or_below_threshold_never_unlocks_however_many_leads():
    assert not exception_holds(n=1000, k=300, threshold=T, alpha=ALPHA, min_leads=M)
    assert not exception_holds(n=1000, k=250, threshold=T, alpha=ALPHA, min_leads=M)


def test_minimum_lead_count_is_required_even_with_overwhelming_evidence():
    assert evidence(9, 9, T) > 1 / ALPHA
    assert not exception_holds(n=9, k=9, threshold=T, alpha=ALPHA, min_leads=M)
    assert exception_holds(n=9, k=9, threshold=T, alpha=ALPHA, min_leads=9)


@pytest.mark.parametrize(("n", "k", "t"), [(-1, 0, T), (3, 4, T), (3, -1, T), (3, 1, 0.0), (3, 1, 1.0)])
def test_impossible_inputs_are_refused(n, k, t):
    with pytest.raises(ValueError):
        log_evidence(n, k, t)


def _first_unlock(true_share: float, *, runs: int, leads: int, seed: int, rule) -> np.ndarray:
    """Lead index (1-based) at which each simulated experiment first unlocks, 0 if never.

    The lock is checked after every single lead, as the product does (after every recompute).
    """
    rng = np.random.default_rng(seed)
    k = np.cumsum(rng.random((runs, leads)) < true_share, axis=1)
    first = np.zeros(runs, dtype=int)
    decided: dict[tuple[int, int], bool] = {}
    for column in range(leads):
        n = column + 1
        pending = np.flatnonzero(first == 0)
        ks = k[pending, column]
        for value in np.unique(ks):
            if (n, int(value)) not in decided:
                decided[(n, int(value))] = rule(n, int(value))
        hit = np.fromiter((decided[(n, int(v))] for v in ks), dtype=bool, count=len(ks))
        first[pending[hit]] = n
    return first


def _exception(n: int, k: int) -> bool:
    return exception_holds(n=n, k=k, threshold=T, alpha=ALPHA, min_leads=M)


def _wilson(n: int, k: int) -> bool:
    """A fixed 95% Wilson lower bound above t: the naive rule, invalid under repeated checks."""
    if n < M:
        return False
    z, p = 1.959964, k / n
    centre = p + z * z / (2 * n)
    margin = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - margin) / (1 + z * z / n) > T


def test_checking_after_every_lead_at_the_threshold_rarely_unlocks():
    """Ville's inequality: at a true share equal to t, at most alpha of runs ever unlock."""
    first = _first_unlock(T, runs=2000, leads=500, seed=20261130, rule=_exception)
    unlocked_share = (first > 0).mean()
    assert unlocked_share < ALPHA  # measured: 0.021 (metrics.md: about 2%)
    assert unlocked_share < 2 * ALPHA / 3


def test_the_naive_fixed_bound_would_unlock_far_more_often():
    """The same harness catches an invalid rule: a repeatedly checked 95% bound unlocks often."""
    first = _first_unlock(T, runs=500, leads=500, seed=20261130, rule=_wilson)
    assert (first > 0).mean() > 0.15  # metrics.md: about 24%


def test_a_clearly_bad_channel_unlocks_early():
    first = _first_unlock(0.5, runs=1000, leads=200, seed=7, rule=_exception)
    assert (first > 0).mean() > 0.99
    assert 30 <= np.median(first) <= 50  # metrics.md: half unlock by the 42nd lead
