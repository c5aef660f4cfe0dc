"""Events as the cases use them (DOMAIN.md rules 2, 10, 16, 22; cases #4, #10, #11, #18): which
records are which kind of event, accident vetoes per scheme, and the alarm thresholds that
raise a colour code.  The rules are data, ``queries/data/events.yaml``, every figure with its
basis.

* An **event kind** is a record label, the property that dates it, and the values its
  properties must have: a detention is an inspection whose result is 滞留 (#18 "安检滞留"), a
  fatal liability accident an accident with liability found and at least one death (#4).
  :func:`events_of` picks a subject's events of some kinds from its records.
* **Vetoes** (rule 2): #4 "对发生有责亡人事故的，直接定为 D 级" under Suzhou's quarterly
  scheme; #11 "安全生产事故报告认定为责任事故的，直接考核定级为 C、D 级" under Fujian's
  construction scheme, by the accident's level.  :func:`veto` says which accident sets a
  grade, and which grade.
* **Alarm codes** (#10): Henan's red/yellow/green codes from a quarter's monitoring alarms
  (:func:`alarm_code`), thresholds marked local defaults since the case gives none.
* **Incentive exits** (rule 16) are the event kinds that end incentive-list effects, read by
  :mod:`queries.rules.incentives`.

Examples
--------
On the demo data, 昆山顺达's accident of 2026-09-14 (one dead, main liability) vetoes its
Suzhou grade of 2026 Q4::

    >>> records = store.records_about(["Enterprise:91320583MA1N2Q7D2B"],
    ...                               ["Accident", "Evaluation"])["Enterprise:91320583MA1N2Q7D2B"]
    >>> q4 = next(n for n in records if n.props.get("scheme") == "苏州市道路运输企业分类分级评价")
    >>> v = veto(records, q4, "2026-11-01")
    >>> v.grade, v.accident, v.rule
    ('D', 'Accident:苏公交认〔2026〕0915号', 'suzhou_fatal_accident')
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from graph_model.i18n import message
from graph_model.schema import schema
from graph_model.store.port import Node, Store
from queries.dates import InvalidInput, parse_as_of
from queries.rules.basis import Basis, parse_basis
from queries.rules.jurisdiction import record_date, record_optional_date
from queries.rules.rulefile import (
    RuleFile, as_int, as_str_list, coded_items, months_after, require,
)
from queries.rules.scales import scales as default_scales

__all__ = ["EventKind", "Event", "Veto", "VetoFound", "AlarmCode", "EventRules", "event_rules",
           "load_event_rules", "events_of", "veto", "alarm_code", "AlarmAssessment",
           "event_description", "vetoing_subjects"]


@dataclass(frozen=True)
class EventKind:
    """A kind of event: records of ``record`` whose properties have the values ``where``
    allows (None in a list: the property may be missing) and at least ``at_least``."""

    code: str
    name: str
    record: str
    date: str
    where: Mapping[str, frozenset]
    at_least: Mapping[str, float]
    basis: Basis

    def matches(self, node: Node) -> bool:
        if node.label != self.record or str(node.props.get("status") or "") == "撤销":
            return False
        for prop, allowed in self.where.items():
            value = node.props.get(prop)
            if (None if value in (None, "") else str(value)) not in allowed:
                return False
        for prop, least in self.at_least.items():
            value = node.props.get(prop)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value < least:
                return False
        return True

    def day(self, node: Node) -> dt.date:
        value = node.props.get(self.date)
        if isinstance(value, str) and len(value) > 10:  # a datetime: its day
            value = value[:10]
            node = Node(node.uid, node.label, {**node.props, self.date: value})
        return record_date(node, self.date)


@dataclass(frozen=True)
class Event:
    """One record read as an event of ``kind`` on ``day``."""

    day: dt.date
    record: str  # uid of the record that tells it
    label: str
    kind: str  # the event kind's code
    what: str
    agency: str | None
    agency_region: str | None


@dataclass(frozen=True)
class Veto:
    """An accident kind that sets a scheme's grade directly (rule 2)."""

    code: str
    scheme: str
    event: str
    grade: str
    window_months: int
    basis: Basis


@dataclass(frozen=True)
class VetoFound:
    """A grade set directly by an accident: the grade, the accident that set it, the rule."""

    grade: str
    accident: str  # uid of the accident record
    event: Event
    rule: str
    basis: Basis
    instead_of: str | None = None  # the grade of the evaluation it replaces


@dataclass(frozen=True)
class AlarmCode:
    code: str
    alarms_per_vehicle: float
    cases: int


@dataclass(frozen=True)
class AlarmRules:
    scheme: str
    window_months: int
    counts: str
    cases: str
    codes: tuple[AlarmCode, ...]  # worst first
    otherwise: str
    basis: Basis


