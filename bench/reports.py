"""Credit reports and the public lookup (issue 18), each figure beside a floor measured in the
same run and the load average when it was taken.

    .venv/bin/python -m bench.reports --scale 0.1 [--queries 300] [--pdfs 12] [--seconds 10]

* ``report``: :func:`queries.reports.credit_report` (JSON) for random subjects, each asked
  by the regulator of its city (target: p95 at most 100 ms); floor: the same subjects' bare
  store reads a report starts from (the node, its records, its two-hop neighbourhood);
* ``pdf``: HTML and PDF (WeasyPrint) of some of those reports (target: at most 2 s each);
  floor: WeasyPrint rendering a one-paragraph page;
* ``lookup``: ``GET /p/<code>`` (JSON) from 16 keep-alive connections against ``creditkb
  serve --workers 2`` on loopback, codes of random firms (target: at least 500 requests a
  second); floor: ``GET /favicon.ico`` (nothing done) from the same client; the public
  rate limit is lifted for the run (one client address asks everything); the first, uncached
  lookup of each code is timed apart.

The generated data and store are deleted at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import time
from pathlib import Path

import numpy as np

from bench.api_load import get_nothing, loadavg
from bench.api_phases import read_response, regional_subjects
from bench.phases import SECRET, _subject_uids
from bench.run import HERE, child

AS_OF = "2026-03-15"  # the generated data's annual grades are valid then (bench.api_phases)


def pct(samples: list[float]) -> dict:
    a = np.array(samples) * 1000
    return {"p50_ms": round(float(np.percentile(a, 50)), 2),
            "p95_ms": round(float(np.percentile(a, 95)), 2),
            "max_ms": round(float(a.max()), 2), "n": len(samples)}


def report_figures(store_path: str, n: int, pdfs: int) -> dict:
    from api.report_render import render_html, render_pdf
    from graph_model.store.embedded.store import EmbeddedStore
    from queries.reports import Viewer, credit_report

    city = regional_subjects(store_path, n)  # each asked by its city's regulator
    uids = list(city)
    store = EmbeddedStore(store_path)
    credit_report(store, uids[0], city[uids[0]], AS_OF, Viewer(city[uids[0]], "regulator"))

    floor, timed, sizes, reports = [], [], [], []
    for u in uids:
        t = time.perf_counter()
        store.get_nodes([u])
        store.records_about([u])
        hood = store.neighbours([u], None, "both", 50)
        far = sorted({e.dst if e.src == u else e.src for e in hood.edges})
        store.neighbours(far, None, "both", 50)
        floor.append(time.perf_counter() - t)
    la_floor = loadavg()
    for u in uids:
        t = time.perf_counter()
        r = credit_report(store, u, city[u], AS_OF, Viewer(city[u], "regulator"))
        timed.append(time.perf_counter() - t)
        sizes.append(len(r.json.encode()))
        if len(reports) < pdfs and (r.doc["penalties"] or len(uids) - len(timed) < pdfs):
            reports.append(r)
    la_report = loadavg()
    store.close()

    render_pdf("<p>warm-up</p>")
    pdf_floor = []
    for _ in range(len(reports)):
        t = time.perf_counter()
        render_pdf("<html><body><p>一页 a page</p></body></html>")
        pdf_floor.append(time.perf_counter() - t)
    pdf_times, pages = [], []
    for r in reports:
        t = time.perf_counter()
        pdf = render_pdf(render_html(r))
        pdf_times.append(time.perf_counter() - t)
        pages.append(pdf.count(b"/Type /Page") or None)
    return {"report": {**pct(timed), "bytes_p50": int(np.median(sizes)), "loadavg": la_report},
            "report_floor": {**pct(floor), "loadavg": la_floor},
            "pdf": {**pct(pdf_times), "loadavg": loadavg()},
            "pdf_floor": pct(pdf_floor)}


async def get_many(port: int, paths: list[str], seconds: float, concurrency: int) -> dict:
    """``GET`` each of ``paths`` in turn (Accept JSON) from ``concurrency`` keep-alive
    connections for ``seconds``."""
    stop = time.perf_counter() + seconds
    counts = {"requests": 0, "errors": 0}
    samples: list[float] = []

    async def worker(i: int):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        j = i
        while time.perf_counter() < stop:
            path = paths[j % len(paths)]
            j += concurrency
            t = time.perf_counter()
            writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                         f"Accept: application/json\r\n\r\n".encode())
            await writer.drain()
            status, _ = await read_response(reader)
            samples.append(time.perf_counter() - t)
            counts["requests"] += 1
            counts["errors"] += status != 200
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    elapsed = time.perf_counter() - started
    return {"rps": round(counts["requests"] / elapsed, 1), "errors": counts["errors"],
            "concurrency": concurrency, **pct(samples)}


def lookup_figures(store_path: str, n: int, seconds: float, workers: int) -> dict:
    from bench.api_phases import _launch
    from graph_model.store.embedded.store import EmbeddedStore
    from queries.reports.public import lookup_code

    store = EmbeddedStore(store_path)
    firms = [u for u in _subject_uids(store_path, n * 4) if u.startswith("Enterprise:")][:n]
    store.close()
    paths = [f"/p/{lookup_code(u.partition(':')[2], SECRET)}" for u in firms]
    os.environ["CREDITKB_PUBLIC_RATE"] = "1000000"  # one client address asks everything
    import tempfile

    state = tempfile.mkdtemp(prefix="creditkb-bench-reports-")
    proc, port = _launch(store_path, state, workers)
    try:
        import httpx

        # today's whole-graph answers are precomputed at start (api.heavy): measure after
        started, ready = time.monotonic(), 0
        while ready < 4 * workers and time.monotonic() - started < 600:
            health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=10).json()
            ready = ready + 1 if health.get("precomputed") else 0
            time.sleep(0.5)
        first = []  # each code's first lookup: computed, not found in the cache
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30,
                          headers={"accept": "application/json"}) as client:
            client.get("/favicon.ico")
            for p in paths[:200]:
                t = time.perf_counter()
                status = client.get(p).status_code
                first.append(time.perf_counter() - t)
                assert status == 200, (p, status)
        cold = {**pct(first), "loadavg": loadavg()}
        floor = asyncio.run(get_nothing(port, min(5.0, seconds), 16))
        floor["loadavg"] = loadavg()
        warm = asyncio.run(get_many(port, paths, seconds, 16))
        warm["loadavg"] = loadavg()
    finally:
        proc.terminate()
        proc.wait(30)
        shutil.rmtree(state, ignore_errors=True)
    return {"lookup_first": cold, "lookup": warm, "lookup_floor": floor, "firms": len(firms),
            "workers": workers}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--work", default=str(HERE / "out"))
    ap.add_argument("--store", help="an embedded store loaded with CREDITKB_SECRET=bench-secret "
                                    "(default: generate and load one at --scale)")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--pdfs", type=int, default=12)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)

    figures: dict = {"scale": args.scale, "loadavg_start": loadavg()}
    work = Path(args.work) / f"reports-{args.scale:g}"
    store = args.store
    if store is None:
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        data, store = str(work / "data"), str(work / "store")
        figures["generate"] = child("generate", data, str(args.scale))
        figures["load"] = child("load", data, store)
    try:
        figures.update(report_figures(store, args.queries, args.pdfs))
        figures.update(lookup_figures(store, min(args.queries, 500), args.seconds,
                                      args.workers))
    finally:
        if args.store is None and not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    r, f = figures["report"], figures["report_floor"]
    print(f"report JSON p95 {r['p95_ms']} ms (p50 {r['p50_ms']}), floor p95 {f['p95_ms']} ms "
          f"({r['p95_ms'] / max(f['p95_ms'], 1e-9):.1f}x), load average {r['loadavg']}")
    p, pf = figures["pdf"], figures["pdf_floor"]
    print(f"report PDF p95 {p['p95_ms']} ms (max {p['max_ms']}), floor p95 {pf['p95_ms']} ms, "
          f"load average {p['loadavg']}")
    lk, lf = figures["lookup"], figures["lookup_floor"]
    print(f"public lookup {lk['rps']} req/s ({lk['errors']} errors, p95 {lk['p95_ms']} ms), "
          f"floor {lf['rps']} req/s ({lk['rps'] / lf['rps']:.2f}x), first lookups p95 "
          f"{figures['lookup_first']['p95_ms']} ms, load average {lk['loadavg']}")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
