"""The Russian catalogue: every string translated, and the compiled .mo matches the .po."""

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

PO = Path(settings.BASE_DIR) / "locale" / "ru" / "LC_MESSAGES" / "django.po"
ENTRY = re.compile(r'^(?:msgctxt (".*")\n)?msgid (".*")\n((?:".*"\n)*)msgstr (".*")\n((?:".*"\n)*)', re.MULTILINE)


def _text(first: str, rest: str) -> str:
    return "".join(ast.literal_eval(part) for part in [first, *rest.split("\n")] if part)


def entries_with_context() -> list[tuple[str | None, str, str]]:
    """(context or None, msgid, msgstr) of every singular entry."""
    entries = []
    for match in ENTRY.finditer(PO.read_text(encoding="utf-8")):
        context = ast.literal_eval(match.group(1)) if match.group(1) else None
        msgid = _text(match.group(2), match.group(3))
        if msgid:
            entries.append((context, msgid, _text(match.group(4), match.group(5))))
    return entries


def singular_entries() -> list[tuple[str, str]]:
    return [(msgid, msgstr) for _context, msgid, msgstr in entries_with_context()]


def test_every_string_has_a_russian_translation():
    text = PO.read_text(encoding="utf-8")
    entries = singular_entries()
    assert len(entries) > 300
    assert [msgid for msgid, msgstr in entries if not msgstr] == []
    assert "#, fuzzy" not in text
    assert not re.search(r'msgstr\[\d\] ""\n\n', text)


@pytest.mark.parametrize("lang", ["ru"])
def test_compiled_catalogue_matches_the_po_file(lang):
    with translation.override(lang):
        stale = [
            msgid
            for context, msgid, msgstr in entries_with_context()
            if (translation.pgettext(context, msgid) if context else translation.gettext(msgid)) != msgstr
        ]
    assert stale == [], "run msgfmt (or compilemessages) after editing django.po"


def test_russian_plurals():
    with translation.override("ru"):
        forms = [translation.ngettext("%(days)s day", "%(days)s days", n) % {"days": n} for n in (1, 3, 5, 21)]
    assert forms == ["1 день", "3 дня", "5 дней", "21 день"]
