"""Both stores, loaded through the loaders with the same files, hold the same graph: every
node and its properties, every traversal edge, every subject's records, every count and
every recorded load, as the port shows them; and they stay alike through a corrected file
and its undo.  Runs when a Neo4j server does (NEO4J_URI, see conftest.py)."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from graph_model.store.port import Store
from graph_model.schema import schema
from loaders.load import load_paths

SECRET = "test-secret"
PAGE = 1000


def snapshot(store: Store) -> dict:
    """Everything the port shows of a store."""
    s = schema()
    nodes = {}
    for label in s.labels:
        after = None
        while page := store.find_nodes(label, after=after, limit=PAGE):
            nodes.update({n.uid: dict(n.props) for n in page})
            after = page[-1].uid
    in_graph = [u for u in nodes if s.label(u.partition(":")[0]).in_graph]
    edges = set()
    for i in range(0, len(in_graph), PAGE):
        for e in store.neighbours(in_graph[i:i + PAGE]).edges:
            edges.add((e.type, e.src, e.dst, json.dumps(dict(e.props), sort_keys=True, ensure_ascii=False)))
    subjects = [u for u in nodes if s.label(u.partition(":")[0]).is_subject]
    about = {k: [n.uid for n in v] for k, v in store.records_about(subjects).items()}
    counts = {**{lab: store.count_nodes(lab) for lab in s.labels},
              **{t: store.count_edges(t) for t in s.relationships},
              "*nodes": store.count_nodes(), "*edges": store.count_edges()}
    loads = [(x.load_id, x.file, x.kind, x.agency, x.rows_read, x.rows_loaded, x.rows_rejected,
              x.status) for x in store.loads()]  # started_at: the clock of each load
    return {"nodes": nodes, "edges": edges, "about": about, "counts": counts, "loads": loads}


def assert_same(a: dict, b: dict) -> None:
    for part in ("counts", "loads", "about", "edges"):
        assert a[part] == b[part], part
    assert a["nodes"].keys() == b["nodes"].keys()
    differ = {u: (a["nodes"][u], b["nodes"][u]) for u in a["nodes"] if a["nodes"][u] != b["nodes"][u]}
    assert not differ, f"{len(differ)} nodes differ, e.g. {next(iter(differ.items()))}"


@pytest.fixture
def stores(tmp_path, empty_store):
    both = [empty_store("neo4j", None), empty_store("embedded", tmp_path / "store")]
    yield both
    for s in both:
        s.close()


def load_each(stores, paths) -> list:
    return [load_paths(s, paths, SECRET) for s in stores]


def test_the_demo_and_a_correction_and_its_undo_give_both_stores_one_graph(stores, tmp_path):
    with resources.as_file(resources.files("creditkb") / "demo") as folder:
        first = load_each(stores, [folder])
        penalties = (folder / "penalties.csv").read_text(encoding="utf-8").splitlines()
    assert [s.rows_rejected for s in first[0]] == [s.rows_rejected for s in first[1]]
    before = [snapshot(s) for s in stores]
    assert_same(*before)
    assert before[0]["counts"]["Penalty"] > 0 and before[0]["edges"]
    # List admission over the events (issue 14): one answer on both stores.
    from queries.rules.admission import admission_review
    reviews = [[admission_review(s, region, kind, "2026-10-01") for region, kind in (
        ("320585", "GREEN_FAST_LANE"), ("320400", "VEHICLE_WHITELIST"),
        ("330100", "XINYIPI_WHITELIST"))] for s in stores]
    assert reviews[0] == reviews[1]
    assert [a.subject for a in reviews[0][0].remove] == ["Vessel:CN20170912453",
                                                         "Vessel:CN20190318822"]

    # A corrected penalty file: the first penalty given another firm, the second a new
    # date, one new penalty; the rest of the file as it was.
    head, row1, row2, *rest = penalties
    cells1, cells2 = row1.split(","), row2.split(",")
    assert cells1[1] == "企业"
    cells1[2] = "91320506MA1MKT3P0P"  # another firm of the demo
    cells2[6] = "2023-09-01"
    new = ",".join(["苏交罚〔2026〕0000999号", *cells1[1:]])
    fixed = tmp_path / "penalties-fixed.csv"
    fixed.write_text("\n".join([head, ",".join(cells1), ",".join(cells2), new, *rest]) + "\n",
                     encoding="utf-8")
    [[a], [b]] = load_each(stores, [fixed])
    assert (a.rows_loaded, a.nodes_written, a.edges_written) == (b.rows_loaded, b.nodes_written,
                                                                 b.edges_written)
    corrected = [snapshot(s) for s in stores]
    assert_same(*corrected)
    moved = corrected[0]["about"]["Enterprise:91320506MA1MKT3P0P"]
    assert f"Penalty:{cells1[0]}" in moved
    assert f"Penalty:{cells1[0]}" not in corrected[0]["about"].get(f"Enterprise:{row1.split(',')[2]}", [])

    undone = [s.undo_load(a.load_id) for s in stores]
    assert undone[0] == undone[1]
    assert undone[0].nodes_deleted == 1  # the new penalty
    after = [snapshot(s) for s in stores]
    assert_same(*after)
    assert after[0]["about"] == before[0]["about"] and after[0]["edges"] == before[0]["edges"]


def test_a_generated_data_set_gives_both_stores_one_graph_and_the_same_answers(stores, tmp_path):
    from creditkb.synth import generate
    from queries.tracing.clusters import clusters
    from queries.rules.discipline import discipline_batch

    folder = tmp_path / "synthetic"
    generate(folder, scale=0.002, seed=3)
    summaries = load_each(stores, [folder])
    assert [(s.kind, s.rows_loaded, s.nodes_written, s.edges_written) for s in summaries[0]] == \
        [(s.kind, s.rows_loaded, s.nodes_written, s.edges_written) for s in summaries[1]]
    assert_same(*(snapshot(s) for s in stores))
    # Rules and tracing over the whole province: the same answers, also in their order.
    batches = [discipline_batch(s, "320000", "2026-03-15") for s in stores]
    assert batches[0] == batches[1] and sum(len(r.measures) for r in batches[0].values()) > 0
    found = [clusters(s, as_of="2026-10-31") for s in stores]
    assert found[0] == found[1]
    from queries.rules.admission import admission_review
    reviews = [admission_review(s, "320500", "GREEN_FAST_LANE", "2026-10-31") for s in stores]
    assert reviews[0] == reviews[1] and reviews[0].checked > 0
    # Credit reports (issue 18): the same sections, hence the same content hash and number.
    from queries.reports import Viewer, credit_report
    from queries.reports.report import RELATED_CAP
    subjects = [n.uid for label in ("Enterprise", "Person", "Vehicle", "Vessel")
                for n in stores[1].iter_nodes(label, page=50) if n.props.get("region_code")][::7][:16]
    assert len(subjects) >= 8
    for uid in subjects:
        region = stores[1].get_nodes([uid])[uid].props["region_code"][:4] + "00"
        got = [credit_report(s, uid, region, "2026-03-15", Viewer(region, "regulator"))
               for s in stores]
        assert got[0].content_sha256 == got[1].content_sha256, uid
        assert got[0].number == got[1].number and len(got[0].doc["related"]["shown"]) <= RELATED_CAP
