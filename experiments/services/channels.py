"""Channels: where leads come from."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_slug
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from experiments.models import Channel
from experiments.roles import can_register_experiments
from tracker.validators import field_errors


def _name_errors(name: str, *, exclude_id: int | None = None) -> list[str]:
    if not name:
        return [_("Give the channel a name.")]
    if len(name) > 100:
        return [_("Keep the name within %(limit)s characters.") % {"limit": 100}]
    if errors := field_errors(Channel, {"name": name}):
        return errors["name"]
    if Channel.objects.filter(name__iexact=name).exclude(id=exclude_id).exists():
        return [_("A channel with this name already exists.")]
    return []


@transaction.atomic
def channel_create(*, by: AbstractBaseUser, name: str, slug: str) -> Channel:
    """Add a channel. Marketers, marketing heads and admins may; names and slugs are unique."""
    if not can_register_experiments(by):
        raise PermissionDenied(_("Only marketers, marketing heads and administrators can add channels."))
    name, slug = (name or "").strip(), (slug or "").strip().lower()
    errors: dict[str, list[str]] = {}
    if name_errors := _name_errors(name):
        errors["name"] = name_errors
    try:
        validate_slug(slug)
    except ValidationError:
        errors["slug"] = [_("Use only letters, digits, hyphens and underscores in the slug.")]
    if "slug" not in errors:
        if len(slug) > 100:
            errors["slug"] = [_("Keep the slug within %(limit)s characters.") % {"limit": 100}]
        elif Channel.objects.filter(slug=slug).exists():
            errors["slug"] = [_("A channel with this slug already exists.")]
    if errors:
        raise ValidationError(errors)
    try:
        # A concurrent request may take the name or slug between the check and the insert.
        with transaction.atomic():
            return Channel.objects.create(name=name, slug=slug)
    except IntegrityError as exc:
        raise ValidationError({"slug": [_("A channel with this name or slug already exists.")]}) from exc


@transaction.atomic
def channel_rename(*, channel: Channel, by: AbstractBaseUser, name: str) -> Channel:
    """Rename a channel. The slug stays: the API and lead imports refer to it."""
    if not can_register_experiments(by):
        raise PermissionDenied(_("Only marketers, marketing heads and administrators can rename channels."))
    name = (name or "").strip()
    if name_errors := _name_errors(name, exclude_id=channel.id):
        raise ValidationError({"name": name_errors})
    channel = Channel.objects.select_for_update().get(pk=channel.pk)
    channel.name = name
    try:
        with transaction.atomic():
            channel.save(update_fields=["name"])
    except IntegrityError as exc:
        raise ValidationError({"name": [_("A channel with this name already exists.")]}) from exc
    return channel
