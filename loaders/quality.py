"""Data-quality findings (DOMAIN.md rule 12): duplicates, conflicting decision numbers,
revoked penalties still referenced, records about unknown subjects. They are reported in
the load summary, never silently dropped."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from creditkb.stores.port import Store
from loaders.build import subject_uids
from loaders.kinds import Kind
from loaders.validate import FIRST_DATA_ROW, REJECT_COLUMNS

PENALTY_CONTENT = ["subject_id", "violation", "decision_date", "agency_region", "fine",
                   "penalty_type", "severity", "status"]


@dataclass(frozen=True)
class Finding:
    kind: str  # duplicate_rows, conflicting_decision_no, changed_record, revoked_referenced, unknown_subject
    message: str
    rows: tuple[int, ...] = ()


def quality_findings(store: Store, path: str, kind: Kind, df: pd.DataFrame, secret: str):
    """Return (rows kept, rejects, findings) for one file's valid rows."""
    empty = pd.DataFrame(columns=REJECT_COLUMNS)
    if kind.name == "penalties":
        return _penalties(store, path, df, secret)
    if kind.name == "repairs":
        return df, empty, _repairs_of_revoked(store, df)
    return df, empty, []


def _rows(index) -> tuple[int, ...]:
    return tuple(int(i) + FIRST_DATA_ROW for i in index)


def _penalties(store: Store, path: str, df: pd.DataFrame, secret: str):
    findings: list[Finding] = []
    content = [c for c in PENALTY_CONTENT if c in df.columns]
    dup = df[df.duplicated("decision_no", keep=False)]
    rejects = pd.DataFrame(columns=REJECT_COLUMNS)
    if len(dup):
        variants = dup.groupby("decision_no")[content].nunique(dropna=False).max(axis=1)
        conflicting = variants[variants > 1].index
        exact = dup[~dup["decision_no"].isin(conflicting)]
        if len(exact):
            findings.append(Finding("duplicate_rows", f"{exact['decision_no'].nunique()} decision "
                                    f"number(s) repeated with identical content (loaded once)",
                                    _rows(exact.index)))
        clash = dup[dup["decision_no"].isin(conflicting)]
        if len(clash):
            rows_of = clash.groupby("decision_no").apply(lambda g: ", ".join(map(str, _rows(g.index))))
            rejects = pd.DataFrame({
                "file": path, "row": clash.index + FIRST_DATA_ROW, "column": "decision_no",
                "value": clash["decision_no"].astype("string").to_numpy(),
                "reason": ("the same decision number with different content in rows "
                           + clash["decision_no"].map(rows_of)).to_numpy()})
            findings.append(Finding("conflicting_decision_no", f"{len(conflicting)} decision "
                                    f"number(s) given with conflicting content (rejected)",
                                    _rows(clash.index)))
            df = df.drop(index=clash.index)
    findings += _changed_penalties(store, df, secret)
    findings += _revoked_still_repaired(store, df)
    return df, rejects, findings


def _changed_penalties(store: Store, df: pd.DataFrame, secret: str) -> list[Finding]:
    """Stored penalties this file gives to another subject or date: a correction, applied,
    but worth a regulator's look."""
    stored = store.get_nodes(("Penalty:" + df["decision_no"]).tolist())
    if not stored:
        return []
    subjects = subject_uids(df, secret)
    changed = []
    for i, no, subj, day in zip(df.index, df["decision_no"], subjects, df["decision_date"]):
        old = stored.get(f"Penalty:{no}")
        if old and (old.props.get("subject_uid") != subj or old.props.get("decision_date") != day):
            changed.append(i)
    if not changed:
        return []
    return [Finding("changed_record", f"{len(changed)} stored penalt(y/ies) now given another "
                    f"subject or date (applied as a correction)", _rows(changed))]


def _revoked_still_repaired(store: Store, df: pd.DataFrame) -> list[Finding]:
    revoked = df[df.get("status", pd.Series(dtype="string")) == "撤销"]
    if revoked.empty:
        return []
    repairs = store.find_nodes("Repair", {"decision_no": revoked["decision_no"].tolist()},
                               limit=len(revoked) * 10)
    nos = {r.props["decision_no"] for r in repairs}
    hit = revoked[revoked["decision_no"].isin(nos)]
    if hit.empty:
        return []
    return [Finding("revoked_referenced", f"{len(hit)} revoked penalt(y/ies) still referenced by "
                    f"a credit repair", _rows(hit.index))]


def _repairs_of_revoked(store: Store, df: pd.DataFrame) -> list[Finding]:
    stored = store.get_nodes(("Penalty:" + df["decision_no"]).tolist())
    hit = [i for i, no in zip(df.index, df["decision_no"])
           if stored.get(f"Penalty:{no}") and stored[f"Penalty:{no}"].props.get("status") == "撤销"]
    if not hit:
        return []
    return [Finding("revoked_referenced", f"{len(hit)} repair(s) of a revoked penalty",
                    _rows(hit))]
