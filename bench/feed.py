"""Follow-up and live-feed benchmarks (issue 15), each figure beside a floor measured in
the same run and the load average when it was taken.

    python bench/feed.py followup --store DIR [--region 320000] [--as-of 2026-11-01]
    python bench/feed.py latency [--scale 0.01] [--work DIR] [--subscribers 4]

followup  ``commitments_due`` and ``repair_reminders`` of a province on an existing
          embedded store (read only: nothing is written), each against a bare SQL read of
          the rows it needs: the province's commitments not kept; the penalties about
          subjects registered in it whose decision date puts them inside their publication
          window, with their repairs and fine payments.  ``--province-floors`` adds the
          floors of the layout before the indexes (every commitment of the province, every
          penalty about its subjects), which no longer measure what the answers read.
latency   a ``creditkb serve`` process over a new store, WebSocket subscribers of
          ``recordChanges`` (a provincial regulator's key) and one of ``watchlistChanges``,
          and ``creditkb load`` of a generated data set in another process.  A watcher in
          this process polls the store every 5 ms for the change log's last position, so
          each commit has the time it became visible; a delivery's latency is its arrival
          minus that time.  Figures:
          - the load's own entries: per commit, the first delivery of its entries (what
            a dashboard notices); per entry, every delivery (a file is one transaction,
            delivered a page at a time);
          - probes, what a regulator sees of a small write while the load runs: every
            ``--probe-every`` seconds one ``addListEntry`` through the API (about a firm
            loaded first, for the purpose), timed from its commit to its arrival at the
            ``watchlistChanges`` subscriber and at each ``recordChanges`` subscriber (an
            API write waits for the load's transaction to commit, then comes after its
            entries in the log);
          - floors, this process reading straight from the store once a commit is
            visible: every entry (``changes_after``, no node); and, in position order,
            only the entries of the kinds the subscriptions want, each node's JSON
            decoded (a bare SQL read) -- the least any reader of those kinds does: the
            per-commit floor of the figures above, and for a probe the time this reader
            took to reach it;
          - throughputs: entries per second this floor read, and each subscriber received
            while it had a backlog: what the scale-1 estimate divides by.

Run as a script (not ``-m``), so that ``followup`` can use the code of another checkout
(``PYTHONPATH=/path/to/checkout``) on a store that checkout wrote, without opening it
with this one's schema.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def line(name: str, value: float, unit: str, floor: float | None = None) -> None:
    ratio = f"  ({value / floor:.2f}x its floor of {floor:.3f} {unit})" if floor else ""
    print(f"{name:<58} {value:>12,.3f} {unit}{ratio}   [load average {loadavg()}]", flush=True)


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


# -- followup ---------------------------------------------------------------------------

def followup(args) -> None:
    from graph_model.store.embedded.sql import NOT_SIDE
    from graph_model.store.embedded.store import EmbeddedStore
    from queries.rules.commitments import commitments_due
    from queries.rules.jurisdiction import inside
    from queries.rules.reminders import repair_reminders
    from queries.rules.repair import repair_catalogue
    from queries.rules.rulefile import months_after

    store = EmbeddedStore(args.store)
    prefix = args.region.rstrip("0") or args.region
    codes = sorted(inside(args.region))
    marks = ",".join("?" * len(codes))
    day = dt.date.fromisoformat(args.as_of)
    con = sqlite3.connect(f"file:{Path(args.store) / 'graph.sqlite3'}?mode=ro", uri=True)

    def decoded(query: str, params) -> list[dict]:
        return [json.loads(props) for (props,) in con.execute(query, params)]

    def by_decision(label: str, numbers: list[str]) -> int:
        n = 0
        for i in range(0, len(numbers), 5000):
            part = numbers[i:i + 5000]
            n += len(decoded(f"SELECT props FROM nodes WHERE label = '{label}' AND json_extract("
                             f"props, '$.decision_no') IN ({','.join('?' * len(part))})", part))
        return n

    # Floors of the rows each answer needs (the indexes of schema.yaml serve these reads;
    # --province-floors adds the older floors, every row of the province).
    def floor_commitments() -> tuple[str, int]:
        """the region's commitments whose record does not say kept (status missing or
        not 已履约): those commitmentsDue can list"""
        rows = decoded(f"SELECT props FROM nodes WHERE label = 'Commitment' AND json_extract("
                       f"props, '$.agency_region') IN ({marks}) AND (json_extract(props, "
                       f"'$.status') IS NULL OR json_extract(props, '$.status') != '已履约')", codes)
        return "commitments not kept", len(rows)

    def floor_reminders() -> tuple[str, int]:
        """the penalties about the region's subjects inside their publication window (per
        severity, the decision days whose minimum period is over and maximum is not), their
        repairs and their fine payments: what a reminder is made of"""
        cat = repair_catalogue()
        pens = []
        for sev, (lo, hi) in cat.periods.items():
            days = [d for d in (day - dt.timedelta(days=i) for i in range(31 * (hi + 1)))
                    if months_after(d, lo) <= day < months_after(d, hi)]
            sev_sql = "" if sev == cat.default_severity else f" AND json_extract(props, '$.severity') = '{sev}'"
            pens += decoded(f"SELECT props FROM nodes WHERE label = 'Penalty' AND json_extract("
                            f"props, '$.subject_region') IN ({marks}) AND json_extract(props, "
                            f"'$.decision_date') BETWEEN ? AND ?{sev_sql}",
                            [*codes, min(days).isoformat(), max(days).isoformat()])
        numbers = sorted(p["decision_no"] for p in pens)
        return (f"penalties in their window, {by_decision('Repair', numbers):,} repairs, "
                f"{by_decision('FinePayment', numbers):,} fine payments of"), len(pens)

    def floor_commitments_province() -> tuple[str, int]:
        """every commitment of the region (the floor before the index)"""
        return "commitments", len(decoded(
            "SELECT props FROM nodes WHERE uid >= 'Commitment:' AND uid < 'Commitment;' "
            "AND json_extract(props, '$.agency_region') LIKE ?", (prefix + "%",)))

    def floor_penalties_province() -> tuple[str, int]:
        """every penalty about the region's subjects, with its subject (before the index)"""
        n = 0
        for props, subject in con.execute(
                # (NOT_SIDE: the partial ABOUT index's own term, or SQLite would not use it)
                "SELECT p.props, s.props FROM nodes s JOIN nodes p ON p.about = s.nid "
                f"AND p.label = 'Penalty' AND p.{NOT_SIDE} "
                "WHERE s.label IN ('Enterprise', 'Vehicle', 'Vessel', "
                "'Person') AND json_extract(s.props, '$.region_code') LIKE ?", (prefix + "%",)):
            json.loads(props), json.loads(subject)
            n += 1
        return "penalties about the region's subjects", n

    def timed(fn):
        t = time.perf_counter()
        out = fn()
        return out, time.perf_counter() - t

    def floors(*fns) -> float:
        took = None
        for fn in fns:
            (what, rows), took_ = timed(fn)
            line(f"floor: bare read of the {rows:,} {what} {args.region}", took_, "s")
            took = took if took is not None else took_
        return took

    for _ in range(args.repeat):
        floor = floors(floor_commitments, *([floor_commitments_province] if args.province_floors else []))
        due, took = timed(lambda: commitments_due(store, args.region, args.as_of))
        line(f"commitments_due {args.region} ({len(due.overdue)} overdue, "
             f"{len(due.breached)} breached, {len(due.due_soon)} due soon)", took, "s", floor)
        floor = floors(floor_reminders, *([floor_penalties_province] if args.province_floors else []))
        rem, took = timed(lambda: repair_reminders(store, args.region, args.as_of))
        line(f"repair_reminders {args.region} ({len(rem.reminders):,} reminders)", took, "s",
             floor)
    store.close()


