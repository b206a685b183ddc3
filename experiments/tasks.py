"""Celery tasks of the experiments app: thin, take ids, safe to run twice.

The review-lock sweep is the repair path: whatever a lost message missed (an unlock after a
recompute, an unlock notice), the next sweep records or sends.
"""

import logging
from smtplib import SMTPException

from celery import shared_task

from experiments.models import Question, ReviewUnlock
from experiments.services import notifications
from experiments.services.unlocks import review_locks_sweep

logger = logging.getLogger(__name__)

# Mail servers fail transiently; retry with backoff, a few times, then give up and log.
MAIL_RETRY = {
    "autoretry_for": (SMTPException, ConnectionError, TimeoutError),
    "retry_backoff": 30,
    "retry_backoff_max": 1800,
    "max_retries": 6,
}


@shared_task(name="experiments.tasks.sweep_review_locks", acks_late=True)
def sweep_review_locks() -> dict:
    """Beat: record unlocks of finished periods and exceptions, send overdue reminders."""
    return review_locks_sweep().as_dict()


@shared_task(name="experiments.tasks.notify_review_unlocked", acks_late=True, **MAIL_RETRY)
def notify_review_unlocked(unlock_id: int) -> bool:
    unlock = (
        ReviewUnlock.objects.select_related("experiment__owner", "experiment__regulation").filter(pk=unlock_id).first()
    )
    if unlock is None:
        logger.warning("Review unlock %s is gone; no notice to send.", unlock_id)
        return False
    return notifications.notification_review_unlocked(unlock=unlock)


@shared_task(name="experiments.tasks.notify_review_overdue", acks_late=True, **MAIL_RETRY)
def notify_review_overdue(unlock_id: int) -> bool:
    unlock = (
        ReviewUnlock.objects.select_related("experiment__owner", "experiment__regulation").filter(pk=unlock_id).first()
    )
    if unlock is None:
        logger.warning("Review unlock %s is gone; no reminder to send.", unlock_id)
        return False
    return notifications.notification_review_overdue(unlock=unlock)


@shared_task(name="experiments.tasks.notify_question_asked", acks_late=True, **MAIL_RETRY)
def notify_question_asked(question_id: int) -> bool:
    question = Question.objects.select_related("experiment", "author").filter(pk=question_id).first()
    if question is None:
        logger.warning("Question %s is gone; no notice to send.", question_id)
        return False
    return notifications.notification_question_asked(question=question)


@shared_task(name="experiments.tasks.notify_question_answered", acks_late=True, **MAIL_RETRY)
def notify_question_answered(question_id: int) -> bool:
    question = Question.objects.select_related("experiment", "author").filter(pk=question_id).first()
    if question is None:
        logger.warning("Question %s is gone; no notice to send.", question_id)
        return False
    return notifications.notification_question_answered(question=question)
