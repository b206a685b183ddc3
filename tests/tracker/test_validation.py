"""Rules said once, on the models: a constraint's words reach the field they concern, in the
reader's language, and the database holds the rule whatever path writes."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone, translation

from experiments.models import Channel, Question, Regulation
from tests.factories import ExperimentFactory
from tracker.numbers import parse_decimal, parse_int
from tracker.validation import validate


@pytest.mark.django_db
def test_a_constraint_refuses_on_its_field_in_the_readers_language():
    regulation = Regulation(version=99, min_test_period_days=31)  # above the default of 30
    for language, words in (
        ("en", "The minimum test period must not exceed the default test period."),
        ("ru", "Минимальный тестовый период не может быть больше тестового периода по умолчанию."),
    ):
        with translation.override(language), pytest.raises(ValidationError) as refused:
            regulation.full_clean()
        assert refused.value.message_dict == {"min_test_period_days": [words]}
    assert refused.value.error_dict["min_test_period_days"][0].code == "min_period_above_default"


@pytest.mark.django_db
def test_a_field_already_refused_is_not_checked_again_and_its_refusal_comes_first():
    regulation = Regulation(version=99, non_target_threshold=Decimal("2"))
    with pytest.raises(ValidationError) as refused:
        validate(regulation, refused={"non_target_threshold": ["Enter a decimal number such as 0.30."]})
    assert refused.value.message_dict == {"non_target_threshold": ["Enter a decimal number such as 0.30."]}


@pytest.mark.django_db
def test_the_database_holds_the_rules_a_service_would_check():
    Channel.objects.create(name="Events", slug="events")
    with pytest.raises(IntegrityError):
        Channel.objects.create(name="EVENTS", slug="events-2")


@pytest.mark.django_db
def test_an_answered_question_has_an_answer_in_the_database(marketer, marketing_head):
    question = Question.objects.create(
        experiment=ExperimentFactory.create(owner=marketer), author=marketer, text="Why?"
    )
    with pytest.raises(IntegrityError):
        Question.objects.filter(pk=question.pk).update(answered_by=marketing_head, answered_at=timezone.now())


@pytest.mark.parametrize(
    ("value", "number"),
    [
        ("1500.10", Decimal("1500.10")),
        (" 7 ", Decimal("7")),
        (1500.1, Decimal("1500.1")),  # a JSON float means what it prints
        (Decimal("0.25"), Decimal("0.25")),
        (3, Decimal("3")),
        ("1,5", None),
        ("Infinity", None),
        ("NaN", None),
        ("lots", None),
        ("", None),
        (True, None),
        (None, None),
    ],
)
def test_one_decimal_parser(value, number):
    assert parse_decimal(value) == number


def test_the_decimal_parser_reads_a_decimal_comma_or_an_infinity_when_asked():
    assert parse_decimal("1,5", decimal_comma=True) == Decimal("1.5")
    assert parse_decimal(float("inf"), finite=False) == Decimal("Infinity")
    assert parse_decimal("NaN", finite=False) is None


@pytest.mark.parametrize(
    ("value", "number"), [(7, 7), (" -3 ", -3), ("7", 7), ("7.0", None), (2.0, None), (True, None)]
)
def test_whole_numbers(value, number):
    assert parse_int(value) == number
