"""The beat sweep over review locks, with time travel: period end, exceptions, overdue reminders."""

import datetime as dt
from functools import partial
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from experiments import tasks
from experiments.models import Experiment, Notification, ReviewUnlock
from experiments.services.unlocks import review_locks_sweep
from metrics.models import MetricSnapshot
from tests.factories import ExperimentFactory

pytestmark = pytest.mark.django_db
MOSCOW = ZoneInfo("Europe/Moscow")
START = dt.date(2026, 12, 1)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=MOSCOW)


def enqueued(callbacks) -> list[tuple[str, tuple]]:
    return [(cb.func.__self__.name, cb.args) for cb in callbacks if isinstance(cb, partial)]


def run(callbacks) -> None:
    """Run the enqueued tasks as plain functions, as a worker would."""
    for name, args in enqueued(callbacks):
        getattr(tasks, name.rsplit(".", 1)[1])(*args)


@pytest.fixture
def experiment(marketer, marketing_head, sales_head, founder):
    with time_machine.travel(at(START, 9)):
        return ExperimentFactory(running=True, owner=marketer, start_date=START, test_period_days=30)


def test_sweep_before_the_period_ends_records_nothing(experiment, django_capture_on_commit_callbacks):
    with time_machine.travel(at(dt.date(2026, 12, 30), 23)), django_capture_on_commit_callbacks() as callbacks:
        result = tasks.sweep_review_locks()
    assert result == {"unlocked": [], "notices": [], "reminders": []}
    assert enqueued(callbacks) == []
    experiment.refresh_from_db()
    assert experiment.status == Experiment.Status.RUNNING


def test_sweep_on_the_last_day_records_the_period_end_and_notifies_once(experiment, django_capture_on_commit_callbacks):
    with time_machine.travel(at(dt.date(2026, 12, 31), 0) + dt.timedelta(minutes=5)):
        with django_capture_on_commit_callbacks() as callbacks:
            result = tasks.sweep_review_locks()
        assert result["unlocked"] == [experiment.id]
        unlock = ReviewUnlock.objects.get(experiment=experiment)
        assert unlock.reason == ReviewUnlock.Reason.PERIOD_ENDED
        assert unlock.unlocked_at == at(dt.date(2026, 12, 31), 0)
        experiment.refresh_from_db()
        assert experiment.status == Experiment.Status.AWAITING_REVIEW
        assert enqueued(callbacks) == [("experiments.tasks.notify_review_unlocked", (unlock.id,))]

        run(callbacks)
        run(callbacks)  # a redelivered message
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert "open" in message.subject and experiment.title in message.subject
        assert sorted(message.to) == ["alice@example.com", "mhead@example.com", "shead@example.com"]
        assert "The test period ended on 2026-12-31." in message.body
        assert "by 2027-01-07" in message.body

        with django_capture_on_commit_callbacks() as callbacks:
            assert tasks.sweep_review_locks() == {"unlocked": [], "notices": [], "reminders": []}
        assert enqueued(callbacks) == []


def test_a_lost_notice_is_sent_by_the_next_sweep(experiment, django_capture_on_commit_callbacks):
    with time_machine.travel(at(dt.date(2027, 1, 2))):
        review_locks_sweep()  # its on-commit message is "lost": never run
        with django_capture_on_commit_callbacks() as callbacks:
            result = review_locks_sweep()
        unlock = ReviewUnlock.objects.get(experiment=experiment)
        assert result.notices == [unlock.id]
        run(callbacks)
    assert len(mail.outbox) == 1
    assert Notification.objects.get(key=f"review-unlocked:{experiment.id}").sent_at is not None


def test_sweep_records_an_exception_missed_after_a_recompute(experiment):
    MetricSnapshot.objects.create(
        experiment=experiment, data={"judged_leads": 20, "non_target_leads": 15}, computed_at=timezone.now()
    )
    with time_machine.travel(at(dt.date(2026, 12, 12))):
        result = review_locks_sweep()
    assert result.unlocked == [experiment.id]
    unlock = ReviewUnlock.objects.get(experiment=experiment)
    assert unlock.reason == ReviewUnlock.Reason.EXCEPTION
    assert (unlock.judged_leads, unlock.non_target_leads) == (20, 15)


def test_overdue_reminder_goes_out_once_after_review_due_days(experiment, django_capture_on_commit_callbacks):
    with time_machine.travel(at(dt.date(2026, 12, 31))):
        review_locks_sweep()
        unlock = ReviewUnlock.objects.get(experiment=experiment)
        tasks.notify_review_unlocked(unlock.id)
    assert len(mail.outbox) == 1

    # Due on 2027-01-07 (7 days, regulation v1): not overdue on that day.
    with time_machine.travel(at(dt.date(2027, 1, 7), 23)), django_capture_on_commit_callbacks() as callbacks:
        assert review_locks_sweep().reminders == []
    assert enqueued(callbacks) == []

    with time_machine.travel(at(dt.date(2027, 1, 8), 1)):
        with django_capture_on_commit_callbacks() as callbacks:
            assert review_locks_sweep().reminders == [unlock.id]
        run(callbacks)
        run(callbacks)
    assert len(mail.outbox) == 2
    reminder = mail.outbox[1]
    assert "overdue" in reminder.subject
    assert "was due on 2027-01-07" in reminder.body
    assert sorted(reminder.to) == ["alice@example.com", "mhead@example.com", "shead@example.com"]

    with time_machine.travel(at(dt.date(2027, 1, 9))), django_capture_on_commit_callbacks() as callbacks:
        assert review_locks_sweep().reminders == []
    assert len(mail.outbox) == 2


def test_no_reminder_once_the_review_is_filed(experiment, sales_head):
    with time_machine.travel(at(dt.date(2026, 12, 31))):
        review_locks_sweep()
    unlock = ReviewUnlock.objects.get(experiment=experiment)
    Experiment.objects.filter(pk=experiment.pk).update(status=Experiment.Status.REVIEWED)
    with time_machine.travel(at(dt.date(2027, 2, 1))):
        assert review_locks_sweep().reminders == []
        assert tasks.notify_review_overdue(unlock.id) is False
        assert tasks.notify_review_unlocked(unlock.id) is False
    assert mail.outbox == []
    unlock.refresh_from_db()
    assert unlock.notified_at is not None  # nobody needs it any more; the sweep stops offering it


def test_review_due_days_of_the_pinned_regulation_count(experiment):
    experiment.regulation.review_due_days = 2
    experiment.regulation.save()
    with time_machine.travel(at(dt.date(2026, 12, 31))):
        review_locks_sweep()
    with time_machine.travel(at(dt.date(2027, 1, 2))):
        assert review_locks_sweep().reminders == []
    with time_machine.travel(at(dt.date(2027, 1, 3))):
        assert len(review_locks_sweep().reminders) == 1
