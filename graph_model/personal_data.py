"""Resident ID numbers where they do not belong: masking them in reports, messages and
free text.

creditkb keeps a resident ID number (居民身份证号) only as its keyed hash and its masked
form (:func:`graph_model.identifiers.protect_ric`).  Everything else that might carry
one goes through this module:

* :func:`mask_ric` for a value given as a resident ID number, valid or not (a rejects
  report, an error message): never the clear number.
* :func:`redact_code` for a value that may or may not be one (a subject code, a search
  term): masked when it could be a person's number.
* :func:`mask_ric_text` for free text (a listing reason, a name cell): numbers that look
  like resident IDs are masked in place, the rest of the text is kept.
* :func:`redact_text` for text nobody wrote as data (a log line, an audit row, an error):
  every long run of digits that could be a resident ID number, plausible or not, masked.

A masked number keeps the region (characters 1-6) and the last four characters, the
form the store keeps as ``id_masked`` (``320502********123X``): enough for a clerk to
recognise a record, not enough to rebuild the number, as long as nothing else tells the
hidden characters (which is why the resident-ID checks never name the expected check
character or the birth date, see :class:`graph_model.identifiers.Ric`).
"""

from __future__ import annotations

import datetime
import re
import unicodedata

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["mask_canonical", "mask_ric", "mask_ric_text", "redact_code", "redact_text"]

_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212]")
#: First two digits of a resident ID: the province-level division of GB/T 2260 (and
#: 71 Taiwan, 81 Hong Kong, 82 Macao, 83 for Taiwan residents' permits).
_PROVINCES = frozenset({11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42,
                        43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83})
_EARLIEST_BIRTH = datetime.date(1850, 1, 1)  # as graph_model.identifiers.Ric

_D = "[0-9\uff10-\uff19]"  # an ASCII or full-width digit
_X = "[0-9\uff10-\uff19Xx\uff38\uff58]"  # a check character
_SEP = r"[ \-]?"  # one optional space or hyphen between digits ("3205 0219 ...")
_EDGE_BEFORE = r"(?<![0-9A-Za-z\uff10-\uff19\uff21-\uff3a\uff41-\uff5a])"
_EDGE_AFTER = r"(?![0-9A-Za-z\uff10-\uff19\uff21-\uff3a\uff41-\uff5a])"
#: A label saying that the number after it is a resident ID.
_LABEL = r"(?:身份证(?:号码|号)?|公民身份号码|身份号码|证件号码|证件号)\s*[:：]?\s*"
_NUMBER18 = f"{_D}(?:{_SEP}{_D}){{16}}{_SEP}{_X}"
_RIC_IN_TEXT = re.compile(
    f"(?P<label>{_LABEL})?{_EDGE_BEFORE}(?P<n18>{_NUMBER18}){_EDGE_AFTER}"
    f"|(?P<label15>{_LABEL}){_EDGE_BEFORE}(?P<n15>{_D}{{15}}){_EDGE_AFTER}")
#: A character that may not touch a number (the class _EDGE_BEFORE and _EDGE_AFTER refuse).
_NOT_CODE = "[^0-9A-Za-z\uff10-\uff19\uff21-\uff3a\uff41-\uff5a]"
#: What every match of _RIC_IN_TEXT contains: a cheap first pass over a column, in a pattern
#: RE2 reads as Python does.  RE2 has no look-around, so the edges are spelled as a
#: character that may not touch a number, or the text's start or end; the first-generation
#: form is 15 digits so edged after (its label not asked for).  A code longer than a
#: number (a receipt's ``360100-20190102-0000000``, a bank account) is not a candidate:
#: every cell of such a column went through Python's regular expression, one by one.
_CANDIDATE = re.compile(f"(?:^|{_NOT_CODE}){_NUMBER18}(?:$|{_NOT_CODE})"
                        f"|{_D}{{15}}(?:$|{_NOT_CODE})")


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


def _canonical(text: str) -> str:
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", text).upper())


def mask_canonical(number: str) -> str:
    """The masked form of a canonical 18-character number: first 6, 8 stars, last 4.

    >>> mask_canonical("32050219900101123X")
    '320502********123X'
    """
    return number[:6] + "*" * 8 + number[-4:]


def mask_ric(value) -> str | None:
    """``value``, given as a resident ID number, in a form that does not tell it.

    A well-formed number (18 characters, 17 digits and a digit or X: the check character
    need not be right) is masked as the store masks it; anything else keeps at most its
    first six characters (its region), so that a mistyped number cannot be rebuilt from
    what is shown.  Missing stays missing (None).

    >>> mask_ric("32050219900101123X")
    '320502********123X'
    >>> mask_ric("3205021990010112")
    '320502**********'
    >>> mask_ric("12345")
    '*****'
    """
    if _missing(value):
        return None
    number = _canonical(str(value))
    if len(number) == 18 and number[:17].isascii() and number[:17].isdigit():
        return mask_canonical(number)
    keep = 6 if len(number) >= 12 else 0
    return number[:keep] + "*" * (len(number) - keep)


