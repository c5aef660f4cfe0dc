"""The rules of joint discipline as data (``queries/data/discipline.yaml``): the measure
catalogue with each measure's strength, the triggers and their effects (per list kind, per
scheme and grade, per record kind), and the propagation rules, read and checked (see
:mod:`queries.rules.discipline`).  Every measure, effect and rule has its basis
(:mod:`queries.rules.basis`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from graph_model.enums import ListKind
from graph_model.schema import schema
from graph_model.store.port import Node
from queries.rules.basis import Basis, parse_basis
from queries.rules.rulefile import RuleFile, as_int, as_str_list, coded_items, require
from queries.rules.scales import Scales, scales as default_scales

__all__ = ["RECORD_LABELS", "SELF", "STRENGTHS", "RESTRICT", "SUPERVISE", "INCENTIVE_LOSS",
           "Measure", "Effect", "TriggerKind", "SchemeEffects", "Step", "Rule",
           "DisciplineRules", "parse_discipline_rules", "discipline_rules",
           "load_discipline_rules"]

RECORD_LABELS = ("ListEntry", "Evaluation", "Penalty", "Commitment")
SELF = "self"
RESTRICT, SUPERVISE, INCENTIVE_LOSS = "RESTRICT", "SUPERVISE", "INCENTIVE_LOSS"
#: How strongly a measure bears on its subject (rule 15 decides how far each reaches).
STRENGTHS = (RESTRICT, SUPERVISE, INCENTIVE_LOSS)
RESPONSIBLE, RELATED = "responsible", "related"


# -- the rules as data ----------------------------------------------------------------

@dataclass(frozen=True)
class Measure:
    code: str
    name: str
    strength: str
    applies_to: tuple[str, ...]
    basis: Basis


@dataclass(frozen=True)
class Effect:
    """Measures a trigger gives its subject, the basis for giving them and any figure the
    case gives (``{'daily_inspection_increase': 0.25}``)."""

    measures: tuple[str, ...]
    basis: Basis
    figures: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class SchemeEffects:
    """A scheme's own effects of its grades: (grades, effect) pairs."""

    scheme: str
    effects: tuple[tuple[frozenset[str], Effect], ...]
    with_default: bool = False


@dataclass(frozen=True)
class TriggerKind:
    code: str
    name: str
    record: str
    effects: tuple[Effect, ...] = ()
    list_kinds: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    on_ending_event: bool = False  # the first event ending a listing's effects triggers
    effect_months: int | None = None
    effect_months_basis: Basis | None = None


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
    reaches: str  # RESPONSIBLE or RELATED
    from_labels: tuple[str, ...]
    triggers: tuple[str, ...]
    path: tuple[Step, ...]
    measures: tuple[str, ...]
    basis: Basis
    carries: tuple[str, ...] = ()  # strengths of the trigger's own measures carried along
    lead: bool = False


@dataclass(frozen=True)
class DisciplineRules:
    measures: tuple[Measure, ...]
    triggers: tuple[TriggerKind, ...]
    propagation: tuple[Rule, ...]
    default_grades: SchemeEffects
    scheme_grades: Mapping[str, SchemeEffects] = field(default_factory=dict)
    source: str = ""

    def __post_init__(self):
        object.__setattr__(self, "_by_code", {
            **{("m", m.code): m for m in self.measures},
            **{("t", t.code): t for t in self.triggers}})
        object.__setattr__(self, "_grade_memo", {})

    def measure(self, code: str) -> Measure:
        return self._by_code[("m", code)]

    def trigger(self, code: str) -> TriggerKind:
        return self._by_code[("t", code)]

    def grade_effects(self, scheme: str, grade: str, spellings=()) -> tuple[Effect, ...]:
        """The effects of ``grade`` (or one of its ``spellings``) under ``scheme``: the
        scheme's own, else (or also, ``with_default``) the default's."""
        names = frozenset({grade, *spellings})
        hit = self._grade_memo.get((scheme, names))
        if hit is None:
            own = self.scheme_grades.get(scheme)
            out = []
            for part in ((own,) if own else ()) + ((self.default_grades,)
                                                   if own is None or own.with_default else ()):
                out.extend(e for grades, e in part.effects if grades & names)
            hit = self._grade_memo[(scheme, names)] = tuple(out)
        return hit

    def incentive_list_kinds(self) -> tuple[str, ...]:
        """The list kinds whose effects end at a violation (rule 16)."""
        return tuple(dict.fromkeys(k for t in self.triggers if t.on_ending_event
                                   for k in t.list_kinds))


