"""Pages of the metrics side: the department scoreboard and CSV imports of leads."""

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from experiments.forms import DATE_INPUT, apply_service_errors
from experiments.models import Channel
from metrics.catalog import COUNT, MARKETING, SALES, goal_metrics, zone_metrics
from metrics.models import ImportJob
from metrics.permissions import can_import_data
from metrics.selectors import import_jobs, scoreboard
from metrics.services.imports import import_job_create
from tracker import exports

IMPORTS_PAGE_SIZE = 20


def import_text() -> dict:
    """The words the progress script writes while it polls, in the page's language."""
    return {
        "counts": _("%(ok)s imported, %(failed)s failed of %(total)s rows"),
        "status": {value: str(label) for value, label in ImportJob.Status.choices},
    }


def zone_rows(zone: str, values: dict) -> list[dict]:
    """One row per number a scoreboard zone lists (`metrics.catalog`): name, label, kind, value."""
    return [
        {"name": entry.name, "label": str(entry.label), "kind": entry.kind, "value": values.get(entry.name)}
        for entry in zone_metrics(zone)
        if entry.is_number
    ]


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def period_presets(today: dt.date) -> list[dict]:
    this_month = _month_start(today)
    last_month = _month_start(this_month - dt.timedelta(days=1))
    quarter = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    tomorrow = today + dt.timedelta(days=1)
    return [
        {"label": _("This month"), "from": this_month, "to": tomorrow},
        {"label": _("Last month"), "from": last_month, "to": this_month},
        {"label": _("Last 30 days"), "from": tomorrow - dt.timedelta(days=30), "to": tomorrow},
        {"label": _("This quarter"), "from": quarter, "to": tomorrow},
        {"label": _("This year"), "from": dt.date(today.year, 1, 1), "to": tomorrow},
    ]


class ScoreboardForm(forms.Form):
    date_from = forms.DateField(label=gettext_lazy("From"), widget=DATE_INPUT)
    date_to = forms.DateField(label=gettext_lazy("To (not included)"), widget=DATE_INPUT)
    channel = forms.ModelChoiceField(
        label=gettext_lazy("Channel"),
        queryset=Channel.objects.all(),
        required=False,
        to_field_name="slug",
        empty_label=gettext_lazy("All channels"),
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] <= data["date_from"]:
            self.add_error("date_to", _("The end of the period must come after its start."))
        return data


def _scoreboard_form(request: HttpRequest) -> tuple[ScoreboardForm, list[dict]]:
    """The period form from the query string and the preset periods around today.

    A link may name only the channel or only one end of the period: the rest defaults to this month.
    """
    presets = period_presets(timezone.localdate())
    data = request.GET.copy()
    data.setdefault("date_from", presets[0]["from"].isoformat())
    data.setdefault("date_to", presets[0]["to"].isoformat())
    return ScoreboardForm(data), presets


def _scoreboard_of(form: ScoreboardForm) -> dict:
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
        board = _scoreboard_of(form)
        names = {channel.slug: channel.name for channel in Channel.objects.all()}
        board = {
            "marketing": zone_rows(MARKETING, board["marketing"]),
            "sales": zone_rows(SALES, board["sales"]),
            "churn_reasons": sorted(
                (board["sales"].get("churn_reasons") or {}).items(), key=lambda item: (-item[1], item[0])
            ),
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


def _scoreboard_context(form: ScoreboardForm, presets: list[dict], board: dict | None) -> dict:
    # The download links name the period shown, defaults included, so that the file is what was read.
    return {"form": form, "board": board, "presets": presets, "query": form.data.urlencode()}


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


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file of leads"),
        help_text=gettext_lazy(
            "A header row with the columns of the leads API (external_id, created_at, utm_campaign, …); "
            "UTF-8, separated by commas or semicolons."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )


@login_required
def import_list(request: HttpRequest) -> HttpResponse:
    can_import = can_import_data(request.user)
    form = ImportForm()
    if request.method == "POST":
        if not can_import:
            raise PermissionDenied(_("Only marketers, marketing heads, sales heads and administrators import data."))
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                job = import_job_create(file=form.cleaned_data["file"], by=request.user)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("The file is uploaded; the import runs in the background."))
                return redirect("web:import-detail", pk=job.pk)
    page = Paginator(import_jobs().order_by("-created_at", "-id"), IMPORTS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "metrics/imports.html",
        {
            "form": form,
            "page": page,
            "jobs": page.object_list,
            "can_import": can_import,
            "import_text": import_text(),
        },
        status=400 if form.errors else 200,
    )


@login_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(import_jobs(), pk=pk)
    return render(
        request, "metrics/import_detail.html", {"job": job, "errors": job.errors, "import_text": import_text()}
    )


@login_required
def import_errors_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The import's error report as a CSV file: one row per line and field, to fix in the CRM export."""
    job = get_object_or_404(import_jobs(), pk=pk)
    columns = [
        exports.Column(_("Line"), COUNT),
        exports.Column("external_id"),
        exports.Column(_("Field")),
        exports.Column(_("Problem")),
    ]
    rows = (
        [error.get("line"), error.get("external_id"), field, " ".join(problems)]
        for error in job.errors
        for field, problems in error.get("errors", {}).items()
    )
    return exports.csv_response(filename=f"import-{job.pk}-errors.csv", columns=columns, rows=rows)
