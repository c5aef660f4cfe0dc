"""The phases of bench/scoring.py, each in its own process: ``python -m bench.scoring_phases
NAME ...``; each prints one JSON line with its figures and its own peak memory."""

from __future__ import annotations

import json
import random
import sqlite3
import sys
import time

from bench.phases import SECRET, _percentiles, emit

AS_OF = "2024-12-31"  # bench/scoring.py's day
#: the embedded store's test of a date stored as ISO text (sql.ISO_DAY_GLOB), spelled out so
#: the floors also run beside the code of before Store.point_entries_about
ISO_DAY_GLOB = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*"


def generate(out: str, scale: str, point_entries: str) -> None:
    """The data set at ``scale`` with ``point_entries`` point entries, written in chunks."""
    from creditkb.synth import generate as gen

    t = time.perf_counter()
    files = gen(out, scale=float(scale), seed=1, rows={"point_entries": int(point_entries)})
    rows = {k: sum(1 for _ in open(p, encoding="utf-8")) - 1 for k, p in files.items()}
    emit(seconds=time.perf_counter() - t, rows=rows)


def _db(store_path: str) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{store_path}/graph.sqlite3?mode=ro", uri=True)


def _scored_subjects(store_path: str, scheme_name: str, label: str, n: int) -> list[str]:
    """``n`` random subjects of ``label`` with point entries of the scheme (its evaluation
    scheme name), drawn from random point entries."""
    con = _db(store_path)
    lo, hi = con.execute("SELECT min(nid), max(nid) FROM nodes WHERE uid >= 'PointEntry:' "
                         "AND uid < 'PointEntry;'").fetchone()
    rng = random.Random(11)
    out: list[str] = []
    tries = 0
    while len(out) < n and tries < 200 * n:
        tries += 1
        row = con.execute(
            "SELECT d.uid, json_extract(r.props, '$.scheme') FROM nodes r JOIN nodes d "
            "ON d.nid = r.about WHERE r.nid = ?", (rng.randint(lo, hi),)).fetchone()
        if row and row[1] == scheme_name and row[0].startswith(label + ":") and row[0] not in out:
            out.append(row[0])
    con.close()
    return out


#: how _sources names the subjects: by uid (``d``) or by nid
BY_UID, BY_NID = "uid", "nid"


def _sources(by: str) -> tuple[str, str]:
    """The records ``r`` about subjects named ``by`` uid (``d``) or nid, each (``FROM ...
    WHERE ...``, taking the uids or nids as ``{marks}``) for the other labels (through the
    ABOUT index) and for the alarms (their side table), as the store joins them."""
    from graph_model.store.embedded import sql

    if by == BY_UID:
        return (f"FROM nodes d CROSS JOIN {sql.ABOUT_JOIN} WHERE d.uid IN ({{marks}})",
                f"FROM nodes d CROSS JOIN {sql.SIDE_JOIN} WHERE d.uid IN ({{marks}})")
    return (f"FROM nodes r WHERE r.{sql.LINKS['ABOUT']} IN ({{marks}})",
            f"FROM {sql.SIDE_TABLE} s JOIN nodes r ON r.nid = s.nid WHERE s.about IN ({{marks}})")


def _records_sql(by: str, labels: list[str], marks: str) -> tuple[str, int]:
    """The bare SQL of the records of ``labels`` about some subjects (named ``by``: BY_UID
    or BY_NID), as the store reads them, and how many times it takes the subjects."""
    from graph_model.store.embedded import sql

    plain, side = (x.format(marks=marks) for x in _sources(by))
    others = ",".join(f"'{x}'" for x in labels if x != sql.SIDE_LABEL)
    parts = [f"SELECT r.uid, r.label, r.props {plain} AND r.{sql.NOT_SIDE} "
             f"AND r.label IN ({others or 'NULL'})"]
    if sql.SIDE_LABEL in labels:
        parts.append(f"SELECT r.uid, r.label, r.props {side}")
    return " UNION ALL ".join(parts), len(parts)


