"""Joint discipline 联合惩戒 (DOMAIN.md rule 6; cases #8, #16, #17, #18): which measures
apply to a subject on a day, and why.

Everything that decides an answer is data in ``queries/data/discipline.yaml``:

* the **measure catalogue** (bidding limits, no tolerance or commitment processing, higher
  inspection ratio, exclusion from incentive lists and green lanes, subsidy and market-entry
  limits, post restrictions of legal representatives, platforms stopping dispatch), each
  with the subject labels it can be taken against;
* the **triggers**: a serious-dishonesty listing, a recognised grade of the worst severity
  (``min_level``, see :mod:`queries.rules.scales`), a key-attention listing, a breached
  commitment, a serious penalty that still counts (:mod:`queries.rules.repair`);
* the **propagation rules**: which relationship paths carry which measures how far (firm →
  legal representative; firm → legal representative → the other firms that person
  represents; firm → owned and operated vehicles and vessels; dishonest driver → the
  platforms that must stop dispatching to them).

Each answer carries the measure, the trigger record (list entry, evaluation or penalty
decision number, commitment), the full path of nodes and relationships from the trigger
record to the subject, and the regions where it applies: the trigger's region and the
partners of the agreements in force that share its list kind or scheme.  A trigger's
effect ends on its removal, expiry or repair date X: for ``as_of >= X`` no measure it
caused is returned (``until`` is that first day without effect).

Given a ``region``, only measures that apply there are returned (a trigger applies in a
region when one of its regions contains the other), and grades are those recognised in
that region (:func:`queries.rules.recognition.recognized_grade`).  Without a region, every
measure anywhere is returned, grades being those recognised where they were issued.

:func:`discipline_batch` computes the same answers for every subject with a measure in a
region in one pass (scans by region instead of walks per subject).
"""

from __future__ import annotations

import datetime as dt
import gc
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from graph_model.store.port import Node, Store
from graph_model.schema import schema, split_uid
from queries.dates import parse_as_of
from queries.rules.jurisdiction import (
    Agreement, agreements_covering, all_agreements, check_region, check_subject, find_all,
    inside, overlapping, overlaps, record_date, record_optional_date, records_of,
)
from queries.rules.recognition import EvaluationRef, recognize
from queries.rules.repair import RepairCatalogue, penalty_states, repair_catalogue
from queries.rules.rulefile import RuleFile, as_int, as_str_list, months_after, require
from queries.rules.scales import Level, Scales, scales as default_scales
from queries.traverse import edge_valid_on

__all__ = ["Measure", "TriggerKind", "Step", "Rule", "DisciplineRules", "discipline_rules",
           "load_discipline_rules", "Hop", "Trigger", "AppliedMeasure", "DisciplineResult",
           "discipline", "discipline_batch"]

RECORD_LABELS = ("ListEntry", "Evaluation", "Penalty", "Commitment")
SELF = "self"


# -- the rules as data ----------------------------------------------------------------

@dataclass(frozen=True)
class Measure:
    code: str
    name: str
    doc: str
    applies_to: tuple[str, ...]


@dataclass(frozen=True)
class TriggerKind:
    code: str
    name: str
    record: str
    measures: tuple[str, ...]
    list_kinds: tuple[str, ...] = ()
    min_level: Level | None = None
    statuses: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    effect_months: int | None = None


@dataclass(frozen=True)
class Step:
    rels: tuple[str, ...]
    direction: str  # "out" or "in", seen from the node the step starts at
    to: tuple[str, ...]
    where: tuple[tuple[str, tuple], ...] = ()

    def accepts(self, node: Node | None) -> bool:
        if node is None or node.label not in self.to:
            return False
        return all(node.props.get(k) in vals for k, vals in self.where)


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    from_labels: tuple[str, ...]
    triggers: tuple[str, ...]
    path: tuple[Step, ...]
    measures: tuple[str, ...]


