"""The repair lifecycle of administrative penalties (DOMAIN.md rules 8, 17, 18; cases #2,
#3, #12).

A penalty is published from its decision date.  Once its *minimum* publication period is
over (ordinary dishonesty 3 months, serious 1 year) it may be repaired; at the end of its
*maximum* period (1 year, 3 years) publication ends anyway.  A repair (by commitment or by
closed loop) ends its effect on the repair date.  The periods and the catalogue of which
violation calls for which repair mode are data: ``queries/data/repair.yaml``.

A repair counts only when it keeps the rules (rule 17): dated on or after the end of the
minimum period, by closed loop (闭环, with its evidence) where the violation calls for one.
:func:`check_repairs` is that check, which ``creditkb load`` and ``recordRepair`` apply
before a repair is written (:func:`row_rules`); a repair kept anyway (``creditkb load
--lenient-repairs``) never counts: :class:`PenaltyState` lists it under ``refused``.

The same effect window is what the other rules read: a penalty *counts* (in discipline,
in scores) from its decision date until the earlier of its repair date and the end of its
maximum period; a revoked (撤销) penalty never counts.  It counts, and is listed for
repair, where it was decided (and wherever the deciding agency's jurisdiction binds) and
where its subject is registered (rule 18, #2: Tianjin reminds its firms penalised
anywhere); an agreement partner of the deciding region may record the repair (#3 异地修复).

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
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Sequence

from graph_model.gcpause import gc_paused
from graph_model.i18n import message
from graph_model.store.port import Between, Node, Store
from queries.dates import InvalidInput, parse_as_of, parse_optional_date
from queries.rules.basis import Basis, parse_basis
from queries.rules.jurisdiction import (
    NATIONAL, Jurisdictions, agreements_covering, check_limit, check_region, find_by_values,
    inside, jurisdictions, merged_page, record_date, within,
)
from queries.rules.rulefile import RuleFile, as_int, months_after, require

__all__ = ["RepairCatalogue", "repair_catalogue", "load_repair_catalogue", "PenaltyRef",
           "RepairRef", "PenaltyState", "penalty_states", "penalty_state", "RepairCandidate",
           "RepairPage", "repair_eligible", "check_repairs", "row_rules", "RepairRoute",
           "repair_route", "home_repairable", "decision_spans", "HOME", "DECIDING"]

#: Why a region sees a penalty: it was decided there (or the deciding agency's jurisdiction
#: binds there), or its subject is registered there (rule 18).
DECIDING, HOME = "DECIDING", "HOME"


RULES_REMEMBERED = 4096  # violation texts whose first matching rule a catalogue keeps


@dataclass(frozen=True)
class RepairCatalogue:
    """Publication periods by severity and the repair mode each violation calls for."""

    periods: Mapping[str, tuple[int, int]]  # severity -> (minimum, maximum) months
    default_severity: str
    modes: Mapping[str, str]  # mode -> description
    rules: tuple[tuple[str, str, str], ...]  # (match, mode, why), first match wins
    default_mode: str
    source: str = ""
    bases: Mapping[str, Basis] = field(default_factory=dict)  # "publication.<sev>", "mode.<mode>", "violations"
    #: violation text -> the index of the first rule matching it (-1: none), as mode_for
    #: found it: a repairs load asks it of every row, of a few dozen texts
    _first_rule: dict[str, int] = field(default_factory=dict, init=False, repr=False,
                                        compare=False)

    def severity_of(self, value) -> str:
        sev = (str(value).strip() if value is not None else "") or self.default_severity
        if sev not in self.periods:
            raise InvalidInput(message("error.repair.severity", severity=repr(sev),
                                       known=", ".join(self.periods)))
        return sev

    def window(self, severity, decision_date: dt.date) -> tuple[dt.date, dt.date]:
        """(end of the minimum period, end of the maximum period): first days of each."""
        lo, hi = self.periods[self.severity_of(severity)]
        return months_after(decision_date, lo), months_after(decision_date, hi)

    def mode_for(self, violation) -> tuple[str, str]:
        """(mode, why) for a violation text."""
        text = str(violation or "")
        first = self._first_rule.get(text)
        if first is None:
            if len(self._first_rule) >= RULES_REMEMBERED:
                self._first_rule.clear()
            first = self._first_rule[text] = next(
                (i for i, (match, _, _) in enumerate(self.rules) if match in text), -1)
        if first < 0:  # (the reason in the language asked for now)
            return self.default_mode, message("repair.reason.not_catalogued")
        match, mode, why = self.rules[first]
        return mode, f"{match}: {why}"

    def breaches(self, penalty: "PenaltyRef", repaired_on: dt.date, mode: str | None,
                 evidence: str | None) -> list[tuple[str, str]]:
        """What a repair of ``penalty`` on ``repaired_on`` by ``mode`` (with ``evidence``)
        breaks of rule 17, as (column, reason) pairs; none when it may count."""
        lo, _ = self.window(penalty.severity, penalty.decision_date)
        return self._breaches(penalty.severity, penalty.decision_date, penalty.violation, lo,
                              self.mode_for(penalty.violation), repaired_on, mode, evidence)

    def _breaches(self, severity: str, decided: dt.date, violation: str | None,
                  lo: dt.date, need: tuple[str, str], repaired_on: dt.date, mode: str | None,
                  evidence: str | None) -> list[tuple[str, str]]:
        """:meth:`breaches` given the penalty's minimum end ``lo`` and ``need`` (its
        :meth:`mode_for`), which :func:`check_repairs` works out once for the many rows
        that share them; the reasons are worded only for a row that breaks the rule."""
        out = []
        if repaired_on < lo:
            months = self.periods[severity][0]
            out.append(("repaired_on", message(
                "repair.reason.too_early", minimum_end=lo, months=str(months),
                severity=severity, decided=decided)))
        need, why = need
        closed = self.closed_loop_mode()
        if need == closed and mode != closed:
            out.append(("mode", message(
                "repair.reason.closed_loop" if mode else "repair.reason.closed_loop_no_mode",
                violation=violation or message("repair.reason.the_violation"),
                closed=closed, why=why, mode=mode)))
        if (mode == closed or need == closed) and not (evidence or "").strip():
            out.append(("evidence", message("repair.reason.evidence", closed=closed)))
        return out

    def closed_loop_mode(self) -> str:
        return "闭环" if "闭环" in self.modes else self.default_mode


def parse_repair_catalogue(doc: Mapping, where: str = "repair") -> RepairCatalogue:
    raw = doc.get("publication")
    require(isinstance(raw, Mapping) and raw, where, "publication must map severities to periods")
    periods, bases = {}, {}
    for sev, spec in raw.items():
        require(isinstance(spec, Mapping), where, f"publication.{sev} must be a mapping")
        lo = as_int(spec.get("minimum_months"), where, f"publication.{sev}.minimum_months", 0)
        hi = as_int(spec.get("maximum_months"), where, f"publication.{sev}.maximum_months", 1)
        require(lo <= hi, where, f"publication.{sev}: the minimum period is longer than the maximum")
        periods[str(sev)] = (lo, hi)
        bases[f"publication.{sev}"] = parse_basis(spec.get("basis"), where, f"publication.{sev}.basis")
    default_sev = doc.get("default_severity")
    require(default_sev in periods, where, f"default_severity {default_sev!r} is not in publication")
    raw_modes = doc.get("modes")
    require(isinstance(raw_modes, Mapping) and raw_modes, where, "modes must map mode names to descriptions")
    modes = {}
    for mode, spec in raw_modes.items():
        require(isinstance(spec, Mapping), where, f"modes.{mode} must be a mapping (doc, basis)")
        modes[str(mode)] = str(spec.get("doc", ""))
        bases[f"mode.{mode}"] = parse_basis(spec.get("basis"), where, f"modes.{mode}.basis")
    viol = doc.get("violations")
    require(isinstance(viol, Mapping), where, "violations must be a mapping")
    default_mode = viol.get("default_mode")
    require(default_mode in modes, where, f"default_mode {default_mode!r} is not a mode")
    bases["violations"] = parse_basis(viol.get("basis"), where, "violations.basis")
    rules = []
    for i, item in enumerate(viol.get("entries") or []):
        require(isinstance(item, Mapping), where, f"violations.entries[{i}] must be a mapping")
        match, mode = item.get("match"), item.get("mode")
        require(isinstance(match, str) and match.strip(), where, f"violations.entries[{i}] needs a match text")
        require(mode in modes, where, f"violations.entries[{i}] ({match}): unknown mode {mode!r}")
        require(all(r[0] != match for r in rules), where, f"violation match {match!r} is listed twice")
        rules.append((match.strip(), mode, str(item.get("why", ""))))
    return RepairCatalogue(periods, default_sev, modes, tuple(rules), default_mode, where, bases)


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
    subject_region: str | None = None


@dataclass(frozen=True)
class RepairRef:
    uid: str
    repaired_on: dt.date
    mode: str | None
    agency: str | None
    agency_region: str | None
    evidence: str | None = None


@dataclass(frozen=True)
class RefusedRepair:
    """A stored repair that does not count (kept by a lenient load), and why."""

    repair: RepairRef
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class PenaltyState:
    """Where a penalty stands on ``as_of``.

    ``state`` is one of ``'not yet decided'``, ``'revoked'``, ``'published'`` (inside the
    minimum period), ``'repairable'`` (minimum period over, not repaired), ``'repaired'``
    and ``'expired'`` (maximum period over).  ``counts`` is True while it is published and
    neither revoked nor repaired; ``effect_until`` is the first day it no longer counts,
    as the records tell it (a repair recorded after ``as_of`` included).  Repairs that
    break rule 17 never count: they are in ``refused``, with the reasons.
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
    refused: tuple[RefusedRepair, ...] = ()

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


