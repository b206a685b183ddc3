"""The import's row cleaner: the JSON API's rules, and values as people write them in exports."""

from typing import Any

from metrics.rows import LeadCleaner
from metrics.sources.mapping import COUNT_FIELDS, DATETIME_FIELDS, NUMBER_FIELDS, value_reader
from metrics.sources.presets import BY_KIND


class ExportCleaner(LeadCleaner):
    """Cleans a file's row as the API would; a value the API refuses is read once more as people
    write it (`01.12.2026 09:05`, `12 500,50`, `да`) by the readers of a `tracker` file's columns,
    so a canonical row costs nothing more and a row that still fails is reported in the API's
    words."""

    def clean(self, row: Any) -> tuple[tuple[Any, ...] | None, dict[str, list[str]]]:
        values, errors = super().clean(row)
        if values is not None or not isinstance(row, dict):
            return values, errors
        written = dict(row)
        for name in errors:
            raw = row.get(name)
            if isinstance(raw, str) and name in _WRITTEN:
                written[name] = _WRITTEN[name](raw)
        if written == row:
            return values, errors
        return super().clean(written)


# The typed fields, read as in a `tracker` file (day-first dates, decimal commas); text stays as sent.
_WRITTEN = {
    name: value_reader(name, BY_KIND["leads", "tracker"])
    for name in (*DATETIME_FIELDS, *NUMBER_FIELDS, *COUNT_FIELDS, "is_target")
}
