"""What a file is, from its bytes: CSV (encoding, delimiter), XLSX or Bitrix24's HTML "Excel".

Never from the extension: CRMs name their HTML tables `.xls`, and people rename files.
"""

import codecs
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from charset_normalizer import from_bytes
from django.utils.translation import gettext as _

SAMPLE_BYTES = 256 * 1024
DELIMITERS = (",", ";", "\t")
# The encodings an export arrives in (imports.md); a guess outside them is refused, not used.
KNOWN_ENCODINGS = {"utf-8": "utf-8", "utf_8": "utf-8", "cp1251": "cp1251", "windows-1251": "cp1251"}
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", re.IGNORECASE)
_HTML_START = re.compile(rb"^\s*(<!doctype html|<html|<head|<meta|<table|<\?xml[^>]*>\s*<html)", re.IGNORECASE)

Format = Literal["csv", "xlsx", "html"]


class SourceError(ValueError):
    """A file we cannot read as a table, said in one plain sentence that tells what to do instead."""


@dataclass(frozen=True)
class Sniffed:
    format: Format
    encoding: str | None = None
    delimiter: str | None = None


def sniff(path: Path) -> Sniffed:
    with open(path, "rb") as file:
        head = file.read(SAMPLE_BYTES)
    if not head.strip():
        raise SourceError(_("The file is empty."))
    if head.startswith(b"%PDF"):
        raise SourceError(
            _("This is a PDF document, not a table: export the data from the CRM as CSV or Excel (XLSX).")
        )
    if head.startswith(b"PK\x03\x04"):
        return _zip(path)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise SourceError(
            _("This is an old Excel 97–2003 workbook (.xls): open it and save it as an Excel workbook (.xlsx) or CSV.")
        )
    encoding = _encoding(head)
    if _HTML_START.match(head.lstrip(codecs.BOM_UTF8)):
        declared = _META_CHARSET.search(head)
        if declared:
            encoding = KNOWN_ENCODINGS.get(declared.group(1).decode("ascii", "replace").lower(), encoding)
        return Sniffed(format="html", encoding=encoding)
    text = head.decode(encoding, errors="replace")
    # A NUL in a cell is that line's problem; NULs all over the sample are a binary file.
    if text.count("\x00") > max(8, len(text) // 100):
        raise SourceError(_("This file is not text: export the data from the CRM as CSV or Excel (XLSX)."))
    return Sniffed(format="csv", encoding=encoding, delimiter=_delimiter(text))


def _zip(path: Path) -> Sniffed:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        raise SourceError(_("The file is a damaged archive: export it from the CRM again.")) from None
    if "xl/workbook.xml" in names:
        return Sniffed(format="xlsx")
    if "content.xml" in names:
        raise SourceError(_("This is an OpenDocument spreadsheet: save it as an Excel workbook (.xlsx) or CSV."))
    raise SourceError(_("This is a ZIP archive: unpack it and upload the CSV or XLSX file inside."))


def _encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    whole = len(head) < SAMPLE_BYTES  # the sample is the whole file
    try:
        # The sample may end inside a character: an incremental decoder does not count that.
        codecs.getincrementaldecoder("utf-8")().decode(head, final=whole)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    if _mostly_utf8(head):
        return "utf-8"  # a stray byte pasted from elsewhere: its line is a line error
    best = from_bytes(head[:65536], cp_isolation=["cp1251", "utf_16"]).best()
    if best is not None and best.encoding in ("cp1251", "utf_16"):
        return "utf-16" if best.encoding == "utf_16" else "cp1251"
    raise SourceError(_("The file's text encoding is not UTF-8, UTF-16 or Windows-1251: save it as CSV in UTF-8."))


def _mostly_utf8(head: bytes) -> bool:
    """UTF-8 text with a stray byte or two: many well-formed multi-byte characters, and a hundred
    times fewer bytes that are not. (Windows-1251 letters almost never form UTF-8 sequences.)"""
    text = head.decode("utf-8", errors="replace")
    stray = text.count("\ufffd")
    wide = sum(1 for char in text if char > "\x7f") - stray
    return wide >= 100 * stray


def _delimiter(text: str) -> str:
    """The delimiter that splits a line into the most cells, outside quotes, among the first lines
    (ad-cabinet reports open with a title line that has none)."""
    counts = dict.fromkeys(DELIMITERS, 0)
    for line in _records(text, limit=10):
        for delimiter in DELIMITERS:
            counts[delimiter] = max(counts[delimiter], line.count(delimiter))
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _records(text: str, *, limit: int) -> list[str]:
    """The first lines of the text, quoted parts removed (a quoted cell may hold newlines and
    delimiters)."""
    records: list[str] = []
    current: list[str] = []
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
        elif quoted:
            continue
        elif char in "\r\n":
            if current:
                records.append("".join(current))
                current = []
                if len(records) == limit:
                    return records
        else:
            current.append(char)
    if current:
        records.append("".join(current))
    return records
