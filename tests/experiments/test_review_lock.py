"""The review lock of one experiment: period end, the exception, the pinned regulation."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from experiments.models import ChannelThreshold, Experiment, Regulation, ReviewUnlock
from experiments.review_lock import review_lock_state, with_lock_data
from metrics.models import MetricSnapshot
from tests.factories import ExperimentFactory

pytestmark = pytest.mark.django_db
MOSCOW = ZoneInfo("Europe/Moscow")


def snapshot(experiment: Experiment, *, n: int, k: int) -> MetricSnapshot:
    return MetricSnapshot.objects.update_or_create(
        experiment=experiment,
        defaults={"data": {"judged_leads": n, "non_target_leads": k}, "computed_at": timezone.now()},
    )[0]


def fresh(experiment: Experiment) -> Experiment:
    return with_lock_data(Experiment.objects.all()).get(pk=experiment.pk)


def new_regulation(**fields) -> Regulation:
    current = Regulation.objects.order_by("-version").first()
    return Regulation.objects.create(version=current.version + 1, **fields)


def test_running_experiment_is_locked_before_its_period_ends():
    experiment = ExperimentFactory(running=True, start_date=dt.date(2026, 12, 1), test_period_days=30)
    with time_machine.travel(dt.datetime(2026, 12, 30, 23, 59, tzinfo=MOSCOW)):
        state = review_lock_state(fresh(experiment))
    assert not state.unlocked
    assert state.reason is None
    assert state.unlocks_on == dt.date(2026, 12, 31)
    assert state.as_dict() == {
        "unlocked": False,
        "reason": None,
        "unlocks_on": "2026-12-31",
        "unlocked_at": None,
        "evidence": 1.0,
        "evidence_needed": 20.0,
        "opens_at": None,
        "opened_on": None,
        "review_due_on": None,
        "overdue": None,
        "days_overdue": None,
        "checklist": {
            "period_ended": {"met": False, "ends_on": "2026-12-31"},
            "exception": {
                "min_judged_leads": {"met": False, "value": 0, "needed": 10},
                "share_above_threshold": {"met": False, "value": None, "needed": 0.3},
                "evidence": {"met": False, "value": 1.0, "needed": 20.0},
                "more_leads_needed": None,
            },
        },
    }


def test_period_end_opens_at_local_midnight_of_ends_on():
    experiment = ExperimentFactory(
        running=True,
        start_date=dt.date(2026, 12, 1),
        test_period_days=30,
        launched_at=dt.datetime(2026, 12, 1, 9, tzinfo=MOSCOW),
    )
    # 21:00 UTC on the 30th is already the 31st in Moscow, the configured time zone.
    with time_machine.travel(dt.datetime(2026, 12, 30, 21, 0, 1, tzinfo=dt.UTC)):
        state = review_lock_state(fresh(experiment))
    assert state.unlocked
    assert state.reason == ReviewUnlock.Reason.PERIOD_ENDED
    assert state.unlocked_at == dt.datetime(2026, 12, 31, tzinfo=MOSCOW)
    assert not state.recorded


def test_retroactive_launch_after_the_period_opens_at_launch():
    launched = dt.datetime(2026, 11, 20, 12, tzinfo=MOSCOW)
    experiment = ExperimentFactory(
        running=True, start_date=dt.date(2026, 10, 1), test_period_days=30, launched_at=launched
    )
    with time_machine.travel(launched + dt.timedelta(minutes=1)):
        state = review_lock_state(fresh(experiment))
    assert state.unlocked and state.unlocked_at == launched


@pytest.mark.parametrize(
    ("n", "k", "unlocked"),
    [(1, 1, False), (20, 8, False), (20, 12, False), (20, 15, True), (10, 10, True)],
)
def test_exception_from_the_latest_snapshot(n, k, unlocked):
    experiment = ExperimentFactory(running=True)
    snapshot(experiment, n=n, k=k)
    state = review_lock_state(fresh(experiment))
    assert state.unlocked is unlocked
    assert state.reason == (ReviewUnlock.Reason.EXCEPTION if unlocked else None)
    assert (state.judged_leads, state.non_target_leads) == (n, k)


def test_draft_and_cancelled_experiments_never_open():
    for status in (Experiment.Status.DRAFT, Experiment.Status.CANCELLED):
        experiment = ExperimentFactory(running=True, start_date=dt.date(2020, 1, 1), status=status)
        snapshot(experiment, n=10, k=10)
        state = review_lock_state(fresh(experiment))
        assert not state.unlocked


def test_a_recorded_unlock_is_never_undone_by_a_lower_share():
    experiment = ExperimentFactory(running=True)
    snapshot(experiment, n=20, k=15)
    ReviewUnlock.objects.create(
        experiment=experiment,
        reason=ReviewUnlock.Reason.EXCEPTION,
        unlocked_at=timezone.now(),
        judged_leads=20,
        non_target_leads=15,
        evidence=1819.38,
        threshold=Decimal("0.30"),
    )
    snapshot(experiment, n=200, k=40)  # later leads were mostly on target
    state = review_lock_state(fresh(experiment))
    assert state.unlocked and state.recorded
    assert state.reason == ReviewUnlock.Reason.EXCEPTION
    assert state.evidence < 1  # the current evidence is shown, the opening stands


def test_the_regulation_pinned_at_launch_rules_not_a_later_version():
    experiment = ExperimentFactory(running=True)
    snapshot(experiment, n=20, k=12)  # E = 17.6: short of 20 at alpha 0.05
    new_regulation(exception_alpha=Decimal("0.10"))  # would need only 10
    state = review_lock_state(fresh(experiment))
    assert not state.unlocked
    assert state.evidence_needed == 20.0

    launched_later = ExperimentFactory(running=True)
    snapshot(launched_later, n=20, k=12)
    state = review_lock_state(fresh(launched_later))
    assert state.unlocked and state.evidence_needed == 10.0


def test_a_channel_override_of_the_threshold_applies():
    experiment = ExperimentFactory(running=True)
    ChannelThreshold.objects.create(
        regulation=experiment.regulation, channel=experiment.channel, non_target_threshold=Decimal("0.60")
    )
    snapshot(experiment, n=20, k=15)  # 75% of leads: above 30%, but 0.60 needs far more evidence
    state = review_lock_state(fresh(experiment))
    assert state.threshold == Decimal("0.60")
    assert not state.unlocked
    assert 1 < state.evidence < 20


def test_the_refusal_sentence_says_when_and_how_far():
    experiment = ExperimentFactory(running=True, start_date=timezone.localdate(), test_period_days=30)
    snapshot(experiment, n=20, k=10)
    state = review_lock_state(fresh(experiment))
    ends = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    assert state.locked_sentence() == (
        f"The test period ends on {ends}; the review opens then, or earlier if non-target leads exceed 30% "
        f"with enough evidence (now {state.evidence:.1f} of 20)."
    )
    snapshot(experiment, n=4, k=3)
    sentence = review_lock_state(fresh(experiment)).locked_sentence()
    assert sentence.endswith("; that also needs at least 10 judged leads, now 4.")


def test_locks_of_a_list_cost_no_query_per_experiment(count_queries):
    for _ in range(5):
        snapshot(ExperimentFactory(running=True), n=20, k=15)

    def lock_states() -> list:
        return [review_lock_state(e) for e in with_lock_data(Experiment.objects.all())]

    assert count_queries(lock_states) <= 4
    states = lock_states()
    assert len(states) == 5
    assert all(state.unlocked for state in states)
