"""Licence plates (车牌号码), ordinary and new-energy (GA 36-2018)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from graph_model.identifiers.base import _DASHES, IdentifierType, _by_priority

_PLATE_SEPARATORS = re.compile(rf"[\s{_DASHES}·•・.]")

#: Plate province abbreviation -> two-digit province code (first digits of its region codes).
PLATE_PROVINCES: dict[str, str] = {
    "京": "11", "津": "12", "冀": "13", "晋": "14", "蒙": "15", "辽": "21", "吉": "22",
    "黑": "23", "沪": "31", "苏": "32", "浙": "33", "皖": "34", "闽": "35", "赣": "36",
    "鲁": "37", "豫": "41", "鄂": "42", "湘": "43", "粤": "44", "桂": "45", "琼": "46",
    "渝": "50", "川": "51", "贵": "52", "云": "53", "藏": "54", "陕": "61", "甘": "62",
    "青": "63", "宁": "64", "新": "65",
}
_PLATE_CHAR = "[A-HJ-NP-Z0-9]"
# Ordinary: 5 characters, or 4 and a special-use suffix (trailer, learner, police, HK, Macao).
# New energy (GA 36-2018): small car D/F + letter-or-digit + 4 digits; large 5 digits + D/F.
_PLATE_BODY = re.compile(
    rf"{_PLATE_CHAR}{{5}}|{_PLATE_CHAR}{{4}}[挂学警港澳]|[DF]{_PLATE_CHAR}[0-9]{{4}}|[0-9]{{5}}[DF]")
_PLATE_FULL = re.compile(f"[{''.join(PLATE_PROVINCES)}][A-Z](?:{_PLATE_BODY.pattern})")
_PLATE_LETTER = re.compile("[A-Z]")
_PLATE_IO = re.compile("[IO]")
_PLATE_REASONS = (
    None,  # filled per value: unknown province abbreviation
    "issuing-authority letter (character 2) must be A-Z",
    "letters I and O are not used after the issuing letter",
    "expected 5 characters after the issuing letter (6 for a new-energy plate: "
    "D/F + 5, or 5 digits + D/F)",
)


class Plate(IdentifierType):
    name = "plate"
    lengths = (7, 8)
    doc = ("Licence plate (车牌号码): province abbreviation + issuing letter A-Z + 5 "
           "characters (no I/O; the last may be 挂/学/警/港/澳), or 6 for new-energy plates "
           "per GA 36-2018.  Separators (space, ·, -) are removed.")
    _separators = _PLATE_SEPARATORS

    def problem(self, candidate: str) -> str | None:
        c = candidate
        if c[0] not in PLATE_PROVINCES:
            return f"unknown province abbreviation {c[0]!r}"
        if not _PLATE_LETTER.fullmatch(c[1:2]):
            return _PLATE_REASONS[1]
        if _PLATE_IO.search(c[2:]):
            return _PLATE_REASONS[2]
        if not _PLATE_BODY.fullmatch(c[2:]):
            return _PLATE_REASONS[3]
        return None

    def _problems(self, arr: np.ndarray) -> np.ndarray:
        out = np.full(len(arr), None, dtype=object)
        s = pd.Series(arr, dtype=object)
        # One regex for the usual valid plate; the step-by-step reasons only for the rest.
        bad = np.flatnonzero(~s.str.fullmatch(_PLATE_FULL.pattern).to_numpy(dtype=bool))
        s = s.iloc[bad]
        head = s.str[0]
        body = s.str[2:]
        first = _by_priority(len(bad), [
            ~head.isin(list(PLATE_PROVINCES)).to_numpy(),
            ~s.str[1:2].str.fullmatch(_PLATE_LETTER.pattern).to_numpy(dtype=bool),
            body.str.contains(_PLATE_IO.pattern, regex=True).to_numpy(dtype=bool),
            ~body.str.fullmatch(_PLATE_BODY.pattern).to_numpy(dtype=bool),
        ])
        k = np.flatnonzero(first == 1)
        out[bad[k]] = [f"unknown province abbreviation {h!r}" for h in head.to_numpy()[k]]
        for code in (2, 3, 4):
            out[bad[first == code]] = _PLATE_REASONS[code - 1]
        return out


PLATE = Plate()


def province_of_plate(plate: str) -> str:
    """The two-digit province code of a plate, e.g. ``"苏E12345"`` -> ``"32"``.

    Append ``"0000"`` for the province's region code.

    Raises
    ------
    IdentifierError
        When ``plate`` is not a valid plate.
    """
    return PLATE_PROVINCES[PLATE.clean(plate)[0]]
