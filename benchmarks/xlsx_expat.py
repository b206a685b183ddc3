"""A minimal streaming reader of an XLSX sheet on expat: what reading the rows costs without
openpyxl's per-cell objects, for stage (x) of run.py (benchmarks/README.md). It gives the values
openpyxl's `iter_rows(values_only=True)` gives for the kinds of cells CRM exports hold: shared
and inline strings, numbers, booleans, date-styled numbers (through openpyxl's own
`is_date_format` and `from_excel`). Not a product reader: no formulas' cached errors, no
1904 date system, the first sheet only.
"""

import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from pathlib import Path
from xml.parsers import expat

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import from_excel

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
SHEET = "xl/worksheets/sheet1.xml"
_COLUMN = re.compile(r"[A-Z]+")
Value = str | int | float | bool | object | None


def _date_styles(archive: zipfile.ZipFile) -> set[str]:
    """The indexes of the cell styles whose number format is a date's."""
    root = ET.fromstring(archive.read("xl/styles.xml"))  # noqa: S314 (a benchmark's own file)
    formats: dict[int, str] = dict(BUILTIN_FORMATS)
    for fmt in root.iter(f"{NS}numFmt"):
        formats[int(fmt.get("numFmtId", "0"))] = fmt.get("formatCode", "General")
    xfs = root.find(f"{NS}cellXfs")
    if xfs is None:
        return set()
    return {
        str(index)
        for index, xf in enumerate(xfs)
        if is_date_format(formats.get(int(xf.get("numFmtId", "0")), "General"))
    }


def _shared_strings(archive: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in archive.namelist():
        return []
    strings = []
    with archive.open("xl/sharedStrings.xml") as source:
        for _event, element in ET.iterparse(source):  # noqa: S314
            if element.tag == f"{NS}si":
                strings.append("".join(text.text or "" for text in element.iter(f"{NS}t")))
                element.clear()
    return strings


def rows(path: Path) -> Iterator[tuple[Value, ...]]:
    """The first sheet's rows as tuples of values; memory is one 64 KiB chunk's rows."""
    archive = zipfile.ZipFile(path)
    dates, strings = _date_styles(archive), _shared_strings(archive)
    done: list[tuple[Value, ...]] = []
    row: list[Value] = []
    cell: dict[str, str | None] = {"t": "n", "s": None}
    text: list[str] | None = None
    column = 0

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal text, column
        if name == "c":
            cell["t"], cell["s"] = attrs.get("t", "n"), attrs.get("s")
            ref = attrs.get("r")
            found = _COLUMN.match(ref) if ref else None
            column = column_index_from_string(found.group()) - 1 if found else len(row)
            text = None
        elif name in ("v", "t"):
            text = []
        elif name == "row":
            row.clear()

    def data(chunk: str) -> None:
        if text is not None:
            text.append(chunk)

    def end(name: str) -> None:
        if name == "c":
            value: Value = None
            if text is not None:
                value = _value("".join(text), cell["t"] or "n", cell["s"] in dates, strings)
            row.extend([None] * (column - len(row)))
            row.append(value)
        elif name == "row":
            done.append(tuple(row))

    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = data
    with archive, archive.open(SHEET) as source:
        while chunk := source.read(1 << 16):
            parser.Parse(chunk, False)
            yield from done
            done.clear()
        parser.Parse(b"", True)
        yield from done


def _value(text: str, kind: str, dated: bool, strings: list[str]) -> Value:
    if kind in ("inlineStr", "str"):
        return text
    if kind == "s":
        return strings[int(text)]
    if kind == "b":
        return text == "1"
    if kind == "n":
        number: int | float = float(text) if any(c in text for c in ".Ee") else int(text)
        return from_excel(number) if dated else number
    return text
