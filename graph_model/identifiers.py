"""Identifier types: one registry that every part of creditkb validates codes with.

The schema's property types name the entries of :data:`REGISTRY` (``uscc``, ``ric``,
``plate``, ``vessel_id``, ``imo``, ``region_code``).  Each type offers

* :meth:`IdentifierType.clean` for one value: the canonical form, or
  :class:`IdentifierError` naming the value and the reason; and
* :meth:`IdentifierType.check_series` for a whole column, vectorised with pandas string
  methods and numpy lookup tables, because loaders run it over millions of rows.

Both apply the same normalisation (NFKC, so full-width characters become half-width;
upper case; separators removed) and the same checks in the same order, so they agree on
every value and give the same reason; the tests check this with hypothesis.

Check characters follow the packages that maintain them: the USCC alphabet is
``stdnum.cn.uscc``'s, the single-value checks call ``stdnum.cn.uscc`` and
``stdnum.cn.ric``, and region parts are checked against :mod:`graph_model.regions`.

Resident ID numbers are personal data: creditkb never stores the clear number.  Loaders
keep only :func:`protect_ric`'s keyed hash (the Person key) and masked form.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import math
import numbers
import re
import unicodedata
from functools import cache

import numpy as np
import pandas as pd
from stdnum.cn import ric as _std_ric
from stdnum.cn import uscc as _std_uscc

from graph_model import regions
from graph_model.errors import UserError

__all__ = [
    "IdentifierError",
    "IdentifierType",
    "REGISTRY",
    "SUBJECT_LABELS",
    "PLATE_PROVINCES",
    "NATIONAL_REGISTRATION_CODE",
    "clean",
    "guess_subject_label",
    "guess_subject_labels",
    "protect_ric",
    "protect_ric_series",
    "province_of_plate",
]

_DASHES = "\\-\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_SEPARATORS = re.compile(rf"[\s{_DASHES}]")
_PLATE_SEPARATORS = re.compile(rf"[\s{_DASHES}·•・.]")

#: Region part of USCCs issued by national-level registration authorities (e.g. the
#: State Commission Office for Public Sector Reform: 清华大学 12100000400000624D).  It is
#: not a division code, so only the USCC check accepts it.
NATIONAL_REGISTRATION_CODE = "100000"


class IdentifierError(UserError):
    """A value is not a valid identifier of its type.

    Parameters
    ----------
    type_name : str
        Registry name of the identifier type, e.g. ``"uscc"``.
    value : object
        The value as given.
    reason : str
        Why it was rejected, e.g. ``"wrong check character (expected X)"``.
    """

    def __init__(self, type_name: str, value: object, reason: str):
        self.type_name = type_name
        self.value = value
        self.reason = reason
        super().__init__(f"{type_name} {value!r}: {reason}")


# --------------------------------------------------------------------------- helpers


def _as_text(value: object) -> str | None:
    """A cell as text; None when missing.  Integral numbers (from Excel) lose their '.0'."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return str(int(value))
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        value = float(value)
        if math.isnan(value):
            return None
        if value.is_integer() and abs(value) < 2**53:
            return str(int(value))
    return str(value)


def _text_array(s: pd.Series) -> np.ndarray:
    """The column as an object array of str, None where missing."""
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        return np.array([_as_text(v) for v in s.to_numpy(dtype=object)], dtype=object)
    arr = s.to_numpy(dtype=object, na_value=None)
    if pd.api.types.infer_dtype(arr, skipna=True) not in ("string", "empty"):
        arr = np.array([_as_text(v) for v in arr], dtype=object)
    else:
        arr = arr.copy()
    arr[pd.isna(arr)] = None
    return arr


def _lengths(arr: np.ndarray) -> np.ndarray:
    return np.fromiter(map(len, arr), dtype=np.int64, count=len(arr))