# -- latency ----------------------------------------------------------------------------

class Watcher(threading.Thread):
    """Polls the change log's last position every 5 ms: when each became visible."""

    def __init__(self, db: str):
        super().__init__(daemon=True)
        self.db, self.seen, self.stop = db, [], threading.Event()

    def run(self) -> None:
        con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, isolation_level=None)
        last = None
        while not self.stop.is_set():
            try:
                pos = con.execute("SELECT coalesce((SELECT seq FROM sqlite_sequence "
                                  "WHERE name = 'changes'), 0)").fetchone()[0]
            except sqlite3.OperationalError:
                pos = last
            if pos != last and pos is not None:
                self.seen.append((time.time(), pos))
                last = pos
            time.sleep(0.005)

    def visible_at(self, pos: int) -> float | None:
        for at, last in self.seen:
            if last >= pos:
                return at
        return None

    def commits(self) -> list[tuple[float, int, int]]:
        """(visible at, first position, last position) of each commit seen."""
        out, prev = [], None
        for at, last in self.seen:
            if prev is not None and last > prev:
                out.append((at, prev + 1, last))
            prev = last
        return out


#: the kinds the recordChanges subscribers ask for, and the kinds watchlistChanges reads
RECORD_KINDS = ("Penalty", "ListEntry", "Evaluation", "Commitment", "Inspection", "Accident")
WATCH_KINDS = ("ListEntry", "Objection")
RECORDS = ("subscription { recordChanges(kinds: [%s]) { changes { position kind subjectId } } }"
           % ", ".join(f'"{k}"' for k in RECORD_KINDS))
