"""The review lock: when may a sales head review an experiment?

Two ways open it (product.md, "The review lock"): the test period ended, or the non-target share
is above the pinned regulation's threshold with enough anytime-valid evidence (metrics.md, "The
non-target exception"). Once opened it stays open: the first opening is recorded in
`ReviewUnlock` and that record wins over anything computed later.

A regulation with a cooling-off (`exception_cooldown_hours`) delays the exception: the moment its
evidence is first met is recorded (`ExceptionCrossing`), and the review opens that many hours later
only if the evidence, from numbers with no pending change, still holds then.
"""

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from scipy.special import betaincc, betaln

from experiments.models import ExceptionCrossing, Experiment, Regulation, ReviewUnlock
from metrics.formatting import api_number, api_percent

# What `review_lock_state` reads from an experiment; join these to read many without extra queries.
LOCK_SELECT_RELATED = ("regulation", "snapshot", "unlock", "exception_crossing")
LOCK_PREFETCH_RELATED = ("regulation__channel_thresholds",)


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
    return float(betaln(a, b)) + math.log(upper_tail) - math.log1p(-t) - k * math.log(t) - (n - k) * math.log1p(-t)


def evidence(n: int, k: int, t: float) -> float:
    """E(n, k, t) as a float; overflow saturates at +inf, which still compares correctly."""
    log_e = log_evidence(n, k, t)
    return math.exp(log_e) if log_e < 709 else math.inf


def exception_holds(*, n: int, k: int, threshold: float, alpha: float, min_leads: int) -> bool:
    """The exception unlocks when n >= m, k/n > t and E >= 1/alpha."""
    if n < min_leads or n == 0 or k / n <= threshold:
        return False
    return bool(log_evidence(n, k, threshold) >= -math.log(alpha))


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
    min_leads: int = 0
    # True once a ReviewUnlock row holds this opening; False while it is only derived from the date
    # or the latest snapshot (the sweep or the next recompute records it).
    recorded: bool = False
    # The exception's evidence is met now. Under a cooling-off the lock may still be closed: then
    # `opens_at` is when it opens if the evidence still holds (None until the crossing is recorded).
    exception_met: bool = False
    opens_at: dt.datetime | None = None

    @property
    def cooling(self) -> bool:
        """Locked while the exception's evidence waits out the regulation's cooling-off."""
        return self.exception_met and not self.unlocked

    def as_dict(self) -> dict:
        return {
            "unlocked": self.unlocked,
            "reason": self.reason,
            "unlocks_on": self.unlocks_on.isoformat(),
            "unlocked_at": self.unlocked_at.isoformat() if self.unlocked_at else None,
            "evidence": json_float(self.evidence),
            "evidence_needed": self.evidence_needed,
            "opens_at": self.opens_at.isoformat() if self.opens_at else None,
        }

    def locked_sentence(self) -> str:
        """Why a review cannot be filed yet, in plain words (the 409 `review_locked` detail), in the
        active language; the date and the numbers keep the API's notation in every language."""
        numbers = {
            "date": self.unlocks_on.isoformat(),
            "threshold": api_percent(self.threshold) if self.threshold is not None else _("the threshold"),
            "evidence": _short(self.evidence),
            "needed": _short(self.evidence_needed),
            "min_leads": self.min_leads,
            "n": self.judged_leads,
        }
        if self.cooling:
            opens_at = timezone.localtime(self.opens_at).strftime("%Y-%m-%d %H:%M") if self.opens_at else None
            if opens_at is None:
                return (
                    _(
                        "Non-target leads exceed %(threshold)s with enough evidence (%(evidence)s of %(needed)s), "
                        "but the regulation waits before an early review: it opens after the cooling-off if "
                        "the evidence still holds then, or on %(date)s when the test period ends."
                    )
                    % numbers
                )
            return _(
                "Non-target leads exceed %(threshold)s with enough evidence (%(evidence)s of %(needed)s), "
                "but the regulation waits before an early review: it opens at %(opens_at)s if the evidence "
                "still holds then, or on %(date)s when the test period ends."
            ) % {**numbers, "opens_at": opens_at}
        if self.judged_leads < self.min_leads:
            return (
                _(
                    "The test period ends on %(date)s; the review opens then, or earlier if non-target leads "
                    "exceed %(threshold)s with enough evidence (now %(evidence)s of %(needed)s); that also "
                    "needs at least %(min_leads)s judged leads, now %(n)s."
                )
                % numbers
            )
        return (
            _(
                "The test period ends on %(date)s; the review opens then, or earlier if non-target leads "
                "exceed %(threshold)s with enough evidence (now %(evidence)s of %(needed)s)."
            )
            % numbers
        )


def json_float(value: float | None) -> float | None:
    """A float the API can show: rounded, and +inf (overwhelming evidence) as the largest double."""
    if value is None:
        return None
    if math.isinf(value):
        return 1e308
    return round(value, 4)


def _short(value: float | None) -> str:
    if value is None:
        return "0"
    if math.isinf(value) or value >= 1e6:
        return _("over a million")
    return api_number(value, 1).removesuffix(".0")


def regulation_for(experiment: Experiment) -> Regulation:
    """The pinned version once launched; the version in force for a draft."""
    return experiment.regulation or Regulation.objects.order_by("-version").first()


