"""The API reads JSON only, and refuses JSON nested deeper than ``API_JSON_MAX_DEPTH``.

Python's ``json`` decoder recurses once per level of nesting: a 2 KB body nested a
thousand deep raises ``RecursionError`` (a 500) before any serializer sees it. The depth is
counted first, on the raw text with strings taken out, so such a body is a 400.
"""

import re

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils import json

# A JSON string, escapes included ("unrolled loop" form: linear, no backtracking).
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")


def json_depth_exceeds(text: str, limit: int) -> bool:
    """Whether the arrays and objects of ``text`` nest deeper than ``limit``."""
    brackets = _NOT_A_BRACKET.sub("", _JSON_STRING.sub("", text))
    depth = 0
    for char in brackets:
        if char in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with a nesting limit, and undecodable bytes as a 400."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        try:
            text = stream.read().decode(encoding)
        except (UnicodeDecodeError, LookupError) as error:
            raise ParseError(
                _("JSON parse error - the body is not %(encoding)s text.") % {"encoding": encoding}
            ) from error
        limit = settings.API_JSON_MAX_DEPTH
        if json_depth_exceeds(text, limit):
            raise ParseError(
                _("JSON parse error - the body nests deeper than %(limit)s levels.")
                % {"limit": limit}
            )
        try:
            parse_constant = json.strict_constant if self.strict else None
            return json.loads(text, parse_constant=parse_constant)
        except ValueError as error:
            raise ParseError(_("JSON parse error - %(error)s") % {"error": error}) from error
        except RecursionError as error:  # only if the limit is set above the interpreter's
            raise ParseError(_("JSON parse error - the body nests too deep.")) from error
