"""The review lock: when may a sales head review an experiment?

Two ways open it (product.md, "The review lock"): the test period ended, or the non-target share
is above the pinned regulation's threshold with enough anytime-valid evidence (metrics.md, "The
non-target exception"). Once opened it stays open: the first opening is recorded in
`ReviewUnlock` and that record wins over anything computed later.

Once open, the review is due `review_due_days` after the day it opened: `review_deadline` is the one
place every page, e-mail, agenda and the API read that from.

A regulation with a cooling-off (`exception_cooldown_hours`) delays the exception: the moment its
evidence is first met is recorded (`ExceptionCrossing`), and the review opens that many hours later
only if the evidence, from numbers with no pending change, still holds then.
"""

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property, lru_cache

import numpy as np
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from scipy.special import betaincc, betaln

from experiments.models import ExceptionCrossing, Experiment, Regulation, ReviewUnlock
from metrics.formatting import api_number, api_percent
from tracker.local_time import local_midnight

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
    return evidence_enough(n=n, k=k, threshold=threshold, alpha=alpha)


def evidence_enough(*, n: int, k: int, threshold: float, alpha: float) -> bool:
    """E >= 1/alpha, compared in logarithms (the third condition of the exception)."""
    return n > 0 and bool(log_evidence(n, k, threshold) >= -math.log(alpha))


# How far `leads_to_exception` looks ahead, in judged leads; beyond it the estimate says "not soon".
ESTIMATE_CAP = 10_000
_ESTIMATE_CHUNK = 64


@lru_cache(maxsize=1024)
def leads_to_exception(*, n: int, k: int, threshold: float, alpha: float, min_leads: int) -> int | None:
    """The smallest n' >= n at which the exception would hold if the share stayed k/n.

    k' = round(k/n * n'). None when the share is not above the threshold (more leads at this share
    never open it) or when it takes more than ESTIMATE_CAP further leads. Every count up to the cap
    is screened at once with log E without its tail factor (log(1 - I_t) <= 0, so that bound is never
    below log E and costs a hundredth of the incomplete Beta); only counts that pass get the full
    formula, and the answer is confirmed by `exception_holds` itself, so the estimate and the lock
    never disagree about a count.
    """
    if n == 0 or k / n <= threshold:
        return None
    ns = np.arange(n, n + ESTIMATE_CAP + 1, dtype=float)
    ks = np.rint(k / n * ns)
    a, b = ks + 1, ns - ks + 1
    bound = betaln(a, b) - math.log1p(-threshold) - ks * math.log(threshold) - (ns - ks) * math.log1p(-threshold)
    needed = -math.log(alpha) - 1e-9  # a little slack: the scalar check has the last word
    candidates = np.flatnonzero((ns >= min_leads) & (ks > threshold * ns) & (bound >= needed))
    for start in range(0, len(candidates), _ESTIMATE_CHUNK):
        chunk = candidates[start : start + _ESTIMATE_CHUNK]
        with np.errstate(divide="ignore"):
            log_e = bound[chunk] + np.log(betaincc(a[chunk], b[chunk], threshold))
        for index in chunk[log_e >= needed]:
            count, bad = int(ns[index]), int(ks[index])
            if exception_holds(n=count, k=bad, threshold=threshold, alpha=alpha, min_leads=min_leads):
                return count
    return None


@dataclass(frozen=True)
class ReviewDeadline:
    """When an open review is due, counted from the day it opened."""

    opened_on: dt.date
    due_on: dt.date
    overdue: bool
    days_overdue: int  # 0 unless overdue

    def as_dict(self) -> dict:
        return {
            "opened_on": self.opened_on.isoformat(),
            "review_due_on": self.due_on.isoformat(),
            "overdue": self.overdue,
            "days_overdue": self.days_overdue,
        }


def review_deadline(
    experiment: Experiment, *, reason: str, unlocked_at: dt.datetime | None, today: dt.date
) -> ReviewDeadline:
    """The review deadline of an open experiment: the one rule for pages, e-mails, agendas and the API.

    A review opened by the period's end opened on `ends_on`, whenever a job noticed it (or however
    late the experiment was launched): the regulation's days count from the end of the test. One
    opened by the exception opened on the local date it was recorded; not yet recorded, today.
    Overdue means not reviewed yet and today past the due date.
    """
    if reason == ReviewUnlock.Reason.PERIOD_ENDED:
        opened_on = experiment.ends_on
    elif unlocked_at is not None:
        opened_on = timezone.localdate(unlocked_at)
    else:
        opened_on = today
    due_on = opened_on + dt.timedelta(days=regulation_for(experiment).review_due_days)
    late = 0 if experiment.status == Experiment.Status.REVIEWED else max(0, (today - due_on).days)
    return ReviewDeadline(opened_on=opened_on, due_on=due_on, overdue=late > 0, days_overdue=late)


