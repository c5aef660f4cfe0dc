"""The embedded store's point-entry index (issue 17): a read of a ledger's properties
(``Store.point_entries_about`` with ``props``) is answered from the index alone, no row of
``nodes`` read, exactly as the rows answer it; a property the index lacks reads the rows;
a store written with the index of before gets the new one when it is next opened."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from graph_model.store.embedded import sql
from graph_model.store.embedded.store import EmbeddedStore
from tests.contract.test_point_entries_about import BY, FIRM, S, S2, SHIP, seed_odd
from tests.support.stores import selects_sent

#: every property the index holds (a ledger's)
ENTRY_PROPS = (*sql.POINT_ENTRY_COLUMNS, *sql.POINT_ENTRY_VALUES)
OLD_INDEX = ("CREATE INDEX nodes_about_point_entries ON nodes(about, json_extract(props, '$.scheme'), "
             "json_extract(props, '$.valid_to'), json_extract(props, '$.occurred_on')) "
             "WHERE label = 'PointEntry'")


#: how the store's reads of records begin (a row each, or all rows as one JSON array)
READS = ("SELECT d.uid", "SELECT json_group_array(json_array(d.uid")


def statements(store: EmbeddedStore, read) -> list[str]:
    """The statements ``read()`` sends that read point entries."""
    return [s for s in selects_sent(store._con(), read)
            if "'PointEntry'" in s and s.startswith(READS)]


def reads_rows(con: sqlite3.Connection, statement: str) -> bool:
    """Whether the statement's program reads a row of ``nodes`` for its records ``r``:
    a column or row id of a cursor on the table (SQLite seeks the row only then; a
    query plan would call an index of expressions covering only from SQLite 3.41)."""
    table = con.execute("SELECT rootpage FROM sqlite_master WHERE name = 'nodes'").fetchone()[0]
    program = con.execute(f"EXPLAIN {statement}").fetchall()
    cursors = {c for _, op, c, root, *_ in program if op == "OpenRead" and root == table}
    assert cursors  # (the plan opens the table, to seek it only when a column asks)
    return any(op in ("Column", "Rowid") and c in cursors for _, op, c, *_ in program)


@pytest.fixture
def store(tmp_path):
    s = EmbeddedStore(str(tmp_path / "store"))
    seed_odd(s)
    yield s
    s.close()


def test_a_ledgers_read_is_answered_from_the_index_alone(store):
    con = store._con()
    for props, rows in ((ENTRY_PROPS, False), (("points", "behaviour"), False),
                        (("points", "agency_region"), True), (None, True)):
        sent = statements(store, lambda: store.point_entries_about(
            [FIRM, SHIP], [S, S2], occurred_by=BY, props=props))
        assert sent and all(reads_rows(con, s) == rows for s in sent), (props, sent)
    indexed = statements(store, lambda: store.point_entries_about([FIRM], [S], props=ENTRY_PROPS))
    assert "SEARCH r USING INDEX nodes_about_point_entries (about=? AND <expr>=?)" in \
        [row[3] for row in con.execute(f"EXPLAIN QUERY PLAN {indexed[0]}")]


def test_a_store_with_the_index_of_before_gets_the_new_one_when_opened(tmp_path):
    path = str(tmp_path / "store")
    s = EmbeddedStore(path)
    seed_odd(s)
    want = s.point_entries_about([FIRM, SHIP], [S, S2], props=ENTRY_PROPS)
    con = s._con()
    con.execute("DROP INDEX nodes_about_point_entries")
    con.execute(OLD_INDEX)
    assert sql.reshaped_indexes(con) == ["nodes_about_point_entries"]
    assert not sql.schema_complete(con)
    s.close()
    s = EmbeddedStore(path)
    con = s._con()
    assert sql.reshaped_indexes(con) == [] and sql.schema_complete(con)
    assert con.execute("SELECT sql FROM sqlite_master WHERE name = 'nodes_about_point_entries'"
                       ).fetchone()[0] == sql.POINT_ENTRY_INDEX.replace(" IF NOT EXISTS", "")
    assert s.point_entries_about([FIRM, SHIP], [S, S2], props=ENTRY_PROPS) == want
    assert all(not reads_rows(con, q) for q in statements(s, lambda: s.point_entries_about(
        [FIRM], [S], occurred_by=dt.date(2024, 12, 31), props=ENTRY_PROPS)))
    s.close()
