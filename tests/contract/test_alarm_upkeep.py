"""A subject's monitoring alarms read right on every adapter (the ``store`` fixture) through
every write that changes them: loads of new and stored alarms, alarms moved to another
subject inside one load (before and after the embedded store puts a chunk's alarms in its
side table: writer.FILL_EVERY made small), upserts and links outside loads, undo, deletes,
a load that fails.  Each read is compared with what was written (a model kept here)."""

from __future__ import annotations

import pandas as pd
import pytest

from graph_model.store.embedded import writer
from graph_model.store.port import LoadInfo, RecordMatch
from tests.contract.test_records_matching import ALARMS

V = [f"Vehicle:苏E0000{i}" for i in (1, 2, 3)]
DATE = {"MonitoringAlarm": ("occurred_at",)}


class Model:
    """What the store should hold: each alarm's subject and properties."""

    def __init__(self):
        self.alarms: dict[str, tuple[str | None, dict]] = {}
        self.others = 0  # records of other labels about the subjects (not checked here)

    def write(self, rows: list[tuple]) -> pd.DataFrame:
        """Alarms (no, subject, kind, outcome) upserted: their frame, and the model kept."""
        frame = pd.DataFrame([{"alarm_no": no, "kind": kind, "outcome": outcome,
                               "occurred_at": f"2024-05-0{len(no) % 9 + 1} 10:00:00", "ABOUT": subj}
                              for no, subj, kind, outcome in rows])
        for rec in frame.to_dict("records"):
            subj = rec.pop("ABOUT")
            rec = {k: v for k, v in rec.items() if not pd.isna(v)}  # (a missing value keeps the stored one)
            old = self.alarms.get(f"MonitoringAlarm:{rec['alarm_no']}", (None, {}))
            self.alarms[f"MonitoringAlarm:{rec['alarm_no']}"] = (subj, {**old[1], **rec})
        return frame

    def check(self, store) -> None:
        about: dict[str, list] = {}
        for uid, (subj, props) in sorted(self.alarms.items()):
            if subj is not None:
                about.setdefault(subj, []).append((uid, props))
        got = {s: [n for n in ns if n.label == "MonitoringAlarm"]
               for s, ns in store.records_about(V).items()}
        assert {s: [n.uid for n in ns] for s, ns in got.items() if ns} == \
            {s: [u for u, _ in rows] for s, rows in about.items()}
        assert {s: [n.props for n in ns] for s, ns in got.items() if ns} == \
            {s: [p for _, p in rows] for s, rows in about.items()}
        kept = {s: [(u, p) for u, p in rows if any(t.keeps(p) for t in ALARMS)]
                for s, rows in about.items()}
        for props in (DATE, None):  # (from the side rows alone; from the rows)
            found = store.records_matching(V, {"MonitoringAlarm": ALARMS}, props)
            assert {s: [n.uid for n in ns] for s, ns in found.items() if ns} == \
                {s: [u for u, _ in rows] for s, rows in kept.items() if rows}, props
        found = store.records_matching(V, {"MonitoringAlarm": None}, DATE)
        assert {s: [(n.uid, n.props) for n in ns] for s, ns in found.items() if ns} == \
            {s: [(u, {"occurred_at": p["occurred_at"]}) for u, p in rows]
             for s, rows in about.items()}
        assert {s: {f for f in fs if f[0] == "MonitoringAlarm"}
                for s, fs in store.record_facets(V, ["outcome"]).items()} == \
            {s: {("MonitoringAlarm", p.get("outcome")) for _, p in rows} for s, rows in about.items()}
        assert store.count_edges("ABOUT") == sum(len(rows) for rows in about.values()) + self.others


def load(store, load_id: str, chunks: list[pd.DataFrame]) -> None:
    info = LoadInfo(load_id=load_id, file=f"{load_id}.csv", kind="alarms",
                    started_at="2026-12-06T10:00:00+00:00")
    with store.transaction(info) as tx:
        for frame in chunks:
            tx.upsert_nodes("MonitoringAlarm", frame)
        tx.finish_load(info)


def test_alarms_read_right_through_loads_moves_undo_and_deletes(store, monkeypatch):
    monkeypatch.setattr(writer, "FILL_EVERY", 4)
    with store.transaction() as tx:
        tx.upsert_nodes("Vehicle", pd.DataFrame({"plate": [v.split(":")[1] for v in V],
                                                 "region_code": "320500"}))
    m = Model()
    load(store, "L1", [
        # 5 alarms: filled at once (5 >= 4)
        m.write([("A1", V[0], "超速", "转立案"), ("A2", V[0], "超速", "已处置"),
                 ("A3", V[0], "不在线", "已处置"), ("A4", V[0], "超速", None),
                 ("A5", V[0], "疲劳驾驶", "误报")]),
        # A2 moves after its fill; A6 and A7 wait for the next one (3 < 4)
        m.write([("A2", V[1], "超速", "已处置"), ("A6", V[0], "超速", "已处置"),
                 ("A7", V[0], "超速", "已处置")]),
        # A6 moves, A7 changes, before their fill; A8 new
        m.write([("A6", V[2], "超速", "已处置"), ("A7", V[0], "不在线", "转立案"),
                 ("A8", V[1], "超速", None)])])
    m.check(store)
    after_l1 = {u: (s, dict(p)) for u, (s, p) in m.alarms.items()}
    # a mixed file: stored alarms moved and changed, a new one
    load(store, "L2", [m.write([("A1", V[2], "超速", "转立案"), ("A3", V[0], "不在线", "转立案"),
                                ("A9", V[1], "超速", "已处置")])])
    m.check(store)
    store.undo_load("L2")
    m.alarms = after_l1
    m.check(store)
    with store.transaction() as tx:  # as the API writes: an upsert, a link moved
        tx.upsert_nodes("MonitoringAlarm", m.write([("A4", V[0], "不在线", None)]))
        tx.upsert_edges("ABOUT", pd.DataFrame({"src": ["MonitoringAlarm:A5"], "dst": [V[1]]}))
    m.alarms["MonitoringAlarm:A5"] = (V[1], m.alarms["MonitoringAlarm:A5"][1])
    m.check(store)
    with store.transaction() as tx:
        tx.delete_nodes(["MonitoringAlarm:A7", V[1]])
    del m.alarms["MonitoringAlarm:A7"]
    m.alarms = {u: (None if s == V[1] else s, p) for u, (s, p) in m.alarms.items()}
    m.check(store)
    with pytest.raises(RuntimeError):  # a load that fails half-way leaves nothing
        info = LoadInfo(load_id="L3", file="L3.csv", kind="alarms",
                        started_at="2026-12-06T10:00:00+00:00")
        with store.transaction(info) as tx:
            tx.upsert_nodes("MonitoringAlarm", Model().write(
                [(f"B{i}", V[0], "超速", None) for i in range(5)]
                + [("A1", V[2], "不在线", None)]))
            raise RuntimeError("the file broke off")
    m.check(store)
    with store.transaction() as tx:
        tx.delete_all()
    assert store.records_about(V) in ({}, {v: [] for v in V}) and store.count_edges("ABOUT") == 0
