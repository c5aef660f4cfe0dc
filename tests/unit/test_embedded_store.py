"""What the embedded store's layout adds to the port: a record is one row, its subject,
agency and repaired penalty (the schema's ``one_per_source`` relationships) are columns of
that row, so a corrected record names a new subject instead of gaining a second one."""

from __future__ import annotations

import sqlite3
import threading

import pandas as pd
import pytest

from graph_model.store.embedded import sql
from graph_model.store.embedded.store import EmbeddedStore
from graph_model.store.port import ChangesTrimmed, LoadInfo
from tests.support.stores import selects_sent

FIRM_A, FIRM_B = "Enterprise:91320505MA1MXXXXXX", "Enterprise:91320200MA1MYYYYYY"


def load(store, load_id, subject):
    info = LoadInfo(load_id=load_id, file=f"{load_id}.csv", kind="penalties",
                    started_at="2026-11-25T10:00:00+00:00")
    with store.transaction(info) as tx:
        tx.upsert_nodes("Penalty", pd.DataFrame({"decision_no": ["苏交罚〔2024〕1号"],
                                                 "decision_date": ["2024-01-02"],
                                                 "agency_region": ["320500"], "_row": [2]}))
        tx.upsert_edges("ABOUT", pd.DataFrame({"src": ["Penalty:苏交罚〔2024〕1号"],
                                               "dst": [subject], "_row": [2]}))


def test_a_corrected_record_is_about_its_new_subject_and_undo_restores_the_old(tmp_path):
    store = EmbeddedStore(str(tmp_path / "s"))
    with store.transaction() as tx:
        tx.upsert_nodes("Enterprise", pd.DataFrame({"uscc": [FIRM_A[11:], FIRM_B[11:]],
                                                    "region_code": "320500"}))
    load(store, "L1", FIRM_A)
    load(store, "L2", FIRM_B)  # the agency's corrected file names another subject
    assert store.count_edges("ABOUT") == 1
    assert list(store.records_about([FIRM_A, FIRM_B])) == [FIRM_B]
    store.undo_load("L2")
    assert list(store.records_about([FIRM_A, FIRM_B])) == [FIRM_A]
    [pen] = store.records_about([FIRM_A])[FIRM_A]
    assert pen.props["_sources"] == ["L1#2"]
    store.close()


def test_a_large_commit_leaves_copying_its_log_to_the_background_thread(tmp_path, monkeypatch):
    import os
    import sqlite3

    store = EmbeddedStore(str(tmp_path / "s"))
    with store.transaction() as tx:
        tx.upsert_nodes("Enterprise", pd.DataFrame({"uscc": [FIRM_A[11:]], "region_code": "320500"}))
    store._checkpoint.wait()
    before = os.path.getsize(store.db_path)
    requests = []
    monkeypatch.setattr(store._checkpoint, "request", lambda: requests.append(1))
    with store.transaction() as tx:  # a small write copies its log itself, as SQLite does
        tx.upsert_nodes("Enterprise", pd.DataFrame({"uscc": [FIRM_B[11:]], "region_code": "320500"}))
    assert requests == []
    info = LoadInfo(load_id="L1", file="L1.csv", kind="penalties", started_at="2026-11-25T10:00:00+00:00")
    with store.transaction(info) as tx:  # thousands of pages: SQLite alone copies them in COMMIT
        tx.upsert_nodes("Penalty", pd.DataFrame({
            "decision_no": [f"苏交罚〔2024〕{i}号" for i in range(20_000)],
            "decision_date": "2024-01-02", "agency_region": "320500", "violation": "超载" * 20,
            "_row": range(2, 20_002), "ABOUT": FIRM_A}))
    assert requests == [1] and os.path.getsize(store.db_path) <= before + 8192  # in the log
    monkeypatch.undo()
    store._checkpoint.request()
    store._checkpoint.wait()
    assert os.path.getsize(store.db_path) > before + 4_000_000  # now in the database file
    con = store._con()  # and the load's connection copies small writes itself again
    assert con.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000
    store.close()
    reader = sqlite3.connect(f"file:{tmp_path / 's' / 'graph.sqlite3'}?mode=ro", uri=True)
    assert reader.execute("SELECT count(*) FROM nodes WHERE label = 'Penalty'").fetchone()[0] == 20_000