@dataclass(frozen=True)
class EventRules:
    kinds: Mapping[str, EventKind]
    incentive_exits: tuple[str, ...]
    incentive_basis: Basis
    vetoes: tuple[Veto, ...]
    alarms: AlarmRules
    bases: Mapping[str, Basis]

    def kind(self, code: str) -> EventKind:
        try:
            return self.kinds[code]
        except KeyError:
            raise InvalidInput(message("error.events.kind", kind=repr(code))) from None

    def labels(self, codes: Iterable[str]) -> tuple[str, ...]:
        """The record labels that events of ``codes`` come from."""
        return tuple(dict.fromkeys(self.kinds[c].record for c in codes))

    def vetoes_for(self, scheme: str | None) -> tuple[Veto, ...]:
        return tuple(v for v in self.vetoes if v.scheme == scheme)


def _values(value, where: str, field: str) -> frozenset:
    require(isinstance(value, list) and value, where, f"{field} must be a non-empty list")
    return frozenset(None if v is None else str(v) for v in value)


def _kind(code: str, item: Mapping, where: str) -> EventKind:
    here = f"event {code}"
    label = item.get("record")
    labels = schema().labels
    require(label in labels and labels[label].kind == "record", where,
            f"{here}: record {label!r} is not a record label of the schema")
    props = labels[label].properties
    date = item.get("date")
    require(date in props, where, f"{here}: date {date!r} is not a property of {label}")
    conds = item.get("where") or {}
    require(isinstance(conds, Mapping), where, f"{here}.where must be a mapping")
    where_ = {}
    for prop, allowed in conds.items():
        require(prop in props, where, f"{here}.where: {prop!r} is not a property of {label}")
        where_[prop] = _values(allowed, where, f"{here}.where.{prop}")
        known = props[prop].values
        if known:
            odd = sorted(v for v in where_[prop] if v is not None and v not in known)
            require(not odd, where, f"{here}.where.{prop}: {odd} are not values of {label}.{prop}")
    least = item.get("at_least") or {}
    require(isinstance(least, Mapping), where, f"{here}.at_least must be a mapping")
    for prop, n in least.items():
        require(prop in props, where, f"{here}.at_least: {prop!r} is not a property of {label}")
        as_int(n, where, f"{here}.at_least.{prop}", 0)
    return EventKind(code, str(item.get("name") or code), label, date, where_, dict(least),
                     parse_basis(item.get("basis"), where, f"{here}.basis"))


def parse_event_rules(doc: Mapping, where: str = "events") -> EventRules:
    kinds = {code: _kind(code, item, where) for code, item in coded_items(doc, "events", where, "event")}
    bases: dict[str, Basis] = {f"event.{c}": k.basis for c, k in kinds.items()}

    def known(codes, field):
        codes = as_str_list(codes, where, field, False)
        odd = [c for c in codes if c not in kinds]
        require(not odd, where, f"{field} names unknown events {odd}")
        return codes

    exits = doc.get("incentive_exits") or {}
    require(isinstance(exits, Mapping), where, "incentive_exits must be a mapping")
    exit_codes = known(exits.get("events"), "incentive_exits.events")
    bases["incentive_exits"] = parse_basis(exits.get("basis"), where, "incentive_exits.basis")

    vetoes = []
    sc = default_scales()
    for code, v in coded_items(doc, "vetoes", where, "veto"):
        here = f"veto {code}"
        scale = sc.find_scheme(v.get("scheme"))
        require(scale is not None, where, f"{here}: scheme {v.get('scheme')!r} is not in scales.yaml")
        (event,) = known([v.get("event")], f"{here}.event")
        require(kinds[event].record == "Accident", where, f"{here}: event must be about accidents")
        grade = v.get("grade")
        require(scale.canonical_grade(str(grade)) is not None, where,
                f"{here}: grade {grade!r} is not a grade of {scale.name}")
        bases[f"veto.{code}"] = parse_basis(v.get("basis"), where, f"{here}.basis")
        bases[f"veto.{code}.window"] = parse_basis(v.get("window_basis"), where, f"{here}.window_basis")
        vetoes.append(Veto(code, scale.name, event, scale.canonical_grade(str(grade)),
                           as_int(v.get("window_months"), where, f"{here}.window_months", 0),
                           bases[f"veto.{code}"]))

    a = doc.get("alarm_codes")
    require(isinstance(a, Mapping), where, "alarm_codes must be a mapping")
    scale = sc.find_scheme(a.get("scheme"))
    require(scale is not None, where, f"alarm_codes.scheme {a.get('scheme')!r} is not in scales.yaml")
    codes = []
    for i, c in enumerate(a.get("codes") or []):
        here = f"alarm_codes.codes[{i}]"
        require(isinstance(c, Mapping) and scale.canonical_grade(str(c.get("code"))) is not None,
                where, f"{here}: code must be a grade of {scale.name}")
        codes.append(AlarmCode(str(c["code"]), float(as_int(c.get("alarms_per_vehicle"), where,
                                                             f"{here}.alarms_per_vehicle", 1)),
                               as_int(c.get("cases"), where, f"{here}.cases", 1)))
    require(scale.canonical_grade(str(a.get("otherwise"))) is not None, where,
            "alarm_codes.otherwise must be a grade of the scheme")
    for field in ("basis", "window_basis", "thresholds_basis"):
        bases[f"alarm_codes.{field}"] = parse_basis(a.get(field), where, f"alarm_codes.{field}")
    (counts,) = known([a.get("counts")], "alarm_codes.counts")
    (cases,) = known([a.get("cases")], "alarm_codes.cases")
    alarms = AlarmRules(scale.name, as_int(a.get("window_months"), where, "alarm_codes.window_months", 1),
                        counts, cases, tuple(codes), str(a["otherwise"]), bases["alarm_codes.basis"])
    return EventRules(kinds, exit_codes, bases["incentive_exits"], tuple(vetoes), alarms, bases)


