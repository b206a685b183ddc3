"""The review lock in plain words, for the dashboard, the experiment page and the review form.

The lock itself is computed by `experiments.review_lock.review_lock_state` (with its review deadline
and its checklist); this module only turns its numbers into sentences and the parts of a gauge.
"""

from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from experiments.models import Experiment, Regulation, ReviewUnlock
from experiments.provenance import source_lines
from experiments.review_lock import ESTIMATE_CAP, LockChecklist, LockState, recorded_unlock
from experiments.selectors import experiment_effective_status, experiment_lock_state, regulation_current
from metrics import formatting
from metrics.selectors import lead_sources


@dataclass(frozen=True)
class LockDisplay:
    state: LockState
    status: str  # the effective status: a running experiment with an open review reads as awaiting review
    days_left: int  # days until the test period ends (0 when it has ended)
    min_leads: int
    share: float | None  # non-target share of judged leads, None before any lead is judged
    headline: str
    details: list[str]
    experiment: Experiment
    due_line: str | None = None  # once open and not reviewed: by when, or how late
    checklist: dict | None = None  # while the review can still open or is open: see `checklist_words`

    @property
    def unlocked(self) -> bool:
        return self.state.unlocked

    @cached_property
    def sources(self) -> list[str]:
        """Who supplied the judged leads, where the exception opens (or is about to open) the
        review: as kept by the unlock, else live. Read only by the pages that show it (a query or
        four), never by lists."""
        if self.state.reason == ReviewUnlock.Reason.EXCEPTION:
            unlock = recorded_unlock(self.experiment)
            if unlock is not None:
                return source_lines(unlock.sources)
            return source_lines(lead_sources(experiment=self.experiment))
        if self.state.cooling:
            return source_lines(lead_sources(experiment=self.experiment))
        return []

    @property
    def overdue(self) -> bool:
        return self.status == Experiment.Status.AWAITING_REVIEW and self.state.overdue

    @property
    def days_overdue(self) -> int:
        return self.state.days_overdue

    @property
    def threshold(self) -> Decimal | None:
        return self.state.threshold

    @property
    def evidence_ratio(self) -> float:
        """Evidence as a fraction of what is needed, for a progress bar (capped at 1)."""
        if not self.state.evidence or not self.state.evidence_needed:
            return 0.0
        return min(1.0, self.state.evidence / self.state.evidence_needed)


def lock_context(experiment: Experiment, *, current_regulation: Regulation | None = None) -> LockDisplay:
    """The lock of one experiment in words. List pages pass the regulation in force once, for drafts."""
    if experiment.regulation_id is None and current_regulation is None:
        current_regulation = regulation_current()
    state = experiment_lock_state(experiment, current_regulation=current_regulation)
    regulation = experiment.regulation if experiment.regulation_id else current_regulation
    today = timezone.localdate()
    days_left = max(0, (state.unlocks_on - today).days)
    n, k = state.judged_leads, state.non_target_leads
    share = k / n if n else None
    status = experiment_effective_status(experiment, current_regulation=current_regulation)
    ends = date_format(state.unlocks_on, "DATE_FORMAT")
    numbers = {
        "k": formatting.count(k),
        "n": formatting.count(n),
        "share": formatting.percent(share),
        "threshold": formatting.exact_percent(state.threshold),
        "evidence": formatting.evidence(state.evidence),
        "needed": formatting.evidence(state.evidence_needed),
        "min_leads": regulation.exception_min_leads,
        "date": ends,
        "days": days_left,
    }
    details: list[str] = []
    if status == Experiment.Status.DRAFT:
        headline = _("Not launched yet: the test period starts when the experiment is launched.")
    elif status == Experiment.Status.CANCELLED:
        headline = _("Cancelled: cancelled experiments are not reviewed.")
    elif status == Experiment.Status.REVIEWED:
        headline = _("Reviewed.")
        if state.reason == ReviewUnlock.Reason.EXCEPTION:
            details.append(_("The review opened early, by the non-target exception."))
        elif state.reason:
            details.append(_("The review opened at the end of the test period (%(date)s).") % numbers)
    elif state.unlocked and state.reason == ReviewUnlock.Reason.EXCEPTION:
        headline = _("The review is open early: non-target leads are above the acceptable level with enough evidence.")
        details.append(
            ngettext(
                "%(k)s of %(n)s judged lead is non-target (%(share)s, acceptable %(threshold)s); "
                "evidence %(evidence)s, needed %(needed)s.",
                "%(k)s of %(n)s judged leads are non-target (%(share)s, acceptable %(threshold)s); "
                "evidence %(evidence)s, needed %(needed)s.",
                n,
            )
            % numbers
        )
    elif state.unlocked:
        headline = _("The test period ended on %(date)s: the review is open.") % numbers
    elif state.cooling:
        if state.opens_at is not None:
            opens_at = date_format(timezone.localtime(state.opens_at), "DATETIME_FORMAT")
            headline = _(
                "Locked for the regulation's cooling-off: non-target leads are above the acceptable level "
                "with enough evidence; the review opens at %(opens_at)s if that still holds then."
            ) % {"opens_at": opens_at}
        else:
            headline = _(
                "Locked for the regulation's cooling-off: non-target leads are above the acceptable level "
                "with enough evidence; the review opens after the cooling-off if that still holds then."
            )
        details.append(
            _(
                "%(k)s of %(n)s judged leads are non-target (%(share)s, acceptable %(threshold)s); "
                "evidence %(evidence)s, needed %(needed)s."
            )
            % numbers
        )
        details.append(_("Otherwise the review opens when the test period ends, on %(date)s.") % numbers)
    else:
        headline = (
            ngettext(
                "Locked: the test period ends on %(date)s (%(days)s day left); the review opens then.",
                "Locked: the test period ends on %(date)s (%(days)s days left); the review opens then.",
                days_left,
            )
            % numbers
        )
        details.append(
            _(
                "It opens earlier only if non-target leads exceed %(threshold)s with enough evidence "
                "(now %(evidence)s of %(needed)s needed)."
            )
            % numbers
        )
        if n == 0:
            details.append(_("No lead has been judged by sales yet."))
        else:
            details.append(
                ngettext(
                    "So far %(k)s of %(n)s judged lead is non-target (%(share)s).",
                    "So far %(k)s of %(n)s judged leads are non-target (%(share)s).",
                    n,
                )
                % numbers
            )
        if n < regulation.exception_min_leads:
            details.append(
                ngettext(
                    "The exception needs at least %(min_leads)s judged lead; there are %(n)s.",
                    "The exception needs at least %(min_leads)s judged leads; there are %(n)s.",
                    regulation.exception_min_leads,
                )
                % numbers
            )
    open_statuses = (Experiment.Status.RUNNING, Experiment.Status.AWAITING_REVIEW)
    return LockDisplay(
        state=state,
        status=status,
        days_left=days_left,
        min_leads=regulation.exception_min_leads,
        share=share,
        headline=headline,
        details=details,
        experiment=experiment,
        due_line=due_line(state) if status == Experiment.Status.AWAITING_REVIEW else None,
        checklist=checklist_words(state.checklist, unlocked=state.unlocked) if status in open_statuses else None,
    )


