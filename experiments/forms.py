"""Forms of the web pages. They check shapes only (types, required fields); every rule is checked
by the service the view calls, and its ValidationError is shown on the matching field."""

from decimal import Decimal

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _

from experiments.models import CANCEL_REASON_MAX_LENGTH, Channel, Experiment, Review

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

# Optional targets an experiment may set, by the metrics.md name they are compared with.
TARGET_FIELDS = {
    "max_cpl": ("cpl", "max", "money"),
    "max_cac": ("cac", "max", "money"),
    "min_revenue": ("revenue", "min", "money"),
    "min_mql": ("mql", "min", "count"),
    "min_sql": ("sql", "min", "count"),
    "min_customers": ("customers", "min", "count"),
    "max_non_target_share": ("non_target_share", "max", "share"),
}


def apply_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: per field where the form has one, else on top."""
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            form.add_error(None, message)
        return
    for field, messages in error.message_dict.items():
        for message in messages:
            if field in form.fields:
                form.add_error(field, message)
            elif field == NON_FIELD_ERRORS:
                form.add_error(None, message)
            else:
                form.add_error(None, f"{field}: {message}")


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
    test_period_days = forms.IntegerField(
        label=_("Test period, days"),
        required=False,
        min_value=1,
        help_text=_("Leave empty for the regulation's default."),
    )
    budget = forms.DecimalField(label=_("Budget"), required=False, min_value=0, max_digits=14, decimal_places=2)
    max_cpl = forms.DecimalField(label=_("Max CPL"), required=False, min_value=0, max_digits=14, decimal_places=2)
    max_cac = forms.DecimalField(label=_("Max CAC"), required=False, min_value=0, max_digits=14, decimal_places=2)
    min_mql = forms.IntegerField(label=_("Min MQL"), required=False, min_value=0)
    min_sql = forms.IntegerField(label=_("Min SQL"), required=False, min_value=0)
    min_customers = forms.IntegerField(label=_("Min customers"), required=False, min_value=0)
    min_revenue = forms.DecimalField(
        label=_("Min revenue"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    max_non_target_share = forms.DecimalField(
        label=_("Max non-target share, %"), required=False, min_value=0, max_value=100, decimal_places=1
    )

    target_names = tuple(TARGET_FIELDS)

    @classmethod
    def initial_for(cls, experiment: Experiment) -> dict:
        initial = {
            "title": experiment.title,
            "hypothesis": experiment.hypothesis,
            "channel": experiment.channel_id,
            "utm_campaign": experiment.utm_campaign,
            "start_date": experiment.start_date,
            "test_period_days": experiment.test_period_days,
            "budget": experiment.budget,
        }
        for name, (_metric, _direction, kind) in TARGET_FIELDS.items():
            value = experiment.targets.get(name)
            if value is not None:
                initial[name] = Decimal(str(value)) * 100 if kind == "share" else value
        return initial

    def service_fields(self) -> dict:
        """The cleaned data as the experiment services take it (targets as one dict)."""
        data = self.cleaned_data
        targets = {}
        for name, (_metric, _direction, kind) in TARGET_FIELDS.items():
            value = data.get(name)
            if value is None:
                continue
            if kind == "share":  # typed as percent, stored as a fraction (metrics.md)
                targets[name] = str(value / 100)
            elif kind == "money":
                targets[name] = f"{value:.2f}"
            else:
                targets[name] = value
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
