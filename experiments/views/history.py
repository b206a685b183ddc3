"""The experiment's change history in words: who changed which fields, from what to what."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.formats import date_format

from experiments.models import Channel, Experiment, Regulation
from experiments.web_selectors import experiment_history

# Bookkeeping columns that change with every save and say nothing to a reader.
_SKIPPED = {"updated_at", "created_at", "ends_on"}
_RELATED = {"channel": (Channel, str), "regulation": (Regulation, str), "owner": (get_user_model(), str)}


def _shown(field, value, names: dict) -> str:
    if value is None or value == "":
        return "—"
    if field.name in names:
        return names[field.name].get(value, str(value))
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, dt.datetime):
        return date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(value, dt.date):
        return date_format(value, "DATE_FORMAT")
    return str(value)


def history_entries(experiment: Experiment) -> list[dict]:
    """Newest first: the registration, then each save that changed something a person reads."""
    records = experiment_history(experiment=experiment)
    diffs = []
    wanted: dict[str, set] = {name: set() for name in _RELATED}
    # A row may have no record at all (made by a bulk insert, or its history pruned): nothing to show.
    for newer, older in zip(records, [*records[1:], None][: len(records)], strict=True):
        changes = [] if older is None else [c for c in newer.diff_against(older).changes if c.field not in _SKIPPED]
        for change in changes:
            if change.field in wanted:
                wanted[change.field].update(v for v in (change.old, change.new) if v is not None)
        diffs.append((newer, older, changes))
    # One query per kind of related row that changed, whatever the number of versions.
    names = {
        name: {pk: label(obj) for pk, obj in model.objects.in_bulk(list(ids)).items()}
        for name, (model, label) in _RELATED.items()
        if (ids := wanted[name])
    }
    entries = []
    for newer, older, changes in diffs:
        user = newer.history_user
        who = (user.get_full_name() or user.username) if user else ""
        if older is not None and not changes:
            continue
        rows = []
        for change in changes:
            field = Experiment._meta.get_field(change.field)
            rows.append(
                {
                    "field": str(field.verbose_name),
                    "old": _shown(field, change.old, names),
                    "new": _shown(field, change.new, names),
                }
            )
        created = older is None
        entries.append(
            {
                "when": newer.history_date,
                "who": who,
                "changes": rows,
                "created": created,
                "adjusts": experiment.adjusted_from if created else None,
            }
        )
    # The drafts that adjust it belong to its story too, though they change none of its fields.
    for adjustment in experiment.adjustments.all():
        owner = adjustment.owner
        entries.append(
            {
                "when": adjustment.created_at,
                "who": owner.get_full_name() or owner.username,
                "changes": [],
                "created": False,
                "adjustment": adjustment,
            }
        )
    entries.sort(key=lambda entry: entry["when"], reverse=True)
    return entries
