"""Joint discipline for a whole region in one pass: :func:`discipline_batch` gives the
answers :func:`~queries.rules.discipline.engine.discipline` gives, for every subject with a
measure in the region, by scanning the region's trigger records (and those of the
agreement partners sharing them) and walking the propagation rules forward."""

from __future__ import annotations

import datetime as dt
import gc
from collections import defaultdict
from contextlib import contextmanager
from typing import Sequence

from graph_model.store.port import Node, Store
from queries.dates import parse_as_of
from queries.rules.discipline.engine import (
    DisciplineResult, RulePath, applied_measures, find_triggers, make_context, starts_at, walk,
)
from queries.rules.discipline.rules import DisciplineRules, discipline_rules
from queries.rules.jurisdiction import (
    Agreement, all_agreements, check_region, find_all, inside, overlapping, record_date,
    record_optional_date, records_of,
)
from queries.rules.repair import repair_catalogue
from queries.rules.rulefile import months_after
from queries.rules.scales import Scales, scales as default_scales

__all__ = ["discipline_batch"]


def _dates_back(day: dt.date, months: int) -> list[str]:
    start, out = months_after(day, -months), []
    d = start
    while d <= day:
        out.append(d.isoformat())
        d += dt.timedelta(days=1)
    return out


def discipline_batch(store: Store, region: str, as_of, *, rules: DisciplineRules | None = None,
                     scales: Scales | None = None) -> dict[str, DisciplineResult]:
    """:func:`discipline` with ``region`` for every subject that has a measure there, in one
    pass: the same answers, found by scanning the region's trigger records (and those of
    the agreement partners sharing them) and walking the propagation rules forward.

    Returns
    -------
    dict[str, DisciplineResult]
        By subject uid, in uid order; subjects without a measure are left out.

    Examples
    --------
    On the demo data, everything that applies in Suzhou on 2026-06-01::

        >>> batch = discipline_batch(store, "320500", "2026-06-01")
        >>> "Vehicle:苏E8G520" in batch, batch["Vehicle:苏E8G520"].measure_codes
        (True, ('higher_inspection_ratio', 'exclude_incentives', 'exclude_green_lane'))
    """
    day = parse_as_of(as_of)
    region = check_region(region)
    rules = rules or discipline_rules()
    sc = scales or default_scales()
    agreements = all_agreements(store)
    with _gc_paused():
        return _batch(store, day, region, rules, sc, agreements)


@contextmanager
def _gc_paused():
    """Hold the cyclic garbage collector while hundreds of thousands of small answer
    objects are built (none of them cyclic); it otherwise re-walks every live node."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _scans(day: dt.date, region: str, rules: DisciplineRules, sc: Scales,
           agreements: Sequence[Agreement]) -> list[tuple[str, dict]]:
    """(label, where) of the record scans that find every trigger that may apply in
    ``region``: one per record label, for all trigger kinds of that label together."""
    live = [a for a in agreements if a.in_force(day)]
    near = overlapping(region)
    by_record = defaultdict(list)
    for tk in rules.triggers:
        by_record[tk.record].append(tk)
    scans = []
    if by_record["ListEntry"]:
        # Applies where issued and at the partners sharing the kind: issuers inside the
        # members of an agreement with a member overlapping the region may reach it.
        kinds = sorted({k for tk in by_record["ListEntry"] for k in tk.list_kinds})
        codes = set(near)
        for a in live:
            if a.touches(region) and any(a.shares_list(k) for k in kinds):
                for m in a.members:
                    codes |= inside(m)
        scans.append(("ListEntry", {"list_kind": kinds, "agency_region": sorted(codes)}))
    if by_record["Penalty"]:
        cat = repair_catalogue()
        severities = sorted({v for tk in by_record["Penalty"] for v in tk.severities})
        longest = max(hi for _, hi in cat.periods.values())
        # Cheapest test first; a penalty without a severity has the default one.
        where = {} if cat.default_severity in severities else {"severity": severities}
        where.update({"decision_date": _dates_back(day, longest), "agency_region": sorted(near)})
        scans.append(("Penalty", where))
    if by_record["Commitment"]:
        statuses = sorted({v for tk in by_record["Commitment"] for v in tk.statuses})
        scans.append(("Commitment", {"status": statuses, "agency_region": sorted(near)}))
    if by_record["Evaluation"]:
        # Recognised in the region: issued in it, above it, or by a partner covering it.
        worst = min(tk.min_level.severity for tk in by_record["Evaluation"])
        grades = sorted({g for s in sc.schemes.values() for g in s.grades_at_least(worst)})
        codes = set(near)
        for a in live:
            if a.covers(region):
                for m in a.members:
                    codes |= inside(m)
        scans.append(("Evaluation", {"grade": grades, "agency_region": sorted(codes)}))
    return scans


def _batch(store: Store, day: dt.date, region: str, rules: DisciplineRules, sc: Scales,
           agreements: Sequence[Agreement]) -> dict[str, DisciplineResult]:
    scans = _scans(day, region, rules, sc, agreements)
    # (Run one after the other: side by side in threads they gained nothing on two cores,
    # and each new thread opens another embedded-store connection with its own page cache.)
    found = [list(find_all(store, label, where)) for label, where in scans]
    today = day.isoformat()
    records: dict[str, dict[str, list[Node]]] = defaultdict(lambda: defaultdict(list))
    eval_subjects: set[str] = set()
    worst = min((tk.min_level.severity for tk in rules.triggers if tk.record == "Evaluation"),
                default=None)
    for (label, _), nodes in zip(scans, found):
        for n in nodes:
            subj = n.props.get("subject_uid")
            if not subj:
                continue
            if label == "Evaluation":
                lv = sc.grade_level(n.props.get("scheme"), n.props.get("grade"))
                if (lv is not None and lv.severity >= worst and record_date(n, "valid_from") <= day
                        and (record_optional_date(n, "valid_to") or day) >= day):
                    eval_subjects.add(subj)
            elif label != "ListEntry" or str(n.props.get("listed_on", "9999")) <= today:
                records[subj][label].append(n)
    evaluations = records_of(store, sorted(eval_subjects), ["Evaluation"]) if eval_subjects else {}

    ctx = make_context(store, day, region, rules, sc, agreements)
    triggers = find_triggers(store, ctx, records, evaluations)
    if not triggers:
        return {}
    sources = store.get_nodes(sorted(triggers))
    paths = [RulePath(None, (s,), ()) for s in sources]
    starts = [(r, s) for s, node in sources.items() for r in rules.propagation
              if starts_at(r, node, reverse=False) and any(t.kind in r.triggers for t in triggers[s])]
    paths += walk(store, day, starts, False, dict(sources))
    out = applied_measures(rules, paths, triggers, day, region)
    return dict(sorted(out.items()))
