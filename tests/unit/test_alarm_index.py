"""The embedded store's alarms' side table (sql.SIDE_TABLE) holds what a ledger reads of a
monitoring alarm (issue 17): ``Store.records_matching`` asking an alarm only for
properties it holds (``sql.about_held``) and testing only those is answered from it alone,
no row of ``nodes`` read, as the rows answer it; asking for another property reads the
rows; a store written with an ABOUT index of before gets the new one when next opened."""

from __future__ import annotations

import sqlite3

import pytest

from graph_model.store.embedded import sql
from graph_model.store.embedded.store import EmbeddedStore
from graph_model.store.port import RecordMatch
from tests.contract.test_records_matching import ALARMS
from tests.contract.test_records_matching_props import seed_odd
from tests.support.stores import selects_sent
from tests.unit.test_point_entry_index import READS

#: the ABOUT index of before (main a81927e): the alarms' filter columns only
OLD_INDEX = ("CREATE INDEX nodes_about_records ON nodes(about, label, "
             "CASE WHEN label = 'MonitoringAlarm' THEN json_extract(props, '$.outcome') END, "
             "CASE WHEN label = 'MonitoringAlarm' THEN json_extract(props, '$.kind') END) "
             "WHERE about IS NOT NULL")
DATE = {"MonitoringAlarm": ("occurred_at",)}


def statements(store: EmbeddedStore, read) -> list[str]:
    """The statements ``read()`` sends that read alarms."""
    return [s for s in selects_sent(store._con(), read)
            if sql.SIDE_TABLE in s and s.startswith(READS)]


def reads_rows(con: sqlite3.Connection, statement: str) -> bool:
    """Whether the statement's program reads a row of ``nodes``: a column or row id of a
    cursor on the table (the subjects ``d`` are read from the uid index alone)."""
    table = con.execute("SELECT rootpage FROM sqlite_master WHERE name = 'nodes'").fetchone()[0]
    program = con.execute(f"EXPLAIN {statement}").fetchall()
    cursors = {c for _, op, c, root, *_ in program if op == "OpenRead" and root == table}
    return any(op in ("Column", "Rowid") and c in cursors for _, op, c, *_ in program)


@pytest.fixture
def stored(tmp_path):
    s = EmbeddedStore(str(tmp_path / "store"))
    v = seed_odd(s)
    yield s, v
    s.close()


def test_an_alarm_read_of_what_the_index_holds_reads_no_row(stored):
    store, v = stored
    con = store._con()
    at_least = RecordMatch(at_least={"occurred_at": 2})  # (a number or true: judged on the row)
    for tests, props, rows in (
            (ALARMS, DATE, False), (None, DATE, False),
            (ALARMS, {"MonitoringAlarm": ("kind", "outcome", "occurred_at")}, False),
            ([at_least, RecordMatch(contains={"occurred_at": ["05"]})], DATE, False),
            (ALARMS, {"MonitoringAlarm": ("occurred_at", "agency_region")}, True),
            ([RecordMatch(where={"agency_region": ["320500"]})], DATE, True),
            (ALARMS, None, True)):
        sent = statements(store, lambda: store.records_matching(
            [v], {"MonitoringAlarm": tests}, props))
        assert sent and all(reads_rows(con, s) == rows for s in sent), (tests, props, sent)
    plan = [row[3] for row in con.execute(f"EXPLAIN QUERY PLAN {sent[0]}")]
    assert f"SEARCH s USING PRIMARY KEY (about=?)" in plan


def test_a_store_with_the_index_of_before_gets_the_new_one_when_opened(tmp_path):
    path = str(tmp_path / "store")
    s = EmbeddedStore(path)
    v = seed_odd(s)
    want = s.records_matching([v], {"MonitoringAlarm": ALARMS, "Penalty": None}, DATE)
    con = s._con()
    con.execute("DROP INDEX nodes_about_records")
    con.execute(OLD_INDEX)
    assert sql.reshaped_indexes(con) == ["nodes_about_records"] and not sql.schema_complete(con)
    s.close()
    s = EmbeddedStore(path)
    con = s._con()
    assert sql.reshaped_indexes(con) == [] and sql.schema_complete(con)
    assert s.records_matching([v], {"MonitoringAlarm": ALARMS, "Penalty": None}, DATE) == want
    assert all(not reads_rows(con, q) for q in statements(
        s, lambda: s.records_matching([v], {"MonitoringAlarm": ALARMS}, DATE)))
    s.close()


def test_only_alarms_have_side_rows_and_the_about_index_holds_the_others(stored):
    """An alarm's side row holds its date and key; no record of another label has one, and
    the ABOUT index holds no alarm."""
    store, _ = stored
    con = store._con()
    rows = con.execute(
        f"SELECT n.label, s.occurred_at, s.key FROM {sql.SIDE_TABLE} s JOIN nodes n "
        f"ON n.nid = s.nid WHERE n.uid IN ('MonitoringAlarm:A01', 'Penalty:P1')").fetchall()
    assert rows == [("MonitoringAlarm", "2024-05-01 10:00:00", "A01")]
    labels = {r[0] for r in con.execute(
        f"SELECT label FROM nodes INDEXED BY {sql.ABOUT_INDEX} WHERE about IS NOT NULL "
        f"AND {sql.NOT_SIDE}")}
    assert "Penalty" in labels and "MonitoringAlarm" not in labels