def unlock_deadline(unlock: ReviewUnlock, *, today: dt.date | None = None) -> ReviewDeadline:
    """`review_deadline` of a recorded unlock (its experiment and regulation joined by the caller)."""
    return review_deadline(
        unlock.experiment,
        reason=unlock.reason,
        unlocked_at=unlock.unlocked_at,
        today=today or timezone.localdate(),
    )


@dataclass(frozen=True)
class LockChecklist:
    """The two ways a review opens, condition by condition (a pre-launch checklist, for the lock)."""

    ends_on: dt.date
    period_ended: bool
    judged_leads: int
    min_leads: int
    share: float | None  # k/n; None before any lead is judged
    threshold: float
    evidence: float
    evidence_needed: float
    enough_leads: bool
    share_above_threshold: bool
    evidence_enough: bool
    # Judged leads still needed at today's share: 0 when the exception holds now; None when today's
    # share cannot open it (or not within ESTIMATE_CAP more leads), and once the review is open.
    more_leads_needed: int | None

    @property
    def exception_met(self) -> bool:
        return self.enough_leads and self.share_above_threshold and self.evidence_enough

    def as_dict(self) -> dict:
        return {
            "period_ended": {"met": self.period_ended, "ends_on": self.ends_on.isoformat()},
            "exception": {
                "min_judged_leads": {"met": self.enough_leads, "value": self.judged_leads, "needed": self.min_leads},
                "share_above_threshold": {
                    "met": self.share_above_threshold,
                    "value": json_float(self.share),
                    "needed": self.threshold,
                },
                "evidence": {
                    "met": self.evidence_enough,
                    "value": json_float(self.evidence),
                    "needed": self.evidence_needed,
                },
                "more_leads_needed": self.more_leads_needed,
            },
        }


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
    alpha: float = 0.05
    period_ended: bool = False  # today is on or after `unlocks_on`
    deadline: ReviewDeadline | None = None  # None while locked
    # The exception's evidence is met now. Under a cooling-off the lock may still be closed: then
    # `opens_at` is when it opens if the evidence still holds (None until the crossing is recorded).
    exception_met: bool = False
    opens_at: dt.datetime | None = None

    @property
    def cooling(self) -> bool:
        """Locked while the exception's evidence waits out the regulation's cooling-off."""
        return self.exception_met and not self.unlocked

    @property
    def opened_on(self) -> dt.date | None:
        return self.deadline.opened_on if self.deadline else None

    @property
    def review_due_on(self) -> dt.date | None:
        return self.deadline.due_on if self.deadline else None

    @property
    def overdue(self) -> bool:
        return self.deadline is not None and self.deadline.overdue

    @property
    def days_overdue(self) -> int:
        return self.deadline.days_overdue if self.deadline else 0

    @cached_property
    def checklist(self) -> LockChecklist:
        n, k = self.judged_leads, self.non_target_leads
        t = float(self.threshold)
        share_above = n > 0 and k / n > t
        more: int | None = None
        if exception_holds(n=n, k=k, threshold=t, alpha=self.alpha, min_leads=self.min_leads):
            more = 0
        elif share_above and not self.unlocked:  # an open review waits for nothing: no estimate needed
            target = leads_to_exception(n=n, k=k, threshold=t, alpha=self.alpha, min_leads=self.min_leads)
            more = None if target is None else target - n
        return LockChecklist(
            ends_on=self.unlocks_on,
            period_ended=self.period_ended,
            judged_leads=n,
            min_leads=self.min_leads,
            share=k / n if n else None,
            threshold=t,
            evidence=self.evidence if self.evidence is not None else 1.0,
            evidence_needed=self.evidence_needed,
            enough_leads=n >= self.min_leads,
            share_above_threshold=share_above,
            evidence_enough=evidence_enough(n=n, k=k, threshold=t, alpha=self.alpha),
            more_leads_needed=more,
        )

    def as_dict(self) -> dict:
        deadline = self.deadline.as_dict() if self.deadline else dict.fromkeys(_DEADLINE_KEYS)
        return {
            "unlocked": self.unlocked,
            "reason": self.reason,
            "unlocks_on": self.unlocks_on.isoformat(),
            "unlocked_at": self.unlocked_at.isoformat() if self.unlocked_at else None,
            "evidence": json_float(self.evidence),
            "evidence_needed": self.evidence_needed,
            "opens_at": self.opens_at.isoformat() if self.opens_at else None,
            **deadline,
            "checklist": self.checklist.as_dict(),
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
                ngettext(
                    "The test period ends on %(date)s; the review opens then, or earlier if non-target leads "
                    "exceed %(threshold)s with enough evidence (now %(evidence)s of %(needed)s); that also "
                    "needs at least %(min_leads)s judged lead, now %(n)s.",
                    "The test period ends on %(date)s; the review opens then, or earlier if non-target leads "
                    "exceed %(threshold)s with enough evidence (now %(evidence)s of %(needed)s); that also "
                    "needs at least %(min_leads)s judged leads, now %(n)s.",
                    self.min_leads,
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


_DEADLINE_KEYS = ("opened_on", "review_due_on", "overdue", "days_overdue")


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
    moment = local_midnight(experiment.ends_on)
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
        "alpha": alpha,
        "period_ended": today >= experiment.ends_on,
    }

    def opened(
        reason: str, unlocked_at: dt.datetime | None, recorded: bool = False, exception_met: bool = False
    ) -> LockState:
        deadline = review_deadline(experiment, reason=reason, unlocked_at=unlocked_at, today=today)
        return LockState(
            unlocked=True,
            reason=reason,
            unlocked_at=unlocked_at,
            recorded=recorded,
            deadline=deadline,
            exception_met=exception_met,
            **common,
        )

    unlock = recorded_unlock(experiment)
    if unlock is not None:
        return opened(unlock.reason, unlock.unlocked_at, recorded=True)

    running = experiment.status in (Experiment.Status.RUNNING, Experiment.Status.AWAITING_REVIEW)
    if running and today >= experiment.ends_on:
        return opened(ReviewUnlock.Reason.PERIOD_ENDED, period_end_moment(experiment))
    if running and exception_holds(n=n, k=k, threshold=t, alpha=alpha, min_leads=regulation.exception_min_leads):
        if not regulation.exception_cooldown_hours:
            return opened(ReviewUnlock.Reason.EXCEPTION, None, exception_met=True)
        crossing = recorded_crossing(experiment)
        # The evidence still holds after the cooling-off: open, but only from numbers with nothing
        # pending, which may be a correction of the very leads that met it.
        cooled = crossing is not None and crossing.opens_at <= timezone.now()
        if cooled and (counts is not None or not _pending_change(experiment)):
            return opened(ReviewUnlock.Reason.EXCEPTION, None, exception_met=True)
        opens_at = crossing.opens_at if crossing is not None else None
        return LockState(unlocked=False, reason=None, unlocked_at=None, exception_met=True, opens_at=opens_at, **common)
    return LockState(unlocked=False, reason=None, unlocked_at=None, **common)


def with_lock_data(queryset: QuerySet[Experiment]) -> QuerySet[Experiment]:
    """Join what `review_lock_state` reads, so a list computes every lock without extra queries."""
    return queryset.select_related(*LOCK_SELECT_RELATED).prefetch_related(*LOCK_PREFETCH_RELATED)


def overdue_unlocks(*, today: dt.date | None = None) -> list[ReviewUnlock]:
    """Recorded unlocks whose review is still not filed after the deadline (oldest first)."""
    today = today or timezone.localdate()
    waiting = (
        ReviewUnlock.objects.filter(experiment__status=Experiment.Status.AWAITING_REVIEW)
        .select_related("experiment__regulation", "experiment__owner")
        .order_by("unlocked_at", "id")
    )
    return [unlock for unlock in waiting if unlock_deadline(unlock, today=today).overdue]


def owed_order(state: LockState) -> tuple:
    """Sort key for open reviews: the overdue first (longest overdue on top), then by due date."""
    return (not state.overdue, -state.days_overdue, state.review_due_on or dt.date.max)


def reviews_awaiting(*, today: dt.date | None = None) -> list[tuple[Experiment, LockState]]:
    """Open, unfiled reviews on `today` (recorded or not yet), with their lock: overdue first.

    Running experiments are few; each lock is computed from the joined rows, in constant queries.
    """
    today = today or timezone.localdate()
    experiments = with_lock_data(
        Experiment.objects.filter(
            status__in=(Experiment.Status.RUNNING, Experiment.Status.AWAITING_REVIEW)
        ).select_related("channel", "owner")
    ).order_by("ends_on", "id")
    pairs = [(experiment, review_lock_state(experiment, today=today)) for experiment in experiments]
    return sorted(((e, state) for e, state in pairs if state.unlocked), key=lambda pair: owed_order(pair[1]))
