"""Filing and amending reviews: only a sales head, only once the lock is open, exactly once.

The lock holds on every path (API, web form, admin) because every path calls `review_file`.
Concurrent filings are settled twice over: the experiment row is locked (`select_for_update`)
while the first filing is checked and written, and the database's partial unique constraint
"one original review per experiment" refuses any second original that slips past on a backend
without row locks.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from experiments.models import Experiment, Review, ReviewUnlock
from experiments.permissions import User, can_file_reviews
from experiments.review_lock import LockState, json_float, recorded_unlock, review_lock_state, with_lock_data
from experiments.services.unlocks import unlock_record_from_state
from tracker.errors import Conflict
from tracker.validation import validate

AMENDABLE_FIELDS = ("verdict", "summary", "loss_reasons", "recommendation")


def _validated_fields(*, verdict: str, summary: str, loss_reasons: str, recommendation: str) -> dict:
    """The review's own words, trimmed and checked by the model before any lock or recompute."""
    fields = {
        "verdict": verdict,
        "summary": (summary or "").strip(),
        "loss_reasons": (loss_reasons or "").strip(),
        "recommendation": recommendation,
    }
    validate(Review(**fields), only=fields)
    return fields


def _refuse_unless_reviewable(experiment: Experiment) -> None:
    if experiment.status in (Experiment.Status.DRAFT, Experiment.Status.CANCELLED):
        raise Conflict(
            _("This experiment is %(status)s: only a launched experiment is reviewed.")
            % {"status": experiment.get_status_display().lower()},
            code="not_running",
        )
    if experiment.status == Experiment.Status.REVIEWED:
        raise Conflict(
            _("This experiment has been reviewed already; file an amendment to change the review."),
            code="already_reviewed",
        )


def _fresh_metrics(experiment: Experiment) -> dict:
    """Recompute the experiment's snapshot now and return the payload to freeze in the review.

    Called with the experiment row locked: the recompute then takes the snapshot and records the
    unlock on that row, in the lock order of `metrics.services.snapshots`.
    """
    from metrics.services import snapshots_recompute

    snapshot = snapshots_recompute(experiment_ids=[experiment.pk])[experiment.pk]
    computed_at = snapshot.computed_at.isoformat() if snapshot.computed_at else None
    return {"computed_at": computed_at, **snapshot.data}


def _locked_experiment(pk: int) -> Experiment:
    # `of=("self",)`: PostgreSQL cannot lock the nullable side of the joined snapshot and unlock.
    return with_lock_data(Experiment.objects.select_for_update(of=("self",), no_key=True)).get(pk=pk)


def _open_lock(experiment: Experiment, metrics: dict) -> LockState:
    """The lock with the counts just computed; refused (409 `review_locked`) while it is closed, also
    while the exception waits out the regulation's cooling-off (with `opens_at`)."""
    state = review_lock_state(
        experiment, counts=(int(metrics.get("judged_leads") or 0), int(metrics.get("non_target_leads") or 0))
    )
    if not state.unlocked:
        raise Conflict(
            state.locked_sentence(),
            code="review_locked",
            unlocks_on=state.unlocks_on.isoformat(),
            evidence=json_float(state.evidence),
            evidence_needed=state.evidence_needed,
            opens_at=state.opens_at.isoformat() if state.opens_at else None,
        )
    return state


def _file_checks(*, experiment: Experiment, by: User, **fields: str) -> dict:
    """What filing checks before it locks anything: role, state, fields (returned cleaned)."""
    if not can_file_reviews(by):
        raise PermissionDenied(_("Only sales heads file reviews."))
    _refuse_unless_reviewable(experiment)
    return _validated_fields(**fields)


def review_file_check(
    *, experiment: Experiment, by: User, verdict: str, summary: str, loss_reasons: str = "", recommendation: str
) -> None:
    """Raise what `review_file` would refuse with now, without filing: for a form that shows a
    summary to confirm first. Recomputes the metrics, as filing does; `review_file` checks again."""
    fields = {"verdict": verdict, "summary": summary, "loss_reasons": loss_reasons, "recommendation": recommendation}
    _file_checks(experiment=experiment, by=by, **fields)
    metrics = _fresh_metrics(experiment)
    _open_lock(with_lock_data(Experiment.objects).get(pk=experiment.pk), metrics)