@dataclass(frozen=True)
class DisciplineRules:
    measures: tuple[Measure, ...]
    triggers: tuple[TriggerKind, ...]
    propagation: tuple[Rule, ...]
    source: str = ""

    def __post_init__(self):
        object.__setattr__(self, "_by_code", {
            **{("m", m.code): m for m in self.measures},
            **{("t", t.code): t for t in self.triggers}})

    def measure(self, code: str) -> Measure:
        return self._by_code[("m", code)]

    def trigger(self, code: str) -> TriggerKind:
        return self._by_code[("t", code)]


def parse_discipline_rules(doc: Mapping, where: str = "discipline",
                           scales: Scales | None = None) -> DisciplineRules:
    """Build and check :class:`DisciplineRules`; :class:`~queries.rules.rulefile.DataFileError`
    names the first problem (unknown measure, label, relationship, level, duplicate code,
    a path step that a relationship cannot take, a measure no target can receive ...)."""
    scales = scales or default_scales()
    sch = schema()
    subjects = set(sch.subject_labels())

    measures: list[Measure] = []
    for i, m in enumerate(doc.get("measures") or []):
        require(isinstance(m, Mapping), where, f"measures[{i}] must be a mapping")
        code = m.get("code")
        require(isinstance(code, str) and code, where, f"measures[{i}] needs a code")
        require(all(x.code != code for x in measures), where, f"measure {code!r} is listed twice")
        labels = as_str_list(m.get("applies_to"), where, f"measure {code}.applies_to", False)
        bad = [x for x in labels if x not in subjects]
        require(not bad, where, f"measure {code}: {bad} are not subject labels")
        measures.append(Measure(code, str(m.get("name", code)), str(m.get("doc", "")), labels))
    require(bool(measures), where, "measures must not be empty")
    known_measures = {m.code for m in measures}

    def measure_list(value, field):
        codes = as_str_list(value, where, field, False)
        unknown = [c for c in codes if c not in known_measures]
        require(not unknown, where, f"{field} names unknown measures {unknown}")
        return codes

    triggers: list[TriggerKind] = []
    for i, t in enumerate(doc.get("triggers") or []):
        require(isinstance(t, Mapping), where, f"triggers[{i}] must be a mapping")
        code = t.get("code")
        require(isinstance(code, str) and code, where, f"triggers[{i}] needs a code")
        require(all(x.code != code for x in triggers), where, f"trigger {code!r} is listed twice")
        record = t.get("record")
        require(record in RECORD_LABELS, where, f"trigger {code}: record must be one of {RECORD_LABELS}")
        kw = {}
        if record == "ListEntry":
            kw["list_kinds"] = as_str_list(t.get("list_kinds"), where, f"trigger {code}.list_kinds", False)
        elif record == "Evaluation":
            lv = t.get("min_level")
            require(any(x.code == lv for x in scales.levels), where,
                    f"trigger {code}: min_level {lv!r} is not a level of the grade scales")
            kw["min_level"] = scales.level(lv)
        elif record == "Commitment":
            kw["statuses"] = as_str_list(t.get("statuses"), where, f"trigger {code}.statuses", False)
            kw["effect_months"] = as_int(t.get("effect_months"), where, f"trigger {code}.effect_months", 1)
        else:
            kw["severities"] = as_str_list(t.get("severities"), where, f"trigger {code}.severities", False)
        triggers.append(TriggerKind(code, str(t.get("name", code)), record,
                                    measure_list(t.get("measures"), f"trigger {code}.measures"), **kw))
    require(bool(triggers), where, "triggers must not be empty")
    trigger_codes = {t.code for t in triggers}

    rules: list[Rule] = []
    for i, r in enumerate(doc.get("propagation") or []):
        require(isinstance(r, Mapping), where, f"propagation[{i}] must be a mapping")
        code = r.get("code")
        require(isinstance(code, str) and code and code != SELF, where,
                f"propagation[{i}] needs a code (not {SELF!r})")
        require(all(x.code != code for x in rules), where, f"propagation rule {code!r} is listed twice")
        here = f"propagation rule {code}"
        from_labels = as_str_list(r.get("from"), where, f"{here}.from", False)
        require(all(x in subjects for x in from_labels), where, f"{here}: from must name subject labels")
        trig = as_str_list(r.get("triggers"), where, f"{here}.triggers", False)
        require(all(x in trigger_codes for x in trig), where, f"{here}: unknown triggers in {list(trig)}")
        raw_path = r.get("path")
        require(isinstance(raw_path, list) and raw_path, where, f"{here}: path must be a non-empty list")
        steps, current = [], set(from_labels)
        for j, s in enumerate(raw_path):
            require(isinstance(s, Mapping), where, f"{here}: path[{j}] must be a mapping")
            rels = as_str_list(s.get("rel"), where, f"{here}.path[{j}].rel", False)
            direction = s.get("direction")
            require(direction in ("in", "out"), where, f"{here}.path[{j}]: direction must be in or out")
            to = as_str_list(s.get("to"), where, f"{here}.path[{j}].to", False)
            require(all(x in subjects for x in to), where, f"{here}.path[{j}]: to must name subject labels")
            for rel in rels:
                require(rel in sch.relationships and sch.rel(rel).in_graph, where,
                        f"{here}.path[{j}]: {rel!r} is not a traversal relationship")
                spec = sch.rel(rel)
                near, far = ((spec.from_labels, spec.to_labels) if direction == "out"
                             else (spec.to_labels, spec.from_labels))
                require(bool(current & set(near)) and bool(set(to) & set(far)), where,
                        f"{here}.path[{j}]: {rel} {direction} cannot lead from {sorted(current)} to {list(to)}")
            raw_where = s.get("where") or {}
            require(isinstance(raw_where, Mapping), where, f"{here}.path[{j}].where must be a mapping")
            conds = tuple((k, as_str_list(v, where, f"{here}.path[{j}].where.{k}", False))
                          for k, v in sorted(raw_where.items()))
            steps.append(Step(rels, direction, to, conds))
            current = set(to)
        ms = measure_list(r.get("measures"), f"{here}.measures")
        for mc in ms:
            m = next(x for x in measures if x.code == mc)
            require(bool(set(m.applies_to) & current), where,
                    f"{here}: measure {mc} cannot be taken against {sorted(current)}")
        rules.append(Rule(code, str(r.get("name", code)), from_labels, trig, tuple(steps), ms))
    return DisciplineRules(tuple(measures), tuple(triggers), tuple(rules), where)