WATCH = "subscription { watchlistChanges { position entry { id } } }"
PROBE = ("mutation($s: ID!, $on: Date!) { addListEntry(input: {subjectId: $s, listKind: "
         "\"重点关注\", listedOn: $on, reason: \"bench probe\"}) { id } }")


async def subscriber(port: int, token: str, query: str, arrivals: list, errors: list,
                     done: asyncio.Event) -> None:
    """Arrivals: (received at, position, kind or entry id, subject id) of each change."""
    import websockets

    async with websockets.connect(f"ws://127.0.0.1:{port}/graphql", max_size=None,
                                  subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init",
                                  "payload": {"Authorization": f"Bearer {token}"}}))
        await ws.recv()
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
        while not done.is_set():
            try:
                msg = json.loads(await asyncio.wait_for(ws.recv(), 0.5))
            except asyncio.TimeoutError:
                continue
            if msg["type"] == "next" and msg["payload"].get("errors"):
                errors.append(msg["payload"]["errors"])
            elif msg["type"] == "next":
                now, data = time.time(), msg["payload"]["data"]
                if "recordChanges" in data:
                    arrivals.extend((now, int(c["position"]), c["kind"], c["subjectId"])
                                    for c in data["recordChanges"]["changes"])
                else:
                    c = data["watchlistChanges"]
                    arrivals.append((now, int(c["position"]), c["entry"]["id"], None))
            elif msg["type"] in ("error", "complete"):
                errors.append(msg.get("payload"))
                return


async def prober(port: int, token: str, firm: str, every: float, probes: list,
                 load) -> None:
    """One addListEntry every ``every`` seconds while the load runs: (sent, answered,
    entry id or None, error)."""
    import httpx

    async with httpx.AsyncClient(timeout=600) as client:
        i = 0
        while load.returncode is None:
            day = (dt.date(2001, 1, 1) + dt.timedelta(days=i)).isoformat()
            sent = time.time()
            try:
                r = await client.post(f"http://127.0.0.1:{port}/graphql",
                                      json={"query": PROBE, "variables": {"s": firm, "on": day}},
                                      headers={"Authorization": f"Bearer {token}"})
                body = r.json()
                entry = (body.get("data") or {}).get("addListEntry")
                probes.append((sent, time.time(), entry and entry["id"], body.get("errors")))
            except Exception as exc:  # noqa: BLE001 -- a failed probe is counted, not fatal
                probes.append((sent, time.time(), None, repr(exc)))
            i += 1
            await asyncio.sleep(max(0.0, sent + every - time.time()))


