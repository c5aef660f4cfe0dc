"""The repair lifecycle of administrative penalties (DOMAIN.md rule 8; cases #2, #12).

A penalty is published from its decision date.  Once its *minimum* publication period is
over (ordinary dishonesty 3 months, serious 1 year) it may be repaired; at the end of its
*maximum* period (1 year, 3 years) publication ends anyway.  A repair (by commitment or by
closed loop) ends its effect on the repair date.  The periods and the catalogue of which
violation calls for which repair mode are data: ``queries/data/repair.yaml``.

The same effect window is what the other rules read: a penalty *counts* (in discipline,
in scores) from its decision date until the earlier of its repair date and the end of its
maximum period; a revoked (撤销) penalty never counts.

Examples
--------
>>> cat = repair_catalogue()
>>> import datetime as dt
>>> cat.window("一般", dt.date(2023, 6, 12))
(datetime.date(2023, 9, 12), datetime.date(2024, 6, 12))
>>> cat.mode_for("AIS未保持正常工作状态")[0]
'闭环'
>>> cat.mode_for("车辆超速行驶")[0]
'承诺'
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from graph_model.store.port import Node, Store
from queries.dates import InvalidInput, parse_as_of
from queries.rules.jurisdiction import (
    check_limit, check_region, filtered_page, inside, record_date,
)
from queries.rules.rulefile import RuleFile, as_int, months_after, require

__all__ = ["RepairCatalogue", "repair_catalogue", "load_repair_catalogue", "PenaltyRef",
           "RepairRef", "PenaltyState", "penalty_states", "penalty_state", "RepairCandidate",
           "RepairPage", "repair_eligible"]


@dataclass(frozen=True)
class RepairCatalogue:
    """Publication periods by severity and the repair mode each violation calls for."""

    periods: Mapping[str, tuple[int, int]]  # severity -> (minimum, maximum) months
    default_severity: str
    modes: Mapping[str, str]  # mode -> description
    rules: tuple[tuple[str, str, str], ...]  # (match, mode, why), first match wins
    default_mode: str
    source: str = ""

    def severity_of(self, value) -> str:
        sev = (str(value).strip() if value is not None else "") or self.default_severity
        if sev not in self.periods:
            raise InvalidInput(f"unknown penalty severity {sev!r}; known: {', '.join(self.periods)}")
        return sev

    def window(self, severity, decision_date: dt.date) -> tuple[dt.date, dt.date]:
        """(end of the minimum period, end of the maximum period): first days of each."""
        lo, hi = self.periods[self.severity_of(severity)]
        return months_after(decision_date, lo), months_after(decision_date, hi)

    def mode_for(self, violation) -> tuple[str, str]:
        """(mode, why) for a violation text."""
        text = str(violation or "")
        for match, mode, why in self.rules:
            if match in text:
                return mode, f"{match}: {why}"
        return self.default_mode, "not in the catalogue: closed loop unless shown unnecessary"


def parse_repair_catalogue(doc: Mapping, where: str = "repair") -> RepairCatalogue:
    raw = doc.get("publication")
    require(isinstance(raw, Mapping) and raw, where, "publication must map severities to periods")
    periods = {}
    for sev, spec in raw.items():
        require(isinstance(spec, Mapping), where, f"publication.{sev} must be a mapping")
        lo = as_int(spec.get("minimum_months"), where, f"publication.{sev}.minimum_months", 0)
        hi = as_int(spec.get("maximum_months"), where, f"publication.{sev}.maximum_months", 1)
        require(lo <= hi, where, f"publication.{sev}: the minimum period is longer than the maximum")
        periods[str(sev)] = (lo, hi)
    default_sev = doc.get("default_severity")
    require(default_sev in periods, where, f"default_severity {default_sev!r} is not in publication")
    modes = doc.get("modes")
    require(isinstance(modes, Mapping) and modes, where, "modes must map mode names to descriptions")
    default_mode = doc.get("default_mode")
    require(default_mode in modes, where, f"default_mode {default_mode!r} is not a mode")
    rules = []
    for i, item in enumerate(doc.get("violations") or []):
        require(isinstance(item, Mapping), where, f"violations[{i}] must be a mapping")
        match, mode = item.get("match"), item.get("mode")
        require(isinstance(match, str) and match.strip(), where, f"violations[{i}] needs a match text")
        require(mode in modes, where, f"violations[{i}] ({match}): unknown mode {mode!r}")
        require(all(r[0] != match for r in rules), where, f"violation match {match!r} is listed twice")
        rules.append((match.strip(), mode, str(item.get("why", ""))))
    return RepairCatalogue(periods, default_sev, dict(modes), tuple(rules), default_mode, where)


#: The installed repair catalogue: ``repair_catalogue()``, read and checked once; ``load_repair_catalogue(path)``
#: reads and checks another file of the catalogue.
repair_catalogue: RuleFile[RepairCatalogue] = RuleFile("repair.yaml", parse_repair_catalogue)
load_repair_catalogue = repair_catalogue.load


# -- penalty states -------------------------------------------------------------------

@dataclass(frozen=True)
class PenaltyRef:
    uid: str
    decision_no: str
    subject: str | None
    violation: str | None
    severity: str
    status: str
    decision_date: dt.date
    agency: str | None
    agency_region: str | None


@dataclass(frozen=True)
class RepairRef:
    uid: str
    repaired_on: dt.date
    mode: str | None
    agency: str | None
    agency_region: str | None


@dataclass(frozen=True)
class PenaltyState:
    """Where a penalty stands on ``as_of``.

    ``state`` is one of ``'not yet decided'``, ``'revoked'``, ``'published'`` (inside the
    minimum period), ``'repairable'`` (minimum period over, not repaired), ``'repaired'``
    and ``'expired'`` (maximum period over).  ``counts`` is True while it is published and
    neither revoked nor repaired; ``effect_until`` is the first day it no longer counts,
    as the records tell it (a repair recorded after ``as_of`` included).
    """

    penalty: PenaltyRef
    as_of: dt.date
    minimum_end: dt.date
    maximum_end: dt.date
    repair: RepairRef | None  # the first repair on or before as_of
    state: str
    mode: str  # the repair mode the violation calls for
    mode_reason: str
    first_repair: RepairRef | None = None  # the first repair recorded, also after as_of

    @property
    def counts(self) -> bool:
        return self.state in ("published", "repairable")

    @property
    def effect_until(self) -> dt.date | None:
        if self.state == "revoked":
            return self.penalty.decision_date
        first = self.first_repair or self.repair
        if first is not None and first.repaired_on < self.maximum_end:
            return first.repaired_on
        return self.maximum_end


def _penalty_ref(node: Node, cat: RepairCatalogue) -> PenaltyRef:
    p = node.props
    return PenaltyRef(node.uid, p.get("decision_no") or node.key, p.get("subject_uid"),
                      p.get("violation"), cat.severity_of(p.get("severity")),
                      str(p.get("status") or "有效"), record_date(node, "decision_date"),
                      p.get("agency"), p.get("agency_region"))


def _repairs_by_decision(store: Store, decision_nos: Sequence[str]) -> dict[str, list[RepairRef]]:
    """The repairs of each decision number.

    A Repair's key is ``<decision number>|<repaired_on>`` (graph_model/schema.yaml), so a
    decision's repairs are the uids right after ``Repair:<decision number>|``: a keyset
    lookup per decision.  (Filtering ``find_nodes`` on ``decision_no`` instead walks every
    Repair in the embedded store: ~90 ms a call at a tenth of Yangtze scale.)
    """
    out: dict[str, list[RepairRef]] = {}
    for dno in decision_nos:
        prefix = f"Repair:{dno}|"
        for n in store.iter_nodes("Repair", after=prefix, page=4):
            if not n.uid.startswith(prefix):
                break
            if n.props.get("decision_no", dno) == dno:
                out.setdefault(dno, []).append(RepairRef(
                    n.uid, record_date(n, "repaired_on"), n.props.get("mode"),
                    n.props.get("agency"), n.props.get("agency_region")))
    for reps in out.values():
        reps.sort(key=lambda r: (r.repaired_on, r.uid))
    return out


def state_of(ref: PenaltyRef, repairs: Sequence[RepairRef], day: dt.date,
             cat: RepairCatalogue) -> PenaltyState:
    """The state of one penalty given its repairs (no store access)."""
    lo, hi = cat.window(ref.severity, ref.decision_date)
    repair = next((r for r in repairs if r.repaired_on <= day), None)
    if ref.status == "撤销":
        state = "revoked"
    elif day < ref.decision_date:
        state = "not yet decided"
    elif repair is not None and repair.repaired_on < hi:
        state = "repaired"
    elif day >= hi:
        state = "expired"
    elif day >= lo:
        state = "repairable"
    else:
        state = "published"
    mode, why = cat.mode_for(ref.violation)
    return PenaltyState(ref, day, lo, hi, repair, state, mode, why, repairs[0] if repairs else None)


def penalty_states(store: Store, penalties: Iterable[Node], as_of,
                   catalogue: RepairCatalogue | None = None) -> dict[str, PenaltyState]:
    """The state on ``as_of`` of each Penalty node, by uid (repairs looked up in one pass).

    Examples
    --------
    On the demo data, the penalties of 无锡太湖物流 in December 2023::

        >>> about = store.records_about(["Enterprise:91320211MA1Y4E9K0R"])
        >>> pens = [n for n in about["Enterprise:91320211MA1Y4E9K0R"] if n.label == "Penalty"]
        >>> [(s.penalty.decision_no, s.state) for s in penalty_states(store, pens, "2023-12-01").values()]
        [('无锡交罚〔2023〕0000456号', 'repaired')]
    """
    cat = catalogue or repair_catalogue()
    day = parse_as_of(as_of)
    refs = [_penalty_ref(n, cat) for n in penalties]
    repairs = _repairs_by_decision(store, sorted({r.decision_no for r in refs}))
    return {r.uid: state_of(r, repairs.get(r.decision_no, ()), day, cat) for r in refs}


def penalty_state(store: Store, decision_no: str, as_of,
                  catalogue: RepairCatalogue | None = None) -> PenaltyState:
    """Where the penalty ``decision_no`` stands on ``as_of``.

    Examples
    --------
    On the demo data::

        >>> s = penalty_state(store, "无锡交罚〔2023〕0000456号", "2023-10-01")
        >>> s.state, s.minimum_end, s.maximum_end, s.mode
        ('repairable', datetime.date(2023, 9, 12), datetime.date(2024, 6, 12), '承诺')
        >>> penalty_state(store, "无锡交罚〔2023〕0000456号", "2023-10-20").state
        'repaired'
    """
    day = parse_as_of(as_of)
    if not isinstance(decision_no, str) or not decision_no.strip():
        raise InvalidInput(f"decision_no: {decision_no!r} is not a decision number")
    node = store.get_nodes([f"Penalty:{decision_no.strip()}"]).get(f"Penalty:{decision_no.strip()}")
    if node is None:
        raise InvalidInput(f"decision_no: no penalty {decision_no!r} in the store")
    return penalty_states(store, [node], day, catalogue)[node.uid]


# -- repair_eligible ------------------------------------------------------------------

@dataclass(frozen=True)
class RepairCandidate:
    """A penalty whose minimum period is over and that is not repaired: remind its subject."""

    penalty: PenaltyRef
    minimum_end: dt.date
    maximum_end: dt.date
    mode: str
    mode_reason: str


@dataclass(frozen=True)
class RepairPage:
    items: tuple[RepairCandidate, ...]
    next_after: str | None  # pass as ``after`` for the next page; None: no more


def _eligible_dates(day: dt.date, cat: RepairCatalogue) -> list[str]:
    """Decision dates whose penalty (of some severity) is repairable on ``day``."""
    longest = max(hi for _, hi in cat.periods.values())
    start = months_after(day, -(longest + 1))
    out = []
    d = start
    while d <= day:
        for lo, hi in cat.periods.values():
            if months_after(d, lo) <= day < months_after(d, hi):
                out.append(d.isoformat())
                break
        d += dt.timedelta(days=1)
    return out


def repair_eligible(store: Store, region: str, as_of, after: str | None = None,
                    limit: int = 100, catalogue: RepairCatalogue | None = None) -> RepairPage:
    """Penalties issued in ``region`` that may be repaired on ``as_of`` and are not yet.

    A penalty qualifies when it is not revoked, its minimum publication period is over
    (``minimum_end <= as_of``), its maximum period is not (``as_of < maximum_end``), and
    no repair is recorded on or before ``as_of``.  Each comes with the repair mode its
    violation calls for (catalogue ``queries/data/repair.yaml``).

    Parameters
    ----------
    store : Store
    region : str
        Division code; penalties by agencies in it or inside it.
    as_of : datetime.date or str
    after : str, optional
        Penalty uid to continue after (``next_after`` of the previous page).
    limit : int
        Page size (1 to 10,000).

    Returns
    -------
    RepairPage
        ``items`` in penalty-uid order and ``next_after``.

    Examples
    --------
    On the demo data, Wuxi on 2023-10-01: the ordinary penalty of 2023-06-12 passed its
    three months on 2023-09-12 and is not yet repaired (it will be on 2023-10-20)::

        >>> page = repair_eligible(store, "320200", "2023-10-01")
        >>> [(c.penalty.decision_no, str(c.minimum_end), c.mode) for c in page.items]
        [('无锡交罚〔2023〕0000456号', '2023-09-12', '承诺')]
    """
    cat = catalogue or repair_catalogue()
    day = parse_as_of(as_of)
    region = check_region(region)
    limit = check_limit(limit)
    where = {"decision_date": _eligible_dates(day, cat), "agency_region": sorted(inside(region))}

    def accept(nodes):
        states = penalty_states(store, nodes, day, cat)
        for n in nodes:
            s = states[n.uid]
            if s.state == "repairable":
                yield n.uid, RepairCandidate(s.penalty, s.minimum_end, s.maximum_end, s.mode,
                                             s.mode_reason)

    items, next_after = filtered_page(
        lambda cursor, n: store.find_nodes("Penalty", where, after=cursor, limit=n),
        accept, after, limit)
    return RepairPage(tuple(items), next_after)