def test_only_a_large_file_waits_for_the_log_before_it_to_be_copied(tmp_path, monkeypatch):
    """A load begins once the log is copied (so SQLite writes it from its start again)
    only when its file is large; a small file's load, or an API's write, begins at once."""
    from graph_model.store.embedded import store as embedded

    store = EmbeddedStore(str(tmp_path / "s"))
    waits = []
    monkeypatch.setattr(store._checkpoint, "wait", lambda: waits.append(1))
    small, large = tmp_path / "small.csv", tmp_path / "large.csv"
    small.write_bytes(b"x" * 100)
    large.write_bytes(b"x" * 200)
    monkeypatch.setattr(embedded, "FRESH_LOG_BYTES", 200)
    for n, (path, waited) in enumerate([(small, []), (tmp_path / "api", []), (large, [1])]):
        info = LoadInfo(load_id=f"L{n}", file=str(path), kind="enterprises",
                        started_at="2026-11-25T10:00:00+00:00")
        with store.transaction(info) as tx:
            tx.upsert_nodes("Enterprise", pd.DataFrame({"uscc": [(FIRM_A, FIRM_B, FIRM_A)[n][11:]],
                                                        "region_code": "320500"}))
        assert waits == waited, path
    monkeypatch.undo()
    assert store.count_nodes("Enterprise") == 2
    store.close()


def test_a_store_made_before_a_new_link_gets_its_column_and_keeps_its_journal(tmp_path):
    """A store written before fine payments (no ``pays`` column) is opened, loaded into and
    undone as a new one: the column is added empty, the old journal still restores."""
    import sqlite3

    store = EmbeddedStore(str(tmp_path / "s"))
    with store.transaction() as tx:
        tx.upsert_nodes("Enterprise", pd.DataFrame({"uscc": [FIRM_A[11:], FIRM_B[11:]],
                                                    "region_code": "320500"}))
    load(store, "L1", FIRM_A)
    store.close()
    con = sqlite3.connect(tmp_path / "s" / "graph.sqlite3")
    con.execute("ALTER TABLE nodes DROP COLUMN pays")
    con.commit()
    con.close()
    store = EmbeddedStore(str(tmp_path / "s"))
    load(store, "L2", FIRM_B)  # journals the penalty as the old layout had it
    info = LoadInfo(load_id="L3", file="pay.csv", kind="fine_payments",
                    started_at="2026-11-25T10:00:00+00:00")
    with store.transaction(info) as tx:
        tx.upsert_nodes("FinePayment", pd.DataFrame({
            "payment_key": ["苏交罚〔2024〕1号|2024-02-01|R1"], "decision_no": ["苏交罚〔2024〕1号"],
            "paid_on": ["2024-02-01"], "amount": [200.0], "_row": [2],
            "PAYS": ["Penalty:苏交罚〔2024〕1号"]}))
    assert store.count_edges("PAYS") == 1
    store.undo_load("L3")
    store.undo_load("L2")
    assert list(store.records_about([FIRM_A, FIRM_B])) == [FIRM_A]
    assert store.count_edges("PAYS") == 0 and store.integrity_check() == "ok"
    store.close()


def test_a_subjects_records_of_some_labels_are_sought_in_the_about_index(tmp_path):
    """A vehicle's penalties are found without reading its monitoring alarms: the ABOUT
    index holds the label, and records_about seeks (subject, label) in it."""
    store = EmbeddedStore(str(tmp_path / "s"))
    with store.transaction() as tx:
        tx.upsert_nodes("Vehicle", pd.DataFrame({"plate": ["苏E12345"], "region_code": "320500"}))
        tx.upsert_nodes("MonitoringAlarm", pd.DataFrame({
            "alarm_no": [f"GJ{i}" for i in range(500)], "kind": "超速",
            "occurred_at": "2024-05-01 08:00:00", "ABOUT": "Vehicle:苏E12345"}))
        tx.upsert_nodes("Penalty", pd.DataFrame({
            "decision_no": ["苏交罚〔2024〕1号"], "decision_date": ["2024-01-02"],
            "agency_region": ["320500"], "ABOUT": ["Vehicle:苏E12345"]}))
    con = store._con()
    con.execute("ANALYZE")
    about = store.records_about(["Vehicle:苏E12345"], ["Penalty"])
    assert [n.uid for n in about["Vehicle:苏E12345"]] == ["Penalty:苏交罚〔2024〕1号"]
    reads = selects_sent(con, lambda: store.records_about(["Vehicle:苏E12345"], ["Penalty"]))
    assert len(reads) == 1 and "about_alarms" not in reads[0]
    plan = " ".join(row[3] for row in con.execute(f"EXPLAIN QUERY PLAN {reads[0]}"))
    assert "nodes_about_records (about=? AND label=?)" in plan, plan
    assert len(store.records_about(["Vehicle:苏E12345"])["Vehicle:苏E12345"]) == 501
    store.close()