def _codepoints(arr: np.ndarray, width: int) -> np.ndarray:
    """Strings all of length ``width`` as an (n, width) array of code points.

    uint8 when all are ASCII (the usual case, 4 times less memory to scan), else uint32.
    """
    if len(arr) == 0:
        return np.zeros((0, width), dtype=np.uint8)
    joined = "".join(arr)
    try:
        return np.frombuffer(joined.encode("ascii"), dtype=np.uint8).reshape(-1, width)
    except UnicodeEncodeError:
        raw = joined.encode("utf-32-le", "surrogatepass")
        return np.frombuffer(raw, dtype=np.uint32).reshape(-1, width)


def _lookup(table: np.ndarray, m: np.ndarray) -> np.ndarray:
    """``table[m]`` for a 256-entry table; code points above 255 read entry 255."""
    return table[m] if m.dtype == np.uint8 else table[np.minimum(m, 255)]


def _is_ascii_digit(m: np.ndarray) -> np.ndarray:
    return (m >= 48) & (m <= 57)


def _ascii_digits(text: str) -> bool:
    return all("0" <= ch <= "9" for ch in text)


def _number(m: np.ndarray) -> np.ndarray:
    """Rows of ASCII digit code points as integers (garbage where not digits)."""
    digits = m.astype(np.int64) - 48
    powers = 10 ** np.arange(m.shape[1] - 1, -1, -1, dtype=np.int64)
    return digits @ powers


@cache
def _region_table(extra: tuple[str, ...] = ()) -> np.ndarray:
    """Boolean table indexed by the six-digit code: True for known region codes."""
    table = np.zeros(10**6, dtype=bool)
    table[np.fromiter((int(c) for c in regions.known_codes() | set(extra)), dtype=np.int64)] = True
    return table


def _known_region(codes: np.ndarray, extra: tuple[str, ...] = ()) -> np.ndarray:
    inside = (codes >= 0) & (codes < 10**6)
    return inside & _region_table(extra)[np.where(inside, codes, 0)]


def _by_priority(n: int, failures: list[np.ndarray]) -> np.ndarray:
    """For each row, the index (1-based) of the first failed check; 0 when none failed."""
    first = np.zeros(n, dtype=np.int8)
    for k in range(len(failures), 0, -1):
        first[failures[k - 1]] = k
    return first


# --------------------------------------------------------------------------- base type


