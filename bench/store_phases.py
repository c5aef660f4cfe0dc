"""Phases of ``bench.both`` that run on any store, embedded or Neo4j, named by its location
(a directory or a ``bolt://`` URL, as ``CREDITKB_STORE``) and opened through the port:
``python -m bench.store_phases NAME LOCATION [ARGS]``.  Each prints one JSON line (its
figures and its own peak memory), like :mod:`bench.phases`.

The subjects asked about come from a JSON file ``{"subjects": [...], "hubs": [...]}``
drawn once from the embedded store (:func:`bench.phases._subject_uids`), so both stores
answer the same questions about the same data.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import tempfile
import time
from pathlib import Path

from bench.phases import CAP, RULES_AS_OF, SECRET, _city_of, _percentiles, emit, walk
from bench.tracing_phases import AS_OF as TRACING_AS_OF, _timed


def _open(location: str):
    from graph_model.store import open_store

    return open_store(location)


def _subjects(path: str) -> tuple[list[str], list[str]]:
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    return doc["subjects"], doc["hubs"]


def load(location: str, folder: str) -> None:
    """``load_paths`` of every file, through the store's own write path."""
    from loaders.load import load_paths

    store = _open(location)
    t = time.perf_counter()
    summaries = load_paths(store, [folder], SECRET)
    store.close()  # timed: the embedded store waits for its last log copy here
    emit(seconds=time.perf_counter() - t, rows=sum(s.rows_read for s in summaries),
         rejected=sum(s.rows_rejected for s in summaries),
         nodes=sum(s.nodes_written for s in summaries),
         edges=sum(s.edges_written for s in summaries))


def hops(location: str, subjects: str) -> None:
    """1- and 2-hop neighbourhoods, each node's expansion capped at CAP per type."""
    store = _open(location)
    uids, _ = _subjects(subjects)
    for u in uids[:20]:  # warm up: topology, query plans
        store.neighbours([u], limit=CAP)
    figures = {}
    for depth in (1, 2):
        samples, found = _timed(lambda uid, depth=depth: walk(store, uid, depth), uids)
        figures[f"hop{depth}_p50_ms"], figures[f"hop{depth}_p95_ms"] = _percentiles(samples)
        figures[f"hop{depth}_nodes"] = sum(map(len, found))
    emit(**figures)


def rules_single(location: str, subjects: str) -> None:
    from queries.rules.discipline import discipline
    from queries.rules.recognition import recognized_grade

    store = _open(location)
    uids, _ = _subjects(subjects)
    nodes = store.get_nodes(uids)
    city = {u: _city_of(nodes[u].props.get("region_code")) for u in uids}
    for u in uids[:20]:  # warm up: rule files, topology, query plans
        recognized_grade(store, u, city[u], RULES_AS_OF)
        discipline(store, u, RULES_AS_OF, city[u])
    figures: dict = {"graded": 0, "with_measures": 0}
    for name, call in (
        ("recognized_grade", lambda u: recognized_grade(store, u, city[u], RULES_AS_OF)),
        ("discipline", lambda u: discipline(store, u, RULES_AS_OF, city[u])),
        ("discipline_anywhere", lambda u: discipline(store, u, RULES_AS_OF)),
    ):
        samples, results = _timed(call, uids)
        figures[f"{name}_p50_ms"], figures[f"{name}_p95_ms"] = _percentiles(samples)
        if name == "recognized_grade":
            figures["graded"] = sum(r.found for r in results)
        elif name == "discipline":
            figures["with_measures"] = sum(bool(r.measures) for r in results)
    emit(**figures)


def rules_batch(location: str, region: str = "320000") -> None:
    from queries.rules.discipline import discipline_batch

    store = _open(location)
    store.neighbours([f"Region:{region}"])  # warm up
    t = time.perf_counter()
    out = discipline_batch(store, region, RULES_AS_OF)
    emit(seconds=time.perf_counter() - t, subjects=len(out),
         measures=sum(len(r.measures) for r in out.values()))


def tracing(location: str, subjects: str) -> None:
    """related (depth 2, random subjects and the largest hubs), paths (depth 4, random
    pairs) and the whole-graph cluster pass."""
    from queries.tracing.clusters import clusters
    from queries.tracing.paths import paths
    from queries.tracing.related import related

    store = _open(location)
    uids, hubs = _subjects(subjects)
    for u in uids[:20]:
        related(store, u, depth=2, as_of=TRACING_AS_OF)
    samples, results = _timed(lambda u: related(store, u, depth=2, as_of=TRACING_AS_OF), uids)
    figures = dict(zip(("related_p50_ms", "related_p95_ms"), _percentiles(samples)))
    figures["related_items"] = sum(r.total for r in results)
    hub_samples, _ = _timed(lambda u: related(store, u, depth=2, as_of=TRACING_AS_OF), hubs)
    figures["related_hub_max_ms"] = max(hub_samples, default=0) * 1000
    pairs = list(zip(uids[::2], uids[1::2]))
    samples, results = _timed(lambda ab: paths(store, *ab, max_depth=4, as_of=TRACING_AS_OF), pairs)
    figures["paths_p50_ms"], figures["paths_p95_ms"] = _percentiles(samples)
    figures["paths_found"] = sum(r.length is not None for r in results)
    t = time.perf_counter()
    found = clusters(store, as_of=TRACING_AS_OF)
    figures["clusters_s"] = time.perf_counter() - t
    figures["clusters"] = found.total
    emit(**figures)


def api(location: str, subjects: str, seconds: str = "10", workers: str = "2") -> None:
    """``creditkb serve`` on the store: recognizedGrade one request at a time, then a mix
    of subject, recognizedGrade and sharedWatchlist from 16 connections (see
    :mod:`bench.api_phases`, whose client and queries this uses)."""
    from queries.access.state import AccessStore
    from bench.api_phases import AS_OF, GRADE, SUBJECT, WATCHLIST, latency, serving
    from bench.api_phases import load as sustained
    from bench.api_phases import percentiles

    store = _open(location)
    uids, _ = _subjects(subjects)
    nodes = store.get_nodes(uids)
    store.close()
    uids = [u for u in uids if nodes[u].props.get("region_code")]
    regions = {u: _city_of(nodes[u].props.get("region_code")) for u in uids}
    state = tempfile.mkdtemp(prefix="creditkb-bench-state-")
    access = AccessStore(state)
    tokens = {r: access.create_key(f"bench {r}", r, "regulator")[1] for r in set(regions.values())}
    access.close()
    with serving(location, state, int(workers)) as port:
        grades = [(tokens[regions[u]], GRADE, {"id": u, "region": regions[u], "asOf": AS_OF})
                  for u in uids]
        mix = []
        for u in uids:
            tok, reg = tokens[regions[u]], regions[u]
            mix += [("subject", tok, SUBJECT, {"id": u}),
                    ("recognizedGrade", tok, GRADE, {"id": u, "region": reg, "asOf": AS_OF}),
                    ("sharedWatchlist", tok, WATCHLIST, {"region": reg, "asOf": AS_OF})]
        random.Random(3).shuffle(mix)
        asyncio.run(sustained(port, mix, min(5.0, float(seconds)), 16))  # warm up every worker
        samples, errors = asyncio.run(latency(port, grades))
        figures = {"grade": {**percentiles(samples), "errors": errors},
                   "mix": asyncio.run(sustained(port, mix, float(seconds), 16))}
    emit(**figures)


PHASES = {f.__name__: f for f in (load, hops, rules_single, rules_batch, tracing, api)}


if __name__ == "__main__":
    PHASES[sys.argv[1]](*sys.argv[2:])
