"""Django admin for the regulation, channels and experiments.

Every write goes through the services: the regulation's "add" creates a new version with
`regulation_create`, experiment forms call `experiment_create` / `experiment_update`, and the
launch and cancel actions call their services and report refusals as admin messages. Existing
regulation versions and experiments that are no longer drafts are read-only.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from experiments import admin_reviews  # noqa: F401  (registers review, unlock and question admin)
from experiments.models import Channel, ChannelThreshold, Experiment, Regulation
from experiments.selectors import experiment_effective_status, experiment_queryset, regulation_current
from experiments.services.channels import channel_create, channel_rename
from experiments.services.experiments import (
    EDITABLE_FIELDS,
    experiment_cancel,
    experiment_create,
    experiment_launch,
    experiment_update,
    experiment_validate,
)
from experiments.services.regulations import REGULATION_FIELDS, regulation_create
from metrics.form_fields import AmountField, LocalizedDecimalField, PercentField, WholeNumberField
from metrics.formatting import exact_percent
from tracker.errors import Conflict
from tracker.input_limits import validate_date_in_range, validate_free_text, validate_single_line

REFUSALS = (Conflict, ValidationError, PermissionDenied)


def _refusal_text(exc: Exception) -> str:
    if isinstance(exc, Conflict):
        return exc.message
    if isinstance(exc, ValidationError):
        return " ".join(message for messages_ in exc.message_dict.values() for message in messages_)
    return str(exc) or gettext("Not allowed.")


def _copy_saved(saved: Any, into: Any) -> None:
    """Make the admin's unsaved form instance the row a service saved (for the log and redirect)."""
    for field in saved._meta.concrete_fields:
        setattr(into, field.attname, getattr(saved, field.attname))
    into._state.adding = False


class TypedNumbersAdmin(admin.options.BaseModelAdmin):
    """Number inputs that read numbers as people type them (`metrics.form_fields`): "1 500",
    "0,05", "150 000 ₽". The shares named in `percent_fields` (with the PercentField's options) are
    shown and typed as percent and kept as fractions; the decimals in `money_fields` are amounts."""

    percent_fields: dict[str, dict[str, Any]] = {}
    money_fields: tuple[str, ...] = ()

    def formfield_for_dbfield(self, db_field: models.Field, request: HttpRequest, **kwargs: Any) -> forms.Field | None:
        if db_field.name in self.percent_fields and isinstance(db_field, models.DecimalField):
            return PercentField(
                label=format_lazy("{}, %", capfirst(db_field.verbose_name)),
                help_text=db_field.help_text,
                required=not db_field.blank,
                decimal_places=db_field.decimal_places - 2,
                **self.percent_fields[db_field.name],
            )
        if isinstance(db_field, models.DecimalField):
            if db_field.name in self.money_fields:
                kwargs.setdefault("form_class", AmountField)
            else:
                kwargs.setdefault("form_class", LocalizedDecimalField)
                kwargs.setdefault("trim_zeros", True)  # alpha 0.05, not 0.0500
        elif isinstance(db_field, models.IntegerField) and not db_field.choices:
            kwargs.setdefault("form_class", WholeNumberField)
            # A text input, not the admin's number input: the browser would refuse "1 000".
            kwargs.setdefault("widget", forms.TextInput(attrs={"class": "vIntegerField"}))
        return super().formfield_for_dbfield(db_field, request, **kwargs)


# The regulation's shares lie strictly between 0 and 1 (its constraints): typed as 0 < percent < 100.
_SHARE_PERCENT = {"min_percent": 0, "max_percent": 100, "exclusive": True}


# --- Regulation -----------------------------------------------------------------------------


class ChannelThresholdInline(TypedNumbersAdmin, admin.TabularInline):
    model = ChannelThreshold
    percent_fields = {"non_target_threshold": _SHARE_PERCENT}
    fields = ["channel", "non_target_threshold"]
    verbose_name_plural = _("channel thresholds (override the acceptable non-target share)")

    def get_extra(self, request: HttpRequest, obj: Regulation | None = None, **kwargs: Any) -> int:
        if obj is not None:
            return 0
        current = regulation_current()
        return len(current.channel_thresholds.all()) + 1 if current else 1

    def has_add_permission(self, request: HttpRequest, obj: Regulation | None = None) -> bool:
        return obj is None and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Regulation | None = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Regulation | None = None) -> bool:
        return obj is None and super().has_delete_permission(request, obj)


