"""The phases of bench/run.py, each run in its own process: ``python -m bench.phases NAME ...``.
Each prints one JSON line: its figures and its own peak memory."""

from __future__ import annotations

import json
import random
import resource
import sqlite3
import sys
import time
from pathlib import Path

import numpy as np


def max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


#: the CREDITKB_SECRET the bench loads with (a store refuses another) and serves with
SECRET = "bench-secret"
#: Files larger than this are read by the floors a block of BLOCK_ROWS rows at a time: at
#: scale 10 the alarms file alone (105 million rows) would not fit 16 GiB as one frame.
BIG_FILE, BLOCK_ROWS = 1 << 30, 2_000_000


def emit(**figures) -> None:
    figures["max_rss_mib"] = max_rss_mib()
    print(json.dumps(figures))


def generate(out: str, scale: str) -> None:
    from creditkb.synth import generate as gen

    t = time.perf_counter()
    files = gen(out, scale=float(scale), seed=1)
    rows = sum(sum(1 for _ in open(p, encoding="utf-8")) - 1 for p in files.values())
    emit(seconds=time.perf_counter() - t, rows=rows)


def _csvs(folder: str) -> list[Path]:
    return sorted(Path(folder).glob("*.csv"))


def floor_read(folder: str) -> None:
    import pandas as pd

    files = {}  # file stem (its kind) -> [seconds, rows]
    for p in _csvs(folder):
        t = time.perf_counter()
        if p.stat().st_size > BIG_FILE:  # a block at a time (see BIG_FILE)
            rows = sum(len(block) for block in pd.read_csv(p, dtype=str, chunksize=BLOCK_ROWS))
        else:
            rows = len(pd.read_csv(p, dtype=str))
        files[p.stem] = [time.perf_counter() - t, rows]
    emit(seconds=sum(s for s, _ in files.values()), rows=sum(r for _, r in files.values()),
         files=files)


def floor_insert(folder: str, db: str) -> None:
    """The same rows, as (key, JSON text) pairs, bulk-inserted into SQLite in WAL mode: the
    least a store must do to keep them. Serialisation is not timed, the insert is."""
    import pandas as pd

    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("CREATE TABLE t(k TEXT PRIMARY KEY, v TEXT)")
    files = {}  # file stem (its kind) -> [seconds, rows]
    for p in _csvs(folder):
        blocks = pd.read_csv(p, dtype=str, chunksize=BLOCK_ROWS) if p.stat().st_size > BIG_FILE \
            else [pd.read_csv(p, dtype=str)]
        seconds, n = 0.0, 0
        con.execute("BEGIN")
        for frame in blocks:
            payload = list(zip((f"{p.stem}:{i}" for i in range(n, n + len(frame))),
                               frame.to_json(orient="records", lines=True, force_ascii=False).splitlines()))
            t = time.perf_counter()
            con.executemany("INSERT INTO t VALUES (?, ?)", payload)
            seconds += time.perf_counter() - t
            n += len(frame)
        t = time.perf_counter()
        con.execute("COMMIT")
        files[p.stem] = [seconds + time.perf_counter() - t, n]
    emit(seconds=sum(s for s, _ in files.values()), rows=sum(r for _, r in files.values()),
         files=files)


def load(folder: str, store_path: str) -> None:
    from graph_model.store.embedded.store import EmbeddedStore
    from loaders.load import Checks, load_paths
    from queries.rules.repair import row_rules

    store = EmbeddedStore(store_path)
    files = {}  # file stem (its kind) -> [seconds from the previous file's end, rows]
    t = last = time.perf_counter()

    def done(summary) -> None:
        nonlocal last
        now = time.perf_counter()
        files[Path(summary.path).stem] = [now - last, summary.rows_read]
        last = now

    summaries = load_paths(store, [folder], SECRET, on_file=done, checks=Checks(row_rules()))
    store.close()  # timed: it waits for the last load's log to be copied into the store
    seconds = time.perf_counter() - t
    emit(seconds=seconds, rows=sum(s.rows_read for s in summaries),
         rejected=sum(s.rows_rejected for s in summaries), files=files, **disk_io_mib(),
         **memory_parts_mib())


