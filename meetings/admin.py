"""Django admin for goals and meetings.

A goal added, changed or deleted here goes through `goal_create`, `goal_update` and `goal_delete`
(their roles and rules hold as on the API and the pages). Meetings are created by the beat job with
their agenda; notes and decisions are written through `meeting_update_notes`, so only the heads
and the founder can change them.
"""

import json
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from meetings.forms import GoalForm, is_rate
from meetings.models import Goal, Meeting
from meetings.permissions import can_set_goals, can_write_meeting_notes
from meetings.services.goals import goal_create, goal_delete, goal_target_text, goal_update, goal_validate
from meetings.services.meetings import meeting_update_notes
from metrics.catalog import RATE, goal_metric, goal_metrics
from metrics.form_fields import PERCENT, LocalizedDecimalField, currency_units
from metrics.formatting import exact_percent


class GoalAdminForm(forms.ModelForm):
    """A rate's target is typed and shown as percent, as on the goals page; the goal keeps its fraction."""

    metric = forms.ChoiceField(label=_("metric"), choices=[])
    target = LocalizedDecimalField(
        label=_("target"),
        units=PERCENT + currency_units(),
        max_digits=16,
        decimal_places=4,
        help_text=_("A whole number for counts, money with 2 places, rates in percent: 25 is 25%."),
    )

    class Meta:
        model = Goal
        fields = ["metric", "period_start", "period_end", "target"]
        help_texts = {"period_end": _("The day after the period: December is 2026-12-01 to 2027-01-01.")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["metric"].choices = [(name, name) for name in sorted(entry.name for entry in goal_metrics())]
        if self.instance.pk is not None:
            self.initial["target"] = GoalForm.initial_for(self.instance)["target"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not self.errors:
            if is_rate(cleaned.get("metric")):
                cleaned["target"] = cleaned["target"] / 100
            goal = goal_validate(goal=self.instance, values={name: cleaned.get(name) for name in self.Meta.fields})
            cleaned.update({name: getattr(goal, name) for name in self.Meta.fields})
        return cleaned

    def _post_clean(self) -> None:
        # `goal_validate` ran the model's checks in clean(), with the metric's; the service saves.
        pass


@admin.register(Goal)
class GoalAdmin(admin.ModelAdmin):
    form = GoalAdminForm
    list_display = ["metric_label", "period_start", "period_end", "target_text", "created_by", "created_at"]
    list_filter = ["metric"]
    list_select_related = ["created_by"]

    @admin.display(description=_("metric"), ordering="metric")
    def metric_label(self, goal: Goal) -> str:
        entry = goal_metric(goal.metric)
        return str(entry.label) if entry is not None else goal.metric

    @admin.display(description=_("target"), ordering="target")
    def target_text(self, goal: Goal) -> str:
        entry = goal_metric(goal.metric)
        if entry is not None and entry.kind == RATE:
            return exact_percent(goal.target)
        return goal_target_text(goal.metric, goal.target)

    def save_model(self, request: HttpRequest, obj: Goal, form: forms.ModelForm, change: bool) -> None:
        fields = {name: form.cleaned_data[name] for name in GoalAdminForm.Meta.fields}
        goal = goal_update(goal=obj, by=request.user, **fields) if change else goal_create(by=request.user, **fields)
        obj.pk = goal.pk
        obj.created_by, obj.created_at = goal.created_by, goal.created_at
        obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: Goal) -> None:
        goal_delete(goal=obj, by=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Goal]) -> None:
        for goal in queryset:
            goal_delete(goal=goal, by=request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and can_set_goals(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Goal | None = None) -> bool:
        return super().has_change_permission(request, obj) and can_set_goals(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Goal | None = None) -> bool:
        return super().has_delete_permission(request, obj) and can_set_goals(request.user)


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "created_at", "held_at"]
    list_filter = ["kind"]
    date_hierarchy = "date"
    readonly_fields = ["kind", "date", "created_at", "held_at", "held_by", "agenda_text"]
    fields = ["kind", "date", "created_at", "held_at", "held_by", "agenda_text", "notes", "decisions"]

    @admin.display(description=_("agenda"))
    def agenda_text(self, meeting: Meeting) -> str:
        return format_html("<pre>{}</pre>", json.dumps(meeting.agenda, indent=2, ensure_ascii=False))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the beat job creates meetings on the regulation's cadence

    def has_delete_permission(self, request: HttpRequest, obj: Meeting | None = None) -> bool:
        return False  # a meeting's record (agenda, notes, decisions) stays

    def has_change_permission(self, request: HttpRequest, obj: Meeting | None = None) -> bool:
        # A held meeting keeps its notes and decisions as they were (`meeting_update_notes` refuses).
        held = obj is not None and obj.held_at is not None
        return super().has_change_permission(request, obj) and can_write_meeting_notes(request.user) and not held

    def save_model(self, request: HttpRequest, obj: Meeting, form: forms.ModelForm, change: bool) -> None:
        saved = meeting_update_notes(
            meeting=obj, by=request.user, notes=form.cleaned_data["notes"], decisions=form.cleaned_data["decisions"]
        )
        obj.notes, obj.decisions = saved.notes, saved.decisions
