"""The phases of bench/delta.py, each in its own process: ``python -m bench.delta_phases NAME ...``.
Each prints one JSON line: its figures, its peak memory and the load average it ran under."""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

from bench.phases import SECRET, _subject_uids, emit

#: the kinds a store must hold before a delta of a kind can be loaded into it "empty":
#: the subjects its rows are about (and, for vehicles, their owners)
SUBJECT_KINDS = ("enterprises", "vehicles", "vessels", "practitioners")


def _load(store_path: str, folder: str) -> dict:
    from graph_model.store.embedded.store import EmbeddedStore
    from loaders.load import Checks, load_paths
    from queries.rules.repair import row_rules

    store = EmbeddedStore(store_path)
    before = os.getloadavg()[0]
    t = time.perf_counter()
    summaries = load_paths(store, [folder], SECRET, checks=Checks(row_rules()))
    store.close()  # timed: it waits for the log to be copied into the store
    seconds = time.perf_counter() - t
    return dict(seconds=seconds, rows=sum(s.rows_read for s in summaries),
                loaded=sum(s.rows_loaded for s in summaries),
                rejected=sum(s.rows_rejected for s in summaries),
                topology=store.last_topology_change, load_avg=[before, os.getloadavg()[0]])


def delta(data: str, kind: str, out: str, seed: str = "1") -> None:
    """Write the 1 % daily export of ``kind`` into ``out``."""
    from creditkb.synth.delta import write_delta

    path = write_delta(data, kind, out, fraction=0.01, seed=int(seed))
    emit(rows=sum(1 for _ in open(path, encoding="utf-8")) - 1)


def subjects_store(data: str, kind: str, store_path: str) -> None:
    """A store holding the subjects the delta's rows are about, but none of ``kind``: the
    "empty store" a delta is compared with (not timed: it is the setting, not the figure)."""
    picked = Path(store_path + ".files")
    picked.mkdir(parents=True, exist_ok=True)
    # (a vehicle's practitioners name it: a store without vehicles holds their owners only)
    for k in (("enterprises",) if kind == "vehicles" else SUBJECT_KINDS):
        if k != kind:
            shutil.copy(Path(data) / f"{k}.csv", picked / f"{k}.csv")
    figures = _load(store_path, str(picked))
    shutil.rmtree(picked)
    emit(**figures)


def load_delta(store_path: str, folder: str) -> None:
    """Load the daily export in ``folder`` onto the store (timed)."""
    emit(**_load(store_path, folder))


def first_answer(store_path: str) -> None:
    """Open the store in a new process, then its first traversal and its first
    recognized_grade (the topology cache present, as a delta left it)."""
    from graph_model.store.embedded.store import EmbeddedStore
    from queries.rules.recognition import recognized_grade

    uid = _subject_uids(store_path, 1)[0]
    load_avg = os.getloadavg()[0]
    t = time.perf_counter()
    store = EmbeddedStore(store_path)
    store.neighbours([uid], limit=50)
    traversal = time.perf_counter() - t
    recognized_grade(store, uid, "320500", "2026-03-15")
    emit(traversal_s=traversal, answer_s=time.perf_counter() - t, load_avg=[load_avg])


PHASES = {f.__name__: f for f in (delta, subjects_store, load_delta, first_answer)}

if __name__ == "__main__":
    PHASES[sys.argv[1]](*sys.argv[2:])
