"""Who may do what, as one table over the rules every path calls (services, pages, admin, API),
and the API's refusal of each rule in the reader's language."""

from collections.abc import Callable

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.utils import translation

from experiments import permissions as experiment_rules
from experiments.models import Question
from meetings import permissions as meeting_rules
from meetings.models import Meeting
from metrics import permissions as metric_rules
from tests.factories import ExperimentFactory, UserFactory

# "own" and "other's" are one experiment, owned by the marketer (alice). A deactivated account is
# a marketing head and an admin whose account was switched off.
WHO_MAY = """
action                     marketer other_marketer marketing_head sales_head founder admin deactivated anonymous
change_regulation          -        -              -              -          -       yes   -           -
register_experiments       yes      yes            yes            -          -       yes   -           -
manage_experiment          yes      -              yes            -          -       yes   -           -
import_data                yes      yes            yes            yes        -       yes   -           -
file_reviews               -        -              -              yes        -       -     -           -
ask_questions              -        -              -              yes        yes     -     -           -
answer_questions           -        -              yes            -          -       -     -           -
set_goals                  -        -              -              -          yes     yes   -           -
write_meeting_notes        -        -              yes            yes        yes     -     -           -
"""

RULES: dict[str, Callable[..., bool]] = {
    "change_regulation": experiment_rules.can_change_regulation,
    "register_experiments": experiment_rules.can_register_experiments,
    "manage_experiment": experiment_rules.can_manage_experiment,  # (user, experiment)
    "import_data": metric_rules.can_import_data,
    "file_reviews": experiment_rules.can_file_reviews,
    "ask_questions": experiment_rules.can_ask_questions,
    "answer_questions": experiment_rules.can_answer_questions,
    "set_goals": meeting_rules.can_set_goals,
    "write_meeting_notes": meeting_rules.can_write_meeting_notes,
}


def _table() -> list[tuple[str, str, bool]]:
    header, *rows = (line.split() for line in WHO_MAY.strip().splitlines())
    return [(row[0], role, mark == "yes") for row in rows for role, mark in zip(header[1:], row[1:], strict=True)]


def test_the_table_names_every_rule_and_nothing_else():
    assert {action for action, _role, _allowed in _table()} == set(RULES)


@pytest.fixture
def deactivated(db):
    user = UserFactory.create(username="gone", is_staff=True, is_active=False)
    user.groups.add(Group.objects.get(name=experiment_rules.Role.MARKETING_HEAD))
    return user


@pytest.mark.django_db
@pytest.mark.parametrize(("action", "role", "allowed"), _table())
def test_who_may_do_what(users, deactivated, action, role, allowed):
    user = {**users, "deactivated": deactivated, "anonymous": AnonymousUser()}[role]
    rule = RULES[action]
    if action == "manage_experiment":
        assert rule(user, ExperimentFactory.create(owner=users["marketer"])) is allowed
    else:
        assert rule(user) is allowed


# --- the API's refusals ------------------------------------------------------------------------


def _refusals(users) -> list[tuple[str, str, str, dict[str, object] | list[object], str]]:
    """(method, path, role refused, body, refusal sentence) for each permission of the API."""
    experiment = ExperimentFactory.create(running=True, owner=users["marketer"])
    question = Question.objects.create(experiment=experiment, author=users["sales_head"], text="Why?")
    meeting = Meeting.objects.create(kind="sync", date="2026-12-01", agenda={})
    return [
        ("post", "/api/v1/regulations/", "marketer", {}, "Only an administrator can change the regulation."),
        (
            "post",
            "/api/v1/channels/",
            "sales_head",
            {},
            "Only marketers, marketing heads and administrators can do this.",
        ),
        (
            "patch",
            f"/api/v1/experiments/{experiment.pk}/",
            "other_marketer",
            {},
            "Only the experiment's owner, a marketing head or an administrator can change this experiment.",
        ),
        ("post", f"/api/v1/experiments/{experiment.pk}/review/", "marketer", {}, "Only sales heads file reviews."),
        (
            "post",
            f"/api/v1/experiments/{experiment.pk}/questions/",
            "marketer",
            {},
            "Only sales heads and founders ask questions about experiments.",
        ),
        (
            "post",
            f"/api/v1/questions/{question.pk}/answer/",
            "sales_head",
            {},
            "Only marketing heads answer questions.",
        ),
        (
            "post",
            "/api/v1/leads/",
            "founder",
            [],
            "Only marketers, the heads of marketing and sales, and admins may send lead data.",
        ),
        ("post", "/api/v1/goals/", "marketer", {}, "Only the founder or an administrator sets department goals."),
        (
            "patch",
            f"/api/v1/meetings/{meeting.pk}/",
            "marketer",
            {},
            "Only marketing heads, sales heads and the founder write meeting notes and decisions.",
        ),
    ]


@pytest.mark.django_db
def test_each_api_refusal_reads_its_own_sentence_in_the_readers_language(users, client_for):
    for method, path, role, body, sentence in _refusals(users):
        client = client_for(users[role])
        english = getattr(client, method)(path, body, format="json", HTTP_ACCEPT_LANGUAGE="en")
        assert english.status_code == 403, path
        assert english.json() == {"detail": sentence, "code": "permission_denied"}, path
        russian = getattr(client, method)(path, body, format="json", HTTP_ACCEPT_LANGUAGE="ru")
        with translation.override("ru"):
            expected = translation.gettext(sentence)
        assert expected != sentence, f"no Russian for {sentence!r}"
        assert russian.json() == {"detail": expected, "code": "permission_denied"}, path
        # Nobody signed out gets past the sign-in, whatever the rule.
        assert getattr(client_for(None), method)(path, body, format="json").status_code == 401, path
