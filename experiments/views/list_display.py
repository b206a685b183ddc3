"""The experiment list in words and links: each row's status pill with why (its tooltip), the status
tabs with their counts, and the column headers that sort the list. The tabs and links serve the
other filtered lists of experiments too (an experiment's leads)."""

import datetime as dt
from collections.abc import Sequence

from django.http import QueryDict
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from experiments.models import Experiment, Regulation, Review, ReviewUnlock
from experiments.views.lock_display import LockDisplay, lock_context
from experiments.views.targets import experiment_targets
from metrics import formatting

Status = Experiment.Status
# The tabs, in the order people look for them; "all" is the list without a status.
TABS = (
    ("", gettext_lazy("All")),
    (Status.RUNNING, gettext_lazy("Running")),
    (Status.AWAITING_REVIEW, gettext_lazy("Awaiting review")),
    (Status.REVIEWED, gettext_lazy("Reviewed")),
    (Status.DRAFT, gettext_lazy("Drafts")),
    (Status.CANCELLED, gettext_lazy("Cancelled")),
)
# experiments.filters.SORTS; with no `ordering` the list is newest start first.
SORTABLE = ("title", "status", "start", "end", "leads", "non_target", "cpl")
DEFAULT_ORDERING = "-start"
_REASON_SHOWN = 120  # characters of a cancellation reason in a tooltip


def latest_review(experiment: Experiment) -> Review | None:
    """The newest version of the experiment's review, from `web_selectors.with_reviews`."""
    reviews = getattr(experiment, "reviews_filed", None)
    return reviews[-1] if reviews else None


def _day(value: dt.date) -> str:
    return date_format(value, "DATE_FORMAT")


def status_tip(experiment: Experiment, lock: LockDisplay, review: Review | None) -> str:
    """Why the status pill says what it says: the period, the deadline, the verdict or the reason."""
    status = lock.status
    if status == Status.DRAFT:
        return _("Draft: not launched yet; the test period starts when it is launched.")
    if status == Status.RUNNING:
        return ngettext(
            "Running: test period until %(date)s, %(days)s day left.",
            "Running: test period until %(date)s, %(days)s days left.",
            lock.days_left,
        ) % {"date": _day(experiment.ends_on), "days": lock.days_left}
    if status == Status.AWAITING_REVIEW:
        if lock.state.reason == ReviewUnlock.Reason.EXCEPTION:
            opened = _(
                "Awaiting review: it opened early by the non-target exception (%(share)s non-target, "
                "acceptable %(threshold)s)."
            ) % {"share": formatting.percent(lock.share), "threshold": formatting.exact_percent(lock.threshold)}
        else:
            opened = _("Awaiting review: the period ended on %(date)s.") % {"date": _day(experiment.ends_on)}
        return " ".join(part for part in (opened, lock.due_line) if part)
    if status == Status.REVIEWED:
        if review is None:
            return _("Reviewed.")
        return _("Reviewed on %(date)s: %(verdict)s; recommendation: %(recommendation)s.") % {
            "date": _day(timezone.localdate(review.created_at)),
            "verdict": review.get_verdict_display().lower(),
            "recommendation": review.get_recommendation_display().lower(),
        }
    when = _day(timezone.localdate(experiment.cancelled_at)) if experiment.cancelled_at else None
    reason = Truncator(experiment.cancel_reason).chars(_REASON_SHOWN) if experiment.cancel_reason else None
    if when and reason:
        return _("Cancelled on %(date)s: %(reason)s") % {"date": when, "reason": reason}
    if when:
        return _("Cancelled on %(date)s.") % {"date": when}
    return _("Cancelled: %(reason)s") % {"reason": reason} if reason else _("Cancelled.")


def lock_tip(lock: LockDisplay) -> str:
    """Why a running experiment's review is locked: when it opens, and what would open it earlier."""
    return " ".join([lock.headline, *lock.details[:1]])


def experiment_rows(experiments: list[Experiment], *, current_regulation: Regulation) -> list[dict[str, object]]:
    """One row per experiment of a list page: the experiment, its lock, its latest review and the
    words of its pills (joined and prefetched rows only: no query per row)."""
    rows = []
    today = timezone.localdate()
    for experiment in experiments:
        lock = lock_context(experiment, current_regulation=current_regulation)
        review = latest_review(experiment)
        snapshot = getattr(experiment, "snapshot", None)
        metrics = snapshot.data if snapshot is not None and snapshot.computed_at else None
        rows.append(
            {
                "experiment": experiment,
                "lock": lock,
                "review": review,
                "targets": experiment_targets(experiment, metrics, today=today),
                "status_tip": status_tip(experiment, lock, review),
                "status_tip_id": f"status-tip-{experiment.pk}",
                "lock_tip": lock_tip(lock) if lock.status == Status.RUNNING else "",
                "lock_tip_id": f"lock-tip-{experiment.pk}",
            }
        )
    return rows


def page_link(path: str, query: QueryDict, **changes: str) -> str:
    """`path` with `query` changed: a value set, or removed when empty; never the page number."""
    query = query.copy()
    query.pop("page", None)
    for name, value in changes.items():
        query.pop(name, None)
        if value:
            query[name] = value
    text = query.urlencode()
    return f"{path}?{text}" if text else path


def filter_tabs(
    path: str,
    query: QueryDict,
    *,
    param: str,
    tabs: Sequence[tuple[str, object]],
    counts: dict[str, int],
    current: str,
) -> list[dict[str, object]]:
    """Tabs that set one filter (`param`; the first tab, value "", clears it): label, how many rows
    it holds with the other filters applied (`counts`, "all" for the first), link, and which is on."""
    return [
        {
            "label": str(label),
            "count": counts[value or "all"],
            "url": page_link(path, query, **{param: value}),
            "current": value == current,
        }
        for value, label in tabs
    ]


def status_tabs(path: str, query: QueryDict, *, counts: dict[str, int], current: str) -> list[dict[str, object]]:
    return filter_tabs(path, query, param="status", tabs=TABS, counts=counts, current=current)


def sort_links(path: str, query: QueryDict, *, current: str) -> dict[str, dict[str, str | None]]:
    """Per sortable column: the link that sorts by it (the other way round when it already does)
    and its `aria-sort` (None when the list is not sorted by it)."""
    current = current or DEFAULT_ORDERING
    links = {}
    for name in SORTABLE:
        if current == name:
            ordering, aria_sort = f"-{name}", "ascending"
        elif current == f"-{name}":
            ordering, aria_sort = name, "descending"
        else:
            ordering, aria_sort = name, None
        links[name] = {"url": page_link(path, query, ordering=ordering), "aria_sort": aria_sort}
    return links
