"""Spend rows: marketing or sales cost of an experiment on a date, with optional visits."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from experiments.models import Experiment
from metrics.models import Spend
from metrics.rows import spend_clean, utm_key
from metrics.services.dirty import snapshots_mark_dirty
from metrics.services.leads import MAX_ROWS


@dataclass
class SpendCreateResult:
    created: int = 0
    errors: list[dict] = field(default_factory=list)


@transaction.atomic
def spend_create(*, rows: list[dict], by=None) -> SpendCreateResult:
    """Store the valid spend rows (errors name the row index); mark their experiments dirty."""
    if not isinstance(rows, list):
        raise ValidationError({"non_field_errors": ["Send a JSON list of spend rows."]})
    if len(rows) > MAX_ROWS:
        raise ValidationError({"non_field_errors": [f"At most {MAX_ROWS:,} rows per request; got {len(rows):,}."]})
    named_ids = set()
    for row in rows:
        if isinstance(row, dict) and str(row.get("experiment") or "").strip().isdigit():
            named_ids.add(int(row["experiment"]))
    existing_ids = set(Experiment.objects.filter(id__in=named_ids).values_list("id", flat=True))
    by_key = {
        utm_key(utm): pk
        for pk, utm in Experiment.objects.exclude(status=Experiment.Status.CANCELLED).values_list("id", "utm_campaign")
    }
    result = SpendCreateResult()
    objects = []
    for index, row in enumerate(rows):
        values, errors = spend_clean(row, experiments_by_key=by_key, experiment_ids=existing_ids)
        if values is None:
            result.errors.append({"index": index, "errors": errors})
            continue
        objects.append(Spend(**values, created_by=by if getattr(by, "pk", None) else None))
    Spend.objects.bulk_create(objects, batch_size=1000)
    result.created = len(objects)
    snapshots_mark_dirty(experiment_ids={o.experiment_id for o in objects})
    return result
