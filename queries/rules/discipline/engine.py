"""Joint discipline 联合惩戒 (DOMAIN.md rules 6, 13-16, 18, 19; cases #3, #4, #8, #9, #10,
#15-#18): which measures apply to a subject on a day, why, and how strongly.

Everything that decides an answer is data in ``queries/data/discipline.yaml``:

* the **measure catalogue**, each measure with its strength (``RESTRICT``: limits a right;
  ``SUPERVISE``: more inspections, key supervision, follow-up; ``INCENTIVE_LOSS``: awards,
  green lanes, incentive lists), the labels it can be taken against and its basis;
* the **triggers** and their effects: per list kind (严重失信, 重点监管, 重点关注), per
  scheme and grade (each scheme's own measures, rule 14; a default for schemes that say
  nothing), per record kind (a serious penalty that still counts, a breached commitment),
  and the first violation of a subject on an incentive list (rule 16);
* the **propagation rules** (rule 15): the persons responsible for a firm (its legal
  representative) get its restrictive measures; its other firms, vehicles and vessels get
  supervisory measures or appear as investigation leads, never restrictive ones.

Each answer carries the measure and its strength, the basis it was given on (the case and
its words, a national rule, or a local default), the trigger record (list entry,
evaluation, penalty decision number, commitment), the full path of nodes and relationships
from the trigger record to the subject, and the regions where it applies: where the
trigger was issued, where its issuing agency's jurisdiction binds (national and basin
authorities, :mod:`queries.rules.jurisdiction`), the partners of the agreements in force
that share its list kind or scheme, everywhere for a nationwide list kind (严重失信), and
for a penalty also where its subject is registered (rule 18).  A trigger's effect ends on
its removal, expiry or repair date X: for ``as_of >= X`` no measure it caused is returned
(``until`` is that first day without effect).

Given a ``region``, only measures that apply there are returned (a trigger applies in a
region when one of its regions contains the other), and grades are those recognised in
that region (:func:`queries.rules.recognition.recognized_grade`).  Without a region, every
measure anywhere is returned, grades being those recognised where they were issued.

The rules are read by :mod:`.rules`; :func:`discipline` is here, with the triggers, the
walks along the propagation paths and the assembly of answers that
:func:`~queries.rules.discipline.batch.discipline_batch` shares: it computes the same
answers for every subject with a measure or a lead in a region in one pass (scans by
region instead of walks per subject).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import Iterable, Mapping, Sequence

from graph_model.schema import split_uid
from graph_model.store.port import Node, Store
from queries.dates import parse_as_of
from queries.rules.basis import Basis
from queries.rules.discipline.rules import (
    RECORD_LABELS, RESPONSIBLE, SELF, DisciplineRules, Effect, Measure, Rule, Step, TriggerKind,
    discipline_rules,
)
from queries.rules.incentives import ENDING_LABELS, EndingEvent, incentive_end, incentive_ending_events
from queries.rules.jurisdiction import (
    NATIONAL, Agreement, BindingRules, Jurisdictions, agreements_covering, binding_rules,
    check_region, check_subject, jurisdictions, overlaps, record_date, record_optional_date,
    records_of,
)
from queries.rules.recognition import EvaluationRef, recognize, veto_labels
from queries.rules.repair import RepairCatalogue, penalty_states, repair_catalogue
from queries.rules.rulefile import months_after
from queries.rules.scales import Scales, scales as default_scales
from queries.traverse import edge_valid_on

__all__ = ["Hop", "Trigger", "AppliedMeasure", "Lead", "DisciplineResult", "discipline"]


# -- answers --------------------------------------------------------------------------

@dataclass(frozen=True)
class Hop:
    """One relationship of a path, as stored (``src`` -[type]-> ``dst``)."""

    src: str
    type: str
    dst: str


@dataclass(frozen=True)
class Trigger:
    """A record that triggers measures, with its effect window, where it applies and the
    effects it gives its subject."""

    kind: str  # trigger code, e.g. "serious_dishonesty"
    name: str
    record: str  # uid of the ListEntry / Evaluation / Penalty / Commitment
    record_label: str
    subject: str  # the subject the record is about
    region: str | None  # region of the issuing agency
    agency: str | None
    since: dt.date
    until: dt.date | None  # first day without effect (removal, expiry, repair); None: open
    applies_in: tuple[str, ...]  # regions where it binds (100000: everywhere)
    agreements: tuple[str, ...] = ()  # names of the agreements that extend it
    decision_no: str | None = None
    list_kind: str | None = None
    scheme: str | None = None
    grade: str | None = None
    commitment_kind: str | None = None
    effects: tuple[Effect, ...] = ()
    #: the day the record's open objection was filed, and the objection (rule 21)
    under_objection_since: dt.date | None = None
    under_objection: str | None = None


@dataclass(frozen=True)
class AppliedMeasure:
    """A measure that applies to ``subject``, the trigger behind it, the path between and
    the basis it is given on (the trigger's effect for the subject itself, the
    propagation rule's for a related subject)."""

    measure: Measure
    subject: str
    trigger: Trigger
    rule: str  # "self" or the propagation rule code
    rule_name: str
    nodes: tuple[str, ...]  # trigger record, the trigger's subject, ..., subject
    path: tuple[Hop, ...]  # ABOUT from the record, then each relationship followed
    basis: Basis | None = None
    figures: tuple[tuple[str, float], ...] = ()

    @property
    def strength(self) -> str:
        return self.measure.strength

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
class Lead:
    """An investigation lead: ``subject`` is related to a trigger's subject by a path a
    propagation rule watches (rule 15: "坚持审慎监管"), no measure."""

    subject: str
    trigger: Trigger
    rule: str
    rule_name: str
    nodes: tuple[str, ...]
    path: tuple[Hop, ...]
    basis: Basis


@dataclass(frozen=True)
class DisciplineResult:
    """The measures and leads that apply to one subject on ``as_of`` (in ``region`` when
    given)."""

    subject: str
    as_of: dt.date
    region: str | None
    measures: tuple[AppliedMeasure, ...]
    leads: tuple[Lead, ...] = ()

    @property
    def measure_codes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(m.measure.code for m in self.measures))

    @property
    def triggers(self) -> tuple[Trigger, ...]:
        return tuple({m.trigger.record: m.trigger for m in self.measures}.values())

    def has(self, measure: str) -> bool:
        return any(m.measure.code == measure for m in self.measures)

    def strengths(self) -> dict[str, tuple[str, ...]]:
        """Measure codes by strength."""
        out: dict[str, list[str]] = {}
        for m in self.measures:
            out.setdefault(m.strength, [])
            if m.measure.code not in out[m.strength]:
                out[m.strength].append(m.measure.code)
        return {k: tuple(v) for k, v in out.items()}


