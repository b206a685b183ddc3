"""A meeting's agenda as a file (CSV or XLSX, `tracker.exports`): one row per item of each section, in
the order of the page, so that the agenda can be read, filtered and annotated in a spreadsheet.

Each row names its section and item; the value columns hold numbers of the item's own kind (a count,
an amount, a rate), so that a department's metrics keep their type next to a review's share.
"""

from collections.abc import Iterator
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from meetings.models import Meeting
from meetings.selectors import meeting_list as meeting_list_selector
from meetings.views.meetings import agenda_context
from metrics.catalog import COUNT, MONEY, RATE
from tracker import exports

Row = list[object]
# Section, item, detail, then the numbers, the date and a longer text.
_WIDTHS = (22, 36, 30, 14, 14, 14, 14, 12, 60)


def agenda_columns() -> list[exports.Column]:
    labels = (
        _("Section"),
        _("Item"),
        _("Detail"),
        _("Value"),
        _("Before"),
        _("Change"),
        _("Target"),
        _("Date"),
        _("Note"),
    )
    # The value columns are text by default: each number in them is a Cell of its own kind.
    kinds = (exports.TEXT,) * 7 + (exports.DATE, exports.TEXT)
    return [exports.Column(label, kind, width) for label, kind, width in zip(labels, kinds, _WIDTHS, strict=True)]


def _row(
    section: str,
    item: object,
    detail: object = None,
    *,
    value: exports.Cell | None = None,
    before: exports.Cell | None = None,
    change: exports.Cell | None = None,
    target: exports.Cell | None = None,
    date: object = None,
    note: object = None,
) -> Row:
    return [section, item, detail, value, before, change, target, date, note]


def _departments(agenda: dict[str, Any], raw: dict[str, Any] | None) -> Iterator[Row]:
    """Each zone's metrics: now, and on a sync agenda before and the change (in the metric's kind)."""
    for department in agenda["departments"]:
        zone = department["zone"]
        section = _("Marketing zone") if zone == "marketing" else _("Sales zone")
        changes = (raw or {}).get(zone, {}).get("change", {})
        for row in department["rows"]:
            kind = row["kind"]
            yield _row(
                section,
                row["label"],
                value=exports.Cell(row["current"], kind),
                before=exports.Cell(row.get("previous"), kind) if raw is not None else None,
                change=exports.Cell(changes.get(row["name"]), kind) if raw is not None else None,
            )


def _reviews(section: str, reviews: list[dict[str, Any]]) -> Iterator[Row]:
    for review in reviews:
        detail = f"{review['verdict_label']} · {_('Recommendation')}: {review['recommendation_label']}"
        yield _row(section, review["experiment"]["title"], detail, date=review["created_at"], note=review["summary"])


def sync_rows(agenda: dict[str, Any], raw: dict[str, Any]) -> Iterator[Row]:
    for item in agenda["unlocked"]:
        detail = item["reason_label"]
        if item.get("reviewed"):
            detail = f"{detail} · {_('Reviewed')}"
        yield _row(
            _("Reviews opened"),
            item["experiment"]["title"],
            detail,
            value=exports.Cell(item["non_target_share"], RATE),
            target=exports.Cell(item["threshold"], RATE),
            date=item["review_due_on"],
        )
    yield from _reviews(_("Reviews filed"), agenda["reviews"])
    for win in agenda["wins"]:
        yield _row(
            _("Wins"),
            win["experiment"]["title"],
            win["recommendation_label"],
            value=exports.Cell(win["metrics"].get("revenue"), MONEY),
            date=win["decided_at"],
            note=win["summary"],
        )
    for question in agenda["questions"]:
        yield _row(
            _("Open questions"),
            question["experiment"]["title"],
            question["author"],
            value=exports.Cell(question["days_open"], COUNT),
            date=question["asked_at"],
            note=question["text"],
        )
    churn = agenda["churn"]
    yield _row(_("Churn"), _("Churned customers"), value=exports.Cell(churn["churned_customers"], COUNT))
    yield _row(_("Churn"), _("Churn rate"), value=exports.Cell(churn["churn_rate"], RATE))
    for reason in churn["reasons"]:
        label = _("unspecified") if reason["reason"] == "unspecified" else reason["reason"]
        yield _row(_("Churn reasons"), label, value=exports.Cell(reason["count"], COUNT))
    yield from _departments(agenda, raw["departments"])


def founder_rows(agenda: dict[str, Any]) -> Iterator[Row]:
    for goal in agenda["goals"]:
        met = {True: _("met"), False: _("not met"), None: _("no data yet")}[goal.get("met")]
        yield _row(
            _("Goals"),
            goal["label"],
            met,
            value=exports.Cell(goal["actual"], goal["kind"]),
            target=exports.Cell(goal["target"], goal["kind"]),
            date=goal["last_day"],
        )
    yield from _departments(agenda, None)
    for section, key, date in ((_("Started"), "started", "start_date"), (_("Test period ended"), "ended", "ends_on")):
        for experiment in agenda[key]:
            detail = f"{experiment['channel']} · {experiment['owner']}"
            yield _row(section, experiment["title"], detail, date=experiment[date])
    yield from _reviews(_("Reviewed"), agenda["reviewed"])
    for item in agenda["overdue"]:
        yield _row(
            _("Overdue reviews"),
            item["experiment"]["title"],
            item["reason_label"],
            value=exports.Cell(item["days_overdue"], COUNT),
            date=item["review_due_on"],
        )


@login_required
def meeting_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    meeting = meeting_list_selector().filter(pk=pk).first()
    agenda = agenda_context(meeting) if meeting is not None else None
    if meeting is None or agenda is None:
        raise Http404(_("This meeting has no agenda to download."))
    rows = sync_rows(agenda, meeting.agenda) if meeting.kind == Meeting.Kind.SYNC else founder_rows(agenda)
    return exports.table_response(
        fmt,
        filename=f"meeting-{meeting.date.isoformat()}-{meeting.kind}",
        columns=agenda_columns(),
        rows=rows,
        title=f"{meeting.get_kind_display()} {meeting.date.isoformat()}",
    )