def memory_parts_mib() -> dict:
    """The peaks of two parts of this process's memory, in MiB: SQLite's (its page caches
    most of all; sqlite3_status, through the library Python's sqlite3 module uses) and
    Arrow's memory pool.  What the peak memory is made of, beside the whole."""
    import ctypes

    import _sqlite3
    import pyarrow as pa

    lib = ctypes.CDLL(_sqlite3.__file__)
    now, peak = ctypes.c_int64(), ctypes.c_int64()
    lib.sqlite3_status64.argtypes = [ctypes.c_int, ctypes.POINTER(ctypes.c_int64),
                                     ctypes.POINTER(ctypes.c_int64), ctypes.c_int]
    lib.sqlite3_status64(0, ctypes.byref(now), ctypes.byref(peak), 0)  # SQLITE_STATUS_MEMORY_USED
    return {"sqlite_peak_mib": peak.value / 2**20,
            "arrow_peak_mib": pa.default_memory_pool().max_memory() / 2**20}


def disk_io_mib() -> dict:
    """What this process read from and wrote to the disk (not the OS's cache), in MiB."""
    io = dict(line.split(":") for line in Path("/proc/self/io").read_text().splitlines())
    return {"disk_read_mib": int(io["read_bytes"]) / 2**20,
            "disk_write_mib": int(io["write_bytes"]) / 2**20}


def _subject_uids(store_path: str, n: int) -> list[str]:
    con = sqlite3.connect(f"file:{store_path}/graph.sqlite3?mode=ro", uri=True)
    max_nid = con.execute("SELECT max(nid) FROM nodes").fetchone()[0]
    rng = random.Random(7)
    out = []
    while len(out) < n:
        nid = rng.randint(1, max_nid)
        row = con.execute("SELECT uid FROM nodes WHERE nid = ? AND label IN "
                          "('Enterprise','Person','Vehicle','Vessel')", (nid,)).fetchone()
        if row:
            out.append(row[0])
    con.close()
    return out


def _percentiles(samples: list[float]) -> tuple[float, float]:
    a = np.array(samples) * 1000
    return float(np.percentile(a, 50)), float(np.percentile(a, 95))


CAP = 50


def floor_csr(store_path: str, queries: str) -> None:
    """The floor for traversals: a symmetric scipy CSR of the same topology, and 1- and
    2-hop expansions on it with the same per-node cap, returning node ids only."""
    import scipy.sparse as sp

    from graph_model.schema import schema
    from graph_model.store.embedded.sql import int_rows

    con = sqlite3.connect(f"file:{store_path}/graph.sqlite3?mode=ro", uri=True)
    types = schema().graph_rel_types()
    t = time.perf_counter()
    marks = ",".join("?" * len(types))
    edges = int_rows(con, f"SELECT src, dst FROM edges WHERE type IN ({marks})", types, 2)
    n = int(con.execute("SELECT max(nid) FROM nodes").fetchone()[0]) + 1
    ones = np.ones(len(edges), dtype=np.int8)
    m = sp.csr_matrix((ones, (edges[:, 0], edges[:, 1])), shape=(n, n))
    m = (m + m.T).tocsr()
    build_s = time.perf_counter() - t
    csr_mib = (m.indptr.nbytes + m.indices.nbytes + m.data.nbytes) / 2**20
    uids = _subject_uids(store_path, int(queries))
    nids = [con.execute("SELECT nid FROM nodes WHERE uid = ?", (u,)).fetchone()[0] for u in uids]

    def expand(frontier):
        out = []
        for v in frontier:
            out.extend(m.indices[m.indptr[v]:m.indptr[v + 1]][:CAP].tolist())
        return out

    figures = {"build_s": build_s, "csr_mib": csr_mib}
    for depth in (1, 2):
        samples = []
        for v in nids:
            t = time.perf_counter()
            frontier, seen = [v], {v}
            for _ in range(depth):
                frontier = [x for x in expand(frontier) if x not in seen]
                seen.update(frontier)
            samples.append(time.perf_counter() - t)
        figures[f"hop{depth}_p50_ms"], figures[f"hop{depth}_p95_ms"] = _percentiles(samples)
    emit(**figures)