#: The installed discipline rules: ``discipline_rules()``, read and checked once; ``load_discipline_rules(path)``
#: reads and checks another file.
discipline_rules: RuleFile[DisciplineRules] = RuleFile("discipline.yaml", parse_discipline_rules)
load_discipline_rules = discipline_rules.load


# -- answers --------------------------------------------------------------------------

@dataclass(frozen=True)
class Hop:
    """One relationship of a path, as stored (``src`` -[type]-> ``dst``)."""

    src: str
    type: str
    dst: str


@dataclass(frozen=True)
class Trigger:
    """A record that triggers measures, with its effect window and where it applies."""

    kind: str  # trigger code, e.g. "serious_dishonesty"
    name: str
    record: str  # uid of the ListEntry / Evaluation / Penalty / Commitment
    record_label: str
    subject: str  # the subject the record is about
    region: str | None  # region of the issuing agency
    agency: str | None
    since: dt.date
    until: dt.date | None  # first day without effect (removal, expiry, repair); None: open
    applies_in: tuple[str, ...]  # the trigger's region and its agreement partners
    agreements: tuple[str, ...] = ()  # names of the agreements that extend it
    decision_no: str | None = None
    list_kind: str | None = None
    scheme: str | None = None
    grade: str | None = None
    commitment_kind: str | None = None


