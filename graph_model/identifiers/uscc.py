"""Unified Social Credit Codes (统一社会信用代码, GB 32100-2015)."""

from __future__ import annotations

import numpy as np
from stdnum.cn import uscc as _std_uscc

from graph_model import regions
from graph_model.identifiers.base import (
    IdentifierType, _ascii_digits, _by_priority, _is_ascii_digit, _known_region, _lookup, _number,
    _of_length, _wrong_length,
)

#: Region part of USCCs issued by national-level registration authorities (e.g. the
#: State Commission Office for Public Sector Reform: 清华大学 12100000400000624D).  It is
#: not a division code, so only the USCC check accepts it.
NATIONAL_REGISTRATION_CODE = "100000"

_USCC_ALPHABET = _std_uscc._alphabet  # GB 32100-2015: digits and letters except I O S V Z
_USCC_VALUE = np.full(256, -1, dtype=np.int8)  # code point -> value, -1 outside the alphabet
_USCC_VALUE[[ord(c) for c in _USCC_ALPHABET]] = np.arange(len(_USCC_ALPHABET))
# GB 32100-2015 weights: 3**i mod 31 (the tests compare them with stdnum's check character)
_USCC_WEIGHTS = np.array([pow(3, i, 31) for i in range(17)], dtype=np.int32)
_USCC_CHECK = np.array(list(_USCC_ALPHABET), dtype=object)


class Uscc(IdentifierType):
    name = "uscc"
    lengths = (18,)
    doc = ("Unified Social Credit Code (统一社会信用代码, GB 32100-2015): 18 characters, "
           "stdnum.cn.uscc's checks plus a known region code (current or retired, or "
           "100000 for national-level registrations) in characters 3-8.")

    def problem(self, candidate: str) -> str | None:
        c = candidate
        if len(c) != 18:
            return _wrong_length([len(c)], 18)[0]
        if not _ascii_digits(c[:8]):
            return "characters 1-8 must be digits"
        for pos, ch in enumerate(c[8:], start=9):
            if ch not in _USCC_ALPHABET:
                return _uscc_bad_char(ch, pos)
        expected = _std_uscc.calc_check_digit(c)
        if c[-1] != expected:
            return f"wrong check character (expected {expected})"
        if not (regions.is_known(c[2:8]) or c[2:8] == NATIONAL_REGISTRATION_CODE):
            return f"unknown region code {c[2:8]} in characters 3-8"
        return None

    def _problems(self, arr: np.ndarray) -> np.ndarray:
        out, rows, m = _of_length(arr, 18)
        values = _lookup(_USCC_VALUE, m)
        not_digits = ~_is_ascii_digit(m[:, :8]).all(axis=1)
        bad_char = values[:, 8:] < 0
        total = np.maximum(values[:, :17], 0).astype(np.int32) @ _USCC_WEIGHTS
        expected = (31 - total % 31) % 31
        wrong_check = values[:, 17] != expected
        unknown = ~_known_region(_number(np.where(_is_ascii_digit(m[:, 2:8]), m[:, 2:8], 48)),
                                 (NATIONAL_REGISTRATION_CODE,))
        first = _by_priority(len(rows), [not_digits, bad_char.any(axis=1), wrong_check, unknown])
        out[rows[first == 1]] = "characters 1-8 must be digits"
        k = np.flatnonzero(first == 2)
        pos = bad_char[k].argmax(axis=1)
        out[rows[k]] = [_uscc_bad_char(chr(m[i, 8 + p]), 9 + p) for i, p in zip(k, pos)]
        k = np.flatnonzero(first == 3)
        out[rows[k]] = [f"wrong check character (expected {c})" for c in _USCC_CHECK[expected[k]]]
        k = np.flatnonzero(first == 4)
        out[rows[k]] = [f"unknown region code {''.join(map(chr, m[i, 2:8]))} in characters 3-8"
                        for i in k]
        return out


def _uscc_bad_char(ch: str, pos: int) -> str:
    return f"invalid character {ch!r} at position {pos} (I, O, S, V and Z are not used)"