@admin.register(Regulation)
class RegulationAdmin(TypedNumbersAdmin, admin.ModelAdmin):
    """The changelist is the regulation's history; "add" writes the next version. The form checks
    the model's validators and constraints, as `regulation_create` does."""

    inlines = [ChannelThresholdInline]
    percent_fields = {"non_target_threshold": _SHARE_PERCENT}
    list_display = [
        "version",
        "created_at",
        "created_by",
        *(name if name != "non_target_threshold" else "threshold_percent" for name in Regulation.RULE_FIELDS),
    ]
    list_select_related = ["created_by"]
    readonly_fields = ["version", "created_at", "created_by"]

    def get_fields(self, request: HttpRequest, obj: Regulation | None = None) -> list[str]:
        return (["version", "created_at", "created_by"] if obj else []) + list(REGULATION_FIELDS)

    @admin.display(description=_("acceptable non-target share"), ordering="non_target_threshold")
    def threshold_percent(self, regulation: Regulation) -> str:
        return exact_percent(regulation.non_target_threshold)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        current = regulation_current()
        return {name: getattr(current, name) for name in REGULATION_FIELDS} if current else {}

    def get_formset_kwargs(self, request: HttpRequest, obj: Regulation, inline: Any, prefix: str) -> dict[str, Any]:
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        current = regulation_current()
        if obj.pk is None and request.method == "GET" and current is not None:
            # A new version starts as a copy of the one in force, channel overrides included.
            kwargs["initial"] = [
                {"channel": t.channel_id, "non_target_threshold": t.non_target_threshold}
                for t in current.channel_thresholds.all()
            ]
        return kwargs

    def has_change_permission(self, request: HttpRequest, obj: Regulation | None = None) -> bool:
        return False  # versions are never edited: a change is a new version

    def has_delete_permission(self, request: HttpRequest, obj: Regulation | None = None) -> bool:
        return False  # old versions stay readable; launched experiments pin them

    def save_model(self, request: HttpRequest, obj: Regulation, form: forms.ModelForm, change: bool) -> None:
        # The version is created in save_related, where the channel overrides are known too.
        pass

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: list, change: bool) -> None:
        thresholds = {}
        for formset in formsets:
            for row in formset.forms:
                data = getattr(row, "cleaned_data", None)
                if data and not data.get("DELETE") and data.get("channel"):
                    thresholds[data["channel"].id] = data["non_target_threshold"]
        regulation = regulation_create(
            by=request.user,
            channel_thresholds=thresholds,
            **{name: form.cleaned_data[name] for name in REGULATION_FIELDS},
        )
        _copy_saved(regulation, form.instance)
        for formset in formsets:
            # The change message reads what the formsets saved; the service saved the rows.
            formset.new_objects = list(regulation.channel_thresholds.all())
            formset.changed_objects, formset.deleted_objects = [], []


# --- Channel --------------------------------------------------------------------------------


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def get_readonly_fields(self, request: HttpRequest, obj: Channel | None = None) -> list[str]:
        # Slugs are the channel's key in the API and in lead imports: fixed once created.
        return ["slug"] if obj else []

    def get_prepopulated_fields(self, request: HttpRequest, obj: Channel | None = None) -> dict:
        return {} if obj else self.prepopulated_fields

    def has_delete_permission(self, request: HttpRequest, obj: Channel | None = None) -> bool:
        return False  # experiments and leads refer to channels

    def save_model(self, request: HttpRequest, obj: Channel, form: forms.ModelForm, change: bool) -> None:
        if change:
            _copy_saved(channel_rename(channel=obj, by=request.user, name=obj.name), obj)
            return
        _copy_saved(channel_create(by=request.user, name=obj.name, slug=obj.slug), obj)


# --- Experiment -----------------------------------------------------------------------------


