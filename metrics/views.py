"""Pages of the metrics side: the department scoreboard, CSV imports of leads, and an experiment's
spend (the list, adding, correcting and deleting a row)."""

import csv
import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from experiments.forms import DATE_INPUT, apply_service_errors
from experiments.models import Channel, Experiment
from metrics.aggregates import reasons_by_count
from metrics.catalog import MARKETING, SALES, zone_metrics
from metrics.forms import SpendForm
from metrics.models import ImportJob, Spend
from metrics.pace import month_to_date, no_spend
from metrics.permissions import SPEND_REFUSAL, can_change_spend, can_import_data, spend_kinds_allowed
from metrics.selectors import import_jobs, scoreboard
from metrics.services.imports import import_job_create
from metrics.services.spend import spend_row_create, spend_row_delete, spend_row_update
from metrics.spend_display import spend_context, spend_form

IMPORTS_PAGE_SIZE = 20
IMPORT_ERRORS_SHOWN = 200


def import_text() -> dict:
    """The words the progress script writes while it polls, in the page's language."""
    return {
        "counts": _("%(ok)s imported, %(failed)s failed of %(total)s rows"),
        "status": {value: str(label) for value, label in ImportJob.Status.choices},
    }


def zone_rows(zone: str, values: dict, previous: dict | None = None) -> list[dict]:
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


def period_presets(today: dt.date) -> list[dict]:
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


@login_required
def scoreboard_page(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    presets = period_presets(today)
    default = presets[0]
    # A link may name only the channel or only one end of the period: the rest defaults to this month.
    data = request.GET.copy()
    data.setdefault("date_from", default["from"].isoformat())
    data.setdefault("date_to", default["to"].isoformat())
    form = ScoreboardForm(data)
    board = None
    if form.is_valid():
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
    return render(request, "metrics/scoreboard.html", {"form": form, "board": board, "presets": presets})


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
    # The list shows counts only: the stored error reports (up to 1,000 rows each) stay in the database.
    jobs = import_jobs().defer("errors").order_by("-created_at", "-id")
    page = Paginator(jobs, IMPORTS_PAGE_SIZE).get_page(request.GET.get("page"))
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
        request,
        "metrics/import_detail.html",
        # The page lists the first rows; the CSV download has every stored one.
        {"job": job, "errors": job.errors[:IMPORT_ERRORS_SHOWN], "import_text": import_text()},
    )


def _cell(value) -> str:
    """A CSV cell that a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@login_required
def import_errors_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The import's error report as a CSV file: one row per line and field, to fix in the CRM export."""
    job = get_object_or_404(import_jobs(), pk=pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.csv"'
    response.write("\ufeff")  # spreadsheets read the file as UTF-8
    writer = csv.writer(response)
    writer.writerow([_("Line"), "external_id", _("Field"), _("Problem")])
    for error in job.errors:
        for field, problems in error.get("errors", {}).items():
            writer.writerow([error.get("line"), _cell(error.get("external_id")), field, _cell(" ".join(problems))])
    return response


# --- an experiment's spend ----------------------------------------------------------------------


def _experiment_or_404(pk: int) -> Experiment:
    experiment = Experiment.objects.select_related("channel", "owner").filter(pk=pk).first()
    if experiment is None:
        raise Http404(_("There is no experiment with this number."))
    return experiment


def _spend_or_404(pk: int) -> Spend:
    spend = Spend.objects.select_related("experiment__owner", "created_by").filter(pk=pk).first()
    if spend is None:
        raise Http404(_("There is no spend row with this number."))
    return spend


def _back(request: HttpRequest, experiment: Experiment) -> str:
    """Where a change returns to: the page it came from (`next`, on this site), else the experiment's
    spend section."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("web:experiment-detail", args=[experiment.pk]) + "#spend"


@login_required
@require_http_methods(["GET", "POST"])
def spend_list(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: every spend row of the experiment, a page at a time. POST: add a row (from this page or
    the experiment's); a refused row comes back here with its errors."""
    experiment = _experiment_or_404(pk)
    form = None
    if request.method == "POST":
        form = spend_form(request.user, experiment, request.POST)
        if form is None:
            raise PermissionDenied(SPEND_REFUSAL)
        if form.is_valid():
            try:
                spend_row_create(experiment=experiment, by=request.user, **form.service_fields())
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("The spend is added; the metrics are recomputed in a few seconds."))
                return redirect(_back(request, experiment))
    context = spend_context(request.user, experiment, page_number=request.GET.get("page"), form=form)
    return render(
        request,
        "metrics/spend.html",
        {
            "experiment": experiment,
            "spend": context,
            # A refused row keeps where it came from; a row added here comes back here.
            "spend_next": _back(request, experiment) if request.method == "POST" else request.get_full_path(),
        },
        status=400 if form is not None and form.errors else 200,
    )


def _spend_to_change(request: HttpRequest, pk: int) -> Spend:
    spend = _spend_or_404(pk)
    if not can_change_spend(request.user, spend.experiment, spend.kind):
        raise PermissionDenied(SPEND_REFUSAL)
    return spend


@login_required
@require_http_methods(["GET", "POST"])
def spend_edit(request: HttpRequest, pk: int) -> HttpResponse:
    spend = _spend_to_change(request, pk)
    experiment = spend.experiment
    kinds = spend_kinds_allowed(request.user, experiment)
    form = SpendForm(request.POST or None, kinds=kinds, initial=SpendForm.initial_for(spend))
    if request.method == "POST" and form.is_valid():
        try:
            spend_row_update(spend=spend, by=request.user, **form.service_fields())
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The spend row is saved; the metrics are recomputed in a few seconds."))
            return redirect(_back(request, experiment))
    return render(
        request,
        "metrics/spend_form.html",
        {"experiment": experiment, "spend": spend, "form": form, "back": _back(request, experiment)},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def spend_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks to confirm (the page a browser without the dialog's script gets); only a POST deletes."""
    spend = _spend_to_change(request, pk)
    experiment = spend.experiment
    if request.method == "POST":
        spend_row_delete(spend=spend, by=request.user)
        messages.success(request, _("The spend row is deleted; the metrics are recomputed in a few seconds."))
        return redirect(_back(request, experiment))
    return render(
        request,
        "metrics/spend_delete.html",
        {"experiment": experiment, "spend": spend, "back": _back(request, experiment)},
    )
