"""What every identifier type shares: normalisation, the single-value and the vectorised
checks, and the helpers the types' vectorised checks are built of (see
:mod:`graph_model.identifiers`)."""

from __future__ import annotations

import math
import numbers
import re
import unicodedata
from functools import cache

import numpy as np
import pandas as pd

from graph_model import regions
from graph_model.errors import UserError
from graph_model.personal_data import mask_ric

_DASHES = "\\-\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_SEPARATORS = re.compile(rf"[\s{_DASHES}]")


class IdentifierError(UserError):
    """A value is not a valid identifier of its type.

    Parameters
    ----------
    type_name : str
        Registry name of the identifier type, e.g. ``"uscc"``.
    value : object
        The value as given; for a resident ID number its masked form (see
        :func:`graph_model.personal_data.mask_ric`), kept as :attr:`value` too.
    reason : str
        Why it was rejected, e.g. ``"wrong check character (expected X)"``.
    """

    def __init__(self, type_name: str, value: object, reason: str):
        if type_name == "ric":  # personal data: a message must not tell the number
            value = mask_ric(_as_text(value) or "")
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


def _of_length(arr: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(reasons so far: the wrong lengths', the rows of the right length, their code points)."""
    out = np.full(len(arr), None, dtype=object)
    lengths = _lengths(arr)
    short = lengths != width
    out[short] = _wrong_length(lengths[short], width)
    rows = np.flatnonzero(~short)
    return out, rows, _codepoints(arr[rows], width)


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
