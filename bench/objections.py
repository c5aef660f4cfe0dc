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
5. ``after``   the same subjects again, interleaved in one process with the layer off and
               with the layer's lookup answering none (as on the store before): on a shared
               machine a change of load between phases 3 and 5 would otherwise read as a
               change of speed.

Each timing process makes an untimed pass over the subjects first, then ``--rounds``
rounds running every mode in turn; percentiles are over all rounds.
Target: ``after`` p95 within 1.5x of ``before`` p95.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: the day asked, as bench/phases.py asks the rules
from bench.phases import RULES_AS_OF, _city_of, _percentiles, _subject_uids, emit  # noqa: E402

CONTESTABLE = ("Penalty", "Evaluation", "ListEntry", "PointEntry", "Commitment")


def timing(store_path: str, queries: str, modes: str, rounds: str) -> None:
    """recognized_grade and discipline (by the subject's city) for the same random subjects,
    in ``rounds`` rounds each running every mode of ``modes`` in turn (interleaved in this
    process, so that a change of load falls on every mode alike):

    * ``floor``: the versions layer off (the records as stored, as before issue 16);
    * ``none_found``: the layer on, its lookup of objections answering none;
    * ``layer``: the layer as it is.
    """
    from graph_model.store.embedded.store import EmbeddedStore
    import queries.rules.jurisdiction as jurisdiction
    import queries.versions as versions
    from queries.rules.discipline import discipline
    from queries.rules.recognition import recognized_grade

    real_counted, real_lookup = jurisdiction.counted_by_subject, versions.objections_about
    setups = {
        "floor": lambda: setattr(jurisdiction, "counted_by_subject", lambda st, found, day: found),
        "none_found": lambda: (setattr(jurisdiction, "counted_by_subject", real_counted),
                               setattr(versions, "objections_about", lambda st, records, *how: {})),
        "layer": lambda: (setattr(jurisdiction, "counted_by_subject", real_counted),
                          setattr(versions, "objections_about", real_lookup)),
    }
    store = EmbeddedStore(store_path)
    uids = _subject_uids(store_path, int(queries))
    nodes = store.get_nodes(uids)
    city = {u: _city_of(nodes[u].props.get("region_code")) for u in uids}
    calls = {"recognized_grade": lambda u: recognized_grade(store, u, city[u], RULES_AS_OF),
             "discipline": lambda u: discipline(store, u, RULES_AS_OF, city[u])}
    for u in uids:  # a pass untimed: every mode times a warm store
        for call in calls.values():
            call(u)
    samples = {(m, name): [] for m in modes.split(",") for name in calls}
    flagged = 0
    loads = [os.getloadavg()[0]]
    for _ in range(int(rounds)):
        for mode in modes.split(","):
            setups[mode]()
            for name, call in calls.items():
                for u in uids:
                    t = time.perf_counter()
                    out = call(u)
                    samples[mode, name].append(time.perf_counter() - t)
                    if mode == "layer" and name == "discipline":
                        flagged += any(m.trigger.under_objection_since for m in out.measures)
        loads.append(os.getloadavg()[0])
    figures: dict = {"load_avg_1m": [round(x, 2) for x in loads], "answers_flagged": flagged}
    for (mode, name), xs in samples.items():
        figures[f"{mode}:{name}"] = _percentiles(xs)
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
        before = child("timing", str(store), str(args.queries), "floor,layer", str(args.rounds),
                       module=mod)
        o = child("object", str(store), str(args.share), module=mod)
        print(f"{o['objections']:,} objections on {o['records']:,} contestable records "
              f"({o['objections'] / max(o['records'], 1):.2%}), written in {o['write_s']:.1f} s",
              flush=True)
        after = child("timing", str(store), str(args.queries), "floor,none_found,layer",
                      str(args.rounds), module=mod)
        print(f"{args.rounds} interleaved rounds of {args.queries} subjects per mode; load "
              f"average (1 min) before {before['load_avg_1m']}, after {after['load_avg_1m']}")
        for name in ("recognized_grade", "discipline"):
            rows = {"floor (no layer)": before[f"floor:{name}"], "before": before[f"layer:{name}"],
                    "floor, objected": after[f"floor:{name}"],
                    "none found": after[f"none_found:{name}"], "after": after[f"layer:{name}"]}
            for label, (p50, p95) in rows.items():
                print(f"{name:<18} {label:<16} p50 {p50:7.2f} ms  p95 {p95:7.2f} ms")
            print(f"{name:<18} p95 after/before {rows['after'][1] / rows['before'][1]:.2f}x "
                  f"(target <= 1.5x); after/none found {rows['after'][1] / rows['none found'][1]:.2f}x "
                  f"and after/floor {rows['after'][1] / rows['floor, objected'][1]:.2f}x (same "
                  f"process, interleaved)")
        print(f"discipline answers flagged under objection (per round): "
              f"{after['answers_flagged'] // args.rounds}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in PHASES:
        PHASES[sys.argv[1]](*sys.argv[2:])
    else:
        sys.exit(main())