def _graph(store: EmbeddedStore, plates: list[str]) -> None:
    with store.transaction() as tx:
        tx.upsert_nodes("Enterprise", pd.DataFrame({"uscc": ["91320506MA1MKT3P0P"]}))
        tx.upsert_nodes("Vehicle", pd.DataFrame({"plate": plates}))
        tx.upsert_edges("OWNS", pd.DataFrame({"src": "Enterprise:91320506MA1MKT3P0P",
                                              "dst": [f"Vehicle:{p}" for p in plates]}))


def test_writing_edges_that_exist_leaves_the_traversal_graph_as_it_is(tmp_path):
    """An agency's LOCATED_IN is written again with each of its records: readers must not
    rebuild the topology for it (seconds at Yangtze scale, traversals waiting)."""
    store = EmbeddedStore(str(tmp_path / "s"))
    _graph(store, ["苏E00001", "苏E00002"])
    before = store.topology_generation()
    _graph(store, ["苏E00001", "苏E00002"])  # the same edges, their properties merged
    assert store.topology_generation() == before
    _graph(store, ["苏E00001", "苏E00003"])  # one new edge
    assert store.topology_generation() == before + 1


def test_readers_load_the_topology_a_writer_committed_rather_than_rebuild_it(tmp_path, monkeypatch):
    path = str(tmp_path / "s")
    writer, reader = EmbeddedStore(path), EmbeddedStore(path)  # as two processes would
    _graph(writer, ["苏E00001"])
    assert len(reader.neighbours(["Enterprise:91320506MA1MKT3P0P"]).edges) == 1

    def rebuild(*args, **kwargs):
        raise AssertionError("a reader rebuilt the topology")

    _graph(writer, ["苏E00001", "苏E00002"])
    monkeypatch.setattr(reader, "_build_topology", rebuild)
    assert len(reader.neighbours(["Enterprise:91320506MA1MKT3P0P"]).edges) == 2
    assert not list(tmp_path.joinpath("s").glob("*.next"))


def test_loads_refresh_the_planner_statistics_once_they_changed_a_tenth_of_the_store(tmp_path):
    """ANALYZE reads a little of every index, cold pages of a full store: a daily export
    of 1 % must not pay it each day, but the statistics must follow the store's growth."""
    import sqlite3

    path = tmp_path / "s"
    store = EmbeddedStore(str(path))

    def firms(start: int, n: int) -> None:
        info = LoadInfo(load_id=f"F{start}", file=f"F{start}.csv", kind="enterprises",
                        started_at="2026-11-25T10:00:00+00:00")
        with store.transaction(info) as tx:
            tx.upsert_nodes("Enterprise", pd.DataFrame(
                {"uscc": [f"91320505MA{i:08d}" for i in range(start, start + n)]}))

    def uid_stat(new: str | None = None) -> str:  # what the planner believes of the uid index
        con = sqlite3.connect(path / "graph.sqlite3")
        where = "tbl = 'nodes' AND idx = 'sqlite_autoindex_nodes_1'"
        if new is not None:
            con.execute(f"UPDATE sqlite_stat1 SET stat = ? WHERE {where}", (new,))
            con.commit()
        [(stat,)] = con.execute(f"SELECT stat FROM sqlite_stat1 WHERE {where}").fetchall()
        con.close()
        return stat

    firms(0, 1000)
    assert uid_stat() == "1000 1"
    uid_stat("7 1")  # marks the statistics of the last refresh
    firms(1000, 60)
    firms(1060, 30)  # 9 % of the store since the last refresh: no refresh
    assert uid_stat() == "7 1"
    firms(1090, 20)  # 11 %
    assert uid_stat() != "7 1"


