"""The beat entry "build-due-meetings" run by a real Celery worker on the configured broker."""

import time

import pytest
from django.conf import settings
from django.utils import timezone

from experiments.models import Meeting
from tests.waiting import wait_for_idle_worker
from tracker.celery import app

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def wait_for_meetings(count: int, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if Meeting.objects.count() >= count:
            return True
        time.sleep(0.1)
    return Meeting.objects.count() >= count


def test_the_beat_task_builds_todays_meetings_in_a_worker(celery_worker):
    entry = settings.CELERY_BEAT_SCHEDULE["build-due-meetings"]
    # What beat does: send the entry's task by name. Twice at once (a retried message, the hourly
    # repair): the worker's two threads race and the unique (kind, date) lets one meeting through.
    app.send_task(entry["task"])
    app.send_task(entry["task"])
    assert wait_for_meetings(2)
    assert wait_for_idle_worker()  # the slower of the two runs has finished
    today = timezone.localdate()
    assert sorted(Meeting.objects.values_list("kind", "date")) == [("founder", today), ("sync", today)]
    assert Meeting.objects.get(kind="sync").agenda["period"]["to"] == today.isoformat()
