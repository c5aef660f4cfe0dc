"""The store's one change log (graph_model.store.port), on every adapter: every node a
committed transaction wrote, deleted or took back is an entry, written with it, read by
position."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from graph_model.store.port import DELETE, UNDO, WRITE, ChangesTrimmed, LoadInfo
from tests.support.stores import another_adapter

FIRM = "91320505MA1MXXXXXX"
OTHER = "91320200MA1MYYYYYY"
PENALTY = "苏交罚〔2024〕1号"


def load(load_id: str) -> LoadInfo:
    return LoadInfo(load_id, f"{load_id}.csv", "penalties", "2024-05-01T00:00:00+00:00",
                    agency="苏州市交通运输局")


def firms(*keys: str) -> pd.DataFrame:
    return pd.DataFrame({"uscc": list(keys), "name": [f"{k}公司" for k in keys],
                         "region_code": "320505", "_row": range(2, 2 + len(keys))})


def penalty(no: str = PENALTY, subject: str = FIRM) -> pd.DataFrame:
    return pd.DataFrame({"decision_no": [no], "violation": ["超载"], "agency_region": ["320500"],
                         "ABOUT": [f"Enterprise:{subject}"], "_row": [2]})


def entries(store, after):
    return [(c.op, c.uid, c.load_id) for c in store.changes_after(after)]


def test_a_load_is_in_the_log_in_commit_order_and_resumes_from_a_position(store):
    start = store.last_change()
    with store.transaction(load("L1")) as tx:
        tx.upsert_nodes("Enterprise", firms(OTHER, FIRM, FIRM))  # a repeat is one entry
        tx.upsert_nodes("Penalty", penalty())
    changes = store.changes_after(start)
    assert [(c.op, c.uid, c.load_id) for c in changes] == [  # by uid within a write
        (WRITE, f"Enterprise:{OTHER}", "L1"), (WRITE, f"Enterprise:{FIRM}", "L1"),
        (WRITE, f"Penalty:{PENALTY}", "L1")]
    assert [c.pos for c in changes] == list(range(start + 1, start + 4))
    assert changes[2].about == f"Enterprise:{FIRM}" and changes[2].label == "Penalty"
    assert changes[0].about is None and changes[0].gone is None and changes[0].at.startswith("20")
    assert store.last_change() == start + 3
    with store.transaction() as tx:  # a write outside any load is logged too
        tx.upsert_nodes("Enterprise", firms(OTHER).drop(columns="_row"))
    assert entries(store, start + 3) == [(WRITE, f"Enterprise:{OTHER}", None)]
    assert entries(store, start + 1)[:2] == [(WRITE, f"Enterprise:{FIRM}", "L1"),
                                             (WRITE, f"Penalty:{PENALTY}", "L1")]
    assert [c.pos for c in store.changes_after(start, limit=2)] == [start + 1, start + 2]
    assert store.changes_after(store.last_change()) == []


def test_a_rolled_back_transaction_leaves_no_entry(store):
    start = store.last_change()
    with pytest.raises(RuntimeError):
        with store.transaction(load("L1")) as tx:
            tx.upsert_nodes("Enterprise", firms(FIRM))
            raise RuntimeError("the load fails after writing")
    assert store.changes_after(start) == [] and store.last_change() == start
    assert store.get_nodes([f"Enterprise:{FIRM}"]) == {}


def test_another_process_reads_what_was_committed(store, settings):
    start = store.last_change()
    other = another_adapter(store, settings)
    try:
        with store.transaction(load("L1")) as tx:
            tx.upsert_nodes("Enterprise", firms(FIRM))
        assert [(c.pos, c.uid) for c in other.changes_after(start)] == [
            (start + 1, f"Enterprise:{FIRM}")]
        assert other.last_change() == start + 1
    finally:
        other.close()


def test_undo_logs_what_it_restores_and_what_it_takes_away(store):
    with store.transaction(load("L1")) as tx:
        tx.upsert_nodes("Enterprise", firms(FIRM))
    with store.transaction(load("L2")) as tx:
        tx.upsert_nodes("Enterprise", firms(FIRM).assign(name="改名公司"))
        tx.upsert_nodes("Penalty", penalty())
    start = store.last_change()
    store.undo_load("L2")
    changes = store.changes_after(start)
    assert [(c.op, c.uid, c.load_id) for c in changes] == [
        (UNDO, f"Enterprise:{FIRM}", "L2"), (UNDO, f"Penalty:{PENALTY}", "L2")]
    restored, gone = changes
    assert restored.gone is None  # it exists: read it from the store
    assert store.get_nodes([restored.uid])[restored.uid].props["name"] == f"{FIRM}公司"
    # the penalty is gone: its props and subject as they were, for a feed to scope
    assert gone.gone["violation"] == "超载" and gone.gone["agency_region"] == "320500"
    assert gone.about == f"Enterprise:{FIRM}"


def test_a_delete_outside_any_load_logs_the_node_as_it_was(store):
    with store.transaction() as tx:
        tx.upsert_nodes("Enterprise", firms(FIRM).drop(columns="_row"))
        tx.upsert_nodes("Penalty", penalty().drop(columns="_row"))
    start = store.last_change()
    with store.transaction() as tx:
        tx.delete_nodes([f"Penalty:{PENALTY}", "Penalty:not-there"])
    [change] = store.changes_after(start)
    assert (change.op, change.uid, change.about) == (DELETE, f"Penalty:{PENALTY}",
                                                      f"Enterprise:{FIRM}")
    assert change.gone["violation"] == "超载"


def test_entries_read_with_their_nodes_carry_them_as_stored_now(store):
    """``changes_after(..., nodes=True)``: the node of each entry as ``get_nodes`` gives it,
    None for a node gone (a later entry says how it was); the entries themselves alike."""
    start = store.last_change()
    with store.transaction(load("L1")) as tx:
        tx.upsert_nodes("Enterprise", firms(FIRM, OTHER))
        tx.upsert_nodes("Penalty", penalty())
    with store.transaction(load("L2")) as tx:
        tx.upsert_nodes("Enterprise", firms(FIRM).assign(name="改名公司"))
    with store.transaction() as tx:
        tx.delete_nodes([f"Penalty:{PENALTY}"])
    plain, read = store.changes_after(start), store.changes_after(start, nodes=True)
    assert [c.node for c in plain] == [None] * len(plain)
    assert [replace(c, node=None) for c in read] == plain
    now = store.get_nodes([c.uid for c in read])
    assert [c.node for c in read] == [now.get(c.uid) if c.gone is None else None for c in read]
    firm = [c.node for c in read if c.uid == f"Enterprise:{FIRM}"]
    assert len(firm) == 2 and all(n.props["name"] == "改名公司" for n in firm)  # as now
    penalty_entries = [c for c in read if c.uid == f"Penalty:{PENALTY}"]
    assert [c.op for c in penalty_entries] == [WRITE, DELETE]
    assert [c.node for c in penalty_entries] == [None, None]  # gone
    assert penalty_entries[1].gone["violation"] == "超载"


def test_old_entries_are_trimmed_and_asking_for_them_is_an_error(store, monkeypatch):
    monkeypatch.setenv("CREDITKB_CHANGES_KEPT", "3")
    start = store.last_change()
    for i in range(3):
        with store.transaction(load(f"L{i}")) as tx:
            tx.upsert_nodes("Enterprise", firms(f"{FIRM}{i}", f"{OTHER}{i}"))
    assert store.last_change() == start + 6
    assert [c.pos for c in store.changes_after(start + 3)] == [start + 4, start + 5, start + 6]
    with pytest.raises(ChangesTrimmed) as err:
        store.changes_after(start + 2)
    assert err.value.code == "FEED_POSITION_EXPIRED" and err.value.oldest == start + 3
    with store.transaction() as tx:
        tx.delete_all()
    assert store.last_change() == start + 6  # positions are never handed out again
    with pytest.raises(ChangesTrimmed):
        store.changes_after(start + 5)
    assert store.changes_after(start + 6) == []


def test_a_load_logging_more_than_is_kept_ends_trimmed_as_at_commit_and_a_rollback_trims_nothing(
        store, monkeypatch):
    monkeypatch.setenv("CREDITKB_CHANGES_KEPT", "3")
    start = store.last_change()
    with store.transaction(load("L0")) as tx:
        tx.upsert_nodes("Enterprise", firms(f"{FIRM}0", f"{OTHER}0", f"{FIRM}1"))
    with pytest.raises(RuntimeError), store.transaction(load("L1")) as tx:
        for i in range(2, 6):  # more entries than are kept, a batch at a time
            tx.upsert_nodes("Enterprise", firms(f"{FIRM}{i}", f"{OTHER}{i}"))
        raise RuntimeError("the load fails before it commits")
    assert [c.uid for c in store.changes_after(start)] == sorted(  # a write's in uid order
        f"Enterprise:{k}" for k in (f"{FIRM}0", f"{OTHER}0", f"{FIRM}1"))
    with store.transaction(load("L2")) as tx:
        for i in range(2, 6):
            tx.upsert_nodes("Enterprise", firms(f"{FIRM}{i}", f"{OTHER}{i}"))
    last = store.last_change()
    assert last == start + 3 + 8
    assert [c.uid for c in store.changes_after(last - 3)] == [  # (OTHER sorts before FIRM)
        f"Enterprise:{FIRM}4", f"Enterprise:{OTHER}5", f"Enterprise:{FIRM}5"]
    with pytest.raises(ChangesTrimmed) as err:
        store.changes_after(last - 4)
    assert err.value.oldest == last - 3