def test_a_connection_of_a_thread_that_ended_is_closed_when_another_thread_opens_one(tmp_path):
    """A loader's prefetch thread (one per file) leaves its connection, and that
    connection's page cache, behind: it is closed, not kept until the store closes."""
    store = EmbeddedStore(str(tmp_path / "store"))
    opened = []

    def read():
        opened.append(store._con())
        store.count_nodes()

    for _ in range(3):  # one thread after another, as a load's files are prefetched
        worker = threading.Thread(target=read)
        worker.start()
        worker.join()
    assert len(store._connections._all) == 2  # the main thread's and the last thread's
    for con in opened[:-1]:
        with pytest.raises(sqlite3.ProgrammingError):  # closed
            con.execute("SELECT 1")
    opened[-1].execute("SELECT 1")
    store.count_nodes()  # this thread's connection is untouched
    store.close()


#: the two indexes nodes_about_records replaced, as stores written before it have them
OLD_ABOUT_INDEXES = (
    "CREATE INDEX nodes_about_label ON nodes(about, label) WHERE about IS NOT NULL",
    "CREATE INDEX nodes_about_MonitoringAlarm ON nodes(about, json_extract(props, '$.outcome'), "
    "json_extract(props, '$.kind')) WHERE label = 'MonitoringAlarm'")


def test_a_vehicles_alarms_are_judged_on_their_side_rows_an_old_store_gets_on_open(tmp_path):
    """Store.records_matching judges monitoring alarms on their side rows, which hold their
    outcome and kind (sql.ABOUT_FILTERS), and records_about seeks a subject's other labels
    in the ABOUT index: every read of either, the row ids read before a scattered read
    too, seeks the side table or that index, and the alarms' properties are read from the
    side rows, not from their JSON.  A store written with the two indexes the ABOUT index
    replaced gets it, and loses those, when opened."""
    from graph_model.store.port import RecordMatch

    path = str(tmp_path / "s")
    store = EmbeddedStore(path)
    outcomes = ["已处置"] * 7 + ["转立案", None, "误报"]
    with store.transaction() as tx:
        tx.upsert_nodes("Vehicle", pd.DataFrame({"plate": ["苏E12345"], "region_code": "320500"}))
        tx.upsert_nodes("MonitoringAlarm", pd.DataFrame({
            "alarm_no": [f"GJ{i:03d}" for i in range(300)], "kind": "超速",
            "outcome": [outcomes[i % 10] for i in range(300)],
            "occurred_at": "2024-05-01 08:00:00", "ABOUT": "Vehicle:苏E12345"}))
        tx.upsert_nodes("Penalty", pd.DataFrame({
            "decision_no": ["苏交罚〔2024〕1号"], "decision_date": ["2024-01-02"],
            "agency_region": ["320500"], "ABOUT": ["Vehicle:苏E12345"]}))
    store.close()
    con = sqlite3.connect(f"{path}/graph.sqlite3")
    con.execute("DROP INDEX nodes_about_records")  # as a store written before it
    for ddl in OLD_ABOUT_INDEXES:
        con.execute(ddl)
    con.commit()
    con.close()
    store = EmbeddedStore(path)
    con = store._con()
    names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "nodes_about_records" in names
    assert not names & {"nodes_about_label", "nodes_about_MonitoringAlarm"}
    con.execute("ANALYZE")
    tests = {"MonitoringAlarm": [RecordMatch(absent=("outcome",)),
                                 RecordMatch(where={"outcome": ["转立案"]})],
             "Penalty": None}
    found: dict = {}
    reads = selects_sent(con, lambda: found.update(
        store.records_matching(["Vehicle:苏E12345"], tests)))
    alarms = [n for n in found["Vehicle:苏E12345"] if n.label == "MonitoringAlarm"]
    assert len(alarms) == 60 and {n.props.get("outcome") for n in alarms} == {None, "转立案"}
    assert [n.label for n in found["Vehicle:苏E12345"]].count("Penalty") == 1
    reads += selects_sent(con, lambda: store.records_about(["Vehicle:苏E12345"], ["Penalty"]))
    assert len(reads) == 5  # row ids and rows of the alarms, of the penalty; records_about
    for query in reads:
        plan = " ".join(row[3] for row in con.execute(f"EXPLAIN QUERY PLAN {query}"))
        assert ("nodes_about_records (about=? AND label=?)" in plan
                or "SEARCH s USING PRIMARY KEY (about=?)" in plan), (query, plan)
        program = [row[5] for row in con.execute(f"EXPLAIN {query}") if row[1] == "Function"]
        assert not any("json_extract" in str(p) for p in program), (query, program)
    store.close()


