"""The experiment list as a file: the rows the page shows (its filters and order, every page) with
their key metrics, as CSV or XLSX (`tracker.exports`)."""

from collections.abc import Iterator

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from experiments.models import Experiment, Regulation
from experiments.selectors import experiment_effective_status, regulation_current
from experiments.views.experiments import filtered_experiments
from experiments.views.list_display import latest_review
from metrics.catalog import metric
from tracker import exports

# The metrics of each row, in this order, from the experiment's snapshot (metrics.md names).
METRICS = (
    "leads_total",
    "judged_leads",
    "non_target_share",
    "mql",
    "sql",
    "customers",
    "marketing_spend",
    "cpl",
    "cac",
    "revenue",
    "romi",
)


def _metric_column(name: str) -> exports.Column:
    entry = metric(name)
    assert entry is not None, name  # METRICS names catalog entries
    return exports.Column(str(entry.label), entry.kind)


def experiment_columns() -> list[exports.Column]:
    return [
        exports.Column(_("Experiment"), width=40),
        exports.Column("utm_campaign", width=24),
        exports.Column(_("Channel"), width=20),
        exports.Column(_("Owner"), width=16),
        exports.Column(_("Start date"), exports.DATE, width=12),
        exports.Column(_("Ends on"), exports.DATE, width=12),
        exports.Column(_("Status"), width=16),
        exports.Column(_("Verdict"), width=16),
        *(_metric_column(name) for name in METRICS),
    ]


def experiment_row(experiment: Experiment, *, current_regulation: Regulation) -> list[object]:
    statuses = dict(Experiment.Status.choices)
    review = latest_review(experiment)
    snapshot = getattr(experiment, "snapshot", None)
    numbers = snapshot.data if snapshot is not None and snapshot.computed_at else {}
    return [
        experiment.title,
        experiment.utm_campaign,
        experiment.channel.name,
        experiment.owner.get_full_name() or experiment.owner.username,
        experiment.start_date,
        experiment.ends_on,
        str(statuses[experiment_effective_status(experiment, current_regulation=current_regulation)]),
        review.get_verdict_display() if review is not None else None,
        *(numbers.get(name) for name in METRICS),
    ]


@login_required
def experiment_export(request: HttpRequest, fmt: str) -> HttpResponse:
    _filters, experiments = filtered_experiments(request)
    current = regulation_current()
    rows: Iterator[list[object]] = (experiment_row(e, current_regulation=current) for e in experiments)
    return exports.table_response(
        fmt,
        filename=f"experiments-{timezone.localdate().isoformat()}",
        columns=experiment_columns(),
        rows=rows,
        title=_("Experiments"),
    )
