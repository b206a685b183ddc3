"""E-mail notices: at most once per event, claimed before sending, released when sending fails."""

import datetime as dt
from smtplib import SMTPException

import pytest
from django.core import mail
from django.utils import timezone

from experiments import tasks
from experiments.models import Experiment, Notification, ReviewUnlock
from experiments.services import notifications
from experiments.services.notifications import notification_send
from metrics.models import MetricSnapshot
from tests.factories import ExperimentFactory, UserFactory

pytestmark = pytest.mark.django_db


def send(key: str = "event:1", recipients: list[str] | None = None) -> bool:
    return notification_send(
        key=key,
        subject="Subject",
        recipients=["a@example.com"] if recipients is None else recipients,
        template="emails/question_asked.txt",
        context={"experiment": {"title": "T"}, "question": {"text": "Q?"}, "url": "http://x/"},
    )


def test_each_event_is_sent_at_most_once():
    assert send() is True
    assert send() is False
    assert len(mail.outbox) == 1
    notification = Notification.objects.get(key="event:1")
    assert notification.sent_at is not None and notification.recipients == ["a@example.com"]


def test_a_failed_send_releases_the_claim_for_a_retry(monkeypatch):
    def refuse(*args, **kwargs):
        raise SMTPException("mail server down")

    monkeypatch.setattr(notifications, "send_mail", refuse)
    with pytest.raises(SMTPException):
        send()
    assert not Notification.objects.exists()
    monkeypatch.undo()
    assert send() is True
    assert len(mail.outbox) == 1


def test_an_event_with_nobody_to_tell_is_recorded_not_sent():
    assert send(recipients=["", ""]) is False
    assert Notification.objects.get().recipients == []
    assert mail.outbox == []


def test_exception_unlock_notice_says_why_in_numbers(marketer, marketing_head, sales_head):
    inactive = UserFactory(username="gone", is_active=False)
    inactive.groups.add(*sales_head.groups.all())
    experiment = ExperimentFactory(running=True, owner=marketer, title="Partner mailings")
    MetricSnapshot.objects.create(
        experiment=experiment, data={"judged_leads": 20, "non_target_leads": 15}, computed_at=timezone.now()
    )
    from experiments.services.unlocks import unlocks_record_due

    unlock = unlocks_record_due(experiment_ids=[experiment.id])[0]
    assert tasks.notify_review_unlocked(unlock.id) is True
    message = mail.outbox[0]
    assert message.subject == "The review of “Partner mailings” is open"
    assert sorted(message.to) == ["alice@example.com", "mhead@example.com", "shead@example.com"]
    assert "15 of 20 judged leads were not target leads" in message.body
    assert "acceptable share of 30%" in message.body
    due = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    assert f"files the review by {due}" in message.body
    unlock.refresh_from_db()
    assert unlock.notified_at is not None


def test_tasks_for_rows_that_are_gone_do_nothing():
    assert tasks.notify_review_unlocked(987654) is False
    assert tasks.notify_review_overdue(987654) is False
    assert tasks.notify_question_asked(987654) is False
    assert tasks.notify_question_answered(987654) is False
    assert mail.outbox == []


def test_unlock_notice_is_not_sent_for_an_experiment_reviewed_meanwhile(marketer, sales_head):
    experiment = ExperimentFactory(running=True, owner=marketer, status=Experiment.Status.REVIEWED)
    unlock = ReviewUnlock.objects.create(
        experiment=experiment,
        reason=ReviewUnlock.Reason.PERIOD_ENDED,
        unlocked_at=timezone.now(),
        judged_leads=0,
        non_target_leads=0,
        evidence=1.0,
        threshold="0.3",
    )
    assert tasks.notify_review_unlocked(unlock.id) is False
    assert mail.outbox == []
    assert not Notification.objects.exists()
