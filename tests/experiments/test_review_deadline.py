"""Review dates count from the day the review opened, the same on every path: the API, the pages, the
e-mails, the overdue reminder and the founder agenda.

The case from the field: a test period ended on Nov 21 (Moscow time, regulation v1: 7 days to file),
but its review was recorded only on Dec 1, by a late job or a retroactive launch. The review was due
on Nov 28, and on Dec 1 it is three days late everywhere.
"""

import datetime as dt
from collections.abc import Callable
from functools import partial
from types import MethodType
from zoneinfo import ZoneInfo

import pytest
import time_machine
from celery import Task
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.utils import timezone

from experiments import tasks
from experiments.models import Experiment, ReviewUnlock
from experiments.review_lock import review_deadline, review_lock_state, with_lock_data
from experiments.services.unlocks import review_locks_sweep, unlocks_record_due
from meetings.agendas import founder_agenda, sync_agenda
from metrics.models import MetricSnapshot
from tests.factories import ExperimentFactory

pytestmark = pytest.mark.django_db
MOSCOW = ZoneInfo("Europe/Moscow")
ENDS_ON = dt.date(2026, 11, 21)
DUE_ON = dt.date(2026, 11, 28)


def at(day: dt.date, hour: int = 12) -> time_machine.travel:
    return time_machine.travel(dt.datetime.combine(day, dt.time(hour), tzinfo=MOSCOW), tick=False)


def fresh(experiment: Experiment) -> Experiment:
    return with_lock_data(Experiment.objects.all()).get(pk=experiment.pk)


def run(callbacks: list[Callable[[], object]]) -> None:
    """Run the enqueued tasks as plain functions, as a worker would."""
    for callback in callbacks:
        if isinstance(callback, partial):
            # `partial(task.delay, id)`: the task is the one its `delay` is bound to.
            delay = callback.func
            assert isinstance(delay, MethodType) and isinstance(delay.__self__, Task)
            getattr(tasks, delay.__self__.name.rsplit(".", 1)[1])(*callback.args)


@pytest.fixture
def team(marketer, marketing_head, sales_head, founder) -> dict[str, User]:
    return {"marketer": marketer, "sales_head": sales_head, "founder": founder}


def ended_nov_21(owner, *, launched_on: dt.date) -> Experiment:
    with at(launched_on, 9):
        return ExperimentFactory.create(
            running=True, owner=owner, title="Partner mailings", start_date=dt.date(2026, 11, 1), test_period_days=20
        )


@pytest.fixture(params=["job ran late", "launched late"])
def recorded_late(request, team) -> ReviewUnlock:
    """The Nov 21 period end, recorded on Dec 1 at 09:00: by a job that was down for ten days (the row
    says when it was recorded), or for an experiment launched retroactively that morning."""
    if request.param == "launched late":
        experiment = ended_nov_21(team["marketer"], launched_on=dt.date(2026, 12, 1))
        with at(dt.date(2026, 12, 1), 9):
            [unlock] = unlocks_record_due(experiment_ids=[experiment.pk])
    else:
        experiment = ended_nov_21(team["marketer"], launched_on=dt.date(2026, 11, 1))
        with at(dt.date(2026, 12, 1), 9):
            [unlock] = unlocks_record_due(experiment_ids=[experiment.pk])
        moment = dt.datetime(2026, 12, 1, 9, tzinfo=MOSCOW)
        ReviewUnlock.objects.filter(pk=unlock.pk).update(unlocked_at=moment)
    unlock.refresh_from_db()
    assert timezone.localdate(unlock.unlocked_at) == dt.date(2026, 12, 1)
    assert unlock.reason == ReviewUnlock.Reason.PERIOD_ENDED
    return unlock


def test_the_lock_state_counts_from_the_period_end(recorded_late):
    with at(dt.date(2026, 12, 1)):
        state = review_lock_state(fresh(recorded_late.experiment))
    assert (state.opened_on, state.review_due_on, state.overdue, state.days_overdue) == (ENDS_ON, DUE_ON, True, 3)


def test_the_api_shows_the_dates_and_how_late(recorded_late, team, client_for):
    with at(dt.date(2026, 12, 1)):
        lock = client_for(team["founder"]).get(f"/api/v1/experiments/{recorded_late.experiment_id}/").json()
    lock = lock["review_lock"]
    assert (lock["unlocked"], lock["reason"]) == (True, "period_ended")
    assert lock["opened_on"] == "2026-11-21"
    assert lock["review_due_on"] == "2026-11-28"
    assert (lock["overdue"], lock["days_overdue"]) == (True, 3)


def test_the_founder_agenda_counts_it_overdue(recorded_late):
    with at(dt.date(2026, 12, 1), 6):
        agenda = founder_agenda(date_from=dt.date(2026, 11, 24), date_to=dt.date(2026, 12, 1))
    [overdue] = agenda["overdue_reviews"]
    assert overdue["experiment"]["id"] == recorded_late.experiment_id
    assert (overdue["opened_on"], overdue["review_due_on"], overdue["days_overdue"]) == ("2026-11-21", "2026-11-28", 3)