@dataclass(frozen=True)
class AppliedMeasure:
    """A measure that applies to ``subject``, the trigger behind it and the path between."""

    measure: Measure
    subject: str
    trigger: Trigger
    rule: str  # "self" or the propagation rule code
    rule_name: str
    nodes: tuple[str, ...]  # trigger record, the trigger's subject, ..., subject
    path: tuple[Hop, ...]  # ABOUT from the record, then each relationship followed

    @property
    def applies_in(self) -> tuple[str, ...]:
        return self.trigger.applies_in

    @property
    def since(self) -> dt.date:
        return self.trigger.since

    @property
    def until(self) -> dt.date | None:
        return self.trigger.until


@dataclass(frozen=True)
class DisciplineResult:
    """The measures that apply to one subject on ``as_of`` (in ``region`` when given)."""

    subject: str
    as_of: dt.date
    region: str | None
    measures: tuple[AppliedMeasure, ...]

    @property
    def measure_codes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(m.measure.code for m in self.measures))

    @property
    def triggers(self) -> tuple[Trigger, ...]:
        return tuple({m.trigger.record: m.trigger for m in self.measures}.values())

    def has(self, measure: str) -> bool:
        return any(m.measure.code == measure for m in self.measures)


# -- triggers of a subject ------------------------------------------------------------

