"""Number fields read what a person of the page's language types, and show shares as percent."""

from decimal import Decimal

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.utils import translation

from experiments.forms import apply_service_errors
from metrics.form_fields import AmountField, LocalizedDecimalField, PercentField, WholeNumberField


class Numbers(forms.Form):
    budget = AmountField(label="Budget", required=False)
    share = PercentField(label="Share", required=False)
    leads = WholeNumberField(label="Leads", required=False, min_value=0)
    alpha = LocalizedDecimalField(label="Alpha", required=False, decimal_places=4)


@pytest.mark.parametrize(
    ("language", "data", "cleaned"),
    [
        (
            "ru",
            {"budget": "5 000 000", "share": "25 %", "leads": "1 500", "alpha": "0,05"},
            {"budget": Decimal("5000000"), "share": Decimal("0.25"), "leads": 1500, "alpha": Decimal("0.05")},
        ),
        (
            "ru",
            {"budget": "1\u00a0500,50 ₽", "share": "27,5", "leads": "40", "alpha": ""},
            {"budget": Decimal("1500.50"), "share": Decimal("0.275"), "leads": 40, "alpha": None},
        ),
        (
            "en",
            {"budget": "RUB 5,000,000", "share": "25%", "leads": "1,500", "alpha": "0.05"},
            {"budget": Decimal("5000000"), "share": Decimal("0.25"), "leads": 1500, "alpha": Decimal("0.05")},
        ),
    ],
)
def test_fields_read_numbers_typed_in_the_pages_language(language, data, cleaned):
    with translation.override(language):
        form = Numbers(data)
        assert form.is_valid(), form.errors
    assert form.cleaned_data == cleaned


def test_fields_refuse_what_is_not_a_number_in_the_readers_words():
    with translation.override("ru"):
        form = Numbers({"budget": "много", "share": "150", "leads": "1,5", "alpha": "x"})
        assert not form.is_valid()
        errors = {name: messages[0] for name, messages in form.errors.items()}
    assert errors["budget"] == "Введите число, например 1 500 000 или 0,25."
    assert errors["share"] == "Введите процент от 0 до 100."
    assert errors["leads"] == "Введите целое число."
    with translation.override("en"):
        form = Numbers({"share": "12.34"})
        assert not form.is_valid()
    assert form.errors["share"] == ["Give the percent with at most 1 decimal place."]


def test_a_share_is_shown_as_percent_and_money_in_the_locales_notation():
    with translation.override("ru"):
        form = Numbers(initial={"budget": Decimal("150000.50"), "share": Decimal("0.3000"), "leads": 1500})
        assert 'value="150000,50"' in str(form["budget"])
        assert 'value="30"' in str(form["share"])
        assert 'inputmode="decimal"' in str(form["share"]) and 'type="text"' in str(form["share"])
    with translation.override("en"):
        form = Numbers(initial={"share": Decimal("0.275")})
        assert 'value="27.5"' in str(form["share"])


def test_service_errors_land_on_fields_in_their_labels_words():
    class Experimentish(forms.Form):
        title = forms.CharField(label="Title")
        max_cpl = AmountField(label="Max CPL")
        SERVICE_LABELS = {"targets": "Targets"}

    form = Experimentish({"title": "x", "max_cpl": "1"})
    form.is_valid()
    refusal = ValidationError("%(key)s must be at least 0.", code="invalid", params={"key": "max_cpl"})
    apply_service_errors(
        form,
        ValidationError(
            {
                "title": ["Taken."],
                "targets": [refusal, ValidationError("Targets must be an object.")],
                "regulation": ["No regulation is in force."],
            }
        ),
    )
    assert form.errors["max_cpl"] == ["Max CPL must be at least 0."]
    assert form.errors["title"] == ["Taken."]
    assert form.non_field_errors() == ["Targets: Targets must be an object.", "No regulation is in force."]
