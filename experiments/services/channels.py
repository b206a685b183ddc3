"""Channels: where leads come from."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_slug
from django.db import IntegrityError, transaction

from experiments.models import Channel
from experiments.roles import can_register_experiments


@transaction.atomic
def channel_create(*, by: AbstractBaseUser, name: str, slug: str) -> Channel:
    """Add a channel. Marketers, marketing heads and admins may; names and slugs are unique."""
    if not can_register_experiments(by):
        raise PermissionDenied("Only marketers, marketing heads and administrators can add channels.")
    name, slug = (name or "").strip(), (slug or "").strip().lower()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = ["Give the channel a name."]
    elif len(name) > 100:
        errors["name"] = ["Keep the name within 100 characters."]
    elif Channel.objects.filter(name__iexact=name).exists():
        errors["name"] = ["A channel with this name already exists."]
    try:
        validate_slug(slug)
    except ValidationError:
        errors["slug"] = ["Use only letters, digits, hyphens and underscores in the slug."]
    if "slug" not in errors:
        if len(slug) > 100:
            errors["slug"] = ["Keep the slug within 100 characters."]
        elif Channel.objects.filter(slug=slug).exists():
            errors["slug"] = ["A channel with this slug already exists."]
    if errors:
        raise ValidationError(errors)
    try:
        # A concurrent request may take the name or slug between the check and the insert.
        with transaction.atomic():
            return Channel.objects.create(name=name, slug=slug)
    except IntegrityError as exc:
        raise ValidationError({"slug": ["A channel with this name or slug already exists."]}) from exc