#: The properties of a Penalty node :func:`penalty_ref` reads
PENALTY_REF_PROPS = ("decision_no", "subject_uid", "violation", "severity", "status",
                     "decision_date", "agency", "agency_region", "subject_region")


#: What :func:`check_repairs` reads of each penalty a repairs file names: the properties
#: of its :func:`penalty_ref` that :meth:`RepairCatalogue.breaches` reads, and its status
#: (which the loaders' revoked-penalty check reads of the same penalties: a chunk's shared
#: read then holds what the rule asks for, in its order).  Five of
#: :data:`PENALTY_REF_PROPS` less: a load's read of 120,000 penalties took 0.55 s, not 0.9.
CHECKED_PROPS = ("violation", "severity", "status", "decision_date")


def penalty_ref(node: Node, cat: RepairCatalogue) -> PenaltyRef:
    """A Penalty node as :class:`PenaltyRef` (dates checked); only its
    :data:`PENALTY_REF_PROPS` are read."""
    p = node.props
    return PenaltyRef(node.uid, p.get("decision_no") or node.key, p.get("subject_uid"),
                      p.get("violation"), cat.severity_of(p.get("severity")),
                      str(p.get("status") or "有效"), record_date(node, "decision_date"),
                      p.get("agency"), p.get("agency_region"), p.get("subject_region"))