def _effects(raw, where: str, field: str, known_measures, with_grades=None):
    require(isinstance(raw, list), where, f"{field} must be a list")
    out = []
    for i, e in enumerate(raw):
        here = f"{field}[{i}]"
        require(isinstance(e, Mapping), where, f"{here} must be a mapping")
        measures = as_str_list(e.get("measures"), where, f"{here}.measures", False)
        unknown = [m for m in measures if m not in known_measures]
        require(not unknown, where, f"{here}.measures names unknown measures {unknown}")
        figures = e.get("figures") or {}
        require(isinstance(figures, Mapping), where, f"{here}.figures must be a mapping")
        for k, v in figures.items():
            require(isinstance(v, (int, float)) and not isinstance(v, bool), where,
                    f"{here}.figures.{k} must be a number")
        effect = Effect(measures, parse_basis(e.get("basis"), where, f"{here}.basis"),
                        tuple(sorted((str(k), float(v)) for k, v in figures.items())))
        if with_grades is None:
            out.append(effect)
            continue
        grades = as_str_list(e.get("grades"), where, f"{here}.grades", False)
        bad = [g for g in grades if not with_grades(g)]
        require(not bad, where, f"{here}.grades: {bad} are not grades of the scheme")
        out.append((frozenset(grades), effect))
    return tuple(out)


def _measures(doc: Mapping, where: str, subjects: set[str]) -> list[Measure]:
    measures: list[Measure] = []
    for code, m in coded_items(doc, "measures", where, "measure"):
        labels = as_str_list(m.get("applies_to"), where, f"measure {code}.applies_to", False)
        bad = [x for x in labels if x not in subjects]
        require(not bad, where, f"measure {code}: {bad} are not subject labels")
        strength = m.get("strength")
        require(strength in STRENGTHS, where,
                f"measure {code}: strength must be one of {', '.join(STRENGTHS)}")
        measures.append(Measure(code, str(m.get("name", code)), strength, labels,
                                parse_basis(m.get("basis"), where, f"measure {code}.basis")))
    require(bool(measures), where, "measures must not be empty")
    return measures


def _triggers(doc: Mapping, where: str, known_measures) -> list[TriggerKind]:
    triggers: list[TriggerKind] = []
    list_kinds = {k.value for k in ListKind}
    for code, t in coded_items(doc, "triggers", where, "trigger"):
        record = t.get("record")
        require(record in RECORD_LABELS, where, f"trigger {code}: record must be one of {RECORD_LABELS}")
        kw = {}
        if record == "ListEntry":
            kw["list_kinds"] = as_str_list(t.get("list_kinds"), where, f"trigger {code}.list_kinds", False)
            require(t.get("fires_on") in (None, "ending_event"), where,
                    f"trigger {code}: fires_on must be ending_event when given")
            kw["on_ending_event"] = t.get("fires_on") == "ending_event"
        elif record == "Commitment":
            kw["statuses"] = as_str_list(t.get("statuses"), where, f"trigger {code}.statuses", False)
            kw["effect_months"] = as_int(t.get("effect_months"), where, f"trigger {code}.effect_months", 1)
            kw["effect_months_basis"] = parse_basis(t.get("effect_months_basis"), where,
                                                    f"trigger {code}.effect_months_basis")
        elif record == "Penalty":
            kw["severities"] = as_str_list(t.get("severities"), where, f"trigger {code}.severities", False)
        for key in ("list_kinds",):
            require(set(kw.get(key, ())) <= list_kinds, where, f"trigger {code}.{key}: unknown list kinds")
        if record == "Evaluation":
            require("effects" not in t, where, f"trigger {code}: a grade's effects are the "
                                               "scheme's own (grades:)")
            effects = ()
        else:
            effects = _effects(t.get("effects"), where, f"trigger {code}.effects", known_measures)
            require(bool(effects), where, f"trigger {code}: effects must not be empty")
        triggers.append(TriggerKind(code, str(t.get("name", code)), record, effects, **kw))
    require(bool(triggers), where, "triggers must not be empty")
    require(sum(t.record == "Evaluation" for t in triggers) <= 1, where,
            "one trigger reads evaluations (its effects are in grades:)")
    return triggers


