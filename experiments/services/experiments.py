"""Experiments: register (draft), edit while a draft, launch, cancel.

Only drafts change freely. Launch pins the regulation in force, so that the rules of a test never
change under it; every change after that is recorded by the history table.
"""

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Value
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from experiments.models import Channel, Experiment, Regulation
from experiments.permissions import can_manage_experiment, can_register_experiments
from experiments.review_lock import review_lock_state
from metrics.catalog import COUNT, MONEY, target_field, target_fields
from metrics.services.dirty import snapshots_mark_dirty
from tracker.db import atomic_retrying_deadlocks
from tracker.errors import Conflict

EDITABLE_FIELDS = (
    "title",
    "hypothesis",
    "channel",
    "utm_campaign",
    "start_date",
    "test_period_days",
    "budget",
    "targets",
)

_UTM_CONSTRAINT = "experiment_utm_unique_among_active"
_MONEY_LIMIT = Decimal("999999999999.99")
# The lead cohort of an experiment is its utm_campaign over its test period (metrics.md).
COHORT_FIELDS = ("utm_campaign", "start_date", "test_period_days")


def _utm_taken() -> str:
    return _("Another experiment that is not cancelled already uses this utm_campaign (letter case ignored).")


def _regulation_in_force() -> Regulation:
    return Regulation.objects.order_by("-version").first()