def _repairs_by_decision(store: Store, decision_nos: Sequence[str]) -> dict[str, list[RepairRef]]:
    """The repairs of each decision number: one read per few thousand decisions through
    the decision_no index (a province's reminders ask for ~10^5, a score for a dozen),
    keeping those whose key (``<decision number>|<repaired_on>``, graph_model/schema.yaml)
    names the decision.  Only the repairs found are read: a keyset lookup of each
    decision's uids read the rows of the next repairs too, other decisions' (a page of
    them for each penalty that had none, its rows all over the file when read cold).
    (Without a sort for a page, SQLite seeks even one decision in the index.)
    """
    out: dict[str, list[RepairRef]] = {}
    for n in find_by_values(store, "Repair", "decision_no", decision_nos):
        dno = n.props["decision_no"]
        if n.uid.startswith(f"Repair:{dno}|"):
            out.setdefault(dno, []).append(RepairRef(
                n.uid, record_date(n, "repaired_on"), n.props.get("mode"), n.props.get("agency"),
                n.props.get("agency_region"), n.props.get("evidence")))
    return _by_repair_day(out)


def _by_repair_day(out: dict[str, list[RepairRef]]) -> dict[str, list[RepairRef]]:
    for reps in out.values():
        reps.sort(key=lambda r: (r.repaired_on, r.uid))
    return out


def state_of(ref: PenaltyRef, repairs: Sequence[RepairRef], day: dt.date,
             cat: RepairCatalogue) -> PenaltyState:
    """The state of one penalty given its repairs (no store access)."""
    lo, hi = cat.window(ref.severity, ref.decision_date)
    valid, refused = [], []
    for r in repairs:
        breaks = cat.breaches(ref, r.repaired_on, r.mode, r.evidence)
        if breaks:
            refused.append(RefusedRepair(r, tuple(reason for _, reason in breaks)))
        else:
            valid.append(r)
    repair = next((r for r in valid if r.repaired_on <= day), None)
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
    return PenaltyState(ref, day, lo, hi, repair, state, mode, why, valid[0] if valid else None,
                        tuple(refused))


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
    refs = [penalty_ref(n, cat) for n in penalties]
    repairs = _repairs_by_decision(store, sorted({r.decision_no for r in refs}))
    return {r.uid: state_of(r, repairs.get(r.decision_no, ()), day, cat) for r in refs}


