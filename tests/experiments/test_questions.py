"""Questions: sales heads and founders ask, marketing heads answer, everyone reads; no blame."""

from functools import partial

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from experiments import tasks
from experiments.models import Question
from experiments.services.questions import question_answer, question_ask
from tests.factories import ExperimentFactory
from tracker.errors import Conflict

pytestmark = pytest.mark.django_db


@pytest.fixture
def experiment(marketer):
    return ExperimentFactory(running=True, owner=marketer)


def enqueued(callbacks) -> list[tuple[str, tuple]]:
    return [(cb.func.__self__.name, cb.args) for cb in callbacks if isinstance(cb, partial)]


def test_a_sales_head_asks_and_the_marketing_heads_are_told(
    experiment, sales_head, marketing_head, marketer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        question = question_ask(experiment=experiment, by=sales_head, text="  Where did this list come from?  ")
    assert (question.text, question.author, question.answered_at) == (
        "Where did this list come from?",
        sales_head,
        None,
    )
    assert enqueued(callbacks) == [("experiments.tasks.notify_question_asked", (question.pk,))]

    assert tasks.notify_question_asked(question.pk) is True
    assert tasks.notify_question_asked(question.pk) is False  # redelivered: not sent twice
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["mhead@example.com"]  # heads talk to heads, not to the marketer
    assert "Where did this list come from?" in mail.outbox[0].body
    assert f"/experiments/{experiment.pk}/" in mail.outbox[0].body


def test_the_marketing_head_answers_once_and_the_asker_is_told(
    experiment, founder, marketing_head, django_capture_on_commit_callbacks
):
    question = question_ask(experiment=experiment, by=founder, text="Why this segment?")
    with django_capture_on_commit_callbacks() as callbacks:
        answered = question_answer(question=question, by=marketing_head, text="It was a test of a new region.")
    assert (answered.answer, answered.answered_by) == ("It was a test of a new region.", marketing_head)
    assert answered.answered_at is not None
    assert enqueued(callbacks) == [("experiments.tasks.notify_question_answered", (question.pk,))]
    tasks.notify_question_answered(question.pk)
    assert mail.outbox[-1].to == ["founder@example.com"]
    assert "It was a test of a new region." in mail.outbox[-1].body

    with pytest.raises(Conflict) as refused:
        question_answer(question=question, by=marketing_head, text="Something else")
    assert refused.value.code == "already_answered"
    question.refresh_from_db()
    assert question.answer == "It was a test of a new region."


@pytest.mark.parametrize("role", ["marketer", "marketing_head", "admin_user"])
def test_only_sales_heads_and_founders_ask(experiment, role, request):
    with pytest.raises(PermissionDenied):
        question_ask(experiment=experiment, by=request.getfixturevalue(role), text="Why?")


@pytest.mark.parametrize("role", ["marketer", "sales_head", "founder", "admin_user"])
def test_only_marketing_heads_answer(experiment, sales_head, role, request):
    question = question_ask(experiment=experiment, by=sales_head, text="Why?")
    with pytest.raises(PermissionDenied):
        question_answer(question=question, by=request.getfixturevalue(role), text="Because.")


def test_empty_text_is_refused(experiment, sales_head, marketing_head):
    with pytest.raises(ValidationError) as invalid:
        question_ask(experiment=experiment, by=sales_head, text="   ")
    assert "text" in invalid.value.message_dict
    question = question_ask(experiment=experiment, by=sales_head, text="Why?")
    with pytest.raises(ValidationError):
        question_answer(question=question, by=marketing_head, text="")


def test_api_ask_answer_and_read(experiment, users, client_for):
    url = f"/api/v1/experiments/{experiment.pk}/questions/"
    asked = client_for(users["sales_head"]).post(url, {"text": "Why are CPLs so low?"}, format="json")
    assert asked.status_code == 201
    question = asked.json()
    assert question["author"] == "shead" and question["answer"] is None

    answer_url = f"/api/v1/questions/{question['id']}/answer/"
    for role in ("marketer", "sales_head", "founder", "admin"):
        assert client_for(users[role]).post(answer_url, {"text": "x"}, format="json").status_code == 403, role
    answered = client_for(users["marketing_head"]).post(answer_url, {"text": "Cheaper audiences."}, format="json")
    assert answered.status_code == 200
    assert answered.json()["answer"] == "Cheaper audiences."
    again = client_for(users["marketing_head"]).post(answer_url, {"text": "More."}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_answered"

    for role in ("marketer", "other_marketer", "marketing_head", "sales_head", "founder", "admin"):
        listed = client_for(users[role]).get(url)
        assert listed.status_code == 200
        assert listed.json()["count"] == 1
    item = client_for(users["marketer"]).get(url).json()["results"][0]
    # Only who wrote which words; no field points at a person to blame.
    assert set(item) == {"id", "experiment", "text", "author", "created_at", "answer", "answered_by", "answered_at"}
    assert (item["author"], item["answered_by"], item["answer"]) == ("shead", "mhead", "Cheaper audiences.")


def test_api_refusals(experiment, users, client_for):
    url = f"/api/v1/experiments/{experiment.pk}/questions/"
    assert client_for(None).get(url).status_code == 401
    for role in ("marketer", "marketing_head", "admin"):
        assert client_for(users[role]).post(url, {"text": "Why?"}, format="json").status_code == 403, role
    assert client_for(users["founder"]).post(url, {"text": ""}, format="json").status_code == 400
    assert client_for(users["founder"]).get("/api/v1/experiments/999999/questions/").status_code == 404
    assert (
        client_for(users["marketing_head"]).post("/api/v1/questions/999999/answer/", {"text": "x"}).status_code == 404
    )
    assert not Question.objects.exists()


def test_question_list_query_count_does_not_grow(experiment, sales_head, marketing_head, client_for, count_queries):
    client = client_for(sales_head)
    url = f"/api/v1/experiments/{experiment.pk}/questions/"
    question_ask(experiment=experiment, by=sales_head, text="One?")
    client.get(url)  # warm the token and group caches
    few = count_queries(client.get, url)
    assert few == 4  # token, experiment, count, page
    for i in range(8):
        q = question_ask(experiment=experiment, by=sales_head, text=f"Question {i}?")
        question_answer(question=q, by=marketing_head, text="Answer.")
    assert count_queries(client.get, url) == few
    assert client.get(url).json()["count"] == 9
