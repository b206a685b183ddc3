"""An uploaded file's preview (docs/imports.md, "Pages"): how the file is read, its first rows, a
column per field, a level per stage value; its form imports the file with those answers (and may
remember them as a profile), then the job's page follows the import."""

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods

from metrics.forms import ImportPreviewForm, ImportReadForm, profile_of
from metrics.models import ImportJob, ImportKind
from metrics.permissions import can_import_data
from metrics.services import import_job_create, import_preview, import_profile_save
from metrics.views.imports import IMPORT_REFUSAL, import_preview_url

READ_OPTIONS = ("kind", "preset", "sheet")
FORMATS = {"csv": "CSV", "xlsx": "Excel (.xlsx)", "html": gettext_lazy("an HTML table (Bitrix24's “Excel” .xls)")}
ENCODINGS = {
    "utf-8": "UTF-8",
    "utf-8-sig": gettext_lazy("UTF-8 with a byte order mark"),
    "utf-16": "UTF-16",
    "cp1251": "Windows-1251 (cp1251)",
}
DELIMITERS = {",": gettext_lazy("comma (,)"), ";": gettext_lazy("semicolon (;)"), "\t": gettext_lazy("tab")}


def _read_options(request: HttpRequest) -> dict[str, str]:
    """How the file is read: the query string's `kind`, `preset` and `sheet` (the upload's, or the
    preview's own "Read again")."""
    return {name: value for name in READ_OPTIONS if (value := request.GET.get(name, "").strip())}


def _preview(token: UUID, user: Any, options: dict[str, str], columns: dict[str, str]) -> dict[str, Any]:
    """The file's preview, its values read from the chosen columns (the proposed ones before any
    answer); columns the options refuse are left to the form to refuse."""
    if columns:
        try:
            return import_preview(upload=token, by=user, mapping=columns, **options)
        except ValidationError as exc:
            if set(exc.message_dict) != {"mapping"}:
                raise
    return import_preview(upload=token, by=user, **options)


def file_facts(preview: dict[str, Any]) -> list[tuple[Any, Any]]:
    """How the file was read, in words: (what, how) pairs for the page."""
    facts: list[tuple[Any, Any]] = [
        (_("Data"), ImportKind(preview["kind"]).label),
        (_("Format"), FORMATS.get(preview["format"], preview["format"])),
    ]
    if preview["encoding"]:
        facts.append((_("Encoding"), ENCODINGS.get(preview["encoding"], preview["encoding"])))
    if preview["delimiter"]:
        facts.append((_("Delimiter"), DELIMITERS.get(preview["delimiter"], preview["delimiter"])))
    facts.append((_("Source"), preview["preset_label"]))
    if preview["profile"]:
        facts.append((_("Profile"), _("“%(name)s”: its answers are filled in below") % preview["profile"]))
    rows = preview["rows_counted"]
    if preview["values_complete"]:
        facts.append(
            (
                _("Rows"),
                ngettext("%(count)s row", "%(count)s rows", rows) % {"count": number_format(rows, force_grouping=True)},
            )
        )
    else:
        facts.append(
            (
                _("Rows"),
                _("the first %(count)s, read for this preview; values further down are not listed")
                % {"count": number_format(rows, force_grouping=True)},
            )
        )
    return facts


def value_summary(rows: list[dict[str, Any]]) -> dict[str, int]:
    """How many stage values have no level yet, and how many rows they hold."""
    unanswered = [row for row in rows if row["unanswered"]]
    return {"values": len(unanswered), "rows": sum(row["count"] for row in unanswered)}


@transaction.atomic
def _import(token: UUID, user: Any, options: dict[str, str], form: ImportPreviewForm) -> ImportJob:
    """The job, and the profile when asked to remember it: both or neither."""
    preview = form.preview
    read = {"kind": preview["kind"], "preset": preview["preset"], "sheet": options.get("sheet", "")}
    answers = form.options()
    if form.cleaned_data["save_profile"]:
        import_profile_save(
            profile=profile_of(preview),
            by=user,
            name=form.cleaned_data["profile_name"],
            kind=read["kind"],
            preset=read["preset"],
            headers=preview["headers"],
            **answers,
        )
    return import_job_create(upload=token, by=user, **read, **answers)


@login_required
@require_http_methods(["GET", "POST"])
def import_preview_page(request: HttpRequest, token: UUID) -> HttpResponse:
    if not can_import_data(request.user):
        raise PermissionDenied(IMPORT_REFUSAL)
    options = _read_options(request)
    posted = request.method == "POST"
    columns = ImportPreviewForm.posted_columns(request.POST, options.get("kind", ImportKind.LEADS)) if posted else {}
    try:
        preview = _preview(token, request.user, options, columns)
    except ValidationError as exc:
        refusal = exc.message_dict
        return render(
            request,
            "metrics/import_refused.html",
            {"messages_": [message for messages_ in refusal.values() for message in messages_]},
            status=404 if "upload" in refusal else 400,
        )
    form = ImportPreviewForm(request.POST if posted else None, preview=preview)
    recounted = posted and form.columns_changed()
    if posted and not recounted and form.is_valid():
        try:
            job = _import(token, request.user, options, form)
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("The import runs in the background; this page follows it."))
            return redirect("web:import-detail", pk=job.pk)
    stages = form.value_rows("stage")
    context = {
        "preview": preview,
        "facts": file_facts(preview),
        "form": form,
        "stages": stages,
        "unanswered": value_summary(stages),
        "reasons": form.value_rows("reason"),
        "campaigns": form.value_rows("campaign"),
        "read_form": ImportReadForm(preview=preview, sheet=options.get("sheet")),
        "rows": [row + [""] * (len(preview["headers"]) - len(row)) for row in preview["rows"]],
        "recounted": recounted,
        "action": import_preview_url(str(token), **options),
    }
    return render(request, "metrics/import_preview.html", context, status=400 if form.errors else 200)
