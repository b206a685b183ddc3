"""Filters of the lead and spend lists (`filterset_class` of their API views)."""

from django.db.models import QuerySet
from django_filters import rest_framework as django_filters

from metrics.models import Lead, Spend
from metrics.rows import utm_key


class LeadFilter(django_filters.FilterSet):
    # Not stripped: an id is matched exactly as sent, and the campaign as the attribution key.
    external_id = django_filters.CharFilter(strip=False, help_text="One lead by its CRM id.")
    utm_campaign = django_filters.CharFilter(
        strip=False, method="filter_utm_campaign", help_text="Leads attributed by this key (trimmed, any case)."
    )

    class Meta:
        model = Lead
        fields = ["external_id", "utm_campaign"]

    def filter_utm_campaign(self, queryset: QuerySet[Lead], name: str, value: str) -> QuerySet[Lead]:
        return queryset.filter(utm_key=utm_key(value))


class SpendFilter(django_filters.FilterSet):
    experiment = django_filters.CharFilter(strip=False, method="filter_experiment", help_text="An experiment id.")

    class Meta:
        model = Spend
        fields = ["experiment"]

    def filter_experiment(self, queryset: QuerySet[Spend], name: str, value: str) -> QuerySet[Spend]:
        # A value that is not an id narrows nothing, as this list has always answered. isdigit()
        # alone also takes "²"; `experiment__id` (unlike `experiment_id`) matches nothing for an id
        # too large for the column instead of failing.
        if value.isascii() and value.isdigit():
            return queryset.filter(experiment__id=int(value))
        return queryset
