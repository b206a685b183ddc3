"""Form fields for numbers as people type them, in the page's language: one family for every number
field of the pages and the admin (budgets, targets, goals, the regulation).

A person types "5 000 000" or "1 500,50" in Russian, "5,000,000" or "1,500.50" in English, "25 %"
for a share, "1 500 ₽" for an amount; all of them are read by the project's one decimal parser
(`tracker.numbers.parse_decimal`, typed). A share is typed and shown as percent and kept as a
fraction (metrics.md): the field shows 30 and cleans to 0.30. Values are shown back through
`metrics.formatting.typed_number`, in the locale's notation, so that what a form shows it reads again.
"""

from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.formats import get_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from metrics.formatting import typed_number
from tracker.numbers import currency_markers, parse_decimal

PERCENT = ("%",)


def currency_units() -> tuple[str, ...]:
    """What may stand beside an amount: the configured currency's code, symbols and words."""
    return currency_markers(settings.CURRENCY)


def read_typed(value: str, units: tuple[str, ...] = ()) -> Decimal | None:
    """A number typed in the active language (a decimal comma in Russian), or None."""
    return parse_decimal(value, typed=True, decimal_comma=get_format("DECIMAL_SEPARATOR") == ",", units=units)


class LocalizedDecimalField(forms.DecimalField):
    """A decimal typed the way a person of the page's language types it; `units` (a currency, "%")
    may stand before or after it. A text input, so that the browser keeps the spaces. It shows a
    value with the places it has ("5000.00"), or with `trim_zeros` without trailing zeros ("0.05")."""

    widget = forms.TextInput
    default_error_messages = {"invalid": _("Enter a number, such as 1,500,000 or 0.25.")}

    def __init__(self, *, units: tuple[str, ...] = (), trim_zeros: bool = False, **kwargs: Any) -> None:
        self.units, self.trim_zeros = units, trim_zeros
        super().__init__(**kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        # The bounds are checked here with their words; the keyboard on a phone offers digits.
        return {"inputmode": "decimal", "autocomplete": "off"}

    # django-stubs gives DecimalField the to_python of IntegerField, its base class.
    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal | int) and not isinstance(value, bool):
            return Decimal(value)
        number = read_typed(str(value), self.units)
        if number is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return number

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Decimal) and self.trim_zeros:
            value = value.normalize()
        return typed_number(value) if isinstance(value, Decimal | int | float) else value


class AmountField(LocalizedDecimalField):
    """Money in `settings.CURRENCY`: 2 places at most, the currency's sign or word may be typed with it."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", 0)
        super().__init__(units=currency_units(), **kwargs)


class PercentField(LocalizedDecimalField):
    """A share typed as percent ("25", "25 %", "27,5") and cleaned to its fraction (0.25, 0.275).

    The bounds are in percent, as the reader types them: from `min_percent` to `max_percent`, or
    strictly between them with `exclusive`; `decimal_places` are those of the percent.
    """

    default_error_messages = {
        "invalid": _("Enter a percent, such as 25 or 27.5."),
        "range": _("Enter a percent from %(low)s to %(high)s."),
        "exclusive_range": _("Enter a percent above %(low)s and below %(high)s."),
        "max_decimal_places": ngettext_lazy(
            "Give the percent with at most %(max)s decimal place.",
            "Give the percent with at most %(max)s decimal places.",
            "max",
        ),
    }

    def __init__(
        self,
        *,
        min_percent: int = 0,
        max_percent: int | None = 100,
        exclusive: bool = False,
        decimal_places: int = 1,
        **kwargs: Any,
    ) -> None:
        self.min_percent, self.max_percent, self.exclusive = min_percent, max_percent, exclusive
        super().__init__(units=PERCENT, decimal_places=decimal_places + 2, **kwargs)
        self.percent_places = decimal_places

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        if isinstance(value, Decimal | int) and not isinstance(value, bool):
            return Decimal(value)  # a fraction already (an initial value)
        percent = super().to_python(value)
        return None if percent is None else percent / 100

    def prepare_value(self, value: Any) -> Any:
        return typed_number(value, percent=True) if isinstance(value, Decimal | int | float) else value

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is None:
            return
        percent = value * 100
        low, high = self.min_percent, self.max_percent
        if self.exclusive:
            inside = percent > low and (high is None or percent < high)
        else:
            inside = percent >= low and (high is None or percent <= high)
        if not inside:
            code = "exclusive_range" if self.exclusive else "range"
            raise ValidationError(self.error_messages[code], code=code, params={"low": low, "high": high})
        if percent != percent.quantize(Decimal(1).scaleb(-self.percent_places)):
            raise ValidationError(
                self.error_messages["max_decimal_places"],
                code="max_decimal_places",
                params={"max": self.percent_places},
            )

    def run_validators(self, value: Any) -> None:
        # The bounds and places were checked in percent by validate(); Django's own validators would
        # say them as fractions.
        return


class WholeNumberField(forms.IntegerField):
    """A whole number typed with its thousands apart ("1 500", "1,500" in English)."""

    widget = forms.TextInput

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        return {"inputmode": "numeric", "autocomplete": "off"}

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        number = read_typed(str(value))
        if number is None or number != number.to_integral_value():
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return int(number)