def _clean_money(value: Any) -> Decimal | None:
    """A non-negative amount with at most 2 decimal places, or None when it is not one."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        # str() first: a JSON float such as 1500.1 means "1500.1", not its binary expansion.
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount < 0 or amount > _MONEY_LIMIT or amount != amount.quantize(Decimal("0.01")):
        return None
    return amount.quantize(Decimal("0.01"))


def targets_clean(targets: Any) -> dict[str, Any]:
    """Typed targets: money as 2-place strings, counts as ints, shares as numbers in 0..1."""
    if targets is None:
        return {}
    if not isinstance(targets, Mapping):
        raise ValidationError({"targets": [_('Targets must be an object such as {"max_cpl": "1500.00"}.')]})
    problems: list[str] = []
    cleaned: dict[str, Any] = {}
    for key, value in targets.items():
        target = target_field(key)
        if target is None:
            known = ", ".join(field.name for field in target_fields())
            problems.append(_("Unknown target “%(key)s”; use one of: %(known)s.") % {"key": key, "known": known})
        elif target.kind == MONEY:
            amount = _clean_money(value)
            if amount is None:
                problems.append(
                    _("%(key)s must be an amount of money of at least 0 with at most 2 decimal places.") % {"key": key}
                )
            else:
                cleaned[key] = str(amount)
        elif target.kind == COUNT:
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                problems.append(_("%(key)s must be a whole number of at least 0.") % {"key": key})
            else:
                cleaned[key] = value
        else:
            if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
                problems.append(_("%(key)s must be a share between 0 and 1.") % {"key": key})
                continue
            try:
                share = Decimal(str(value))
            except InvalidOperation:
                share = Decimal("NaN")
            if not share.is_finite() or not 0 <= share <= 1:
                problems.append(_("%(key)s must be a share between 0 and 1.") % {"key": key})
            else:
                cleaned[key] = float(share)
    if problems:
        raise ValidationError({"targets": problems})
    return cleaned


def experiment_clean(*, values: Mapping[str, Any], experiment: Experiment | None = None) -> dict[str, Any]:
    """Check a complete set of editable values; return them typed, with `ends_on`.

    `test_period_days=None` takes the default of the regulation in force. Used by the services
    and by forms (admin, pages) that want field errors before they call a service.
    """
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for name in sorted(set(values) - set(EDITABLE_FIELDS)):
        errors[name] = [_("This field cannot be set here.")]

    for name, limit, required, too_long in (
        ("title", 200, _("The title is required."), _("Keep the title within %(limit)s characters.")),
        ("hypothesis", None, _("The hypothesis is required."), None),
    ):
        raw = values.get(name)
        text = raw.strip() if isinstance(raw, str) else ""
        if not text:
            errors[name] = [required]
        elif limit and len(text) > limit:
            errors[name] = [too_long % {"limit": limit}]
        else:
            cleaned[name] = text

    channel = values.get("channel")
    if not isinstance(channel, Channel):
        errors["channel"] = [_("Choose a channel.")]
    else:
        cleaned["channel"] = channel

    raw_utm = values.get("utm_campaign")
    utm = raw_utm.strip() if isinstance(raw_utm, str) else ""
    if not utm:
        errors["utm_campaign"] = [_("The utm_campaign is required: it attributes leads to the experiment.")]
    elif len(utm) > 255:
        errors["utm_campaign"] = [_("Keep the utm_campaign within %(limit)s characters.") % {"limit": 255}]
    else:
        taken = (
            Experiment.objects.exclude(status=Experiment.Status.CANCELLED)
            .annotate(utm_lower=Lower("utm_campaign"))
            .filter(utm_lower=Lower(Value(utm)))
        )
        if experiment is not None and experiment.pk is not None:
            taken = taken.exclude(pk=experiment.pk)
        if taken.exists():
            errors["utm_campaign"] = [_utm_taken()]
        else:
            cleaned["utm_campaign"] = utm

    start_date = values.get("start_date")
    if not isinstance(start_date, dt.date) or isinstance(start_date, dt.datetime):
        errors["start_date"] = [_("Enter the start date as YYYY-MM-DD.")]
    else:
        cleaned["start_date"] = start_date

    regulation = _regulation_in_force()
    period = values.get("test_period_days")
    if period is None:
        period = regulation.default_test_period_days
    if isinstance(period, bool) or not isinstance(period, int):
        errors["test_period_days"] = [_("Enter the test period as a whole number of days.")]
    elif not regulation.min_test_period_days <= period <= regulation.max_test_period_days:
        errors["test_period_days"] = [
            _("The regulation (v%(version)s) allows a test period of %(low)s to %(high)s days.")
            % {
                "version": regulation.version,
                "low": regulation.min_test_period_days,
                "high": regulation.max_test_period_days,
            }
        ]
    else:
        cleaned["test_period_days"] = period

    budget = values.get("budget")
    if budget is None:
        cleaned["budget"] = None
    else:
        amount = _clean_money(budget)
        if amount is None:
            errors["budget"] = [_("The budget must be an amount of at least 0 with at most 2 decimal places.")]
        else:
            cleaned["budget"] = amount

    try:
        cleaned["targets"] = targets_clean(values.get("targets"))
    except ValidationError as exc:
        errors.update(exc.message_dict)

    if errors:
        raise ValidationError(errors)
    cleaned["ends_on"] = Experiment.compute_ends_on(cleaned["start_date"], cleaned["test_period_days"])
    return cleaned


def _save(experiment: Experiment, *, by: AbstractBaseUser) -> None:
    """Save, turning the database's utm uniqueness (a concurrent registration) into a field error."""
    experiment._history_user = by  # the history table records who changed what
    try:
        with transaction.atomic():
            experiment.save()
    except IntegrityError as exc:
        if _UTM_CONSTRAINT in str(exc) or "utm_campaign" in str(exc):
            raise ValidationError({"utm_campaign": [_utm_taken()]}) from exc
        raise


def _check_may_manage(experiment: Experiment, by: AbstractBaseUser) -> None:
    if not can_manage_experiment(by, experiment):
        raise PermissionDenied(
            _("Only the experiment's owner, a marketing head or an administrator can change this experiment.")
        )


def _locked(experiment: Experiment) -> Experiment:
    # The row lock serialises concurrent edits, launches and cancels of one experiment. NO KEY:
    # inserts of its snapshot, spend or unlock rows need not wait for it (the lock order is in
    # metrics.services.snapshots).
    return Experiment.objects.select_for_update(no_key=True).get(pk=experiment.pk)


@transaction.atomic
def experiment_create(
    *,
    by: AbstractBaseUser,
    title: str,
    hypothesis: str,
    channel: Channel,
    utm_campaign: str,
    start_date: dt.date,
    test_period_days: int | None = None,
    budget: Decimal | None = None,
    targets: Mapping[str, Any] | None = None,
) -> Experiment:
    """Register a hypothesis as a draft owned by `by` (marketers, marketing heads, admins)."""
    if not can_register_experiments(by):
        raise PermissionDenied(_("Only marketers, marketing heads and administrators can register experiments."))
    cleaned = experiment_clean(
        values={
            "title": title,
            "hypothesis": hypothesis,
            "channel": channel,
            "utm_campaign": utm_campaign,
            "start_date": start_date,
            "test_period_days": test_period_days,
            "budget": budget,
            "targets": targets,
        }
    )
    experiment = Experiment(owner=by, status=Experiment.Status.DRAFT, **cleaned)
    _save(experiment, by=by)
    # Leads may already be there (retroactive registration): compute the draft's metrics soon.
    snapshots_mark_dirty(experiment_ids=[experiment.id])
    return experiment