def _penalty_node(store: Store, decision_no) -> Node:
    if not isinstance(decision_no, str) or not decision_no.strip():
        raise InvalidInput(message("error.repair.decision_no", value=repr(decision_no)))
    uid = f"Penalty:{decision_no.strip()}"
    node = store.get_nodes([uid]).get(uid)
    if node is None:
        raise InvalidInput(message("error.repair.no_penalty", value=repr(decision_no)))
    return node


def penalty_state(store: Store, decision_no: str, as_of,
                  catalogue: RepairCatalogue | None = None) -> PenaltyState:
    """Where the penalty ``decision_no`` stands on ``as_of``.

    Examples
    --------
    On the demo data::

        >>> s = penalty_state(store, "无锡交罚〔2023〕0000456号", "2023-10-01")
        >>> s.state, s.minimum_end, s.maximum_end, s.mode
        ('repairable', datetime.date(2023, 9, 12), datetime.date(2024, 6, 12), '闭环')
        >>> penalty_state(store, "无锡交罚〔2023〕0000456号", "2023-10-20").state
        'repaired'
    """
    day = parse_as_of(as_of)
    node = _penalty_node(store, decision_no)
    return penalty_states(store, [node], day, catalogue)[node.uid]


# -- checking repairs before they are written (rule 17) ---------------------------------

def check_repairs(store: Store, rows: Sequence[Mapping[str, Any]],
                  catalogue: RepairCatalogue | None = None) -> list[list[tuple[str, str]]]:
    """What each repair row breaks of rule 17, as (column, reason) pairs (empty: it may be
    written).  A row gives ``decision_no``, ``repaired_on`` (a date or ``YYYY-MM-DD``),
    ``mode`` and ``evidence`` (the exchange format's repairs columns); a row naming a
    penalty that is not stored, or a date that is not one, is left to the loader's own
    checks.

    Examples
    --------
    On the demo data: an ordinary penalty decided on 2023-06-12 may not be repaired before
    its three months are over, and a failure to keep up dynamic monitoring is repaired by
    closed loop, with evidence::

        >>> [r for r, in check_repairs(store, [{"decision_no": "无锡交罚〔2023〕0000456号",
        ...     "repaired_on": "2023-08-01", "mode": "闭环", "evidence": "整改报告"}])]
        [('repaired_on', '早于最短公示期届满之日（2023年9月12日：2023年6月12日作出的一般行政处罚，最短公示期3个月）；公示期届满后方可修复（#2、#12）')]
        >>> [c for c, _ in check_repairs(store, [{"decision_no": "无锡交罚〔2023〕0000456号",
        ...     "repaired_on": "2023-10-20", "mode": "承诺"}])[0]]
        ['mode', 'evidence']
    """
    cat = catalogue or repair_catalogue()
    numbers = sorted({str(r.get("decision_no")).strip() for r in rows if r.get("decision_no")})
    # only what the rule reads: a load checks every row of a repairs file
    found = store.node_props([f"Penalty:{n}" for n in numbers], CHECKED_PROPS) \
        if numbers else {}
    # A load checks 10^5 repairs of as many penalties, but of a few thousand decision days
    # and a few dozen violation texts: each penalty's severity and dates, each violation's
    # mode and each repair day are worked out once (checked as penalty_ref checks them).
    memo: dict[tuple, Any] = {}
    refs = {}
    for uid, props in found.items():
        sev, decided = props.get("severity"), props.get("decision_date")
        severity, decided, lo = _once(memo, ("window", type(sev), sev, type(decided), decided),
                                      lambda: _window(cat, Node(uid, "Penalty", props)))
        violation = props.get("violation")
        need = _once(memo, ("mode", type(violation), violation),
                     lambda: cat.mode_for(violation))
        refs[uid.partition(":")[2]] = (severity, decided, lo, violation, need)
    out = []
    for row in rows:
        ref = refs.get(str(row.get("decision_no") or "").strip())
        value = row.get("repaired_on")
        day = _once(memo, ("day", type(value), value), lambda: _repair_day(value))
        if ref is None or day is None:
            out.append([])
            continue
        severity, decided, lo, violation, need = ref
        out.append(cat._breaches(severity, decided, violation, lo, need, day,
                                 _text(row.get("mode")), _text(row.get("evidence"))))
    return out