# -- triggers of a subject ------------------------------------------------------------

@dataclass
class Context:
    day: dt.date
    region: str | None
    rules: DisciplineRules
    scales: Scales
    repair: RepairCatalogue
    agreements: tuple[Agreement, ...]
    jur: Jurisdictions
    binding: BindingRules

    def partners(self, issuer: str | None, what: str, ok, agency: str | None = None,
                 nationwide: bool = False) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(regions, agreement names) where a trigger issued by ``agency`` in ``issuer``
        applies: its region, its agency's jurisdiction, the partners of the agreements in
        force for which ``ok`` holds, everywhere when ``nationwide``; ``what`` (a list kind
        or scheme) names the test ``ok`` for the memo."""
        if issuer is None:
            return (), ()
        memo = self.__dict__.setdefault("_memo", {})
        key = (issuer, what, agency, nationwide)
        hit = memo.get(key)
        if hit is None:
            regions, names = set(self.jur.regions_of(agency, issuer, self.day)), set()
            for a in self.agreements:
                if a.in_force(self.day) and a.covers(issuer) and ok(a):
                    regions.update(a.members)
                    names.add(a.name)
            if nationwide:
                regions.add(NATIONAL)
            hit = memo[key] = (tuple(sorted(regions)), tuple(sorted(names)))
        return hit

    def keep(self, applies_in: Sequence[str]) -> bool:
        if self.region is None:
            return True
        memo = self.__dict__.setdefault("_keep", {})
        hit = memo.get(applies_in)
        if hit is None:
            hit = memo[applies_in] = any(overlaps(r, self.region) for r in applies_in)
        return hit


def _entry_window(node: Node) -> tuple[dt.date, dt.date | None]:
    return record_date(node, "listed_on"), record_optional_date(node, "removed_on")


def _list_triggers(ctx: Context, kinds: Sequence[TriggerKind], entries: Iterable[Node]):
    for node in entries:
        p = node.props
        for tk in kinds:
            if p.get("list_kind") not in tk.list_kinds or tk.on_ending_event:
                continue
            since, until = _entry_window(node)
            if not (since <= ctx.day and (until is None or ctx.day < until)):
                continue
            kind = p["list_kind"]
            applies, names = ctx.partners(p.get("agency_region"), f"list:{kind}",
                                          lambda a, k=kind: a.shares_list(k), p.get("agency"),
                                          ctx.binding.nationwide(kind))
            if ctx.keep(applies):
                yield Trigger(tk.code, tk.name, node.uid, "ListEntry", p.get("subject_uid"),
                              p.get("agency_region"), p.get("agency"), since, until, applies,
                              names, list_kind=kind, effects=tk.effects)


def _exit_triggers(ctx: Context, kinds: Sequence[TriggerKind], entries: Sequence[Node],
                   events: Sequence[EndingEvent]):
    """Rule 16: the first event that ends an incentive listing triggers, from its day until
    the entry's own removal or the subject's next listing, whichever comes first."""
    seen = set()
    for tk in kinds:
        if not tk.on_ending_event:
            continue
        mine = sorted((n for n in entries if n.props.get("list_kind") in tk.list_kinds),
                      key=lambda n: (str(n.props.get("listed_on")), n.uid))
        for node in mine:
            listed, removed = _entry_window(node)
            event = incentive_end(listed, removed, events)
            if event is None or event.day > ctx.day or event.record in seen:
                continue
            ends = [d for d in (_entry_window(n)[0] for n in mine) if d > event.day]
            until = min(ends + [removed] if removed else ends, default=None)
            if until is not None and ctx.day >= until:
                continue
            p = node.props
            kind = p["list_kind"]
            applies, names = ctx.partners(p.get("agency_region"), f"list:{kind}",
                                          lambda a, k=kind: a.shares_list(k), p.get("agency"),
                                          ctx.binding.nationwide(kind))
            if ctx.keep(applies):
                seen.add(event.record)
                yield Trigger(tk.code, tk.name, event.record, event.label, p.get("subject_uid"),
                              event.agency_region, event.agency, event.day, until, applies,
                              names, decision_no=event.record.partition(":")[2]
                              if event.label == "Penalty" else None,
                              list_kind=kind, effects=tk.effects)


def _grade_trigger(ctx: Context, tk: TriggerKind, ev: EvaluationRef) -> Trigger | None:
    scale = ctx.scales.find_scheme(ev.scheme)
    if ev.level is None or scale is None:
        return None
    spellings = [g for g, (canon, _) in scale.lookup.items() if canon == ev.grade]
    effects = ctx.rules.grade_effects(scale.name, ev.grade, spellings)
    if not effects:
        return None
    applies, names = ctx.partners(ev.agency_region, f"scheme:{ev.scheme}",
                                  lambda a: a.covers_scheme(ev.scheme, ctx.scales), ev.agency)
    if not ctx.keep(applies):
        return None
    until = ev.valid_to + dt.timedelta(days=1) if ev.valid_to else None
    return Trigger(tk.code, tk.name, ev.uid, "Evaluation", ev.subject, ev.agency_region,
                   ev.agency, ev.valid_from, until, applies, names, scheme=ev.scheme,
                   grade=ev.grade, effects=effects)


def _evaluation_triggers(ctx: Context, kinds: Sequence[TriggerKind], subject: str,
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
            rg = recognize(subject, place, ctx.day, scheme, evaluations, ctx.agreements,
                           ctx.scales, ctx.jur)
            if rg.chosen is None or rg.chosen.evaluation.uid in seen:
                continue
            for tk in kinds:
                t = _grade_trigger(ctx, tk, rg.chosen.evaluation)
                if t is not None:
                    seen.add(t.record)
                    yield t


def _penalty_triggers(ctx: Context, kinds: Sequence[TriggerKind], states):
    for s in states:
        pen = s.penalty
        for tk in kinds:
            if pen.severity not in tk.severities or not s.counts:
                continue
            applies, _ = ctx.partners(pen.agency_region, "penalty", lambda a: False, pen.agency)
            if pen.subject_region and pen.subject_region not in applies:  # rule 18
                applies = tuple(sorted({*applies, pen.subject_region}))
            if ctx.keep(applies):
                yield Trigger(tk.code, tk.name, pen.uid, "Penalty", pen.subject, pen.agency_region,
                              pen.agency, pen.decision_date, s.effect_until, applies,
                              decision_no=pen.decision_no, effects=tk.effects)


def _commitment_triggers(ctx: Context, kinds: Sequence[TriggerKind], commitments: Iterable[Node]):
    for node in commitments:
        p = node.props
        for tk in kinds:
            if p.get("status") not in tk.statuses:
                continue
            since = record_optional_date(node, "due_on") or record_date(node, "made_on")
            until = months_after(since, tk.effect_months)
            if not since <= ctx.day < until:
                continue
            applies, _ = ctx.partners(p.get("agency_region"), "commitment", lambda a: False,
                                      p.get("agency"))
            if ctx.keep(applies):
                yield Trigger(tk.code, tk.name, node.uid, "Commitment", p.get("subject_uid"),
                              p.get("agency_region"), p.get("agency"), since, until, applies,
                              commitment_kind=p.get("kind"), effects=tk.effects)


def find_triggers(store: Store, ctx: Context, records: Mapping[str, Mapping[str, list[Node]]],
                  evaluations: Mapping[str, list[Node]],
                  events: Mapping[str, Sequence[EndingEvent]] = {}) -> dict[str, list[Trigger]]:
    """Triggers by subject.  ``records[subject][label]`` holds its list entries, penalties and
    commitments; ``evaluations[subject]`` all its evaluations (recognition needs them all);
    ``events[subject]`` the events that end its incentive listings (rule 16)."""
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
        entries = recs.get("ListEntry", ())
        out[subject].extend(_list_triggers(ctx, by_record["ListEntry"], entries))
        if subject in events:
            out[subject].extend(_exit_triggers(ctx, by_record["ListEntry"], entries,
                                               events[subject]))
        out[subject].extend(_penalty_triggers(
            ctx, by_record["Penalty"], [states[n.uid] for n in recs.get("Penalty", ()) if n.uid in states]))
        out[subject].extend(_commitment_triggers(ctx, by_record["Commitment"], recs.get("Commitment", ())))
    for subject, evs in evaluations.items():
        out[subject].extend(_evaluation_triggers(ctx, by_record["Evaluation"], subject, evs))
    flagged = {n.uid: n for recs in records.values() for ns in recs.values() for n in ns
               if n.props.get("under_objection_since")}
    flagged.update((n.uid, n) for ns in evaluations.values() for n in ns
                   if n.props.get("under_objection_since"))
    return {s: [_flagged(t, flagged) for t in ts] for s, ts in out.items() if ts}


def _flagged(t: Trigger, flagged: Mapping[str, Node]) -> Trigger:
    """The trigger with its record's open objection, if any (rule 21)."""
    n = flagged.get(t.record)
    if n is None:
        return t
    return replace(t, under_objection_since=record_optional_date(n, "under_objection_since"),
                   under_objection=n.props.get("under_objection"))