def _needed_sql(scheme, by: str, marks: str, valid_on: bool
                ) -> tuple[str, int, list]:
    """The bare SQL of the rows the scorer reads about some subjects: the scheme's other
    labels, and its point entries up to the day (for a run: also valid on it), through the
    point-entry index as ``Store.point_entries_about`` reads them, the dates compared as
    ISO text as the store does.  ``by`` names the subjects (see _records_sql); the
    statement takes its subjects the returned number of times, then the returned
    parameters."""
    text, reps = _records_sql(by, [x for x in scheme.labels() if x != "PointEntry"], marks)
    source = _sources(by)[0].format(marks=marks)
    names = list(scheme.entry_schemes)
    vt, oc = "json_extract(r.props, '$.valid_to')", "json_extract(r.props, '$.occurred_on')"
    dated = (f" AND ({vt} IS NULL OR {vt} NOT GLOB '{ISO_DAY_GLOB}' OR substr({vt}, 1, 10) >= ?)"
             if valid_on else "")
    text += (f" UNION ALL SELECT r.uid, r.label, r.props {source} AND r.label = 'PointEntry' AND "
             f"json_extract(r.props, '$.scheme') IN ({','.join('?' * len(names))}){dated} AND "
             f"({oc} IS NULL OR {oc} NOT GLOB '{ISO_DAY_GLOB}' OR substr({oc}, 1, 10) <= ?)")
    return text, reps + 1, names + ([AS_OF] if valid_on else []) + [AS_OF]


def _filtered_rows(con, scheme, groups) -> list:
    """The rows of the other labels the scorer reads about ``groups`` (what each uid is to
    the subject: its uids), each group's records its scheme's filter keeps, read as
    ``Store.records_matching`` reads them (sql.record_reads); of a label whose records the
    ledger asks only for what the ABOUT index holds (a fleet's alarms), only the index's
    columns, as the store reads them there: (uid, label, props text or None)."""
    from graph_model.store.embedded import sql
    from graph_model.store.port import record_tests
    from queries.scoring.ledger import asked_props

    asked = asked_props(scheme)
    rows = []
    for how, uids in groups.items():
        marks = ",".join("?" * len(uids))
        tests = record_tests(scheme.record_tests(how))
        held = {label for label, alts in tests.items()
                if sql.about_answers(label, asked.get(label), alts)}
        for join, where, args, _ in sql.record_reads(
                {label: alts for label, alts in tests.items() if label not in held}):
            rows += con.execute(f"SELECT r.uid, r.label, r.props FROM nodes d CROSS JOIN {join} "
                                f"WHERE d.uid IN ({marks}){where}", [*uids, *args]).fetchall()
        for label in held:
            cond, args = sql.record_tests_sql(tests[label], label, rows=False) \
                if tests[label] is not None else ("1", [])
            cols = "".join(f", s.{p}" for p in sql.about_held(label))
            rows += [(key, label, None) for key, *_ in con.execute(
                f"SELECT s.key{cols} FROM nodes d CROSS JOIN {sql.SIDE_TABLE} s "
                f"ON s.about = d.nid WHERE d.uid IN ({marks}) AND {cond}", [*uids, *args])]
    return rows


def _entries_indexed(con, scheme, uids) -> list:
    """A subject's point entries of its scheme up to the day, read as the ledger reads them
    (``Store.point_entries_about`` with its ``props``): the point-entry index's columns
    alone, the array of values as (uid, label, its JSON text)."""
    from graph_model.store.embedded import sql

    col = {p: sql.point_entry_sql(e, "r") for p, e in sql.POINT_ENTRY_COLUMNS.items()}
    scheme_col, occurred = col["scheme"], col["occurred_on"]
    names = list(scheme.entry_schemes)
    return [(uid, "PointEntry", array) for uid, *_, array in con.execute(
        f"SELECT r.uid, {', '.join(col.values())}, {sql.point_entry_sql(sql.POINT_ENTRY_ARRAY, 'r')} "
        f"FROM nodes d JOIN nodes r INDEXED BY {sql.POINT_ENTRY_INDEX_NAME} ON r.about = d.nid "
        f"WHERE d.uid IN ({','.join('?' * len(uids))}) AND r.label = 'PointEntry' AND "
        f"{scheme_col} IN ({','.join('?' * len(names))}) AND ({occurred} IS NULL OR "
        f"{occurred} NOT GLOB '{sql.ISO_DAY_GLOB}' OR substr({occurred}, 1, 10) <= ?)",
        [*uids, *names, AS_OF])]