def _once(memo: dict[tuple, Any], key: tuple, work: Callable[[], Any]) -> Any:
    """``work()``, done once per ``key`` (its values with their types: 1 is not True;
    unhashable ones each time)."""
    try:
        return memo[key]
    except KeyError:
        out = memo[key] = work()
        return out
    except TypeError:
        return work()


def _window(cat: RepairCatalogue, node: Node) -> tuple[str, dt.date, dt.date]:
    """A penalty's severity, decision date and end of its minimum period (checked and
    in the order :func:`penalty_ref` checks them)."""
    severity = cat.severity_of(node.props.get("severity"))
    decided = record_date(node, "decision_date")
    return severity, decided, cat.window(severity, decided)[0]


def _repair_day(value) -> dt.date | None:
    try:
        return parse_optional_date(value, "repaired_on")
    except InvalidInput:  # the loader's own checks reject it
        return None


#: what check_repairs reads of the penalties its rows name (see loaders.load.RowRules)
check_repairs.reads = {"Penalty": CHECKED_PROPS}
#: the columns of a row it reads (a load gives it only these)
check_repairs.columns = ("decision_no", "repaired_on", "mode", "evidence")


def _text(value) -> str | None:
    return None if value is None or value != value or str(value).strip() == "" else str(value).strip()


def row_rules() -> Mapping[str, Callable]:
    """The rules a loaded or written row of each file kind must keep beyond its column
    checks, for ``loaders.load.load_paths(rules=...)`` and ``loaders.write.write_rows``."""
    return {"repairs": check_repairs}


# -- who may see and record a repair (rule 18, #3) --------------------------------------

@dataclass(frozen=True)
class RepairRoute:
    """Why the regulator of a region may act on a penalty's repair: ``DECIDING``,
    ``HOME`` or ``AGREEMENT`` (an agreement partner of the deciding region, #3 异地修复)."""

    route: str
    agreement: str | None = None


def _routed(ref: PenaltyRef, region: str, day: dt.date, jur: Jurisdictions) -> str | None:
    """DECIDING when decided in ``region`` (or inside it), or by an authority whose
    jurisdiction binds there; else HOME when its subject is registered there."""
    j = jur.of(ref.agency)
    if within(ref.agency_region, region) or (
            j is not None and j.basis != "OWN" and j.in_effect(day) and j.binds(region)):
        return DECIDING
    if within(ref.subject_region, region):
        return HOME
    return None


def repair_route(store: Store, decision_no: str, region: str, as_of,
                 catalogue: RepairCatalogue | None = None) -> RepairRoute | None:
    """Whether the regulator of ``region`` may record a repair of ``decision_no`` on
    ``as_of``: where it was decided, where its subject is registered, or as a partner of
    an agreement in force with the deciding region (#3: "对符合信用修复条件的经营主体，需其
    他三市管理部门审核盖章的，由工作人员线上办理"); None when none holds.

    Examples
    --------
    On the demo data, Wuxi fined the Suzhou taxi 苏E3T519::

        >>> repair_route(store, "无锡交罚〔2024〕0000233号", "320200", "2024-06-01").route
        'DECIDING'
        >>> repair_route(store, "无锡交罚〔2024〕0000233号", "320500", "2024-06-01").route
        'HOME'
        >>> repair_route(store, "无锡交罚〔2024〕0000233号", "320400", "2024-06-01")
        RepairRoute(route='AGREEMENT', agreement='“苏锡常通”信用交通一体化联动发展框架协议')
        >>> repair_route(store, "无锡交罚〔2024〕0000233号", "330100", "2024-06-01") is None
        True
    """
    cat = catalogue or repair_catalogue()
    day = parse_as_of(as_of)
    region = check_region(region)
    ref = penalty_ref(_penalty_node(store, decision_no), cat)
    route = _routed(ref, region, day, jurisdictions(store))
    if route is not None:
        return RepairRoute(route)
    for a in sorted(agreements_covering(store, [region]), key=lambda a: a.name):
        if a.in_force(day) and a.covers(ref.agency_region):
            return RepairRoute("AGREEMENT", a.name)
    return None