# -- paths ----------------------------------------------------------------------------

@dataclass(frozen=True)
class RulePath:
    rule: Rule | None  # None: the subject itself
    nodes: tuple[str, ...]  # from the trigger's subject to the target
    hops: tuple[Hop, ...]


def walk(store: Store, day: dt.date, starts: Sequence[tuple[Rule, str]], reverse: bool,
          nodes_cache: dict[str, Node]) -> list[RulePath]:
    """Follow each rule's path from each start (forward from a trigger's subject, or in
    reverse from a target), one store hop per level for all partial paths together."""
    partial = []  # (rule, nodes so far in walk order, hops in walk order, steps done)
    for rule, uid in starts:
        partial.append((rule, (uid,), ()))
    done: list[RulePath] = []
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
                    done.append(RulePath(rule, tuple(reversed(nodes)), tuple(reversed(hops))))
                else:
                    done.append(RulePath(rule, nodes, hops))
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


def starts_at(rule: Rule, node: Node, reverse: bool) -> bool:
    if not reverse:
        return node.label in rule.from_labels
    return rule.path[-1].accepts(node)


# -- assembling answers ---------------------------------------------------------------

def _reach(rules: DisciplineRules, p: "RulePath", t: Trigger):
    """What path ``p`` carries of trigger ``t``: (measure code, basis, figures) triples and
    whether it makes a lead; None when the rule does not carry this trigger."""
    if p.rule is None:
        out = []
        for e in t.effects:
            out.extend((code, e.basis, e.figures) for code in e.measures)
        return out, False
    rule = p.rule
    if t.kind not in rule.triggers:
        return None
    if rule.lead:
        return [], True
    out = [(code, rule.basis, ()) for code in rule.measures]
    if rule.reaches == RESPONSIBLE and rule.carries:
        for e in t.effects:
            out.extend((code, rule.basis, e.figures) for code in e.measures
                       if rules.measure(code).strength in rule.carries)
    return out, False


