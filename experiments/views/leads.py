"""An experiment's leads: from its numbers to the people behind them.

The cohort is the one the metrics count (metrics.md: its utm_campaign, created in its test period),
narrowed by stage through the tabs; every signed-in user reads it, as every page.
"""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from experiments.models import Experiment
from experiments.selectors import experiment_get
from experiments.views.list_display import filter_tabs
from metrics.filters import LEAD_STAGES, LeadStageFilter, lead_stage_conditions
from metrics.models import Lead
from metrics.selectors import cohort_leads, lead_stage_counts

PAGE_SIZE = 50
STAGE_TABS = (("", gettext_lazy("All")), *((name, label) for name, (label, _condition) in LEAD_STAGES.items()))


def lead_row(lead: Lead) -> dict[str, object]:
    """A lead as its row reads: how far it went, sales' judgement, and why it was lost, if it was."""
    if lead.won_at and lead.churned_at:
        stage, reason = _("Churned"), lead.churn_reason
    elif lead.won_at:
        stage, reason = _("Customer"), ""
    elif lead.sql_at:
        stage, reason = "SQL", ""
    elif lead.mql_at:
        stage, reason = "MQL", ""
    else:
        stage, reason = _("Lead"), ""
    if lead.is_target is False:
        # A non-target lead's reason is why sales turned it down, whatever stage it reached before.
        reason = lead.disqualify_reason or reason
    judged = {True: _("Target lead"), False: _("Non-target lead"), None: _("Not judged yet")}[lead.is_target]
    return {"lead": lead, "stage": stage, "judged": judged, "reason": reason.strip()}


@login_required
def experiment_leads(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        experiment = experiment_get(pk=pk)
    except Experiment.DoesNotExist as exc:
        raise Http404(_("There is no experiment with this number.")) from exc
    cohort = cohort_leads(experiment=experiment)
    filters = LeadStageFilter(request.GET, queryset=cohort, request=request)
    # A bad stage filters nothing, as on the experiment list.
    valid = filters.is_valid()
    page = Paginator(filters.qs if valid else cohort, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "experiments/leads.html",
        {
            "experiment": experiment,
            "page": page,
            "rows": [lead_row(lead) for lead in page.object_list],
            "query": query.urlencode(),
            "tabs": filter_tabs(
                request.path,
                query,
                param="stage",
                tabs=STAGE_TABS,
                counts=lead_stage_counts(cohort, lead_stage_conditions()),
                current=(filters.form.cleaned_data.get("stage") or "") if valid else "",
            ),
        },
    )