def cohort_judgement(experiment: Experiment) -> tuple[int, int]:
    """(n, k) = (judged leads, non-target leads) from the experiment's latest snapshot."""
    snapshot = getattr(experiment, "snapshot", None)
    data = snapshot.data if snapshot is not None else {}
    return int(data.get("judged_leads") or 0), int(data.get("non_target_leads") or 0)


def period_end_moment(experiment: Experiment) -> dt.datetime:
    """When the period-end opening happened: local midnight starting `ends_on`.

    An experiment launched retroactively after its period ended opens at launch instead, so that
    the review deadline never starts before anyone could have filed.
    """
    moment = timezone.make_aware(dt.datetime.combine(experiment.ends_on, dt.time.min))
    if experiment.launched_at is not None and experiment.launched_at > moment:
        return experiment.launched_at
    return moment


def recorded_unlock(experiment: Experiment) -> ReviewUnlock | None:
    try:
        return experiment.unlock
    except ReviewUnlock.DoesNotExist:
        return None


def recorded_crossing(experiment: Experiment) -> ExceptionCrossing | None:
    try:
        return experiment.exception_crossing
    except ExceptionCrossing.DoesNotExist:
        return None


def _pending_change(experiment: Experiment) -> bool:
    """A lead or spend change is not counted in the snapshot yet."""
    snapshot = getattr(experiment, "snapshot", None)
    return snapshot is not None and snapshot.dirty_since is not None


def review_lock_state(
    experiment: Experiment,
    *,
    today: dt.date | None = None,
    counts: tuple[int, int] | None = None,
) -> LockState:
    """The lock of one experiment now (or on `today`), from the pinned regulation.

    `counts` (n, k) overrides the snapshot, for callers that just computed them. The recorded
    unlock, when there is one, is final: a later drop of the share never relocks. Under a
    cooling-off the exception opens only once its recorded crossing is `opens_at` old, from fresh
    numbers (the given counts, or a snapshot without a pending change).
    """
    today = today or timezone.localdate()
    regulation = regulation_for(experiment)
    threshold = regulation.threshold_for(experiment.channel_id)
    t, alpha = float(threshold), float(regulation.exception_alpha)
    n, k = counts if counts is not None else cohort_judgement(experiment)
    common = {
        "unlocks_on": experiment.ends_on,
        "evidence": evidence(n, k, t) if n > 0 else 1.0,
        "evidence_needed": regulation.evidence_needed,
        "judged_leads": n,
        "non_target_leads": k,
        "threshold": threshold,
        "min_leads": regulation.exception_min_leads,
    }

    unlock = recorded_unlock(experiment)
    if unlock is not None:
        return LockState(unlocked=True, reason=unlock.reason, unlocked_at=unlock.unlocked_at, recorded=True, **common)

    running = experiment.status in (Experiment.Status.RUNNING, Experiment.Status.AWAITING_REVIEW)
    if running and today >= experiment.ends_on:
        return LockState(
            unlocked=True,
            reason=ReviewUnlock.Reason.PERIOD_ENDED,
            unlocked_at=period_end_moment(experiment),
            **common,
        )
    if running and exception_holds(n=n, k=k, threshold=t, alpha=alpha, min_leads=regulation.exception_min_leads):
        exception = {"reason": ReviewUnlock.Reason.EXCEPTION, "unlocked_at": None, "exception_met": True}
        if not regulation.exception_cooldown_hours:
            return LockState(unlocked=True, **exception, **common)
        crossing = recorded_crossing(experiment)
        # The evidence still holds after the cooling-off: open, but only from numbers with nothing
        # pending, which may be a correction of the very leads that met it.
        cooled = crossing is not None and crossing.opens_at <= timezone.now()
        if cooled and (counts is not None or not _pending_change(experiment)):
            return LockState(unlocked=True, **exception, **common)
        opens_at = crossing.opens_at if crossing is not None else None
        return LockState(unlocked=False, reason=None, unlocked_at=None, exception_met=True, opens_at=opens_at, **common)
    return LockState(unlocked=False, reason=None, unlocked_at=None, **common)


def with_lock_data(queryset: QuerySet[Experiment]) -> QuerySet[Experiment]:
    """Join what `review_lock_state` reads, so a list computes every lock without extra queries."""
    return queryset.select_related(*LOCK_SELECT_RELATED).prefetch_related(*LOCK_PREFETCH_RELATED)


def review_due_on(unlock: ReviewUnlock) -> dt.date:
    """The last day to file the review: the unlock's local date plus the regulation's allowance."""
    regulation = regulation_for(unlock.experiment)
    return timezone.localdate(unlock.unlocked_at) + dt.timedelta(days=regulation.review_due_days)


def overdue_unlocks(*, today: dt.date | None = None) -> list[ReviewUnlock]:
    """Recorded unlocks whose review is still not filed after the deadline (oldest first)."""
    today = today or timezone.localdate()
    waiting = (
        ReviewUnlock.objects.filter(experiment__status=Experiment.Status.AWAITING_REVIEW)
        .select_related("experiment__regulation", "experiment__owner")
        .order_by("unlocked_at", "id")
    )
    return [unlock for unlock in waiting if today > review_due_on(unlock)]
