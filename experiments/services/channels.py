"""Channels: where leads come from."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from experiments.models import Channel
from experiments.permissions import can_register_experiments
from tracker.validation import validate, violation_message


@transaction.atomic
def channel_create(*, by: AbstractBaseUser, name: str, slug: str) -> Channel:
    """Add a channel. Marketers, marketing heads and admins may; names (in any case) and slugs are unique."""
    if not can_register_experiments(by):
        raise PermissionDenied(_("Only marketers, marketing heads and administrators can add channels."))
    channel = Channel(name=(name or "").strip(), slug=(slug or "").strip().lower())
    validate(channel)
    try:
        # A concurrent request may take the name or slug between the check and the insert.
        with transaction.atomic():
            channel.save()
    except IntegrityError as exc:
        raise ValidationError({"slug": [_("A channel with this name or slug already exists.")]}) from exc
    return channel


@transaction.atomic
def channel_rename(*, channel: Channel, by: AbstractBaseUser, name: str) -> Channel:
    """Rename a channel. The slug stays: the API and lead imports refer to it."""
    if not can_register_experiments(by):
        raise PermissionDenied(_("Only marketers, marketing heads and administrators can rename channels."))
    channel = Channel.objects.select_for_update().get(pk=channel.pk)
    channel.name = (name or "").strip()
    validate(channel, only=["name"])
    try:
        with transaction.atomic():
            channel.save(update_fields=["name"])
    except IntegrityError as exc:
        raise ValidationError({"name": [violation_message(Channel, "channel_name_unique_any_case")]}) from exc
    return channel
