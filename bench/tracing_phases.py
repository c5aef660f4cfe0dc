"""Benchmark phases of the investigator-tracing queries, each run in its own process:
``python -m bench.tracing_phases NAME STORE_PATH [QUERIES]``.  Each prints one JSON line
(figures and its own peak memory), like :mod:`bench.phases`.

* ``tracing_related``   related(depth=2) from random subjects, plus the largest hubs
                        (target: p95 < 50 ms on the Yangtze-scale set, embedded store)
* ``tracing_paths``     paths(max_depth=4) between random pairs (mostly unconnected: the
                        worst case, both walks run to depth 2) and between pairs known to
                        be 3-4 hops apart (target: p95 < 100 ms)
* ``tracing_clusters``  the whole-graph cluster pass (target: < 60 s)
* ``tracing_scans``     the other whole-graph passes: shared-identifier rings and
                        successor shells (no target; shown for context)

The generated data describe the world up to 2026-10-31 (``creditkb.synth.draw.AS_OF``), the
``as_of`` used here.  Random subjects come from :func:`bench.phases._subject_uids`.
"""

from __future__ import annotations

import random
import sqlite3
import sys
import time

from bench.phases import _percentiles, _subject_uids, emit

AS_OF = "2026-10-31"
N_HUBS = 5


def _open(store_path: str):
    from graph_model.store.embedded.store import EmbeddedStore

    return EmbeddedStore(store_path)


def _hubs(store_path: str, n: int = N_HUBS) -> list[str]:
    """The firms owning the most vehicles and vessels (read with SQL: the port has no
    degree query, and this is only the choice of benchmark subjects)."""
    con = sqlite3.connect(f"file:{store_path}/graph.sqlite3?mode=ro", uri=True)
    rows = con.execute(
        "SELECT n.uid FROM (SELECT src, count(*) AS c FROM edges WHERE type = 'OWNS' "
        "GROUP BY src ORDER BY c DESC LIMIT ?) h JOIN nodes n ON n.nid = h.src", (n,)).fetchall()
    con.close()
    return [r[0] for r in rows]


def _timed(fn, items) -> tuple[list[float], list]:
    samples, results = [], []
    for item in items:
        t = time.perf_counter()
        results.append(fn(item))
        samples.append(time.perf_counter() - t)
    return samples, results


def tracing_related(store_path: str, queries: str = "300") -> None:
    from queries.tracing.related import related

    store = _open(store_path)
    uids = _subject_uids(store_path, int(queries))
    hubs = _hubs(store_path)
    related(store, uids[0], depth=2, as_of=AS_OF)  # load the topology before timing
    samples, results = _timed(lambda u: related(store, u, depth=2, as_of=AS_OF), uids + hubs)
    p50, p95 = _percentiles(samples)
    hub_ms = [s * 1000 for s in samples[len(uids):]]
    emit(p50_ms=p50, p95_ms=p95, max_ms=max(samples) * 1000, hub_max_ms=max(hub_ms, default=0),
         queries=len(samples), mean_total=sum(r.total for r in results) / len(results),
         cut_share=sum(r.cut for r in results) / len(results))


def tracing_paths(store_path: str, queries: str = "300") -> None:
    from queries.tracing.paths import paths
    from queries.tracing.related import related

    store = _open(store_path)
    uids = _subject_uids(store_path, 2 * int(queries))
    rng = random.Random(11)
    pairs = list(zip(uids[::2], uids[1::2]))
    paths(store, *pairs[0], max_depth=4, as_of=AS_OF)  # load the topology
    samples, results = _timed(lambda ab: paths(store, *ab, max_depth=4, as_of=AS_OF), pairs)
    p50, p95 = _percentiles(samples)
    # Pairs that are connected: b drawn among a's subjects 3 or 4 hops away.
    near = []
    for a in uids[: int(queries)]:
        far = [x.uid for x in related(store, a, depth=4, as_of=AS_OF, limit=1000).items
               if x.distance >= 3]
        if far:
            near.append((a, rng.choice(far)))
    c_samples, c_results = _timed(lambda ab: paths(store, *ab, max_depth=4, as_of=AS_OF), near)
    c50, c95 = _percentiles(c_samples) if c_samples else (0.0, 0.0)
    emit(p50_ms=p50, p95_ms=p95, max_ms=max(samples) * 1000, queries=len(samples),
         found_share=sum(r.length is not None for r in results) / len(results),
         connected_p50_ms=c50, connected_p95_ms=c95, connected_queries=len(c_samples),
         connected_found_share=(sum(r.length is not None for r in c_results) / len(c_results)
                                if c_results else 0.0))


def tracing_clusters(store_path: str) -> None:
    from queries.tracing.clusters import clusters

    store = _open(store_path)
    store.topology()  # load the topology before timing
    t = time.perf_counter()
    r = clusters(store, as_of=AS_OF)
    seconds = time.perf_counter() - t
    largest = r.clusters[0].size if r.clusters else 0
    emit(seconds=seconds, dishonest=r.dishonest, clusters=r.total, clustered=r.clustered,
         largest=largest, hubs_cut=len(r.cut))


def tracing_scans(store_path: str) -> None:
    from queries.tracing.shared_identifiers import shared_identifier_rings
    from queries.tracing.successors import successor_shells

    store = _open(store_path)
    store.topology()
    t = time.perf_counter()
    rings = shared_identifier_rings(store, as_of=AS_OF)
    rings_s = time.perf_counter() - t
    t = time.perf_counter()
    shells = successor_shells(store, as_of=AS_OF)
    shells_s = time.perf_counter() - t
    emit(rings_seconds=rings_s, rings=rings.total,
         largest_ring=rings.rings[0].size if rings.rings else 0,
         shells_seconds=shells_s, shells=shells.total, shell_predecessors=shells.predecessors)


PHASES = {f.__name__: f for f in (tracing_related, tracing_paths, tracing_clusters, tracing_scans)}

if __name__ == "__main__":
    PHASES[sys.argv[1]](*sys.argv[2:])
