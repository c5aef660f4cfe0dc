"""The embedded store's alarms' side table (sql.SIDE_TABLE) holds exactly what the ABOUT
index held for them, through every write; reads inside a transaction see the alarms it
wrote; a store of format "3" (alarms in the ABOUT index) is moved at open, in one
transaction, and code of before refuses a moved one; no reader of a subject's records
scans."""

from __future__ import annotations

import logging
import sqlite3

import pandas as pd
import pytest

from graph_model.store.embedded import sql, store as store_module, writer
from graph_model.store.embedded.store import EmbeddedStore
from graph_model.store.port import LoadInfo, RecordMatch, StoreError
from tests.contract.test_alarm_upkeep import ALARMS, DATE, Model, V, load
from tests.support.stores import selects_sent

#: main's ABOUT index of format "3" (the alarms in it, with their columns)
FORMAT_3_INDEX = (
    "CREATE INDEX nodes_about_records ON nodes(about, label, "
    + ", ".join(f"CASE WHEN label = 'MonitoringAlarm' THEN json_extract(props, '$.{p}') END"
                for p in ("outcome", "kind", "occurred_at"))
    + ", CASE WHEN label = 'MonitoringAlarm' THEN substr(uid, 17) END) WHERE about IS NOT NULL")


def side_exact(store: EmbeddedStore) -> int:
    """Assert the side table is what the ABOUT index held for alarms; their number."""
    con = store._con()
    want = con.execute(f"SELECT {sql.side_values('n')} FROM nodes n WHERE n.label = "
                       f"'{sql.SIDE_LABEL}' AND n.about IS NOT NULL ORDER BY 1, 2").fetchall()
    assert con.execute(f"SELECT {', '.join(sql.SIDE_COLUMNS)} FROM {sql.SIDE_TABLE}").fetchall() == want
    return len(want)


def seeded(path: str, monkeypatch) -> tuple[EmbeddedStore, Model]:
    monkeypatch.setattr(writer, "FILL_EVERY", 4)
    store = EmbeddedStore(path)
    with store.transaction() as tx:
        tx.upsert_nodes("Vehicle", pd.DataFrame({"plate": [v.split(":")[1] for v in V]}))
    m = Model()
    load(store, "L1", [m.write([(f"A{i}", V[i % 3], "超速", ["转立案", None, "已处置"][i % 3])
                                for i in range(7)]),
                       m.write([("A1", V[2], "不在线", "误报"), ("A8", V[0], "超速", None)])])
    with store.transaction() as tx:
        tx.upsert_nodes("Penalty", pd.DataFrame({
            "decision_no": ["P1"], "decision_date": ["2024-01-02"], "agency_region": ["320500"],
            "ABOUT": [V[0]]}))
    m.others = 1
    return store, m


def answers(store: EmbeddedStore) -> tuple:
    return (store.records_about(V), store.records_about(V, ["Penalty"]),
            store.records_matching(V, {"MonitoringAlarm": ALARMS, "Penalty": None}, DATE),
            store.records_matching(V, {"MonitoringAlarm": ALARMS}),
            store.record_facets(V, ["outcome"]), store.count_edges("ABOUT"))


def test_every_write_keeps_the_side_table_exact(tmp_path, monkeypatch):
    store, m = seeded(str(tmp_path / "s"), monkeypatch)
    assert side_exact(store) == 8
    load(store, "L2", [m.write([("A2", V[0], "超速", "转立案"), ("A9", V[1], "超速", None)])])
    assert side_exact(store) == 9
    with store.transaction() as tx:
        tx.upsert_edges("ABOUT", pd.DataFrame({"src": ["MonitoringAlarm:A3"], "dst": [V[2]]}))
    assert side_exact(store) == 9
    store.undo_load("L2")
    assert side_exact(store) == 8
    with store.transaction() as tx:
        tx.delete_nodes([V[1], "MonitoringAlarm:A0"])
    assert side_exact(store) == 6  # (A0 gone; A4's subject gone)
    with store.transaction() as tx:
        tx.delete_all()
    assert side_exact(store) == 0
    store.close()


def test_reads_inside_a_transaction_see_the_alarms_it_wrote(tmp_path, monkeypatch):
    store, m = seeded(str(tmp_path / "s"), monkeypatch)
    info = LoadInfo(load_id="L2", file="L2.csv", kind="alarms", started_at="2026-12-06T10:00:00+00:00")
    with store.transaction(info) as tx:
        tx.upsert_nodes("MonitoringAlarm", m.write([("A5", V[0], "超速", "转立案"),
                                                    ("B1", V[0], "超速", None)]))  # (2 < 4: not filled)
        m.check(store)
        tx.upsert_nodes("MonitoringAlarm", m.write([("B1", V[1], "不在线", None)]))
        m.check(store)
    m.check(store)
    assert side_exact(store) == 9
    store.close()


def test_a_failed_load_leaves_no_side_rows(tmp_path, monkeypatch):
    store, m = seeded(str(tmp_path / "s"), monkeypatch)
    info = LoadInfo(load_id="L2", file="L2.csv", kind="alarms", started_at="2026-12-06T10:00:00+00:00")
    with pytest.raises(RuntimeError):
        with store.transaction(info) as tx:
            tx.upsert_nodes("MonitoringAlarm", Model().write(
                [(f"B{i}", V[0], "超速", None) for i in range(9)] + [("A1", V[0], "超速", None)]))
            raise RuntimeError("the file broke off")
    assert side_exact(store) == 8
    m.check(store)
    store.close()


