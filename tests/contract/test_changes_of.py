"""The change log read by label (``Store.changes_of``), on every adapter: only the entries
of the labels asked for (and, when asked, of nodes that went), each adapter's answer the
port's reference's, and the position examined moving past the entries left out, so a
reader going on from it misses nothing it asked for."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from graph_model.store.port import DELETE, WRITE, ChangesRead, ChangesTrimmed, Store
from tests.contract.test_change_log import FIRM, firms, load


def penalties(*numbers: str, subject: str = FIRM) -> pd.DataFrame:
    return pd.DataFrame({"decision_no": list(numbers), "violation": "超载",
                         "agency_region": "320500", "ABOUT": f"Enterprise:{subject}",
                         "_row": range(2, 2 + len(numbers))})


def alarms(*keys: str, subject: str = FIRM) -> pd.DataFrame:
    return pd.DataFrame({"alarm_no": list(keys), "kind": "疲劳驾驶",
                         "ABOUT": f"Enterprise:{subject}", "_row": range(2, 2 + len(keys))})


def written(store) -> int:
    """A log of interleaved labels: firms, then alarms and penalties by turns, then a
    penalty and an alarm deleted; the position before it."""
    start = store.last_change()
    with store.transaction(load("L1")) as tx:
        tx.upsert_nodes("Enterprise", firms(FIRM, "91320505MA1MZZZZZZ"))
    for i in range(3):
        with store.transaction(load(f"A{i}")) as tx:
            tx.upsert_nodes("MonitoringAlarm", alarms(*(f"ALM-{i}-{j}" for j in range(4))))
        with store.transaction(load(f"P{i}")) as tx:
            tx.upsert_nodes("Penalty", penalties(f"苏交罚〔2024〕{i}号"))
    with store.transaction() as tx:
        tx.delete_nodes(["Penalty:苏交罚〔2024〕0号", "MonitoringAlarm:ALM-1-0"])
    return start


def test_only_the_labels_asked_for_and_the_position_moves_past_the_rest(store):
    start = written(store)
    read = store.changes_of(start, ["Penalty"])
    assert [(c.op, c.uid) for c in read.changes] == [
        (WRITE, "Penalty:苏交罚〔2024〕0号"), (WRITE, "Penalty:苏交罚〔2024〕1号"),
        (WRITE, "Penalty:苏交罚〔2024〕2号"), (DELETE, "Penalty:苏交罚〔2024〕0号")]
    assert read.last == store.last_change()  # the alarm deleted last was examined too
    assert read.changes[1].about == f"Enterprise:{FIRM}"  # (0 went: its first entry has none)
    assert read.changes[3].gone["violation"] == "超载"
    # the entries are those of the whole log, as changes_after gives them
    every = {c.pos: c for c in store.changes_after(start)}
    assert read.changes == [every[c.pos] for c in read.changes]
    # nothing after: examined stays where it is
    assert store.changes_of(read.last, ["Penalty"]) == ChangesRead([], read.last)
    # only alarms committed since: a penalty reader moves past them, and hears the next
    with store.transaction(load("A9")) as tx:
        tx.upsert_nodes("MonitoringAlarm", alarms("ALM-9-0", "ALM-9-1"))
    moved = store.changes_of(read.last, ["Penalty"])
    assert moved == ChangesRead([], read.last + 2)
    with store.transaction(load("P9")) as tx:
        tx.upsert_nodes("Penalty", penalties("苏交罚〔2024〕9号"))
    [penalty] = store.changes_of(moved.last, ["Penalty", "ListEntry"]).changes
    assert (penalty.pos, penalty.uid) == (moved.last + 1, "Penalty:苏交罚〔2024〕9号")


def test_each_adapter_answers_as_the_reference(store):
    """The port's reference (filtering changes_after) and the adapter's read in the store
    agree on every combination: labels, a limit reached, a scan cut short, gone nodes of
    other labels, nodes read with the entries."""
    start = written(store)
    last = store.last_change()
    for labels in (["Penalty"], ["MonitoringAlarm", "Penalty"], ["Enterprise"], ["ListEntry"], []):
        for limit in (1, 2, 5, 1000):
            for scan in (1, 3, 7, 100):
                for gone in (False, True):
                    for after in (start, start + 2, start + 9, last):
                        asked = dict(limit=limit, scan=scan, gone=gone)
                        got = store.changes_of(after, labels, **asked)
                        assert got == Store.changes_of(store, after, labels, **asked), \
                            (labels, after, asked)
                        assert after <= got.last <= min(after + scan, last)
    read = store.changes_of(start, ["Penalty", "Enterprise"], nodes=True)
    assert read == Store.changes_of(store, start, ["Penalty", "Enterprise"], nodes=True)
    assert [replace(c, node=None) for c in read.changes] == \
        store.changes_of(start, ["Penalty", "Enterprise"]).changes
    now = store.get_nodes([c.uid for c in read.changes])
    assert [c.node for c in read.changes] == [now.get(c.uid) if c.gone is None else None
                                              for c in read.changes]


def test_gone_nodes_of_any_label_come_when_asked(store):
    start = written(store)
    plain = store.changes_of(start, ["ListEntry"])
    assert plain.changes == [] and plain.last == store.last_change()
    read = store.changes_of(start, ["ListEntry"], gone=True)
    assert [(c.op, c.uid) for c in read.changes] == [
        (DELETE, "MonitoringAlarm:ALM-1-0"), (DELETE, "Penalty:苏交罚〔2024〕0号")]
    assert all(c.gone is not None for c in read.changes)


def test_a_limit_or_a_scan_stops_where_nothing_asked_for_is_left_behind(store):
    start = written(store)
    first = store.changes_of(start, ["Penalty"], limit=2)
    assert [c.uid for c in first.changes] == ["Penalty:苏交罚〔2024〕0号", "Penalty:苏交罚〔2024〕1号"]
    assert first.last == first.changes[-1].pos
    # the whole log read a few positions at a time gives every penalty entry once
    pos, got = start, []
    while (read := store.changes_of(pos, ["Penalty"], scan=3)).last > pos:
        assert read.last - pos <= 3
        got += read.changes
        pos = read.last
    assert got == store.changes_of(start, ["Penalty"]).changes
    assert pos == store.last_change()


def test_a_position_trimmed_away_is_an_error_also_when_read_by_label(store, monkeypatch):
    monkeypatch.setenv("CREDITKB_CHANGES_KEPT", "3")
    start = store.last_change()
    for i in range(3):
        with store.transaction(load(f"L{i}")) as tx:
            tx.upsert_nodes("Enterprise", firms(f"{FIRM}{i}", f"{FIRM}{i}X"))
    with pytest.raises(ChangesTrimmed) as err:
        store.changes_of(start + 2, ["Penalty"])
    assert err.value.code == "FEED_POSITION_EXPIRED" and err.value.oldest == start + 3
    assert store.changes_of(start + 3, ["Penalty"]) == ChangesRead([], start + 6)
