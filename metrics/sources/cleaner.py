"""The import's row cleaner: the JSON API's rules, and values as people write them in exports."""

from typing import Any

from metrics.rows import LeadCleaner
from metrics.sources.mapping import DATETIME_FIELDS, count_text
from metrics.sources.values import bool_text, datetime_text, number_text


class ExportCleaner(LeadCleaner):
    """Cleans a file's row as the API would; a value the API refuses is read once more as people
    write it (`01.12.2026 09:05`, `12 500,50`, `да`), so a canonical row costs nothing more and a
    row that still fails is reported in the API's words."""

    def clean(self, row: Any) -> tuple[tuple[Any, ...] | None, dict[str, list[str]]]:
        values, errors = super().clean(row)
        if values is not None or not isinstance(row, dict):
            return values, errors
        written = dict(row)
        for name in errors:
            raw = row.get(name)
            if isinstance(raw, str):
                written[name] = _as_written(name, raw)
        if written == row:
            return values, errors
        return super().clean(written)


def _as_written(name: str, raw: str) -> str:
    if name in DATETIME_FIELDS:
        return datetime_text(raw)
    if name == "revenue":
        return number_text(raw)
    if name == "orders":
        return count_text(raw)
    if name == "is_target":
        return bool_text(raw)
    return raw
