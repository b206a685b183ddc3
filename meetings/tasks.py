"""Celery task that creates the meetings due on the regulation's cadence (beat: "build-due-meetings")."""

from celery import shared_task

from meetings.services.meetings import meeting_create_due, meeting_refresh_today


@shared_task(name="meetings.tasks.build_due_meetings", acks_late=True)
def build_due_meetings() -> list[int]:
    """Create today's due sync and founder meetings, and store the current agendas of today's
    meetings not held yet; safe to run twice (one meeting per kind and date). Returns the ids created."""
    created = [meeting.pk for meeting in meeting_create_due()]
    meeting_refresh_today(skip=created)  # those just created were built a moment ago
    return created