class IdentifierType:
    """An identifier type: normalisation, checks and a canonical form.

    Subclasses set :attr:`name`, :attr:`doc` and implement :meth:`problem` (one value) and
    :meth:`_problems` (an array, vectorised) with the same checks in the same order.  For
    every type, a value that passes the checks is already in normalised form, which lets
    :meth:`check_series` skip normalisation for the (usual) clean rows.
    """

    name: str = ""
    doc: str = ""
    #: Lengths a canonical value can have (lets callers skip hopeless values cheaply).
    lengths: tuple[int, ...] = ()
    _separators: re.Pattern = _SEPARATORS

    # -- normalisation
    def normalise(self, text: str) -> str:
        """NFKC (full-width to half-width), upper case, separators removed."""
        return self._separators.sub("", unicodedata.normalize("NFKC", text).upper())

    def _normalise_array(self, arr: np.ndarray) -> np.ndarray:
        s = pd.Series(arr, dtype=object)
        s = s.str.normalize("NFKC").str.upper().str.replace(self._separators, "", regex=True)
        return s.to_numpy(dtype=object)

    # -- checks
    def problem(self, candidate: str) -> str | None:
        """Why a normalised, non-empty value is invalid; None when it is valid."""
        raise NotImplementedError

    def _problems(self, arr: np.ndarray) -> np.ndarray:
        """:meth:`problem` for an object array of non-empty str, vectorised."""
        raise NotImplementedError

    # -- public
    def clean(self, value: object) -> str:
        """The canonical form of ``value``.

        Raises
        ------
        IdentifierError
            When the value is empty or invalid; the message names the value and reason.
        """
        text = _as_text(value)
        candidate = self.normalise(text) if text is not None else ""
        if not candidate:
            raise IdentifierError(self.name, value, "empty")
        reason = self.problem(candidate)
        if reason is not None:
            raise IdentifierError(self.name, value, reason)
        return candidate

    def is_valid(self, value: object) -> bool:
        """True when :meth:`clean` would accept ``value``."""
        try:
            self.clean(value)
        except IdentifierError:
            return False
        return True

    def check_series(self, s: pd.Series) -> tuple[pd.Series, pd.Series]:
        """Check a whole column at once.

        Parameters
        ----------
        s : pandas.Series
            Raw values (str, numbers or missing).

        Returns
        -------
        values : pandas.Series
            Canonical values (object dtype); NaN where invalid or empty.
        reasons : pandas.Series
            The reason where a non-empty value is invalid, None elsewhere.  Empty, NaN and
            whitespace-only cells are not errors here: required-ness is checked elsewhere.
        """
        if isinstance(s.dtype, pd.StringDtype):
            # A column of text names few distinct codes many times (one firm, many
            # records): each distinct one is checked once.  (Not for object columns,
            # where 1, 1.0 and True would count as one value.)
            codes, distinct = pd.factorize(s.array)
            values, reasons = self._check_text(_text_array(pd.Series(distinct)))
            values = np.append(values, np.nan)[codes]  # code -1 (missing): the last
            reasons = np.append(reasons, None)[codes]
        else:
            values, reasons = self._check_text(_text_array(s))
        return (pd.Series(values, index=s.index, dtype=object, name=s.name),
                pd.Series(reasons, index=s.index, dtype=object, name=s.name))

    def _check_text(self, text: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`check_series` for an object array of str (None where missing)."""
        values = np.full(len(text), np.nan, dtype=object)
        reasons = np.full(len(text), None, dtype=object)
        present = np.flatnonzero(~pd.isna(text))
        raw = text[present]
        ok = pd.isna(self._problems(raw)) if raw.size else np.zeros(0, dtype=bool)
        values[present[ok]] = raw[ok]

        redo = present[~ok]
        if redo.size:
            candidates = self._normalise_array(text[redo])
            nonempty = candidates != ""
            redo, candidates = redo[nonempty], candidates[nonempty]
            found = self._problems(candidates)
            good = pd.isna(found)
            values[redo[good]] = candidates[good]
            reasons[redo[~good]] = found[~good]
        return values, reasons

    def __repr__(self) -> str:
        return f"<IdentifierType {self.name}>"


def _wrong_length(lengths: np.ndarray, expected: int) -> list[str]:
    return [f"wrong length ({k} characters, expected {expected})" for k in lengths]


# --------------------------------------------------------------------------- USCC

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
        out = np.full(len(arr), None, dtype=object)
        lengths = _lengths(arr)
        short = lengths != 18
        out[short] = _wrong_length(lengths[short], 18)
        rows = np.flatnonzero(~short)
        m = _codepoints(arr[rows], 18)
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


# --------------------------------------------------------------------------- RIC

# ISO 7064 MOD 11-2 (stdnum.iso7064.mod_11_2): weights 2**(17-i) mod 11
_RIC_WEIGHTS = np.array([pow(2, 17 - i, 11) for i in range(17)], dtype=np.int64)
_RIC_EARLIEST_BIRTH = 18500101
_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def _today_number() -> int:
    today = datetime.date.today()
    return today.year * 10000 + today.month * 100 + today.day


class Ric(IdentifierType):
    name = "ric"
    lengths = (18,)
    doc = ("Resident identity card number (居民身份证号): 18 characters, ISO 7064 MOD 11-2 "
           "check character, a real birth date (1850 to today) and a known region code "
           "(current or retired) in characters 1-6.  Unlike stdnum, the region need not "
           "have existed in the birth year: numbers are assigned at registration, often "
           "years after birth.  Personal data: never stored in clear, see protect_ric.")

    def problem(self, candidate: str) -> str | None:
        c = candidate
        if len(c) != 18:
            return _wrong_length([len(c)], 18)[0]
        if not (_ascii_digits(c[:17]) and (c[17] == "X" or _ascii_digits(c[17]))):
            return "expected 17 digits followed by a digit or X"
        expected = _std_ric.calc_check_digit(c)
        if c[-1] != expected:
            return f"wrong check character (expected {expected})"
        try:
            datetime.date(int(c[6:10]), int(c[10:12]), int(c[12:14]))
            possible = _RIC_EARLIEST_BIRTH <= int(c[6:14]) <= _today_number()
        except ValueError:
            possible = False
        if not possible:
            return f"impossible birth date {c[6:14]}"
        if not regions.is_known(c[:6]):
            return f"unknown region code {c[:6]}"
        return None

    def _problems(self, arr: np.ndarray) -> np.ndarray:
        out = np.full(len(arr), None, dtype=object)
        lengths = _lengths(arr)
        short = lengths != 18
        out[short] = _wrong_length(lengths[short], 18)
        rows = np.flatnonzero(~short)
        m = _codepoints(arr[rows], 18)
        digit = _is_ascii_digit(m)
        bad_format = ~(digit[:, :17].all(axis=1) & (digit[:, 17] | (m[:, 17] == ord("X"))))
        d = np.where(digit, m.astype(np.int64) - 48, 0)
        expected = (12 - (d[:, :17] * _RIC_WEIGHTS).sum(axis=1) % 11) % 11
        actual = np.where(m[:, 17] == ord("X"), 10, d[:, 17])
        wrong_check = actual != expected
        year, month, day = _number(m[:, 6:10]), _number(m[:, 10:12]), _number(m[:, 12:14])
        leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
        month_ok = (month >= 1) & (month <= 12)
        dim = _DAYS_IN_MONTH[np.where(month_ok, month, 0)] + ((month == 2) & leap)
        ymd = _number(m[:, 6:14])
        bad_date = ~(month_ok & (day >= 1) & (day <= dim)
                     & (ymd >= _RIC_EARLIEST_BIRTH) & (ymd <= _today_number()))
        unknown = ~_known_region(_number(m[:, :6]))
        first = _by_priority(len(rows), [bad_format, wrong_check, bad_date, unknown])
        out[rows[first == 1]] = "expected 17 digits followed by a digit or X"
        k = np.flatnonzero(first == 2)
        out[rows[k]] = [f"wrong check character (expected {'X' if e == 10 else e})"
                        for e in expected[k]]
        k = np.flatnonzero(first == 3)
        out[rows[k]] = [f"impossible birth date {arr[rows[i]][6:14]}" for i in k]
        k = np.flatnonzero(first == 4)
        out[rows[k]] = [f"unknown region code {arr[rows[i]][:6]}" for i in k]
        return out


def protect_ric(canonical: str, secret: str | bytes) -> tuple[str, str]:
    """The keyed hash and masked form of a resident ID number.

    The clear number must never be stored: keep the hash (the Person key, stable for one
    secret, useless without it) and the masked form for display.

    Parameters
    ----------
    canonical : str
        A resident ID number; it is cleaned first, so any accepted spelling gives the
        same hash.
    secret : str or bytes
        The installation's secret key (non-empty).

    Returns
    -------
    tuple of str
        (HMAC-SHA256 hex digest of the canonical number, first 6 + ``********`` + last 4),
        e.g. ``("5f1c...", "320502********123X")``.
    """
    number = REGISTRY["ric"].clean(canonical)
    keyed = hmac.new(_secret_bytes(secret), digestmod=hashlib.sha256)
    return _keyed_hash(keyed, number), _mask(number)


def protect_ric_series(s: pd.Series, secret: str | bytes) -> tuple[pd.Series, pd.Series]:
    """:func:`protect_ric` for a column of canonical numbers (NaN stays NaN).

    Parameters
    ----------
    s : pandas.Series
        Canonical resident ID numbers, as the first result of ``check_series``.
    secret : str or bytes
        The installation's secret key (non-empty).

    Returns
    -------
    hashes, masked : pandas.Series
        Object series aligned with ``s``.
    """
    keyed = hmac.new(_secret_bytes(secret), digestmod=hashlib.sha256)
    present = s.notna().to_numpy()
    # One person is named in many rows: hash each distinct number once.
    codes, distinct = pd.factorize(s.to_numpy(dtype=object)[present])
    hashes = np.full(len(s), np.nan, dtype=object)
    masked = np.full(len(s), np.nan, dtype=object)
    hashes[present] = _object_array([_keyed_hash(keyed, n) for n in distinct])[codes]
    masked[present] = _object_array([_mask(n) for n in distinct])[codes]
    return (pd.Series(hashes, index=s.index, dtype=object, name=s.name),
            pd.Series(masked, index=s.index, dtype=object, name=s.name))


def _object_array(items: list) -> np.ndarray:
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out


def _secret_bytes(secret: str | bytes) -> bytes:
    key = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
    if not key:
        raise ValueError("an empty secret would make the resident-ID hash unkeyed")
    return key


def _keyed_hash(keyed: hmac.HMAC, number: str) -> str:
    # Copying an HMAC already keyed skips re-deriving the key pads for every number.
    h = keyed.copy()
    h.update(number.encode("ascii"))
    return h.hexdigest()


def _mask(number: str) -> str:
    return number[:6] + "********" + number[-4:]


# --------------------------------------------------------------------------- plate

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


def province_of_plate(plate: str) -> str:
    """The two-digit province code of a plate, e.g. ``"苏E12345"`` -> ``"32"``.

    Append ``"0000"`` for the province's region code.

    Raises
    ------
    IdentifierError
        When ``plate`` is not a valid plate.
    """
    return PLATE_PROVINCES[REGISTRY["plate"].clean(plate)[0]]


# --------------------------------------------------------------------------- fixed formats


class _Digits(IdentifierType):
    """Shared vectorised format check for codes of fixed width: a prefix then digits."""

    width: int = 0
    prefix: str = ""
    format_reason: str = ""

    @property
    def lengths(self) -> tuple[int, ...]:
        return (self.width,)

    def _format_ok(self, c: str) -> bool:
        return (len(c) == self.width and c.startswith(self.prefix)
                and _ascii_digits(c[len(self.prefix):]))

    def _format_arrays(self, arr: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(out with format reasons set, rows of well-formed values, their code points)."""
        out = np.full(len(arr), None, dtype=object)
        lengths = _lengths(arr)
        rows = np.flatnonzero(lengths == self.width)
        m = _codepoints(arr[rows], self.width)
        p = len(self.prefix)
        ok = _is_ascii_digit(m[:, p:]).all(axis=1)
        for i, ch in enumerate(self.prefix):
            ok &= m[:, i] == ord(ch)
        out[lengths != self.width] = self.format_reason
        out[rows[~ok]] = self.format_reason
        return out, rows[ok], m[ok]


class VesselId(_Digits):
    name = "vessel_id"
    doc = "Vessel identification number (船舶识别号): 'CN' followed by 11 digits."
    width, prefix = 13, "CN"
    format_reason = "expected CN followed by 11 digits"

    def problem(self, candidate: str) -> str | None:
        return None if self._format_ok(candidate) else self.format_reason

    def _problems(self, arr: np.ndarray) -> np.ndarray:
        return self._format_arrays(arr)[0]


_IMO_PREFIX = re.compile("^IMO")
_IMO_WEIGHTS = np.array([7, 6, 5, 4, 3, 2], dtype=np.int64)


class Imo(_Digits):
    name = "imo"
    doc = ("IMO ship identification number: 7 digits, optionally prefixed 'IMO'; the last "
           "digit is the sum of the first six weighted 7..2, mod 10.  Canonical: 7 digits.")
    width = 7
    format_reason = "expected 7 digits, optionally prefixed IMO"

    def normalise(self, text: str) -> str:
        return _IMO_PREFIX.sub("", super().normalise(text))

    def _normalise_array(self, arr: np.ndarray) -> np.ndarray:
        s = pd.Series(super()._normalise_array(arr), dtype=object)
        return s.str.replace(_IMO_PREFIX, "", regex=True).to_numpy(dtype=object)

    def problem(self, candidate: str) -> str | None:
        if not self._format_ok(candidate):
            return self.format_reason
        expected = sum(int(d) * w for d, w in zip(candidate[:6], _IMO_WEIGHTS)) % 10
        if int(candidate[6]) != expected:
            return f"wrong check digit (expected {expected})"
        return None

    def _problems(self, arr: np.ndarray) -> np.ndarray:
        out, rows, m = self._format_arrays(arr)
        d = m.astype(np.int64) - 48
        expected = (d[:, :6] * _IMO_WEIGHTS).sum(axis=1) % 10
        wrong = d[:, 6] != expected
        out[rows[wrong]] = [f"wrong check digit (expected {e})" for e in expected[wrong]]
        return out


class RegionCode(_Digits):
    name = "region_code"
    doc = ("Administrative division code (GB/T 2260): 6 digits naming a known division, "
           "current or retired (see graph_model.regions).")
    width = 6
    format_reason = "expected 6 digits"

    def problem(self, candidate: str) -> str | None:
        if not self._format_ok(candidate):
            return self.format_reason
        return None if regions.is_known(candidate) else "unknown region code"

    def _problems(self, arr: np.ndarray) -> np.ndarray:
        out, rows, m = self._format_arrays(arr)
        out[rows[~_known_region(_number(m))]] = "unknown region code"
        return out


# --------------------------------------------------------------------------- registry

#: Every identifier type by the name the schema uses.
REGISTRY: dict[str, IdentifierType] = {
    t.name: t for t in (Uscc(), Ric(), Plate(), VesselId(), Imo(), RegionCode())
}

#: Identifier type of each subject label's key code.
SUBJECT_LABELS: dict[str, str] = {
    "uscc": "Enterprise", "ric": "Person", "plate": "Vehicle", "vessel_id": "Vessel",
}


def clean(type_name: str, value: object) -> str:
    """``REGISTRY[type_name].clean(value)``.

    Raises
    ------
    KeyError
        For an unknown type name.
    IdentifierError
        For an empty or invalid value.
    """
    try:
        kind = REGISTRY[type_name]
    except KeyError:
        raise KeyError(f"unknown identifier type {type_name!r}; known: "
                       f"{', '.join(REGISTRY)}") from None
    return kind.clean(value)


def guess_subject_label(code: object) -> str | None:
    """The subject label whose key type accepts ``code``; None when none or several do.

    Examples
    --------
    >>> guess_subject_label("苏E12345")
    'Vehicle'
    """
    hits = [label for t, label in SUBJECT_LABELS.items() if REGISTRY[t].is_valid(code)]
    return hits[0] if len(hits) == 1 else None


def _accepted(kind: IdentifierType, arr: np.ndarray) -> np.ndarray:
    """Which values of an array of normalised str ``kind`` accepts (no reasons needed)."""
    ok = np.zeros(len(arr), dtype=bool)
    rows = np.flatnonzero(np.isin(_lengths(arr), kind.lengths))
    ok[rows] = pd.isna(kind._problems(arr[rows]))
    return ok


def guess_subject_labels(s: pd.Series) -> pd.Series:
    """:func:`guess_subject_label` for a column, vectorised (None where no single match)."""
    text = _text_array(s)
    present = np.flatnonzero(~pd.isna(text))
    raw = text[present]
    kinds = [REGISTRY[t] for t in SUBJECT_LABELS]
    hits = np.column_stack([_accepted(k, raw) for k in kinds])
    # A value some type accepts as it is has no separators, lower case or full-width
    # characters, so normalising would not change it: only the others are normalised.
    redo = np.flatnonzero(~hits.any(axis=1))
    if redo.size:
        common = pd.Series(raw[redo], dtype=object).str.normalize("NFKC").str.upper()
        common = common.str.replace(_SEPARATORS, "", regex=True)
        plate = common.str.replace(_PLATE_SEPARATORS, "", regex=True)
        by_separators = {_SEPARATORS: common.to_numpy(dtype=object),
                         _PLATE_SEPARATORS: plate.to_numpy(dtype=object)}
        hits[redo] = np.column_stack([_accepted(k, by_separators[k._separators]) for k in kinds])
    labels = np.full(len(s), None, dtype=object)
    single = hits.sum(axis=1) == 1
    names = np.array(list(SUBJECT_LABELS.values()), dtype=object)
    labels[present[single]] = names[hits[single].argmax(axis=1)]
    return pd.Series(labels, index=s.index, dtype=object, name=s.name)
