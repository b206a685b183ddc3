"""Data for the experiment page's charts (Chart.js draws).

The charts place points by number but write their labels with the page's formatter
(`metrics.formatting`), so a share reads the same in a tooltip as in the table beside it.
"""

from fractions import Fraction

from django.utils.translation import gettext as _

from experiments.models import Experiment
from experiments.views.funnel import funnel_steps, step_tooltip
from experiments.views.lock_display import LockDisplay
from metrics import formatting
from metrics.catalog import metric
from metrics.selectors import experiment_daily_leads


def experiment_charts(experiment: Experiment, metrics: dict | None, lock: LockDisplay) -> dict:
    """Series for the three charts, passed to the page with `json_script`."""
    daily = list(experiment_daily_leads(experiment=experiment)) if experiment.status != "draft" else []
    labels, leads, non_target, shares = [], [], [], []
    judged_total = non_target_total = 0
    for day in daily:
        labels.append(day["date"].isoformat() if hasattr(day["date"], "isoformat") else str(day["date"]))
        leads.append(day["leads"])
        non_target.append(day["non_target"])
        judged_total += day["judged"]
        non_target_total += day["non_target"]
        # Exact, so that its text is rounded once (a point rounded to 4 places first could round twice).
        shares.append(Fraction(non_target_total, judged_total) if judged_total else None)
    steps = funnel_steps(metrics)
    rows = [
        {"date": day["date"], "leads": day["leads"], "non_target": day["non_target"], "share": share}
        for day, share in zip(daily, shares, strict=True)
    ]
    return {
        "rows": rows,  # the same numbers as a table, for screen readers
        "has_daily": bool(daily),
        "has_funnel": bool(metrics) and steps[0]["count"] > 0,
        "funnel": steps,  # the same numbers as a table beside the chart
        "data": {
            "labels": labels,
            "leads": leads,
            "nonTarget": non_target,
            "cumulativeShare": [round(float(share), 4) if share is not None else None for share in shares],
            "cumulativeShareText": [formatting.percent(share) for share in shares],
            "threshold": float(lock.threshold) if lock.threshold is not None else None,
            "thresholdText": formatting.exact_percent(lock.threshold),
            "funnel": [step["count"] for step in steps],
            "funnelCountText": [formatting.count(step["count"]) for step in steps],
            "funnelTooltip": [step_tooltip(step) for step in steps],
            "text": {
                "leads": str(metric("leads_total").label),
                "nonTarget": _("Non-target"),
                "share": _("Cumulative non-target share"),
                "threshold": _("Acceptable level"),
                "funnel": [step["label"] for step in steps],
            },
        },
    }
