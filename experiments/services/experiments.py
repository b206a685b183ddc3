"""Experiments: register (draft), edit while a draft, launch, cancel.

Only drafts change freely. Launch pins the regulation in force, so that the rules of a test never
change under it; every change after that is recorded by the history table.
"""

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from experiments.models import Channel, Experiment, Regulation
from experiments.permissions import can_manage_experiment, can_register_experiments
from experiments.review_lock import review_lock_state
from experiments.targets import targets_typed
from metrics.services.dirty import snapshots_mark_dirty
from tracker.db import atomic_retrying_deadlocks
from tracker.errors import Conflict
from tracker.numbers import parse_decimal
from tracker.validation import refusal, validate, violation_message

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
# The lead cohort of an experiment is its utm_campaign over its test period (metrics.md).
COHORT_FIELDS = ("utm_campaign", "start_date", "test_period_days")


def _regulation_in_force() -> Regulation:
    return Regulation.objects.order_by("-version").first()


def _typed(values: Mapping[str, Any], refused: dict[str, list]) -> dict[str, Any]:
    """The editable values as the model's fields take them; what is not of a field's type is refused."""
    typed: dict[str, Any] = {}
    for name in ("title", "hypothesis", "utm_campaign"):
        text = values.get(name)
        typed[name] = text.strip() if isinstance(text, str) else ""  # the model refuses it blank
    channel = values.get("channel")
    if isinstance(channel, Channel):
        typed["channel"] = channel
    else:
        refused["channel"] = [_("Choose a channel.")]
    start_date = values.get("start_date")
    if isinstance(start_date, dt.date) and not isinstance(start_date, dt.datetime):
        typed["start_date"] = start_date
    else:
        refused["start_date"] = [refusal(Experiment, "start_date")]
    period = values.get("test_period_days")
    if isinstance(period, int) and not isinstance(period, bool):
        typed["test_period_days"] = period
    elif period is not None:
        refused["test_period_days"] = [refusal(Experiment, "test_period_days")]
    budget = values.get("budget")
    typed["budget"] = None if budget is None else parse_decimal(budget)
    if budget is not None and typed["budget"] is None:
        refused["budget"] = [refusal(Experiment, "budget")]
    try:
        typed["targets"] = targets_typed(values.get("targets"))
    except ValidationError as exc:
        refused["targets"] = exc.error_list
    return typed


def _check_period(period: int | None, regulation: Regulation, refused: dict[str, list]) -> int:
    """The test period, the regulation's default when none is given; it must lie in the regulation's range."""
    if period is None:
        return regulation.default_test_period_days
    if not regulation.min_test_period_days <= period <= regulation.max_test_period_days:
        refused["test_period_days"] = [
            _("The regulation (v%(version)s) allows a test period of %(low)s to %(high)s days.")
            % {
                "version": regulation.version,
                "low": regulation.min_test_period_days,
                "high": regulation.max_test_period_days,
            }
        ]
    return period


def experiment_validate(*, experiment: Experiment, values: Mapping[str, Any]) -> Experiment:
    """Set a draft's editable fields from `values` (a complete set) and check it; sets `ends_on`.

    The model checks its fields and constraints (the utm_campaign free among experiments not
    cancelled); here the input is typed and the test period checked against the regulation in force,
    whose default it takes when None. Raises ValidationError per field. Used by the services and by
    forms (admin) that want field errors before they call a service.
    """
    refused: dict[str, list] = {
        name: [_("This field cannot be set here.")] for name in sorted(set(values) - set(EDITABLE_FIELDS))
    }
    typed = _typed(values, refused)
    if "test_period_days" not in refused:
        typed["test_period_days"] = _check_period(typed.get("test_period_days"), _regulation_in_force(), refused)
    for name, value in typed.items():
        if name not in refused:
            setattr(experiment, name, value)
    # The owner comes from who acts, never from input; ends_on follows from the fields checked here.
    validate(experiment, refused=refused, exclude={"owner", "ends_on"})
    experiment.ends_on = Experiment.compute_ends_on(experiment.start_date, experiment.test_period_days)
    return experiment


