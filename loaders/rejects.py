"""The rejects report of a file: what it may show, and how it is written.

Each rejected cell is one line: file, row, column (named by the file's own header, the
one the agency wrote), value, reason_code (for programs, :mod:`loaders.reasons`) and reason
(in the reader's language).  A report is read by clerks and passed around,
so it never holds a resident ID number in clear: the value of a resident-ID column is
masked (:func:`graph_model.personal_data.mask_ric`), a code that could be a person's
number too, and numbers that look like one are masked inside any other value or reason.
It is written as UTF-8 with a byte-order mark (so that Excel reads the Chinese) through
:func:`graph_model.csv_safety.to_csv`, so that no cell is run as a formula.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from graph_model.csv_safety import to_csv
from graph_model.identifiers import REGISTRY
from graph_model.personal_data import mask_ric, mask_ric_text, redact_code
from loaders.kinds import Kind
from loaders.reasons import localize

SUFFIX = ".rejects.csv"


def protect(rejects: pd.DataFrame, kind: Kind) -> pd.DataFrame:
    """``rejects`` with no resident ID number left in clear (see the module docstring)."""
    if rejects.empty:
        return rejects
    types = rejects["column"].map({c.name: c.type for c in kind.columns.values()})
    values = rejects["value"].astype("string")
    shown = mask_ric_text(values)[0].to_numpy(dtype=object, na_value=None)
    raw = values.to_numpy(dtype=object, na_value=None)
    ric = types.isin(["ric", "ric_or_code"]).to_numpy(dtype=bool)
    code = types.isin(["subject", *REGISTRY]).to_numpy(dtype=bool) & ~ric
    shown[ric] = [mask_ric(v) for v in raw[ric]]
    shown[code] = [redact_code(v) for v in raw[code]]
    reasons = mask_ric_text(rejects["reason"].astype("string"))[0]
    return rejects.assign(value=pd.array(shown, dtype="string"), reason=reasons.to_numpy())


def file_headers(kind: Kind, headers: list[str], raw_headers: list[str] | None = None,
                 profile_columns: dict[str, str] | None = None) -> dict[str, str]:
    """Column name -> the header the file gives it (``raw_headers``, as written, in the
    order of the normalised ``headers``; through a profile's mapping when there is one),
    or the exchange format's header for a column the file lacks."""
    hmap = kind.header_map()
    out: dict[str, str] = {}
    for h, raw in zip(headers, raw_headers or headers):
        mapped = (profile_columns or {}).get(h, h)
        out.setdefault(hmap.get(mapped, mapped), raw)
    for col in kind.columns.values():
        out.setdefault(col.name, col.header)
    return out


def write_report(rejects: pd.DataFrame, headers: dict[str, str], directory: Path,
                 source: str) -> Path:
    """Write the report of the file ``source`` into ``directory``; returns its path."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / (Path(source).stem + SUFFIX)
    shown = localize(rejects.assign(column=rejects["column"].map(lambda c: headers.get(c, c))))
    to_csv(shown, target, index=False, encoding="utf-8-sig")
    return target