def applied_measures(rules: DisciplineRules, paths: Iterable["RulePath"],
                     triggers: Mapping[str, list[Trigger]], day: dt.date,
                     region: str | None) -> dict[str, DisciplineResult]:
    """One answer per (subject, measure, trigger record), and one lead per (subject,
    trigger record): the shortest path wins, then the earlier rule (the subject itself
    first), then the smaller node ids; among the effects of one trigger, the first that
    gives a measure."""
    order = {m.code: i for i, m in enumerate(rules.measures)}
    takers = {m.code: frozenset(m.applies_to) for m in rules.measures}
    rank = {r.code: i for i, r in enumerate(rules.propagation)}
    best: dict[tuple[str, str, str], tuple] = {}
    leads: dict[tuple[str, str], tuple] = {}
    memo: dict[tuple, object] = {}  # what a rule carries of a trigger kind and its effects
    for p in paths:
        ts = triggers.get(p.nodes[0])
        if not ts:
            continue
        target = p.nodes[-1]
        label = target.partition(":")[0]
        r = -1 if p.rule is None else rank[p.rule.code]
        pref = (len(p.hops), r, p.nodes)
        for t in ts:
            key = (r, t.kind, id(t.effects))
            reached = memo[key] if key in memo else memo.setdefault(key, _reach(rules, p, t))
            if reached is None:
                continue
            given, lead = reached
            if lead:
                cur = leads.get((target, t.record))
                if cur is None or pref < cur[0]:
                    leads[(target, t.record)] = (pref, p, t)
                continue
            for code, basis, figures in given:
                if label not in takers[code]:
                    continue
                key = (target, code, t.record)
                cur = best.get(key)
                if cur is None or pref < cur[0]:
                    best[key] = (pref, p, t, basis, figures)
    grouped: dict[str, list[AppliedMeasure]] = defaultdict(list)
    shared: dict[tuple[int, str], tuple] = {}  # one nodes/path pair per (path, trigger)

    def parts(p, t):
        hit = shared.get((id(p), t.record))
        if hit is None:
            rule = (SELF, "本主体") if p.rule is None else (p.rule.code, p.rule.name)
            hit = shared[(id(p), t.record)] = (
                rule, (t.record,) + p.nodes, (Hop(t.record, "ABOUT", p.nodes[0]),) + p.hops)
        return hit

    for (target, code, _), (_, p, t, basis, figures) in best.items():
        (rule_code, rule_name), nodes, hops = parts(p, t)
        grouped[target].append(AppliedMeasure(rules.measure(code), target, t, rule_code,
                                              rule_name, nodes, hops, basis, figures))
    lead_groups: dict[str, list[Lead]] = defaultdict(list)
    for (target, _), (_, p, t) in leads.items():
        (rule_code, rule_name), nodes, hops = parts(p, t)
        lead_groups[target].append(Lead(target, t, rule_code, rule_name, nodes, hops,
                                        p.rule.basis))
    out = {}
    for subject in set(grouped) | set(lead_groups):
        items = grouped.get(subject, [])
        items.sort(key=lambda a: (order[a.measure.code], a.trigger.since, a.trigger.record, len(a.path)))
        found = sorted(lead_groups.get(subject, []),
                       key=lambda x: (x.trigger.since, x.trigger.record, len(x.path)))
        out[subject] = DisciplineResult(subject, day, region, tuple(items), tuple(found))
    return out


