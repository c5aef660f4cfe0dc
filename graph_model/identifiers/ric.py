"""Resident identity card numbers (居民身份证号) and their keyed hash: creditkb never stores
the clear number."""

from __future__ import annotations

import datetime
import hashlib
import hmac

import numpy as np
import pandas as pd
from stdnum.cn import ric as _std_ric

from graph_model import regions
from graph_model.identifiers.base import (
    IdentifierType, _ascii_digits, _by_priority, _is_ascii_digit, _known_region, _number,
    _of_length, _wrong_length,
)
from graph_model.personal_data import mask_canonical

# ISO 7064 MOD 11-2 (stdnum.iso7064.mod_11_2): weights 2**(17-i) mod 11
_RIC_WEIGHTS = np.array([pow(2, 17 - i, 11) for i in range(17)], dtype=np.int64)
_RIC_EARLIEST_BIRTH = 18500101
_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


# A reason shown with a masked number must not tell what the mask hides: neither the
# expected check character (with the other 17, it rebuilds the number someone meant)
# nor the birth date.
RIC_WRONG_CHECK = "wrong check character"
RIC_BAD_BIRTH_DATE = "impossible birth date (characters 7-14)"


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
        if c[-1] != _std_ric.calc_check_digit(c):
            return RIC_WRONG_CHECK
        try:
            datetime.date(int(c[6:10]), int(c[10:12]), int(c[12:14]))
            possible = _RIC_EARLIEST_BIRTH <= int(c[6:14]) <= _today_number()
        except ValueError:
            possible = False
        if not possible:
            return RIC_BAD_BIRTH_DATE
        if not regions.is_known(c[:6]):
            return f"unknown region code {c[:6]}"
        return None

    def _problems(self, arr: np.ndarray) -> np.ndarray:
        out, rows, m = _of_length(arr, 18)
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
        out[rows[first == 2]] = RIC_WRONG_CHECK
        out[rows[first == 3]] = RIC_BAD_BIRTH_DATE
        k = np.flatnonzero(first == 4)
        out[rows[k]] = [f"unknown region code {arr[rows[i]][:6]}" for i in k]
        return out


RIC = Ric()


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
    number = RIC.clean(canonical)
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
    return mask_canonical(number)
