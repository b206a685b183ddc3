"""Forms of the meeting and goal pages. They check shapes only; the services check the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from experiments.forms import DATE_INPUT


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


class GoalForm(forms.Form):
    metric = forms.ChoiceField(label=_("Metric"))
    period_start = forms.DateField(label=_("First day"), widget=DATE_INPUT)
    period_end = forms.DateField(
        label=_("Up to (not included)"),
        widget=DATE_INPUT,
        help_text=_("December is 1 December up to 1 January."),
    )
    target = forms.DecimalField(
        label=_("Target"),
        localize=True,
        max_digits=16,
        decimal_places=4,
        help_text=_("A whole number for counts, money with 2 places, rates as a fraction: 0.25 is 25%."),
    )

    def __init__(self, *args, metric_choices: list, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Labels are in the page's language, so the choices are built per request.
        self.fields["metric"].choices = [("", "—"), *metric_choices]