# -- repair_eligible ------------------------------------------------------------------

@dataclass(frozen=True)
class RepairCandidate:
    """A penalty whose minimum period is over and that is not repaired: remind its subject."""

    penalty: PenaltyRef
    minimum_end: dt.date
    maximum_end: dt.date
    mode: str
    mode_reason: str
    routed_by: str = DECIDING  # DECIDING or HOME: why the region sees it (rule 18)


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
    """Penalties the regulator of ``region`` reminds of repair on ``as_of``: repairable and
    not yet repaired, decided in ``region`` (or by an agency whose jurisdiction binds
    there) or about a subject registered in it.

    A penalty qualifies when it is not revoked, its minimum publication period is over
    (``minimum_end <= as_of``), its maximum period is not (``as_of < maximum_end``), and
    no repair that counts is recorded on or before ``as_of``.  Each comes with the repair
    mode its violation calls for (catalogue ``queries/data/repair.yaml``) and
    ``routed_by``: ``DECIDING`` when decided there, else ``HOME`` (rule 18: "在全国范围内被
    处罚…的天津企业" get reminders from Tianjin).

    Parameters
    ----------
    store : Store
    region : str
        Division code.
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
        >>> [(c.penalty.decision_no, str(c.minimum_end), c.mode, c.routed_by) for c in page.items]
        [('无锡交罚〔2023〕0000456号', '2023-09-12', '闭环', 'DECIDING')]

    Suzhou's regulator is reminded of its taxi fined in Wuxi::

        >>> [(c.penalty.decision_no, c.routed_by) for c in repair_eligible(
        ...     store, "320500", "2024-06-01").items]
        [('无锡交罚〔2024〕0000233号', 'HOME')]
    """
    cat = catalogue or repair_catalogue()
    day = parse_as_of(as_of)
    region = check_region(region)
    limit = check_limit(limit)
    if after is not None and not isinstance(after, str):
        raise InvalidInput(message("error.repair.after", value=repr(after)))
    jur = jurisdictions(store)
    dates = _eligible_dates(day, cat)
    codes = sorted(inside(region))
    wheres = [{"decision_date": dates, "agency_region": codes},
              {"decision_date": dates, "subject_region": codes}]
    seats = sorted({s for j in jur.binding(region, day) for s in j.seats} - set(codes))
    if seats:
        wheres.append({"decision_date": dates, "agency_region": seats})
    batch = min(max(limit, 100), 5000)

    def accept(chunk):
        states = penalty_states(store, [n for n, _ in chunk], day, cat)
        for n, _ in chunk:
            s = states[n.uid]
            route = _routed(s.penalty, region, day, jur)
            if s.state == "repairable" and route is not None:
                yield RepairCandidate(s.penalty, s.minimum_end, s.maximum_end, s.mode,
                                      s.mode_reason, route)

    items, full = merged_page([store.iter_nodes("Penalty", w, after=after, page=batch)
                               for w in wheres], lambda n: True, accept, limit)
    return RepairPage(tuple(items), items[-1].penalty.uid if full else None)


# -- home_repairable ------------------------------------------------------------------

def decision_spans(day: dt.date, lo: int, hi: int) -> list[tuple[dt.date, dt.date]]:
    """The decision dates, as runs of days, whose penalty with a (``lo``, ``hi``)-month
    publication is repairable on ``day``: its minimum period over, its maximum not."""
    runs: list[list[dt.date]] = []
    d = months_after(day, -(hi + 1))
    while d <= day:
        if months_after(d, lo) <= day < months_after(d, hi):
            if runs and runs[-1][1] == d - dt.timedelta(days=1):
                runs[-1][1] = d
            else:
                runs.append([d, d])
        d += dt.timedelta(days=1)
    return [(a, b) for a, b in runs]