def reopen(store_path: str) -> None:
    from graph_model.store.embedded.store import EmbeddedStore

    uid = _subject_uids(store_path, 1)[0]
    t = time.perf_counter()
    store = EmbeddedStore(store_path)
    store.neighbours([uid], limit=CAP)
    emit(seconds=time.perf_counter() - t)


def reopen_cold(store_path: str) -> None:
    from graph_model.store.embedded.store import PATCH_FILE, TOPOLOGY_FILE

    for name in (TOPOLOGY_FILE, PATCH_FILE):
        Path(store_path, name).unlink(missing_ok=True)
    reopen(store_path)


def walk(store, uid: str, depth: int) -> set[str]:
    """The nodes within ``depth`` hops of ``uid``, each node's expansion capped at CAP per
    type (what a traversal query asks of the store)."""
    frontier, seen = [uid], {uid}
    for _ in range(depth):
        hood = store.neighbours(frontier, limit=CAP)
        here = set(frontier)
        nxt = {e.dst if e.src in here else e.src for e in hood.edges} - seen
        seen |= nxt
        frontier = list(nxt)
    return seen


def hops(store_path: str, queries: str) -> None:
    from graph_model.store.embedded.store import EmbeddedStore

    store = EmbeddedStore(store_path)
    uids = _subject_uids(store_path, int(queries))
    store.neighbours(uids[:1])  # load the topology before timing
    figures = {}
    for depth in (1, 2):
        samples = []
        for uid in uids:
            t = time.perf_counter()
            walk(store, uid, depth)
            samples.append(time.perf_counter() - t)
        figures[f"hop{depth}_p50_ms"], figures[f"hop{depth}_p95_ms"] = _percentiles(samples)
    emit(**figures)


# -- the credit rules (queries/rules/recognition.py, queries/rules/discipline/) ----------
# The generated data run to 2026-10-31, but their last annual road grades end on 2026-03-31
# and their last quarterly grades on 2026-09-30: on 2026-10-31 no grade is valid.  The rule
# phases ask on 2026-03-15, when every scheme has a valid round.
RULES_AS_OF = "2026-03-15"


def _city_of(code: str | None) -> str:
    """The city a subject's regulator sits in (its region code's city; Suzhou if none)."""
    from graph_model.regions import ancestors, is_known, level_of

    if not code or not is_known(code):
        return "320500"
    if level_of(code) == "county":
        up = ancestors(code)
        return up[0] if up else code
    return code


def rules_single(store_path: str, queries: str) -> None:
    """recognized_grade and discipline for random subjects, each asked by the regulator of
    the subject's city (target: median under 10 ms each); discipline without a region too."""
    from graph_model.store.embedded.store import EmbeddedStore
    from queries.rules.discipline import discipline
    from queries.rules.recognition import recognized_grade

    store = EmbeddedStore(store_path)
    uids = _subject_uids(store_path, int(queries))
    nodes = store.get_nodes(uids)
    city = {u: _city_of(nodes[u].props.get("region_code")) for u in uids}
    store.neighbours(uids[:1])  # load the topology before timing
    recognized_grade(store, uids[0], city[uids[0]], RULES_AS_OF)  # read the rule files once
    discipline(store, uids[0], RULES_AS_OF, city[uids[0]])
    figures: dict = {}
    counts = {"graded": 0, "with_measures": 0}
    for name, call in (
        ("recognized_grade", lambda u: recognized_grade(store, u, city[u], RULES_AS_OF)),
        ("discipline", lambda u: discipline(store, u, RULES_AS_OF, city[u])),
        ("discipline_anywhere", lambda u: discipline(store, u, RULES_AS_OF)),
    ):
        samples = []
        for u in uids:
            t = time.perf_counter()
            out = call(u)
            samples.append(time.perf_counter() - t)
            if name == "recognized_grade":
                counts["graded"] += out.found
            elif name == "discipline":
                counts["with_measures"] += bool(out.measures)
        figures[f"{name}_p50_ms"], figures[f"{name}_p95_ms"] = _percentiles(samples)
    emit(**figures, **counts)