def test_only_a_label_of_about_filters_has_side_rows(tmp_path):
    """An alarm's side row holds its outcome and kind as its JSON has them; a record of
    another label has none."""
    store = EmbeddedStore(str(tmp_path / "s"))
    with store.transaction() as tx:
        tx.upsert_nodes("Vehicle", pd.DataFrame({"plate": ["苏E12345"], "region_code": "320500"}))
        tx.upsert_nodes("MonitoringAlarm", pd.DataFrame({
            "alarm_no": ["GJ1"], "kind": "超速", "outcome": "转立案",
            "occurred_at": "2024-05-01 08:00:00", "ABOUT": "Vehicle:苏E12345"}))
        tx.upsert_nodes("Inspection", pd.DataFrame({  # (a kind of its own)
            "inspection_no": ["JC1"], "inspected_on": ["2024-01-02"], "kind": ["路检路查"],
            "result": ["合格"], "agency_region": ["320500"], "ABOUT": ["Vehicle:苏E12345"]}))
    columns = [f"s.{p}" for props in sql.ABOUT_FILTERS.values() for p in props]
    rows = store._con().execute(
        f"SELECT n.label, {', '.join(columns)} FROM nodes n JOIN {sql.SIDE_TABLE} s "
        f"ON s.nid = n.nid ORDER BY n.label").fetchall()
    assert rows == [("MonitoringAlarm", "转立案", "超速")]
    store.close()


def _index_as_before(path: str, prop: str, label: str = "Penalty") -> None:
    """Give the closed store at ``path`` a property's index, as a store written before it
    was dropped has."""
    con = sqlite3.connect(f"{path}/graph.sqlite3")
    con.execute(f"CREATE INDEX nodes_{label}_{prop} ON nodes("
                f"json_extract(props, '$.{prop}')) WHERE label = '{label}'")
    con.commit()
    con.close()


