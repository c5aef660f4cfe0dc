"""The Neo4j adapter.

Tests marked ``neo4j`` talk to a real server and run when NEO4J_URI is set (with
NEO4J_USER / NEO4J_PASSWORD): ``./scripts/test`` starts one (tools/neo4j-server).
They start from an empty database, so point them at a scratch server.  The other
tests need no server: they cover what the adapter does before anything is sent.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from graph_model.settings import Settings
from graph_model.store.neo4j import cypher
from graph_model.store.neo4j.store import (
    CHUNK, Neo4jStore, Neo4jWriter, _endpoint_labels, _prop_maps, _redact,
)
from graph_model.schema import schema
from graph_model.store.port import LoadInfo, MissingNodeError, StoreError

FIRM = "Enterprise:91320505MA1MXXXXXX"


@pytest.fixture
def store(neo4j_store):
    """An emptied Neo4j database with the schema in place (see conftest.py)."""
    return neo4j_store


def firm_rows(*rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["uscc", "name", "region_code", "phone"])


def hub(store, n: int) -> list[str]:
    """One firm owning ``n`` vehicles; returns the vehicle uids in uid order."""
    plates = [f"苏E{i:05d}" for i in range(n)]
    with store.transaction() as tx:
        tx.upsert_nodes("Enterprise", firm_rows((FIRM.partition(":")[2], "甲公司", "320505", None)))
        tx.upsert_nodes("Vehicle", pd.DataFrame({"plate": plates, "region_code": "320500"}))
        tx.upsert_edges("OWNS", pd.DataFrame({"src": FIRM, "dst": [f"Vehicle:{p}" for p in plates]}))
    return [f"Vehicle:{p}" for p in plates]


# -- without a server -------------------------------------------------------------------


def test_an_unreachable_server_is_one_clear_line_without_the_password():
    settings = Settings(neo4j_user="neo4j", neo4j_password="s3cret-pw")
    with pytest.raises(StoreError) as err:
        Neo4jStore("bolt://127.0.0.1:1", settings)  # nothing listens on port 1
    message = str(err.value)
    assert "127.0.0.1:1" in message and "refused" in message and "s3cret-pw" not in message
    assert "\n" not in message


def test_a_malformed_url_is_a_store_error():
    with pytest.raises(StoreError, match="cannot use Neo4j URL bolt://127.0.0.1:7687"):
        Neo4jStore("bolt://127.0.0.1:7687?policy=eu", Settings(neo4j_password="x"))
    with pytest.raises(StoreError, match="127.0.0.1:notaport"):
        Neo4jStore("bolt://127.0.0.1:notaport", Settings(neo4j_password="x"))


def test_credentials_in_a_url_never_reach_the_location():
    assert _redact("neo4j://alice:pw@db.example:7687/x") == "neo4j://db.example:7687/x"
    assert _redact("bolt://localhost:7687") == "bolt://localhost:7687"


def test_property_maps_leave_out_nulls_and_send_plain_python_values():
    frame = pd.DataFrame({
        "name": ["a", None, "c"],
        "fine": [1.5, np.nan, 3.0],
        "count": pd.array([1, None, 3], dtype="Int64"),
        "day": [pd.Timestamp("2024-01-02"), pd.NaT, dt.date(2024, 3, 4)],
        "kinds": [["x", None], None, []],
    })
    rows = _prop_maps(frame)
    assert rows[0] == {"name": "a", "fine": 1.5, "count": 1, "day": "2024-01-02", "kinds": ["x"]}
    assert rows[1] == {}
    assert rows[2] == {"name": "c", "fine": 3.0, "count": 3, "day": "2024-03-04", "kinds": []}
    assert type(rows[0]["count"]) is int and type(rows[2]["fine"]) is float
    assert _prop_maps(pd.DataFrame(index=range(2))) == [{}, {}]


def test_numpy_scalars_become_python_ones():
    rows = _prop_maps(pd.DataFrame({"n": np.array([7], dtype=np.int32),
                                    "o": pd.Series([np.float32(2.5)], dtype=object)}))
    assert rows == [{"n": 7, "o": 2.5}] and type(rows[0]["o"]) is float


def test_endpoints_of_the_wrong_label_name_the_row():
    frame = pd.DataFrame({"src": [FIRM, "Person:p1"], "dst": ["Vehicle:a", "Vehicle:b"]})
    with pytest.raises(ValueError, match=r"OWNS: row 1 has src 'Person:p1'"):
        _endpoint_labels("OWNS", frame)
    with pytest.raises(ValueError, match="'dst' column"):
        _endpoint_labels("OWNS", frame.iloc[:1].drop(columns=["dst"]))


def test_statement_builders_refuse_what_is_not_in_the_schema():
    with pytest.raises(ValueError, match="unknown label 'Company'"):
        cypher.merge_nodes("Company")
    with pytest.raises(ValueError, match="not a traversal relationship"):
        cypher.traversal_types(["OWNS", "ABOUT"])
    with pytest.raises(ValueError, match="unknown relationship type"):
        cypher.traversal_types(["KNOWS"])
    with pytest.raises(ValueError, match="direction"):
        cypher.neighbours("up", True)
    with pytest.raises(ValueError, match="not an indexed property"):
        cypher.find_nodes("Enterprise", "name")
    with pytest.raises(ValueError, match="cannot be used"):
        cypher.ident("x`) DETACH DELETE n //")


def test_only_bookkeeping_properties_get_constraints():
    with pytest.raises(ValueError, match="not a unique bookkeeping property"):
        cypher.bookkeeping_constraint("LoadJournal", "ref")


LOAD = LoadInfo(load_id="L1", file="f.csv", kind="enterprises", started_at="2026-01-01T00:00:00+00:00")


def test_a_load_writer_adds_sources_and_refuses_what_it_could_not_undo():
    writer = Neo4jWriter(None, LOAD)  # a store is needed only to check endpoints
    frame = pd.DataFrame({"uscc": ["X1", "X2", "X3"], "_row": [2, None, 4]})
    assert writer._sources(frame) == ["L1#2", None, "L1#4"]
    assert Neo4jWriter(None)._sources(frame) == [None] * 3
    with pytest.raises(StoreError, match="delete_nodes inside a load"):
        writer.delete_nodes([FIRM])
    with pytest.raises(StoreError, match="delete_all inside a load"):
        writer.delete_all()
    with pytest.raises(StoreError, match="not load 'L2'"):
        writer.finish_load(LoadInfo(**{**LOAD.__dict__, "load_id": "L2"}))


class RecordingResult(list):
    def single(self):
        return self[0] if self else None

    def consume(self):
        pass


class RecordingTx:
    """Stands in for a managed transaction: records what is sent, answers from ``replies``."""

    def __init__(self, replies):
        self.replies, self.sent = replies, []
        self.names = {s.text: s.name for s in cypher.all_statements()}

    def run(self, text, params):
        name = self.names[text]
        self.sent.append((name, params))
        return RecordingResult(self.replies.get(name, []))


def test_a_load_is_recorded_first_and_journals_before_each_write():
    writer = Neo4jWriter(None, LOAD)
    writer.upsert_nodes("Enterprise", pd.DataFrame({"uscc": ["X1", "X2", "X1"], "name": ["甲", "乙", "甲"],
                                                    "_row": [2, 3, 4]}))
    writer.finish_load(LoadInfo(**{**LOAD.__dict__, "rows_read": 3}))
    tx = RecordingTx({
        "next_load_seq": [{"seq": 7}],
        "journal_nodes": [{"uid": "Enterprise:X1", "old": {"uid": "Enterprise:X1", "name": "旧"}},
                          {"uid": "Enterprise:X2", "old": None}],
    })
    for op in writer.ops:
        op(tx)
    assert [name for name, _ in tx.sent] == [
        "next_load_seq", "load_status", "record_load", "journal_nodes", "journal_add",
        "merge_nodes:Enterprise", "log_changes"]  # the change log, in the same transaction
    params = dict(tx.sent)
    assert [r["uid"] for r in params["log_changes"]["rows"]] == ["Enterprise:X1", "Enterprise:X2"]
    assert params["log_changes"]["load_id"] == "L1" and params["log_changes"]["op"] == "write"
    assert json.loads(params["record_load"]["info"])["rows_read"] == 3
    assert params["record_load"]["seq"] == params["journal_add"]["seq"] == 7
    assert params["journal_nodes"]["uids"] == ["Enterprise:X1", "Enterprise:X2"]
    old = [(e["ref"], e["old"] and json.loads(e["old"])) for e in params["journal_add"]["entries"]]
    assert old == [("Enterprise:X1", {"uid": "Enterprise:X1", "name": "旧"}), ("Enterprise:X2", None)]
    rows = params["merge_nodes:Enterprise"]["rows"]
    assert [r["source"] for r in rows] == ["L1#2", "L1#3", "L1#4"]
    assert all("_row" not in r["props"] for r in rows)


# -- with a server ----------------------------------------------------------------------


def _schema_objects(store) -> set[tuple]:
    """(kind, name, labels, properties) of the server's constraints and indexes."""
    found = set()
    with store._session("READ") as session:
        for command, kind in (("SHOW CONSTRAINTS YIELD name, type, labelsOrTypes, properties", "type"),
                              ("SHOW INDEXES YIELD name, type, labelsOrTypes, properties, state "
                               "WHERE state = 'ONLINE'", "type")):
            found |= session.execute_read(lambda tx, c=command: {
                (r[kind], r["name"], tuple(r["labelsOrTypes"] or ()), tuple(r["properties"] or ()))
                for r in tx.run(c)})
    return found


