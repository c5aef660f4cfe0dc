"""Loading agency exports into a store: read, validate, resolve references, build, commit.

Each file is one transaction: its valid rows are committed together, or (above the
bad-row threshold, or on any store error) nothing of it is.  Files already committed stay
committed when a later one fails.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import pandas as pd

from creditkb.stores.port import Store
from graph_model.regions import regions, successors
from loaders.build import build, references
from loaders.errors import LoadError
from loaders.kinds import guess_kind, kinds
from loaders.read import map_headers, read_table
from loaders.validate import REJECT_COLUMNS, FIRST_DATA_ROW, validate

# Subjects before the records about them; agreements before nothing in particular.
KIND_ORDER = ["enterprises", "vehicles", "vessels", "practitioners", "agreements",
              "penalties", "evaluations", "list_entries", "commitments", "repairs"]
SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm")


@dataclass
class FileSummary:
    path: str
    kind: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    nodes_written: int = 0
    edges_written: int = 0
    rejects: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REJECT_COLUMNS))


def ensure_regions(store: Store) -> int:
    """Load the GB/T 2260 region tree once per store (current and retired codes)."""
    table = regions()
    if store.count_nodes("Region") >= len(table):
        return 0
    nodes = table[["code", "name", "level", "valid_from_year", "valid_to_year"]]
    with store.transaction() as tx:
        tx.upsert_nodes("Region", nodes)
        parents = table.dropna(subset=["parent"])
        tx.upsert_edges("PART_OF", pd.DataFrame({"src": "Region:" + parents["code"],
                                                 "dst": "Region:" + parents["parent"]}))
        succ = successors()
        tx.upsert_edges("SUCCEEDED_BY", pd.DataFrame({"src": "Region:" + succ["code"],
                                                      "dst": "Region:" + succ["successor"],
                                                      "year": succ["year"]}))
    return len(nodes)


def discover(paths: Iterable[str | Path]) -> list[Path]:
    """Files named, and the data files inside folders named (not recursive)."""
    out = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(f for f in p.iterdir() if f.suffix.lower() in SUFFIXES))
        else:
            out.append(p)
    return out


def plan(paths: Iterable[str | Path], kind: str | None = None) -> list[tuple[Path, str, pd.DataFrame]]:
    """Read every file and decide its kind, in the order that loads subjects first."""
    planned = []
    for path in discover(paths):
        frame = read_table(path)
        k = kind or guess_kind(list(frame.columns))
        if k is None:
            raise LoadError(str(path), "cannot tell which kind of file this is from its headers; "
                                       f"name it with --kind ({', '.join(KIND_ORDER)})")
        if k not in kinds():
            raise LoadError(str(path), f"unknown kind {k!r}; one of {', '.join(KIND_ORDER)}")
        planned.append((path, k, frame))
    planned.sort(key=lambda t: KIND_ORDER.index(t[1]))
    return planned


def load_paths(store: Store, paths: Iterable[str | Path], secret: str, kind: str | None = None,
               max_bad_fraction: float = 0.1,
               on_file: Callable[[FileSummary], None] | None = None) -> list[FileSummary]:
    ensure_regions(store)
    summaries = []
    for path, k, frame in plan(paths, kind):
        summary = load_frame(store, str(path), k, frame, secret, max_bad_fraction)
        summaries.append(summary)
        if on_file:
            on_file(summary)
    return summaries


def load_frame(store: Store, path: str, kind_name: str, frame: pd.DataFrame, secret: str,
               max_bad_fraction: float = 0.1) -> FileSummary:
    kind = kinds()[kind_name]
    frame = map_headers(Path(path), frame, kind)
    if frame.empty:
        raise LoadError(path, "the file has a header but no data rows")
    checked = validate(path, frame, kind)
    good = _drop_dangling(store, path, kind_name, checked.frame, secret)
    rejects = pd.concat([r for r in (checked.rejects, good[1]) if len(r)] or [checked.rejects],
                        ignore_index=True)
    df = good[0]
    bad_rows = checked.rows_read - len(df)
    summary = FileSummary(path, kind_name, checked.rows_read, len(df), bad_rows, rejects=rejects)
    if bad_rows > max_bad_fraction * checked.rows_read:
        raise LoadError(path, f"{bad_rows} of {checked.rows_read} rows are bad, above the threshold "
                              f"of {max_bad_fraction:.0%}; nothing of this file was loaded "
                              f"(first: row {rejects.iloc[0]['row']}, {rejects.iloc[0]['column']}: "
                              f"{rejects.iloc[0]['reason']})")
    nodes, edges = build(kind, df, secret).merged()
    with store.transaction() as tx:
        for label, nf in nodes:
            summary.nodes_written += tx.upsert_nodes(label, nf)
        for rel, ef in edges:
            summary.edges_written += tx.upsert_edges(rel, ef)
    return summary


def _drop_dangling(store: Store, path: str, kind_name: str, df: pd.DataFrame, secret: str):
    """Rows naming a node that is not in the store are rejected (no kind refers to nodes
    its own file creates, so the store is the only place to look)."""
    refs = references(kind_name, df, secret)
    if not refs:
        return df, pd.DataFrame(columns=REJECT_COLUMNS)
    wanted = pd.concat([r for _, r in refs]).dropna().unique().tolist()
    known = set(store.get_nodes(wanted))
    parts = []
    bad_rows: set[int] = set()
    for col, uids in refs:
        missing = ~uids.isin(known)
        if missing.any():
            rows = uids[missing]
            parts.append(pd.DataFrame({
                "file": path, "row": rows.index + FIRST_DATA_ROW, "column": col,
                "value": rows.str.partition(":")[2].to_numpy(),
                "reason": "unknown " + rows.str.partition(":")[0] + " (not loaded before)"}))
            bad_rows.update(rows.index.tolist())
    rejects = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=REJECT_COLUMNS)
    return df.drop(index=list(bad_rows)), rejects
