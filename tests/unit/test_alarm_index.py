"""The embedded store's ABOUT index holds what a ledger reads of a monitoring alarm (issue
17): ``Store.records_matching`` asking an alarm only for properties the index holds
(``sql.about_held``) and testing only those is answered from the index alone, no row of
``nodes`` read, as the rows answer it; asking for another property reads the rows; a store
written with the index of before gets the new one when it is next opened."""

from __future__ import annotations

import pytest

from graph_model.store.embedded import sql
from graph_model.store.embedded.store import EmbeddedStore
from graph_model.store.port import RecordMatch
from tests.contract.test_records_matching import ALARMS
from tests.contract.test_records_matching_props import seed_odd
from tests.support.stores import selects_sent
from tests.unit.test_point_entry_index import READS, reads_rows

#: the ABOUT index of before (main a81927e): the alarms' filter columns only
OLD_INDEX = ("CREATE INDEX nodes_about_records ON nodes(about, label, "
             "CASE WHEN label = 'MonitoringAlarm' THEN json_extract(props, '$.outcome') END, "
             "CASE WHEN label = 'MonitoringAlarm' THEN json_extract(props, '$.kind') END) "
             "WHERE about IS NOT NULL")
DATE = {"MonitoringAlarm": ("occurred_at",)}


def statements(store: EmbeddedStore, read) -> list[str]:
    """The statements ``read()`` sends that read alarms."""
    return [s for s in selects_sent(store._con(), read)
            if "'MonitoringAlarm'" in s and s.startswith(READS)]


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
    assert "SEARCH r USING INDEX nodes_about_records (about=? AND label=?)" in plan


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


def test_only_alarms_fill_the_value_and_key_columns(stored):
    """Records of other labels hold NULL there (no JSON parsed, no text copied for them)."""
    store, _ = stored
    cols = [sql.about_filter_sql(lab, p) for lab, props in sql.ABOUT_VALUES.items() for p in props]
    cols += [sql.about_key_sql(lab) for lab in sql.ABOUT_VALUES]
    rows = store._con().execute(
        f"SELECT label, {', '.join(cols)} FROM nodes INDEXED BY nodes_about_records "
        f"WHERE about IS NOT NULL AND uid IN ('MonitoringAlarm:A01', 'Penalty:P1')").fetchall()
    assert sorted(rows) == [("MonitoringAlarm", "2024-05-01 10:00:00", "A01"),
                            ("Penalty", None, None)]
