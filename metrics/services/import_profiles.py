"""Import profiles: a source remembered with its mapping, stage levels, reasons and campaign map
(docs/imports.md). Written here, checked by the options' rules and the model's own."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from metrics.models import ImportProfile
from metrics.services.import_options import OPTION_MAPS, import_options_clean
from metrics.sources.tables import MAX_COLUMNS
from tracker.validation import validate

PROFILE_FIELDS = ("name", "kind", "preset", "headers", *OPTION_MAPS)


def _assign(profile: ImportProfile, data: dict[str, Any]) -> dict[str, list[str]]:
    """Set the given fields; returns the refusals of values not of their shape."""
    refused: dict[str, list[str]] = {}
    shaped = {name: data[name] for name in ("kind", "preset", *OPTION_MAPS) if name in data}
    if "kind" not in shaped:
        shaped["kind"] = profile.kind
    if "preset" not in shaped and profile.preset:
        shaped["preset"] = profile.preset
    try:
        options = import_options_clean(shaped)
    except ValidationError as exc:
        refused.update(exc.message_dict)
    else:
        profile.kind = options.kind
        profile.preset = options.preset or ""
        for name in OPTION_MAPS:
            if name in data:
                setattr(profile, name, getattr(options, name) or {})
    if "name" in data:
        profile.name = data["name"].strip() if isinstance(data["name"], str) else data["name"]
    if "headers" in data:
        headers = data["headers"]
        if not isinstance(headers, list) or not all(isinstance(h, str) and len(h) <= 255 for h in headers):
            refused["headers"] = [_("Send the file's column names as a list of texts.")]
        elif len(headers) > MAX_COLUMNS:
            refused["headers"] = [_("At most %(limit)s columns.") % {"limit": MAX_COLUMNS}]
        else:
            profile.headers = [header.strip() for header in headers]
    return refused


def import_profile_validate(*, profile: ImportProfile, **data: Any) -> None:
    """Check `data` for the profile as saving it would (the admin's form shows the refusals); the
    profile holds the values after it. Its author is the saving user's, not the data's."""
    validate(profile, refused=_assign(profile, data), exclude=["created_by"])


@transaction.atomic
def import_profile_create(*, by: Any, **data: Any) -> ImportProfile:
    profile = ImportProfile(created_by=by if getattr(by, "pk", None) else None)
    validate(profile, refused=_assign(profile, data))
    profile.save()
    return profile


@transaction.atomic
def import_profile_update(*, profile: ImportProfile, **data: Any) -> ImportProfile:
    validate(profile, refused=_assign(profile, data))
    profile.save()
    return profile


def import_profile_delete(*, profile: ImportProfile) -> None:
    profile.delete()


def import_profile_save(*, profile: ImportProfile | None, by: Any, **data: Any) -> ImportProfile:
    """The answers of an import's preview remembered: a new profile, or the one the preview proposed."""
    if profile is None:
        return import_profile_create(by=by, **data)
    return import_profile_update(profile=profile, **data)
