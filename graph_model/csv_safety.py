"""CSV files a spreadsheet can open safely: every CSV creditkb writes goes through
:func:`to_csv`.

A cell that begins with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which
some spreadsheets skip before looking) is taken by Excel and LibreOffice for a formula,
and a formula can fetch URLs or start programs (CSV or formula injection).  The cells
creditkb writes come from agencies' files (a rejects report repeats the bad cell), so one
could hold such a formula.  As OWASP recommends, such a cell is written with a single
quote in front, which the spreadsheet shows as text; a plain number (``-5``, ``+3.5``)
is left alone, since a spreadsheet reads it as the number it is.

Examples
--------
>>> import pandas as pd
>>> neutralise(pd.DataFrame({"=x": ["=1+1", "-5", "@SUM(A1)", "苏E12345"]})).to_dict("list")
{"'=x": ["'=1+1", '-5', "'@SUM(A1)", '苏E12345']}
"""

from __future__ import annotations

import re

import pandas as pd

__all__ = ["FORMULA_PATTERN", "neutralise", "neutralise_text", "to_csv"]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
#: a cell a spreadsheet may take for a formula (one may follow leading spaces); a number
#: that matches is still written as it is (see neutralise_text)
FORMULA_PATTERN = r"^[ ]*[=+\-@\t\r]"
_RISKY = re.compile(FORMULA_PATTERN)


def neutralise_text(text: str) -> str:
    """``text`` with a quote in front when a spreadsheet would take it for a formula."""
    if _RISKY.match(text) and not _NUMBER.fullmatch(text.strip()):
        return "'" + text
    return text


def _column(s: pd.Series) -> pd.Series:
    if not (pd.api.types.is_object_dtype(s.dtype) or pd.api.types.is_string_dtype(s.dtype)):
        return s  # numbers, dates, booleans: nothing a spreadsheet could run
    risky = s.astype("string").str.match(_RISKY.pattern).fillna(False).to_numpy(dtype=bool)
    if not risky.any():
        return s
    out = s.copy()
    out[risky] = [neutralise_text(str(v)) for v in s[risky]]
    return out


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its headers and text cells neutralised (see the module docstring)."""
    cells = frame.apply(_column) if len(frame.columns) else frame
    return cells.set_axis([neutralise_text(str(c)) for c in frame.columns], axis=1)


def to_csv(frame: pd.DataFrame, target, **options) -> None:
    """``frame.to_csv(target, **options)``, its cells neutralised first."""
    neutralise(frame).to_csv(target, **options)


def to_machine_csv(frame: pd.DataFrame, target) -> None:
    """``frame``'s rows (no header, no index) as CSV for a program that reads data, never a
    spreadsheet (``neo4j-admin database import``): cells are written exactly as they are,
    since a quote put in front would change the data loaded.  Null cells are empty."""
    frame.to_csv(target, header=False, index=False, lineterminator="\n")