def _grades(doc: Mapping, where: str, known_measures, scales: Scales):
    raw = doc.get("grades") or {}
    require(isinstance(raw, Mapping), where, "grades must be a mapping")
    default = SchemeEffects("default", _effects(raw.get("default") or [], where, "grades.default",
                                                known_measures, lambda g: True))
    schemes: dict[str, SchemeEffects] = {}
    for i, item in enumerate(raw.get("schemes") or []):
        require(isinstance(item, Mapping), where, f"grades.schemes[{i}] must be a mapping")
        scale = scales.find_scheme(item.get("scheme"))
        require(scale is not None, where, f"grades.schemes[{i}]: {item.get('scheme')!r} is not "
                                          f"a scheme of the grade scales")
        require(scale.name not in schemes, where, f"grades: scheme {scale.name} is given twice")
        effects = _effects(item.get("effects"), where, f"grades.{scale.name}", known_measures,
                           lambda g, s=scale: s.level_of(g) is not None)
        schemes[scale.name] = SchemeEffects(scale.name, effects, bool(item.get("with_default")))
    return default, schemes


def _rules(doc: Mapping, where: str, subjects: set[str], measures: list[Measure],
           trigger_codes: set[str]) -> list[Rule]:
    sch = schema()
    by_code = {m.code: m for m in measures}
    rules: list[Rule] = []
    for code, r in coded_items(doc, "propagation", where, "propagation rule", reserved=(SELF,)):
        here = f"propagation rule {code}"
        reaches = r.get("reaches")
        require(reaches in (RESPONSIBLE, RELATED), where,
                f"{here}: reaches must be {RESPONSIBLE} or {RELATED}")
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
        ms = as_str_list(r.get("measures"), where, f"{here}.measures")
        unknown = [m for m in ms if m not in by_code]
        require(not unknown, where, f"{here}.measures names unknown measures {unknown}")
        for mc in ms:
            require(bool(set(by_code[mc].applies_to) & current), where,
                    f"{here}: measure {mc} cannot be taken against {sorted(current)}")
        carries = as_str_list(r.get("carries"), where, f"{here}.carries")
        require(set(carries) <= set(STRENGTHS), where, f"{here}.carries: strengths are "
                                                      f"{', '.join(STRENGTHS)}")
        lead = bool(r.get("lead", False))
        if reaches == RELATED:
            # Rule 15: punish the subject, watch the relations.
            require(not carries, where, f"{here}: a rule reaching related subjects carries no "
                                        f"measure of the trigger (name SUPERVISE measures, or a lead)")
            restricting = [m for m in ms if by_code[m].strength == RESTRICT]
            require(not restricting or r.get("restricts") is True, where,
                    f"{here} reaches related subjects: RESTRICT measures {restricting} need "
                    f"`restricts: true` and the basis for it")
        require(not (lead and (ms or carries)), where, f"{here}: a lead gives no measure")
        require(lead or ms or carries, where, f"{here}: give measures, carries or lead: true")
        rules.append(Rule(code, str(r.get("name", code)), reaches, from_labels, trig,
                          tuple(steps), ms, parse_basis(r.get("basis"), where, f"{here}.basis"),
                          carries, lead))
    return rules


def parse_discipline_rules(doc: Mapping, where: str = "discipline",
                           scales: Scales | None = None) -> DisciplineRules:
    """Build and check :class:`DisciplineRules`; :class:`~queries.rules.rulefile.DataFileError`
    names the first problem (unknown measure, label, relationship, scheme or grade; a
    missing basis or strength; a duplicate code; a path step that a relationship cannot
    take; a measure no target can receive; a RESTRICT measure reaching related subjects
    without its own basis ...)."""
    scales = scales or default_scales()
    subjects = set(schema().subject_labels())
    measures = _measures(doc, where, subjects)
    known = {m.code for m in measures}
    triggers = _triggers(doc, where, known)
    default, schemes = _grades(doc, where, known, scales)
    rules = _rules(doc, where, subjects, measures, {t.code for t in triggers})
    return DisciplineRules(tuple(measures), tuple(triggers), tuple(rules), default, schemes, where)


#: The installed discipline rules: ``discipline_rules()``, read and checked once; ``load_discipline_rules(path)``
#: reads and checks another file.
discipline_rules: RuleFile[DisciplineRules] = RuleFile("discipline.yaml", parse_discipline_rules)
load_discipline_rules = discipline_rules.load
