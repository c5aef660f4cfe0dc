"""The rejects report of a file: how it is written.

Each rejected cell is one line: file, row, column (named by the file's own header, the
one the agency wrote), value and reason.  It is written as UTF-8 with a byte-order mark
(so that Excel reads the Chinese) through :func:`graph_model.csv_safety.to_csv`, so that
no cell is run as a formula.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from graph_model.csv_safety import to_csv
from loaders.kinds import Kind

SUFFIX = ".rejects.csv"


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
    shown = rejects.assign(column=rejects["column"].map(lambda c: headers.get(c, c)))
    to_csv(shown, target, index=False, encoding="utf-8-sig")
    return target
