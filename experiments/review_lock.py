"""The review lock: when may a sales head review an experiment?

Two ways open it (product.md, "The review lock"): the test period ended, or the non-target share
is above the pinned regulation's threshold with enough anytime-valid evidence (metrics.md, "The
non-target exception"). Once opened it stays open: the first opening is recorded in
`ReviewUnlock` and that record wins over anything computed later.
"""

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from scipy.special import betaincc, betaln

from experiments.models import Experiment, Regulation, ReviewUnlock


def log_evidence(n: int, k: int, t: float) -> float:
    """log E(n, k, t): "share uniform on (t, 1)" against "share = t", in logarithms.

    E = B(k+1, n-k+1) * (1 - I_t(k+1, n-k+1)) / ((1-t) * t^k * (1-t)^(n-k))
    """
    if not 0 <= k <= n:
        raise ValueError(f"need 0 <= k <= n, got n={n}, k={k}")
    if not 0 < t < 1:
        raise ValueError(f"the threshold must lie in (0, 1), got {t}")
    a, b = k + 1, n - k + 1
    upper_tail = betaincc(a, b, t)
    if upper_tail <= 0.0:
        return -math.inf
    return betaln(a, b) + math.log(upper_tail) - math.log1p(-t) - k * math.log(t) - (n - k) * math.log1p(-t)


def evidence(n: int, k: int, t: float) -> float:
    """E(n, k, t) as a float; overflow saturates at +inf, which still compares correctly."""
    log_e = log_evidence(n, k, t)
    return math.exp(log_e) if log_e < 709 else math.inf


def exception_holds(*, n: int, k: int, threshold: float, alpha: float, min_leads: int) -> bool:
    """The exception unlocks when n >= m, k/n > t and E >= 1/alpha."""
    if n < min_leads or n == 0 or k / n <= threshold:
        return False
    return log_evidence(n, k, threshold) >= -math.log(alpha)


@dataclass(frozen=True)
class LockState:
    unlocked: bool
    reason: str | None  # "period_ended" | "exception" | None
    unlocks_on: dt.date
    unlocked_at: dt.datetime | None
    evidence: float | None
    evidence_needed: float | None
    judged_leads: int
    non_target_leads: int
    threshold: Decimal | None

    def as_dict(self) -> dict:
        return {
            "unlocked": self.unlocked,
            "reason": self.reason,
            "unlocks_on": self.unlocks_on.isoformat(),
            "unlocked_at": self.unlocked_at.isoformat() if self.unlocked_at else None,
            "evidence": _json_float(self.evidence),
            "evidence_needed": self.evidence_needed,
        }


def _json_float(value: float | None) -> float | None:
    if value is None:
        return None
    if math.isinf(value):
        return 1e308
    return round(value, 4)


def regulation_for(experiment: Experiment) -> Regulation:
    """The pinned version once launched; the version in force for a draft."""
    return experiment.regulation or Regulation.objects.order_by("-version").first()


def cohort_judgement(experiment: Experiment) -> tuple[int, int]:
    """(n, k) = (judged leads, non-target leads) from the experiment's latest snapshot."""
    snapshot = getattr(experiment, "snapshot", None)
    data = snapshot.data if snapshot is not None else {}
    return int(data.get("judged_leads") or 0), int(data.get("non_target_leads") or 0)


def review_lock_state(
    experiment: Experiment,
    *,
    today: dt.date | None = None,
    counts: tuple[int, int] | None = None,
) -> LockState:
    """The lock of one experiment now (or on `today`), from the pinned regulation.

    `counts` (n, k) overrides the snapshot, for callers that just computed them. The recorded
    unlock, when there is one, is final: a later drop of the share never relocks.
    """
    today = today or timezone.localdate()
    regulation = regulation_for(experiment)
    threshold = regulation.threshold_for(experiment.channel_id)
    t, alpha = float(threshold), float(regulation.exception_alpha)
    n, k = counts if counts is not None else cohort_judgement(experiment)
    e_value = evidence(n, k, t) if n > 0 else 1.0
    needed = regulation.evidence_needed

    try:
        unlock = experiment.unlock
    except ReviewUnlock.DoesNotExist:
        unlock = None
    if unlock is not None:
        return LockState(True, unlock.reason, experiment.ends_on, unlock.unlocked_at, e_value, needed, n, k, threshold)

    running = experiment.status not in (Experiment.Status.DRAFT, Experiment.Status.CANCELLED)
    if running and today >= experiment.ends_on:
        return LockState(
            True, ReviewUnlock.Reason.PERIOD_ENDED, experiment.ends_on, None, e_value, needed, n, k, threshold
        )
    if running and exception_holds(n=n, k=k, threshold=t, alpha=alpha, min_leads=regulation.exception_min_leads):
        return LockState(
            True, ReviewUnlock.Reason.EXCEPTION, experiment.ends_on, None, e_value, needed, n, k, threshold
        )
    return LockState(False, None, experiment.ends_on, None, e_value, needed, n, k, threshold)
