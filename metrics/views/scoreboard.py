"""The department scoreboard: the numbers of a period by zone and channel, and their download."""

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from experiments.forms import DATE_INPUT
from experiments.models import Channel
from metrics.aggregates import reasons_by_count
from metrics.catalog import MARKETING, SALES, goal_metrics, zone_metrics
from metrics.pace import month_to_date, no_spend
from metrics.selectors import scoreboard
from tracker import exports
from tracker.input_limits import validate_date_in_range


def zone_rows(zone: str, values: dict[str, Any], previous: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """One row per number a scoreboard zone lists (`metrics.catalog`): name, label, kind, value,
    and beside the month so far the same days of the month before (`previous`)."""
    rows = []
    for entry in zone_metrics(zone):
        if not entry.is_number:
            continue
        row = {"name": entry.name, "label": str(entry.label), "kind": entry.kind, "value": values.get(entry.name)}
        # Only a cost or return of the marketing spend can lack it.
        if no_spend(entry, values):
            row["no_spend"] = True
        if previous is not None:
            row.update(previous=previous.get(entry.name), previous_no_spend=no_spend(entry, previous))
        rows.append(row)
    return rows


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def period_presets(today: dt.date) -> list[dict[str, Any]]:
    (this_month, tomorrow), _same_days = month_to_date(today)
    last_month = _month_start(this_month - dt.timedelta(days=1))
    quarter = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    return [
        {"label": _("This month"), "from": this_month, "to": tomorrow},
        {"label": _("Last month"), "from": last_month, "to": this_month},
        {"label": _("Last 30 days"), "from": tomorrow - dt.timedelta(days=30), "to": tomorrow},
        {"label": _("This quarter"), "from": quarter, "to": tomorrow},
        {"label": _("This year"), "from": dt.date(today.year, 1, 1), "to": tomorrow},
    ]


class ScoreboardForm(forms.Form):
    date_from = forms.DateField(label=gettext_lazy("From"), widget=DATE_INPUT, validators=[validate_date_in_range])
    date_to = forms.DateField(
        label=gettext_lazy("To (not included)"), widget=DATE_INPUT, validators=[validate_date_in_range]
    )
    channel = forms.ModelChoiceField(
        label=gettext_lazy("Channel"),
        queryset=Channel.objects.all(),
        required=False,
        to_field_name="slug",
        empty_label=gettext_lazy("All channels"),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_to"] <= data["date_from"]:
            self.add_error("date_to", _("The end of the period must come after its start."))
        return data


def _scoreboard_form(request: HttpRequest) -> tuple[ScoreboardForm, list[dict[str, Any]]]:
    """The period form from the query string and the preset periods around today.

    A link may name only the channel or only one end of the period: the rest defaults to this month.
    """
    presets = period_presets(timezone.localdate())
    data = request.GET.copy()
    data.setdefault("date_from", presets[0]["from"].isoformat())
    data.setdefault("date_to", presets[0]["to"].isoformat())
    return ScoreboardForm(data), presets


def _scoreboard_of(form: ScoreboardForm) -> dict[str, Any]:
    return scoreboard(
        date_from=form.cleaned_data["date_from"],
        date_to=form.cleaned_data["date_to"],
        channel=form.cleaned_data.get("channel"),
    )


@login_required
def scoreboard_page(request: HttpRequest) -> HttpResponse:
    form, presets = _scoreboard_form(request)
    board = None
    if form.is_valid():
        today = timezone.localdate()
        period = (form.cleaned_data["date_from"], form.cleaned_data["date_to"])
        channel = form.cleaned_data.get("channel")
        board = scoreboard(date_from=period[0], date_to=period[1], channel=channel)
        # The month so far is set beside the same days of the month before, not the whole month.
        month, same_days = month_to_date(today)
        before = scoreboard(date_from=same_days[0], date_to=same_days[1], channel=channel) if period == month else None
        names = {channel.slug: channel.name for channel in Channel.objects.all()}
        board = {
            "marketing": zone_rows(MARKETING, board["marketing"], before["marketing"] if before else None),
            "sales": zone_rows(SALES, board["sales"], before["sales"] if before else None),
            "previous": {"from": same_days[0], "last_day": same_days[1] - dt.timedelta(days=1)} if before else None,
            "churn_reasons": reasons_by_count(board["sales"].get("churn_reasons")),
            "non_target_reasons": reasons_by_count(board["marketing"].get("non_target_reasons")),
            "by_channel": [
                {
                    "slug": row["channel"],
                    "name": names.get(row["channel"], row["channel"]) if row["channel"] else None,
                    "marketing": row["marketing"],
                    "sales": row["sales"],
                }
                for row in board["by_channel"]
            ],
            "computed_at": board.get("computed_at"),
        }
    return render(request, "metrics/scoreboard.html", _scoreboard_context(form, presets, board))


def _scoreboard_context(
    form: ScoreboardForm, presets: list[dict[str, Any]], board: dict[str, Any] | None
) -> dict[str, Any]:
    # The download links name the period shown, defaults included, so that the file is what was read.
    return {"form": form, "board": board, "presets": presets, "query": form.data.urlencode()}  # type: ignore[attr-defined]


@login_required
def scoreboard_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The scoreboard as a file: every channel together, then each channel, with every number of
    both zones (`metrics.catalog` order) and the period on each row."""
    form, presets = _scoreboard_form(request)
    if not form.is_valid():
        return render(request, "metrics/scoreboard.html", _scoreboard_context(form, presets, None), status=400)
    board = _scoreboard_of(form)
    names = dict(Channel.objects.values_list("slug", "name"))
    numbers = goal_metrics()
    columns = [
        exports.Column(_("Channel"), width=24),
        exports.Column(_("From"), exports.DATE, width=12),
        exports.Column(_("To (not included)"), exports.DATE, width=12),
        *(exports.Column(str(entry.label), entry.kind) for entry in numbers),
    ]
    date_from, date_to = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
    groups = [(_("All channels"), board)]
    groups += [(names.get(group["channel"]) or _("no channel"), group) for group in board["by_channel"]]
    rows = (
        [name, date_from, date_to, *({**group["marketing"], **group["sales"]}.get(e.name) for e in numbers)]
        for name, group in groups
    )
    return exports.table_response(
        fmt,
        filename=f"scoreboard-{date_from.isoformat()}-{date_to.isoformat()}",
        columns=columns,
        rows=rows,
        title=_("Scoreboard"),
    )
