"""Recording unlocks: once, with the numbers of the moment, never undone."""

import datetime as dt
from decimal import Decimal
from functools import partial

import pytest
from django.utils import timezone

from experiments.models import Experiment, ReviewUnlock
from experiments.review_lock import review_lock_state, with_lock_data
from experiments.services.unlocks import unlock_record_from_state, unlocks_record_due
from metrics.models import MetricSnapshot
from tests.factories import ExperimentFactory

pytestmark = pytest.mark.django_db


def snapshot(experiment: Experiment, *, n: int, k: int) -> None:
    MetricSnapshot.objects.update_or_create(
        experiment=experiment,
        defaults={"data": {"judged_leads": n, "non_target_leads": k}, "computed_at": timezone.now()},
    )


def enqueued(callbacks) -> list[tuple[str, tuple]]:
    """The tasks that on-commit callbacks would send, as (task name, args)."""
    return [(cb.func.__self__.name, cb.args) for cb in callbacks if isinstance(cb, partial)]


def test_exception_is_recorded_with_its_numbers_and_moves_the_status(django_capture_on_commit_callbacks):
    experiment = ExperimentFactory(running=True)
    snapshot(experiment, n=20, k=15)
    with django_capture_on_commit_callbacks() as callbacks:
        created = unlocks_record_due(experiment_ids=[experiment.id])

    assert len(created) == 1
    unlock = ReviewUnlock.objects.get(experiment=experiment)
    assert unlock.reason == ReviewUnlock.Reason.EXCEPTION
    assert (unlock.judged_leads, unlock.non_target_leads) == (20, 15)
    assert unlock.evidence == pytest.approx(1819.38, abs=0.01)
    assert unlock.threshold == Decimal("0.3")
    assert timezone.now() - unlock.unlocked_at < dt.timedelta(minutes=1)
    experiment.refresh_from_db()
    assert experiment.status == Experiment.Status.AWAITING_REVIEW
    # The change of status is in the experiment's history, not silent.
    assert experiment.history.first().status == Experiment.Status.AWAITING_REVIEW
    assert enqueued(callbacks) == [("experiments.tasks.notify_review_unlocked", (unlock.id,))]


@pytest.mark.parametrize(("n", "k"), [(1, 1), (20, 12), (9, 9)])
def test_nothing_is_recorded_while_the_evidence_is_short(n, k):
    experiment = ExperimentFactory(running=True)
    snapshot(experiment, n=n, k=k)
    assert unlocks_record_due(experiment_ids=[experiment.id]) == []
    experiment.refresh_from_db()
    assert experiment.status == Experiment.Status.RUNNING
    assert not ReviewUnlock.objects.exists()


def test_recording_twice_keeps_the_first_record():
    experiment = ExperimentFactory(running=True)
    snapshot(experiment, n=20, k=15)
    first = unlocks_record_due(experiment_ids=[experiment.id])[0]
    snapshot(experiment, n=40, k=35)
    assert unlocks_record_due(experiment_ids=[experiment.id]) == []
    # A stale state computed before the first record cannot write a second one either.
    stale = review_lock_state(with_lock_data(Experiment.objects.all()).get(pk=experiment.pk), counts=(40, 35))
    assert stale.recorded
    assert unlock_record_from_state(experiment=experiment, state=stale) is None
    unlock = ReviewUnlock.objects.get(experiment=experiment)
    assert (unlock.pk, unlock.judged_leads, unlock.non_target_leads) == (first.pk, 20, 15)


def test_a_later_drop_of_the_share_never_relocks():
    experiment = ExperimentFactory(running=True)
    snapshot(experiment, n=20, k=15)
    unlocks_record_due(experiment_ids=[experiment.id])
    snapshot(experiment, n=300, k=60)
    unlocks_record_due(experiment_ids=[experiment.id])
    state = review_lock_state(with_lock_data(Experiment.objects.all()).get(pk=experiment.pk))
    assert state.unlocked and state.reason == ReviewUnlock.Reason.EXCEPTION
    experiment.refresh_from_db()
    assert experiment.status == Experiment.Status.AWAITING_REVIEW


def test_period_end_is_recorded_at_the_end_of_the_period():
    today = timezone.localdate()
    experiment = ExperimentFactory(
        running=True,
        start_date=today - dt.timedelta(days=40),
        test_period_days=30,
        launched_at=timezone.now() - dt.timedelta(days=40),
    )
    unlock = unlocks_record_due(experiment_ids=[experiment.id])[0]
    assert unlock.reason == ReviewUnlock.Reason.PERIOD_ENDED
    assert timezone.localtime(unlock.unlocked_at).date() == today - dt.timedelta(days=10)
    assert (unlock.judged_leads, unlock.non_target_leads) == (0, 0)


def test_drafts_cancelled_and_reviewed_experiments_are_left_alone():
    old = dt.date(2020, 1, 1)
    ids = [
        ExperimentFactory(start_date=old).id,
        ExperimentFactory(running=True, start_date=old, status=Experiment.Status.CANCELLED).id,
        ExperimentFactory(running=True, start_date=old, status=Experiment.Status.REVIEWED).id,
    ]
    assert unlocks_record_due(experiment_ids=ids) == []
    assert not ReviewUnlock.objects.exists()


def test_without_notice_the_record_is_marked_as_notified(django_capture_on_commit_callbacks):
    experiment = ExperimentFactory(running=True)
    snapshot(experiment, n=10, k=10)
    state = review_lock_state(with_lock_data(Experiment.objects.all()).get(pk=experiment.pk))
    with django_capture_on_commit_callbacks() as callbacks:
        unlock = unlock_record_from_state(experiment=experiment, state=state, notify=False)
    assert unlock.notified_at is not None
    assert enqueued(callbacks) == []
