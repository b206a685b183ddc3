"""An experiment's targets against its actuals, each with its verdict from `metrics.pace`: the
experiment page's table and the short line of the list and the dashboard cards."""

import datetime as dt

from django.utils import timezone

from experiments.models import Experiment
from metrics import pace
from metrics.catalog import COUNT, target_field
from metrics.formatting import as_decimal

# No verdict on an experiment that is not being tested: a draft has no period yet, a cancelled one
# never gets a result.
WITHOUT_VERDICT = (Experiment.Status.DRAFT, Experiment.Status.CANCELLED)


def experiment_targets(experiment: Experiment, metrics: dict | None, *, today: dt.date | None = None) -> list[dict]:
    """One row per target the experiment set: target, actual, `met` (the actual on the good side of
    the target now, None without an actual) and `pace`, the verdict that may be shown."""
    today = today or timezone.localdate()
    rows = []
    for name, target in (experiment.targets or {}).items():
        field = target_field(name)
        entry = field.metric if field else None
        actual = as_decimal(metrics.get(entry.name)) if metrics and entry else None
        goal = as_decimal(target)
        higher = field.bound == "min" if field else True
        met = field.met(actual, goal) if field and actual is not None and goal is not None else None
        if experiment.status in WITHOUT_VERDICT:
            verdict = pace.no_verdict(higher_is_better=higher, kind=field.kind if field else COUNT)
        else:
            verdict = pace.judge(
                entry=entry,
                higher_is_better=higher,
                target=goal,
                actual=actual,
                start=experiment.start_date,
                end=experiment.ends_on,
                today=today,
                values=metrics,
            )
        label, kind = (str(field.label), field.kind) if field else (name, COUNT)
        rows.append(
            {
                "name": name,
                "label": label,
                "kind": kind,
                "target": goal,
                "actual": actual,
                "met": met,
                "pace": verdict,
                "no_spend": verdict.state == pace.NO_SPEND,
            }
        )
    return rows
