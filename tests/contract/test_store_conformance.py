"""One conformance suite for every store adapter (the ``store`` fixture runs it against the
embedded store, and against Neo4j whenever NEO4J_URI is set)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from graph_model.schema import schema
from graph_model.store.port import Between, MissingNodeError, NoneOf

FIRM_A = "91320505MA1MXXXXXX"  # keys need not be valid identifiers at the store level
FIRM_B = "91320200MA1MYYYYYY"


def firms(*rows):
    return pd.DataFrame(rows, columns=["uscc", "name", "region_code", "phone"])


def seed(store, n_vehicles=0):
    with store.transaction() as tx:
        tx.upsert_nodes("Enterprise", firms((FIRM_A, "甲公司", "320505", "0512-1"),
                                            (FIRM_B, "乙公司", "320200", None)))
        tx.upsert_nodes("Person", pd.DataFrame({"id_hash": ["p1"], "name": ["张三"]}))
        tx.upsert_edges("LEGAL_REPRESENTATIVE_OF", pd.DataFrame({
            "src": ["Person:p1", "Person:p1"],
            "dst": [f"Enterprise:{FIRM_A}", f"Enterprise:{FIRM_B}"],
            "valid_from": ["2020-01-01", None]}))
        if n_vehicles:
            plates = [f"苏E{i:05d}" for i in range(n_vehicles)]
            tx.upsert_nodes("Vehicle", pd.DataFrame({"plate": plates, "region_code": "320500"}))
            tx.upsert_edges("OWNS", pd.DataFrame({
                "src": f"Enterprise:{FIRM_B}", "dst": [f"Vehicle:{p}" for p in plates]}))


def test_upsert_creates_then_merges_without_erasing(store):
    seed(store)
    a = store.get_nodes([f"Enterprise:{FIRM_A}"])[f"Enterprise:{FIRM_A}"]
    assert a.label == "Enterprise" and a.props["name"] == "甲公司" and a.props["phone"] == "0512-1"
    # A second source names the firm again without a phone, and with a new address.
    with store.transaction() as tx:
        tx.upsert_nodes("Enterprise", pd.DataFrame({"uscc": [FIRM_A], "name": ["甲公司"],
                                                    "phone": [None], "address": ["苏州"]}))
    a = store.get_nodes([f"Enterprise:{FIRM_A}"])[f"Enterprise:{FIRM_A}"]
    assert a.props["phone"] == "0512-1" and a.props["address"] == "苏州"
    assert store.count_nodes("Enterprise") == 2
    assert "phone" not in store.get_nodes([f"Enterprise:{FIRM_B}"])[f"Enterprise:{FIRM_B}"].props


def test_reloading_the_same_rows_changes_nothing(store):
    seed(store)
    before = (store.count_nodes(), store.count_edges())
    seed(store)
    assert (store.count_nodes(), store.count_edges()) == before == (3, 2)


def test_edge_to_missing_node_rolls_back_the_whole_transaction(store):
    seed(store)
    with pytest.raises(MissingNodeError) as err:
        with store.transaction() as tx:
            tx.upsert_nodes("Vehicle", pd.DataFrame({"plate": ["苏E99999"], "region_code": "320500"}))
            tx.upsert_edges("OWNS", pd.DataFrame({"src": ["Enterprise:91000000NOPE00000X"],
                                                  "dst": ["Vehicle:苏E99999"]}))
    assert "Enterprise:91000000NOPE00000X" in str(err.value)
    assert store.get_nodes(["Vehicle:苏E99999"]) == {}
    assert store.count_edges("OWNS") == 0


def test_edge_between_wrong_labels_is_refused(store):
    seed(store)
    with pytest.raises(ValueError, match="OWNS"):
        with store.transaction() as tx:
            tx.upsert_edges("OWNS", pd.DataFrame({"src": ["Person:p1"],
                                                  "dst": [f"Enterprise:{FIRM_A}"]}))


def test_neighbours_follow_direction_and_types(store):
    seed(store, n_vehicles=3)
    hood = store.neighbours(["Person:p1"], direction="out")
    assert sorted(e.dst for e in hood.edges) == sorted([f"Enterprise:{FIRM_A}", f"Enterprise:{FIRM_B}"])
    assert all(e.src == "Person:p1" and e.type == "LEGAL_REPRESENTATIVE_OF" for e in hood.edges)
    assert store.neighbours(["Person:p1"], direction="in").edges == []
    hood = store.neighbours([f"Enterprise:{FIRM_B}"], rel_types=["OWNS"])
    assert {e.dst for e in hood.edges} == {"Vehicle:苏E00000", "Vehicle:苏E00001", "Vehicle:苏E00002"}
    hood = store.neighbours([f"Enterprise:{FIRM_B}"], rel_types=["LEGAL_REPRESENTATIVE_OF"])
    [edge] = hood.edges
    assert (edge.src, edge.dst) == ("Person:p1", f"Enterprise:{FIRM_B}")


def test_commits_inside_a_deferred_topology_block_are_traversed_at_once(store):
    """``topology_deferred`` may delay only a cache: every traversal, inside the block and
    after it, sees every commit."""
    with store.topology_deferred():
        seed(store, n_vehicles=2)
        with store.transaction() as tx:
            tx.upsert_nodes("Vehicle", pd.DataFrame({"plate": ["苏E00009"]}))
            tx.upsert_edges("OWNS", pd.DataFrame({"src": [f"Enterprise:{FIRM_A}"],
                                                  "dst": ["Vehicle:苏E00009"]}))
        assert {e.dst for e in store.neighbours([f"Enterprise:{FIRM_A}"],
                                                rel_types=["OWNS"]).edges} == {"Vehicle:苏E00009"}
        with store.transaction() as tx:
            tx.upsert_edges("OWNS", pd.DataFrame({"src": [f"Enterprise:{FIRM_A}"],
                                                  "dst": ["Vehicle:苏E00000"]}))
    hood = store.neighbours(["Vehicle:苏E00000"], rel_types=["OWNS"], direction="in")
    assert {e.src for e in hood.edges} == {f"Enterprise:{FIRM_A}", f"Enterprise:{FIRM_B}"}


def test_neighbours_come_in_one_order_on_every_store(store):
    """By asked node, then type (as asked, else schema order), then far-end uid; an edge
    between two asked nodes once: queries explain the first path they find."""
    seed(store, n_vehicles=3)
    b, a = f"Enterprise:{FIRM_B}", f"Enterprise:{FIRM_A}"
    vehicles = [("OWNS", b, f"Vehicle:苏E{i:05d}") for i in range(3)]
    edges = lambda hood: [(e.type, e.src, e.dst) for e in hood.edges]  # noqa: E731
    assert edges(store.neighbours([b, "Person:p1"])) == [
        ("LEGAL_REPRESENTATIVE_OF", "Person:p1", b), *vehicles,
        ("LEGAL_REPRESENTATIVE_OF", "Person:p1", a)]
    assert edges(store.neighbours(["Person:p1", b], rel_types=["OWNS", "LEGAL_REPRESENTATIVE_OF"])) == [
        ("LEGAL_REPRESENTATIVE_OF", "Person:p1", b), ("LEGAL_REPRESENTATIVE_OF", "Person:p1", a),
        *vehicles]  # FIRM_B's code sorts first


def test_neighbours_carry_edge_properties(store):
    seed(store)
    hood = store.neighbours([f"Enterprise:{FIRM_A}"], rel_types=["LEGAL_REPRESENTATIVE_OF"])
    assert [dict(e.props) for e in hood.edges] == [{"valid_from": "2020-01-01"}]


def test_hub_expansion_is_capped_in_uid_order_with_the_full_degree(store):
    seed(store, n_vehicles=50)
    hood = store.neighbours([f"Enterprise:{FIRM_B}"], rel_types=["OWNS"], limit=10)
    assert [e.dst for e in hood.edges] == [f"Vehicle:苏E{i:05d}" for i in range(10)]
    assert hood.degrees == {(f"Enterprise:{FIRM_B}", "OWNS"): 50}
    uncut = store.neighbours([f"Enterprise:{FIRM_B}"], limit=100)
    assert len(uncut.edges) == 51 and uncut.degrees == {}


def test_records_stay_out_of_the_traversal_graph_but_are_found_by_subject(store):
    seed(store)
    with store.transaction() as tx:
        tx.upsert_nodes("Penalty", pd.DataFrame({
            "decision_no": ["苏交罚〔2024〕1号", "苏交罚〔2024〕2号"], "violation": ["超载", "超速"],
            "decision_date": ["2024-01-02", "2024-02-03"], "agency_region": "320500"}))
        tx.upsert_edges("ABOUT", pd.DataFrame({
            "src": ["Penalty:苏交罚〔2024〕1号", "Penalty:苏交罚〔2024〕2号"],
            "dst": f"Enterprise:{FIRM_A}"}))
    about = store.records_about([f"Enterprise:{FIRM_A}", f"Enterprise:{FIRM_B}"])
    assert [n.props["violation"] for n in about[f"Enterprise:{FIRM_A}"]] == ["超载", "超速"]
    assert f"Enterprise:{FIRM_B}" not in about
    assert store.records_about([f"Enterprise:{FIRM_A}"], labels=["Evaluation"]) == {}
    with pytest.raises(ValueError):
        store.neighbours([f"Enterprise:{FIRM_A}"], rel_types=["ABOUT"])
    assert all(e.type != "ABOUT" for e in store.neighbours([f"Enterprise:{FIRM_A}"]).edges)


def test_each_subjects_records_come_in_uid_order_whatever_the_order_written(store):
    """The scoring engine and the rules read a subject's records in one stated order: by
    uid, Chinese and Latin keys alike, across labels and subjects asked together."""
    seed(store)
    keys = ["苏交罚〔2024〕9号", "Z-1", "苏交罚〔2024〕10号", "A-2", "锡交罚〔2023〕1号", "苏交罚〔2023〕5号"]
    with store.transaction() as tx:
        tx.upsert_nodes("Penalty", pd.DataFrame({
            "decision_no": keys, "violation": "超载", "decision_date": "2024-01-02",
            "agency_region": "320500"}))
        tx.upsert_nodes("Commitment", pd.DataFrame({
            "commitment_key": ["C-9", "C-1"], "subject_uid": f"Enterprise:{FIRM_B}",
            "kind": "信用承诺", "made_on": "2024-01-01", "agency_region": "320500"}))
        tx.upsert_edges("ABOUT", pd.DataFrame({
            "src": [f"Penalty:{k}" for k in keys] + ["Commitment:C-9", "Commitment:C-1"],
            "dst": [f"Enterprise:{FIRM_A}"] * 4 + [f"Enterprise:{FIRM_B}"] * 4}))
    about = store.records_about([f"Enterprise:{FIRM_B}", f"Enterprise:{FIRM_A}"])
    assert {s: [n.uid for n in nodes] for s, nodes in about.items()} == {
        f"Enterprise:{FIRM_A}": sorted(f"Penalty:{k}" for k in keys[:4]),
        f"Enterprise:{FIRM_B}": sorted([f"Penalty:{k}" for k in keys[4:]]
                                       + ["Commitment:C-9", "Commitment:C-1"]),
    }
    assert [n.uid for n in about[f"Enterprise:{FIRM_A}"]][:2] == ["Penalty:A-2", "Penalty:Z-1"]


def test_find_nodes_filters_and_paginates_by_uid(store):
    seed(store, n_vehicles=25)
    page1 = store.find_nodes("Vehicle", {"region_code": "320500"}, limit=10)
    page2 = store.find_nodes("Vehicle", {"region_code": "320500"}, after=page1[-1].uid, limit=10)
    page3 = store.find_nodes("Vehicle", {"region_code": "320500"}, after=page2[-1].uid, limit=10)
    uids = [n.uid for n in page1 + page2 + page3]
    assert uids == sorted(uids) and len(set(uids)) == 25
    assert store.find_nodes("Enterprise", {"region_code": "320200"})[0].props["name"] == "乙公司"
    both = store.find_nodes("Enterprise", {"region_code": ["320200", "320505"], "name": ("甲公司",)})
    assert [n.props["name"] for n in both] == ["甲公司"]
    assert store.find_nodes("Enterprise", {"region_code": []}) == []
    assert [n.uid for n in store.find_nodes("Enterprise", {"uscc": [FIRM_B]})] == [f"Enterprise:{FIRM_B}"]
    plates = [n.key for n in page1 + page2 + page3]
    by_key = store.find_nodes("Vehicle", {"plate": plates[::-1] + ["苏E99999"], "region_code": "320500"},
                              after=uids[3], limit=5)
    assert [n.uid for n in by_key] == uids[4:9]
    assert store.find_nodes("Vehicle", {"plate": plates, "region_code": "320200"}) == []
    with pytest.raises(ValueError):
        store.find_nodes("Enterprise", {"no_such_property": 1})



def test_find_nodes_takes_ranges_and_missing_or_none_of(store):
    # the filters of repair reminders and commitments due: a span of decision days of one
    # home region and severity (a compound index's order), a status missing or not kept
    rows = [("P-1", "320505", "2025-01-31", "一般", 100), ("P-2", "320505", "2025-02-01", "严重", 200),
            ("P-3", "320505", "2025-03-01", None, 300), ("P-4", "320505", "2025-03-02", "一般", 400),
            ("P-5", "320200", "2025-02-10", "一般", 500), ("P-6", "320505", "2025-02-15", "一般", None)]
    frame = pd.DataFrame(rows, columns=["decision_no", "subject_region", "decision_date", "severity", "fine"])
    with store.transaction() as tx:
        tx.upsert_nodes("Penalty", frame.assign(violation="超速", agency_region="320200",
                                                subject_uid="Enterprise:x"))
        tx.upsert_nodes("Commitment", pd.DataFrame({
            "commitment_key": ["C-1", "C-2", "C-3", "C-4"], "kind": "告知承诺", "made_on": "2025-01-01",
            "subject_uid": "Enterprise:x", "agency_region": "320500",
            "status": ["已履约", "违诺", None, "履约中"]}))

    def keys(label, where, **kw):
        return [n.key for n in store.find_nodes(label, where, **kw)]

    span = Between("2025-02-01", "2025-03-01")
    assert keys("Penalty", {"subject_region": ["320505"], "decision_date": span}) == ["P-2", "P-3", "P-6"]
    assert keys("Penalty", {"subject_region": "320505", "decision_date": span, "severity": "一般"}) == ["P-6"]
    assert keys("Penalty", {"decision_date": Between(dt.date(2025, 2, 1), dt.date(2025, 2, 28))}) == [
        "P-2", "P-5", "P-6"]
    assert keys("Penalty", {"decision_date": span}, after="Penalty:P-2", limit=1) == ["P-3"]
    assert keys("Penalty", {"decision_date": Between("2025-03-02", "2025-03-01")}) == []
    # numbers compare as numbers; a value of another type, or none, never matches
    assert keys("Penalty", {"fine": Between(150, 400)}) == ["P-2", "P-3", "P-4"]
    assert keys("Penalty", {"fine": Between("1", "9")}) == []
    assert keys("Penalty", {"decision_no": Between("P-2", "P-3")}) == ["P-2", "P-3"]
    # missing or none of: a missing value matches, an empty list excludes nothing
    assert keys("Penalty", {"severity": NoneOf(["一般"])}) == ["P-2", "P-3"]
    assert keys("Commitment", {"agency_region": ["320500"], "status": NoneOf(("已履约",))}) == [
        "C-2", "C-3", "C-4"]
    assert keys("Commitment", {"status": NoneOf(["已履约", "违诺", "履约中"])}) == ["C-3"]
    assert keys("Commitment", {"status": NoneOf([])}) == ["C-1", "C-2", "C-3", "C-4"]
    # every match at once, in uid order, as the pages of find_nodes give them
    assert [n.key for n in store.find_every("Penalty", {"subject_region": ["320505", "320200"],
                                                         "decision_date": span})] == ["P-2", "P-3", "P-5", "P-6"]
    assert [n.key for n in store.find_every("Penalty", {"decision_no": ["P-4", "P-1", "P-9"]})] == ["P-1", "P-4"]
    assert store.find_every("Penalty") == [n for n in store.iter_nodes("Penalty", page=2)]
    assert store.find_every("Penalty", {"severity": []}) == []
    with pytest.raises(ValueError):
        Between("2025-01-01", 5)
    with pytest.raises(ValueError):
        Between(None, "2025-01-01")


def test_iter_nodes_reads_a_whole_label_page_by_page_in_uid_order(store):
    seed(store, n_vehicles=7)
    plates = [f"Vehicle:苏E{i:05d}" for i in range(7)]
    assert [n.uid for n in store.iter_nodes("Vehicle", page=3)] == plates
    assert [n.uid for n in store.iter_nodes("Vehicle", page=7)] == plates
    assert [n.uid for n in store.iter_nodes("Vehicle", after=plates[4], page=2)] == plates[5:]
    assert [n.key for n in store.iter_nodes("Enterprise", {"region_code": "320200"})] == [FIRM_B]


def test_delete_nodes_removes_their_edges(store):
    seed(store, n_vehicles=2)
    with store.transaction() as tx:
        assert tx.delete_nodes([f"Enterprise:{FIRM_B}", "Enterprise:nobody"]) == 1
    assert store.count_edges("OWNS") == 0
    assert store.count_edges("LEGAL_REPRESENTATIVE_OF") == 1
    assert store.neighbours(["Vehicle:苏E00000"]).edges == []


def test_unknown_label_or_type_is_a_clear_error(store):
    with pytest.raises(ValueError, match="unknown label 'Company'"):
        with store.transaction() as tx:
            tx.upsert_nodes("Company", pd.DataFrame({"x": [1]}))
    with pytest.raises(ValueError, match="unknown relationship type 'KNOWS'"):
        store.neighbours(["Person:p1"], rel_types=["KNOWS"])


# -- provenance and undo ---------------------------------------------------------------

from graph_model.store.port import LoadInfo, StoreError, UndoRefused, UndoResult  # noqa: E402


def load_info(load_id, file="f.csv", kind="enterprises"):
    return LoadInfo(load_id=load_id, file=file, kind=kind, started_at="2026-11-25T10:00:00+00:00",
                    agency="苏州市交通运输局", rows_read=2, rows_loaded=2)


def test_loads_record_sources_on_nodes_and_edges(store):
    with store.transaction(load_info("L1")) as tx:
        tx.upsert_nodes("Enterprise", firms((FIRM_A, "甲公司", "320505", "1"), (FIRM_B, "乙公司", "320200", None))
                        .assign(_row=[2, 3]))
    with store.transaction(load_info("L2", "g.csv")) as tx:
        tx.upsert_nodes("Enterprise", pd.DataFrame({"uscc": [FIRM_A], "name": ["甲公司"], "_row": [7]}))
        tx.upsert_nodes("Person", pd.DataFrame({"id_hash": ["p1"], "_row": [7]}))
        tx.upsert_edges("LEGAL_REPRESENTATIVE_OF", pd.DataFrame({
            "src": ["Person:p1"], "dst": [f"Enterprise:{FIRM_A}"], "_row": [7]}))
    a = store.get_nodes([f"Enterprise:{FIRM_A}"])[f"Enterprise:{FIRM_A}"]
    assert a.props["_sources"] == ["L1#2", "L2#7"] and "_row" not in a.props  # in load order
    [edge] = store.neighbours(["Person:p1"]).edges
    assert edge.props["_sources"] == ["L2#7"]
    assert [(x.load_id, x.file, x.agency, x.status) for x in store.loads()] == [
        ("L1", "f.csv", "苏州市交通运输局", "committed"), ("L2", "g.csv", "苏州市交通运输局", "committed")]
    with pytest.raises(StoreError, match="already"):
        with store.transaction(load_info("L1")) as tx:
            pass


def test_sources_are_kept_in_the_order_they_were_written(store):
    for load_id, row in (("L9", 5), ("L1", 3), ("L5", 2)):
        with store.transaction(load_info(load_id)) as tx:
            tx.upsert_nodes("Person", pd.DataFrame({"id_hash": ["p1", "p1"], "_row": [row, 7]}))
    with store.transaction(load_info("L7")) as tx:  # an entry already there is not repeated
        tx.upsert_nodes("Person", pd.DataFrame({"id_hash": ["p1", "p1"], "_row": [7, 7]}))
    with store.transaction() as tx:  # a write outside any load adds none
        tx.upsert_nodes("Person", pd.DataFrame({"id_hash": ["p1"], "name": ["张三"]}))
    [p] = store.get_nodes(["Person:p1"]).values()
    assert p.props["_sources"] == ["L9#5", "L9#7", "L1#3", "L1#7", "L5#2", "L5#7", "L7#7"]


def test_undo_takes_a_load_back_completely(store):
    with store.transaction(load_info("L1")) as tx:
        tx.upsert_nodes("Enterprise", firms((FIRM_A, "甲公司", "320505", "1")).assign(_row=2))
    with store.transaction(load_info("L2")) as tx:
        tx.upsert_nodes("Enterprise", pd.DataFrame({"uscc": [FIRM_A], "name": ["甲公司（更名）"],
                                                    "phone": ["2"], "_row": [2]}))
        tx.upsert_nodes("Vehicle", pd.DataFrame({"plate": ["苏E00001"], "region_code": ["320505"],
                                                 "_row": [3]}))
        tx.upsert_edges("OWNS", pd.DataFrame({"src": [f"Enterprise:{FIRM_A}"],
                                              "dst": ["Vehicle:苏E00001"], "_row": [3]}))
    result = store.undo_load("L2")
    assert (result.nodes_deleted, result.nodes_restored, result.edges_deleted) == (1, 1, 1)
    a = store.get_nodes([f"Enterprise:{FIRM_A}"])[f"Enterprise:{FIRM_A}"]
    assert a.props["name"] == "甲公司" and a.props["phone"] == "1" and a.props["_sources"] == ["L1#2"]
    assert store.get_nodes(["Vehicle:苏E00001"]) == {} and store.count_edges() == 0
    assert [x.status for x in store.loads()] == ["committed", "undone"]
    with pytest.raises(StoreError, match="already undone"):
        store.undo_load("L2")
    with store.transaction(load_info("L2")) as tx:  # an undone load may be loaded again
        tx.upsert_nodes("Vehicle", pd.DataFrame({"plate": ["苏E00001"], "region_code": ["320505"]}))
    assert store.count_nodes("Vehicle") == 1


def test_undo_is_refused_while_a_later_load_builds_on_it(store):
    with store.transaction(load_info("L1")) as tx:
        tx.upsert_nodes("Enterprise", firms((FIRM_A, "甲公司", "320505", "1")))
    with store.transaction(load_info("L2")) as tx:
        tx.upsert_nodes("Vehicle", pd.DataFrame({"plate": ["苏E00001"], "region_code": ["320505"]}))
        tx.upsert_edges("OWNS", pd.DataFrame({"src": [f"Enterprise:{FIRM_A}"], "dst": ["Vehicle:苏E00001"]}))
    with pytest.raises(UndoRefused, match="L2"):
        store.undo_load("L1")
    assert store.count_nodes("Enterprise") == 1 and store.count_edges("OWNS") == 1
    store.undo_load("L2")
    store.undo_load("L1")
    assert store.count_nodes() == 0
    with pytest.raises(StoreError, match="no load 'L9'"):
        store.undo_load("L9")


def _penalties(tx, subjects, agency="Agency:320500|苏州市交通运输局", as_columns=False):
    """Penalties 1..n about ``subjects`` (one each), issued by one agency: the links given
    as relationships, or as columns of the penalty rows (Writer.upsert_nodes)."""
    nos = [f"苏交罚〔2024〕{i + 1}号" for i in range(len(subjects))]
    rows = pd.DataFrame({"decision_no": nos, "decision_date": "2024-01-02",
                         "agency_region": "320500", "_row": 2})
    if as_columns:
        tx.upsert_nodes("Penalty", rows.assign(ABOUT=subjects, ISSUED_BY=agency))
        return
    tx.upsert_nodes("Penalty", rows)
    tx.upsert_edges("ABOUT", pd.DataFrame({"src": [f"Penalty:{n}" for n in nos],
                                           "dst": subjects, "_row": 2}))
    tx.upsert_edges("ISSUED_BY", pd.DataFrame({"src": [f"Penalty:{n}" for n in nos],
                                               "dst": agency, "_row": 2}))


def test_a_prepared_batch_links_to_its_targets_as_they_are_when_it_is_written(store):
    """A loader prepares a chunk while another commits (Store.prepare_nodes): a target
    deleted since is refused, and one deleted and written anew is linked as it is now."""
    seed(store)
    frame = pd.DataFrame({"decision_no": ["P1", "P2"],
                          "ABOUT": [f"Enterprise:{FIRM_A}", f"Enterprise:{FIRM_B}"]})
    both, first = store.prepare_nodes("Penalty", frame), store.prepare_nodes("Penalty", frame[:1])
    with store.transaction() as tx:
        tx.delete_nodes([f"Enterprise:{FIRM_A}", f"Enterprise:{FIRM_B}"])
    with store.transaction() as tx:
        tx.upsert_nodes("Enterprise", firms((FIRM_A, "甲公司", "320505", "0512-1")))
    with pytest.raises(MissingNodeError), store.transaction() as tx:  # FIRM_B is gone
        tx.upsert_nodes("Penalty", both)
    with store.transaction() as tx:
        tx.upsert_nodes("Penalty", first)
    about = store.records_about([f"Enterprise:{FIRM_A}"])[f"Enterprise:{FIRM_A}"]
    assert [n.uid for n in about] == ["Penalty:P1"]


@pytest.mark.parametrize("as_columns", [False, True], ids=["edges", "columns"])
def test_records_count_their_subject_and_agency_links_as_relationships(store, as_columns):
    seed(store)
    with store.transaction() as tx:
        tx.upsert_nodes("Agency", pd.DataFrame({"agency_key": ["320500|苏州市交通运输局"],
                                                "region_code": ["320500"]}))
        _penalties(tx, [f"Enterprise:{FIRM_A}", f"Enterprise:{FIRM_B}"], as_columns=as_columns)
    assert (store.count_edges("ABOUT"), store.count_edges("ISSUED_BY")) == (2, 2)
    assert store.count_edges() == 2 + 4  # the seed's two LEGAL_REPRESENTATIVE_OF
    with pytest.raises(MissingNodeError):
        with store.transaction() as tx:
            _penalties(tx, ["Enterprise:91000000000000000X"], as_columns=as_columns)
    with pytest.raises(ValueError, match="cannot carry"):
        with store.transaction() as tx:
            tx.upsert_nodes("Vehicle", pd.DataFrame({"plate": ["苏E00001"], "region_code": ["320505"],
                                                     "ABOUT": [f"Enterprise:{FIRM_A}"]}))
    assert [n.uid for n in store.records_about([f"Enterprise:{FIRM_A}"])[f"Enterprise:{FIRM_A}"]] \
        == ["Penalty:苏交罚〔2024〕1号"]
    with store.transaction() as tx:
        tx.delete_nodes([f"Enterprise:{FIRM_A}"])
    assert store.count_edges("ABOUT") == 1 and store.count_nodes("Penalty") == 2


def test_undo_is_refused_while_a_later_loads_records_are_about_what_it_created(store):
    with store.transaction(load_info("L1")) as tx:
        tx.upsert_nodes("Enterprise", firms((FIRM_A, "甲公司", "320505", "1")).assign(_row=2))
        tx.upsert_nodes("Agency", pd.DataFrame({"agency_key": ["320500|苏州市交通运输局"],
                                                "region_code": ["320500"], "_row": [2]}))
    with store.transaction(load_info("L2", kind="penalties")) as tx:
        _penalties(tx, [f"Enterprise:{FIRM_A}"], as_columns=True)
    with pytest.raises(UndoRefused, match="L2"):
        store.undo_load("L1")
    result = store.undo_load("L2")
    assert (result.nodes_deleted, result.edges_deleted) == (1, 2)
    assert store.count_edges() == 0 and store.records_about([f"Enterprise:{FIRM_A}"]) == {}
    store.undo_load("L1")
    assert store.count_nodes() == 0


def test_nodes_prepared_ahead_are_written_by_their_loads_transaction(store):
    seed(store)
    agency = pd.DataFrame({"agency_key": ["320500|苏州市交通运输局"], "region_code": ["320500"]})
    rows = pd.DataFrame({"decision_no": ["苏交罚〔2024〕2号", "苏交罚〔2024〕1号", "苏交罚〔2024〕2号"],
                         "decision_date": "2024-01-02", "agency_region": "320500",
                         "fine": [100, 200, 300], "_row": [2, 3, 4],
                         "ABOUT": [f"Enterprise:{FIRM_A}", f"Enterprise:{FIRM_B}", f"Enterprise:{FIRM_A}"],
                         "ISSUED_BY": "Agency:320500|苏州市交通运输局"})
    batch = store.prepare_nodes("Penalty", rows, "L1")  # before the transaction, as a loader does
    assert len(batch) == 3 and batch.link_count() == 6
    with pytest.raises(StoreError, match="prepared for load 'L1'"):
        with store.transaction(load_info("L0")) as tx:
            tx.upsert_nodes("Penalty", batch)
    with pytest.raises(ValueError, match="cannot be written as Repair"):
        with store.transaction(load_info("L0")) as tx:
            tx.upsert_nodes("Repair", batch)
    with store.transaction(load_info("L1")) as tx:
        tx.upsert_nodes("Agency", agency)
        assert tx.upsert_nodes("Penalty", batch) == 3
    got = store.get_nodes(["Penalty:苏交罚〔2024〕1号", "Penalty:苏交罚〔2024〕2号"])
    assert got["Penalty:苏交罚〔2024〕1号"].props["_sources"] == ["L1#3"]
    assert got["Penalty:苏交罚〔2024〕2号"].props["fine"] == 300  # the later row wins
    assert got["Penalty:苏交罚〔2024〕2号"].props["_sources"] == ["L1#2", "L1#4"]  # in row order
    assert (store.count_edges("ABOUT"), store.count_edges("ISSUED_BY")) == (2, 2)
    assert [n.uid for n in store.records_about([f"Enterprise:{FIRM_B}"])[f"Enterprise:{FIRM_B}"]] \
        == ["Penalty:苏交罚〔2024〕1号"]


# -- a record's one subject, agency, penalty (one_per_source): a new one replaces it ----

AGENCY = pd.DataFrame({"agency_key": ["320500|苏州市交通运输局"], "region_code": ["320500"],
                       "_row": [2]})


def _about(store, *subjects):
    """The record uids about each subject (those with any)."""
    found = store.records_about(list(subjects))
    return {s: [n.uid for n in found[s]] for s in found}


@pytest.mark.parametrize("as_columns", [False, True], ids=["edges", "columns"])
def test_a_records_new_subject_replaces_its_old_one(store, as_columns):
    seed(store)
    with store.transaction() as tx:
        tx.upsert_nodes("Agency", AGENCY)
        _penalties(tx, [f"Enterprise:{FIRM_A}"])
    with store.transaction() as tx:  # a corrected file gives the penalty another subject
        _penalties(tx, [f"Enterprise:{FIRM_B}"], as_columns=as_columns)
    assert _about(store, f"Enterprise:{FIRM_A}", f"Enterprise:{FIRM_B}") == {
        f"Enterprise:{FIRM_B}": ["Penalty:苏交罚〔2024〕1号"]}
    assert (store.count_edges("ABOUT"), store.count_edges("ISSUED_BY")) == (1, 1)
    with store.transaction() as tx:  # within one write the last row wins
        tx.upsert_edges("ABOUT", pd.DataFrame({"src": "Penalty:苏交罚〔2024〕1号",
                                               "dst": [f"Enterprise:{FIRM_A}", "Person:p1"]}))
    assert _about(store, f"Enterprise:{FIRM_A}", f"Enterprise:{FIRM_B}", "Person:p1") == {
        "Person:p1": ["Penalty:苏交罚〔2024〕1号"]}
    assert store.count_edges("ABOUT") == 1


def test_undo_of_a_correction_gives_the_record_its_old_subject_back(store):
    with store.transaction(load_info("L1")) as tx:
        tx.upsert_nodes("Enterprise", firms((FIRM_A, "甲公司", "320505", "1"),
                                            (FIRM_B, "乙公司", "320200", None)).assign(_row=2))
        tx.upsert_nodes("Agency", AGENCY)
    with store.transaction(load_info("L2", kind="penalties")) as tx:
        _penalties(tx, [f"Enterprise:{FIRM_A}"], as_columns=True)
    with store.transaction(load_info("L3", kind="penalties")) as tx:
        _penalties(tx, [f"Enterprise:{FIRM_B}"], as_columns=True)  # another subject
        _penalties(tx, [f"Enterprise:{FIRM_A}"], as_columns=True)  # and back, in one load
        _penalties(tx, [f"Enterprise:{FIRM_B}"], as_columns=True)  # and again
    assert _about(store, f"Enterprise:{FIRM_A}", f"Enterprise:{FIRM_B}") == {
        f"Enterprise:{FIRM_B}": ["Penalty:苏交罚〔2024〕1号"]}
    with pytest.raises(UndoRefused, match="L3"):
        store.undo_load("L2")
    result = store.undo_load("L3")
    # The penalty gets its props back, its link to B goes and its link to A comes back;
    # its agency link, written again unchanged, is no change.
    assert (result.nodes_deleted, result.nodes_restored, result.edges_deleted,
            result.edges_restored) == (0, 1, 1, 1)
    assert _about(store, f"Enterprise:{FIRM_A}", f"Enterprise:{FIRM_B}") == {
        f"Enterprise:{FIRM_A}": ["Penalty:苏交罚〔2024〕1号"]}
    assert (store.count_edges("ABOUT"), store.count_edges("ISSUED_BY")) == (1, 1)
    result = store.undo_load("L2")
    assert (result.nodes_deleted, result.edges_deleted) == (1, 2)
    assert store.count_edges() == 0 and store.records_about([f"Enterprise:{FIRM_A}"]) == {}


def test_a_link_written_alone_journals_its_record(store):
    """A link is part of its record's row: changing it alone changes the record, and
    writing it again unchanged changes nothing."""
    with store.transaction(load_info("L1")) as tx:
        tx.upsert_nodes("Enterprise", firms((FIRM_A, "甲公司", "320505", "1"),
                                            (FIRM_B, "乙公司", "320200", None)).assign(_row=2))
        tx.upsert_nodes("Agency", AGENCY)
        _penalties(tx, [f"Enterprise:{FIRM_A}"])
    with store.transaction(load_info("L2")) as tx:
        tx.upsert_edges("ABOUT", pd.DataFrame({"src": ["Penalty:苏交罚〔2024〕1号"],
                                               "dst": [f"Enterprise:{FIRM_A}"], "_row": [5]}))
    assert store.undo_load("L2") == UndoResult("L2", 0, 0, 0, 0)
    with store.transaction(load_info("L3")) as tx:
        tx.upsert_edges("ABOUT", pd.DataFrame({"src": ["Penalty:苏交罚〔2024〕1号"],
                                               "dst": [f"Enterprise:{FIRM_B}"], "_row": [5]}))
    with pytest.raises(UndoRefused, match="L3"):
        store.undo_load("L1")
    assert store.undo_load("L3") == UndoResult("L3", 0, 1, 1, 1)
    assert _about(store, f"Enterprise:{FIRM_A}", f"Enterprise:{FIRM_B}") == {
        f"Enterprise:{FIRM_A}": ["Penalty:苏交罚〔2024〕1号"]}
    store.undo_load("L1")
    assert store.count_nodes() == store.count_edges() == 0


# -- the version answer caches are keyed by --------------------------------------------


def test_every_write_gives_a_new_version_and_nothing_else_does(store):
    """Answer caches (api/cache.py, the name index) reuse an answer while the version
    stays: every committed write must change it to one not seen before, on every store."""
    seen = [store.version()]
    assert seen[0] is not None

    def changed() -> bool:
        now = store.version()
        assert now == store.version()  # reading changes nothing
        new = now not in seen
        seen.append(now)
        return new

    seed(store)
    assert changed()
    with store.transaction():  # nothing written
        pass
    assert not changed()
    with pytest.raises(MissingNodeError), store.transaction() as tx:  # rolled back
        tx.upsert_nodes("Vehicle", pd.DataFrame({"plate": ["苏E77777"], "region_code": "320500"}))
        tx.upsert_edges("OWNS", pd.DataFrame({"src": ["Enterprise:nobody"], "dst": ["Vehicle:苏E77777"]}))
    assert not changed() and store.count_nodes("Vehicle") == 0
    with store.transaction(load_info("L1")) as tx:
        tx.upsert_nodes("Vehicle", pd.DataFrame({"plate": ["苏E77777"], "region_code": "320500",
                                                 "_row": [2]}))
    assert changed()
    store.undo_load("L1")
    assert changed()
    with store.transaction() as tx:
        tx.delete_all()
    assert changed()  # also after everything is gone: never an earlier version again
    seed(store)
    assert changed()


# -- every record label of the schema --------------------------------------------------

RECORD_LABELS = [n for n, lab in schema().labels.items() if lab.kind == "record"]


def _record_rows(label: str, n: int = 2) -> pd.DataFrame:
    """``n`` records of ``label`` with every required property, keyed ``<label>-<i>``."""
    lab = schema().label(label)
    values = {"date": "2024-05-01", "datetime": "2024-05-01 08:15:00", "number": 1.5,
              "integer": 2, "region_code": "320500"}
    rows = {p.name: [f"{label}-{i}" if p.name == lab.key else
                     (p.values[0] if p.values else values.get(p.type, "x")) for i in range(n)]
            for p in lab.properties.values() if p.required}
    return pd.DataFrame(rows).assign(_row=range(2, 2 + n))


@pytest.mark.parametrize("label", RECORD_LABELS)
def test_records_of_every_label_carry_their_links_and_are_found_by_subject(store, label):
    seed(store)
    agency = "Agency:320500|苏州市交通运输局"
    rels = {t: schema().rel(t) for t in schema().link_rel_types()}
    links = {t: r for t, r in rels.items() if label in r.from_labels}
    with store.transaction() as tx:
        tx.upsert_nodes("Agency", pd.DataFrame({"agency_key": ["320500|苏州市交通运输局"],
                                                "region_code": ["320500"]}))
        _penalties(tx, [f"Enterprise:{FIRM_B}"], as_columns=True)
    rows = _record_rows(label)
    targets = {"ABOUT": f"Enterprise:{FIRM_A}", "ISSUED_BY": agency,
               "REPAIRS": "Penalty:苏交罚〔2024〕1号", "PAYS": "Penalty:苏交罚〔2024〕1号"}
    with store.transaction(load_info("L1", kind=label)) as tx:
        assert tx.upsert_nodes(label, rows.assign(**{t: targets[t] for t in links})) == 2
    uids = [f"{label}:{label}-0", f"{label}:{label}-1"]
    got = store.get_nodes(uids)
    assert sorted(got) == uids and all(n.props["_sources"] for n in got.values())
    for t in links:
        assert store.count_edges(t) == 2 + (t in ("ABOUT", "ISSUED_BY"))  # and the penalty's
    about = store.records_about([f"Enterprise:{FIRM_A}"], [label])
    assert [n.uid for n in about.get(f"Enterprise:{FIRM_A}", [])] == (uids if "ABOUT" in links else [])
    others = [t for t in rels if t not in links]
    if others:  # a link the schema does not give the label is refused
        with pytest.raises(ValueError, match="cannot carry"):
            with store.transaction() as tx:
                tx.upsert_nodes(label, rows.assign(**{others[0]: targets[others[0]]}))
    assert all(e.type in schema().graph_rel_types()
               for e in store.neighbours([f"Enterprise:{FIRM_A}"]).edges)
    store.undo_load("L1")
    assert store.count_nodes(label) == (1 if label == "Penalty" else 0)
    assert sum(store.count_edges(t) for t in links) == sum(
        int(t in ("ABOUT", "ISSUED_BY")) for t in links)


def test_event_records_are_found_by_subject_label_and_indexed_port_region(store):
    # What list admission reads (issue 14): a subject's inspections, accidents and port calls
    # by label, and the port calls at a port region (an indexed list), on every store.
    from queries.rules.admission import list_admission

    ship = "Vessel:CN20000000021"
    with store.transaction() as tx:
        tx.upsert_nodes("Vessel", pd.DataFrame({"vessel_id": ["CN20000000021"], "name": ["甲"],
                                                "region_code": ["320600"]}))
        days = ["2025-12-10"] + [f"2026-{m:02d}-10" for m in range(1, 12)]
        tx.upsert_nodes("PortCall", pd.DataFrame({
            "port_call_key": [f"{ship}|320585|{d}" for d in days] + [f"{ship}|320600|2026-06-01"],
            "subject_uid": ship, "port": ["太仓港"] * 12 + ["南通港"],
            "port_region": ["320585"] * 12 + ["320600"], "arrived_on": days + ["2026-06-01"]}))
        tx.upsert_nodes("Inspection", pd.DataFrame({
            "inspection_no": ["I1", "I2"], "subject_uid": ship, "inspected_on": ["2026-03-01", "2026-11-20"],
            "kind": "船舶安全检查", "result": ["合格", "滞留"], "agency_region": "320585"}))
        tx.upsert_nodes("Accident", pd.DataFrame({
            "accident_no": ["A1"], "subject_uid": ship, "occurred_on": ["2022-06-01"], "level": ["一般"],
            "liability": ["次要责任"], "deaths": [0], "agency_region": ["320585"]}))
        about = [f"PortCall:{k}" for k in [f"{ship}|320585|{d}" for d in days]
                 + [f"{ship}|320600|2026-06-01"]] + ["Inspection:I1", "Inspection:I2", "Accident:A1"]
        tx.upsert_edges("ABOUT", pd.DataFrame({"src": about, "dst": ship}))
    got = store.records_about([ship], ["Inspection", "Accident"])[ship]
    assert sorted(n.uid for n in got) == ["Accident:A1", "Inspection:I1", "Inspection:I2"]
    calls = list(store.iter_nodes("PortCall", {"port_region": ["320585", "320586"]}, page=5))
    assert len(calls) == 12 and all(n.props["port_region"] == "320585" for n in calls)
    assert [n.uid for n in calls] == sorted(n.uid for n in calls)
    # #18 on this ship: twelve calls at 太仓港 in the year; the detention of 2026-11-20 ends it.
    assert list_admission(store, ship, "GREEN_FAST_LANE", "2026-11-19").decision == "ADMIT"
    late = list_admission(store, ship, "GREEN_FAST_LANE", "2026-11-20")
    assert [(c.code, c.breaking) for c in late.conditions if not c.met] == [
        ("no_detention_2y", ("Inspection:I2",))]
    # 三年无等级事故: the accident of 2022-06-01 is older than three years on 2026-11-19, not
    # on 2025-05-31.
    accident = lambda day: next(c for c in list_admission(store, ship, "GREEN_FAST_LANE", day)
                                .conditions if c.code == "no_graded_accident_3y").breaking
    assert accident("2026-11-19") == () and accident("2025-05-31") == ("Accident:A1",)
