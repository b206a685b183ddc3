"""The experiment list's filters, one FilterSet for the API (`filterset_class`) and the page, which
adds a search, and an order by its columns.

The API names a channel by its slug and an owner by id or username (api.md); the page picks both
from lists, whose options carry ids. A bad value is a form error: 400 in the API, no filter on
the page.
"""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import BigIntegerField, DecimalField, F, Field, FloatField, Q, QuerySet, Value
from django.db.models.expressions import Combinable
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Lower, NullIf
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as django_filters

from experiments.models import Channel, Experiment
from experiments.selectors import effective_status_order, experiments_in_status
from tracker.filtering import SortFilter


class SlugFilter(django_filters.CharFilter):
    field_class = forms.SlugField


class ExperimentFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=Experiment.Status.choices,
        empty_label=_("Any status"),
        method="filter_status",
        help_text="The effective status.",
    )
    # Any filter: the page's form picks both from lists instead (`ExperimentPageFilter`).
    channel: django_filters.Filter = SlugFilter(field_name="channel__slug", help_text="A channel slug.")
    owner: django_filters.Filter = django_filters.CharFilter(
        method="filter_owner", help_text="The owner's user id or username."
    )

    class Meta:
        model = Experiment
        fields = ["status", "channel", "owner"]

    def filter_status(self, queryset: QuerySet[Experiment], name: str, value: str) -> QuerySet[Experiment]:
        return experiments_in_status(queryset, status=value)

    def filter_owner(self, queryset: QuerySet[Experiment], name: str, value: str) -> QuerySet[Experiment]:
        # isdigit() alone also takes "²", which int() refuses; `owner__id` (unlike `owner_id`) matches
        # nothing for an id too large for the column instead of failing.
        if value.isascii() and value.isdigit():
            return queryset.filter(owner__id=int(value))
        return queryset.filter(owner__username=value)


def _snapshot_number(name: str, output_field: "Field[Any, Any]") -> Cast:
    """A number of the experiment's metric snapshot (metrics.md names), typed so that it sorts as a
    number: money is a decimal string in the JSON, and "999.00" must come before "1234.50".

    A JSON null (a rate without a denominator) reads as SQL NULL on PostgreSQL but as the text
    "null" on SQLite, which would cast to 0: NULLIF makes it NULL on both, so it sorts last."""
    return Cast(NullIf(KeyTextTransform(name, "snapshot__data"), Value("null")), output_field)


# The list page's sortable columns: `?ordering=cpl` or `?ordering=-cpl`.
SORTS: dict[str, Callable[[], Combinable]] = {
    "title": lambda: Lower("title"),
    "status": effective_status_order,
    "start": lambda: F("start_date"),
    "end": lambda: F("ends_on"),
    "leads": lambda: _snapshot_number("leads_total", BigIntegerField()),
    "non_target": lambda: _snapshot_number("non_target_share", FloatField()),
    "cpl": lambda: _snapshot_number("cpl", DecimalField(max_digits=20, decimal_places=2)),
}


class ExperimentPageFilter(ExperimentFilter):
    """The list page's form: a search box, channels and owners picked from lists (by id), and the
    status and the order, which the page sets through its tabs and column headers."""

    q = django_filters.CharFilter(label=_("Search"), max_length=100, method="filter_search")
    status = django_filters.ChoiceFilter(
        choices=Experiment.Status.choices, method="filter_status", widget=forms.HiddenInput
    )
    channel = django_filters.ModelChoiceFilter(
        label=_("Channel"), queryset=Channel.objects.all(), empty_label=_("Any channel")
    )
    owner = django_filters.ModelChoiceFilter(
        label=_("Owner"),
        queryset=get_user_model().objects.filter(experiments__isnull=False).distinct().order_by("username"),
        empty_label=_("Anyone"),
    )
    ordering = SortFilter(sorts=SORTS, widget=forms.HiddenInput)

    class Meta(ExperimentFilter.Meta):
        fields = ["q", "status", "channel", "owner", "ordering"]

    def filter_search(self, queryset: QuerySet[Experiment], name: str, value: str) -> QuerySet[Experiment]:
        return queryset.filter(
            Q(title__icontains=value) | Q(utm_campaign__icontains=value) | Q(hypothesis__icontains=value)
        )

    @property
    def narrowed(self) -> bool:
        """Whether a filter (not only an order) was asked for and understood."""
        return self.is_valid() and any(value for name, value in self.form.cleaned_data.items() if name != "ordering")

    def qs_without_status(self) -> QuerySet[Experiment]:
        """The experiments every other filter keeps: what the status tabs count."""
        assert self.queryset is not None  # the page always passes one
        queryset = self.queryset.all()
        if not self.is_valid():
            return queryset
        for name, value in self.form.cleaned_data.items():
            if name not in ("status", "ordering"):
                queryset = self.filters[name].filter(queryset, value)
        return queryset
