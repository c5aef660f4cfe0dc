"""Incremental loads (issue 19, item 2): a daily export of 1 % of a kind's rows loaded onto
a full store, against the same rows loaded into a store holding none of that kind, and the
floor of the same rows (pandas read + bare SQLite insert); then reopening the store and its
first answer.  Every figure has the load average it ran under beside it.

    .venv/bin/python -m bench.delta --scale 0.1
    .venv/bin/python -m bench.delta --scale 1 --reuse   # the scale-1 store bench.run --keep left

Target (issue 19): a delta onto the full store within 1.5x of the same rows into the empty one.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from bench.run import HERE, child, fmt_ratio

KINDS = ("penalties", "list_entries", "vehicles")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--work", default=str(HERE / "out"), help="scratch folder")
    ap.add_argument("--reuse", action="store_true",
                    help="use the data and store bench.run --keep left at this scale")
    ap.add_argument("--keep", action="store_true", help="keep what this run generated")
    ap.add_argument("--seed", type=int, default=1,
                    help="the daily exports' seed (another one to run again on a kept store)")
    args = ap.parse_args(argv)

    work = Path(args.work) / f"scale-{args.scale:g}"
    data, store = work / "data", work / "store"
    scratch = work / "delta"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    rows = []

    def show(name, value, unit, floor=None, floor_name="", load=None):
        ratio = f"  ({fmt_ratio(value, floor)} of {floor_name})" if floor is not None else ""
        avg = f"  [load avg {max(load):.1f}]" if load else ""
        line = f"{name:<52} {value:>10,.2f} {unit}{ratio}{avg}"
        print(line, flush=True)
        rows.append(line)

    print(f"# creditkb delta bench, scale {args.scale:g} (1 = Yangtze), 1 % daily exports")
    if not args.reuse:
        shutil.rmtree(data, ignore_errors=True)
        shutil.rmtree(store, ignore_errors=True)
        gen = child("generate", str(data), str(args.scale))
        show("generate: seconds", gen["seconds"], "s")
        full = child("load", str(data), str(store))
        show(f"full load ({full['rows']:,} rows)", full["seconds"], "s", load=[os.getloadavg()[0]])
    elif not (store / "graph.sqlite3").exists():
        raise SystemExit(f"--reuse: no store at {store} (run bench.run --scale {args.scale:g} --keep)")

    mod = "bench.delta_phases"
    for kind in KINDS:
        folder = scratch / kind
        made = child("delta", str(data), kind, str(folder), str(args.seed), module=mod)
        floor_r = child("floor_read", str(folder))
        floor_i = child("floor_insert", str(folder), str(scratch / f"{kind}-floor.sqlite3"))
        floor_s = floor_r["seconds"] + floor_i["seconds"]
        empty = str(scratch / f"{kind}-empty")
        child("subjects_store", str(data), kind, empty, module=mod)
        into_empty = child("load_delta", empty, str(folder), module=mod)
        onto_full = child("load_delta", str(store), str(folder), module=mod)
        n = made["rows"]
        show(f"{kind}: floor, read + bare insert ({n:,} rows)", floor_s, "s")
        show(f"{kind}: into a store without {kind}", into_empty["seconds"], "s", floor_s, "floor",
             into_empty["load_avg"])
        show(f"{kind}: onto the full store (topology {onto_full['topology'] or 'unchanged'})",
             onto_full["seconds"], "s", into_empty["seconds"], "empty-store load (target 1.5x)",
             onto_full["load_avg"])
        if onto_full["rejected"] or into_empty["rejected"]:
            show(f"{kind}: rows rejected onto full / into empty", onto_full["rejected"], "rows")
            show(f"{kind}: rows rejected into empty", into_empty["rejected"], "rows")
        shutil.rmtree(empty, ignore_errors=True)
        shutil.rmtree(empty + ".files", ignore_errors=True)

    first = child("first_answer", str(store), module=mod)
    show("reopen + first traversal", first["traversal_s"], "s", load=first["load_avg"])
    show("reopen + first traversal + first recognized_grade", first["answer_s"], "s",
         load=first["load_avg"])
    (work / "delta-results.txt").write_text("\n".join(rows) + "\n", encoding="utf-8")
    if not args.keep:
        shutil.rmtree(scratch, ignore_errors=True)
        if not args.reuse:
            shutil.rmtree(data, ignore_errors=True)
            shutil.rmtree(store, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