@atomic_retrying_deadlocks
def experiment_update(*, experiment: Experiment, by: AbstractBaseUser, **fields: Any) -> Experiment:
    """Change a draft's fields; anything else is refused with `not_draft`."""
    experiment = _locked(experiment)
    _check_may_manage(experiment, by)
    if experiment.status != Experiment.Status.DRAFT:
        raise Conflict(
            _("Only drafts can be edited; this experiment is %(status)s.")
            % {"status": experiment.get_status_display().lower()},
            code="not_draft",
        )
    current = {name: getattr(experiment, name) for name in EDITABLE_FIELDS}
    cleaned = experiment_clean(values={**current, **fields}, experiment=experiment)
    cohort_changed = any(cleaned[name] != current[name] for name in COHORT_FIELDS)
    for name, value in cleaned.items():
        setattr(experiment, name, value)
    _save(experiment, by=by)
    if cohort_changed:
        snapshots_mark_dirty(experiment_ids=[experiment.id])
    return experiment


@atomic_retrying_deadlocks
def experiment_launch(*, experiment: Experiment, by: AbstractBaseUser) -> Experiment:
    """Start the test: draft → running, pinning the regulation version in force now."""
    experiment = _locked(experiment)
    _check_may_manage(experiment, by)
    if experiment.status != Experiment.Status.DRAFT:
        raise Conflict(
            _("Only a draft can be launched; this experiment is %(status)s.")
            % {"status": experiment.get_status_display().lower()},
            code="not_draft",
        )
    regulation = _regulation_in_force()
    if not regulation.min_test_period_days <= experiment.test_period_days <= regulation.max_test_period_days:
        # The regulation may have changed since the draft was saved; launch under the rules in force.
        raise ValidationError(
            {
                "test_period_days": [
                    _(
                        "The regulation in force (v%(version)s) allows a test period of %(low)s to %(high)s "
                        "days; edit the draft before launching it."
                    )
                    % {
                        "version": regulation.version,
                        "low": regulation.min_test_period_days,
                        "high": regulation.max_test_period_days,
                    }
                ]
            }
        )
    experiment.status = Experiment.Status.RUNNING
    experiment.regulation = regulation
    experiment.launched_at = timezone.now()
    _save(experiment, by=by)
    # The pinned threshold may differ from the one the draft was shown with: recompute soon.
    snapshots_mark_dirty(experiment_ids=[experiment.id])
    return experiment


@atomic_retrying_deadlocks
def experiment_cancel(*, experiment: Experiment, by: AbstractBaseUser) -> Experiment:
    """Stop a draft or a running test. Its utm_campaign becomes free for another experiment.

    A running test whose review has unlocked is awaiting review: its result is due, so it can no
    longer be cancelled; nor while its exception waits out the regulation's cooling-off, which
    would otherwise be a way around the early review.
    """
    experiment = _locked(experiment)
    _check_may_manage(experiment, by)
    state = review_lock_state(experiment) if experiment.status == Experiment.Status.RUNNING else None
    if state is not None and state.unlocked:
        raise Conflict(
            _("This experiment's review has unlocked; it awaits its review and can no longer be cancelled."),
            code="not_cancellable",
        )
    if state is not None and state.cooling:
        raise Conflict(
            _(
                "This experiment's non-target exception is met and its review opens after the regulation's "
                "cooling-off if the evidence still holds; it can no longer be cancelled."
            ),
            code="not_cancellable",
        )
    if experiment.status not in (Experiment.Status.DRAFT, Experiment.Status.RUNNING):
        raise Conflict(
            _("Only drafts and running experiments can be cancelled; this one is %(status)s.")
            % {"status": experiment.get_status_display().lower()},
            code="not_cancellable",
        )
    experiment.status = Experiment.Status.CANCELLED
    experiment.cancelled_at = timezone.now()
    _save(experiment, by=by)
    return experiment
