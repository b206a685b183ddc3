"""Questions: "before a conflict, ask why". A sales head or the founder asks about an experiment,
the marketing heads answer; everyone reads. Nothing here points at a person to blame: a question
carries only the words and who wrote them."""

from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from experiments.models import Experiment, Question
from experiments.roles import User, can_answer_questions, can_ask_questions
from tracker.errors import Conflict
from tracker.validators import field_errors

TEXT_MAX_LENGTH = 5000


def _clean_text(text: str | None, *, field: str, empty: str, too_long: str) -> str:
    """The trimmed text for the question's `field`, or the refusal (on `text`, the one input): `empty`,
    `too_long` with %(limit)s and %(length)s, or a bound of the field."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": [empty]})
    if len(text) > TEXT_MAX_LENGTH:
        raise ValidationError({"text": [too_long % {"limit": TEXT_MAX_LENGTH, "length": len(text)}]})
    if errors := field_errors(Question, {field: text}):
        raise ValidationError({"text": errors[field]})
    return text


@transaction.atomic
def question_ask(*, experiment: Experiment, by: User, text: str) -> Question:
    """Ask the marketing heads about an experiment; they are notified after commit."""
    if not can_ask_questions(by):
        raise PermissionDenied(_("Only sales heads and founders ask questions about experiments."))
    text = _clean_text(
        text,
        field="text",
        empty=_("Write the question; it cannot be empty."),
        too_long=_("Keep the question under %(limit)s characters (it has %(length)s)."),
    )
    question = Question(experiment=experiment, author=by, text=text)
    question.save()
    from experiments.tasks import notify_question_asked

    transaction.on_commit(partial(notify_question_asked.delay, question.pk))
    return question


@transaction.atomic
def question_answer(*, question: Question, by: User, text: str) -> Question:
    """Answer a question once; the asker is notified after commit."""
    if not can_answer_questions(by):
        raise PermissionDenied(_("Only marketing heads answer questions."))
    answer = _clean_text(
        text,
        field="answer",
        empty=_("Write the answer; it cannot be empty."),
        too_long=_("Keep the answer under %(limit)s characters (it has %(length)s)."),
    )
    # The row lock makes two heads answering at once settle on one answer.
    question = Question.objects.select_for_update().get(pk=question.pk)
    if question.answered_at is not None:
        raise Conflict(
            _("This question has been answered already; ask a new question to continue the conversation."),
            code="already_answered",
        )
    question.answer = answer
    question.answered_by = by
    question.answered_at = timezone.now()
    question.save(update_fields=["answer", "answered_by", "answered_at"])
    from experiments.tasks import notify_question_answered

    transaction.on_commit(partial(notify_question_answered.delay, question.pk))
    return question


def question_list(*, experiment_id: int) -> QuerySet[Question]:
    """The questions on one experiment with their answers, oldest first (a read, for the API)."""
    return (
        Question.objects.filter(experiment_id=experiment_id)
        .select_related("author", "answered_by")
        .order_by("created_at", "id")
    )
