"""The scoring engine's bench (issue 17): a data set at ``--scale`` with ``--point-entries``
point entries (scale 1 and 20 million: the Yangtze system's subjects, every kind, the
entries of #6, #13, #15, #16 and #19), loaded into an embedded store, then

* ``score`` of random scored subjects of each point-fed scheme (p50, p95), against its
  floor: the same subject's records read by one bare SQL statement and decoded;
* province-wide runs (``run_scheme``: every subject of the scheme's kinds registered in the
  province graded, rows made, nothing written), each against its floor: the province's
  subjects and all their records of the labels the scheme reads, by bare SQL, decoded;
  and the same run written as ``creditkb score run`` does (one load through the loaders).

Each figure has a second floor: the bare read of only the rows the scorer needs (its
scheme's point entries up to the day, for a run only those valid on it, as
``Store.point_entries_about`` reads them through its index, and the other labels' records);
and a single score a third: what it reads, as the store reads it for a ledger: those point
entries and only the other records its scheme's filter keeps (as ``Store.records_matching``
reads them, per what each uid is to the subject), each from its index alone where the
ledger's read is answered there (a point entry's, a fleet's alarms': no row read).

Each phase runs in its own process and reports its peak memory (max RSS).  The load
average is printed at each phase: the machine is shared, so say what it was.

    .venv/bin/python -m bench.scoring --scale 1 --point-entries 20000000 --work /tmp/b --keep
    .venv/bin/python -m bench.scoring --work /tmp/b --reuse      # measure an existing store
    .venv/bin/python -m bench.scoring --work /tmp/b --reuse --evict  # ... every subject read cold
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from bench import scoring_phases
from bench.run import HERE, child, fmt_ratio

#: (scheme, province): Zhejiang's ship grades over Zhejiang (#6), the lock points over the
#: ships of Jiangsu, where most are registered (#13), and Sichuan's portrait run over
#: Jiangsu's firms, the largest province (#15, each firm's vehicles and drivers read too).
RUNS = (("zj_inland_vessel", "330000"), ("gx_lock_points", "320000"), ("sc_portrait", "320000"))
AS_OF = scoring_phases.AS_OF


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=0.05)
    ap.add_argument("--point-entries", type=int, default=None,
                    help="point entries to generate (default: the scale's)")
    ap.add_argument("--work", default=str(HERE / "out" / "scoring"))
    ap.add_argument("--keep", action="store_true", help="keep the data and the store")
    ap.add_argument("--reuse", action="store_true", help="measure the store in --work as it is")
    ap.add_argument("--queries", type=int, default=200, help="subjects per scheme for score")
    ap.add_argument("--write", action="store_true", help="also write each run (creditkb score run)")
    ap.add_argument("--runs", default=",".join(code for code, _ in RUNS),
                    help="the province runs to measure, by scheme code (comma-separated; "
                         "empty: none)")
    ap.add_argument("--no-single", action="store_true", help="skip the single scores")
    ap.add_argument("--evict", action="store_true",
                    help="first drop the store file's pages from the OS cache, so that every "
                         "subject's pages are read cold (posix_fadvise DONTNEED: the file's "
                         "pages only, for every process reading it)")
    args = ap.parse_args(argv)
    work = Path(args.work)
    data, store = work / "data", work / "store"
    lines = []

    def show(name, value, unit, floor=None, floor_name=""):
        ratio = f"  ({fmt_ratio(value, floor)} of {floor_name})" if floor else ""
        line = f"{name:<52} {value:>12,.2f} {unit}{ratio}"
        print(line, flush=True)
        lines.append(line)

    def load_avg(phase):
        line = f"# load average before {phase}: " + "%.2f %.2f %.2f" % os.getloadavg()
        print(line, flush=True)
        lines.append(line)

    if not args.reuse:
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        from creditkb.synth import plan_sizes

        n = args.point_entries or plan_sizes(args.scale)["point_entries"]
        print(f"# creditkb scoring bench, scale {args.scale:g}, {n:,} point entries")
        load_avg("generate")
        gen = child("generate", str(data), str(args.scale), str(n), module="bench.scoring_phases")
        show("generate: seconds", gen["seconds"], "s")
        show("generate: point entries written", gen["rows"]["point_entries"], "rows")
        show("generate: peak memory", gen["max_rss_mib"], "MiB")
        load_avg("load")
        load = child("load", str(data), str(store))  # bench.phases' load, as bench/run.py's
        show("load: seconds (every kind)", load["seconds"], "s")
        show("load: rows", load["rows"], "rows")
        show("load: point entries, seconds", load["files"]["point_entries"][0], "s")
    if args.evict:
        evict(store)
    if not args.no_single:
        load_avg("score")
        single = child("score_single", str(store), str(args.queries), module="bench.scoring_phases")
        for code, _ in RUNS:
            show(f"score {code}, median", single[f"{code}_p50_ms"], "ms",
                 single[f"{code}_floor_p50_ms"], "its records read")
            show(f"score {code}, 95th pct", single[f"{code}_p95_ms"], "ms",
                 single[f"{code}_floor_p95_ms"], "its records read")
            show(f"score {code}, 95th pct", single[f"{code}_p95_ms"], "ms",
                 single[f"{code}_needed_p95_ms"], "the rows it needs read")
            show(f"score {code}, 95th pct", single[f"{code}_p95_ms"], "ms",
                 single[f"{code}_kept_p95_ms"], "the rows its filter keeps read")
        show("score, all schemes, 95th pct", single["all_p95_ms"], "ms", single["floor_p95_ms"],
             "records read")
        show("score, all schemes, 95th pct", single["all_p95_ms"], "ms", single["needed_p95_ms"],
             "the rows they need read")
        show("score, all schemes, 95th pct", single["all_p95_ms"], "ms", single["kept_p95_ms"],
             "the rows their filters keep read")
        show("score: entries per subject (mean)", single["entries_mean"], "entries")
        load_avg("after score")
    wanted = set(filter(None, args.runs.split(",")))
    for code, region in RUNS:
        if code not in wanted:
            continue
        load_avg(f"run {code} {region}")
        floor = child("floor_run", str(store), code, region, module="bench.scoring_phases")
        run = child("score_run", str(store), code, region, AS_OF, module="bench.scoring_phases")
        show(f"run {code} {region}: seconds", run["seconds"], "s", floor["seconds"],
             "its records read")
        show(f"run {code} {region}: seconds", run["seconds"], "s", floor["needed_seconds"],
             "the rows it needs read")
        show(f"run {code} {region}: subjects / graded", run["subjects"], f"/ {run['graded']:,}")
        show(f"run {code} {region}: records read", run["entries"], "records")
        show(f"run {code} {region}: records read by the floor", floor["records"], "records")
        show(f"run {code} {region}: rows it needs", floor["needed_records"], "records")
        load_avg(f"after run {code} {region}")
        show(f"run {code} {region}: peak memory", run["max_rss_mib"], "MiB")
        print(f"#   grades: {run['grades']}", flush=True)
        if args.write:
            wrote = child("score_run_write", str(store), code, region, AS_OF,
                          module="bench.scoring_phases")
            show(f"run {code} {region} written (creditkb score run)", wrote["seconds"], "s")
            show(f"run {code} {region} written: peak memory", wrote["max_rss_mib"], "MiB")
    (work / "results.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    if not args.keep and not args.reuse:
        shutil.rmtree(data, ignore_errors=True)
        shutil.rmtree(store, ignore_errors=True)
    return 0


def evict(store: Path) -> None:
    """Drop the store's files from the OS page cache (dirty pages stay: none, once
    checkpointed), so a bench of cold reads does not depend on what ran before it."""
    for path in store.glob("graph.sqlite3*"):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)
    print(f"# evicted {store} from the OS page cache", flush=True)


if __name__ == "__main__":
    sys.exit(main())
