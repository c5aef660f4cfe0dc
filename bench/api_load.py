"""Light reads under heavy work and a load, and throughput at many connections: the API's
concurrency targets of issue 11, in one run against one server.

    CREDITKB_SECRET=... .venv/bin/python -m bench.api_load STORE_PATH --files FILES_DIR
        [--workers 2] [--seconds 15] [--queries 300] [--load-file list_entries.csv]

STORE_PATH is an embedded store loaded from FILES_DIR (``creditkb generate --scale 1``,
then ``creditkb load``), with the same ``CREDITKB_SECRET``.  One ``creditkb serve
--workers N`` is started on loopback (scratch ``CREDITKB_STATE_DIR``, a regulator key per
city) and, after the warm-up of :mod:`bench.api_phases`, measured in turn:

* ``floor``: ``GET /favicon.ico`` (an empty answer: no key, no store) at 16 and 300
  connections: what the server and this client manage with no work at all, the floor the
  throughput figures are divided by;
* ``alone``: light reads (``subject``, ``recognizedGrade``, ``sharedWatchlist``) from
  ``--light`` connections: their p95 is the floor of the next two;
* ``heavy``: the same light reads while 8 connections ask heavy questions (``clusters``,
  ``successorShells``, ``gradeDistribution``, ``inspectionDraw``) for varying regions,
  days and seeds, so that they are computed, not found (target: light p95 at most 50 ms);
* ``load``: the same light reads while ``creditkb load`` loads a changed copy of
  ``--load-file`` (each row's last text column marked, so every record is written again)
  into the store being read (target: light p95 at most 50 ms); the load is undone after,
  and the answers kept per store version are asked for again before the next phase;
* ``throughput``: light reads from 16 and from 300 connections (target: at least 300
  requests a second at 300, no errors).

Each phase reports the load average of the machine when it ended (a shared machine: a
figure taken under others' load says so).  One JSON line, like the other phases.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.api_phases import (
    AS_OF, ROOT, WATCHLIST, Client, light_mix, load, ok, percentiles, read_response,
    regional_subjects, start_server,
)
from bench.phases import emit

HEAVY = {
    "clusters": "query($r: String, $d: Date) { clusters(region: $r, asOf: $d, first: 5) "
                "{ totalCount edges { node { size } } } }",
    "successorShells": "query($r: String, $d: Date) { successorShells(region: $r, asOf: $d, "
                       "first: 5) { totalCount } }",
    "gradeDistribution": "query($r: String, $d: Date) { gradeDistribution(region: $r, asOf: $d) "
                         "{ graded ungraded } }",
    "inspectionDraw": "query($r: String, $d: Date, $s: String!) { inspectionDraw(region: $r, "
                      "asOf: $d, seed: $s) { strata { key first } } }",
}


#: Free-text columns of the exchange format, one of which a changed copy marks.
TEXT_COLUMNS = ("列入原因", "违法行为", "承诺类型", "企业名称", "姓名")


def changed_copy(path: Path, folder: Path) -> Path:
    """``path`` with a free-text column (:data:`TEXT_COLUMNS`) marked in every row: a load of
    it writes every record again (a file already loaded would be skipped)."""
    import pandas as pd

    from graph_model.csv_safety import to_csv

    out = folder / path.name
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    at = next(name for name in frame.columns if name in TEXT_COLUMNS)
    frame[at] = frame[at] + f" bench {time.time():.0f}"
    to_csv(frame, out, index=False)
    return out


def load_id(summary: str) -> str | None:
    """The load id ``creditkb load`` printed (``..., load <id>, ...``)."""
    for part in summary.split(","):
        if part.strip().startswith("load "):
            return part.strip().split()[1]
    return None


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


async def get_nothing(port: int, seconds: float, concurrency: int) -> dict:
    """``GET /favicon.ico`` (204, nothing done) from ``concurrency`` keep-alive connections
    for ``seconds``."""
    stop = time.perf_counter() + seconds
    counts = {"requests": 0, "errors": 0}

    async def worker():
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        head = f"GET /favicon.ico HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
        while time.perf_counter() < stop:
            writer.write(head)
            await writer.drain()
            status, _ = await read_response(reader)
            counts["requests"] += 1
            counts["errors"] += status != 204
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    return {"rps": round(counts["requests"] / elapsed, 1), "errors": counts["errors"],
            "concurrency": concurrency}


async def heavy_clients(port: int, tokens: dict[str, str], cities: list[str], stop: asyncio.Event,
                        n: int = 8, seed: int = 5) -> dict:
    """``n`` connections asking heavy questions until ``stop``: each a random kind, city,
    day (one of many) and seed, so most are computed rather than found."""
    rng = random.Random(seed)
    days = [f"2026-{m:02d}-{d:02d}" for m in (1, 2, 3) for d in (1, 8, 15, 22)]
    outcomes: dict[str, dict] = {k: {"ok": 0, "timeout": 0, "other": 0, "seconds": []}
                                 for k in HEAVY}
    first_other: list[str] = []

    async def worker():
        c = Client(port)
        await c.connect()
        while not stop.is_set():
            kind = rng.choice(list(HEAVY))
            city = rng.choice(cities)
            variables = {"r": city, "d": rng.choice(days)}
            if kind == "inspectionDraw":
                variables["s"] = str(rng.randrange(10 ** 6))
            t = time.perf_counter()
            status, body = await c.post(tokens[city], HEAVY[kind], variables)
            out = outcomes[kind]
            out["seconds"].append(time.perf_counter() - t)
            if ok(status, body):
                out["ok"] += 1
            elif b'"TIMEOUT"' in body:
                out["timeout"] += 1
            else:
                out["other"] += 1
                if not first_other:
                    first_other.append(f"{status} {body[:300]!r}")
        c.close()

    await asyncio.gather(*(worker() for _ in range(n)))
    return {"connections": n, "first_other_error": first_other[0] if first_other else None,
            **{k: {"ok": v["ok"], "timeout": v["timeout"], "other": v["other"],
                   **(percentiles(v["seconds"]) if v["seconds"] else {})}
               for k, v in outcomes.items()}}


async def light_with(port: int, mix: list, seconds: float, light: int, beside) -> tuple[dict, dict]:
    """Light reads for ``seconds`` while ``beside(stop)`` runs; both results."""
    stop = asyncio.Event()
    other = asyncio.ensure_future(beside(stop))
    await asyncio.sleep(1.0)  # the other work is under way before measuring
    measured = await load(port, mix, seconds, light)
    stop.set()
    return measured, await other


def light_figures(run: dict) -> dict:
    return {"rps": run["rps"], "requests": run["requests"], "errors": run["errors"],
            "first_error": run["first_error"], "by_query": run["latency_by_query"],
            "p95_ms": max(q["p95_ms"] for q in run["latency_by_query"].values()),
            "loadavg": loadavg()}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("store")
    ap.add_argument("--files", required=True, help="the folder the store was loaded from")
    ap.add_argument("--load-file", default="list_entries.csv",
                    help="the file loaded again during the load phase")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--light", type=int, default=4,
                    help="light-read connections in the alone, heavy and load phases")
    ap.add_argument("--queries", type=int, default=300)
    args = ap.parse_args(argv)

    regions = regional_subjects(args.store, args.queries)
    cities = sorted(set(regions.values()))
    started = time.monotonic()
    figures: dict = {"workers": args.workers, "subjects": len(regions), "cities": len(cities),
                     "light_connections": args.light, "loadavg_start": loadavg()}
    proc, port, tokens = start_server(args.store, args.workers, cities)
    state = tempfile.mkdtemp(prefix="creditkb-bench-load-")
    try:
        import httpx

        figures["server_up_s"] = round(time.monotonic() - started, 1)
        # today's whole-graph answers are precomputed at start: measure after that
        ready = 0
        while ready < 4 * args.workers and time.monotonic() - started < 600:
            health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=10).json()
            ready = ready + 1 if health.get("precomputed") else 0
            time.sleep(0.5)
        figures["precomputed_s"] = round(time.monotonic() - started, 1)

        mix = light_mix(regions, tokens)
        # Warm every worker (each city's first watchlist page is cached per store version in
        # each worker): every round on new connections, which land on either worker.
        warm = [("sharedWatchlist", tokens[r], WATCHLIST, {"region": r, "asOf": AS_OF})
                for r in cities]

        def warm_up():
            for _ in range(6 * args.workers):
                asyncio.run(load(port, warm, 0, 8, rounds=1))
            asyncio.run(load(port, mix, min(5.0, args.seconds), args.light))

        warm_up()

        figures["floor"] = {f"empty_{n}": asyncio.run(get_nothing(port, min(5.0, args.seconds), n))
                            for n in (16, 300)}
        alone = light_figures(asyncio.run(load(port, mix, args.seconds, args.light)))
        figures["alone"] = alone

        measured, heavy = asyncio.run(light_with(
            port, mix, args.seconds, args.light,
            lambda stop: heavy_clients(port, tokens, cities, stop)))
        figures["heavy"] = {**light_figures(measured), "heavy_queries": heavy}

        changed = changed_copy(Path(args.files) / args.load_file, Path(state))

        async def a_load() -> dict:
            t = time.perf_counter()
            loader = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "creditkb.cli", "load", str(changed),
                "--store", args.store, cwd=str(ROOT), stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE, env=dict(os.environ))
            out, err = await loader.communicate()
            return {"file": args.load_file, "returncode": loader.returncode,
                    "seconds": round(time.perf_counter() - t, 1),
                    "load_id": load_id(out.decode()),
                    "stderr": err.decode()[-300:] if loader.returncode else None}

        async def during_load() -> tuple[dict, dict]:
            """Light reads for as long as the load runs (at least --seconds)."""
            job = asyncio.ensure_future(a_load())
            await asyncio.sleep(2.0)  # the load is reading its file
            runs = []
            while not job.done() or not runs:
                runs.append(await load(port, mix, min(args.seconds, 10.0), args.light))
            return runs, await job

        runs, loaded = asyncio.run(during_load())
        merged = {"rps": round(sum(r["rps"] for r in runs) / len(runs), 1),
                  "requests": sum(r["requests"] for r in runs),
                  "errors": sum(r["errors"] for r in runs),
                  "first_error": next((r["first_error"] for r in runs if r["first_error"]), None),
                  "latency_by_query": {k: {m: max(r["latency_by_query"][k][m] for r in runs
                                                  if k in r["latency_by_query"])
                                           for m in ("p50_ms", "p95_ms", "p99_ms", "max_ms")}
                                       for k in runs[0]["latency_by_query"]}}
        figures["load"] = {**light_figures(merged), "load": loaded, "windows": [
            {"p95_ms": max(q["p95_ms"] for q in r["latency_by_query"].values()),
             "watchlist_p95_ms": r["latency_by_query"].get("sharedWatchlist", {}).get("p95_ms")}
            for r in runs]}
        if loaded["load_id"]:  # the store as it was, and its answers kept again (not measured)
            subprocess.run([sys.executable, "-m", "creditkb.cli", "loads", "undo",
                            loaded["load_id"], "--store", args.store], cwd=ROOT,
                           capture_output=True, check=True)
            warm_up()

        for n in (16, 300):
            run = asyncio.run(load(port, mix, args.seconds, n))
            figures[f"throughput_{n}"] = {**light_figures(run), "concurrency": n,
                                          "ratio_to_floor": round(
                                              run["rps"] / figures["floor"][f"empty_{n}"]["rps"], 3)}
        base = alone["p95_ms"]
        figures["light_p95_ratio_to_alone"] = {
            "heavy": round(figures["heavy"]["p95_ms"] / base, 2),
            "load": round(figures["load"]["p95_ms"] / base, 2)}
        figures["targets"] = {
            "light_p95_under_heavy_le_50ms": figures["heavy"]["p95_ms"] <= 50,
            "light_p95_under_load_le_50ms": figures["load"]["p95_ms"] <= 50,
            "rps_at_300_ge_300": figures["throughput_300"]["rps"] >= 300,
            "no_errors": all(figures[p]["errors"] == 0 for p in
                             ("alone", "heavy", "load", "throughput_16", "throughput_300"))}
    finally:
        proc.terminate()
        proc.wait(30)
    emit(**figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