#: The installed event rules: ``event_rules()``, read and checked once;
#: ``load_event_rules(path)`` reads and checks another file.
event_rules: RuleFile[EventRules] = RuleFile("events.yaml", parse_event_rules)
load_event_rules = event_rules.load


def event_description(node: Node) -> str:
    """One line telling a record as an event, in the words of its kind.

    >>> event_description(Node("Inspection:X1", "Inspection", {"inspection_no": "X1",
    ...     "kind": "船舶安全检查", "result": "滞留", "defects": 5}))
    '船舶安全检查 X1: 滞留 (缺陷 5)'
    """
    p = node.props
    if node.label == "Penalty":
        return f"行政处罚 {p.get('decision_no') or node.key}: {p.get('violation') or ''}".rstrip(": ")
    if node.label == "Inspection":
        defects = f" (缺陷 {p['defects']})" if p.get("defects") else ""
        return f"{p.get('kind') or '检查'} {p.get('inspection_no') or node.key}: {p.get('result') or ''}{defects}"
    if node.label == "Accident":
        return (f"事故 {p.get('accident_no') or node.key}: {p.get('level') or ''} "
                f"{p.get('liability') or ''}, 死亡 {p.get('deaths') or 0} 人")
    if node.label == "MonitoringAlarm":
        return f"告警 {p.get('alarm_no') or node.key}: {p.get('kind') or ''} {p.get('outcome') or ''}".rstrip()
    if node.label == "PortCall":
        return f"{p.get('port') or ''} {p.get('arrived_on') or ''}".strip()
    return f"{node.label} {node.key}"


def events_of(records: Iterable[Node], kinds: Sequence[str], rules: EventRules | None = None
              ) -> list[Event]:
    """The events of ``kinds`` (codes of ``events.yaml``) among ``records``, by day then
    record; a record that is an event of several kinds comes once, as the first listed."""
    rules = rules or event_rules()
    wanted = [rules.kind(k) for k in kinds]
    out = []
    for n in records:
        for k in wanted:
            if k.matches(n):
                p = n.props
                out.append(Event(k.day(n), n.uid, n.label, k.code, event_description(n),
                                 p.get("agency"), p.get("agency_region")))
                break
    out.sort(key=lambda e: (e.day, e.record))
    return out


