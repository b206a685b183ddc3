"""Forms of the meeting and goal pages. They check shapes only; the services check the rules."""

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from experiments.forms import DATE_INPUT
from meetings.models import Goal
from meetings.services.goals import goal_target_text
from metrics.catalog import RATE, goal_metric
from metrics.form_fields import PERCENT, LocalizedDecimalField, currency_units


class MeetingNotesForm(forms.Form):
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What was discussed, with the numbers that settled it."),
    )
    decisions = forms.CharField(
        label=_("Decisions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line, with who does what by when. The next meeting follows up on them."),
    )


def is_rate(metric: object) -> bool:
    spec = goal_metric(str(metric or ""))
    return spec is not None and spec.kind == RATE


class GoalForm(forms.Form):
    """A goal as the founder sets it. A rate's target is typed as percent ("25", "25 %") and cleaned
    to the fraction the service keeps (0.25); every other target as the number it is."""

    PERCENT_PLACES = 2  # the fraction keeps 4 places

    metric = forms.ChoiceField(label=_("Metric"))
    period_start = forms.DateField(label=_("First day"), widget=DATE_INPUT)
    period_end = forms.DateField(
        label=_("Up to (not included)"),
        widget=DATE_INPUT,
        help_text=_("December is 1 December up to 1 January."),
    )
    target = LocalizedDecimalField(
        label=_("Target"),
        units=PERCENT + currency_units(),
        max_digits=16,
        decimal_places=4,
        help_text=_("A whole number for counts, money with 2 places, rates in percent: 25 is 25%."),
    )

    def __init__(self, *args: Any, metric_choices: list, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Labels are in the page's language, so the choices are built per request.
        self.fields["metric"].choices = [("", "—"), *metric_choices]

    @staticmethod
    def initial_for(goal: Goal) -> dict[str, Any]:
        """The goal as the form shows it: the target in its metric's precision ("400", not
        "400.0000"), a rate's as percent (0.25 as "25")."""
        target = Decimal(goal_target_text(goal.metric, goal.target))
        return {
            "metric": goal.metric,
            "period_start": goal.period_start,
            "period_end": goal.period_end,
            "target": (target * 100).normalize() if is_rate(goal.metric) else target,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        target, metric = data.get("target"), data.get("metric")
        if target is None or not metric:
            return data
        typed_percent = "%" in str(self.data.get(self.add_prefix("target"), ""))
        if is_rate(metric):
            if target != target.quantize(Decimal(1).scaleb(-self.PERCENT_PLACES)):
                self.add_error("target", _("Give the percent with at most 2 decimal places."))
            else:
                data["target"] = target / 100
        elif typed_percent:
            self.add_error("target", _("Only a rate's target is a percent; give this one as a number."))
        return data