def score_single(store_path: str, queries: str) -> None:
    """``score`` of random scored subjects of every point-fed scheme, and the floor: the
    same subjects' records read by one bare SQL statement and decoded."""
    import datetime as dt

    from graph_model.store.embedded.store import EmbeddedStore
    from queries.scoring import score
    from queries.scoring.ledger import _fleet
    from queries.scoring.schemes import schemes

    n = int(queries)
    store = EmbeddedStore(store_path)
    con = _db(store_path)
    out: dict[str, float] = {}
    all_times, all_floor, all_needed, all_kept = [], [], [], []
    entries = []
    for code, label in (("zj_inland_vessel", "Vessel"), ("gx_lock_points", "Vessel"),
                        ("sc_portrait", "Enterprise")):
        s = schemes().get(code)
        subjects = _scored_subjects(store_path, s.scheme, label, n)
        score(store, subjects[0], code, "2024-12-31")  # warm the caches (scheme, regions)
        times, floor, needed, kept = [], [], [], []
        for uid in subjects:
            t = time.perf_counter()
            r = score(store, uid, code, "2024-12-31")
            times.append(time.perf_counter() - t)
            entries.append(len(r.entries) + len(r.expired))
            # the floor reads the same rows: the subject's, and its fleet's for a portrait
            # (which vehicles and drivers, found before the clock starts)
            uids = [uid]
            groups = {frozenset({"self"}): [uid]}
            if s.is_portrait:
                vehicles, drivers = _fleet(store, [uid], dt.date(2024, 12, 31))
                uids += vehicles[uid] + drivers[uid]
                groups.update({frozenset({"vehicles"}): vehicles[uid],
                               frozenset({"drivers"}): drivers[uid]})
            marks = ",".join("?" * len(uids))
            t = time.perf_counter()
            text, reps = _records_sql(BY_UID, list(s.labels()), marks)
            rows = con.execute(text, uids * reps).fetchall()
            [json.loads(p) for _, _, p in rows]
            floor.append(time.perf_counter() - t)
            # and the rows it needs: its scheme's point entries up to the day
            text, reps, args = _needed_sql(s, BY_UID, marks, valid_on=False)
            t = time.perf_counter()
            rows = con.execute(text, [*uids * reps, *args]).fetchall()
            [json.loads(p) for _, _, p in rows]
            needed.append(time.perf_counter() - t)
            # and what it reads now: the records its scheme's filter keeps (a fleet's alarms
            # from the ABOUT index alone), and its point entries from their index alone
            t = time.perf_counter()
            rows = _filtered_rows(con, s, {k: v for k, v in groups.items() if v})
            rows += _entries_indexed(con, s, uids)
            [json.loads(p) for _, _, p in rows if p is not None]
            kept.append(time.perf_counter() - t)
        out[f"{code}_p50_ms"], out[f"{code}_p95_ms"] = _percentiles(times)
        out[f"{code}_needed_p50_ms"], out[f"{code}_needed_p95_ms"] = _percentiles(needed)
        out[f"{code}_floor_p50_ms"], out[f"{code}_floor_p95_ms"] = _percentiles(floor)
        out[f"{code}_kept_p50_ms"], out[f"{code}_kept_p95_ms"] = _percentiles(kept)
        out[f"{code}_subjects"] = len(subjects)
        all_times += times
        all_floor += floor
        all_needed += needed
        all_kept += kept
    out["all_p50_ms"], out["all_p95_ms"] = _percentiles(all_times)
    out["floor_p50_ms"], out["floor_p95_ms"] = _percentiles(all_floor)
    out["needed_p50_ms"], out["needed_p95_ms"] = _percentiles(all_needed)
    out["kept_p50_ms"], out["kept_p95_ms"] = _percentiles(all_kept)
    out["entries_mean"] = sum(entries) / max(1, len(entries))
    store.close()
    emit(**out)


