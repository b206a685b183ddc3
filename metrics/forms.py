"""Forms of the metrics pages. They read what people type and check shapes only; the rules (a date
between 2000 and 2100, a non-negative amount, who may add which kind, a mapping that fits the file)
are the service's and the model's, shown on the matching field by
`experiments.forms.apply_service_errors`."""

import hashlib
import json
import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Field
from django.utils.formats import get_format
from django.utils.text import capfirst, format_lazy
from django.utils.translation import gettext_lazy as _

from experiments.forms import DATE_INPUT, apply_service_errors
from metrics.formatting import amount
from metrics.models import ImportKind, ImportProfile, Lead, Spend
from metrics.sources.presets import LEAD_SOURCE_FIELDS, LEVEL_LABELS, PRESETS, SPEND_SOURCE_FIELDS
from metrics.sources.values import fold
from tracker.input_limits import MAX_YEAR, MIN_YEAR, validate_single_line
from tracker.numbers import parse_decimal, parse_int

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

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
            attrs={"type": "date", "min": f"{MIN_YEAR}-01-01", "max": f"{MAX_YEAR}-12-31"},
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


# --- imports: the upload and the preview's answers ------------------------------------------------

# What the file input offers; the file's kind is worked out from its bytes whatever its name says.
IMPORT_ACCEPT = ",".join(
    (
        ".csv",
        ".xlsx",
        ".xls",
        ".txt",
        "text/csv",
        "text/plain",
        "text/html",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.ms-excel",
    )
)


def preset_choices() -> list[tuple[Any, Any]]:
    """The sources an upload may name, grouped by the data they hold; empty: worked out from the columns."""
    groups = [
        (ImportKind(kind).label, [(preset.name, preset.label) for preset in PRESETS if preset.kind == kind])
        for kind in ImportKind.values
    ]
    return [("", _("— work it out from the columns —")), *groups]


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Export file"),
        help_text=_(
            "The file as the CRM or the ad cabinet gave it: CSV in any encoding, Excel (.xlsx) or "
            "Bitrix24's “Excel” (.xls). Nothing needs reformatting: the next step shows how it is read."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": IMPORT_ACCEPT}),
    )
    kind = forms.ChoiceField(
        label=_("The file holds"), choices=ImportKind.choices, initial=ImportKind.LEADS, widget=forms.RadioSelect
    )
    preset = forms.ChoiceField(label=_("Source"), choices=preset_choices, required=False)


class ImportReadForm(forms.Form):
    """How the preview reads the file again: another source's conventions, another sheet (a GET form:
    the preview's address says how the file is read)."""

    kind = forms.CharField(widget=forms.HiddenInput)
    preset = forms.ChoiceField(label=_("Source"))
    sheet = forms.ChoiceField(label=_("Sheet"))

    def __init__(self, *, preview: dict[str, Any], sheet: str | None) -> None:
        sheets = preview["sheets"] or []
        shown = sheet or (sheets[0] if sheets else "")  # the first sheet unless another is asked for
        super().__init__(initial={"kind": preview["kind"], "preset": preview["preset"], "sheet": shown})
        preset = self.fields["preset"]
        assert isinstance(preset, forms.ChoiceField)
        preset.choices = [(each["name"], each["label"]) for each in preview["presets"]]
        if len(sheets) > 1:
            choice = self.fields["sheet"]
            assert isinstance(choice, forms.ChoiceField)
            choice.choices = [(name, name) for name in sheets]
        else:
            del self.fields["sheet"]


def source_field_label(kind: str, name: str) -> "StrOrPromise":
    """How the preview names one of our fields a column may hold."""
    own: dict[str, StrOrPromise] = {
        "stage": _("CRM stage"),
        "reason": _("Loss reason"),
        "campaign": _("Ad campaign"),
        "utm_campaign": "utm_campaign",
    }
    if name in own:
        return own[name]
    model, known = (Lead, LEAD_SOURCE_FIELDS) if kind == ImportKind.LEADS else (Spend, SPEND_SOURCE_FIELDS)
    if name not in known:
        return name
    field = model._meta.get_field(name)
    assert isinstance(field, Field)
    return capfirst(field.verbose_name)


def value_key(section: str, value: str) -> str:
    """The name of a value's field: stable for the value however the file's rows are counted."""
    return f"{section}-{hashlib.blake2s(fold(value).encode(), digest_size=6).hexdigest()}"


# The columns whose values the preview lists, with the section of the page that lists them.
VALUE_COLUMNS = ("stage", "reason", "campaign")


