"""A daily export: a few rows of one kind changed, added or removed (``creditkb generate
--delta``), reproducible by seed, and the file it makes with its base merged.

An agency's daily export names only what changed since the last one.  Of the rows it
names, about half are corrections of rows the base holds (same key, a field changed), a
third are new rows (new keys, about subjects the store holds), and the rest are removals,
in the exchange format's own words: a penalty revoked (状态 撤销), a watchlist entry ended
(移出日期).  A kind without a removal column gets corrections instead.  Nothing is ever
deleted: a correction is a new version (DOMAIN.md), and a load only ever merges.

:func:`merged` is what the agency's full export would be after the day: the base with the
delta's rows in place of those of the same key, and its new rows added.  Loading the delta
onto a store of the base must give the store a fresh load of the merged file gives
(``tests/integration/test_incremental_load.py``).
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from creditkb.synth.exchange import HEADERS, write_csv
from graph_model.errors import UserError
from graph_model.identifiers import REGISTRY

#: Shares of the delta's rows: corrections, new rows, removals.
CHANGED, ADDED = 0.5, 0.3


def _day(value: str, days: int) -> str:
    return (dt.date.fromisoformat(value) + dt.timedelta(days=days)).isoformat()


@dataclass(frozen=True)
class DeltaRule:
    """How one kind's rows are corrected, removed and newly keyed."""

    key: tuple[str, ...]  # the columns that identify a row (the loader's key is built of them)
    change: Callable[[pd.DataFrame], pd.DataFrame]  # corrected copies of the rows given
    remove: Callable[[pd.DataFrame], pd.DataFrame] | None  # removed versions, if the kind can say so
    rekey: Callable[[pd.DataFrame, set, np.random.Generator], pd.DataFrame]  # copies under new keys


def _penalty_change(rows: pd.DataFrame) -> pd.DataFrame:
    # A corrected amount where there is a fine; otherwise a corrected severity.
    out = rows.copy()
    fined = out["fine"] != ""
    out.loc[fined, "fine"] = (pd.to_numeric(out.loc[fined, "fine"]) + 100).map("{:g}".format)
    out.loc[~fined, "severity"] = np.where(out.loc[~fined, "severity"] == "严重", "一般", "严重")
    return out


def _penalty_remove(rows: pd.DataFrame) -> pd.DataFrame:
    return rows.assign(status="撤销")


def _penalty_rekey(rows: pd.DataFrame, taken: set, rng: np.random.Generator) -> pd.DataFrame:
    # 〔year〕 and the agency's prefix kept, a serial number the base never used
    out = rows.copy()
    keys = []
    for number in out["decision_no"]:
        head = number.rsplit("〕", 1)[0] + "〕"
        new = ""
        while not new or (new,) in taken:
            new = f"{head}9{rng.integers(0, 10**6):06d}号"
        taken.add((new,))
        keys.append(new)
    out["decision_no"] = keys
    return out


def _entry_change(rows: pd.DataFrame) -> pd.DataFrame:
    return rows.assign(reason=rows["reason"] + "（更正）")


def _entry_remove(rows: pd.DataFrame) -> pd.DataFrame:
    out = rows.copy()
    open_ = out["removed_on"] == ""
    out.loc[open_, "removed_on"] = [_day(d, 30) for d in out.loc[open_, "listed_on"]]
    # an entry ended already: its end corrected a day earlier, still after its start
    ended = ~open_ & (out["removed_on"] > out["listed_on"])
    out.loc[ended, "removed_on"] = [_day(d, -1) for d in out.loc[ended, "removed_on"]]
    return out


def _entry_rekey(rows: pd.DataFrame, taken: set, rng: np.random.Generator) -> pd.DataFrame:
    # the same subject listed again later (a new entry is keyed by its day)
    out = rows.copy()
    listed = []
    for row in out.itertuples():
        shift = int(rng.integers(1, 60))
        while (key := (row.list_kind, row.subject_kind, row.subject_id, row.agency_region,
                       _day(row.listed_on, shift))) in taken:
            shift += 1
        taken.add(key)
        listed.append(key[-1])
    out["listed_on"] = listed
    out["removed_on"] = ""
    return out


def _vehicle_change(rows: pd.DataFrame) -> pd.DataFrame:
    return rows.assign(transport_cert=[c[::-1] if c else "1" for c in rows["transport_cert"]])