class ExperimentAdminForm(forms.ModelForm):
    class Meta:
        model = Experiment
        fields = list(EDITABLE_FIELDS)

    test_period_days = WholeNumberField(
        required=False, label=_("test period, days"), help_text=_("Left empty: the regulation's default.")
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not self.errors:
            values = {name: cleaned.get(name) for name in EDITABLE_FIELDS}
            experiment_validate(experiment=self.instance, values=values)
            # The form saves what the service would: trimmed utm, the default period (and ends_on).
            cleaned.update({name: getattr(self.instance, name) for name in EDITABLE_FIELDS})
        return cleaned


@admin.register(Experiment)
class ExperimentAdmin(TypedNumbersAdmin, SimpleHistoryAdmin):
    form = ExperimentAdminForm
    money_fields = ("budget",)
    list_display = ["title", "channel", "owner", "effective_status", "start_date", "ends_on", "regulation"]
    list_filter = ["status", "channel"]
    search_fields = ["title", "utm_campaign"]
    actions = ["launch", "cancel"]
    readonly_fields = ["owner", "status", "ends_on", "regulation", "launched_at", "cancelled_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Experiment]:
        return experiment_queryset()

    def get_fields(self, request: HttpRequest, obj: Experiment | None = None) -> list[str]:
        return list(EDITABLE_FIELDS) + (self.readonly_fields if obj else [])

    @admin.display(description=_("status"))
    def effective_status(self, experiment: Experiment) -> str:
        return Experiment.Status(experiment_effective_status(experiment)).label

    def get_list_display(self, request: HttpRequest) -> list:
        # Drafts are judged by the version in force: fetch it once per page, not per row.
        current = regulation_current()

        @admin.display(description=_("status"))
        def effective_status(experiment: Experiment) -> str:
            return Experiment.Status(experiment_effective_status(experiment, current_regulation=current)).label

        return [effective_status if name == "effective_status" else name for name in self.list_display]

    def has_change_permission(self, request: HttpRequest, obj: Experiment | None = None) -> bool:
        if obj is not None and obj.status != Experiment.Status.DRAFT:
            return False  # only drafts are editable; later changes go through launch / cancel
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Experiment | None = None) -> bool:
        return False  # experiments are cancelled, never deleted: leads and reviews refer to them

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (Conflict, ValidationError) as exc:
            # A refusal that arrived after the form validated (a concurrent launch, say).
            self.message_user(request, _refusal_text(exc), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def history_form_view(self, request: HttpRequest, object_id: str, version_id: str, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied(gettext("Reverting is not offered: edit the draft instead."))
        return super().history_form_view(request, object_id, version_id, extra_context)

    def save_model(self, request: HttpRequest, obj: Experiment, form: forms.ModelForm, change: bool) -> None:
        if change:
            fields = {name: form.cleaned_data[name] for name in form.changed_data if name in EDITABLE_FIELDS}
            experiment = experiment_update(experiment=obj, by=request.user, **fields)
        else:
            experiment = experiment_create(
                by=request.user, **{name: form.cleaned_data[name] for name in EDITABLE_FIELDS}
            )
        _copy_saved(experiment, obj)

    def _apply(self, request: HttpRequest, queryset: QuerySet[Experiment], service: Any, done: str) -> None:
        """`done` reports the successes, with %(count)s."""
        succeeded = 0
        for experiment in queryset:
            try:
                service(experiment=experiment, by=request.user)
            except REFUSALS as exc:
                refusal = gettext("“%(experiment)s”: %(refusal)s") % {
                    "experiment": experiment,
                    "refusal": _refusal_text(exc),
                }
                self.message_user(request, refusal, messages.ERROR)
            else:
                succeeded += 1
        if succeeded:
            self.message_user(request, done % {"count": succeeded}, messages.SUCCESS)

    @admin.action(description=_("Launch selected drafts"))
    def launch(self, request: HttpRequest, queryset: QuerySet[Experiment]) -> None:
        self._apply(request, queryset, experiment_launch, gettext("Launched: %(count)s."))

    @admin.action(description=_("Cancel selected experiments"))
    def cancel(self, request: HttpRequest, queryset: QuerySet[Experiment]) -> None:
        self._apply(request, queryset, experiment_cancel, gettext("Cancelled: %(count)s."))


# --- Users ----------------------------------------------------------------------------------


admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class UserAdmin(auth_admin.UserAdmin):
    """Django's user admin, with the bounds our own fields declare (tracker.input_limits): a
    `date_joined` in year 1 was stored before year 1 in UTC and broke the user list for everyone."""

    def formfield_for_dbfield(self, db_field: models.Field, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is None:
            return field
        if isinstance(db_field, models.DateField):  # DateTimeField too
            field.validators.append(validate_date_in_range)
        elif isinstance(db_field, models.TextField):
            field.validators.append(validate_free_text)
        elif isinstance(db_field, models.CharField):
            field.validators.append(validate_single_line)
        return field