def probe_firm(data: Path, work: Path) -> tuple[Path, str]:
    """A Jiangsu firm of the data set that no list entry names, in a file of its own (loaded
    first, so probes can name it before the load writes the rest)."""
    import csv

    with open(data / "list_entries.csv", encoding="utf-8") as f:
        listed = {row[2] for row in csv.reader(f)}
    with open(data / "enterprises.csv", encoding="utf-8") as f:
        rows = csv.reader(f)
        header = next(rows)
        row = next(r for r in rows if r[3].startswith("32") and r[0] not in listed)
    import pandas as pd

    from graph_model.csv_safety import to_csv

    path = work / "probe_enterprise.csv"
    to_csv(pd.DataFrame([row], columns=header), path, index=False)
    return path, row[0]


def latency(args) -> None:
    work = Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CREDITKB_SECRET": "bench-feed-secret"}
    cli = [sys.executable, "-m", "creditkb.cli"]
    data, store = work / "data", work / "store"
    t = time.perf_counter()
    subprocess.run([*cli, "generate", "--scale", str(args.scale), "--out", str(data)], env=env,
                   check=True, stdout=subprocess.DEVNULL)
    line(f"generate scale {args.scale}", time.perf_counter() - t, "s")
    # the reference data first (regions, agreements), so the server and keys can start,
    # and the firm the probes are about
    first = [data / n for n in ("jurisdictions.csv", "agreements.csv") if (data / n).exists()]
    probe_file, firm = probe_firm(data, work)
    first.append(probe_file)
    subprocess.run([*cli, "load", *map(str, first), "--store", str(store)], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    out = subprocess.run([*cli, "keys", "create", "--agency", "江苏省交通运输厅", "--region",
                          "320000", "--role", "regulator", "--store", str(store)], env=env,
                         check=True, capture_output=True, text=True)
    token = out.stdout.strip().split()[-1]
    port = _free_port()
    server = subprocess.Popen([*cli, "serve", "--store", str(store), "--port", str(port),
                               "--workers", str(args.workers)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    watcher = Watcher(str(store / "graph.sqlite3"))
    try:
        _wait_health(port)
        watcher.start()
        arrivals: list[list] = [[] for _ in range(args.subscribers)]
        watched: list = []
        errors: list[list] = [[] for _ in range(args.subscribers + 1)]
        floor_reads: list[float] = []
        kind_floor = KindFloor(store, watcher, sorted(set(RECORD_KINDS) | set(WATCH_KINDS)))
        probes: list = []

        async def scenario() -> float:
            done = asyncio.Event()
            subs = [asyncio.create_task(subscriber(port, token, RECORDS, arrivals[i], errors[i],
                                                   done))
                    for i in range(args.subscribers)]
            subs.append(asyncio.create_task(subscriber(port, token, WATCH, watched, errors[-1],
                                                       done)))
            await asyncio.sleep(2.0)
            started = time.perf_counter()
            rest = [str(p) for p in sorted(data.glob("*.csv")) if p not in first]
            load = await asyncio.create_subprocess_exec(
                *cli, "load", *rest, "--store", str(store), "--max-bad", "1", env=env,
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
            floor_task = asyncio.create_task(_floor(store, watcher, floor_reads, load))
            kind_task = asyncio.create_task(kind_floor.run(load))
            probe_task = asyncio.create_task(prober(port, token, firm, args.probe_every, probes,
                                                    load))
            await load.wait()
            took = time.perf_counter() - started
            await asyncio.gather(floor_task, kind_task, probe_task)
            await asyncio.sleep(args.drain)
            done.set()
            await asyncio.gather(*subs, return_exceptions=True)
            return took

        took = asyncio.run(scenario())
        line(f"load of scale {args.scale} beside the subscribers", took, "s")
        commits = watcher.commits()
        entries = [(recv, pos) for a in arrivals for recv, pos, *_ in a]
        per_entry = [recv - v for recv, pos in entries
                     if (v := watcher.visible_at(pos)) is not None]
        per_commit = []
        for a in arrivals:
            for at, lo, hi in commits:
                got = [recv for recv, pos, *_ in a if lo <= pos <= hi]
                if got:
                    per_commit.append(min(got) - at)
        print(f"# {len(commits)} commits, {len(entries):,} deliveries to {args.subscribers} "
              f"subscribers, {sum(hi - lo + 1 for _, lo, hi in commits):,} change-log entries, "
              f"{kind_floor.rows:,} of them of the kinds wanted")
        print(f"# errors sent to the subscribers: {[len(e) for e in errors]} "
              f"{[str(e[0])[:160] for e in errors if e][:2]}")
        if floor_reads:
            line("floor: change log read in-process after commit, p95", pct(floor_reads, .95), "s")
        if kind_floor.reads:
            line("floor: the wanted kinds' entries and nodes read after commit, p95",
                 pct(kind_floor.reads, .95), "s")
            line("floor: wanted entries read per second", kind_floor.rows / kind_floor.busy,
                 "entries/s")
        fl = pct(kind_floor.reads, .95) if kind_floor.reads else None
        for i, a in enumerate(arrivals):
            if len(a) > 1 and commits:  # while it had a backlog: from the first commit to its last arrival
                span = max(recv for recv, *_ in a) - commits[0][0]
                line(f"subscriber {i}: entries received per second over the load", len(a) / span,
                     "entries/s")
        _probes(probes, arrivals, watched, watcher, kind_floor, "ListEntry:", f"Enterprise:{firm}")
        if per_commit:
            line("feed latency per commit (first delivery), p50", pct(per_commit, .5), "s")
            line("feed latency per commit (first delivery), p95", pct(per_commit, .95), "s", fl)
        if per_entry:
            line("feed latency per entry, p50", pct(per_entry, .5), "s")
            line("feed latency per entry, p95", pct(per_entry, .95), "s", fl)
            line("feed latency per entry, max", max(per_entry), "s")
    finally:
        watcher.stop.set()
        server.terminate()
        server.wait(30)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def _probes(probes: list, arrivals: list[list], watched: list, watcher: Watcher,
            floor: "KindFloor", entry_prefix: str, subject: str) -> None:
    """Each probe's latency from its commit to its arrival at the watchlistChanges
    subscriber and at each recordChanges subscriber, beside the kind floor's time to reach
    it."""
    ids = {entry for _, _, entry, _ in probes if entry}
    answered = [done - sent for sent, done, entry, _ in probes if entry]
    print(f"# probes: {len(probes)} sent, {len(ids)} committed, "
          f"{len(probes) - len(ids)} failed {[str(e)[:120] for *_, e in probes if e][:2]}")
    if answered:
        line("probe: addListEntry answered (waits for the load's commit), p95",
             pct(answered, .95), "s")
    at_watch = {pos: recv for recv, pos, entry, _ in watched if entry in ids}
    positions = sorted(at_watch) or sorted({pos for a in arrivals for _, pos, kind, subj in a
                                            if kind == "ListEntry" and subj == subject})
    visible = {pos: watcher.visible_at(pos) for pos in positions}
    floors = [f - visible[p] for p in positions
              if visible[p] is not None and (f := floor.reached_at(p)) is not None]
    fl = pct(floors, .95) if floors else None
    if floors:
        line(f"floor: kind reader reaching a probe after its commit, p95 ({len(floors)})",
             fl, "s")
    lat = [at_watch[p] - visible[p] for p in positions if p in at_watch and visible[p]]
    print(f"# probes heard: watchlistChanges {len(lat)} of {len(positions)}")
    if lat:
        line("probe at watchlistChanges, p50", pct(lat, .5), "s")
        line("probe at watchlistChanges, p95", pct(lat, .95), "s", fl)
        line("probe at watchlistChanges, max", max(lat), "s")
    got = {p: [] for p in positions}
    for a in arrivals:
        seen = {pos: recv for recv, pos, *_ in a if pos in got}
        for p, recv in seen.items():
            if visible[p]:
                got[p].append(recv - visible[p])
    lat = [x for xs in got.values() for x in xs]
    print(f"# probes heard: recordChanges {len(lat)} of {len(positions) * len(arrivals)}")
    if lat:
        line("probe at recordChanges, p50", pct(lat, .5), "s")
        line("probe at recordChanges, p95", pct(lat, .95), "s", fl)
        line("probe at recordChanges, max", max(lat), "s")


class KindFloor:
    """Reads, in position order, the entries of ``kinds`` of each commit once it is visible,
    with their nodes' JSON decoded (a bare SQL read, the same on any checkout): the least a
    reader of those kinds does.  ``reads``: per look, its end minus the visible time of the
    last commit it covered; ``reached``: (time, position) each look got to."""

    def __init__(self, store: Path, watcher: Watcher, kinds: list[str]):
        self.db, self.watcher, self.kinds = str(store / "graph.sqlite3"), watcher, kinds
        self.reads: list[float] = []
        self.reached: list[tuple[float, int]] = []
        self.rows, self.busy = 0, 0.0

    def reached_at(self, pos: int) -> float | None:
        return next((at for at, last in self.reached if last >= pos), None)

    def _read(self, con, after: int, hi: int) -> int:
        marks = ",".join("?" * len(self.kinds))
        n = 0
        for lo in range(after, hi, 100_000):
            for (props,) in con.execute(
                    "SELECT n.props FROM changes c LEFT JOIN nodes n ON n.uid = c.uid "
                    f"WHERE c.pos > ? AND c.pos <= ? AND substr(c.uid, 1, instr(c.uid, ':') - 1) "
                    f"IN ({marks})", (lo, min(hi, lo + 100_000), *self.kinds)):
                if props is not None:
                    json.loads(props)
                n += 1
        return n

    async def run(self, load) -> None:
        con = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, isolation_level=None,
                              check_same_thread=False)
        pos = await asyncio.to_thread(
            lambda: con.execute("SELECT coalesce(max(pos), 0) FROM changes").fetchone()[0])
        seen = self.watcher.seen
        try:
            while load.returncode is None or seen and seen[-1][1] > pos:
                if seen and seen[-1][1] > pos:
                    at, last = seen[-1]
                    t = time.perf_counter()
                    self.rows += await asyncio.to_thread(self._read, con, pos, last)
                    self.busy += time.perf_counter() - t
                    pos = last
                    self.reads.append(time.time() - at)
                    self.reached.append((time.time(), pos))
                await asyncio.sleep(0.005)
        finally:
            con.close()


async def _floor(store: Path, watcher: Watcher, reads: list, load) -> None:
    """Read each new commit's entries straight from the store once it is visible."""
    from graph_model.store.embedded.store import EmbeddedStore

    s = await asyncio.to_thread(EmbeddedStore, str(store))
    pos = await asyncio.to_thread(s.last_change)
    try:
        while load.returncode is None or watcher.seen and watcher.seen[-1][1] > pos:
            if watcher.seen and watcher.seen[-1][1] > pos:
                at, last = watcher.seen[-1]
                while pos < last:
                    page = await asyncio.to_thread(s.changes_after, pos, 2000)
                    if not page:
                        break
                    pos = page[-1].pos
                reads.append(time.time() - at)
            await asyncio.sleep(0.005)
    finally:
        s.close()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_health(port: int) -> None:
    import httpx

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("the server did not start")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="phase", required=True)
    f = sub.add_parser("followup")
    f.add_argument("--store", required=True)
    f.add_argument("--region", default="320000")
    f.add_argument("--as-of", default="2026-11-01")
    f.add_argument("--repeat", type=int, default=1)
    f.add_argument("--province-floors", action="store_true",
                   help="also the floors before the indexes: every row of the province")
    lat = sub.add_parser("latency")
    lat.add_argument("--scale", type=float, default=0.01)
    lat.add_argument("--work", default=str(HERE / "out" / "feed"))
    lat.add_argument("--subscribers", type=int, default=4)
    lat.add_argument("--workers", type=int, default=2)
    lat.add_argument("--drain", type=float, default=10.0,
                     help="seconds the subscribers listen on after the load")
    lat.add_argument("--probe-every", type=float, default=3.0,
                     help="seconds between the probes' addListEntry writes during the load")
    lat.add_argument("--keep", action="store_true")
    args = ap.parse_args(argv)
    print(f"# bench/feed.py {args.phase}, {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC, "
          f"load average {loadavg()}", flush=True)
    if args.phase == "latency":
        sys.path.insert(0, str(ROOT))  # this checkout's store: the change log is new here
    followup(args) if args.phase == "followup" else latency(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
