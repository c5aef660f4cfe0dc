"""Data-quality findings (DOMAIN.md rule 12): duplicates, conflicting decision numbers,
revoked penalties still referenced, records about unknown subjects. They are reported in
the load summary, never silently dropped."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from graph_model.schema import schema
from graph_model.store.port import Store
from graph_model.strindex import StringIndex, hashes
from loaders.build import subject_uids
from loaders.kinds import Kind
from loaders.validate import FIRST_DATA_ROW, REJECT_COLUMNS

#: What the checks below read of the nodes a file's rows name, by label (for
#: loaders.reads): a repair's penalty's status (revoked or not).
QUALITY_READS = {"Penalty": ("status",)}
PENALTY_CONTENT = ["subject_id", "violation", "decision_date", "agency_region", "fine",
                   "penalty_type", "severity", "status"]


@dataclass(frozen=True)
class Finding:
    kind: str  # duplicate_rows, conflicting_decision_no, conflicting_number, changed_record,
    #           revoked_referenced, unknown_subject
    message: str
    rows: tuple[int, ...] = ()


def numbered(kind: Kind) -> str | None:
    """The column holding the number the file gives each record (事故编号, 告警编号 ...),
    when the record is keyed by it: a number a file repeats must repeat its content."""
    key = schema().label(kind.label).key
    is_record = schema().label(kind.label).kind == "record"
    return key if is_record and key in kind.columns and kind.name != "penalties" else None


class QualityState:
    """Findings gathered over the chunks of one file. Decision numbers are remembered
    across chunks: a later row repeating one with other content is rejected, naming the
    row that came first."""

    def __init__(self):
        # Decision numbers seen in earlier chunks, and by their number in seen_numbers the
        # content hash and file row of their first row.
        self.seen_numbers = StringIndex()
        self.seen_hashes = np.zeros(0, dtype=np.uint64)
        self.seen_rows = np.zeros(0, dtype=np.int64)
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
        number = numbered(kind)
        if number is not None:
            col = kind.columns[number]
            content = [c for c in kind.columns if c != number and c in df.columns]
            return self._repeated_numbers(path, df, number, content, (
                f"{{n}} rows repeat a {col.header} ({number}) with identical content (loaded "
                f"once)", "conflicting_number",
                f"{{n}} row(s) repeat a {col.header} ({number}) with conflicting content "
                f"(rejected)", f"the same {col.header} with different content"))
        return df, empty

    def findings(self) -> list[Finding]:
        return [Finding(k, message.format(n=len(set(rows))), tuple(sorted(set(rows))))
                for k, (message, rows) in self.found.items()]

    def _decision_numbers(self, path: str, df: pd.DataFrame):
        return self._repeated_numbers(
            path, df, "decision_no", [c for c in PENALTY_CONTENT if c in df.columns], (
                "{n} rows repeat a decision number with identical content (loaded once)",
                "conflicting_decision_no",
                "{n} row(s) repeat a decision number with conflicting content (rejected)",
                "the same decision number with different content"))

    def _repeated_numbers(self, path: str, df: pd.DataFrame, number: str, content: list[str],
                          words: tuple[str, str, str, str]):
        """The first row of a number (in this file, over all chunks) is kept; a later row
        with the same ``content`` is a duplicate (loaded once), one with other content is
        rejected. Column-wise: each row is compared with the first row of its number,
        found among earlier chunks' numbers or else within this chunk. ``words``: the
        duplicates' message, the conflicts' finding kind and message, the reason."""
        duplicates, conflict_kind, conflicts, reason = words
        digest = pd.util.hash_pandas_object(df[content].astype("string"), index=False).to_numpy()
        numbers = df[number]
        rows = df.index.to_numpy(dtype=np.int64) + FIRST_DATA_ROW
        prior_hash = np.zeros(len(df), dtype=np.uint64)
        prior_row = np.full(len(df), -1, dtype=np.int64)
        texts = numbers.to_numpy(dtype=object)
        keys = hashes(texts)
        at = self.seen_numbers.find(texts, keys)
        earlier = at >= 0
        prior_hash[earlier] = self.seen_hashes[at[earlier]]
        prior_row[earlier] = self.seen_rows[at[earlier]]
        new = np.flatnonzero(~earlier)  # positions of the rows with a number new here
        codes, _ = pd.factorize(numbers.iloc[new], use_na_sentinel=False)
        _, first_of_code = np.unique(codes, return_index=True)  # codes are 0..k-1
        firsts = new[first_of_code]  # position of each new number's first row
        repeat = np.flatnonzero(first_of_code[codes] != np.arange(len(new)))
        prior_hash[new[repeat]] = digest[firsts[codes[repeat]]]
        prior_row[new[repeat]] = rows[firsts[codes[repeat]]]
        self.seen_numbers.add(texts[firsts], keys[firsts])
        self.seen_hashes = np.concatenate([self.seen_hashes, digest[firsts]])
        self.seen_rows = np.concatenate([self.seen_rows, rows[firsts]])
        has_prior = prior_row >= 0
        dup = has_prior & (prior_hash == digest)
        if dup.any():
            self.note("duplicate_rows", np.concatenate([prior_row[dup], rows[dup]]), duplicates)
        clash = has_prior & (prior_hash != digest)
        if not clash.any():
            return df, pd.DataFrame(columns=REJECT_COLUMNS)
        clash_rows = df.index[clash].tolist()
        self.note(conflict_kind, rows[clash], conflicts)
        rejects = pd.DataFrame({
            "file": path, "row": [int(i) + FIRST_DATA_ROW for i in clash_rows],
            "column": number, "value": df.loc[clash_rows, number].to_numpy(),
            "reason": [f"{reason} in row {r}, which was kept" for r in prior_row[clash]]})
        return df.drop(index=clash_rows), rejects

    def _changed_penalties(self, store: Store, df: pd.DataFrame, secret: str) -> None:
        """Stored penalties this file gives to another subject or date: a correction,
        applied, but worth a regulator's look. Only the numbers already stored are read."""
        if not store.find_nodes("Penalty", limit=1):  # a first load: nothing stored to compare
            return  # (one row asked: counting a full store's penalties took 0.6 s)
        uids = "Penalty:" + df["decision_no"]
        known = store.existing(uids.unique().tolist())
        if not known:
            return
        rows = df[uids.isin(known).to_numpy(dtype=bool)]
        stored = store.get_nodes(("Penalty:" + rows["decision_no"]).tolist())
        subjects = subject_uids(rows, secret)
        changed = [
            int(i) + FIRST_DATA_ROW
            for i, no, subj, day in zip(rows.index, rows["decision_no"], subjects, rows["decision_date"])
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
        numbers = df["decision_no"].dropna().unique().tolist()
        status = store.node_props([f"Penalty:{n}" for n in numbers], QUALITY_READS["Penalty"])
        revoked = [uid.partition(":")[2] for uid, p in status.items() if p["status"] == "撤销"]
        if not revoked:
            return
        hit = df.index[df["decision_no"].isin(revoked).to_numpy(dtype=bool)] + FIRST_DATA_ROW
        if len(hit):
            self.note("revoked_referenced", hit, "{n} repair(s) of a revoked penalty")
