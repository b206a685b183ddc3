"""Saying a rule once, on the model: constraints and validators whose words reach the reader.

Models state their rules as field validators and constraints; `full_clean()` checks them with their
messages (translated, with a code) and the database holds the constraints. Services type their input,
call `validate()` and add only what a row cannot say (a rule across rows). Forms built on a model
(the admin's) get the same checks from Django.
"""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core import validators
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, models
from django.db.models.constraints import BaseConstraint


class _ReportedOnField(BaseConstraint):
    """A constraint whose violation `full_clean()` reports on `field`, as the form shows it, instead of
    on the row as a whole. The field is one the condition reads: a form without it skips the check."""

    non_db_attrs = (*BaseConstraint.non_db_attrs, "field")

    def __init__(self, *args: Any, field: str, **kwargs: Any) -> None:
        self.field = field
        super().__init__(*args, **kwargs)

    def validate(
        self,
        model: type[models.Model],
        instance: models.Model,
        exclude: set[str] | None = None,
        using: str = DEFAULT_DB_ALIAS,
    ) -> None:
        try:
            super().validate(model, instance, exclude=exclude, using=using)
        except ValidationError as exc:
            raise ValidationError({self.field: exc.error_list}) from None

    def deconstruct(self) -> tuple[str, Sequence[Any], dict[str, Any]]:
        path, args, kwargs = super().deconstruct()
        return path, args, {**kwargs, "field": self.field}

    # Defining __eq__ leaves the class unhashable, as Django's constraints are.
    def __eq__(self, other: object) -> bool:
        return super().__eq__(other) and self.field == getattr(other, "field", None)


class FieldCheckConstraint(_ReportedOnField, models.CheckConstraint):
    """A `CheckConstraint` whose message belongs to one field."""


class FieldUniqueConstraint(_ReportedOnField, models.UniqueConstraint):
    """A `UniqueConstraint` (on an expression, say) whose message belongs to one field."""


class MaxLength(validators.MaxLengthValidator):
    """Django's `MaxLengthValidator`, whose message may also say %(limit)s and the text's %(length)s."""

    def __call__(self, value: str) -> None:
        try:
            super().__call__(value)
        except ValidationError as exc:
            exc.params = {**(exc.params or {}), "limit": self.limit_value, "length": len(value)}
            raise


class MaxValue(validators.MaxValueValidator):
    """Django's `MaxValueValidator`, whose message may also say %(max)s."""

    def __call__(self, value: Any) -> None:
        try:
            super().__call__(value)
        except ValidationError as exc:
            exc.params = {**(exc.params or {}), "max": self.limit_value}
            raise


class MinValue(validators.MinValueValidator):
    """Django's `MinValueValidator`, whose message may also say %(min)s, and %(max)s when the field
    refuses a range in one sentence (with `MaxValue` for the upper end)."""

    def __init__(self, limit_value: Any, message: Any = None, *, max_value: Any = None) -> None:
        super().__init__(limit_value, message)
        self.max_value = max_value

    def __call__(self, value: Any) -> None:
        try:
            super().__call__(value)
        except ValidationError as exc:
            exc.params = {**(exc.params or {}), "min": self.limit_value, "max": self.max_value}
            raise

    def __eq__(self, other: object) -> bool:
        return super().__eq__(other) and self.max_value == getattr(other, "max_value", None)


# Dates people enter by hand: a year typed wrong (1026, 20226) is refused, not stored to skew a sum.
def violation_message(model: type[models.Model], constraint: str) -> str:
    """A constraint's own refusal, for when the database answers a race that `full_clean()` could not see."""
    message = next(c for c in model._meta.constraints if c.name == constraint).get_violation_error_message()
    # Django formats the message with the constraint's name, which makes it a str; the stubs also
    # allow the per-field dict a ValidationError takes.
    return str(message)


def refusal(model: type[models.Model], name: str) -> ValidationError:
    """The field's own words for a value that is not of its type (its `error_messages["invalid"]`),
    for a service that types its input before the model sees it."""
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field), f"{model.__name__}.{name} is a reverse relation, not a field"
    return ValidationError(field.error_messages["invalid"], code="invalid")


def model_errors(instance: models.Model, *, exclude: Iterable[str] = ()) -> dict[str, list[ValidationError]]:
    """What `full_clean()` refuses, per field ({} when nothing): validators, `clean()`, uniqueness and
    constraints. Fields in `exclude` are skipped, and so is every constraint that reads one of them."""
    try:
        instance.full_clean(exclude=list(exclude))
    except ValidationError as exc:
        return exc.error_dict
    return {}


def validate(
    instance: models.Model,
    *,
    refused: Mapping[str, Sequence[ValidationError | str]] | None = None,
    exclude: Iterable[str] = (),
    only: Iterable[str] | None = None,
) -> None:
    """`full_clean()` the instance and raise one `ValidationError` with every field's refusal.

    `refused` holds what the caller refused already (input that is not of the field's type): those
    fields are not checked again, and their refusals come first. `only` checks just those fields
    (what a partial write changes), as if every other field were in `exclude`.
    """
    errors: dict[str, Sequence[ValidationError | str]] = dict(refused or {})
    skipped = {*exclude, *errors}
    if only is not None:
        skipped |= {field.name for field in instance._meta.concrete_fields} - set(only)
    errors.update(model_errors(instance, exclude=skipped))
    if errors:
        raise ValidationError(errors)