def due_line(state: LockState) -> str | None:
    """By when the open review is due, or how late it is (`review_lock.review_deadline`)."""
    if state.deadline is None:
        return None
    due = date_format(state.deadline.due_on, "DATE_FORMAT")
    if state.overdue:
        return ngettext(
            "The review was due on %(date)s: %(days)s day overdue.",
            "The review was due on %(date)s: %(days)s days overdue.",
            state.days_overdue,
        ) % {"date": due, "days": state.days_overdue}
    return _("File the review by %(date)s.") % {"date": due}


def checklist_words(checklist: LockChecklist, *, unlocked: bool) -> dict:
    """The checklist in plain words: each condition with whether it holds, what the evidence
    number means, and how many more judged leads the exception needs at today's share."""
    numbers = {
        "date": date_format(checklist.ends_on, "DATE_FORMAT"),
        "min_leads": checklist.min_leads,
        "n": checklist.judged_leads,
        "share": formatting.percent(checklist.share),
        "threshold": formatting.exact_percent(checklist.threshold),
        "evidence": formatting.evidence(checklist.evidence),
        "needed": formatting.evidence(checklist.evidence_needed),
    }
    exception = [
        {
            "text": ngettext(
                "at least %(min_leads)s judged lead (now %(n)s)",
                "at least %(min_leads)s judged leads (now %(n)s)",
                checklist.min_leads,
            )
            % numbers,
            "met": checklist.enough_leads,
        },
        {
            "text": _("non-target share above the threshold (%(share)s, acceptable %(threshold)s)") % numbers,
            "met": checklist.share_above_threshold,
        },
        {
            "text": _("evidence strong enough (%(evidence)s of %(needed)s)") % numbers,
            "met": checklist.evidence_enough,
        },
    ]
    meaning = None  # before any lead is judged there is no evidence to explain
    if checklist.judged_leads:
        meaning = (
            _(
                "Evidence %(evidence)s of %(needed)s means: the judged leads are %(evidence)s times as likely "
                "if non-target leads are too many (a share above %(threshold)s) as if their share is exactly "
                "%(threshold)s; %(needed)s is needed."
            )
            % numbers
        )
    estimate = None
    more = checklist.more_leads_needed
    if not unlocked and checklist.judged_leads:
        if more:
            estimate = ngettext(
                "At today's share, the exception could open after about %(count)s more judged lead.",
                "At today's share, the exception could open after about %(count)s more judged leads.",
                more,
            ) % {"count": formatting.count(more)}
        elif not checklist.share_above_threshold:
            estimate = _("At today's share (%(share)s, not above %(threshold)s) the exception cannot open.") % numbers
        elif more is None:
            estimate = _("At today's share the exception would need more than %(count)s more judged leads.") % {
                "count": formatting.count(ESTIMATE_CAP)
            }
    return {
        "period": {"text": _("Test period ended (%(date)s)") % numbers, "met": checklist.period_ended},
        "exception": exception,
        "exception_met": checklist.exception_met,
        "meaning": meaning,
        "estimate": estimate,
    }
