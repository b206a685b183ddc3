"""Forms of the web pages. They check shapes only (types, required fields); every rule is checked
by the service the view calls, and its ValidationError is shown on the matching field."""

from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _

from experiments.models import Channel, Experiment, Review
from tracker.validators import MAX_INT

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
    min_mql = forms.IntegerField(label=_("Min MQL"), required=False, min_value=0, max_value=MAX_INT)
    min_sql = forms.IntegerField(label=_("Min SQL"), required=False, min_value=0, max_value=MAX_INT)
    min_customers = forms.IntegerField(label=_("Min customers"), required=False, min_value=0, max_value=MAX_INT)
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


class ExperimentFilterForm(forms.Form):
    STATUS_CHOICES = [("", _("Any status")), *Experiment.Status.choices]

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)
    channel = forms.ModelChoiceField(
        label=_("Channel"), queryset=Channel.objects.all(), required=False, empty_label=_("Any channel")
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"),
        queryset=get_user_model().objects.filter(experiments__isnull=False).distinct().order_by("username"),
        required=False,
        empty_label=_("Anyone"),
    )


class ReviewForm(forms.Form):
    verdict = forms.ChoiceField(label=_("Verdict"), choices=Review.Verdict.choices, widget=forms.RadioSelect)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 5}))
    loss_reasons = forms.CharField(
        label=_("Why leads did not buy"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("So marketing can change positioning rather than switch off a channel that works."),
    )
    recommendation = forms.ChoiceField(label=_("Recommendation"), choices=Review.Recommendation.choices)


class QuestionForm(forms.Form):
    text = forms.CharField(
        label=_("Your question"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Addressed to the marketing head. Ask why before a conflict."),
    )


class AnswerForm(forms.Form):
    text = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 3}))