def rules_batch(store_path: str, region: str = "320000") -> None:
    """discipline_batch for a whole province (target: under 30 s)."""
    from graph_model.store.embedded.store import EmbeddedStore
    from queries.rules.discipline import discipline_batch

    store = EmbeddedStore(store_path)
    store.neighbours([f"Region:{region}"])  # load the topology before timing
    t = time.perf_counter()
    out = discipline_batch(store, region, RULES_AS_OF)
    emit(seconds=time.perf_counter() - t, subjects=len(out),
         measures=sum(len(r.measures) for r in out.values()),
         leads=sum(len(r.leads) for r in out.values()))


# -- list admission (queries/rules/admission.py, issue 14) -----------------------------------
ADMISSION_AS_OF = "2026-10-31"  # the generated events run to this day


def admission_single(store_path: str, queries: str) -> None:
    """list_admission for random vessels (green fast lane) and vehicles (whitelist), the ones
    with port calls or interceptions first (target: 95th percentile under 20 ms)."""
    import random

    from graph_model.store.embedded.store import EmbeddedStore
    from queries.rules.admission import list_admission

    store = EmbeddedStore(store_path)
    n = int(queries)
    calls = sorted({c.props["subject_uid"] for c in store.find_nodes("PortCall", limit=20000)})
    vessels = random.Random(1).sample(calls, min(n, len(calls)))
    cars = [v.uid for v in store.find_nodes("Vehicle", limit=20000)]
    cars = random.Random(2).sample(cars, min(n, len(cars)))
    list_admission(store, vessels[0], "GREEN_FAST_LANE", ADMISSION_AS_OF)  # read the rule files
    figures: dict = {}
    for name, code, uids in (("green_lane", "GREEN_FAST_LANE", vessels),
                             ("vehicle_whitelist", "VEHICLE_WHITELIST", cars)):
        samples, admitted = [], 0
        for u in uids:
            t = time.perf_counter()
            admitted += list_admission(store, u, code, ADMISSION_AS_OF).admitted
            samples.append(time.perf_counter() - t)
        figures[f"{name}_p50_ms"], figures[f"{name}_p95_ms"] = _percentiles(samples)
        figures[f"{name}_admitted"], figures[f"{name}_asked"] = admitted, len(uids)
    emit(**figures)


def admission_batch(store_path: str, region: str, code: str) -> None:
    """admission_review of a whole province (target: under 30 s)."""
    from graph_model.store.embedded.store import EmbeddedStore
    from queries.rules.admission import admission_review

    store = EmbeddedStore(store_path)
    t = time.perf_counter()
    r = admission_review(store, region, code, ADMISSION_AS_OF)
    emit(seconds=time.perf_counter() - t, checked=r.checked, admit=len(r.admit),
         remove=len(r.remove))


PHASES = {f.__name__: f for f in (generate, floor_read, floor_insert, load, floor_csr, reopen,
                                  reopen_cold, hops, rules_single, rules_batch, admission_single,
                                  admission_batch)}

if __name__ == "__main__":
    PHASES[sys.argv[1]](*sys.argv[2:])
