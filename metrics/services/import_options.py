"""How an import reads its file (docs/imports.md): the options of a request, checked, and the
mapping they make for a file's headers.

The options arrive from the API (JSON-string fields of a multipart request), the import page and
saved profiles. They are checked for their shape here, and for the file's headers by
`metrics.sources.mapping.SourceMapping.errors`; every refusal is a `ValidationError` per field.
"""

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from metrics.models import ImportKind, ImportProfile
from metrics.sources.mapping import SourceMapping
from metrics.sources.presets import BY_KIND, LEVELS, preset_detect
from metrics.sources.values import fold
from tracker.input_limits import object_id, visible

OPTION_MAPS = ("mapping", "stages", "reasons", "campaigns")
MAX_MAP_ENTRIES = 10_000
MAX_TEXT = 255


@dataclass(frozen=True)
class ImportOptions:
    """What a request says of its file; None: not said (the preset's or the profile's proposal)."""

    kind: str = ImportKind.LEADS
    preset: str | None = None
    sheet: str | None = None
    mapping: dict[str, str] | None = None
    stages: dict[str, str] | None = None
    reasons: dict[str, str] | None = None
    campaigns: dict[str, str] | None = None

    @property
    def given(self) -> bool:
        """Anything said beyond the kind: the file is read as the options say, not as today's CSV."""
        return any(value is not None for name, value in asdict(self).items() if name != "kind")

    def with_profile(self, profile: ImportProfile) -> "ImportOptions":
        """The profile's answers where the request said nothing (an empty map of the profile says
        nothing either: the preset proposes)."""
        return ImportOptions(
            kind=profile.kind,
            preset=self.preset or profile.preset or None,
            sheet=self.sheet,
            mapping=self.mapping if self.mapping is not None else (dict(profile.mapping) or None),
            stages=self.stages if self.stages is not None else (dict(profile.stages) or None),
            reasons=self.reasons if self.reasons is not None else (dict(profile.reasons) or None),
            campaigns=self.campaigns if self.campaigns is not None else (dict(profile.campaigns) or None),
        )

    def source_mapping(self, headers: list[str]) -> SourceMapping:
        """The mapping for a file with these headers: what the options say, and the proposals of
        the preset (named, or detected from the headers) for what they do not."""
        preset = BY_KIND[self.kind, self.preset] if self.preset else preset_detect(headers, kind=self.kind)
        return SourceMapping(
            kind=self.kind,
            preset=preset,
            fields=self.mapping if self.mapping is not None else preset.mapping(headers),
            stages=self.stages if self.stages is not None else dict(preset.stages),
            reasons=self.reasons if self.reasons is not None else dict(preset.reasons),
            campaigns=self.campaigns or {},
        )


def stored_options(mapping: SourceMapping, sheet: str | None) -> dict[str, Any]:
    """The job's `options`: the mapping as checked at the upload, which the run reads again."""
    return {
        "preset": mapping.preset.name,
        "sheet": sheet,
        "mapping": mapping.fields,
        "stages": mapping.stages,
        "reasons": mapping.reasons,
        "campaigns": mapping.campaigns,
    }


def job_mapping(options: Mapping[str, Any], kind: str) -> SourceMapping:
    """The mapping a job stored at its upload (`stored_options`)."""
    return SourceMapping(
        kind=kind,
        preset=BY_KIND[kind, options["preset"]],
        fields=dict(options.get("mapping") or {}),
        stages=dict(options.get("stages") or {}),
        reasons=dict(options.get("reasons") or {}),
        campaigns=dict(options.get("campaigns") or {}),
    )


def import_options_clean(data: Mapping[str, Any]) -> ImportOptions:
    """The options of a request (`kind`, `preset`, `sheet`, `profile` and the JSON maps), checked
    for their shape, with a named profile's answers where the request gave none; raises one
    `ValidationError` with every refused field."""
    errors: dict[str, list[str]] = {}
    kind = _text(data.get("kind")) or ImportKind.LEADS
    if kind not in ImportKind.values:
        errors["kind"] = [_("Choose “leads” or “spend”.")]
        kind = ImportKind.LEADS
    preset = _text(data.get("preset")) or None
    if preset is not None and (kind, preset) not in BY_KIND:
        names = ", ".join(name for each_kind, name in BY_KIND if each_kind == kind)
        errors["preset"] = [
            _("“%(preset)s” is not a source of this import; choose one of: %(names)s.")
            % {"preset": visible(preset), "names": names}
        ]
        preset = None
    sheet = _text(data.get("sheet")) or None
    maps: dict[str, dict[str, str] | None] = {}
    for name in OPTION_MAPS:
        try:
            maps[name] = _text_map(data.get(name))
        except ValidationError as exc:
            errors[name] = exc.messages
            maps[name] = None
    for value, level in (maps["stages"] or {}).items():
        if level not in LEVELS:
            errors.setdefault("stages", []).append(
                _("“%(level)s” is not a level (for the stage “%(value)s”); the levels are %(levels)s.")
                % {"level": visible(level), "value": visible(value), "levels": ", ".join(LEVELS)}
            )
    for value, level in (maps["reasons"] or {}).items():
        if level != "non_target":
            errors.setdefault("reasons", []).append(
                _("A reason can only mark leads non-target (the reason “%(value)s”).") % {"value": visible(value)}
            )
    profile = None
    if data.get("profile") not in (None, ""):
        profile_id = object_id(data.get("profile"))
        profile = ImportProfile.objects.filter(id=profile_id).first() if profile_id is not None else None
        if profile is None:
            errors["profile"] = [_("There is no import profile %(id)s.") % {"id": visible(str(data.get("profile")))}]
        elif data.get("kind") not in (None, "") and profile.kind != kind:
            errors["profile"] = [_("This profile is for another kind of data.")]
    if errors:
        raise ValidationError(errors)
    options = ImportOptions(kind=kind, preset=preset, sheet=sheet, **maps)
    return options.with_profile(profile) if profile is not None else options


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _text_map(value: object) -> dict[str, str] | None:
    """A JSON object of text to text, given as one or as its JSON text (a multipart field)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise ValidationError(_('Send a JSON object, e.g. {"external_id": "ID"}.')) from None
    if not isinstance(value, dict):
        raise ValidationError(_('Send a JSON object, e.g. {"external_id": "ID"}.'))
    if len(value) > MAX_MAP_ENTRIES:
        raise ValidationError(_("At most %(limit)s entries.") % {"limit": f"{MAX_MAP_ENTRIES:,}"})
    for key, item in value.items():
        if not isinstance(item, str) or len(key) > MAX_TEXT or len(item) > MAX_TEXT:
            raise ValidationError(
                _("Each entry maps a text to a text of at most %(limit)s characters (“%(key)s”).")
                % {"limit": MAX_TEXT, "key": visible(key[:40])}
            )
    # Both sides trimmed; stage and reason values are matched folded anyway.
    return {key.strip(): item.strip() for key, item in value.items() if key.strip()}


def profile_for_headers(headers: list[str], kind: str) -> ImportProfile | None:
    """The saved profile whose headers are this file's (compared as imports.md says), if any."""
    wanted = [fold(header) for header in headers]
    for profile in ImportProfile.objects.filter(kind=kind).order_by("-updated_at", "-id"):
        if [fold(str(header)) for header in profile.headers] == wanted:
            return profile
    return None
