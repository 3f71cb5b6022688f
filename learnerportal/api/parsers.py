"""Request parsers of the API: DRF's, with every malformed body answered as a 400 ``parse_error``."""

import json

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser that also refuses what JSON allows but text and PostgreSQL do not.

    DRF turns malformed JSON into a ``ParseError`` but lets through two bodies
    that became 500s: thousands of nested brackets (Python's decoder raises
    ``RecursionError``) and a lone surrogate escape such as ``"\\ud800"``, valid
    JSON (RFC 8259 §8.2) that no UTF-8 text can hold, so echoing it in an error
    or storing it failed. Both are answered as a 400 ``parse_error``.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
            lone_surrogate = _holds_a_lone_surrogate(data)
        except RecursionError:
            raise ParseError("JSON parse error - the body is nested too deeply.") from None
        if lone_surrogate:
            raise ParseError("JSON parse error - the body holds a lone surrogate (\\ud800–\\udfff), which is not text.")
        return data


def _holds_a_lone_surrogate(data):
    """Return True when any key or string anywhere in decoded JSON ``data`` is not encodable as UTF-8.

    Serialised back in C rather than walked in Python: a body of a few hundred
    thousand items took most of a second of CPU to walk.
    """
    try:
        json.dumps(data, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return True
    return False
