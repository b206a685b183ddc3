"""The experiment list's filters, one FilterSet for the API (`filterset_class`) and the page.

The API names a channel by its slug and an owner by id or username (api.md); the page picks both
from lists, whose options carry ids. A bad value is a form error: 400 in the API, no filter on
the page.
"""

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as django_filters

from experiments.models import Channel, Experiment
from experiments.selectors import experiments_in_status


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


class ExperimentPageFilter(ExperimentFilter):
    """The list page's form: a search box, and channels and owners picked from lists (by id)."""

    q = django_filters.CharFilter(label=_("Search"), max_length=100, method="filter_search")
    channel = django_filters.ModelChoiceFilter(
        label=_("Channel"), queryset=Channel.objects.all(), empty_label=_("Any channel")
    )
    owner = django_filters.ModelChoiceFilter(
        label=_("Owner"),
        queryset=get_user_model().objects.filter(experiments__isnull=False).distinct().order_by("username"),
        empty_label=_("Anyone"),
    )

    class Meta(ExperimentFilter.Meta):
        fields = ["q", "status", "channel", "owner"]

    def filter_search(self, queryset: QuerySet[Experiment], name: str, value: str) -> QuerySet[Experiment]:
        return queryset.filter(
            Q(title__icontains=value) | Q(utm_campaign__icontains=value) | Q(hypothesis__icontains=value)
        )
