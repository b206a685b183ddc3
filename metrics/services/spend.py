"""Spend rows: marketing or sales cost of an experiment on a date, with optional visits.

Rows with an `external_id` are upserted by it (an identical row is left alone); rows without one
are added.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext as _

from experiments.models import Experiment
from metrics.models import Spend
from metrics.rows import spend_clean, utm_key
from metrics.services.dirty import snapshots_mark_dirty
from metrics.services.leads import MAX_ROWS, too_many_rows
from tracker.db import atomic_retrying_deadlocks
from tracker.validators import object_id


@dataclass
class SpendCreateResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict] = field(default_factory=list)


_FIELDS = ("experiment_id", "date", "amount", "kind", "visits")


@atomic_retrying_deadlocks
def spend_create(*, rows: list[dict], by=None) -> SpendCreateResult:
    """Store the valid spend rows (errors name the row index); mark their experiments dirty."""
    if not isinstance(rows, list):
        raise ValidationError({"non_field_errors": [_("Send a JSON list of spend rows.")]})
    if len(rows) > MAX_ROWS:
        raise ValidationError({"non_field_errors": [too_many_rows(len(rows))]})
    named_ids = set()
    for row in rows:
        if isinstance(row, dict) and (named := object_id(row.get("experiment"))) is not None:
            named_ids.add(named)
    existing_ids = set(Experiment.objects.filter(id__in=named_ids).values_list("id", flat=True))
    by_key = {
        utm_key(utm): pk
        for pk, utm in Experiment.objects.exclude(status=Experiment.Status.CANCELLED).values_list("id", "utm_campaign")
    }
    result = SpendCreateResult()
    added: list[Spend] = []
    keyed: dict[str, Spend] = {}
    seen: dict[str, int] = {}
    creator = by if getattr(by, "pk", None) else None
    for index, row in enumerate(rows):
        values, errors = spend_clean(row, experiments_by_key=by_key, experiment_ids=existing_ids)
        if values is not None and values["external_id"] in seen:
            errors = {
                "external_id": [
                    _("Also in row %(row)s of this request; send each row once.") % {"row": seen[values["external_id"]]}
                ]
            }
            values = None
        if values is None:
            result.errors.append({"index": index, "errors": errors})
            continue
        spend = Spend(**values, created_by=creator)
        if spend.external_id is None:
            added.append(spend)
        else:
            keyed[spend.external_id] = spend
            seen[spend.external_id] = index
    affected = {spend.experiment_id for spend in added}
    Spend.objects.bulk_create(added, batch_size=1000)
    result.created = len(added)
    if keyed:
        changed = _upsert(keyed, result)
        affected.update(spend.experiment_id for spend in changed)
    snapshots_mark_dirty(experiment_ids=affected)
    return result


def _upsert(keyed: dict[str, Spend], result: SpendCreateResult) -> list[Spend]:
    """Insert the new external ids, update the changed ones; returns the rows written plus, for
    moved rows, the previous version (whose experiment is affected too).

    Every external_id is locked first (in order, so overlapping requests wait for each other instead
    of deadlocking), then the known rows are read: a concurrent change cannot slip between the
    comparison and the write, and the previous experiment of a moved row is always known. The
    conflict clause is a last guard on the unique index.
    """
    ids = sorted(keyed)
    if connection.vendor == "postgresql":
        # New ids cannot be row-locked: a lock per external_id (in order) makes a concurrent request
        # with the same rows wait, then see them committed, so its counts and moves are exact too.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended('metrics_spend:' || x, 0)) "
                "FROM (SELECT unnest(%s::text[]) AS x ORDER BY 1) AS ordered",
                [ids],
            )
    current: dict[str, Spend] = {}
    for start in range(0, len(ids), 1000):
        chunk = (
            Spend.objects.select_for_update().filter(external_id__in=ids[start : start + 1000]).order_by("external_id")
        )
        current.update((spend.external_id, spend) for spend in chunk)
    write, previous = [], []
    for external_id in ids:
        spend = keyed[external_id]
        before = current.get(external_id)
        if before is None:
            result.created += 1
        elif all(getattr(before, name) == getattr(spend, name) for name in _FIELDS):
            result.unchanged += 1
            continue
        else:
            result.updated += 1
            previous.append(before)
        write.append(spend)
    Spend.objects.bulk_create(
        write,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["external_id"],
        update_fields=list(_FIELDS),
    )
    return write + previous