def _save(experiment: Experiment, *, by: AbstractBaseUser) -> None:
    """Save, turning the database's utm uniqueness (a concurrent registration) into a field error."""
    experiment._history_user = by  # the history table records who changed what
    try:
        with transaction.atomic():
            experiment.save()
    except IntegrityError as exc:
        if _UTM_CONSTRAINT in str(exc) or "utm_campaign" in str(exc):
            raise ValidationError({"utm_campaign": [violation_message(Experiment, _UTM_CONSTRAINT)]}) from exc
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
    experiment = experiment_validate(
        experiment=Experiment(owner=by, status=Experiment.Status.DRAFT),
        values={
            "title": title,
            "hypothesis": hypothesis,
            "channel": channel,
            "utm_campaign": utm_campaign,
            "start_date": start_date,
            "test_period_days": test_period_days,
            "budget": budget,
            "targets": targets,
        },
    )
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
    experiment_validate(experiment=experiment, values={**current, **fields})
    cohort_changed = any(getattr(experiment, name) != current[name] for name in COHORT_FIELDS)
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
def experiment_cancel(*, experiment: Experiment, by: AbstractBaseUser, reason: str = "") -> Experiment:
    """Stop a draft or a running test. Its utm_campaign becomes free for another experiment.

    `reason` (why, in the canceller's words) is stored with it and so lands in its history. A running
    test whose review has unlocked is awaiting review: its result is due, so it can no longer be
    cancelled; nor while its exception waits out the regulation's cooling-off, which would otherwise
    be a way around the early review.
    """
    if not isinstance(reason, str):
        raise ValidationError({"reason": [_("The reason must be text.")]})
    reason = reason.strip()
    try:
        Experiment._meta.get_field("cancel_reason").clean(reason, None)
    except ValidationError as exc:
        raise ValidationError({"reason": exc.messages}) from exc
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
    experiment.cancel_reason = reason
    _save(experiment, by=by)
    return experiment


_ADJUSTED_UTM_SUFFIX = "_adj"


def adjusted_utm_campaign(utm_campaign: str) -> str:
    """A utm_campaign for an adjusted hypothesis that no experiment in use has: `<utm>_adj`, else
    `<utm>_adj2`, `_adj3`... (letter case ignored, as the uniqueness of utm_campaign). A new key
    keeps the adjusted test's leads apart from the first test's."""
    limit = Experiment._meta.get_field("utm_campaign").max_length or 255
    base = utm_campaign.strip()[: limit - len(_ADJUSTED_UTM_SUFFIX) - 4] + _ADJUSTED_UTM_SUFFIX
    taken = {
        utm.lower()
        for utm in Experiment.objects.exclude(status=Experiment.Status.CANCELLED)
        .filter(utm_campaign__istartswith=base)
        .values_list("utm_campaign", flat=True)
    }
    number = 1
    while (candidate := base if number == 1 else f"{base}{number}").lower() in taken:
        number += 1
    return candidate


def experiment_adjusted_values(*, experiment: Experiment) -> dict[str, Any]:
    """What a draft adjusting `experiment` starts from: its hypothesis, channel, budget and targets,
    a title that says it is adjusted, a new utm_campaign and today's date. The test period carries
    over when the regulation in force still allows it; otherwise its default applies."""
    limit = Experiment._meta.get_field("title").max_length or 200
    adjusted = _("%(title)s (adjusted)")
    room = limit - len(adjusted % {"title": ""})
    regulation = _regulation_in_force()
    period = experiment.test_period_days
    return {
        "title": adjusted % {"title": experiment.title[:room]},
        "hypothesis": experiment.hypothesis,
        "channel": experiment.channel,
        "utm_campaign": adjusted_utm_campaign(experiment.utm_campaign),
        "start_date": timezone.localdate(),
        "test_period_days": period
        if regulation.min_test_period_days <= period <= regulation.max_test_period_days
        else None,
        "budget": experiment.budget,
        "targets": dict(experiment.targets or {}),
    }


@transaction.atomic
def experiment_adjust(*, experiment: Experiment, by: AbstractBaseUser, **changes: Any) -> Experiment:
    """Register a new draft, owned by `by`, that adjusts the hypothesis of a reviewed experiment.

    It starts from `experiment_adjusted_values`; `changes` (any editable field: the utm_campaign
    the person confirmed, a new title...) replace those values. The draft links back to the
    experiment (`adjusted_from`), which lists it among its `adjustments`.
    """
    _check_may_manage(experiment, by)
    if experiment.status != Experiment.Status.REVIEWED:
        raise Conflict(
            _("Only a reviewed experiment can be run again as an adjusted hypothesis; this one is %(status)s.")
            % {"status": experiment.get_status_display().lower()},
            code="not_reviewed",
        )
    values = {**experiment_adjusted_values(experiment=experiment), **changes}
    draft = experiment_validate(
        experiment=Experiment(owner=by, status=Experiment.Status.DRAFT, adjusted_from=experiment), values=values
    )
    _save(draft, by=by)
    # Leads may already carry the new utm_campaign: compute the draft's metrics soon.
    snapshots_mark_dirty(experiment_ids=[draft.id])
    return draft
