"""The embedded store and Neo4j side by side: the same generated data loaded into each
through its own write path (``load_paths``), then the same questions asked of both.

    .venv/bin/python -m bench.both --scale 0.1 [--heap 6g --pagecache 2g]
    .venv/bin/python -m bench.run --both --scale 0.1        # the same

Neo4j is a real Neo4j 5 community server (``tools/neo4j-server``, via
:mod:`bench.neo4j_server`) on loopback, with the heap and page cache given.  Phases run in
child processes (:mod:`bench.store_phases`) one after the other, never both stores at
once; the subjects are drawn once, from the embedded store.  Each line shows the
embedded figure, Neo4j's, and Neo4j's as a multiple of the embedded one (>1: Neo4j
slower or bigger, for throughput <1: Neo4j serves fewer).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

from bench.neo4j_server import neo4j_server
from bench.phases import _subject_uids
from bench.run import HERE, child
from bench.tracing_phases import _hubs

PHASES = "bench.store_phases"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--work", default=str(HERE / "out"), help="scratch folder")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--heap", default="6g", help="Neo4j's JVM heap (a load is one transaction)")
    ap.add_argument("--pagecache", default="2g", help="Neo4j's page cache")
    ap.add_argument("--api-seconds", type=float, default=10)
    ap.add_argument("--keep", action="store_true", help="keep the generated data and store")
    args = ap.parse_args(argv)

    work = Path(args.work) / f"both-{args.scale:g}"
    data, store = work / "data", work / "store"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    lines: list[str] = []

    def say(text: str) -> None:
        print(text, flush=True)
        lines.append(text)

    def row(name: str, emb: float, neo: float, unit: str) -> None:
        ratio = f"{neo / emb:.2f}x" if emb else "n/a"
        say(f"| {name:<46} | {emb:>12,.2f} | {neo:>12,.2f} | {unit:<6} | {ratio:>8} |")

    say(f"# creditkb bench, embedded vs Neo4j, scale {args.scale:g} "
        f"(1 = Yangtze: ~450,000 subjects, ~5.8 M records)")
    gen = child("generate", str(data), str(args.scale))
    say(f"generated {gen['rows']:,} rows in {gen['seconds']:.1f} s")

    emb, neo = {}, {}
    emb["load"] = child("load", str(store), str(data), module=PHASES)
    subjects = work / "subjects.json"
    subjects.write_text(json.dumps({"subjects": _subject_uids(str(store), args.queries),
                                    "hubs": _hubs(str(store))}), encoding="utf-8")
    emb["size_mib"] = sum(f.stat().st_size for f in store.iterdir()) / 2**20
    for phase, extra in (("hops", [str(subjects)]), ("rules_single", [str(subjects)]),
                         ("rules_batch", ["320000"]), ("tracing", [str(subjects)]),
                         ("api", [str(subjects), str(args.api_seconds)])):
        emb[phase] = child(phase, str(store), *extra, module=PHASES)

    with neo4j_server(heap=args.heap, pagecache=args.pagecache) as server:
        os.environ.update(NEO4J_USER="neo4j", NEO4J_PASSWORD=server.password)
        os.environ.pop("NEO4J_DATABASE", None)
        say(f"Neo4j 5 (tools/neo4j-server) at {server.uri}: heap {args.heap}, page cache "
            f"{args.pagecache}, Bolt ready {server.started_s:.1f} s after its start")
        neo["load"] = child("load", server.uri, str(data), module=PHASES)
        for phase, extra in (("hops", [str(subjects)]), ("rules_single", [str(subjects)]),
                             ("rules_batch", ["320000"]), ("tracing", [str(subjects)]),
                             ("api", [str(subjects), str(args.api_seconds)])):
            neo[phase] = child(phase, server.uri, *extra, module=PHASES)
        neo["server_rss_mib"] = server.max_rss_mib()

    say("")
    say(f"| {'figure':<46} | {'embedded':>12} | {'Neo4j':>12} | {'unit':<6} | {'Neo4j/emb':>8} |")
    say(f"|{'-' * 48}|{'-' * 14}|{'-' * 14}|{'-' * 8}|{'-' * 10}|")
    e, n = emb["load"], neo["load"]
    row("load: all files (load_paths)", e["seconds"], n["seconds"], "s")
    row("load: rows/s", e["rows"] / e["seconds"], n["rows"] / n["seconds"], "rows/s")
    row("load: loader peak memory (Python)", e["max_rss_mib"], n["max_rss_mib"], "MiB")
    row("load: rows rejected", e["rejected"], n["rejected"], "rows")
    row("load: nodes / relationships written", e["nodes"] + e["edges"], n["nodes"] + n["edges"], "items")
    say(f"| {'store: size on disk (embedded) / server peak RSS':<46} | {emb['size_mib']:>12,.2f} | "
        f"{neo['server_rss_mib']:>12,.2f} | {'MiB':<6} | {'':>8} |")
    for depth in (1, 2):
        for pct in ("p50", "p95"):
            key = f"hop{depth}_{pct}_ms"
            row(f"hops: {depth}-hop neighbourhood, {pct}", emb["hops"][key], neo["hops"][key], "ms")
    for name in ("recognized_grade", "discipline", "discipline_anywhere"):
        for pct in ("p50", "p95"):
            key = f"{name}_{pct}_ms"
            row(f"rules: {name}, {pct}", emb["rules_single"][key], neo["rules_single"][key], "ms")
    row("rules: discipline_batch, Jiangsu", emb["rules_batch"]["seconds"],
        neo["rules_batch"]["seconds"], "s")
    for key, name, unit in (("related_p50_ms", "tracing: related depth 2, p50", "ms"),
                            ("related_p95_ms", "tracing: related depth 2, p95", "ms"),
                            ("related_hub_max_ms", "tracing: related depth 2, slowest hub", "ms"),
                            ("paths_p50_ms", "tracing: paths depth 4, p50", "ms"),
                            ("paths_p95_ms", "tracing: paths depth 4, p95", "ms"),
                            ("clusters_s", "tracing: whole-graph cluster pass", "s")):
        row(name, emb["tracing"][key], neo["tracing"][key], unit)
    for pct in ("p50_ms", "p95_ms"):
        row(f"HTTP: recognizedGrade, one at a time, {pct[:3]}", emb["api"]["grade"][pct],
            neo["api"]["grade"][pct], "ms")
    row("HTTP: mix, 16 connections, 2 workers", emb["api"]["mix"]["rps"], neo["api"]["mix"]["rps"], "req/s")
    say("")
    # The same answers: what each store found, for the same questions.
    same = []
    for phase, keys in (("load", ("rows", "rejected", "nodes", "edges")),
                        ("hops", ("hop1_nodes", "hop2_nodes")),
                        ("rules_single", ("graded", "with_measures")),
                        ("rules_batch", ("subjects", "measures")),
                        ("tracing", ("related_items", "paths_found", "clusters"))):
        for k in keys:
            same.append(f"{phase}.{k}: {emb[phase][k]} / {neo[phase][k]}"
                        + ("" if emb[phase][k] == neo[phase][k] else "  <-- differ"))
    errors = (emb["api"]["grade"]["errors"] + emb["api"]["mix"]["errors"],
              neo["api"]["grade"]["errors"] + neo["api"]["mix"]["errors"])
    same.append(f"api.errors: {errors[0]} / {errors[1]}")
    say("answers (embedded / Neo4j): " + "; ".join(same))
    (work / "results.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (work / "results.json").write_text(json.dumps({"embedded": emb, "neo4j": neo}, indent=1))
    if not args.keep:
        shutil.rmtree(data, ignore_errors=True)
        shutil.rmtree(store, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