def test_the_pages_say_it_is_overdue(recorded_late, team):
    client = Client()
    client.force_login(team["sales_head"])
    with at(dt.date(2026, 12, 1)):
        page = client.get(f"/experiments/{recorded_late.experiment_id}/").content.decode()
        listing = client.get("/experiments/").content.decode()
        dashboard = client.get("/").content.decode()
    assert "The review was due on Nov. 28, 2026: 3 days overdue." in page
    assert "3 days overdue" in listing
    owed = dashboard.split('id="owed-title"')[1].split("</section>")[0]
    assert "Partner mailings" in owed and "3 days overdue" in owed and "target-miss" in owed


def test_the_unlock_notice_says_it_is_overdue_and_stands_for_the_reminder(recorded_late):
    with at(dt.date(2026, 12, 1), 10):
        assert tasks.notify_review_unlocked(recorded_late.pk) is True
    [notice] = mail.outbox
    assert "The test period ended on 2026-11-21." in notice.body
    assert "was due on 2026-11-28" in notice.body and "it is 3 days overdue" in notice.body
    assert "2026-12-08" not in notice.body
    with at(dt.date(2026, 12, 2)):
        assert review_locks_sweep().reminders == []  # the notice said it already
    assert len(mail.outbox) == 1


def test_a_notice_in_time_names_the_due_date_and_the_reminder_follows_it(team, django_capture_on_commit_callbacks):
    experiment = ended_nov_21(team["marketer"], launched_on=dt.date(2026, 11, 1))
    with at(dt.date(2026, 11, 21), 1):
        with django_capture_on_commit_callbacks() as callbacks:
            review_locks_sweep()
        run(callbacks)
    assert "files the review by 2026-11-28" in mail.outbox[0].body
    with at(dt.date(2026, 11, 28), 23):
        assert review_locks_sweep().reminders == []  # due that day: not late yet
    with at(dt.date(2026, 11, 29), 1):
        with django_capture_on_commit_callbacks() as callbacks:
            assert review_locks_sweep().reminders == [experiment.unlock.pk]
        run(callbacks)
    reminder = mail.outbox[1]
    assert "was due on 2026-11-28" in reminder.body
    assert "It has been open since 2026-11-21." in reminder.body


def test_an_unrecorded_period_end_is_overdue_on_the_agenda_too(team):
    """Nobody recorded it at all: the agenda reads the same rule from the dates."""
    experiment = ended_nov_21(team["marketer"], launched_on=dt.date(2026, 11, 1))
    with at(dt.date(2026, 12, 1), 6):
        founder = founder_agenda(date_from=dt.date(2026, 11, 24), date_to=dt.date(2026, 12, 1))
        sync = sync_agenda(date_from=dt.date(2026, 11, 17), date_to=dt.date(2026, 12, 1))
    assert not ReviewUnlock.objects.exists()
    [overdue] = founder["overdue_reviews"]
    assert (overdue["experiment"]["id"], overdue["days_overdue"]) == (experiment.pk, 3)
    [opened] = sync["experiments_unlocked"]
    assert (opened["recorded"], opened["review_due_on"], opened["overdue"], opened["days_overdue"]) == (
        False,
        "2026-11-28",
        True,
        3,
    )


def test_an_exception_opens_on_the_local_day_it_was_recorded(team):
    experiment = ExperimentFactory.create(running=True, start_date=dt.date(2026, 12, 1), test_period_days=30)
    MetricSnapshot.objects.create(
        experiment=experiment, data={"judged_leads": 20, "non_target_leads": 15}, computed_at=timezone.now()
    )
    # 22:30 UTC on Dec 9 is already Dec 10 in Moscow.
    with time_machine.travel(dt.datetime(2026, 12, 9, 22, 30, tzinfo=dt.UTC), tick=False):
        [unlock] = unlocks_record_due(experiment_ids=[experiment.pk])
    deadline = review_deadline(
        unlock.experiment, reason=unlock.reason, unlocked_at=unlock.unlocked_at, today=dt.date(2026, 12, 18)
    )
    assert (deadline.opened_on, deadline.due_on, deadline.overdue, deadline.days_overdue) == (
        dt.date(2026, 12, 10),
        dt.date(2026, 12, 17),
        True,
        1,
    )


def test_a_reviewed_experiment_is_never_overdue(recorded_late):
    Experiment.objects.filter(pk=recorded_late.experiment_id).update(status=Experiment.Status.REVIEWED)
    with at(dt.date(2026, 12, 20)):
        state = review_lock_state(fresh(recorded_late.experiment))
        agenda = founder_agenda(date_from=dt.date(2026, 12, 13), date_to=dt.date(2026, 12, 20))
    assert state.review_due_on == DUE_ON
    assert (state.overdue, state.days_overdue) == (False, 0)
    assert agenda["overdue_reviews"] == []
