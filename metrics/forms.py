"""Forms of the metrics pages. They read what people type and check shapes only; the rules (a date
between 2000 and 2100, a non-negative amount, who may add which kind) are the service's and the
model's, shown on the matching field by `experiments.forms.apply_service_errors`."""

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.formats import get_format
from django.utils.translation import gettext_lazy as _

from experiments.forms import DATE_INPUT
from metrics.formatting import amount
from metrics.models import Spend
from tracker.numbers import parse_decimal, parse_int
from tracker.validation import EARLIEST_DATE, LATEST_DATE

# Spaces people put between thousands: plain, no-break (what a Russian locale copies), narrow, thin.
_GROUP_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]")
_ONE_GROUP = re.compile(r"-?\d{1,3},\d{3}")


def number_as_typed(text: str) -> str:
    """A number as people type it, with a point for its decimal mark and no grouping:
    "12 500,50" and "12,500.50" → "12500.50"; "1.234.567" → "1234567".

    When both marks appear, the last one is the decimal mark. A lone comma is a decimal comma, except
    where the reader's locale groups thousands with commas and it is followed by exactly three digits
    ("12,500" is twelve thousand five hundred in English, twelve and a half in Russian).
    """
    text = _GROUP_SPACES.sub("", text)
    if "," in text and "." in text:
        grouping = "," if text.rfind(".") > text.rfind(",") else "."
        return text.replace(grouping, "").replace(",", ".")
    for mark in (",", "."):
        if text.count(mark) > 1:
            return text.replace(mark, "")
    if _ONE_GROUP.fullmatch(text) and get_format("DECIMAL_SEPARATOR") == ".":
        return text.replace(",", "")
    return text.replace(",", ".")


class TypedDecimalField(forms.CharField):
    """A decimal as people type it (`number_as_typed`), read by the project's one parser."""

    default_error_messages = {"invalid": _("Enter a number, e.g. 12 500,50.")}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        number = parse_decimal(number_as_typed(text))
        if number is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return number


class TypedCountField(forms.CharField):
    """A whole number as people type it: "1 200" is 1200."""

    default_error_messages = {"invalid": _("Enter a whole number, e.g. 1 200.")}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        number = parse_int(_GROUP_SPACES.sub("", text))
        if number is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return number


class SpendForm(forms.Form):
    """One spend row. `kinds` are the kinds the user may enter (`metrics.permissions`)."""

    # The picker offers the days the model accepts; the server checks them anyway.
    date = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(
            attrs={"type": "date", "min": EARLIEST_DATE.isoformat(), "max": LATEST_DATE.isoformat()},
            format=DATE_INPUT.format,
        ),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Spend.Kind.choices)
    amount = TypedDecimalField(label=_("Amount"))
    visits = TypedCountField(label=_("Visits"), required=False)

    def __init__(self, *args: Any, kinds: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["kind"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(value, label) for value, label in Spend.Kind.choices if value in kinds]

    @classmethod
    def initial_for(cls, spend: Spend) -> dict[str, Any]:
        # The amount as the reader's locale writes it ("12 500,50"), which the field reads back.
        return {"date": spend.date, "kind": spend.kind, "amount": amount(spend.amount), "visits": spend.visits}

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {name: data.get(name) for name in ("date", "amount", "kind", "visits")}
