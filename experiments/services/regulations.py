"""Writing the regulation: every edit is a new version, in force from the moment it is saved."""

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from experiments.models import MAX_COOLDOWN_HOURS, Channel, ChannelThreshold, Regulation
from experiments.permissions import can_change_regulation

INT_FIELDS = (
    "default_test_period_days",
    "min_test_period_days",
    "max_test_period_days",
    "exception_min_leads",
    "exception_cooldown_hours",
    "review_due_days",
    "sync_meeting_every_days",
    "founder_meeting_every_days",
)
DECIMAL_FIELDS = ("non_target_threshold", "exception_alpha")
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


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def _as_decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def regulation_clean(*, values: Mapping[str, Any]) -> dict[str, Any]:
    """Check a complete set of regulation values against api.md; return them typed.

    Raises `ValidationError` with a message per field. Shared by `regulation_create` and the
    admin form, so that both refuse exactly the same values.
    """
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    unknown = sorted(set(values) - set(REGULATION_FIELDS))
    for name in unknown:
        errors[name] = [_("This is not a field of the regulation.")]
    for name in INT_FIELDS:
        number = _as_int(values.get(name))
        if number is None:
            errors[name] = [
                _("Enter a whole number of hours.")
                if name == "exception_cooldown_hours"
                else _("Enter a whole number of days or leads.")
            ]
        else:
            cleaned[name] = number
    for name in DECIMAL_FIELDS:
        number = _as_decimal(values.get(name))
        if number is None:
            errors[name] = [_("Enter a decimal number such as 0.30.")]
        elif number != number.quantize(Decimal("0.0001")):
            errors[name] = [_("Use at most four decimal places.")]
        else:
            cleaned[name] = number

    def refuse(name: str, message: str) -> None:
        if name not in errors:
            errors[name] = [message]

    default = cleaned.get("default_test_period_days")
    low, high = cleaned.get("min_test_period_days"), cleaned.get("max_test_period_days")
    if default is not None and not 1 <= default <= 365:
        refuse("default_test_period_days", _("The default test period must be between 1 and 365 days."))
    if low is not None and low < 1:
        refuse("min_test_period_days", _("The minimum test period must be at least 1 day."))
    if high is not None and high > 365:
        refuse("max_test_period_days", _("The maximum test period must be at most 365 days."))
    if None not in (default, low, high) and not errors:
        if low > default:
            refuse("min_test_period_days", _("The minimum test period must not exceed the default test period."))
        if default > high:
            refuse("max_test_period_days", _("The maximum test period must not be below the default test period."))
    threshold = cleaned.get("non_target_threshold")
    if threshold is not None and not Decimal(0) < threshold < Decimal(1):
        refuse("non_target_threshold", _("The acceptable non-target share must lie strictly between 0 and 1."))
    alpha = cleaned.get("exception_alpha")
    if alpha is not None and not Decimal(0) < alpha <= Decimal("0.5"):
        refuse("exception_alpha", _("The exception alpha must be above 0 and at most 0.5."))
    cooldown = cleaned.get("exception_cooldown_hours")
    if cooldown is not None and not 0 <= cooldown <= MAX_COOLDOWN_HOURS:
        refuse(
            "exception_cooldown_hours",
            _("The exception's cooling-off must be between 0 and %(max)s hours.") % {"max": MAX_COOLDOWN_HOURS},
        )
    for name, message in (
        ("exception_min_leads", _("The exception minimum of judged leads must be at least 1.")),
        ("review_due_days", _("The days allowed to file a review must be at least 1.")),
        ("sync_meeting_every_days", _("The sync meeting cadence must be at least 1.")),
        ("founder_meeting_every_days", _("The founder meeting cadence must be at least 1.")),
    ):
        if cleaned.get(name) is not None and cleaned[name] < 1:
            refuse(name, message)
    if errors:
        raise ValidationError(errors)
    return cleaned


def regulation_thresholds_clean(*, channel_thresholds: Mapping[int, Any]) -> dict[int, Decimal]:
    """Check channel overrides `{channel_id: share}`: known channels, shares strictly inside (0, 1)."""
    cleaned: dict[int, Decimal] = {}
    problems: list[str] = []
    known = set(Channel.objects.filter(id__in=list(channel_thresholds)).values_list("id", flat=True))
    for channel_id, value in channel_thresholds.items():
        share = _as_decimal(value)
        if channel_id not in known:
            problems.append(_("There is no channel with id %(id)s.") % {"id": channel_id})
        elif share is None or not Decimal(0) < share < Decimal(1) or share != share.quantize(Decimal("0.0001")):
            problems.append(
                _(
                    "The threshold for channel %(id)s must lie strictly between 0 and 1, "
                    "with at most four decimal places."
                )
                % {"id": channel_id}
            )
        else:
            cleaned[channel_id] = share
    if problems:
        raise ValidationError({"channel_thresholds": problems})
    return cleaned


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
    values = {**regulation_defaults(), **fields}
    cleaned = regulation_clean(values=values)
    if channel_thresholds is None:
        overrides = {t.channel_id: t.non_target_threshold for t in current.channel_thresholds.all()} if current else {}
    else:
        overrides = regulation_thresholds_clean(channel_thresholds=channel_thresholds)

    for attempt in range(_VERSION_ATTEMPTS):
        version = (Regulation.objects.aggregate(top=Max("version"))["top"] or 0) + 1
        try:
            with transaction.atomic():
                regulation = Regulation.objects.create(version=version, created_by=by, **cleaned)
        except IntegrityError:
            if attempt + 1 < _VERSION_ATTEMPTS and Regulation.objects.filter(version=version).exists():
                continue
            raise
        break
    ChannelThreshold.objects.bulk_create(
        ChannelThreshold(regulation=regulation, channel_id=channel_id, non_target_threshold=share)
        for channel_id, share in overrides.items()
    )
    return regulation