@transaction.atomic
def review_file(
    *,
    experiment: Experiment,
    by: User,
    verdict: str,
    summary: str,
    loss_reasons: str = "",
    recommendation: str,
) -> Review:
    """File the review of an experiment whose lock is open; freezes fresh metrics and the regulation.

    Raises PermissionDenied (not a sales head), Conflict `not_running` (draft or cancelled),
    `already_reviewed`, `review_locked` (with `unlocks_on`, `evidence`, `evidence_needed`,
    `opens_at`: also while the exception waits out the regulation's cooling-off), or
    ValidationError per field.
    """
    fields = _file_checks(
        experiment=experiment,
        by=by,
        verdict=verdict,
        summary=summary,
        loss_reasons=loss_reasons,
        recommendation=recommendation,
    )
    # Concurrent filers wait here. The row before its snapshot: the lock order of metrics.services.snapshots.
    Experiment.objects.select_for_update(no_key=True).filter(pk=experiment.pk).values_list("pk").first()
    metrics = _fresh_metrics(experiment)

    experiment = _locked_experiment(experiment.pk)  # read again: the recompute may record the unlock
    _refuse_unless_reviewable(experiment)  # again, now that concurrent filers waited on the row
    state = _open_lock(experiment, metrics)
    # Opened by the date or by these very numbers before any job recorded it: record it now. Nobody
    # needs the "review is open" notice for a review that is being filed.
    unlock = recorded_unlock(experiment) or unlock_record_from_state(experiment=experiment, state=state, notify=False)
    if unlock is None:
        unlock = ReviewUnlock.objects.get(experiment=experiment)
    try:
        with transaction.atomic():
            review = Review.objects.create(
                experiment=experiment,
                version=1,
                author=by,
                unlock_reason=unlock.reason,
                regulation=experiment.regulation,
                metrics=metrics,
                **fields,
            )
    except IntegrityError as exc:
        raise Conflict(
            _("This experiment has been reviewed already; file an amendment to change the review."),
            code="already_reviewed",
        ) from exc
    experiment.refresh_from_db(fields=["status"])
    experiment.status = Experiment.Status.REVIEWED
    experiment.save(update_fields=["status", "updated_at"])
    return review


def review_amend_check(*, review: Review, by: User, **fields: str) -> tuple[Review, dict]:
    """Raise what `review_amend` would refuse with (role, fields, no change), without filing.
    Returns the original review and the merged, cleaned fields."""
    if not can_file_reviews(by):
        raise PermissionDenied(_("Only sales heads amend reviews."))
    unknown = sorted(set(fields) - set(AMENDABLE_FIELDS))
    if unknown:
        raise ValidationError({name: [_("This field cannot be amended.")] for name in unknown})
    original = review.amends or review
    latest = Review.objects.filter(experiment_id=original.experiment_id).order_by("-version").first()
    merged = {name: fields.get(name, getattr(latest, name)) for name in AMENDABLE_FIELDS}
    cleaned = _validated_fields(**merged)
    if all(cleaned[name] == getattr(latest, name) for name in AMENDABLE_FIELDS):
        raise ValidationError(_("The amendment changes nothing; change the verdict, a text or the recommendation."))
    return original, cleaned


@transaction.atomic
def review_amend(*, review: Review, by: User, **fields: str) -> Review:
    """File a new version of a review (the filed versions stay as they are).

    `fields` are any of verdict, summary, loss_reasons, recommendation; the rest carry over from the
    latest version. The new version links to the original review and freezes fresh metrics.
    """
    original, cleaned = review_amend_check(review=review, by=by, **fields)
    experiment = _locked_experiment(original.experiment_id)  # the row before its snapshot
    metrics = _fresh_metrics(experiment)
    # Read the latest version again under the row lock: a concurrent amendment may have landed.
    latest = Review.objects.filter(experiment=experiment).order_by("-version").first()
    try:
        with transaction.atomic():
            return Review.objects.create(
                experiment=experiment,
                version=latest.version + 1,
                amends=original,
                author=by,
                unlock_reason=original.unlock_reason,
                regulation=original.regulation,
                metrics=metrics,
                **cleaned,
            )
    except IntegrityError as exc:
        raise Conflict(
            _("Someone amended this review at the same moment; reload it and amend the newest version."),
            code="amend_conflict",
        ) from exc


def review_current(*, experiment_id: int) -> Review | None:
    """The newest version of an experiment's review, or None (a read, for the API and pages)."""
    return review_versions(experiment_id=experiment_id).order_by("-version").first()


def review_versions(*, experiment_id: int) -> QuerySet[Review]:
    """Every version of an experiment's review, oldest first."""
    return (
        Review.objects.filter(experiment_id=experiment_id)
        .select_related("author", "regulation", "amends")
        .order_by("version")
    )
