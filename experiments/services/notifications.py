"""E-mail notices: the review opened, the review is overdue, a question was asked or answered.

Notices are written in the site's language (`LANGUAGE_CODE`), subject and body alike: they go to
several people and the subject is stored with the claim, so they must not depend on whichever
language a worker or a request happens to have active.

Each event has a key (`review-unlocked:<experiment id>`, ...). `Notification.key` is unique, and the
row is committed as a claim before the e-mail goes out, so an event is sent at most once however
many workers, retries and sweeps reach it.
"""

import datetime as dt
import logging
from fractions import Fraction

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from experiments.models import Experiment, Notification, Question, ReviewUnlock
from experiments.permissions import Role
from experiments.provenance import source_lines
from experiments.review_lock import recorded_crossing, regulation_for, unlock_deadline

logger = logging.getLogger(__name__)


def role_emails(*roles: str) -> list[str]:
    """E-mail addresses of the active users in the given groups."""
    users = get_user_model().objects.filter(is_active=True, groups__name__in=roles).exclude(email="")
    return list(users.order_by("email").values_list("email", flat=True).distinct())


def _unique(addresses: list[str]) -> list[str]:
    return sorted({address for address in addresses if address})


def experiment_url(experiment: Experiment) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("web:experiment-detail", kwargs={"pk": experiment.pk})


def notification_send(*, key: str, subject: str, recipients: list[str], template: str, context: dict) -> bool:
    """Send one event's e-mail unless its key was claimed before. Returns whether this call sent it.

    The claim commits before sending (so a concurrent worker sees it and stands down). If sending
    fails the claim is released and the error raised, so the task's retry can send it later.
    """
    recipients = _unique(recipients)
    try:
        with transaction.atomic():
            notification = Notification.objects.create(key=key, subject=subject, recipients=recipients)
    except IntegrityError:
        logger.info("Notification %s was sent already; not sending it again.", key)
        return False
    if not recipients:
        Notification.objects.filter(pk=notification.pk).update(sent_at=timezone.now())
        logger.info("Notification %s has nobody to go to (no addresses); recorded without sending.", key)
        return False
    with translation.override(settings.LANGUAGE_CODE):
        body = render_to_string(template, context)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients, fail_silently=False)
    except Exception:
        Notification.objects.filter(pk=notification.pk).delete()
        raise
    Notification.objects.filter(pk=notification.pk).update(sent_at=timezone.now())
    return True


def notification_review_unlocked(*, unlock: ReviewUnlock, today: dt.date | None = None) -> bool:
    """Tell the owner, the marketing heads and the sales heads that a review may now be filed.

    The deadline counts from the day the review opened (`review_lock.review_deadline`), not from
    when a job noticed it: a notice that goes out late says the review is overdue already, and
    then stands for the overdue reminder too. An exception's notice gives its evidence and who
    supplied the judged leads (as the unlock kept them), so that the side the lock restrains cannot
    open it unseen with data of its own.
    """
    experiment = unlock.experiment
    deadline = unlock_deadline(unlock, today=today)
    sent = False
    if experiment.status == Experiment.Status.AWAITING_REVIEW:
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("The review of “%(title)s” is open") % {"title": experiment.title}
            sources = source_lines(unlock.sources)
        exception = unlock.reason == ReviewUnlock.Reason.EXCEPTION
        sent = notification_send(
            key=f"review-unlocked:{experiment.pk}",
            subject=subject,
            recipients=[experiment.owner.email, *role_emails(Role.MARKETING_HEAD, Role.SALES_HEAD)],
            template="emails/review_unlocked.txt",
            context={
                "experiment": experiment,
                "unlock": unlock,
                "deadline": deadline,
                "due_on": deadline.due_on,
                # Numbers, formatted by the template in the site's language.
                "share": Fraction(unlock.non_target_leads, unlock.judged_leads) if unlock.judged_leads else None,
                "evidence_needed": regulation_for(experiment).evidence_needed,
                "crossing": recorded_crossing(experiment) if exception else None,
                "sources": sources,
                "url": experiment_url(experiment),
            },
        )
    # Reviewed or cancelled first: nobody needs the notice any more.
    ReviewUnlock.objects.filter(pk=unlock.pk, notified_at__isnull=True).update(notified_at=timezone.now())
    if sent and deadline.overdue:
        ReviewUnlock.objects.filter(pk=unlock.pk, overdue_notified_at__isnull=True).update(
            overdue_notified_at=timezone.now()
        )
    return sent


def notification_review_overdue(*, unlock: ReviewUnlock, today: dt.date | None = None) -> bool:
    """Remind the same people once that a review is past the regulation's deadline."""
    experiment = unlock.experiment
    deadline = unlock_deadline(unlock, today=today)
    if experiment.status != Experiment.Status.AWAITING_REVIEW or not deadline.overdue:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("The review of “%(title)s” is overdue") % {"title": experiment.title}
    sent = notification_send(
        key=f"review-overdue:{experiment.pk}",
        subject=subject,
        recipients=[experiment.owner.email, *role_emails(Role.MARKETING_HEAD, Role.SALES_HEAD)],
        template="emails/review_overdue.txt",
        context={
            "experiment": experiment,
            "unlock": unlock,
            "deadline": deadline,
            "due_on": deadline.due_on,
            "url": experiment_url(experiment),
        },
    )
    ReviewUnlock.objects.filter(pk=unlock.pk, overdue_notified_at__isnull=True).update(
        overdue_notified_at=timezone.now()
    )
    return sent


def notification_question_asked(*, question: Question) -> bool:
    """A question is addressed to the marketing heads (heads talk to heads)."""
    experiment = question.experiment
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("A question about “%(title)s”") % {"title": experiment.title}
    return notification_send(
        key=f"question-asked:{question.pk}",
        subject=subject,
        recipients=role_emails(Role.MARKETING_HEAD),
        template="emails/question_asked.txt",
        context={"experiment": experiment, "question": question, "url": experiment_url(experiment)},
    )


def notification_question_answered(*, question: Question) -> bool:
    """The answer goes back to whoever asked."""
    experiment = question.experiment
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Your question about “%(title)s” was answered") % {"title": experiment.title}
    return notification_send(
        key=f"question-answered:{question.pk}",
        subject=subject,
        recipients=[question.author.email],
        template="emails/question_answered.txt",
        context={"experiment": experiment, "question": question, "url": experiment_url(experiment)},
    )
