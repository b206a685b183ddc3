"""Forms of the web pages. They check shapes only (types, required fields); every rule is checked
by the service the view calls, and its ValidationError is shown on the matching field."""

from collections.abc import Mapping
from decimal import Decimal

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from experiments.models import CANCEL_REASON_MAX_LENGTH, Channel, Experiment, Review
from experiments.services.experiments import EDITABLE_FIELDS
from metrics.catalog import COUNT, MONEY, RATE, TargetField, target_fields
from metrics.form_fields import AmountField, PercentField, WholeNumberField
from tracker.input_limits import MAX_INT

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def target_form_field(target: TargetField) -> forms.Field:
    """The input of an experiment target (`metrics.catalog`); a share is typed as percent."""
    if target.kind == COUNT:
        return WholeNumberField(label=target.label, required=False, min_value=0, max_value=MAX_INT)
    if target.kind == RATE:
        return PercentField(label=format_lazy("{}, %", target.label), required=False)
    return AmountField(label=target.label, required=False)


def apply_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form, in the words of its labels, never by raw names.

    A message keyed by a field of the form goes on that field (its label says which). So does one
    whose params name a field as `key` (a target inside the `targets` dict), with the field's label
    in the message for the key. A message keyed by another name goes on top, introduced by that
    name's label from the form's `SERVICE_LABELS` when it has one.
    """
    labels: Mapping[str, object] = getattr(form, "SERVICE_LABELS", {})
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            form.add_error(None, message)
        return
    for name, errors in error.error_dict.items():
        for item in errors:
            key = (item.params or {}).get("key")
            if isinstance(key, str) and key in form.fields:
                label = form.fields[key].label or key
                form.add_error(key, ValidationError(item.message, code=item.code, params={**item.params, "key": label}))
                continue
            message = " ".join(ValidationError([item]).messages)
            if name in form.fields:
                form.add_error(name, message)
            elif name != NON_FIELD_ERRORS and name in labels:
                form.add_error(None, f"{labels[name]}: {message}")
            else:
                form.add_error(None, message)


class ExperimentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    hypothesis = forms.CharField(
        label=_("Hypothesis"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("If we do …, then … will happen, because …"),
    )
    channel = forms.ModelChoiceField(label=_("Channel"), queryset=Channel.objects.all(), empty_label=None)
    utm_campaign = forms.CharField(
        label=_("utm_campaign"),
        max_length=255,
        help_text=_("Leads with this utm_campaign created in the test period belong to the experiment."),
    )
    start_date = forms.DateField(label=_("Start date"), widget=DATE_INPUT)
    test_period_days = WholeNumberField(
        label=_("Test period, days"),
        required=False,
        min_value=1,
        help_text=_("Leave empty for the regulation's default."),
    )
    budget = AmountField(label=_("Budget"), required=False)
    # Service fields the form shows in fields of another name (the targets dict in one field per target).
    SERVICE_LABELS = {"targets": _("Targets")}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for target in target_fields():
            self.fields[target.name] = target_form_field(target)

    def target_rows(self) -> list[list[forms.BoundField]]:
        """The target inputs as the form lays them out: money and shares, then counts."""
        by_kind = {kind: [self[t.name] for t in target_fields() if t.kind == kind] for kind in (MONEY, RATE, COUNT)}
        rows = [by_kind[MONEY] + by_kind[RATE], by_kind[COUNT]]
        return [row for row in rows if row]

    @classmethod
    def initial_for(cls, experiment: Experiment) -> dict:
        return cls.initial_from({name: getattr(experiment, name) for name in EDITABLE_FIELDS})

    @classmethod
    def initial_from(cls, values: dict) -> dict:
        """The form's initial data from an experiment's editable values (targets as one dict)."""
        initial = {name: value for name, value in values.items() if name != "targets"}
        for target in target_fields():
            value = (values.get("targets") or {}).get(target.name)
            if value is not None:
                # A share is stored as a fraction; its field shows the percent.
                initial[target.name] = Decimal(str(value)) if target.kind != COUNT else value
        return initial

    def service_fields(self) -> dict:
        """The cleaned data as the experiment services take it (targets as one dict)."""
        data = self.cleaned_data
        targets = {}
        for target in target_fields():
            value = data.get(target.name)
            if value is None:
                continue
            if target.kind == RATE:  # typed as percent, cleaned to a fraction by its field (metrics.md)
                targets[target.name] = str(value)
            elif target.kind == MONEY:
                targets[target.name] = f"{value:.2f}"
            else:
                targets[target.name] = value
        return {
            "title": data["title"],
            "hypothesis": data["hypothesis"],
            "channel": data["channel"],
            "utm_campaign": data["utm_campaign"],
            "start_date": data["start_date"],
            "test_period_days": data.get("test_period_days"),
            "budget": data.get("budget"),
            "targets": targets,
        }


class ReviewForm(forms.Form):
    """The review, with nothing chosen for the filer: verdict and recommendation are picked, never
    left at a default. Two steps ask first: a recommendation that contradicts the verdict needs a
    tick (`mismatch_confirmed`), and filing itself shows a summary to confirm (`confirmed`, set by
    the summary step or by its dialog)."""

    # A verdict and a recommendation that pull in opposite directions, with what to tell the filer.
    MISMATCHES = {
        (Review.Verdict.NOT_CONFIRMED, Review.Recommendation.SCALE): _(
            "The hypothesis is not confirmed, yet the recommendation is to scale it."
        ),
        (Review.Verdict.CONFIRMED, Review.Recommendation.STOP): _(
            "The hypothesis is confirmed, yet the recommendation is to stop it."
        ),
    }
    SERVICE_FIELDS = ("verdict", "summary", "loss_reasons", "recommendation")

    verdict = forms.ChoiceField(label=_("Verdict"), choices=Review.Verdict.choices, widget=forms.RadioSelect)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 5}))
    loss_reasons = forms.CharField(
        label=_("Why leads did not buy"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("So marketing can change positioning rather than switch off a channel that works."),
    )
    recommendation = forms.ChoiceField(
        label=_("Recommendation"), choices=[("", _("Choose a recommendation")), *Review.Recommendation.choices]
    )
    mismatch_confirmed = forms.BooleanField(label=_("Yes, this is what I recommend"), required=False)
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def mismatch(self) -> str | None:
        """The warning for a contradicting verdict and recommendation, or None."""
        data = getattr(self, "cleaned_data", {})
        return self.MISMATCHES.get((data.get("verdict"), data.get("recommendation")))

    def clean(self) -> dict:
        data = super().clean()
        warning = self.mismatch()
        if warning and not data.get("mismatch_confirmed"):
            raise ValidationError(
                _("%(warning)s Tick the box below if that is what you mean.") % {"warning": warning},
                code="mismatch",
            )
        return data

    @property
    def asks_mismatch(self) -> bool:
        """Whether the form shows the tick box (a contradiction was found, or already confirmed)."""
        return self.is_bound and bool(self.mismatch())

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.SERVICE_FIELDS}


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is it cancelled?"),
        max_length=CANCEL_REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Kept in the experiment's history, so that everyone reads the same reason."),
        error_messages={"required": _("Say why the experiment is cancelled.")},
    )


class QuestionForm(forms.Form):
    text = forms.CharField(
        label=_("Your question"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Addressed to the marketing head. Ask why before a conflict."),
    )


class AnswerForm(forms.Form):
    text = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 3}))
