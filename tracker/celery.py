import os

from celery import Celery
from celery.signals import beat_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

app = Celery("tracker")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Beat entries sent once as soon as beat starts, besides their schedule: a crontab entry otherwise
# waits for its next match (the next full hour from 06:00), and a fresh install would show no
# meeting until then. Each task is safe to run again (one meeting per kind and date).
AT_BEAT_START = ("build-due-meetings",)


@beat_init.connect
def send_entries_at_beat_start(sender=None, **kwargs) -> list[str]:
    """Send the `AT_BEAT_START` entries' tasks now (beat's first tick); returns the task names sent."""
    schedule = app.conf.beat_schedule
    names = [schedule[entry]["task"] for entry in AT_BEAT_START]
    for name in names:
        app.send_task(name)
    return names