def _expected_schema_objects() -> set[tuple]:
    """What the schema asks for: a unique uid per label and across all creditkb nodes, a
    range index per ``index: true`` property, and the bookkeeping's own."""
    out = {("UNIQUENESS", f"creditkb_{cypher.NODE_LABEL}_uid", (cypher.NODE_LABEL,), ("uid",))}
    for label in schema().labels.values():
        out.add(("UNIQUENESS", f"creditkb_{label.name}_uid", (label.name,), ("uid",)))
        out |= {("RANGE", f"creditkb_{label.name}_{p}", (label.name,), (p,)) for p in label.indexed()}
    out |= {("UNIQUENESS", f"creditkb_{lab}_{p}", (lab,), (p,)) for lab, p in cypher.BOOKKEEPING_UNIQUE}
    out |= {("RANGE", f"creditkb_{lab}_{p}", (lab,), (p,)) for lab, p in cypher.BOOKKEEPING_INDEXED}
    return out


@pytest.mark.neo4j
def test_ensure_schema_is_idempotent_and_derived_from_the_schema(store):
    store.ensure_schema()
    store.ensure_schema()
    assert _expected_schema_objects() <= _schema_objects(store)
    assert any(label.indexed() for label in schema().labels.values())


@pytest.mark.neo4j
def test_a_retired_index_is_dropped_from_a_database_made_with_it(store):
    versioned = ["Penalty", "Evaluation", "ListEntry", "Commitment", "PointEntry"]
    retired = {f"creditkb_{label}_supersedes" for label in versioned}
    with store._session("WRITE") as session:
        for label in versioned:
            session.run(f"CREATE INDEX `creditkb_{label}_supersedes` IF NOT EXISTS "
                        f"FOR (n:{label}) ON (n.supersedes)").consume()
        session.run("CALL db.awaitIndexes(60)").consume()  # (only online ones are listed)
    assert retired <= {o[1] for o in _schema_objects(store)}
    store.ensure_schema()
    assert not retired & {o[1] for o in _schema_objects(store)}
    assert _expected_schema_objects() <= _schema_objects(store)


