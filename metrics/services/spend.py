"""Spend rows: marketing or sales cost of an experiment on a date, with optional visits.

In bulk (`spend_create`, the JSON API): rows with an `external_id` are upserted by it (an identical
row is left alone); rows without one are added. One row at a time (`spend_row_*`, the experiment
page): added, corrected or deleted by the people `metrics.permissions.spend_kinds_allowed` names,
checked by the model's own rules.

Every change marks the experiment's snapshot dirty in the same transaction, after the spend rows
are written (the lock order of `metrics.services.snapshots`), and the recompute is enqueued on
commit.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.utils.translation import gettext as _

from experiments.models import Experiment
from metrics.models import Spend
from metrics.permissions import SPEND_REFUSAL, can_change_spend, spend_kinds_allowed
from metrics.rows import spend_clean, utm_key
from metrics.services.dirty import snapshots_mark_dirty
from metrics.services.leads import MAX_ROWS, too_many_rows
from tracker.db import atomic_retrying_deadlocks
from tracker.numbers import parse_decimal
from tracker.permissions import User
from tracker.validation import refusal, validate


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
        if isinstance(row, dict) and str(row.get("experiment") or "").strip().isdigit():
            named_ids.add(int(row["experiment"]))
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


# --- one row at a time (the experiment page) ----------------------------------------------------

EDITABLE_FIELDS = ("date", "amount", "kind", "visits")


def _assign(spend: Spend, values: dict[str, Any]) -> dict[str, list[ValidationError]]:
    """Set the given fields on `spend`, typed; returns the refusals of values not of the field's type
    (the model's own words), which `validate` then does not check again."""
    refused: dict[str, list[ValidationError]] = {}
    if "date" in values:
        day = values["date"]
        if isinstance(day, dt.date) and not isinstance(day, dt.datetime):
            spend.date = day
        else:
            refused["date"] = [refusal(Spend, "date")]
    if "amount" in values:
        amount = values["amount"]
        number = amount if isinstance(amount, Decimal) else parse_decimal(amount)
        if number is None:
            refused["amount"] = [refusal(Spend, "amount")]
        else:
            spend.amount = number
    if "kind" in values:
        spend.kind = values["kind"]
    if "visits" in values:
        visits = values["visits"]
        if visits is None or (isinstance(visits, int) and not isinstance(visits, bool)):
            spend.visits = visits
        else:
            refused["visits"] = [refusal(Spend, "visits")]
    return refused


def _check_may_change(by: User, experiment: Experiment, kind: str) -> None:
    if not can_change_spend(by, experiment, kind):
        raise PermissionDenied(str(SPEND_REFUSAL))


@atomic_retrying_deadlocks
def spend_row_create(
    *,
    experiment: Experiment,
    by: User,
    date: dt.date,
    amount: Decimal,
    kind: str,
    visits: int | None = None,
) -> Spend:
    """Add one spend row to the experiment. Raises PermissionDenied, or ValidationError per field."""
    if not spend_kinds_allowed(by, experiment):
        raise PermissionDenied(str(SPEND_REFUSAL))
    spend = Spend(experiment=experiment, created_by=by)
    refused = _assign(spend, {"date": date, "amount": amount, "kind": kind, "visits": visits})
    validate(spend, refused=refused, exclude=("external_id", "created_by"))
    # After validation: the kind is one of the choices, so a refusal here is about who, not what.
    _check_may_change(by, experiment, spend.kind)
    spend.save()
    snapshots_mark_dirty(experiment_ids=[experiment.pk])
    return spend


@atomic_retrying_deadlocks
def spend_row_update(*, spend: Spend, by: User, **fields: Any) -> Spend:
    """Correct a spend row: any of date, amount, kind, visits; the fields not given keep their values.

    Only the fields that change are checked, so a row stored before a rule (an old date, say) can
    still have its amount corrected. Changing the kind needs the right to both kinds. A row synced from
    another system (`external_id`) may be corrected too; that system's next sync of it wins.
    Raises PermissionDenied, ValidationError per field, or Http404 when the row was deleted meanwhile.
    """
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"spend_row_update() got unexpected fields: {', '.join(sorted(unknown))}")
    # The row lock queues corrections of one row (and a sync of its external_id): each applies to
    # the row as the one before it left it. Only the spend row is locked, not its experiment.
    locked = Spend.objects.select_for_update().filter(pk=spend.pk).first()
    if locked is None:
        raise Http404(_("This spend row no longer exists."))
    experiment = locked.experiment
    _check_may_change(by, experiment, locked.kind)
    before = {name: getattr(locked, name) for name in EDITABLE_FIELDS}
    refused = _assign(locked, fields)
    changed = [name for name in EDITABLE_FIELDS if getattr(locked, name) != before[name]]
    validate(locked, refused=refused, only=changed)
    _check_may_change(by, experiment, locked.kind)
    if changed:
        locked.save(update_fields=changed)
        snapshots_mark_dirty(experiment_ids=[experiment.pk])
    return locked


@atomic_retrying_deadlocks
def spend_row_delete(*, spend: Spend, by: User) -> None:
    """Delete a spend row. A row already deleted by someone else is not an error: the result is the
    same. Raises PermissionDenied."""
    locked = Spend.objects.select_for_update().filter(pk=spend.pk).first()
    if locked is None:
        return
    experiment = locked.experiment
    _check_may_change(by, experiment, locked.kind)
    locked.delete()
    snapshots_mark_dirty(experiment_ids=[experiment.pk])
