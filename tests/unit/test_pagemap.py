"""The embedded store's page map (issue 17): the leaf page of each row of ``nodes`` as
SQLite itself has it (its ``dbstat`` table), and a hint only: a read that asks for its
rows' pages first answers exactly as one that does not, also when the map is out of
date or the file holds no pages yet."""

from __future__ import annotations

import random
import sqlite3

import pytest

import graph_model.store.embedded.store as embedded
from graph_model.store.embedded.pagemap import PageMap
from graph_model.store.embedded.store import EmbeddedStore
from graph_model.store.port import RecordMatch
from tests.support.graph import GraphBuilder


def leaf_of_each_row(con: sqlite3.Connection, table: str) -> dict[int, int]:
    """SQLite's own answer: the table's leaf pages in key order (``dbstat``'s paths sort
    so) and how many rows each holds, against the row ids in order."""
    leaves = con.execute("SELECT pageno, ncell FROM dbstat WHERE name = ? AND pagetype = 'leaf' "
                         "ORDER BY path", (table,)).fetchall()
    rowids = iter(r for r, in con.execute(f"SELECT rowid FROM {table} ORDER BY rowid"))
    return {next(rowids): page for page, cells in leaves for _ in range(cells)}


@pytest.fixture
def db(tmp_path):
    path = str(tmp_path / "t.sqlite3")
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("CREATE TABLE filler(x TEXT)")
    con.execute("CREATE TABLE nodes(nid INTEGER PRIMARY KEY AUTOINCREMENT, props TEXT)")
    rng = random.Random(3)
    con.execute("BEGIN")
    for i in range(40_000):  # rows of 10 to 700 bytes, another table's pages between
        con.execute("INSERT INTO nodes(props) VALUES (?)", ("x" * rng.randint(10, 700),))
        if i % 500 == 0:
            con.execute("INSERT INTO filler VALUES (?)", ("y" * 3000,))
    con.execute("COMMIT")
    con.execute("DELETE FROM nodes WHERE nid % 7 = 0")  # pages merged and freed
    yield path, con
    con.close()


def test_each_rows_leaf_page_is_the_one_sqlite_keeps_it_on(db):
    path, con = db
    truth = leaf_of_each_row(con, "nodes")
    root = con.execute("SELECT rootpage FROM sqlite_master WHERE name = 'nodes'").fetchone()[0]
    pages = PageMap(path, root)
    assert list(pages.leaves([1])) == []  # no map yet: it is being made
    pages.wait()
    # three levels at least (root, inner, leaves): the map is read through an inner level
    assert con.execute("SELECT max(length(path) - length(replace(path, '/', ''))) - 1 "
                       "FROM dbstat WHERE name = 'nodes'").fetchone()[0] >= 2
    for rowid, page in truth.items():
        assert list(pages.leaves([rowid])) == [page], rowid
    assert sorted(pages.leaves(truth)) == sorted(set(truth.values()))
    assert pages.will_need(list(truth)[:100]) == len(set(list(truth.values())[:100]))
    pages.close()


def test_a_file_without_the_pages_gives_no_hints_and_no_error(tmp_path):
    path = str(tmp_path / "w.sqlite3")
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA wal_autocheckpoint=0")
    con.execute("CREATE TABLE nodes(nid INTEGER PRIMARY KEY, props TEXT)")
    with con:
        con.execute("BEGIN")
        con.executemany("INSERT INTO nodes VALUES (?, ?)", [(i, "z" * 300) for i in range(1, 2000)])
    root = con.execute("SELECT rootpage FROM sqlite_master WHERE name = 'nodes'").fetchone()[0]
    pages = PageMap(path, root)  # every page is still in the write-ahead log
    pages.leaves([1])
    pages.wait()
    assert list(pages.leaves(range(1, 2000))) == []
    assert pages.will_need([5, 6, 7]) == 0
    pages.close()
    con.close()


def seed(store, firms: int, offset: int = 0):
    g = GraphBuilder(store)
    for f in range(firms):
        firm = g.firm(f"F{f}")
        v = g.vehicle(f"苏E0{f:04}", owner=firm)
        for i in range(offset, offset + 30):
            g.point_entry(f"E{f}-{i}", firm, "长江航运信用评价", -1, "2024-03-01")
            g.alarm(f"A{f}-{i}", v, "2024-05-01 10:00:00", outcome=None if i % 2 else "已处置")
    g.commit()


def test_a_scattered_read_asks_for_its_rows_pages_and_answers_as_without(tmp_path, monkeypatch):
    store = EmbeddedStore(str(tmp_path / "s"))
    seed(store, 6)
    store._con().execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the rows in the file: a real map
    asked: list[list[int]] = []
    real = PageMap.will_need
    monkeypatch.setattr(PageMap, "will_need", lambda self, rowids: asked.append(list(rowids))
                        or real(self, rowids))
    firms, vehicles = ["Enterprise:F1", "Enterprise:F4"], ["Vehicle:苏E00001", "Vehicle:苏E00004"]
    alarms = {"MonitoringAlarm": [RecordMatch(absent=("outcome",))]}

    def reads():
        return (store.point_entries_about(firms, ["长江航运信用评价"]),
                store.records_matching(vehicles, alarms))

    def nids(found):
        return sorted(r for r, in store._con().execute(
            f"SELECT nid FROM nodes WHERE uid IN ({','.join('?' * len(found))})", found))

    reads()
    store._pages.wait()  # the map, made in its thread on first use
    asked.clear()
    got = reads()
    entries, kept = got
    assert [sorted(a) for a in asked] == [
        nids([n.uid for ns in entries.values() for n in ns]),
        nids([n.uid for ns in kept.values() for n in ns])]
    assert sum(map(len, entries.values())) == 60 and sum(map(len, kept.values())) == 30
    assert store._pages.leaves(asked[0]).size > 0  # pages were found, and asked for
    monkeypatch.setattr(embedded, "PREFETCH_ROWS", 0)
    asked.clear()
    assert reads() == got and asked == []  # off: the same answers, nothing asked
    # rows written since the map was made (not checkpointed, and moved): still exact
    seed(store, 6, offset=30)
    monkeypatch.setattr(embedded, "PREFETCH_ROWS", 16)
    again = reads()
    assert asked and sum(map(len, again[0].values())) == 120
    monkeypatch.setattr(embedded, "PREFETCH_ROWS", 0)
    assert reads() == again
    store.close()


def test_a_map_saved_is_used_by_the_next_process_only_while_the_file_is_as_it_was(db, tmp_path):
    path, con = db
    truth = leaf_of_each_row(con, "nodes")
    root = con.execute("SELECT rootpage FROM sqlite_master WHERE name = 'nodes'").fetchone()[0]
    keep = str(tmp_path / "pagemap.npy")
    first = PageMap(path, root, keep=keep)
    first.leaves([1])
    first.wait()
    first.close()
    again = PageMap(path, root, keep=keep)  # another process: the saved map, at once
    some = list(truth)[::97]
    assert sorted(again.leaves(some)) == sorted({truth[r] for r in some})
    assert again._maker is None
    again.close()
    con.execute("INSERT INTO nodes(props) VALUES ('new')")  # the file changes
    changed = PageMap(path, root, keep=keep)
    assert list(changed.leaves(some)) == []  # not the old map: a new one is being made
    changed.wait()
    truth = leaf_of_each_row(con, "nodes")
    assert sorted(changed.leaves(some)) == sorted({truth[r] for r in some})
    changed.close()
