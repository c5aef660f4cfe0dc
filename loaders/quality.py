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


class QualityState:
    """Findings gathered over the chunks of one file. Decision numbers are remembered
    across chunks: a later row repeating one with other content is rejected, naming the
    row that came first."""

    def __init__(self):
        self.seen: dict[str, tuple[int, int]] = {}  # decision_no -> (content hash, first row)
        self.found: dict[str, list] = {}  # finding kind -> [message template, rows]

    def note(self, kind: str, rows, message: str) -> None:
        entry = self.found.setdefault(kind, [message, []])
        entry[1].extend(int(r) for r in rows)

    def check(self, store: Store, path: str, kind: Kind, df: pd.DataFrame, secret: str,
              dangling: pd.DataFrame):
        """Return (rows kept, rejects) for one chunk's valid rows."""
        if len(dangling):
            self.note("unknown_subject", dangling["row"].unique(),
                      "{n} row(s) name a subject, owner or penalty not in the store (rejected)")
        empty = pd.DataFrame(columns=REJECT_COLUMNS)
        if kind.name == "penalties":
            df, rejects = self._decision_numbers(path, df)
            self._changed_penalties(store, df, secret)
            self._revoked_still_repaired(store, df)
            return df, rejects
        if kind.name == "repairs":
            self._repairs_of_revoked(store, df)
        return df, empty

    def findings(self) -> list[Finding]:
        return [Finding(k, message.format(n=len(set(rows))), tuple(sorted(set(rows))))
                for k, (message, rows) in self.found.items()]

    def _decision_numbers(self, path: str, df: pd.DataFrame):
        content = [c for c in PENALTY_CONTENT if c in df.columns]
        digest = pd.util.hash_pandas_object(df[content].astype("string"), index=False)
        firsts: dict[str, tuple[int, int]] = {}
        clash_rows, clash_reason, dup_rows = [], [], []
        for i, no, h in zip(df.index, df["decision_no"], digest):
            row = int(i) + FIRST_DATA_ROW
            prior = self.seen.get(no) or firsts.get(no)
            if prior is None:
                firsts[no] = (h, row)
            elif prior[0] == h:
                dup_rows += [prior[1], row]
            else:
                clash_rows.append(i)
                clash_reason.append(f"the same decision number with different content in row "
                                    f"{prior[1]}, which was kept")
        self.seen.update(firsts)
        if dup_rows:
            self.note("duplicate_rows", dup_rows,
                      "{n} rows repeat a decision number with identical content (loaded once)")
        if not clash_rows:
            return df, pd.DataFrame(columns=REJECT_COLUMNS)
        self.note("conflicting_decision_no", [int(i) + FIRST_DATA_ROW for i in clash_rows],
                  "{n} row(s) repeat a decision number with conflicting content (rejected)")
        rejects = pd.DataFrame({
            "file": path, "row": [int(i) + FIRST_DATA_ROW for i in clash_rows],
            "column": "decision_no", "value": df.loc[clash_rows, "decision_no"].to_numpy(),
            "reason": clash_reason})
        return df.drop(index=clash_rows), rejects

    def _changed_penalties(self, store: Store, df: pd.DataFrame, secret: str) -> None:
        """Stored penalties this file gives to another subject or date: a correction,
        applied, but worth a regulator's look."""
        stored = store.get_nodes(("Penalty:" + df["decision_no"]).tolist())
        if not stored:
            return
        subjects = subject_uids(df, secret)
        changed = [
            int(i) + FIRST_DATA_ROW
            for i, no, subj, day in zip(df.index, df["decision_no"], subjects, df["decision_date"])
            if (old := stored.get(f"Penalty:{no}")) is not None
            and (old.props.get("subject_uid") != subj or old.props.get("decision_date") != day)
        ]
        if changed:
            self.note("changed_record", changed, "{n} stored penalt(y/ies) now given another "
                                                 "subject or date (applied as a correction)")

    def _revoked_still_repaired(self, store: Store, df: pd.DataFrame) -> None:
        if "status" not in df.columns:
            return
        revoked = df[df["status"] == "撤销"]
        if revoked.empty:
            return
        repairs = store.find_nodes("Repair", {"decision_no": revoked["decision_no"].tolist()},
                                   limit=len(revoked) * 10)
        hit = revoked[revoked["decision_no"].isin({r.props["decision_no"] for r in repairs})]
        if len(hit):
            self.note("revoked_referenced", hit.index + FIRST_DATA_ROW,
                      "{n} revoked penalt(y/ies) still referenced by a credit repair")

    def _repairs_of_revoked(self, store: Store, df: pd.DataFrame) -> None:
        stored = store.get_nodes(("Penalty:" + df["decision_no"]).tolist())
        hit = [int(i) + FIRST_DATA_ROW for i, no in zip(df.index, df["decision_no"])
               if (p := stored.get(f"Penalty:{no}")) is not None and p.props.get("status") == "撤销"]
        if hit:
            self.note("revoked_referenced", hit, "{n} repair(s) of a revoked penalty")
