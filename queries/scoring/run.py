"""A scheme run: the grades a scoring scheme gives the subjects of a region on a day, as
rows of the exchange format's ``evaluations`` kind, marked computed with the scheme's
version (``computed_by``, ``scheme_version``).  Written through the loaders' public path
(``loaders.write.write_rows``, by ``creditkb score run``), they are evaluations like loaded
ones: recognition, discipline, inspection and reports use them, each load is recorded with
its provenance, and ``creditkb loads undo`` takes a run back.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

from graph_model.gcpause import gc_paused
from graph_model.schema import schema
from graph_model.store.port import Store
from queries.dates import parse_as_of
from queries.rules.jurisdiction import check_region, find_all, inside
from queries.scoring.ledger import ONE_DAY, gather, ledger
from queries.scoring.schemes import Scheme
from queries.rules.rulefile import months_after

__all__ = ["RunResult", "run_scheme", "BATCH", "COMPUTED_BY"]

BATCH = 500  # subjects whose records are read in one go
COMPUTED_BY = "creditkb score"
#: the exchange format's word for each subject label (企业, 船舶, ...)
_WORD = {label: word for word, label in schema().subject_kinds.items()}


@dataclass
class RunResult:
    scheme: str
    version: str
    region: str
    as_of: dt.date
    rows: list[dict] = field(default_factory=list)  # evaluations rows, exchange-format columns
    subjects: int = 0  # subjects of the scheme's labels registered in the region
    not_scored: int = 0  # without anything to score from (no reviews, no veto)
    persons_skipped: int = 0  # persons: the loaders take them by resident ID, never stored
    entries_read: int = 0

    def grade_counts(self) -> dict[str, int]:
        return dict(Counter(r["grade"] for r in self.rows))


def run_scheme(store: Store, scheme: Scheme, region: str, as_of, agency: str | None = None,
               version_of: Callable[[str | None], Scheme] | None = None) -> RunResult:
    """The evaluations ``scheme`` gives the subjects registered in ``region`` on ``as_of``,
    valid from that day for the scheme's ``evaluation.valid_months``, issued by ``agency``
    (default: the scheme's issuer) of ``region``; ``version_of(region_code)`` gives the
    version for a subject of that region (a regional override), default ``scheme``."""
    day = parse_as_of(as_of)
    region = check_region(region)
    out = RunResult(scheme.code, scheme.version, region, day)
    valid_to = (months_after(day, scheme.evaluation_months) - ONE_DAY).isoformat()
    codes = sorted(inside(region))
    # The batches' records and ledgers are millions of objects without cycles: collecting
    # as they are made took a quarter of a portrait run (graph_model.gcpause).
    with gc_paused():
        for label in scheme.subjects:
            batch: list[str] = []
            for node in find_all(store, label, {"region_code": codes}):
                out.subjects += 1
                if label == "Person":
                    out.persons_skipped += 1
                    continue
                batch.append((node.uid, node.props.get("region_code")))
                if len(batch) == BATCH:
                    _versions(store, scheme, version_of, batch, day, out, agency, region, valid_to)
                    batch = []
            if batch:
                _versions(store, scheme, version_of, batch, day, out, agency, region, valid_to)
    return out


def _versions(store, scheme, version_of, batch, day, out, agency, region, valid_to) -> None:
    """Grade a batch, each subject by the version of its region."""
    groups: dict[str, tuple[Scheme, list[str]]] = {}
    known: dict[str | None, Scheme] = {}
    for uid, code in batch:
        if code not in known:
            known[code] = version_of(code) if version_of else scheme
        sch = known[code]
        groups.setdefault(sch.version, (sch, []))[1].append(uid)
    for sch, uids in groups.values():
        _grade(store, sch, uids, day, out, agency, region, valid_to)


def _grade(store: Store, scheme: Scheme, batch: list[str], day: dt.date, out: RunResult,
           agency: str | None, region: str, valid_to: str) -> None:
    ctx = gather(store, scheme, batch, day, counting_only=True)  # grades: no expired entries
    out.entries_read += sum(len(v) for v in ctx.records.values())
    for uid in batch:
        r = ledger(scheme, ctx, uid, day)
        if r.grade is None:
            out.not_scored += 1
            continue
        label, _, key = uid.partition(":")
        out.rows.append({
            "subject_kind": _WORD[label], "subject_id": key, "scheme": scheme.scheme,
            "grade": r.grade, "score": "" if r.score is None else f"{r.score:g}",
            "period": day.isoformat(), "agency": agency or scheme.issuer,
            "agency_region": region, "valid_from": day.isoformat(), "valid_to": valid_to,
            "computed_by": f"{COMPUTED_BY} {scheme.code}", "scheme_version": r.version,
        })
