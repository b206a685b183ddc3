"""End to end with a real Celery worker: leads posted -> debounced recompute -> exception unlock -> notice.

Threshold 0.30, alpha 0.05 (evidence needed 20), at least 10 judged leads: regulation v1.
"""

import datetime as dt
import time
from collections.abc import Callable

import pytest
from django.core import mail
from django.utils import timezone

from experiments.models import Experiment, ReviewUnlock
from metrics.models import MetricSnapshot
from tests.factories import ExperimentFactory
from tests.waiting import wait_for_idle_worker

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def wait_for(condition: Callable[[], bool], seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def post_leads(client, experiment: Experiment, *, count: int, non_target: int, first: int = 0) -> None:
    created = timezone.now() - dt.timedelta(hours=1)
    rows = [
        {
            "external_id": f"x{experiment.pk}-{i}",
            "created_at": created.isoformat(),
            "utm_campaign": experiment.utm_campaign,
            "is_target": i - first >= non_target,
        }
        for i in range(first, first + count)
    ]
    response = client.post("/api/v1/leads/", rows, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["errors"] == []


def settled(experiment: Experiment, judged: int) -> bool:
    """The recompute covering `judged` leads is stored, and its unlock check (which runs right
    after the snapshot commits, in the same job) has finished."""
    return wait_for(computed_with(experiment, judged)) and wait_for_idle_worker()


def computed_with(experiment: Experiment, judged: int) -> Callable[[], bool]:
    def check() -> bool:
        snapshot = MetricSnapshot.objects.filter(experiment=experiment, dirty_since__isnull=True).first()
        return snapshot is not None and snapshot.data.get("judged_leads") == judged

    return check


@pytest.fixture
def setup(settings, marketer, marketing_head, sales_head, client_for):
    settings.METRICS_RECOMPUTE_DEBOUNCE_SECONDS = 0.2
    experiment = ExperimentFactory(
        running=True, owner=marketer, start_date=timezone.localdate() - dt.timedelta(days=3), test_period_days=30
    )
    return experiment, client_for(sales_head)


def test_fifteen_of_twenty_non_target_unlocks_within_seconds_and_notifies(setup, celery_worker):
    experiment, client = setup
    started = time.monotonic()
    post_leads(client, experiment, count=20, non_target=15)
    assert wait_for(lambda: ReviewUnlock.objects.filter(experiment=experiment).exists())
    elapsed = time.monotonic() - started
    unlock = ReviewUnlock.objects.get(experiment=experiment)
    assert unlock.reason == ReviewUnlock.Reason.EXCEPTION
    assert (unlock.judged_leads, unlock.non_target_leads) == (20, 15)
    assert unlock.evidence == pytest.approx(1819.38, abs=0.01)
    experiment.refresh_from_db()
    assert experiment.status == Experiment.Status.AWAITING_REVIEW
    assert elapsed < 15

    assert wait_for(lambda: len(mail.outbox) >= 1)
    assert wait_for_idle_worker()  # a duplicate would have arrived by now
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == ["alice@example.com", "mhead@example.com", "shead@example.com"]


def test_one_non_target_lead_of_one_never_unlocks(setup, celery_worker):
    experiment, client = setup
    post_leads(client, experiment, count=1, non_target=1)
    assert settled(experiment, judged=1)
    assert not ReviewUnlock.objects.filter(experiment=experiment).exists()
    experiment.refresh_from_db()
    assert experiment.status == Experiment.Status.RUNNING


def test_twelve_of_twenty_does_not_unlock_and_later_target_leads_do_not_relock(setup, celery_worker):
    experiment, client = setup
    post_leads(client, experiment, count=20, non_target=12)
    assert settled(experiment, judged=20)
    assert not ReviewUnlock.objects.filter(experiment=experiment).exists()

    post_leads(client, experiment, count=10, non_target=10, first=20)  # now 22 of 30: E far above 20
    assert wait_for(lambda: ReviewUnlock.objects.filter(experiment=experiment).exists())
    unlock = ReviewUnlock.objects.get(experiment=experiment)
    assert (unlock.judged_leads, unlock.non_target_leads) == (30, 22)

    post_leads(client, experiment, count=60, non_target=0, first=30)  # the share drops to 22 of 90
    assert settled(experiment, judged=90)
    unlock.refresh_from_db()
    assert (unlock.judged_leads, unlock.non_target_leads) == (30, 22)
    read = client.get(f"/api/v1/experiments/{experiment.pk}/").json()
    assert read["status"] == "awaiting_review"
    assert read["review_lock"]["unlocked"] is True
    assert read["review_lock"]["reason"] == "exception"


def test_the_beat_sweep_in_the_worker_moves_a_finished_period(marketer, marketing_head, sales_head, celery_worker):
    from experiments.tasks import sweep_review_locks

    experiment = ExperimentFactory(
        running=True, owner=marketer, start_date=timezone.localdate() - dt.timedelta(days=31), test_period_days=30
    )
    sweep_review_locks.delay()
    assert wait_for(lambda: ReviewUnlock.objects.filter(experiment=experiment).exists())
    assert ReviewUnlock.objects.get(experiment=experiment).reason == ReviewUnlock.Reason.PERIOD_ENDED
    experiment.refresh_from_db()
    assert experiment.status == Experiment.Status.AWAITING_REVIEW
    assert wait_for(lambda: len(mail.outbox) == 1)
    assert experiment.title in mail.outbox[0].subject
