"""The beat entry "build-due-meetings" run by a real Celery worker on the configured broker."""

import time

import pytest
from celery.signals import beat_init
from django.conf import settings
from django.utils import timezone

from meetings.models import Meeting
from tracker.celery import app, send_entries_at_beat_start

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
    time.sleep(2.0)  # let the slower of the two runs finish
    today = timezone.localdate()
    assert sorted(Meeting.objects.values_list("kind", "date")) == [("founder", today), ("sync", today)]
    assert Meeting.objects.get(kind="sync").agenda["period"]["to"] == today.isoformat()


def test_beat_builds_the_due_meetings_as_soon_as_it_starts(celery_worker):
    """A fresh install: beat's start (its first tick) sends the task at once, not at the next full
    hour of the crontab; the worker builds today's meetings."""
    results = beat_init.send(sender=None)
    sent = [value for receiver, value in results if receiver is send_entries_at_beat_start]
    assert sent == [[settings.CELERY_BEAT_SCHEDULE["build-due-meetings"]["task"]]]
    assert wait_for_meetings(2)
    today = timezone.localdate()
    assert sorted(Meeting.objects.values_list("kind", "date")) == [("founder", today), ("sync", today)]