@pytest.mark.neo4j
def test_the_first_write_creates_the_schema_on_a_bare_database(store, settings):
    # A database nobody has set up yet (dropping a constraint drops its index too).
    for what, show in (("CONSTRAINT", "SHOW CONSTRAINTS"), ("INDEX", "SHOW INDEXES")):
        with store._session("WRITE") as session:
            for name in [r["name"] for r in session.run(f"{show} YIELD name")]:
                if name.startswith("creditkb_"):
                    session.run(f"DROP {what} `{name}`").consume()
    assert not {o for o in _schema_objects(store) if o[1].startswith("creditkb_")}
    fresh = Neo4jStore(os.environ["NEO4J_URI"], settings)
    try:
        with fresh.transaction() as tx:
            tx.upsert_nodes("Person", pd.DataFrame({"id_hash": ["p1"]}))
        assert _expected_schema_objects() <= _schema_objects(store)
    finally:
        fresh.close()


@pytest.mark.neo4j
def test_the_server_plans_every_statement_the_adapter_can_send(store):
    """The offline check (test_cypher_lint.py) reads them with Neo4j's parser; the server's
    own planner takes each of them too (EXPLAIN: planned, not run)."""
    statements = cypher.all_statements()
    refused = {}
    with store._session("WRITE") as session:
        for s in statements:
            try:
                session.run(f"EXPLAIN {s.text}", {p: None for p in s.params}).consume()
            except Exception as exc:  # noqa: BLE001 (each refusal is listed)
                refused[s.name] = str(exc)
    assert len(statements) > 100 and refused == {}


