"""creditkb benchmark: one entry point, figures with their ratio to a floor measured in the
same run.

    .venv/bin/python -m bench.run --scale 0.1          # a tenth of Yangtze scale
    .venv/bin/python -m bench.run --scale 1            # Yangtze scale (DOMAIN.md #19)
    .venv/bin/python -m bench.run --both --scale 0.1   # the embedded store and Neo4j side by side
    .venv/bin/python -m bench.run --load-only --scale 1  # generate, the floors and the load only

Phases run in child processes, so each one's peak memory (max RSS) is its own:

* generate   the synthetic exchange-format files (not a target, shown for context)
* floor      pandas reading the same files; a bare bulk insert of the same rows into
             SQLite in WAL mode; a scipy CSR built from the same topology and traversed
* load       ``creditkb load`` of all files into a new embedded store
* reopen     opening that store in a new process and answering a first traversal
* hops       neighbourhood queries (1 and 2 hops, hub-capped) from random subjects,
             against the same hops on the raw CSR
* rules      recognized_grade and discipline for random subjects (by the regulator of the
             subject's city), and discipline_batch for Jiangsu (320000)
* admission  list_admission for random vessels and vehicles, admission_review of a province
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


#: Disk a run takes per unit of scale, measured at scale 0.1 (2.4 million rows: CSV files
#: 0.25 GiB, store 1.2 GiB, the floor's database about as large as the files' rows as
#: JSON), with room for the write-ahead log of the largest load: scale 10 needs ~200 GiB.
DISK_GIB_PER_SCALE = 20


def child(phase: str, *args: str, module: str = "bench.phases") -> dict:
    """Run ``<module> <phase>`` in a child process and return its JSON result (each
    phase reports its own peak memory)."""
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", module, phase, *args],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True)
    out, _ = proc.communicate()
    if proc.returncode:
        raise SystemExit(f"phase {phase} failed with exit code {proc.returncode}")
    result = json.loads(out.strip().splitlines()[-1])
    result.setdefault("wall_s", time.monotonic() - started)
    return result


def fmt_ratio(value: float, floor: float) -> str:
    return f"{value / floor:.2f}x" if floor else "n/a"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=0.05)
    ap.add_argument("--work", default=str(HERE / "out"), help="scratch folder")
    ap.add_argument("--keep", action="store_true", help="keep the generated data and store")
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--no-disk-check", action="store_true",
                    help="start even when the free disk looks too small (see DISK_GIB_PER_SCALE)")
    ap.add_argument("--load-only", action="store_true",
                    help="only what the load figures need: generate, the floors, the load")
    ap.add_argument("--both", action="store_true",
                    help="the embedded store and a real Neo4j side by side (bench/both.py)")
    args, rest = ap.parse_known_args(argv)
    if args.both:
        from bench.both import main as both

        return both([f"--scale={args.scale:g}", f"--work={args.work}", *rest]
                    + (["--keep"] if args.keep else []))
    if rest:
        ap.error(f"unrecognized arguments: {' '.join(rest)}")

    work = Path(args.work) / f"scale-{args.scale:g}"
    data, store = work / "data", work / "store"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    need = DISK_GIB_PER_SCALE * args.scale
    free = shutil.disk_usage(work).free / 2**30
    if free < need and not args.no_disk_check:
        raise SystemExit(f"bench.run --scale {args.scale:g} needs about {need:,.0f} GiB of disk "
                         f"in {work} (data, store and floor database; docs/scale.md) and "
                         f"{free:,.0f} GiB are free: give --work a larger disk, or "
                         f"--no-disk-check")

    rows = []

    def show(name, value, unit, floor=None, floor_name=""):
        ratio = f"  ({fmt_ratio(value, floor)} of {floor_name})" if floor is not None else ""
        line = f"{name:<44} {value:>12,.2f} {unit}{ratio}"
        print(line, flush=True)
        rows.append(line)

    def load_average(before: str) -> None:
        line = f"# load average before {before}: " + " ".join(f"{x:.2f}" for x in os.getloadavg())
        print(line, flush=True)
        rows.append(line)

    print(f"# creditkb bench, scale {args.scale:g} (1 = Yangtze: ~450,000 subjects, ~5.8 M records)")
    gen = child("generate", str(data), str(args.scale))
    show("generate: seconds", gen["seconds"], "s")
    show("generate: records written", gen["rows"], "rows")

    load_average("the floor")
    floor = child("floor_read", str(data))
    show("floor: pandas read of all files", floor["seconds"], "s")
    show("floor: pandas read, rows/s", floor["rows"] / floor["seconds"], "rows/s")
    ins = child("floor_insert", str(data), str(work / "floor.sqlite3"))
    show("floor: bare SQLite WAL insert of all rows", ins["seconds"], "s")
    if not args.keep:  # measured: its disk (8 GiB at scale 1) is the load's now
        _remove_floor_db(work)
    floor_total = floor["seconds"] + ins["seconds"]
    show("floor: read + insert", floor_total, "s")

    load_average("the load")
    load = child("load", str(data), str(store))
    show("load: seconds (validation, resolution incl.)", load["seconds"], "s", floor_total, "read+insert floor")
    show("load: rows/s", load["rows"] / load["seconds"], "rows/s")
    show("load: peak memory", load["max_rss_mib"], "MiB")
    show("load: peak memory of SQLite (page caches)", load["sqlite_peak_mib"], "MiB")
    show("load: peak memory of Arrow's pool", load["arrow_peak_mib"], "MiB")
    show("load: rows rejected", load["rejected"], "rows")
    show("load: read from disk", load["disk_read_mib"], "MiB")
    show("load: written to disk", load["disk_write_mib"], "MiB")
    # Each file (kind) against the floor of the same file: its pandas read and bare insert.
    for kind, (seconds, n) in load["files"].items():
        floor_s = floor["files"][kind][0] + ins["files"][kind][0]
        show(f"load {kind} ({n:,} rows, {n / seconds:,.0f} rows/s)", seconds, "s", floor_s,
             "its read+insert floor")
    size = sum(f.stat().st_size for f in store.iterdir()) / 2**20
    show("store: size on disk", size, "MiB")
    if args.load_only:
        return _finish(args, work, data, store, rows)

    csr = child("floor_csr", str(store), str(args.queries))
    show("floor: CSR build from the edge table", csr["build_s"], "s")
    show("floor: CSR memory (arrays)", csr["csr_mib"], "MiB")
    reopen = child("reopen", str(store))
    show("reopen + first traversal (cache present)", reopen["seconds"], "s")
    show("reopen: peak memory", reopen["max_rss_mib"], "MiB")
    cold = child("reopen_cold", str(store))
    show("reopen + first traversal (cache rebuilt)", cold["seconds"], "s", csr["build_s"], "CSR build")
    show("reopen cold: peak memory", cold["max_rss_mib"], "MiB")

    hops = child("hops", str(store), str(args.queries))
    for depth in (1, 2):
        raw = csr[f"hop{depth}_p50_ms"]
        show(f"{depth}-hop neighbourhood, median", hops[f"hop{depth}_p50_ms"], "ms", raw, "raw CSR")
        show(f"{depth}-hop neighbourhood, 95th pct", hops[f"hop{depth}_p95_ms"], "ms",
             csr[f"hop{depth}_p95_ms"], "raw CSR")

    rules = child("rules_single", str(store), str(args.queries))
    for name in ("recognized_grade", "discipline", "discipline_anywhere"):
        show(f"rules: {name}, median", rules[f"{name}_p50_ms"], "ms")
        show(f"rules: {name}, 95th pct", rules[f"{name}_p95_ms"], "ms")
    batch = child("rules_batch", str(store), "320000")
    show("rules: discipline_batch, Jiangsu", batch["seconds"], "s")
    show("rules: discipline_batch, subjects", batch["subjects"], "subjects")
    show("rules: discipline_batch, measures", batch["measures"], "measures")
    show("rules: discipline_batch, leads", batch["leads"], "leads")
    show("rules: discipline_batch, peak memory", batch["max_rss_mib"], "MiB")

    adm = child("admission_single", str(store), str(args.queries))
    for name in ("green_lane", "vehicle_whitelist"):
        show(f"admission: {name}, median", adm[f"{name}_p50_ms"], "ms")
        show(f"admission: {name}, 95th pct", adm[f"{name}_p95_ms"], "ms")
        show(f"admission: {name}, admitted of asked", adm[f"{name}_admitted"], "subjects")
    for code, region in (("GREEN_FAST_LANE", "320000"), ("VEHICLE_WHITELIST", "320000"),
                         ("XINYIPI_WHITELIST", "330000")):
        rev = child("admission_batch", str(store), region, code)
        show(f"admission: review {code}, province {region}", rev["seconds"], "s")
        show(f"admission: review {code}, checked", rev["checked"], "subjects")
        show(f"admission: review {code}, proposed additions", rev["admit"], "subjects")
        show(f"admission: review {code}, proposed removals", rev["remove"], "subjects")
        show(f"admission: review {code}, peak memory", rev["max_rss_mib"], "MiB")

    tracing = "bench.tracing_phases"
    rel = child("tracing_related", str(store), str(args.queries), module=tracing)
    show("tracing: related depth 2, median", rel["p50_ms"], "ms")
    show("tracing: related depth 2, 95th pct", rel["p95_ms"], "ms")
    show("tracing: related depth 2, slowest hub", rel["hub_max_ms"], "ms")
    pth = child("tracing_paths", str(store), str(args.queries), module=tracing)
    show("tracing: paths depth 4, median", pth["p50_ms"], "ms")
    show("tracing: paths depth 4, 95th pct", pth["p95_ms"], "ms")
    clu = child("tracing_clusters", str(store), module=tracing)
    show("tracing: whole-graph cluster pass", clu["seconds"], "s")
    show("tracing: clusters found", clu["clusters"], "clusters")
    show("tracing: cluster pass peak memory", clu["max_rss_mib"], "MiB")

    return _finish(args, work, data, store, rows)


def _finish(args, work: Path, data: Path, store: Path, rows: list[str]) -> int:
    (work / "results.txt").write_text("\n".join(rows) + "\n", encoding="utf-8")
    if not args.keep:
        shutil.rmtree(data, ignore_errors=True)
        shutil.rmtree(store, ignore_errors=True)
        _remove_floor_db(work)
    return 0


def _remove_floor_db(work: Path) -> None:
    for name in ("floor.sqlite3", "floor.sqlite3-wal", "floor.sqlite3-shm"):
        (work / name).unlink(missing_ok=True)


if __name__ == "__main__":
    sys.exit(main())
