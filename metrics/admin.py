"""Django admin for imports: the jobs (read-only: the file, how it was read, its progress and
report), the files that previews stored, and import profiles, written through
`import_profile_create` / `import_profile_update` / `import_profile_delete` (the rules of the API and
the pages hold here too)."""

import json
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from metrics.models import ImportJob, ImportProfile, ImportUpload
from metrics.services.import_profiles import (
    import_profile_create,
    import_profile_delete,
    import_profile_update,
    import_profile_validate,
)
from metrics.sources.presets import PRESETS

PROFILE_FORM_FIELDS = ["name", "kind", "preset", "headers", "mapping", "stages", "reasons", "campaigns"]


def _json(value: object) -> SafeString:
    return format_html("<pre>{}</pre>", json.dumps(value, indent=2, ensure_ascii=False))


class ImportProfileAdminForm(forms.ModelForm):  # type: ignore[type-arg]
    """The options' rules (a known source of the profile's kind, levels that exist) are checked by
    the service, on the fields they name."""

    preset = forms.ChoiceField(label=_("source"), required=False)

    class Meta:
        model = ImportProfile
        fields = PROFILE_FORM_FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        preset = self.fields["preset"]
        assert isinstance(preset, forms.ChoiceField)
        preset.choices = [("", _("— work it out from the columns —"))] + [
            (each.name, f"{each.label} ({each.kind})") for each in PRESETS
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors:
            import_profile_validate(profile=self.instance, **{name: cleaned.get(name) for name in PROFILE_FORM_FIELDS})
            cleaned.update({name: getattr(self.instance, name) for name in PROFILE_FORM_FIELDS})
        return cleaned

    def _post_clean(self) -> None:
        # `import_profile_validate` ran the model's checks in clean(), with the options'; the service saves.
        pass


@admin.register(ImportProfile)
class ImportProfileAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = ImportProfileAdminForm
    list_display = ["name", "kind", "preset", "created_by", "updated_at"]
    list_filter = ["kind", "preset"]
    list_select_related = ["created_by"]
    search_fields = ["name"]

    def save_model(self, request: HttpRequest, obj: ImportProfile, form: forms.ModelForm, change: bool) -> None:  # type: ignore[type-arg]
        fields = {name: form.cleaned_data[name] for name in PROFILE_FORM_FIELDS}
        saved = (
            import_profile_update(profile=obj, **fields) if change else import_profile_create(by=request.user, **fields)
        )
        obj.pk, obj.created_by, obj.created_at, obj.updated_at = (
            saved.pk,
            saved.created_by,
            saved.created_at,
            saved.updated_at,
        )
        obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: ImportProfile) -> None:
        import_profile_delete(profile=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ImportProfile]) -> None:
        for profile in queryset:
            import_profile_delete(profile=profile)


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """A job is made by an upload (the pages or the API) and written by its run: shown, never edited."""

    list_display = ["id", "original_name", "kind", "status", "rows_total", "rows_ok", "rows_failed", "created_at"]
    list_filter = ["kind", "status"]
    list_select_related = ["created_by"]
    search_fields = ["original_name"]
    date_hierarchy = "created_at"
    fields = readonly_fields = (
        "original_name",
        "file",
        "size_bytes",
        "kind",
        "options_text",
        "status",
        "progress",
        "rows_total",
        "rows_ok",
        "rows_failed",
        "created",
        "updated",
        "unchanged",
        "failure",
        "created_by",
        "language",
        "created_at",
        "started_at",
        "finished_at",
    )

    @admin.display(description=_("how the file is read"))
    def options_text(self, job: ImportJob) -> SafeString:
        return _json(job.options)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ImportJob | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ImportJob | None = None) -> bool:
        return False  # leads name the import they came from


@admin.register(ImportUpload)
class ImportUploadAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The files previews stored, for the import that follows by their token."""

    list_display = ["original_name", "size_bytes", "created_by", "created_at"]
    list_select_related = ["created_by"]
    search_fields = ["original_name"]
    date_hierarchy = "created_at"
    fields = readonly_fields = ("original_name", "file", "size_bytes", "token", "created_by", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ImportUpload | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ImportUpload | None = None) -> bool:
        return False  # an import made from it reads the same stored file
