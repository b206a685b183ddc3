"""The beat entry "build-due-meetings" run by a real Celery worker on the configured broker."""

import pytest
from celery.signals import beat_init
from django.conf import settings
from django.utils import timezone

from meetings.models import Meeting
from tracker.celery import app, send_entries_at_beat_start

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_the_beat_task_builds_todays_meetings_in_a_worker(celery_tasks):
    entry = settings.CELERY_BEAT_SCHEDULE["build-due-meetings"]
    # What beat does: send the entry's task by name. Twice at once (a retried message, the hourly
    # repair): the worker's two threads race and the unique (kind, date) lets one meeting through.
    app.send_task(entry["task"])
    app.send_task(entry["task"])
    assert celery_tasks.settle() == [(entry["task"], "SUCCESS")] * 2  # the slower run finds them made
    today = timezone.localdate()
    assert sorted(Meeting.objects.values_list("kind", "date")) == [("founder", today), ("sync", today)]
    assert Meeting.objects.get(kind="sync").agenda["period"]["to"] == today.isoformat()


def test_beat_builds_the_due_meetings_as_soon_as_it_starts(celery_tasks):
    """A fresh install: beat's start (its first tick) sends the task at once, not at the next full
    hour of the crontab; the worker builds today's meetings."""
    results = beat_init.send(sender=None)
    sent = [value for receiver, value in results if receiver is send_entries_at_beat_start]
    assert sent == [[settings.CELERY_BEAT_SCHEDULE["build-due-meetings"]["task"]]]
    assert celery_tasks.settle() == [(settings.CELERY_BEAT_SCHEDULE["build-due-meetings"]["task"], "SUCCESS")]
    today = timezone.localdate()
    assert sorted(Meeting.objects.values_list("kind", "date")) == [("founder", today), ("sync", today)]