def _home_window_penalties(store: Store, region: str, day: dt.date,
                           cat: RepairCatalogue) -> list[Node]:
    """The penalties about subjects registered in ``region`` (not the whole country)
    whose decision date puts them, for their severity, past the minimum publication
    period on ``day`` and inside the maximum: per severity, a span of decision days read
    through the Penalty index (subject_region, decision_date, severity) of schema.yaml,
    instead of every penalty of the region's subjects.  Rows of the default severity are
    read without the severity (a penalty stored without one has it), the others with."""
    codes = sorted(inside(region))
    found: dict[str, Node] = {}
    for sev, (lo, hi) in cat.periods.items():
        for first, last in decision_spans(day, lo, hi):
            days = {(first + dt.timedelta(days=i)).isoformat()
                    for i in range((last - first).days + 1)}
            where = {"subject_region": codes, "decision_date": Between(first, last)}
            if sev != cat.default_severity:
                where["severity"] = sev
            for n in store.find_every("Penalty", where):
                # the days exactly as the dates filter of repair_eligible matches them
                if n.props.get("decision_date") in days and cat.severity_of(
                        n.props.get("severity")) == sev:
                    found[n.uid] = n
    return [found[uid] for uid in sorted(found)]


def home_repairable(store: Store, region: str, as_of, catalogue: RepairCatalogue | None = None,
                    read: dict[str, Node] | None = None) -> tuple[RepairCandidate, ...]:
    """The candidates of :func:`repair_eligible` about subjects registered in ``region``
    (rule 18, HOME: the subjects a region reminds, #2), all of them, in penalty-uid order:
    each with ``routed_by`` as there (DECIDING when also decided there).  ``read``, when
    given, gets the Penalty nodes read (by uid) for a caller that needs more of them.

    Examples
    --------
    >>> [(c.penalty.decision_no, c.routed_by) for c in home_repairable(store, "320500", "2024-06-01")]
    [('无锡交罚〔2024〕0000233号', 'HOME')]
    >>> home_repairable(store, "320200", "2024-06-01")
    ()
    """
    cat = catalogue or repair_catalogue()
    day = parse_as_of(as_of)
    region = check_region(region)
    with gc_paused():  # ~10^5 rows decoded and kept at once (graph_model.gcpause)
        if region == NATIONAL:  # every subject with a home region: repair_eligible's pages
            return _all_home_repairable(store, day, cat)
        nodes = _home_window_penalties(store, region, day, cat)
        if read is not None:
            read.update((n.uid, n) for n in nodes)
        return _repairable(store, [penalty_ref(n, cat) for n in nodes], region, day, cat)


def _all_home_repairable(store: Store, day: dt.date, cat: RepairCatalogue) -> tuple[RepairCandidate, ...]:
    found, after = [], None
    while True:
        page = repair_eligible(store, NATIONAL, day, after=after, limit=5000, catalogue=cat)
        found.extend(c for c in page.items if within(c.penalty.subject_region, NATIONAL))
        if page.next_after is None:
            return tuple(found)
        after = page.next_after


def _repairable(store: Store, refs: list[PenaltyRef], region: str, day: dt.date,
                cat: RepairCatalogue) -> tuple[RepairCandidate, ...]:
    """The candidates among ``refs``, penalties whose decision date puts them inside
    their publication window on ``day`` (the per-row work kept small: the window and the
    mode computed once per distinct value, the whole rule only for those with repairs)."""
    refs = [r for r in refs if r.status != "撤销"]
    repairs = _repairs_by_decision(store, sorted({r.decision_no for r in refs}))
    jur = jurisdictions(store)
    windows: dict[tuple[str, dt.date], tuple[dt.date, dt.date]] = {}
    modes: dict[str | None, tuple[str, str]] = {}
    routes: dict[tuple[str | None, str | None], str | None] = {}  # by (agency, its region)
    out = []
    for ref in refs:
        reps = repairs.get(ref.decision_no)
        if reps:  # the few with a repair on record: the whole rule
            s = state_of(ref, reps, day, cat)
            if s.state != "repairable":
                continue
            window, mode = (s.minimum_end, s.maximum_end), (s.mode, s.mode_reason)
        else:  # in its window, not revoked, not repaired: repairable (state_of's order)
            window = windows.get((ref.severity, ref.decision_date))
            if window is None:
                window = windows[ref.severity, ref.decision_date] = cat.window(
                    ref.severity, ref.decision_date)
            mode = modes.get(ref.violation)
            if mode is None:
                mode = modes[ref.violation] = cat.mode_for(ref.violation)
        route = routes.get((ref.agency, ref.agency_region), "")
        if route == "":  # DECIDING or else HOME (all are at home): once per agency
            route = routes[ref.agency, ref.agency_region] = _routed(ref, region, day, jur)
        out.append(RepairCandidate(ref, *window, *mode, route))
    return tuple(out)