def as_format_3(path: str) -> None:
    """Make the closed store at ``path`` as main's code of format "3" wrote it."""
    con = sqlite3.connect(f"{path}/graph.sqlite3")
    con.execute(f"DROP TABLE {sql.SIDE_TABLE}")
    con.execute(f"DROP INDEX {sql.ABOUT_INDEX}")
    con.execute(FORMAT_3_INDEX)
    con.execute("UPDATE meta SET v = '3' WHERE k = 'format'")
    con.commit()
    con.close()


def format_3_store(tmp_path, monkeypatch) -> tuple[str, Model, tuple]:
    """A seeded store made as format "3" wrote it (closed), its model and its answers."""
    path = str(tmp_path / "s")
    store, m = seeded(path, monkeypatch)
    want = answers(store)
    store.close()
    as_format_3(path)
    return path, m, want


def test_a_format_3_store_is_moved_when_opened_with_the_same_answers(tmp_path, monkeypatch, caplog):
    path, m, want = format_3_store(tmp_path, monkeypatch)
    with caplog.at_level(logging.WARNING, logger="graph_model.store.embedded.store"):
        store = EmbeddedStore(path)
    # The move takes minutes at scale 1: the user is told it is happening, and when done.
    said = [r.getMessage() for r in caplog.records]
    assert len(said) == 2 and "moving the store from format 3 to" in said[0] \
        and f"moved to format {sql.STORE_FORMAT} in" in said[1], said
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="graph_model.store.embedded.store"):
        EmbeddedStore(path).close()  # moved already: nothing to say
    assert not caplog.records
    con = store._con()
    assert con.execute("SELECT v FROM meta WHERE k = 'format'").fetchone() == (sql.STORE_FORMAT,)
    assert sql.schema_complete(con) and not sql.reshaped_indexes(con)
    assert side_exact(store) == 8
    assert answers(store) == want
    load(store, "L2", [m.write([("A2", V[0], "超速", "转立案"), ("A9", V[1], "超速", None)])])
    m.check(store)
    store.close()


def test_a_move_that_fails_leaves_the_format_3_store_as_it_was(tmp_path, monkeypatch):
    path, _, want = format_3_store(tmp_path, monkeypatch)
    monkeypatch.setattr(sql, "SIDE_FILL", sql.SIDE_FILL.replace("ORDER BY", "ORDER BY no_such_column,"))
    with pytest.raises(StoreError):
        EmbeddedStore(path)
    con = sqlite3.connect(f"{path}/graph.sqlite3")
    assert con.execute("SELECT v FROM meta WHERE k = 'format'").fetchone() == ("3",)
    assert con.execute("SELECT sql FROM sqlite_master WHERE name = ?",
                       (sql.ABOUT_INDEX,)).fetchone() == (FORMAT_3_INDEX,)
    assert not con.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (sql.SIDE_TABLE,)).fetchone()
    con.close()
    monkeypatch.undo()
    store = EmbeddedStore(path)
    assert answers(store) == want
    store.close()


def test_code_of_before_refuses_a_moved_store_and_this_code_a_later_one(tmp_path, monkeypatch):
    path = str(tmp_path / "s")
    EmbeddedStore(path).close()
    with monkeypatch.context() as mp:  # main's check: format "3" read, no format moved
        mp.setattr(store_module, "STORE_FORMAT", "3")
        mp.setattr(sql, "FORMATS_MIGRATED", ())
        with pytest.raises(StoreError, match="store format 4"):
            EmbeddedStore(path)
    for other in ("2", "5"):
        con = sqlite3.connect(f"{path}/graph.sqlite3")
        con.execute("UPDATE meta SET v = ? WHERE k = 'format'", (other,))
        con.commit()
        con.close()
        with pytest.raises(StoreError, match=f"store format {other}"):
            EmbeddedStore(path)


def test_no_read_of_a_subjects_records_scans(tmp_path, monkeypatch):
    """SQLite uses the partial ABOUT index only where a statement says NOT_SIDE: every read
    of a subject's records seeks it or the side table, the row ids read first too."""
    store, _ = seeded(str(tmp_path / "s"), monkeypatch)
    con = store._con()
    con.execute("ANALYZE")
    held = [RecordMatch(where={"outcome": ["转立案"]})]
    rows = [RecordMatch(where={"agency_region": ["320500"]})]
    reads = selects_sent(con, lambda: (
        store.records_about(V), store.records_about(V, ["Penalty"]),
        store.records_about(V, ["MonitoringAlarm", "Penalty"]), store.record_facets(V, ["outcome"]),
        store.records_matching(V, {"MonitoringAlarm": held, "Penalty": None}, DATE),
        store.records_matching(V, {"MonitoringAlarm": held, "Penalty": None}),
        store.records_matching(V, {"MonitoringAlarm": rows, "Inspection": None}),
        store.point_entries_about(V, ["zj_inland_vessel"]),
        store.point_entries_about(V, ["zj_inland_vessel"], props=["points"])))
    assert len(reads) >= 12
    for query in reads:
        plan = [row[3] for row in con.execute(f"EXPLAIN QUERY PLAN {query}")]
        assert not any(step.startswith("SCAN") for step in plan), (query, plan)
        assert any(f"{index} (about=?" in step for step in plan for index in (
            "nodes_about_records", "nodes_about_point_entries", "USING PRIMARY KEY")), (query, plan)
    store.close()