def make_context(store, day, region, rules, scales, agreements, jur=None) -> Context:
    return Context(day, region, rules or discipline_rules(), scales or default_scales(),
                   repair_catalogue(), agreements,
                   jur if jur is not None else jurisdictions(store), binding_rules())


def incentive_events(store: Store, records: Mapping[str, Sequence[Node]],
                     kinds: Sequence[str], day: dt.date) -> dict[str, list[EndingEvent]]:
    """The events ending the incentive listings (of ``kinds``) of the subjects that have
    one among ``records`` (all their records of :data:`RECORD_LABELS`), read by the hook
    :func:`~queries.rules.incentives.incentive_ending_events` from their records of
    :data:`~queries.rules.incentives.ENDING_LABELS` (those not fetched yet are)."""
    listed = sorted(s for s, recs in records.items()
                    if any(n.label == "ListEntry" and n.props.get("list_kind") in kinds
                           for n in recs))
    if not listed:
        return {}
    more = [label for label in ENDING_LABELS if label not in RECORD_LABELS]
    fetched = records_of(store, listed, more, as_of=day) if more else {}
    return {s: incentive_ending_events({n.uid: n for n in (*records.get(s, ()),
                                                           *fetched.get(s, ()))}.values())
            for s in listed}


def discipline(store: Store, subject: str, as_of, region: str | None = None, *,
               rules: DisciplineRules | None = None, scales: Scales | None = None
               ) -> DisciplineResult:
    """The measures of joint discipline that apply to ``subject`` on ``as_of``, why, and
    how strongly; and the investigation leads that point to it.

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
        ``measures``: one :class:`AppliedMeasure` per (measure, trigger record), each with
        its strength and basis, the trigger (record, kind, issuing region,
        ``since``/``until``, ``applies_in`` regions and agreements), the rule (``'self'`` or
        a propagation rule) and the full path from the trigger record to the subject; the
        shortest path is kept when several lead there.  ``leads``: one :class:`Lead` per
        trigger record a lead rule connects to the subject, with its path.

    Raises
    ------
    queries.dates.InvalidInput
        Unknown subject or region, a bad date, a malformed agreement.

    Examples
    --------
    On the demo data: 苏州通利 is graded C in 2025年度 and on Suzhou's 重点监管 list (#3, #4,
    #17)::

        >>> r = discipline(store, "Enterprise:91320506MA1XJ8R49P", "2026-08-01", "320500")
        >>> r.strengths()["SUPERVISE"], r.strengths()["RESTRICT"]
        (('higher_inspection_ratio',), ('subsidy_limit', 'no_tolerance_processing', 'no_commitment_processing'))
        >>> m = next(m for m in r.measures if m.figures)
        >>> m.measure.code, m.trigger.kind, m.basis.case, dict(m.figures)
        ('higher_inspection_ratio', 'key_supervision', 3, {'daily_inspection_increase': 0.25})

    昆山顺达 has no negative record of its own; its legal representative 张建国 also
    represents 苏州恒通, seriously dishonest since 2025-06-20: a lead, with the path (rule
    15), no measure::

        >>> r = discipline(store, "Enterprise:91320583MA1N2Q7D2B", "2026-06-01", "320500")
        >>> r.measures, [(x.rule, [h.type for h in x.path]) for x in r.leads]
        ((), [('legal_representative_other_firms', ['ABOUT', 'LEGAL_REPRESENTATIVE_OF', 'LEGAL_REPRESENTATIVE_OF'])])
    """
    day = parse_as_of(as_of)
    region = check_region(region) if region is not None else None
    node = check_subject(store, subject)
    rules = rules or discipline_rules()
    cache = {node.uid: node}
    starts = [(r, node.uid) for r in rules.propagation if starts_at(r, node, reverse=True)]
    paths = [RulePath(None, (node.uid,), ())] + walk(store, day, starts, True, cache)

    triggers = _triggers_of(store, sorted({p.nodes[0] for p in paths}), day, region, rules,
                            scales)
    result = applied_measures(rules, paths, triggers, day, region).get(node.uid)
    return result or DisciplineResult(node.uid, day, region, ())


