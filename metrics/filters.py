"""Filters of the lead and spend lists (`filterset_class` of their API views; the lead stages also
narrow an experiment's leads page)."""

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as django_filters

from experiments.models import Experiment
from metrics.catalog import Label, metric
from metrics.models import Lead, Spend
from metrics.rows import utm_key
from metrics.selectors import cohort_condition


def _label(name: str) -> Label:
    entry = metric(name)
    assert entry is not None, name
    return entry.label


# The stages a lead list narrows to (metrics.md, "Counts"), each with its label and its condition.
# A churned lead is a churned customer: `churned_at` counts only with `won_at`.
LEAD_STAGES: dict[str, tuple[Label, Q]] = {
    "target": (_("Judged target"), Q(is_target=True)),
    "non_target": (_label("non_target_leads"), Q(is_target=False)),
    "mql": (_label("mql"), Q(mql_at__isnull=False)),
    "sql": (_label("sql"), Q(sql_at__isnull=False)),
    "customer": (_label("customers"), Q(won_at__isnull=False)),
    "churned": (_label("churned_customers"), Q(won_at__isnull=False, churned_at__isnull=False)),
}


def lead_stage_conditions() -> dict[str, Q]:
    return {name: condition for name, (_label, condition) in LEAD_STAGES.items()}


class LeadStageFilter(django_filters.FilterSet):
    """The leads of one stage; the experiment's leads page and the API share it."""

    stage = django_filters.ChoiceFilter(
        label=_("Stage"),
        choices=[(name, label) for name, (label, _condition) in LEAD_STAGES.items()],
        method="filter_stage",
        help_text="target, non_target, mql, sql, customer or churned (a customer who churned).",
    )

    class Meta:
        model = Lead
        fields = ["stage"]

    def filter_stage(self, queryset: QuerySet[Lead], name: str, value: str) -> QuerySet[Lead]:
        return queryset.filter(LEAD_STAGES[value][1])


class LeadFilter(LeadStageFilter):
    # Not stripped: an id is matched exactly as sent, and the campaign as the attribution key.
    external_id = django_filters.CharFilter(strip=False, help_text="One lead by its CRM id.")
    utm_campaign = django_filters.CharFilter(
        strip=False, method="filter_utm_campaign", help_text="Leads attributed by this key (trimmed, any case)."
    )
    experiment = django_filters.ModelChoiceFilter(
        queryset=Experiment.objects.all(),
        method="filter_experiment",
        help_text="An experiment id: the leads of its cohort (its utm_campaign, created in its test period).",
    )

    class Meta:
        model = Lead
        fields = ["external_id", "utm_campaign", "experiment", "stage"]

    def filter_utm_campaign(self, queryset: QuerySet[Lead], name: str, value: str) -> QuerySet[Lead]:
        return queryset.filter(utm_key=utm_key(value))

    def filter_experiment(self, queryset: QuerySet[Lead], name: str, value: Experiment) -> QuerySet[Lead]:
        return queryset.filter(cohort_condition(value))


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
