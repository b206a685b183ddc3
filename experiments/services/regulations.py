"""Writing the regulation: every edit is a new version, in force from the moment it is saved.

The rules a version must follow are the model's (field validators and constraints); here the input
is typed, the channel overrides are checked as rows of the version, and versions are numbered.
"""

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from experiments.models import ChannelThreshold, Regulation
from experiments.permissions import can_change_regulation
from tracker.numbers import parse_decimal, parse_int
from tracker.validation import model_errors, refusal, validate

DECIMAL_FIELDS = tuple(
    name for name in Regulation.RULE_FIELDS if isinstance(Regulation._meta.get_field(name), models.DecimalField)
)
INT_FIELDS = tuple(name for name in Regulation.RULE_FIELDS if name not in DECIMAL_FIELDS)
REGULATION_FIELDS = INT_FIELDS + DECIMAL_FIELDS

# Concurrent edits compute the same next version; the unique constraint refuses all but one and
# the others try again with the number that is now free.
_VERSION_ATTEMPTS = 5


def regulation_defaults() -> dict[str, Any]:
    """The values a new version starts from: the version in force, else the product defaults."""
    current = Regulation.objects.order_by("-version").first()
    if current is None:
        return {name: Regulation._meta.get_field(name).get_default() for name in REGULATION_FIELDS}
    return {name: getattr(current, name) for name in REGULATION_FIELDS}


def _typed(values: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, list]]:
    """The values as the model's fields take them, and the refusals of those that are not."""
    typed: dict[str, Any] = {}
    refused: dict[str, list] = {
        name: [_("This is not a field of the regulation.")] for name in sorted(set(values) - set(REGULATION_FIELDS))
    }
    for name in REGULATION_FIELDS:
        number = (parse_decimal if name in DECIMAL_FIELDS else parse_int)(values.get(name))
        if number is None:
            refused[name] = [refusal(Regulation, name)]
        else:
            typed[name] = number
    return typed, refused


def _channel_overrides(channel_thresholds: Mapping[int, Any]) -> dict[int, Decimal]:
    """Channel overrides `{channel_id: share}` as the version's rows take them, or one refusal per channel."""
    overrides: dict[int, Decimal] = {}
    problems: list[str] = []
    for channel_id, value in channel_thresholds.items():
        row = ChannelThreshold(channel_id=channel_id, non_target_threshold=parse_decimal(value))
        errors = model_errors(row, exclude={"regulation"})
        if "channel" in errors:
            problems.append(_("There is no channel with id %(id)s.") % {"id": channel_id})
        elif errors:
            problems.append(
                _(
                    "The threshold for channel %(id)s must lie strictly between 0 and 1, "
                    "with at most four decimal places."
                )
                % {"id": channel_id}
            )
        else:
            overrides[channel_id] = row.non_target_threshold
    if problems:
        raise ValidationError({"channel_thresholds": problems})
    return overrides


@transaction.atomic
def regulation_create(
    *,
    by: AbstractBaseUser,
    channel_thresholds: Mapping[int, Decimal] | None = None,
    **fields: Any,
) -> Regulation:
    """Create the next regulation version, in force at once. Admins only.

    Fields left out keep the value of the version in force; `channel_thresholds=None` keeps its
    channel overrides too, while `{}` drops them. Experiments already launched keep the version
    they pinned.
    """
    if not can_change_regulation(by):
        raise PermissionDenied(_("Only an administrator can change the regulation."))
    current = Regulation.objects.order_by("-version").prefetch_related("channel_thresholds").first()
    typed, refused = _typed({**regulation_defaults(), **fields})
    regulation = Regulation(created_by=by, **typed)
    validate(regulation, refused=refused, exclude={"version"})  # numbered below
    if channel_thresholds is None:
        overrides = {t.channel_id: t.non_target_threshold for t in current.channel_thresholds.all()} if current else {}
    else:
        overrides = _channel_overrides(channel_thresholds)

    for attempt in range(_VERSION_ATTEMPTS):
        regulation.version = (Regulation.objects.aggregate(top=Max("version"))["top"] or 0) + 1
        try:
            with transaction.atomic():
                regulation.save(force_insert=True)
        except IntegrityError:
            if attempt + 1 < _VERSION_ATTEMPTS and Regulation.objects.filter(version=regulation.version).exists():
                continue
            raise
        break
    ChannelThreshold.objects.bulk_create(
        ChannelThreshold(regulation=regulation, channel_id=channel_id, non_target_threshold=share)
        for channel_id, share in overrides.items()
    )
    return regulation
