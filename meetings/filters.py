"""The meeting list's filter, one FilterSet for the API (`filterset_class`) and the page."""

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as django_filters

from meetings.models import Meeting


class MeetingFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=Meeting.Kind.choices, empty_label=_("All meetings"), help_text="`sync` or `founder`."
    )

    class Meta:
        model = Meeting
        fields = ["kind"]
