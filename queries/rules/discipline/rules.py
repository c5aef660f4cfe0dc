"""The rules of joint discipline as data (``queries/data/discipline.yaml``): the measure
catalogue, the triggers and the propagation rules, read and checked (see
:mod:`queries.rules.discipline`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from graph_model.schema import schema
from graph_model.store.port import Node
from queries.rules.rulefile import RuleFile, as_int, as_str_list, coded_items, require
from queries.rules.scales import Level, Scales, scales as default_scales

__all__ = ["RECORD_LABELS", "SELF", "Measure", "TriggerKind", "Step", "Rule", "DisciplineRules",
           "parse_discipline_rules", "discipline_rules", "load_discipline_rules"]

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
    for code, m in coded_items(doc, "measures", where, "measure"):
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
    for code, t in coded_items(doc, "triggers", where, "trigger"):
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
    for code, r in coded_items(doc, "propagation", where, "propagation rule", reserved=(SELF,)):
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