def redact_code(value) -> str | None:
    """``value`` as it is, unless it could be a person's number: a code with 14 digits or
    more (a resident ID, right or mistyped; a USCC, plate or vessel number has fewer, or
    letters) is masked by :func:`mask_ric`.

    >>> redact_code("苏E12345")
    '苏E12345'
    >>> redact_code("32050219900101123")
    '320502***********'
    """
    if _missing(value):
        return None
    text = str(value)
    digits = sum(ch.isdigit() for ch in unicodedata.normalize("NFKC", text))
    return mask_ric(text) if digits >= 14 else text


#: 14 to 18 ASCII or full-width digits (the last may be an X), not part of a longer code:
#: what :func:`redact_code` would mask, found inside text.
_LONG_NUMBER = re.compile(f"{_EDGE_BEFORE}{_D}{{13,17}}{_X}{_EDGE_AFTER}")


def redact_text(text: str) -> str:
    """``text`` with every number that could be a resident ID (14 to 18 digits, right or
    mistyped, not part of a longer code) masked by :func:`mask_ric`: for text written by
    creditkb itself (log lines, audit rows), where no long number is worth keeping.

    >>> redact_text("subject Person:320502199001011234 not found")
    'subject Person:320502********1234 not found'
    >>> redact_text("Person:5f1c3a9e0b12 Enterprise:91320506MA1MKT3P0P")
    'Person:5f1c3a9e0b12 Enterprise:91320506MA1MKT3P0P'
    """
    if not isinstance(text, str) or not _CANDIDATE_ANY.search(text):
        return text
    return _LONG_NUMBER.sub(lambda m: mask_ric(m.group(0)), text)


#: The cheap first pass of :func:`redact_text`: 14 digits in a row.
_CANDIDATE_ANY = re.compile(f"{_D}{{14}}")


def _plausible(number: str) -> bool:
    """A resident ID's shape beyond its digits: a province and a real birth date (1850 to
    today).  The check character is not asked for: a mistyped number is personal data too."""
    if int(number[:2]) not in _PROVINCES:
        return False
    try:
        born = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    return _EARLIEST_BIRTH <= born <= datetime.date.today()


def _mask_match(m: re.Match) -> str:
    if m.group("n15") is not None:  # the 15-digit first-generation form, labelled as such
        number = _canonical(m.group("n15"))
        return m.group("label15") + number[:6] + "*" * 5 + number[-4:]
    number = _canonical(m.group("n18"))
    if m.group("label") is None and not _plausible(number):
        return m.group(0)  # a long number that is no resident ID (an account, an order)
    return (m.group("label") or "") + mask_canonical(number)


def _mask_one(text: str) -> str:
    return _RIC_IN_TEXT.sub(_mask_match, text)


def mask_ric_text(cells: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Mask the resident ID numbers inside free-text cells, keeping the rest of the text.

    Found are 18-character numbers (17 ASCII or full-width digits and a digit or X,
    optionally grouped by single spaces or hyphens, not part of a longer code) with a
    province code and a real birth date, and any 18-character or 15-digit (first
    generation) number right after a label such as 身份证号 or 证件号码.  Each becomes the
    store's masked form (``320502********123X``).

    Parameters
    ----------
    cells : pandas.Series
        Text cells (missing cells stay missing).

    Returns
    -------
    masked : pandas.Series
        ``cells`` with the numbers masked (same index, name and dtype).
    hit : numpy.ndarray of bool
        Which cells had a number masked.

    Examples
    --------
    >>> masked, hit = mask_ric_text(pd.Series(["当事人身份证320502199001011234违规", "苏E12345"]))
    >>> masked.tolist(), hit.tolist()
    (['当事人身份证320502********1234违规', '苏E12345'], [True, False])
    """
    # Most cells hold no long run of digits: Arrow's regular expressions (RE2, over the
    # whole column at once) find the few that do, and only those are looked at here.
    text = cells.astype("string")
    candidate = pc.match_substring_regex(pa.array(text.array), _CANDIDATE.pattern)
    rows = np.flatnonzero(candidate.fill_null(False).to_numpy(zero_copy_only=False))
    hit = np.zeros(len(cells), dtype=bool)
    if not len(rows):
        return cells, hit
    before = text.to_numpy(dtype=object, na_value=None)[rows]
    after = np.array([_mask_one(t) for t in before], dtype=object)
    changed = after != before
    if not changed.any():
        return cells, hit
    hit[rows[changed]] = True
    values = cells.to_numpy(dtype=object, na_value=None)
    values[rows[changed]] = after[changed]
    return pd.Series(values, index=cells.index, name=cells.name).astype(cells.dtype), hit
