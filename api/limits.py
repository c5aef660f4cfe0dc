"""Safety limits of the API and the cursor format of its connections.

* documents: at most :data:`MAX_DEPTH` levels of selection, :data:`MAX_ALIASES` aliases,
  :data:`MAX_TOKENS` tokens and :data:`MAX_BODY` bytes;
* JSON (a request body, GET's ``variables``, a WebSocket message) and a document's
  brackets: at most :data:`MAX_NESTING` levels deep, checked before anything parses them
  (:func:`parse_json`, :func:`check_nesting`), so that no parser recurses without bound;
* pages: ``first`` from 1 to :data:`MAX_PAGE` (default :data:`DEFAULT_PAGE`);
* time: each request gets ``CREDITKB_REQUEST_TIMEOUT`` seconds (default 10, see
  :class:`graph_model.settings.Settings`), then answers with a ``TIMEOUT`` error.

Cursors are opaque to clients: base64url of a small JSON array naming the connection
they belong to and a position in it.  A cursor that does not decode, or that belongs to
another connection, is ``BAD_USER_INPUT``.
"""

from __future__ import annotations

import base64
import binascii
import json
import re

from api.errors import BadInput
from graph_model.i18n import message

MAX_DEPTH = 10
MAX_ALIASES = 15
MAX_TOKENS = 2000
MAX_BODY = 100_000
MAX_NESTING = 32
MAX_PAGE = 100
DEFAULT_PAGE = 20

# A JSON or GraphQL string (whose brackets do not nest anything); an unterminated one is
# not matched, and its brackets are counted: the estimate errs on the deep side.
_STRING = re.compile(rb'"(?:[^"\\\n]|\\.)*"')
_NOT_BRACKETS = bytes(set(range(256)) - set(b"[]{}()"))
_OPENING = frozenset(b"[{(")


def nesting(raw: bytes | str) -> int:
    """How deep brackets (``[]``, ``{}``, ``()``) nest in JSON or a GraphQL document,
    strings left out.

    >>> nesting(b'{"query": "{ me { agency } }", "variables": {"a": [1, [2]]}}')
    4
    """
    data = raw.encode("utf-8") if isinstance(raw, str) else raw
    skeleton = _STRING.sub(b"", data).translate(None, _NOT_BRACKETS)
    depth = deepest = 0
    for ch in skeleton:
        if ch in _OPENING:
            depth += 1
            if depth > deepest:
                deepest = depth
        else:
            depth -= 1
    return deepest


#: What :func:`parse_json` and :func:`check_nesting` read, named in the reader's language.
PARTS = {"body": "error.part.body", "variables": "error.part.variables",
         "query": "error.part.query", "message": "error.part.message"}


def check_nesting(raw: bytes | str, part: str) -> None:
    """BAD_USER_INPUT when ``raw`` (one of :data:`PARTS`) nests deeper than
    :data:`MAX_NESTING`."""
    depth = nesting(raw)
    if depth > MAX_NESTING:
        raise BadInput(message("error.json_nesting", what=message(PARTS[part]),
                               depth=str(depth), max=str(MAX_NESTING)))


def parse_json(raw: bytes | str, part: str = "body"):
    """``raw`` parsed as JSON, within the size and nesting limits; BAD_USER_INPUT otherwise.

    >>> parse_json(b"[" * 1200 + b"]" * 1200)
    Traceback (most recent call last):
    ...
    api.errors.BadInput: 请求体嵌套1200层，最多允许32层
    """
    if len(raw) > MAX_BODY:
        raise BadInput(message("error.json_too_large", what=message(PARTS[part]),
                               max=str(MAX_BODY)))
    check_nesting(raw, part)
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        raise BadInput(message("error.not_json", what=message(PARTS[part]))) from None


def page_size(first: int | None) -> int:
    if first is None:
        return DEFAULT_PAGE
    if isinstance(first, bool) or not isinstance(first, int) or not 1 <= first <= MAX_PAGE:
        raise BadInput(message("error.page_size", max=str(MAX_PAGE), first=str(first)))
    return first


def encode_cursor(kind: str, value) -> str:
    raw = json.dumps([kind, value], ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_key_cursor(kind: str, cursor: str | None) -> str | None:
    """The position of a cursor whose position is a key (a string), or None."""
    value = decode_cursor(kind, cursor)
    if value is not None and not isinstance(value, str):
        raise BadInput(message("error.cursor"))
    return value


def decode_cursor(kind: str, cursor: str | None):
    """The position a cursor holds, or None for no cursor."""
    if cursor is None:
        return None
    try:
        if not isinstance(cursor, str) or len(cursor) > 2000:
            raise ValueError
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        tag, value = json.loads(raw.decode("utf-8"))
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise BadInput(message("error.cursor_page")) from None
    if tag != kind:
        raise BadInput(message("error.cursor_other", tag=tag, kind=kind))
    return value


def offset_cursor(kind: str, cursor: str | None) -> int:
    value = decode_cursor(kind, cursor)
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BadInput(message("error.cursor_page"))
    return value + 1
