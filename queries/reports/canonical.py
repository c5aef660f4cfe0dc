"""Canonical JSON: the one byte form of a report that its SHA-256 is taken of.

Keys sorted, no spaces, UTF-8 text as is (no ``\\u`` escapes), dates ISO, tuples as lists,
dataclasses as their fields, and numbers without float noise: a whole number is written
as an integer, any other float rounded to six decimals (what a figure, share or score
needs), so the same inputs give the same bytes on either store and on any machine.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from enum import Enum
from typing import Any, Mapping

__all__ = ["plain", "canonical_json", "dumps_plain", "sha256_hex"]

#: Decimals a float keeps in a report.
FLOAT_DECIMALS = 6


def plain(value: Any) -> Any:
    """``value`` as JSON-ready data in canonical form.

    >>> plain({"b": dt.date(2026, 1, 2), "a": (1.0, 0.1 + 0.2, None)})
    {'b': '2026-01-02', 'a': [1, 0.3, None]}
    """
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("a report holds no NaN or infinite number")
        rounded = round(value, FLOAT_DECIMALS)
        return int(rounded) if rounded.is_integer() else rounded
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Enum):
        return plain(value.value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [plain(v) for v in value]
        return sorted(items, key=canonical_json) if isinstance(value, (set, frozenset)) else items
    raise TypeError(f"no canonical form for {type(value).__name__}")


def canonical_json(value: Any) -> str:
    """The canonical JSON text of ``value``.

    >>> canonical_json({"z": 1, "a": "苏州", "d": dt.date(2026, 4, 1)})
    '{"a":"苏州","d":"2026-04-01","z":1}'
    """
    return dumps_plain(plain(value))


def dumps_plain(value: Any) -> str:
    """The canonical JSON text of data already :func:`plain`."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False)


def sha256_hex(text: str) -> str:
    """SHA-256 of ``text``'s UTF-8 bytes, lower-case hex.

    >>> sha256_hex("")[:16]
    'e3b0c44298fc1c14'
    """
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