class ImportPreviewForm(forms.Form):
    """The answers on an import's preview (docs/imports.md): a column per field, a level per stage
    value, the loss reasons that mark leads non-target, a utm_campaign per ad campaign, and whether
    to remember them as a profile. Built from the preview (`import_preview`'s payload); the answers
    become the import's options (`options()`)."""

    # The columns the listed values were read from: answers given for another column's values are
    # not taken as answers for the column chosen now.
    counted = forms.CharField(widget=forms.HiddenInput, required=False)
    save_profile = forms.BooleanField(required=False)
    profile_name = forms.CharField(
        label=_("Profile name"), required=False, max_length=120, validators=[validate_single_line]
    )

    # A service's refusal of these names lands on the named field, of the others above the form.
    SERVICE_LABELS = {
        "mapping": _("Columns"),
        "stages": _("Stage levels"),
        "reasons": _("Loss reasons"),
        "campaigns": _("Campaigns"),
        "file": _("File"),
        "upload": _("File"),
        "sheet": _("Sheet"),
        "preset": _("Source"),
        "kind": _("Data"),
        "headers": _("Columns"),
    }

    def __init__(self, data: Any = None, *, preview: dict[str, Any]) -> None:
        self.preview = preview
        self.kind: str = preview["kind"]
        values = self._value_fields()
        self.posted_counted: str | None = None
        if data is not None:
            data = data.copy()
            self.posted_counted = data.get("counted", "")
            data["counted"] = self.counted_columns()
            # A value first listed now (its column just changed) starts from its proposal.
            for name, field in values.items():
                if name not in data:
                    data[name] = field.initial
        super().__init__(data, initial={"counted": self.counted_columns()})
        for name in preview["fields"]:
            self.fields[f"column-{name}"] = self._column_field(name)
        self.fields.update(values)
        profile = preview["profile"]
        save = self.fields["save_profile"]
        if profile is not None:
            save.label = _("Update the profile “%(name)s” with these answers") % {"name": profile["name"]}
            self.initial["profile_name"] = profile["name"]
        else:
            save.label = _("Remember these answers as a profile: a file with the same columns gets them next time")
            self.initial["profile_name"] = preview["preset_label"]

    @staticmethod
    def posted_columns(data: Any, kind: str) -> dict[str, str]:
        """The columns a submitted form chose (unchecked), to read the file's values by."""
        fields = LEAD_SOURCE_FIELDS if kind == ImportKind.LEADS else SPEND_SOURCE_FIELDS
        chosen = {name: data.get(f"column-{name}") for name in fields}
        return {name: header for name, header in chosen.items() if isinstance(header, str) and header}

    def counted_columns(self) -> str:
        mapping = self.preview["mapping"]
        return json.dumps({name: mapping.get(name) or "" for name in VALUE_COLUMNS}, sort_keys=True)

    def columns_changed(self) -> bool:
        """The form was answered for values of other columns than the ones listed now."""
        return self.posted_counted is not None and self.posted_counted != self.counted_columns()

    def _column_field(self, name: str) -> forms.ChoiceField:
        headers = dict.fromkeys(header for header in self.preview["headers"] if header.strip())
        required = name in self.preview["required"]
        return forms.ChoiceField(
            label=source_field_label(self.kind, name),
            choices=[("", _("— not in the file —")), *((header, header) for header in headers)],
            required=required,
            initial=self.preview["mapping"].get(name, ""),
            help_text=format_lazy("{} · {}", name, _("required")) if required else name,
            error_messages={"required": _("Choose the column that holds this field.")},
        )

    def _value_fields(self) -> dict[str, forms.Field]:
        fields: dict[str, forms.Field] = {}
        values = self.preview["values"]
        for item in values["stage"]:
            fields[value_key("stage", item["value"])] = forms.ChoiceField(
                label=item["value"],
                choices=[("", _("— choose —")), *LEVEL_LABELS.items()],
                required=False,
                initial=item["level"] or "",
            )
        for item in values["reason"]:
            fields[value_key("reason", item["value"])] = forms.ChoiceField(
                label=item["value"],
                choices=[("", _("— ignore —")), ("non_target", LEVEL_LABELS["non_target"])],
                required=False,
                initial=item["level"] or "",
            )
        for item in values.get("campaign", ()):
            fields[value_key("campaign", item["value"])] = forms.CharField(
                label=item["value"],
                required=False,
                max_length=255,
                initial=item["utm_campaign"] or "",
                validators=[validate_single_line],
                widget=forms.TextInput(attrs={"placeholder": item["value"], "autocomplete": "off"}),
            )
        return fields

    def column_fields(self) -> list[forms.BoundField]:
        return [self[f"column-{name}"] for name in self.preview["fields"]]

    def value_rows(self, section: str) -> list[dict[str, Any]]:
        """The listed values of a column (`VALUE_COLUMNS`) with their counts and fields; `unanswered`
        is a stage without a level (its rows will be line errors)."""
        rows = []
        for item in self.preview["values"].get(section, ()):
            field = self[value_key(section, item["value"])]
            rows.append({**item, "field": field, "unanswered": section == "stage" and not field.value()})
        return rows

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("save_profile") and not data.get("profile_name"):
            self.add_error("profile_name", _("Name the profile."))
        return data

    def options(self) -> dict[str, dict[str, str]]:
        """The import's maps (`import_job_create`): only what was answered."""
        data = self.cleaned_data
        answered = {
            section: {item["value"]: data.get(value_key(section, item["value"])) or "" for item in values}
            for section, values in self.preview["values"].items()
        }
        options = {
            "mapping": {name: data[f"column-{name}"] for name in self.preview["fields"] if data.get(f"column-{name}")},
            "stages": {value: level for value, level in answered["stage"].items() if level},
            "reasons": {value: level for value, level in answered["reason"].items() if level},
        }
        if self.kind == ImportKind.SPEND:
            options["campaigns"] = {value: utm for value, utm in answered.get("campaign", {}).items() if utm}
        return options

    def add_service_errors(self, error: ValidationError) -> None:
        """A service's refusal on the field it names: one of our fields on its column, a profile's name
        on the profile's, the rest above the form."""
        if hasattr(error, "error_dict"):
            renamed = {"name": "profile_name", **{name: f"column-{name}" for name in self.preview["fields"]}}
            error = ValidationError({renamed.get(key, key): items for key, items in error.error_dict.items()})
        apply_service_errors(self, error)


def profile_of(preview: dict[str, Any]) -> ImportProfile | None:
    """The saved profile a preview proposed, if it is still there."""
    found = preview["profile"]
    return None if found is None else ImportProfile.objects.filter(pk=found["id"]).first()
