"""Celery task that creates the meetings due on the regulation's cadence (beat: "build-due-meetings").

Imported by `experiments.tasks`, so that the worker's autodiscovery registers it.
"""

from celery import shared_task

from experiments.services.meetings import meeting_create_due


@shared_task(name="experiments.tasks_meetings.build_due_meetings", acks_late=True)
def build_due_meetings() -> list[int]:
    """Create today's due sync and founder meetings; safe to run twice (one meeting per kind and date)."""
    return [meeting.pk for meeting in meeting_create_due()]