def _vehicle_rekey(rows: pd.DataFrame, taken: set, rng: np.random.Generator) -> pd.DataFrame:
    # a new vehicle of the same owner: a valid plate of the same province and issuer
    plate = REGISTRY["plate"]
    out = rows.copy()
    plates = []
    for old in out["plate"]:
        while True:
            new = f"{old[:2]}{rng.integers(0, 10**5):05d}"
            if (new,) not in taken and plate.problem(new) is None:
                break
        taken.add((new,))
        plates.append(new)
    out["plate"] = plates
    return out


RULES: dict[str, DeltaRule] = {
    "penalties": DeltaRule(("decision_no",), _penalty_change, _penalty_remove, _penalty_rekey),
    "list_entries": DeltaRule(("list_kind", "subject_kind", "subject_id", "agency_region",
                               "listed_on"), _entry_change, _entry_remove, _entry_rekey),
    "vehicles": DeltaRule(("plate",), _vehicle_change, None, _vehicle_rekey),
}


def _columns(kind: str) -> tuple[str, ...]:
    from creditkb.synth.exchange import COLUMNS

    return COLUMNS[kind]


def read_export(path: str | Path, kind: str) -> pd.DataFrame:
    """A generated file of ``kind``, every cell as the text written (empty: "")."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    if tuple(frame.columns) != HEADERS[kind]:
        raise UserError(f"{path}: not a generated {kind} file (its headers differ)")
    frame.columns = list(_columns(kind))
    return frame


def _keys(frame: pd.DataFrame, rule: DeltaRule) -> pd.Series:
    return pd.Series(list(zip(*(frame[c] for c in rule.key))), index=frame.index, dtype=object)


def delta_frame(base: pd.DataFrame, kind: str, fraction: float = 0.01, seed: int = 0) -> pd.DataFrame:
    """The delta rows of ``kind`` for ``base`` (its rows, as :func:`read_export` reads them):
    ``fraction`` of its row count (at least one row), drawn with ``seed``."""
    if kind not in RULES:
        raise UserError(f"--delta makes {', '.join(RULES)} files, not {kind!r}")
    if not 0 < fraction <= 1:
        raise UserError(f"--fraction {fraction}: expected more than 0 and at most 1")
    rule = RULES[kind]
    rng = np.random.default_rng([seed, zlib.crc32(kind.encode())])
    base = base.drop_duplicates(subset=list(rule.key), keep="last").reset_index(drop=True)
    n = max(1, round(fraction * len(base)))
    n_added = round(n * ADDED)
    n_removed = 0 if rule.remove is None else round(n * (1 - CHANGED - ADDED))
    n_changed = max(0, min(len(base), n - n_added - n_removed))
    picked = rng.permutation(len(base))[:n_changed + n_removed]
    parts = [rule.change(base.iloc[picked[:n_changed]])]
    if n_removed:
        parts.append(rule.remove(base.iloc[picked[n_changed:]]))
    if n_added:
        templates = base.iloc[rng.integers(0, len(base), n_added)]
        parts.append(rule.rekey(templates, set(_keys(base, rule)), rng))
    out = pd.concat(parts, ignore_index=True)
    return out[list(_columns(kind))]


def merged(base: pd.DataFrame, delta: pd.DataFrame, kind: str) -> pd.DataFrame:
    """The base with the delta applied: a row of a key the delta names replaced by the
    delta's, in its place; the delta's new keys after the base's rows."""
    rule = RULES[kind]
    base = base.drop_duplicates(subset=list(rule.key), keep="last").reset_index(drop=True)
    fresh = dict(zip(_keys(delta, rule), range(len(delta))))
    keys = _keys(base, rule)
    rows = base.copy()
    hit = keys.map(lambda k: fresh.get(k, -1)).to_numpy()
    rows.iloc[np.flatnonzero(hit >= 0)] = delta.iloc[hit[hit >= 0]].to_numpy()
    new = ~_keys(delta, rule).isin(set(keys))
    return pd.concat([rows, delta[new.to_numpy()]], ignore_index=True)


def write_delta(base_dir: str | Path, kind: str, out_dir: str | Path, fraction: float = 0.01,
                seed: int = 0) -> Path:
    """Write ``out_dir/<kind>.csv``: the delta of ``base_dir/<kind>.csv`` (a generated set)."""
    base_path = Path(base_dir) / f"{kind}.csv"
    if not base_path.is_file():
        raise UserError(f"--base {base_dir}: no {kind}.csv there (generate the full set first)")
    delta = delta_frame(read_export(base_path, kind), kind, fraction, seed)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return write_csv(out / f"{kind}.csv", kind, delta)
