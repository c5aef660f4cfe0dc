"""IMO ship identification numbers."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from graph_model.identifiers.base import _Digits

_IMO_PREFIX = re.compile("^IMO")
_IMO_WEIGHTS = np.array([7, 6, 5, 4, 3, 2], dtype=np.int64)


def imo_check_digits(digits: np.ndarray) -> np.ndarray:
    """The check digit of each row of six IMO digits (an (n, 6) integer array): the digits
    weighted 7..2, summed, mod 10.

    >>> imo_check_digits(np.array([[9, 0, 7, 4, 7, 2]])).tolist()
    [9]
    """
    return (digits * _IMO_WEIGHTS).sum(axis=1) % 10


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
        expected = imo_check_digits(d[:, :6])
        wrong = d[:, 6] != expected
        out[rows[wrong]] = [f"wrong check digit (expected {e})" for e in expected[wrong]]
        return out