@pytest.mark.neo4j
def test_upsert_creates_then_merges_without_erasing(store):
    with store.transaction() as tx:
        tx.upsert_nodes("Enterprise", firm_rows(("X1", "甲", "320505", "0512-1")))
    with store.transaction() as tx:
        tx.upsert_nodes("Enterprise", pd.DataFrame({
            "uscc": ["X1"], "phone": [np.nan], "address": ["苏州"], "established": [pd.Timestamp("2001-02-03")]}))
    node = store.get_nodes(["Enterprise:X1", "Enterprise:none"])
    assert list(node) == ["Enterprise:X1"]
    assert node["Enterprise:X1"].label == "Enterprise"
    assert dict(node["Enterprise:X1"].props) == {
        "uscc": "X1", "name": "甲", "region_code": "320505", "phone": "0512-1",
        "address": "苏州", "established": "2001-02-03"}
    assert store.count_nodes("Enterprise") == store.count_nodes() == 1


@pytest.mark.neo4j
def test_batches_larger_than_one_chunk_are_all_written(store):
    vehicles = hub(store, CHUNK + 7)
    assert store.count_nodes("Vehicle") == len(vehicles)
    assert store.count_edges("OWNS") == store.count_edges() == len(vehicles)


@pytest.mark.neo4j
def test_missing_endpoint_rolls_back_the_whole_transaction(store):
    with pytest.raises(MissingNodeError, match="Vehicle:nope"):
        with store.transaction() as tx:
            tx.upsert_nodes("Enterprise", firm_rows(("X2", "乙", "320200", None)))
            tx.upsert_edges("OWNS", pd.DataFrame({"src": ["Enterprise:X2"], "dst": ["Vehicle:nope"]}))
    assert store.count_nodes() == 0


@pytest.mark.neo4j
def test_an_endpoint_deleted_before_commit_rolls_back_at_commit(store):
    hub(store, 1)
    with pytest.raises(MissingNodeError, match="Vehicle:苏E00000"):
        with store.transaction() as tx:
            tx.upsert_nodes("Person", pd.DataFrame({"id_hash": ["p9"]}))
            # The endpoint exists when the edge is named ...
            tx.upsert_edges("OWNS", pd.DataFrame({"src": [FIRM], "dst": ["Vehicle:苏E00000"]}))
            # ... and another transaction deletes it before this one commits.
            with store.transaction() as other:
                other.delete_nodes(["Vehicle:苏E00000"])
    assert store.get_nodes(["Person:p9"]) == {}


@pytest.mark.neo4j
def test_an_error_inside_the_block_writes_nothing(store):
    with pytest.raises(RuntimeError):
        with store.transaction() as tx:
            tx.upsert_nodes("Person", pd.DataFrame({"id_hash": ["p1"]}))
            raise RuntimeError("abandon")
    assert store.count_nodes() == 0


@pytest.mark.neo4j
def test_delete_counts_what_exists_including_this_transactions_writes(store):
    hub(store, 2)
    with store.transaction() as tx:
        tx.upsert_nodes("Person", pd.DataFrame({"id_hash": ["p1"]}))
        assert tx.delete_nodes([FIRM, "Person:p1", "Person:nobody", FIRM]) == 2
        assert tx.delete_nodes([FIRM]) == 0
    assert store.count_edges() == 0 and store.count_nodes() == 2


