"""Objections bench (issue 16): recognition and discipline with 1 % of the records under
objection, against the same run without objections.

    .venv/bin/python -m bench.objections --scale 0.1 --queries 300

Phases, each in a process of its own (figures with the load average beside them):

1. generate and load the synthetic data (bench/phases.py);
2. ``floor``   recognized_grade and discipline for random subjects with the versions layer
               switched off (records as stored: what the rules cost before issue 16);
3. ``before``  the same subjects, the layer on, no objection stored;
4. ``object``  1 % (``--share``) of the contestable records (penalties, evaluations, list
               entries, point entries, commitments) get an objection: half open (核查中),
               a quarter upheld (维持), a quarter withdrawn (撤销) before the day asked;
5. ``after``   the same subjects again.

Target: ``after`` p95 within 1.5x of ``before`` p95.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: the day asked, as bench/phases.py asks the rules
from bench.phases import RULES_AS_OF, _city_of, _percentiles, _subject_uids, emit  # noqa: E402

CONTESTABLE = ("Penalty", "Evaluation", "ListEntry", "PointEntry", "Commitment")


def timing(store_path: str, queries: str, mode: str) -> None:
    """recognized_grade and discipline (by the subject's city) for the same random subjects."""
    from graph_model.store.embedded.store import EmbeddedStore
    import queries.rules.jurisdiction as jurisdiction
    from queries.rules.discipline import discipline
    from queries.rules.recognition import recognized_grade

    if mode == "floor":  # the records as stored, no version decided
        jurisdiction.counted_by_subject = lambda store, found, as_of: found
    store = EmbeddedStore(store_path)
    uids = _subject_uids(store_path, int(queries))
    nodes = store.get_nodes(uids)
    city = {u: _city_of(nodes[u].props.get("region_code")) for u in uids}
    for u in uids:  # a pass untimed: every run times a warm store
        recognized_grade(store, u, city[u], RULES_AS_OF)
        discipline(store, u, RULES_AS_OF, city[u])
    figures: dict = {"load_avg_1m": os.getloadavg()[0]}
    flagged = 0
    for name, call in (
            ("recognized_grade", lambda u: recognized_grade(store, u, city[u], RULES_AS_OF)),
            ("discipline", lambda u: discipline(store, u, RULES_AS_OF, city[u]))):
        samples = []
        for u in uids:
            t = time.perf_counter()
            out = call(u)
            samples.append(time.perf_counter() - t)
            if name == "discipline":
                flagged += any(m.trigger.under_objection_since for m in out.measures)
            elif out.found and out.evaluation.under_objection_since:
                flagged += 1
        figures[f"{name}_p50_ms"], figures[f"{name}_p95_ms"] = _percentiles(samples)
    figures["answers_flagged"] = flagged
    figures["load_avg_1m_after"] = os.getloadavg()[0]
    emit(**figures)


def object_records(store_path: str, share: str) -> None:
    """Objections to ``share`` of the contestable records, written in one transaction."""
    import pandas as pd

    from graph_model.store.embedded.store import EmbeddedStore

    store = EmbeddedStore(store_path)
    rng = random.Random(16)
    rows, records = [], 0
    for label in CONTESTABLE:
        for node in store.iter_nodes(label, page=20000):
            records += 1
            if rng.random() >= float(share):
                continue
            i = len(rows)
            status, closed = (("核查中", None) if i % 4 < 2 else
                              ("维持", "2026-02-20") if i % 4 == 2 else ("撤销", "2026-03-01"))
            rows.append({"objection_no": f"BENCH-{i:07d}", "subject_uid": node.props.get("subject_uid"),
                         "record": node.key, "record_uid": node.uid, "filed_on": "2026-01-15",
                         "status": status, "closed_on": closed,
                         "agency_region": node.props.get("agency_region") or "320500",
                         "ABOUT": node.props.get("subject_uid")})
    t = time.perf_counter()
    with store.transaction() as tx:
        tx.upsert_nodes("Objection", pd.DataFrame(rows))
    seconds = time.perf_counter() - t
    store.close()
    emit(records=records, objections=len(rows), write_s=seconds)


PHASES = {"timing": timing, "object": object_records}


def main(argv=None) -> int:
    from bench.run import child

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--share", type=float, default=0.01)
    ap.add_argument("--work", default=str(HERE / "out"))
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--rounds", type=int, default=3, help="timings of each kind, interleaved")
    ap.add_argument("--store", help="an embedded store without objections (--keep keeps "
                                    "one): copied, no generating and loading")
    args = ap.parse_args(argv)
    work = Path(args.work) / f"objections-{args.scale:g}"
    data, store = work / "data", work / "store"
    clean = Path(args.work) / f"objections-{args.scale:g}-clean"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    if args.store:  # a copy: the objections are written into it, never into the one given
        shutil.copytree(args.store, store)
    try:
        if not args.store:
            g = child("generate", str(data), f"{args.scale:g}")
            print(f"generated {g['rows']:,} rows in {g['seconds']:.1f} s", flush=True)
            ld = child("load", str(data), str(store))
            print(f"loaded {ld['rows']:,} rows in {ld['seconds']:.1f} s", flush=True)
            if args.keep:  # without objections, for another run with --store
                shutil.rmtree(clean, ignore_errors=True)
                shutil.copytree(store, clean)
                print(f"kept {clean} (pass it as --store)", flush=True)
        mod = "bench.objections"
        runs: dict[str, list[dict]] = {"floor": [], "before": [], "floor_after": [], "after": []}

        def rounds(*names):  # interleaved, so a change of load falls on every kind alike
            for _ in range(args.rounds):
                for name in names:
                    mode = "floor" if name.startswith("floor") else "layer"
                    runs[name].append(child("timing", str(store), str(args.queries), mode,
                                            module=mod))

        rounds("floor", "before")
        o = child("object", str(store), str(args.share), module=mod)
        print(f"{o['objections']:,} objections on {o['records']:,} contestable records "
              f"({o['objections'] / max(o['records'], 1):.2%}), written in {o['write_s']:.1f} s",
              flush=True)
        rounds("floor_after", "after")
        loads = [r["load_avg_1m"] for rs in runs.values() for r in rs]
        print(f"{args.rounds} rounds of {args.queries} subjects each; load average "
              f"{min(loads):.2f}..{max(loads):.2f} during the timings")
        med = lambda rs, k: statistics.median(r[k] for r in rs)  # noqa: E731
        for name in ("recognized_grade", "discipline"):
            for run, rs in runs.items():
                print(f"{name:<18} {run:<12} p50 {med(rs, f'{name}_p50_ms'):7.2f} ms  p95 "
                      f"{med(rs, f'{name}_p95_ms'):7.2f} ms  (median of the rounds)")
            b, a, f = (med(runs[k], f"{name}_p95_ms") for k in ("before", "after", "floor"))
            print(f"{name:<18} p95 after/before {a / b:.2f}x (target <= 1.5x); "
                  f"before/floor {b / f:.2f}x (the versions layer itself)")
        print(f"answers flagged under objection: {runs['after'][0]['answers_flagged']} "
              f"(before: {runs['before'][0]['answers_flagged']})")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in PHASES:
        PHASES[sys.argv[1]](*sys.argv[2:])
    else:
        sys.exit(main())