def _triggers_of(store: Store, sources: Sequence[str], day: dt.date, region: str | None,
                 rules: DisciplineRules, scales: Scales | None) -> dict[str, list[Trigger]]:
    """The triggers of ``sources`` (subject uids) on ``day``, read from their records."""
    labels = set(RECORD_LABELS) | set(veto_labels(None))
    fetched = records_of(store, sources, labels, as_of=day)
    records = {s: defaultdict(list) for s in sources}
    evaluations: dict[str, list[Node]] = {}
    for s, nodes in fetched.items():
        for n in nodes:
            if n.label in ("Evaluation", "Accident"):  # accidents may veto a grade (rule 2)
                evaluations.setdefault(s, []).append(n)
            else:
                records[s][n.label].append(n)
    codes = {n.props.get("agency_region") for ns in fetched.values() for n in ns
             if n.label in ("ListEntry", "Evaluation")} - {None}
    if region is not None:
        codes.add(region)
    agreements = agreements_covering(store, sorted(codes)) if codes else ()
    ctx = make_context(store, day, region, rules, scales, agreements)
    events = incentive_events(store, fetched, rules.incentive_list_kinds(), day)
    return find_triggers(store, ctx, records, evaluations, events)


def carried(store: Store, subject: str, as_of, region: str | None = None, *,
            rules: DisciplineRules | None = None, scales: Scales | None = None
            ) -> dict[str, DisciplineResult]:
    """What ``subject``'s own records carry to the subjects its propagation rules reach
    (its legal representative, vehicles, the representative's other firms...): by target
    uid, the measures and leads whose trigger is ``subject``'s, each with its path, as
    :func:`discipline` of that target reports them (one forward walk instead of one
    :func:`discipline` per related subject).

    Examples
    --------
    On the demo data, 苏州恒通's 严重失信 designation reaches 张建国 (restrictions) and,
    through him, 昆山顺达 (a lead, rule 15)::

        >>> out = carried(store, "Enterprise:91320506MA1MKT3P0P", "2026-08-01", "320500")
        >>> sorted({m.rule for r in out.values() for m in r.measures})
        ['fleet', 'legal_representative']
        >>> [x.rule for x in out["Enterprise:91320583MA1N2Q7D2B"].leads]
        ['legal_representative_other_firms']
    """
    day = parse_as_of(as_of)
    region = check_region(region) if region is not None else None
    node = check_subject(store, subject)
    rules = rules or discipline_rules()
    triggers = _triggers_of(store, [node.uid], day, region, rules, scales)
    if not triggers:
        return {}
    starts = [(r, node.uid) for r in rules.propagation if starts_at(r, node, reverse=False)]
    paths = walk(store, day, starts, False, {node.uid: node})
    out = applied_measures(rules, paths, triggers, day, region)
    out.pop(node.uid, None)
    return out