@pytest.mark.neo4j
def test_neighbours_are_capped_in_far_end_order_with_full_degrees(store):
    vehicles = hub(store, 30)
    hood = store.neighbours([FIRM], rel_types=["OWNS"], direction="out", limit=5)
    assert [e.dst for e in hood.edges] == vehicles[:5]
    assert hood.degrees == {(FIRM, "OWNS"): 30}
    assert store.neighbours([FIRM], direction="in", limit=5).edges == []
    hood = store.neighbours([FIRM, vehicles[0]], limit=0)
    assert hood.edges == [] and hood.degrees == {(FIRM, "OWNS"): 30, (vehicles[0], "OWNS"): 1}
    # An edge between two asked nodes is reported once.
    hood = store.neighbours([FIRM, vehicles[0]], rel_types=["OWNS"], limit=1)
    assert [(e.src, e.dst) for e in hood.edges] == [(FIRM, vehicles[0])]
    uncut = store.neighbours([FIRM])
    assert len(uncut.edges) == 30 and uncut.degrees == {}


@pytest.mark.neo4j
def test_records_about_subjects_by_label(store):
    hub(store, 1)
    with store.transaction() as tx:
        tx.upsert_nodes("Penalty", pd.DataFrame({
            "decision_no": ["罚2", "罚1"], "violation": ["超速", "超载"],
            "decision_date": ["2024-02-03", "2024-01-02"], "agency_region": "320500"}))
        tx.upsert_nodes("Evaluation", pd.DataFrame({
            "evaluation_key": ["e1"], "scheme": ["道路运输企业"], "grade": ["AAA"],
            "agency_region": "320500", "valid_from": "2024-01-01"}))
        tx.upsert_edges("ABOUT", pd.DataFrame({
            "src": ["Penalty:罚2", "Penalty:罚1", "Evaluation:e1"], "dst": FIRM}))
    about = store.records_about([FIRM, "Vehicle:苏E00000"])
    assert list(about) == [FIRM]
    assert [(n.label, n.key) for n in about[FIRM]] == [
        ("Evaluation", "e1"), ("Penalty", "罚1"), ("Penalty", "罚2")]
    only = store.records_about([FIRM], labels=["Penalty"])
    assert [n.props["violation"] for n in only[FIRM]] == ["超载", "超速"]
    assert "uid" not in only[FIRM][0].props
    with pytest.raises(ValueError, match="unknown label"):
        store.records_about([FIRM], labels=["Fine"])


@pytest.mark.neo4j
def test_find_nodes_filters_and_paginates_by_uid(store):
    vehicles = hub(store, 25)
    with store.transaction() as tx:
        tx.upsert_nodes("Vehicle", pd.DataFrame({"plate": ["苏E00003"], "vehicle_type": ["客车"]}))
    pages, after = [], None
    while True:
        page = store.find_nodes("Vehicle", {"region_code": "320500"}, after=after, limit=10)
        if not page:
            break
        pages.append(page)
        after = page[-1].uid
    assert [len(p) for p in pages] == [10, 10, 5]
    assert [n.uid for p in pages for n in p] == vehicles
    # the key (an exact uid), a non-indexed property, and both with an indexed one
    assert [n.uid for n in store.find_nodes("Vehicle", {"plate": "苏E00003"})] == ["Vehicle:苏E00003"]
    assert [n.uid for n in store.find_nodes("Vehicle", {"vehicle_type": "客车"})] == ["Vehicle:苏E00003"]
    assert [n.uid for n in store.find_nodes(
        "Vehicle", {"vehicle_type": "客车", "region_code": "320500"})] == ["Vehicle:苏E00003"]
    assert store.find_nodes("Vehicle", {"vehicle_type": None}) == []
    with pytest.raises(ValueError, match="no property"):
        store.find_nodes("Vehicle", {"uid": "Vehicle:苏E00003"})


@pytest.mark.neo4j
def test_bookkeeping_stays_out_of_the_graph_and_delete_all_forgets_it(store):
    with store.transaction(LOAD) as tx:
        tx.upsert_nodes("Person", pd.DataFrame({"id_hash": ["p1"], "_row": [2]}))
    assert store.count_nodes() == 1 and store.count_edges() == 0
    assert [x.load_id for x in store.loads()] == ["L1"]
    with store.transaction() as tx:
        tx.delete_all()
    assert store.loads() == [] and store.count_nodes() == 0