@dataclass
class _Context:
    day: dt.date
    region: str | None
    rules: DisciplineRules
    scales: Scales
    repair: RepairCatalogue
    agreements: tuple[Agreement, ...]

    def partners(self, issuer: str | None, what: str, ok) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(regions, agreement names) where a trigger issued in ``issuer`` applies; ``what``
        (a list kind or scheme) names the test ``ok`` for the memo."""
        if issuer is None:
            return (), ()
        memo = self.__dict__.setdefault("_memo", {})
        hit = memo.get((issuer, what))
        if hit is None:
            regions, names = {issuer}, set()
            for a in self.agreements:
                if a.in_force(self.day) and a.covers(issuer) and ok(a):
                    regions.update(a.members)
                    names.add(a.name)
            hit = memo[(issuer, what)] = (tuple(sorted(regions)), tuple(sorted(names)))
        return hit

    def keep(self, applies_in: Sequence[str]) -> bool:
        if self.region is None:
            return True
        memo = self.__dict__.setdefault("_keep", {})
        hit = memo.get(applies_in)
        if hit is None:
            hit = memo[applies_in] = any(overlaps(r, self.region) for r in applies_in)
        return hit


def _list_triggers(ctx: _Context, kinds: Sequence[TriggerKind], entries: Iterable[Node]):
    for node in entries:
        p = node.props
        for tk in kinds:
            if p.get("list_kind") not in tk.list_kinds:
                continue
            since = record_date(node, "listed_on")
            until = record_optional_date(node, "removed_on")
            if not (since <= ctx.day and (until is None or ctx.day < until)):
                continue
            kind = p["list_kind"]
            applies, names = ctx.partners(p.get("agency_region"), f"list:{kind}",
                                          lambda a, k=kind: a.shares_list(k))
            if ctx.keep(applies):
                yield Trigger(tk.code, tk.name, node.uid, "ListEntry", p.get("subject_uid"),
                              p.get("agency_region"), p.get("agency"), since, until, applies,
                              names, list_kind=kind)


def _grade_trigger(ctx: _Context, tk: TriggerKind, ev: EvaluationRef) -> Trigger | None:
    if ev.level is None or ev.level.severity < tk.min_level.severity:
        return None
    applies, names = ctx.partners(ev.agency_region, f"scheme:{ev.scheme}",
                                  lambda a: a.covers_scheme(ev.scheme, ctx.scales))
    if not ctx.keep(applies):
        return None
    until = ev.valid_to + dt.timedelta(days=1) if ev.valid_to else None
    return Trigger(tk.code, tk.name, ev.uid, "Evaluation", ev.subject, ev.agency_region,
                   ev.agency, ev.valid_from, until, applies, names, scheme=ev.scheme, grade=ev.grade)


def _evaluation_triggers(ctx: _Context, kinds: Sequence[TriggerKind], subject: str,
                         evaluations: Sequence[Node]):
    if not kinds or not evaluations:
        return
    schemes = sorted({ctx.scales.find_scheme(n.props.get("scheme")).name for n in evaluations
                      if ctx.scales.find_scheme(n.props.get("scheme"))})
    seen = set()
    for scheme in schemes:
        if ctx.region is not None:
            places = [ctx.region]
        else:  # recognised where it was issued
            places = sorted({n.props.get("agency_region") for n in evaluations
                             if n.props.get("agency_region")
                             and ctx.scales.find_scheme(n.props.get("scheme"))
                             and ctx.scales.find_scheme(n.props.get("scheme")).name == scheme})
        for place in places:
            rg = recognize(subject, place, ctx.day, scheme, evaluations, ctx.agreements, ctx.scales)
            if rg.chosen is None or rg.chosen.evaluation.uid in seen:
                continue
            for tk in kinds:
                t = _grade_trigger(ctx, tk, rg.chosen.evaluation)
                if t is not None:
                    seen.add(t.record)
                    yield t


def _penalty_triggers(ctx: _Context, kinds: Sequence[TriggerKind], states):
    for s in states:
        pen = s.penalty
        for tk in kinds:
            if pen.severity not in tk.severities or not s.counts:
                continue
            applies = (pen.agency_region,) if pen.agency_region else ()
            if ctx.keep(applies):
                yield Trigger(tk.code, tk.name, pen.uid, "Penalty", pen.subject, pen.agency_region,
                              pen.agency, pen.decision_date, s.effect_until, applies,
                              decision_no=pen.decision_no)


def _commitment_triggers(ctx: _Context, kinds: Sequence[TriggerKind], commitments: Iterable[Node]):
    for node in commitments:
        p = node.props
        for tk in kinds:
            if p.get("status") not in tk.statuses:
                continue
            since = record_optional_date(node, "due_on") or record_date(node, "made_on")
            until = months_after(since, tk.effect_months)
            if not since <= ctx.day < until:
                continue
            applies = (p["agency_region"],) if p.get("agency_region") else ()
            if ctx.keep(applies):
                yield Trigger(tk.code, tk.name, node.uid, "Commitment", p.get("subject_uid"),
                              p.get("agency_region"), p.get("agency"), since, until, applies,
                              commitment_kind=p.get("kind"))


def _triggers(store: Store, ctx: _Context, records: Mapping[str, Mapping[str, list[Node]]],
              evaluations: Mapping[str, list[Node]]) -> dict[str, list[Trigger]]:
    """Triggers by subject.  ``records[subject][label]`` holds its list entries, penalties and
    commitments; ``evaluations[subject]`` all its evaluations (recognition needs them all)."""
    by_record = defaultdict(list)
    for tk in ctx.rules.triggers:
        by_record[tk.record].append(tk)
    out: dict[str, list[Trigger]] = defaultdict(list)
    # Only penalties that could trigger need their repairs looked up.
    severities = {s for tk in by_record["Penalty"] for s in tk.severities}
    oldest = months_after(ctx.day, -max(hi for _, hi in ctx.repair.periods.values())).isoformat()
    today = ctx.day.isoformat()
    penalties = [n for recs in records.values() for n in recs.get("Penalty", ())
                 if ctx.repair.severity_of(n.props.get("severity")) in severities
                 and n.props.get("status", "有效") != "撤销"
                 and oldest <= str(n.props.get("decision_date", "")) <= today]
    states = penalty_states(store, penalties, ctx.day, ctx.repair) if penalties else {}
    for subject, recs in records.items():
        out[subject].extend(_list_triggers(ctx, by_record["ListEntry"], recs.get("ListEntry", ())))
        out[subject].extend(_penalty_triggers(
            ctx, by_record["Penalty"], [states[n.uid] for n in recs.get("Penalty", ()) if n.uid in states]))
        out[subject].extend(_commitment_triggers(ctx, by_record["Commitment"], recs.get("Commitment", ())))
    for subject, evs in evaluations.items():
        out[subject].extend(_evaluation_triggers(ctx, by_record["Evaluation"], subject, evs))
    return {s: ts for s, ts in out.items() if ts}


# -- paths ----------------------------------------------------------------------------

@dataclass(frozen=True)
class _Path:
    rule: Rule | None  # None: the subject itself
    nodes: tuple[str, ...]  # from the trigger's subject to the target
    hops: tuple[Hop, ...]


def _walk(store: Store, day: dt.date, starts: Sequence[tuple[Rule, str]], reverse: bool,
          nodes_cache: dict[str, Node]) -> list[_Path]:
    """Follow each rule's path from each start (forward from a trigger's subject, or in
    reverse from a target), one store hop per level for all partial paths together."""
    partial = []  # (rule, nodes so far in walk order, hops in walk order, steps done)
    for rule, uid in starts:
        partial.append((rule, (uid,), ()))
    done: list[_Path] = []
    level = 0
    while partial:
        want_types = sorted({t for rule, _, _ in partial for t in _step(rule, level, reverse).rels})
        frontier = sorted({nodes[-1] for _, nodes, _ in partial})
        hood = store.neighbours(frontier, rel_types=want_types, direction="both")
        by_node = defaultdict(list)
        for e in hood.edges:
            if edge_valid_on(e, day):
                by_node[e.src].append(e)
                if e.dst != e.src:
                    by_node[e.dst].append(e)
        grown = []
        for rule, nodes, hops in partial:
            step = _step(rule, level, reverse)
            here = nodes[-1]
            follow_out = (step.direction == "out") != reverse
            for e in by_node.get(here, ()):
                if e.type not in step.rels:
                    continue
                if follow_out and e.src == here:
                    far = e.dst
                elif not follow_out and e.dst == here:
                    far = e.src
                else:
                    continue
                if far in nodes:
                    continue
                grown.append((rule, nodes + (far,), hops + (Hop(e.src, e.type, e.dst),)))
        need = sorted({nodes[-1] for rule, nodes, _ in grown if _needs_props(rule, level + 1, reverse)}
                      - set(nodes_cache))
        if need:
            nodes_cache.update(store.get_nodes(need))
        level += 1
        partial = []
        for rule, nodes, hops in grown:
            if not _arrival_ok(rule, level, reverse, nodes[-1], nodes_cache):
                continue
            if level == len(rule.path):
                if reverse:
                    done.append(_Path(rule, tuple(reversed(nodes)), tuple(reversed(hops))))
                else:
                    done.append(_Path(rule, nodes, hops))
            else:
                partial.append((rule, nodes, hops))
    return done


def _step(rule: Rule, level: int, reverse: bool) -> Step:
    return rule.path[len(rule.path) - 1 - level] if reverse else rule.path[level]


def _arrival_condition(rule: Rule, level: int, reverse: bool) -> tuple[tuple[str, ...], tuple]:
    """(labels, where) the node reached after ``level`` steps must satisfy."""
    if not reverse:
        step = rule.path[level - 1]
        return step.to, step.where
    k = len(rule.path) - level  # the node before step k (0-based) of the forward path
    if k == 0:
        return rule.from_labels, ()
    step = rule.path[k - 1]
    return step.to, step.where


def _needs_props(rule: Rule, level: int, reverse: bool) -> bool:
    return bool(_arrival_condition(rule, level, reverse)[1])


def _arrival_ok(rule: Rule, level: int, reverse: bool, uid: str, cache: Mapping[str, Node]) -> bool:
    labels, where = _arrival_condition(rule, level, reverse)
    if split_uid(uid)[0] not in labels:
        return False
    if not where:
        return True
    node = cache.get(uid)
    return node is not None and all(node.props.get(k) in vals for k, vals in where)


def _start_ok(rule: Rule, node: Node, reverse: bool) -> bool:
    if not reverse:
        return node.label in rule.from_labels
    return rule.path[-1].accepts(node)


# -- assembling answers ---------------------------------------------------------------

def _applied(rules: DisciplineRules, paths: Iterable[_Path], triggers: Mapping[str, list[Trigger]],
             day: dt.date, region: str | None) -> dict[str, DisciplineResult]:
    """One answer per (subject, measure, trigger record): the shortest path wins, then the
    earlier rule (the subject itself first), then the smaller node ids."""
    order = {m.code: i for i, m in enumerate(rules.measures)}
    takers = {m.code: frozenset(m.applies_to) for m in rules.measures}
    self_codes = {t.code: t.measures for t in rules.triggers}
    rank = {r.code: i for i, r in enumerate(rules.propagation)}
    best: dict[tuple[str, str, str], tuple] = {}
    for p in paths:
        ts = triggers.get(p.nodes[0])
        if not ts:
            continue
        target = p.nodes[-1]
        label = target.partition(":")[0]
        for t in ts:
            if p.rule is None:
                codes, r = self_codes[t.kind], -1
            elif t.kind in p.rule.triggers:
                codes, r = p.rule.measures, rank[p.rule.code]
            else:
                continue
            pref = (len(p.hops), r, p.nodes)
            for code in codes:
                if label not in takers[code]:
                    continue
                key = (target, code, t.record)
                cur = best.get(key)
                if cur is None or pref < cur[0]:
                    best[key] = (pref, p, t)
    grouped: dict[str, list[AppliedMeasure]] = defaultdict(list)
    shared: dict[tuple[int, str], tuple] = {}  # one nodes/path pair per (path, trigger)
    for (target, code, _), (_, p, t) in best.items():
        parts = shared.get((id(p), t.record))
        if parts is None:
            rule = (SELF, "本主体") if p.rule is None else (p.rule.code, p.rule.name)
            parts = shared[(id(p), t.record)] = (
                rule, (t.record,) + p.nodes, (Hop(t.record, "ABOUT", p.nodes[0]),) + p.hops)
        (rule_code, rule_name), nodes, hops = parts
        grouped[target].append(AppliedMeasure(rules.measure(code), target, t, rule_code,
                                              rule_name, nodes, hops))
    out = {}
    for subject, items in grouped.items():
        items.sort(key=lambda a: (order[a.measure.code], a.trigger.since, a.trigger.record, len(a.path)))
        out[subject] = DisciplineResult(subject, day, region, tuple(items))
    return out


def _context(store, day, region, rules, scales, agreements) -> _Context:
    return _Context(day, region, rules or discipline_rules(), scales or default_scales(),
                    repair_catalogue(), agreements)


def discipline(store: Store, subject: str, as_of, region: str | None = None, *,
               rules: DisciplineRules | None = None, scales: Scales | None = None
               ) -> DisciplineResult:
    """The measures of joint discipline that apply to ``subject`` on ``as_of``, and why.

    Parameters
    ----------
    store : Store
    subject : str
        Subject node id.
    as_of : datetime.date or str
    region : str, optional
        Only measures that apply in this region, with grades as recognised there.
    rules : DisciplineRules, optional
        Catalogue, triggers and propagation (default: ``queries/data/discipline.yaml``).
    scales : Scales, optional

    Returns
    -------
    DisciplineResult
        ``measures``: one :class:`AppliedMeasure` per (measure, trigger record), each with the
        trigger (record, kind, issuing region, ``since``/``until``, ``applies_in`` regions and
        agreements), the rule (``'self'`` or a propagation rule) and the full path from the
        trigger record to the subject; the shortest path is kept when several lead there.

    Raises
    ------
    queries.dates.InvalidInput
        Unknown subject or region, a bad date, a malformed agreement.

    Examples
    --------
    On the demo data: 昆山顺达 shares its legal representative 张建国 with 苏州恒通, which is on
    Suzhou's serious-dishonesty list since 2025-06-20.  The Yangtze memorandum (Jiangsu a
    member) shares that list kind along the river; Hangzhou is outside it, so nothing
    applies there::

        >>> r = discipline(store, "Enterprise:91320583MA1N2Q7D2B", "2026-06-01", "320500")  # doctest: +SKIP
        >>> r.measure_codes  # doctest: +SKIP
        ('no_tolerance_processing', 'higher_inspection_ratio', 'exclude_incentives')
        >>> m = r.measures[0]  # doctest: +SKIP
        >>> m.trigger.list_kind, m.rule, [h.type for h in m.path]  # doctest: +SKIP
        ('严重失信', 'legal_representative_other_firms', ['ABOUT', 'LEGAL_REPRESENTATIVE_OF', 'LEGAL_REPRESENTATIVE_OF'])
        >>> m.applies_in[:3], m.trigger.agreements  # doctest: +SKIP
        (('310000', '320000', '320500'), ('长江航运信用联合奖惩合作备忘录',))
        >>> discipline(store, "Enterprise:91320583MA1N2Q7D2B", "2026-06-01", "330100").measures  # doctest: +SKIP
        ()
    """
    day = parse_as_of(as_of)
    region = check_region(region) if region is not None else None
    node = check_subject(store, subject)
    rules = rules or discipline_rules()
    cache = {node.uid: node}
    starts = [(r, node.uid) for r in rules.propagation if _start_ok(r, node, reverse=True)]
    paths = [_Path(None, (node.uid,), ())] + _walk(store, day, starts, True, cache)

    sources = sorted({p.nodes[0] for p in paths})
    labels = set(RECORD_LABELS)
    fetched = records_of(store, sources, labels)
    records = {s: defaultdict(list) for s in sources}
    evaluations: dict[str, list[Node]] = {}
    for s, nodes in fetched.items():
        for n in nodes:
            if n.label == "Evaluation":
                evaluations.setdefault(s, []).append(n)
            else:
                records[s][n.label].append(n)
    codes = {n.props.get("agency_region") for ns in fetched.values() for n in ns
             if n.label in ("ListEntry", "Evaluation")} - {None}
    if region is not None:
        codes.add(region)
    agreements = agreements_covering(store, sorted(codes)) if codes else ()
    ctx = _context(store, day, region, rules, scales, agreements)
    triggers = _triggers(store, ctx, records, evaluations)
    result = _applied(rules, paths, triggers, day, region).get(node.uid)
    return result or DisciplineResult(node.uid, day, region, ())


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

        >>> batch = discipline_batch(store, "320500", "2026-06-01")  # doctest: +SKIP
        >>> "Vehicle:苏E8G520" in batch, batch["Vehicle:苏E8G520"].measure_codes  # doctest: +SKIP
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

    ctx = _context(store, day, region, rules, sc, agreements)
    triggers = _triggers(store, ctx, records, evaluations)
    if not triggers:
        return {}
    sources = store.get_nodes(sorted(triggers))
    paths = [_Path(None, (s,), ()) for s in sources]
    starts = [(r, s) for s, node in sources.items() for r in rules.propagation
              if _start_ok(r, node, reverse=False) and any(t.kind in r.triggers for t in triggers[s])]
    paths += _walk(store, day, starts, False, dict(sources))
    out = _applied(rules, paths, triggers, day, region)
    return dict(sorted(out.items()))
