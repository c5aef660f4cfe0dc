"""A process killed mid-write loses nothing it committed and keeps nothing it had not."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

from graph_model.store.embedded.store import EmbeddedStore

WRITER = textwrap.dedent("""
    import sys, pandas as pd
    from graph_model.store.embedded.store import EmbeddedStore
    store = EmbeddedStore(sys.argv[1])
    size = int(sys.argv[2])
    for b in range(10_000):
        keys = [f"{b:05d}-{i:06d}" for i in range(size)]
        with store.transaction() as tx:
            tx.upsert_nodes("Person", pd.DataFrame({"id_hash": keys, "name": "x"}))
            tx.upsert_edges("EMPLOYED_BY", pd.DataFrame({"src": [], "dst": []}))
        print(b, flush=True)
""")


def test_killed_writer_leaves_whole_batches_only(tmp_path):
    path = str(tmp_path / "store")
    size = 20_000
    proc = subprocess.Popen([sys.executable, "-c", WRITER, path, str(size)],
                            stdout=subprocess.PIPE, text=True)
    try:
        committed = [proc.stdout.readline() for _ in range(3)]
        assert all(line.strip() for line in committed), "writer died before committing"
        time.sleep(0.05)  # well inside the next batch's transaction
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    store = EmbeddedStore(path)
    try:
        n = store.count_nodes("Person")
        assert store.integrity_check() == "ok"
        assert n >= 3 * size and n % size == 0, f"{n} nodes: a batch was half-written"
        last = store.find_nodes("Person", after=f"Person:{n // size - 1:05d}-{size - 2:06d}")
        assert [x.key for x in last] == [f"{n // size - 1:05d}-{size - 1:06d}"]
    finally:
        store.close()


def test_store_reopens_with_committed_data_and_topology(tmp_path):
    import pandas as pd

    path = str(tmp_path / "store")
    store = EmbeddedStore(path)
    with store.transaction() as tx:
        tx.upsert_nodes("Enterprise", pd.DataFrame({"uscc": ["A"], "name": ["a"], "region_code": ["320500"]}))
        tx.upsert_nodes("Vehicle", pd.DataFrame({"plate": ["苏E00001"], "region_code": ["320500"]}))
        tx.upsert_edges("OWNS", pd.DataFrame({"src": ["Enterprise:A"], "dst": ["Vehicle:苏E00001"]}))
    assert len(store.neighbours(["Enterprise:A"]).edges) == 1  # builds and caches the topology
    store.close()
    again = EmbeddedStore(path)
    try:
        assert again.count_nodes() == 2
        assert [e.dst for e in again.neighbours(["Enterprise:A"]).edges] == ["Vehicle:苏E00001"]
    finally:
        again.close()


def test_a_store_of_another_format_is_refused_not_altered(tmp_path):
    import sqlite3

    import pytest

    from graph_model.store.port import StoreError

    path = tmp_path / "old"
    path.mkdir()
    con = sqlite3.connect(path / "graph.sqlite3")
    con.execute("CREATE TABLE meta(k TEXT PRIMARY KEY, v TEXT NOT NULL)")
    con.execute("INSERT INTO meta VALUES ('format', '1'), ('generation', '7')")
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="store format 1"):
        EmbeddedStore(str(path))
    con = sqlite3.connect(path / "graph.sqlite3")
    assert con.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall() == [("meta",)]


def test_writing_records_keeps_the_traversal_graph_and_new_edges_refresh_it(tmp_path):
    import pandas as pd

    store = EmbeddedStore(str(tmp_path / "s"))
    with store.transaction() as tx:
        tx.upsert_nodes("Enterprise", pd.DataFrame({"uscc": ["A"], "name": ["a"], "region_code": ["320500"]}))
    topo = store.topology()
    with store.transaction() as tx:
        tx.upsert_nodes("Penalty", pd.DataFrame({"decision_no": ["p1"], "violation": ["x"]}))
        tx.upsert_edges("ABOUT", pd.DataFrame({"src": ["Penalty:p1"], "dst": ["Enterprise:A"]}))
    assert store.topology() is topo  # a record is not part of the traversal graph
    with store.transaction() as tx:
        tx.upsert_nodes("Vehicle", pd.DataFrame({"plate": ["苏E00001"], "region_code": ["320500"]}))
        tx.upsert_edges("OWNS", pd.DataFrame({"src": ["Enterprise:A"], "dst": ["Vehicle:苏E00001"]}))
    assert store.topology() is not topo
    assert [e.dst for e in store.neighbours(["Enterprise:A"]).edges] == ["Vehicle:苏E00001"]
    store.close()
