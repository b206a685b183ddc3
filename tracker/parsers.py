"""The API's JSON parser: DRF's, with the limits of api.md (Conventions) checked first.

Python's `json` recurses once per level of nesting: a body of 100,000 `[` ends in a
RecursionError (a 500) before any view sees it. The nesting depth is measured on the text
instead, string contents skipped, and a body deeper than MAX_DEPTH is refused with a 400. A string
that holds an unpaired UTF-16 surrogate escape (`"\\ud800"`) is refused too: it is not text, and
no database or UTF-8 response can hold it.
"""

import codecs
import json
import re
from collections.abc import Mapping
from typing import IO, Any

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils import json as drf_json

MAX_DEPTH = 64

# Every byte but a quote or a bracket, dropped to measure the nesting (bytes.translate runs in C).
_NOT_QUOTE_OR_BRACKET = bytes(set(range(256)) - set(b'"[]{}'))
_STRING = re.compile(rb'"[^"]*"')
_EMPTY_PAIR = re.compile(rb"\[\]|\{\}")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def nesting_exceeds(text: str, limit: int) -> bool:
    """Whether the JSON `text` nests arrays and objects more than `limit` levels deep.

    Escaped backslashes and quotes are dropped first, then everything but quotes and brackets; what
    is left of the strings (two adjacent quotes are an empty string or the end of one and the start
    of the next) goes, and each pass over the brackets removes the innermost empty pairs, one level.
    A list of 10,000 rows takes a few milliseconds. Unbalanced brackets are left to the parser.
    """
    data = text.encode("utf-8", "surrogatepass").replace(b"\\\\", b"").replace(b'\\"', b"")
    brackets = data.translate(None, _NOT_QUOTE_OR_BRACKET).replace(b'""', b"")
    if b'"' in brackets:
        brackets = _STRING.sub(b"", brackets)  # strings that hold brackets
    if re.search(rb"[\[{]{%d}" % (limit + 1), brackets):
        return True  # the usual attack, a run of openers, without a pass per level
    for _level in range(limit):
        if not brackets:
            return False
        shorter = _EMPTY_PAIR.sub(b"", brackets)
        if len(shorter) == len(brackets):
            return False  # unbalanced: not JSON, the parser says where
        brackets = shorter
    return bool(brackets)


def _holds_lone_surrogate(data: Any) -> bool:
    # `json` joins a valid pair into one character; any surrogate left is alone.
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


class JSONParser(parsers.JSONParser):
    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        # DRF's own charset check (text encodings only), missing from its stubs.
        encoding = parsers.get_encoding(parser_context or {})  # type: ignore[attr-defined]
        try:
            text = codecs.getreader(encoding)(stream).read()
            if nesting_exceeds(text, MAX_DEPTH):
                raise ParseError(
                    _("The JSON body is nested more than %(limit)s levels deep; send flatter data.")
                    % {"limit": MAX_DEPTH}
                )
            parse_constant = drf_json.strict_constant if self.strict else None
            data = json.loads(text, parse_constant=parse_constant)
        except ValueError as exc:  # as DRF's parser says it (an undecodable body included)
            raise ParseError(f"JSON parse error - {exc}") from exc
        if _SURROGATE_ESCAPE.search(text) and _holds_lone_surrogate(data):
            raise ParseError(
                _("The JSON body holds an unpaired surrogate escape (such as \\ud800), which is not text.")
            )
        return data
