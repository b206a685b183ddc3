"""The one decimal parser reading numbers as people type them into forms, in either language."""

from decimal import Decimal

import pytest

from tracker.numbers import currency_markers, parse_decimal

RUB = currency_markers("RUB")


@pytest.mark.parametrize(
    ("text", "decimal_comma", "units", "number"),
    [
        ("5 000 000", True, (), Decimal("5000000")),
        ("1 500", True, (), Decimal("1500")),
        ("5\u00a0000\u202f000,50", True, (), Decimal("5000000.50")),  # no-break and narrow no-break spaces
        ("1,500", True, (), Decimal("1.5")),  # a Russian decimal comma
        ("1,500", False, (), Decimal("1500")),  # English thousands
        ("1.5", True, (), Decimal("1.5")),  # a point is a decimal point in Russian too
        ("0,25", False, (), Decimal("0.25")),  # a lone comma before fewer than 3 digits is a decimal one
        ("1,500.50", False, (), Decimal("1500.50")),
        ("1.500,50", True, (), Decimal("1500.50")),
        ("5,000,000", False, (), Decimal("5000000")),
        ("−1 500", True, (), Decimal("-1500")),  # the minus sign the formatter writes
        ("25 %", True, ("%",), Decimal("25")),
        ("25%", False, ("%",), Decimal("25")),
        ("1 500 ₽", True, RUB, Decimal("1500")),
        ("1 500 руб.", True, RUB, Decimal("1500")),
        ("RUB 1,500.00", False, RUB, Decimal("1500.00")),
        ("5 000 000 р.", True, RUB, Decimal("5000000")),
        ("1500 rub", False, RUB, Decimal("1500")),
        ("1 50", True, (), None),  # spaces split thousands only
        ("12 3456", True, (), None),
        ("1,5,0", False, (), None),
        ("1e5", True, (), None),
        ("25 %", True, (), None),  # a unit the field does not take
        ("$1 500", True, RUB, None),  # another currency than the configured one
        ("lots", True, (), None),
        ("", True, (), None),
    ],
)
def test_typed_numbers_are_read_as_people_write_them(text, decimal_comma, units, number):
    assert parse_decimal(text, typed=True, decimal_comma=decimal_comma, units=units) == number


def test_untyped_reading_is_unchanged_by_the_typed_rules():
    # The API and the CSV imports keep their strict notation: no grouping, no units.
    assert parse_decimal("1 500") is None
    assert parse_decimal("1,500") is None
    assert parse_decimal("25%") is None


def test_the_currency_markers_are_those_of_the_configured_currency():
    assert {"RUB", "₽", "руб."} <= set(RUB)
    assert "$" in currency_markers("USD") and "$" not in RUB