def score_run(store_path: str, code: str, region: str, as_of: str) -> None:
    """A province-wide run: the evaluations computed (not written: the write is the
    loaders' and timed apart)."""
    from graph_model.store.embedded.store import EmbeddedStore
    from queries.scoring import run_scheme

    store = EmbeddedStore(store_path)
    t = time.perf_counter()
    run = run_scheme(store, code, region, as_of)
    seconds = time.perf_counter() - t
    store.close()
    emit(seconds=seconds, subjects=run.subjects, graded=len(run.rows),
         entries=run.entries_read, grades=run.grade_counts())


def score_run_write(store_path: str, code: str, region: str, as_of: str) -> None:
    """``creditkb score run`` as a user runs it: computed and written as a load."""
    import os

    from creditkb.cli.main import main

    os.environ["CREDITKB_SECRET"] = SECRET
    t = time.perf_counter()
    rc = main(["score", "run", "--store", store_path, "--scheme", code, "--region", region,
               "--as-of", as_of])
    emit(seconds=time.perf_counter() - t, rc=rc)


def floor_run(store_path: str, code: str, region: str) -> None:
    """The floor of a run: the region's subjects of the scheme's labels and all their
    records of the labels it reads, by bare SQL, decoded; for a portrait also the records
    of each firm's vehicles and drivers, which it reads too (as ``score_single``'s floor,
    the fleet is found before the clock starts)."""
    import datetime as dt

    from graph_model.regions import regions
    from graph_model.store.embedded.store import EmbeddedStore
    from queries.scoring.ledger import _fleet
    from queries.scoring.schemes import schemes

    s = schemes().get(code)
    table = regions()
    prefix = region.rstrip("0")
    codes = [c for c in table["code"] if str(c).startswith(prefix[:2])]
    con = _db(store_path)
    fleet: list[int] = []
    if s.is_portrait:
        store = EmbeddedStore(store_path)
        firms = [u for (u,) in con.execute(
            f"SELECT uid FROM nodes WHERE label = 'Enterprise' AND json_extract(props, "
            f"'$.region_code') IN ({','.join('?' * len(codes))})", codes)]
        vehicles, drivers = _fleet(store, firms, dt.date.fromisoformat(AS_OF))
        store.close()
        uids = sorted({u for d in (vehicles, drivers) for us in d.values() for u in us})
        for i in range(0, len(uids), 500):
            part = uids[i:i + 500]
            fleet += [n for (n,) in con.execute(
                f"SELECT nid FROM nodes WHERE uid IN ({','.join('?' * len(part))})", part)]
    subjects = 0
    records = 0
    needed = needed_seconds = 0
    t = time.perf_counter()
    for label in s.subjects:
        marks = ",".join("?" * len(codes))
        nids = [r[0] for r in con.execute(
            f"SELECT nid FROM nodes WHERE label = '{label}' AND "
            f"json_extract(props, '$.region_code') IN ({marks})", codes)]
        subjects += len(nids)
        nids += fleet if label == "Enterprise" else []
        for i in range(0, len(nids), 500):
            part = nids[i:i + 500]
            marks = ",".join("?" * len(part))
            text, reps = _records_sql(BY_NID, list(s.labels()), marks)
            for _, _, p in con.execute(text, part * reps):
                json.loads(p)
                records += 1
            # and the rows a run needs: its scheme's point entries valid on the day
            text, reps, args = _needed_sql(s, BY_NID, marks, valid_on=True)
            began = time.perf_counter()
            for _, _, p in con.execute(text, [*part * reps, *args]):
                json.loads(p)
                needed += 1
            needed_seconds += time.perf_counter() - began
    emit(seconds=time.perf_counter() - t - needed_seconds, subjects=subjects, records=records,
         needed_seconds=needed_seconds, needed_records=needed)


if __name__ == "__main__":
    globals()[sys.argv[1]](*sys.argv[2:])
