"""A transaction that adds a few nodes and edges to the embedded store patches its
traversal topology instead of rebuilding it, and every traversal then answers what a
topology rebuilt from SQLite answers: the same edges in the port's one order, the same cut
degrees (hypothesis, over random graphs and random additions)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings, strategies as st

from graph_model.store.embedded.store import EmbeddedStore
from graph_model.store.embedded.topology import RANK_STEP, Topology

FIRMS = [f"9132{i:014d}" for i in range(40)]
PLATES = [f"苏E{i:05d}" for i in range(60)]

graphs = st.tuples(
    st.sets(st.sampled_from(FIRMS), min_size=1, max_size=12),  # firms stored first
    st.sets(st.sampled_from(PLATES), min_size=1, max_size=15),  # vehicles stored first
    st.sets(st.sampled_from(FIRMS), max_size=6),  # firms a later load adds
    st.sets(st.sampled_from(PLATES), max_size=8),  # vehicles a later load adds
    st.randoms(use_true_random=False),
)


def write(store, firms, plates, owns, drives_from=None):
    with store.transaction() as tx:
        if firms:
            tx.upsert_nodes("Enterprise", pd.DataFrame({"uscc": sorted(firms), "name": "x"}))
        if plates:
            tx.upsert_nodes("Vehicle", pd.DataFrame({"plate": sorted(plates)}))
        if owns:
            tx.upsert_edges("OWNS", pd.DataFrame(
                [(f"Enterprise:{f}", f"Vehicle:{p}") for f, p in owns], columns=["src", "dst"]))


def traversals(store, uids):
    return [store.neighbours(uids, direction=d, limit=lim) for d in ("out", "in", "both")
            for lim in (None, 2)] + [store.neighbours([u]) for u in uids]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(graphs)
def test_a_patched_topology_answers_as_a_rebuilt_one(tmp_path_factory, graph):
    firms, plates, new_firms, new_plates, rnd = graph
    store = EmbeddedStore(str(tmp_path_factory.mktemp("patch")))
    try:
        pairs = lambda fs, ps, n: {(rnd.choice(sorted(fs)), rnd.choice(sorted(ps))) for _ in range(n)}
        write(store, firms, plates, pairs(firms, plates, rnd.randint(1, 20)))
        store.topology()
        all_firms, all_plates = firms | new_firms, plates | new_plates
        before = store.topology_generation()
        # (one new edge at least: a load that adds none leaves the topology alone)
        owns = {(min(new_firms or firms), max(new_plates or plates))} if new_firms or new_plates \
            else set()
        write(store, new_firms, new_plates, owns | pairs(all_firms, all_plates, rnd.randint(1, 12)))
        uids = [f"Enterprise:{f}" for f in sorted(all_firms)] + [f"Vehicle:{p}" for p in sorted(all_plates)]
        patched = traversals(store, uids)
        if store.topology_generation() != before:
            assert store.last_topology_change == "patched"
        gen = store.topology_generation()
        store._topology = store._build_topology(gen, save=False)  # as a rebuild makes it
        assert traversals(store, uids) == patched
    finally:
        store.close()


def test_an_edge_ending_at_a_node_not_ranked_gives_it_a_place_of_rank_zero():
    """Built, every edge end has a place, found among the ranked ids; an end that is not
    ranked (no stored graph node lists it) gets a place of its own, ranked 0."""
    src, dst = np.array([7, 3, 7]), np.array([3, 5, 9])  # 9 is not ranked
    topo = Topology.build(1, src, dst, np.zeros(3, dtype=np.int8), np.array([1, 2, 3]),
                          np.array([5, 7, 3]), 9)
    assert topo.nids.tolist() == [3, 5, 7, 9]
    assert topo.rank.tolist() == [2 * RANK_STEP, 0, RANK_STEP, 0]
    assert [far for _, far, _, _ in topo.hop(7, "out", None, None)[0]] == [9, 3]  # by rank
    ranked = Topology.build(1, src[:2], dst[:2], np.zeros(2, dtype=np.int8), np.array([1, 2]),
                            np.array([5, 7, 3]), 7)
    assert ranked.nids.tolist() == [3, 5, 7] and ranked.rank.tolist() == [
        2 * RANK_STEP, 0, RANK_STEP]


def test_new_nodes_take_ranks_between_their_neighbours_and_a_full_gap_rebuilds():
    # nodes 0..2 ranked in uid order 0, 2, 1; node 3 comes between nids 0 and 2
    topo = Topology.build(1, np.array([0]), np.array([1]), np.array([0], dtype=np.int8),
                          np.array([1]), np.array([0, 2, 1]), 2)
    out = topo.patched(2, np.array([3]), np.array([1]), np.array([0], dtype=np.int8),
                       np.array([2]), np.array([3]), np.array([0]), np.array([2]), 3)
    assert out.rank[0] < out.rank[3] < out.rank[2] < out.rank[1]
    assert [far for _, far, _, _ in out.hop(1, "in", None, None)[0]] == [0, 3]
    crowded = np.arange(4, 4 + RANK_STEP)  # more new nodes than the gap has ranks
    try:
        topo.patched(2, np.array([], dtype=np.int64), np.array([], dtype=np.int64),
                     np.array([], dtype=np.int8), np.array([], dtype=np.int64), crowded,
                     np.zeros(len(crowded), dtype=np.int64), np.full(len(crowded), 2), int(crowded[-1]))
    except ValueError as exc:
        assert "new nodes between ranks" in str(exc)
    else:
        raise AssertionError("a full gap was patched")


def test_a_deletion_rebuilds_the_topology(tmp_path):
    store = EmbeddedStore(str(tmp_path / "s"))
    try:
        write(store, {FIRMS[0]}, {PLATES[0], PLATES[1]},
              {(FIRMS[0], PLATES[0]), (FIRMS[0], PLATES[1])})
        store.topology()
        with store.transaction() as tx:
            tx.delete_nodes([f"Vehicle:{PLATES[0]}"])
        assert store.last_topology_change == "rebuilt"
        assert [e.dst for e in store.neighbours([f"Enterprise:{FIRMS[0]}"], ["OWNS"]).edges] == \
            [f"Vehicle:{PLATES[1]}"]
    finally:
        store.close()
