"""Imports of leads and spend: the list and the upload (which leads to the file's preview,
`metrics.views.import_preview`), a job's progress and its error report."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from experiments.forms import apply_service_errors
from metrics.catalog import COUNT
from metrics.forms import ImportUploadForm
from metrics.models import ImportJob
from metrics.permissions import can_import_data
from metrics.selectors import import_jobs
from metrics.services.imports import import_preview
from metrics.sources.presets import BY_KIND
from tracker import exports

IMPORTS_PAGE_SIZE = 20
IMPORT_ERRORS_SHOWN = 200


def import_text() -> dict[str, Any]:
    """The words the progress script writes while it polls, in the page's language."""
    return {
        "counts": _("%(ok)s imported, %(failed)s failed of %(total)s rows"),
        "status": {value: str(label) for value, label in ImportJob.Status.choices},
    }


IMPORT_REFUSAL = gettext_lazy("Only marketers, marketing heads, sales heads and administrators import data.")


def import_preview_url(token: str, **options: str) -> str:
    """The preview of an uploaded file, read with `options` (`kind`, `preset`, `sheet`) where given."""
    query = urlencode({name: value for name, value in options.items() if value})
    return reverse("web:import-preview", args=[token]) + (f"?{query}" if query else "")


@login_required
def import_list(request: HttpRequest) -> HttpResponse:
    """GET: the imports, newest first, and the upload form. POST: upload a file, then its preview."""
    can_import = can_import_data(request.user)
    form = ImportUploadForm()
    if request.method == "POST":
        if not can_import:
            raise PermissionDenied(IMPORT_REFUSAL)
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            options = {name: form.cleaned_data[name] for name in ("kind", "preset")}
            try:
                preview = import_preview(file=form.cleaned_data["file"], by=request.user, **options)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                return redirect(import_preview_url(preview["upload"], **options))
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


def source_label(job: ImportJob) -> str:
    """The source the job's file was read as (empty for today's tracker CSV, read without options)."""
    preset = BY_KIND.get((job.kind, (job.options or {}).get("preset") or ""))
    return str(preset.label) if preset is not None else ""


@login_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(import_jobs(), pk=pk)
    return render(
        request,
        "metrics/import_detail.html",
        # The page lists the first rows; the CSV download has every stored one.
        {
            "job": job,
            "errors": job.errors[:IMPORT_ERRORS_SHOWN],
            "import_text": import_text(),
            "source": source_label(job),
        },
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
