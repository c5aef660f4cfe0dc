"""The GraphQL API over HTTP on loopback, as a regulator's client meets it.

    .venv/bin/python -m bench.api_phases STORE_PATH [--workers 2] [--seconds 20]
                                          [--concurrency 16] [--queries 500]

STORE_PATH is an embedded store already loaded (``creditkb generate`` + ``creditkb load``,
or :mod:`bench.run` with ``--keep``).  The phase starts ``creditkb serve --workers N`` on
a free port of 127.0.0.1 (keys and audit in a scratch ``CREDITKB_STATE_DIR``, one regulator
key per city of the sampled subjects) and measures:

* ``recognizedGrade`` latency: one request at a time for random subjects, each asked by
  the regulator of the subject's city (target on the Yangtze-scale set: 95th percentile
  under 20 ms);
* sustained throughput: ``--concurrency`` keep-alive connections for ``--seconds``,
  cycling through ``subject``, ``recognizedGrade`` and ``sharedWatchlist`` (first 20),
  counting requests per second and errors (target: at least 300 per second, no errors).

The load generator is a small asyncio HTTP/1.1 client (no third-party client on the hot
path, so the measurement is the server's).  It prints one JSON line, like the other phases.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import numpy as np

from bench.phases import SECRET, _city_of as _city, _subject_uids, emit

#: The generated data's last annual road grades end on 2026-03-31: on this day every
#: scheme has a valid round (as in the rules benchmark).
AS_OF = "2026-03-15"

ROOT = Path(__file__).resolve().parent.parent

SUBJECT = ("query($id: ID!) { subject(id: $id) { __typename id name regionCode "
           "penalties(first: 5) { totalCount edges { node { decisionNo decisionDate } } } } }")
GRADE = ("query($id: ID!, $region: String!, $asOf: Date!) { recognizedGrade(subjectId: $id, "
         "region: $region, asOf: $asOf) { grade severity scheme validFrom issuingAgency "
         "issuingRegion basis agreement { name } } }")
WATCHLIST = ("query($region: String!, $asOf: Date!) { sharedWatchlist(region: $region, "
             "asOf: $asOf, first: 20) { edges { node { id listKind subjectId listedOn "
             "countedBy } } pageInfo { hasNextPage endCursor } } }")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    """One keep-alive HTTP/1.1 connection posting GraphQL requests."""

    def __init__(self, port: int):
        self.port = port
        self.reader = self.writer = None

    async def connect(self):
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)

    async def post(self, token: str, query: str, variables: dict) -> tuple[int, bytes]:
        body = json.dumps({"query": query, "variables": variables}, ensure_ascii=False).encode()
        head = (f"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
                f"Content-Type: application/json\r\nAccept: application/graphql-response+json\r\n"
                f"Authorization: Bearer {token}\r\nContent-Length: {len(body)}\r\n\r\n").encode()
        self.writer.write(head + body)
        await self.writer.drain()
        return await read_response(self.reader)

    def close(self):
        if self.writer:
            self.writer.close()


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """(status, body) of one HTTP/1.1 response on a keep-alive connection."""
    status = int((await reader.readline()).split()[1])
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        if name.lower() == "content-length":
            length = int(value)
    return status, await reader.readexactly(length)


def ok(status: int, body: bytes) -> bool:
    return status == 200 and b'"errors"' not in body


def percentiles(samples: list[float]) -> dict:
    a = np.array(samples) * 1000
    return {"p50_ms": round(float(np.percentile(a, 50)), 2),
            "p95_ms": round(float(np.percentile(a, 95)), 2),
            "p99_ms": round(float(np.percentile(a, 99)), 2),
            "max_ms": round(float(a.max()), 2)}


async def latency(port: int, jobs: list[tuple[str, str, dict]]) -> tuple[list[float], int]:
    c = Client(port)
    await c.connect()
    samples, errors = [], 0
    for token, query, variables in jobs:
        t = time.perf_counter()
        status, body = await c.post(token, query, variables)
        samples.append(time.perf_counter() - t)
        errors += not ok(status, body)
    c.close()
    return samples, errors


async def load(port: int, jobs: list[tuple[str, str, str, dict]], seconds: float,
               concurrency: int, rounds: int | None = None) -> dict:
    """``concurrency`` connections cycling through ``jobs`` for ``seconds`` (or, with
    ``rounds``, until each job was sent that many times)."""
    stop = time.perf_counter() + seconds if rounds is None else float("inf")
    total = None if rounds is None else rounds * len(jobs)
    counts = {"requests": 0, "errors": 0}
    per_kind: dict[str, list[float]] = {}
    first_error: list[str] = []

    async def worker(i: int):
        c = Client(port)
        await c.connect()
        j = i
        while time.perf_counter() < stop and (total is None or j < total):
            kind, token, query, variables = jobs[j % len(jobs)]
            j += concurrency
            t = time.perf_counter()
            status, body = await c.post(token, query, variables)
            per_kind.setdefault(kind, []).append(time.perf_counter() - t)
            counts["requests"] += 1
            if not ok(status, body):
                counts["errors"] += 1
                if not first_error:
                    first_error.append(f"{status} {body[:300]!r}")
        c.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    elapsed = time.perf_counter() - started
    return {"seconds": round(elapsed, 2), "requests": counts["requests"],
            "rps": round(counts["requests"] / elapsed, 1), "errors": counts["errors"],
            "first_error": first_error[0] if first_error else None,
            "latency_by_query": {k: percentiles(v) for k, v in per_kind.items()}}


def _launch(store: str, state: str, workers: int) -> tuple[subprocess.Popen, int]:
    """``creditkb serve --workers N`` on ``store`` at a free port of 127.0.0.1 (keys and
    audit in ``state``): (process, port), once it answers /health."""
    import httpx

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "creditkb.cli", "serve", "--store", store,
                             "--workers", str(workers), "--port", str(port)], cwd=ROOT,
                            env={**os.environ, "CREDITKB_STATE_DIR": state, "CREDITKB_SECRET": SECRET},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return proc, port
        except httpx.TransportError:
            pass
        if proc.poll() is not None:
            raise SystemExit(proc.stderr.read().decode())
        if time.monotonic() > deadline:
            proc.terminate()
            raise SystemExit("the server did not come up")
        time.sleep(0.2)


@contextmanager
def serving(store: str, state: str, workers: int) -> Iterator[int]:
    """The server of :func:`_launch` for the block: yields its port, stopped at the end."""
    proc, port = _launch(store, state, workers)
    try:
        yield port
    finally:
        proc.terminate()
        proc.wait(20)


def regional_subjects(store_path: str, n: int) -> dict[str, str]:
    """``n`` random subjects with a region, each with the city whose regulator asks about
    it (a person without a region of residence is outside every city's own scope)."""
    from graph_model.store.embedded.store import EmbeddedStore

    store = EmbeddedStore(store_path)
    uids = []
    for u in _subject_uids(store_path, n * 3):
        if len(uids) < n and store.get_nodes([u])[u].props.get("region_code"):
            uids.append(u)
    nodes = store.get_nodes(uids)
    store.close()
    return {u: _city(nodes[u].props.get("region_code")) for u in uids}


def start_server(store_path: str, workers: int, cities) -> tuple[subprocess.Popen, int, dict]:
    """The server of :func:`_launch` with keys and audit in a scratch
    ``CREDITKB_STATE_DIR`` and a regulator key per city: (process, port, tokens by city)."""
    from queries.access.state import AccessStore

    state = tempfile.mkdtemp(prefix="creditkb-bench-state-")
    access = AccessStore(state)
    tokens = {r: access.create_key(f"bench {r}", r, "regulator")[1] for r in sorted(set(cities))}
    access.close()
    proc, port = _launch(store_path, state, workers)
    return proc, port, tokens


def light_mix(regions: dict[str, str], tokens: dict[str, str]) -> list[tuple]:
    """For each subject, the light reads its city's regulator makes: ``subject``,
    ``recognizedGrade`` and the city's ``sharedWatchlist`` (first 20)."""
    mix = []
    for u, reg in regions.items():
        tok = tokens[reg]
        mix.append(("subject", tok, SUBJECT, {"id": u}))
        mix.append(("recognizedGrade", tok, GRADE, {"id": u, "region": reg, "asOf": AS_OF}))
        mix.append(("sharedWatchlist", tok, WATCHLIST, {"region": reg, "asOf": AS_OF}))
    return mix


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("store")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--queries", type=int, default=500)
    args = ap.parse_args(argv)

    regions = regional_subjects(args.store, args.queries)
    uids = list(regions)
    proc, port, tokens = start_server(args.store, args.workers, regions.values())
    try:
        grade_jobs = [(tokens[regions[u]], GRADE, {"id": u, "region": regions[u], "asOf": AS_OF})
                      for u in uids]
        mix = light_mix(regions, tokens)

        # Warm every worker: topology, grade scales, regions, agreements, and each city's
        # first watchlist page (kept per store version in each worker: a city's
        # regulators and dashboards ask for the same pages over and over).  The cold
        # figures are reported as such.
        cities = sorted(set(regions.values()))
        warm = [("sharedWatchlist", tokens[r], WATCHLIST, {"region": r, "asOf": AS_OF})
                for r in cities] * (2 * args.workers)
        t = time.perf_counter()
        cold = asyncio.run(load(port, warm, 0, 1, rounds=1))
        cold_s = time.perf_counter() - t
        asyncio.run(load(port, warm, 0, args.concurrency, rounds=1))
        asyncio.run(load(port, mix, min(5.0, args.seconds), args.concurrency))
        samples, errors = asyncio.run(latency(port, grade_jobs))
        figures = {"workers": args.workers, "subjects": len(uids), "cities": len(cities),
                   "watchlist_cold": {"first_requests": cold["requests"], "seconds": round(cold_s, 2),
                                      **cold["latency_by_query"].get("sharedWatchlist", {})},
                   "recognized_grade": {**percentiles(samples), "errors": errors}}
        figures["mix"] = asyncio.run(load(port, mix, args.seconds, args.concurrency))
        figures["mix"]["concurrency"] = args.concurrency
    finally:
        proc.terminate()
        proc.wait(20)
    emit(**figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