def veto(records: Iterable[Node], evaluation: Node, as_of, rules: EventRules | None = None
         ) -> VetoFound | None:
    """The accident that sets ``evaluation``'s grade directly on ``as_of`` (rule 2), or None.

    An accident of a veto's kind (``events.yaml`` ``vetoes``, per scheme) counts when it
    happened on or before ``as_of``, within the veto's ``window_months`` before the grade
    took effect or while it is valid.  Several accidents: the worst grade they set counts,
    then the latest accident.  A grade creditkb computed (``computed_by``) is never vetoed
    here: its scoring scheme applied its own vetoes.

    Examples
    --------
    #4: a main-liability accident with one death in the quarter before a Suzhou grade of A
    takes effect sets it to D; one without deaths does not:

    >>> ev = Node("Evaluation:E", "Evaluation", {"scheme": "苏州市道路运输企业分类分级评价",
    ...     "grade": "A", "valid_from": "2026-10-01", "valid_to": "2026-12-31"})
    >>> acc = Node("Accident:A1", "Accident", {"accident_no": "A1", "occurred_on": "2026-09-14",
    ...     "level": "一般", "liability": "主要责任", "deaths": 1})
    >>> veto([acc], ev, "2026-11-01").grade
    'D'
    >>> veto([Node("Accident:A2", "Accident", {**acc.props, "deaths": 0})], ev, "2026-11-01") is None
    True
    """
    rules = rules or event_rules()
    day = parse_as_of(as_of)
    if evaluation.props.get("computed_by"):
        return None
    scheme = evaluation.props.get("scheme")
    found: list[tuple[int, dt.date, str, VetoFound]] = []
    sc = default_scales().find_scheme(scheme)
    records = list(records)
    for v in rules.vetoes_for(sc.name if sc else scheme):
        start = months_after(record_date(evaluation, "valid_from"), -v.window_months)
        end = record_optional_date(evaluation, "valid_to")
        for e in events_of(records, [v.event], rules):
            if not (start <= e.day <= day and (end is None or e.day <= end)):
                continue
            grade = v.grade
            lv = sc.level_of(grade) if sc else None
            found.append((lv.severity if lv else 0, e.day, e.record,
                          VetoFound(grade, e.record, e, v.code, v.basis,
                                    evaluation.props.get("grade"))))
    if not found:
        return None
    return max(found, key=lambda f: (f[0], f[1], f[2]))[3]


def vetoing_subjects(store: Store, as_of, rules: EventRules | None = None) -> set[str]:
    """The subjects with an accident on or before ``as_of`` of a kind some veto reads: those
    whose grade a veto may set (for whole-region passes that otherwise read only the
    grades that trigger something)."""
    rules = rules or event_rules()
    day = parse_as_of(as_of)
    kinds = [rules.kinds[v.event] for v in rules.vetoes]
    if not kinds or "Accident" not in schema().labels:
        return set()
    out = set()
    for n in store.iter_nodes("Accident", page=5000):
        subject = n.props.get("subject_uid")
        if subject and any(k.matches(n) and k.day(n) <= day for k in kinds):
            out.add(subject)
    return out


@dataclass(frozen=True)
class AlarmAssessment:
    """#10: a subject's colour code for the quarter up to ``as_of``, and why."""

    subject: str
    as_of: dt.date
    scheme: str
    code: str
    vehicles: int
    alarms: int
    cases: int
    alarms_per_vehicle: float
    since: dt.date
    evidence: tuple[str, ...]  # the alarms counted (uids), latest first, at most 20
    basis: Basis
    thresholds_basis: Basis


def alarm_code(store: Store, subject: str, as_of, rules: EventRules | None = None) -> AlarmAssessment:
    """The red/yellow/green code (#10) that ``subject``'s monitoring alarms raise on ``as_of``.

    A vehicle's own alarms count; a firm's are those of the vehicles it owns.  The alarms of
    the quarter up to ``as_of`` (false alarms, 误报, left out) per vehicle, and those turned
    into cases (转立案), are compared with the thresholds of ``events.yaml`` (local defaults).

    Examples
    --------
    On the demo data, coach 苏D52671F had one handled alarm in September 2026::

        >>> a = alarm_code(store, "Vehicle:苏D52671F", "2026-10-01")
        >>> a.code, a.alarms, a.cases, a.vehicles
        ('绿码', 1, 0, 1)
    """
    rules = rules or event_rules()
    day = parse_as_of(as_of)
    ar = rules.alarms
    label = subject.partition(":")[0]
    if label == "Vehicle":
        vehicles = [subject]
    elif label == "Enterprise":
        hood = store.neighbours([subject], ["OWNS"], "out")
        vehicles = sorted({e.dst for e in hood.edges if e.dst.startswith("Vehicle:")})
    else:
        raise InvalidInput(message("error.events.alarm_subject", label=label))
    since = months_after(day, -ar.window_months)
    recs = store.records_about(vehicles, ["MonitoringAlarm"]) if vehicles else {}
    counted, cases = [], 0
    for v in vehicles:
        for e in events_of(recs.get(v, ()), [ar.counts], rules):
            if since < e.day <= day:
                counted.append(e)
                cases += rules.kinds[ar.cases].matches(next(
                    n for n in recs[v] if n.uid == e.record))
    per = len(counted) / len(vehicles) if vehicles else 0.0
    code = ar.otherwise
    for c in ar.codes:  # worst first
        if per >= c.alarms_per_vehicle or cases >= c.cases:
            code = c.code
            break
    counted.sort(key=lambda e: (e.day, e.record), reverse=True)
    return AlarmAssessment(subject, day, ar.scheme, code, len(vehicles), len(counted), cases,
                           per, since, tuple(e.record for e in counted[:20]), ar.basis,
                           rules.bases["alarm_codes.thresholds_basis"])