def test_a_store_made_with_a_retired_index_loses_it_when_opened(tmp_path):
    """Penalty.supersedes' index served no read: a store written with it drops it when
    next opened (sql.retired_index_statements), and reads by the property still answer."""
    path = str(tmp_path / "s")
    store = EmbeddedStore(path)
    with store.transaction() as tx:
        tx.upsert_nodes("Penalty", pd.DataFrame({
            "decision_no": ["苏交罚〔2024〕1号", "苏交罚〔2024〕1号#更正:Y1"],
            "decision_date": "2024-01-02", "agency_region": "320500",
            "supersedes": [None, "Penalty:苏交罚〔2024〕1号"], "objection_no": [None, "Y1"]}))
    store.close()
    _index_as_before(path, "supersedes")
    store = EmbeddedStore(path)
    names = {r[0] for r in store._con().execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "nodes_Penalty_supersedes" not in names and "nodes_Penalty_decision_date" in names
    [found] = store.find_nodes("Penalty", {"supersedes": ["Penalty:苏交罚〔2024〕1号"]})
    assert found.key == "苏交罚〔2024〕1号#更正:Y1"
    store.close()


def test_a_store_made_with_the_records_version_indexes_loses_them_when_opened(tmp_path):
    """No read filters evaluations, list entries, commitments or point entries on
    supersedes either: a store written with those indexes drops them when next opened,
    keeps the labels' other indexes, and a read by the property still answers."""
    path = str(tmp_path / "s")
    store = EmbeddedStore(path)
    with store.transaction() as tx:
        tx.upsert_nodes("Evaluation", pd.DataFrame({
            "evaluation_key": ["E", "E#更正:Y1"], "subject_uid": "Enterprise:X", "scheme": "JS",
            "grade": ["C", "B"], "agency_region": "320500", "valid_from": "2024-01-02",
            "supersedes": [None, "Evaluation:E"], "objection_no": [None, "Y1"]}))
    store.close()
    versioned = ["Evaluation", "ListEntry", "Commitment", "PointEntry"]
    for label in versioned:
        _index_as_before(path, "supersedes", label)
    store = EmbeddedStore(path)
    names = {r[0] for r in store._con().execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert not names & {f"nodes_{label}_supersedes" for label in versioned}
    assert {"nodes_Evaluation_scheme", "nodes_ListEntry_listed_on"} <= names
    [found] = store.find_nodes("Evaluation", {"supersedes": ["Evaluation:E"]})
    assert found.key == "E#更正:Y1" and found.props["grade"] == "B"
    store.close()


def test_a_penalty_subject_region_is_sought_in_the_compound_index_led_by_it(tmp_path):
    """Penalty.subject_region has no index of its own: the compound index (subject_region,
    decision_date, severity) it leads serves it (sql.index_statements), and a store
    written with the old index loses it when opened, with the same answers."""
    path = str(tmp_path / "s")
    store = EmbeddedStore(path)
    with store.transaction() as tx:
        # (other labels' rows too, as in a store: else the uid range of the label is the
        # whole table, and SQLite reads that rather than any index)
        tx.upsert_nodes("Vehicle", pd.DataFrame({"plate": [f"苏E{i:05d}" for i in range(30000)],
                                                 "region_code": "320500"}))
        tx.upsert_nodes("Penalty", pd.DataFrame({
            "decision_no": [f"苏交罚〔2024〕{i}号" for i in range(3000)],
            "decision_date": [f"2024-01-{1 + i % 20:02}" for i in range(3000)],
            "agency_region": "320500",
            "subject_region": [f"3205{i % 30:02}" for i in range(3000)]}))
    store.close()
    _index_as_before(path, "subject_region")
    store = EmbeddedStore(path)
    con = store._con()
    names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "nodes_Penalty_subject_region" not in names
    assert "nodes_Penalty_subject_region_decision_date_severity" in names
    con.execute("ANALYZE")
    found: list = []
    reads = selects_sent(con, lambda: found.extend(
        store.find_every("Penalty", {"subject_region": ["320507"]})
        + store.find_nodes("Penalty", {"subject_region": ["320505"],
                                       "decision_date": ["2024-01-06", "2024-01-16"]})))
    assert [n.key for n in found] == (
        sorted(f"苏交罚〔2024〕{i}号" for i in range(7, 3000, 30))
        + sorted(f"苏交罚〔2024〕{i}号" for i in range(5, 3000, 30) if i % 20 in (5, 15))[:100])
    for query in reads:
        plan = " ".join(row[3] for row in con.execute(f"EXPLAIN QUERY PLAN {query}"))
        assert "nodes_Penalty_subject_region_decision_date_severity" in plan, (query, plan)
    store.close()


def test_a_load_past_what_the_log_keeps_reads_and_ends_as_if_every_entry_were_written(
        tmp_path, monkeypatch):
    # New nodes' entries wait to be written (a large file's first ones would be trimmed
    # before its commit): a read inside the transaction, a batch of known nodes between
    # and the commit's trim must all see the positions as if each entry were written.
    monkeypatch.setenv("CREDITKB_CHANGES_KEPT", "4")
    store = EmbeddedStore(str(tmp_path / "s"))
    firms = lambda *keys: pd.DataFrame({"uscc": list(keys), "region_code": "320500"})  # noqa: E731
    with store.transaction() as tx:
        tx.upsert_nodes("Enterprise", firms("A0"))
    info = LoadInfo(load_id="L1", file="L1.csv", kind="enterprises",
                    started_at="2026-11-25T10:00:00+00:00")
    with store.transaction(info) as tx:
        tx.upsert_nodes("Enterprise", firms("B1", "B2", "B3"))  # new
        assert store.last_change() == 4
        assert [(c.pos, c.uid) for c in store.changes_after(0)] == [
            (1, "Enterprise:A0"), (2, "Enterprise:B1"), (3, "Enterprise:B2"), (4, "Enterprise:B3")]
        tx.upsert_nodes("Enterprise", firms("C1", "C2"))  # new
        tx.upsert_nodes("Enterprise", firms("A0", "D1"))  # one known
        tx.upsert_nodes("Enterprise", firms("E1", "E2"))  # new
        assert [(c.pos, c.uid) for c in store.changes_after(6)] == [
            (7, "Enterprise:A0"), (8, "Enterprise:D1"), (9, "Enterprise:E1"), (10, "Enterprise:E2")]
    assert store.last_change() == 10
    assert [c.pos for c in store.changes_after(6)] == [7, 8, 9, 10]
    with pytest.raises(ChangesTrimmed):
        store.changes_after(5)
    con = sqlite3.connect(str(tmp_path / "s" / "graph.sqlite3"))
    assert con.execute("SELECT pos FROM changes ORDER BY pos").fetchall() == [(7,), (8,), (9,), (10,)]
    assert con.execute("SELECT seq FROM sqlite_sequence WHERE name = 'changes'").fetchone() == (10,)
    assert con.execute("SELECT v FROM meta WHERE k = 'changes_trimmed'").fetchone() == ("6",)
    con.close()
    store.close()


def test_the_nids_existing_found_are_not_looked_up_again_by_the_preparation_after_it(
        tmp_path, monkeypatch):
    """A loader asks existing() of a chunk's payments' penalties, then prepares the chunk:
    the penalties' nids found then are used (read at the same generation), not looked up
    again; after a commit in between they are looked up again, and a penalty deleted then
    is refused, not linked."""
    from graph_model.store.embedded import store as embedded

    store = EmbeddedStore(str(tmp_path / "s"))
    with store.transaction() as tx:
        tx.upsert_nodes("Penalty", pd.DataFrame({
            "decision_no": [f"苏交罚〔2024〕{i}号" for i in range(3)],
            "decision_date": "2024-01-02", "agency_region": "320500"}))
    penalties = [f"Penalty:苏交罚〔2024〕{i}号" for i in range(3)]
    nids = dict(store._con().execute(
        "SELECT uid, nid FROM nodes WHERE label = 'Penalty'").fetchall())
    payments = pd.DataFrame({"payment_key": [f"{i}|2024-02-01" for i in range(3)],
                             "decision_no": [f"苏交罚〔2024〕{i}号" for i in range(3)],
                             "paid_on": "2024-02-01", "amount": 200.0, "PAYS": penalties})
    asked = []
    real = embedded.nids_of
    monkeypatch.setattr(embedded, "nids_of", lambda con, uids: asked.append(list(uids)) or real(con, uids))

    assert store.existing(penalties + ["Penalty:none"]) == set(penalties)
    asked.clear()
    batch = store.prepare_nodes("FinePayment", payments)
    gen, known = batch.encoded.known
    assert asked == [] and sorted(known["PAYS"].tolist()) == sorted(nids[u] for u in penalties)

    store.existing(penalties)
    with store.transaction() as tx:  # a commit: what existing found may be gone
        tx.delete_nodes([penalties[2]])
    asked.clear()
    batch = store.prepare_nodes("FinePayment", payments)
    assert asked == [penalties] and sorted(batch.encoded.known[1]["PAYS"].tolist()) == sorted(
        [0, nids[penalties[0]], nids[penalties[1]]])
    from graph_model.store.port import MissingNodeError
    with pytest.raises(MissingNodeError, match="2号"), store.transaction() as tx:
        tx.upsert_nodes("FinePayment", batch)
    assert store.count_nodes("FinePayment") == 0
    store.close()


def test_an_indexed_propertys_text_values_are_read_from_its_index(tmp_path):
    """text_values of an indexed property reads its index, not every node's row (at scale
    1 the objections' names: 5.4 MiB read cold instead of 92.5), and still keeps every
    text and only texts: one that starts as an array's or object's JSON does is kept, an
    array, a number or true is not."""
    path = str(tmp_path / "s")
    store = EmbeddedStore(path)
    records = ["甲1", "[乙]", "{丙}", "丁", "戊", "己", "庚"]
    with store.transaction() as tx:
        tx.upsert_nodes("Objection", pd.DataFrame({
            "objection_no": [f"YY-{i}" for i in range(len(records))], "record": records,
            "subject_uid": "Vehicle:苏E12345", "filed_on": "2025-01-02",
            "agency_region": "320500"}))
    con = sqlite3.connect(f"{path}/graph.sqlite3")
    for no, value in (("YY-4", '["戊"]'), ("YY-5", "7"), ("YY-6", "true")):
        con.execute("UPDATE nodes SET props = json_set(props, '$.record', json(?)) WHERE uid = ?",
                    (value, f"Objection:{no}"))
    con.commit()
    con.close()
    con = store._con()
    found: list = []
    reads = selects_sent(con, lambda: found.append(store.text_values("Objection", "record")))
    assert found == [frozenset({"甲1", "[乙]", "{丙}", "丁"})]
    [query] = [q for q in reads if "json_group_array" in q]
    plan = " ".join(row[3] for row in con.execute(f"EXPLAIN QUERY PLAN {query}"))
    assert "USING INDEX nodes_Objection_record " in plan + " ", plan
    con.execute("DROP INDEX nodes_Objection_record")  # (a store without it: every row read)
    assert store.text_values("Objection", "record") == found[0]
    store.close()
