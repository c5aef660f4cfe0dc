"""List admission (DOMAIN.md rules 10, 16, 22; cases #5, #10, #18): whether a subject qualifies
for a list that admits by rule, condition by condition, and which subjects of a region a
regulator should add to or remove from it.

The lists and their conditions are data, ``queries/data/admission.yaml``:

* ``GREEN_FAST_LANE`` (#18, 太仓海事局's 平安箱运·绿色快航, list kind 守信激励): the "六无"
  standard "一年无违章、两年无安检滞留、三年无等级事故、无信用惩戒、无重点跟踪、无C类船舶" and
  "一年内在太仓港累计作业不少于12艘次";
* ``VEHICLE_WHITELIST`` (#10, 白名单): "布控拦截 2 次及以上的，且无违法失信记录，确认无违法营运行为
  的客车";
* ``XINYIPI_WHITELIST`` (#5, 白名单 of Hangzhou's firms): "信用评级为 AA 级的企业".

:func:`list_admission` answers ADMIT or REFUSE, each condition with the records that show it
met (the port calls counted, the interceptions) or the records that break it (the detention,
the penalty, the open key-supervision entry).  :func:`admission_review` lists the subjects
that qualify and are not listed, and the listed ones that no longer qualify: proposals for a
regulator to confirm with ``addListEntry`` / ``removeListEntry``; nothing is listed or
removed here.

Examples
--------
On the demo data, 江海通达8 qualifies for the green fast lane on 2026-10-01 (14 calls at
太仓港 within the year, no violation, detention or accident); 江海通达9 was detained on
2026-08-18, so it no longer does::

    >>> a = list_admission(store, "Vessel:CN20181025637", "GREEN_FAST_LANE", "2026-10-01")
    >>> a.decision, [(c.code, c.met, len(c.evidence)) for c in a.conditions][-1]
    ('ADMIT', ('port_calls_1y', True, 14))
    >>> b = list_admission(store, "Vessel:CN20190318822", "GREEN_FAST_LANE", "2026-10-01")
    >>> b.decision, [(c.code, c.breaking) for c in b.conditions if not c.met]
    ('REFUSE', [('no_detention_2y', ('Inspection:太仓海安检〔2026〕0207号',))])
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Mapping, Sequence

from graph_model.i18n import message
from graph_model.schema import schema
from graph_model.store.port import Between, Node, Store
from queries.dates import InvalidInput, parse_as_of
from queries.rules.basis import Basis, parse_basis
from queries.rules.events import EventRules, event_rules, events_of
from queries.rules.jurisdiction import (
    check_region, inside, overlaps, record_date, record_optional_date, records_of, within,
)
from queries.rules.recognition import BATCH, grades_in_batches, registered_in
from queries.rules.rulefile import (
    RuleFile, as_int, as_str_list, coded_items, months_after, require,
)
from queries.rules.scales import scales as default_scales

__all__ = ["AdmissionCondition", "AdmissionList", "ConditionResult", "Admission",
           "AdmissionReview", "admission_lists", "load_admission_lists", "list_admission",
           "admission_review", "ADMIT", "REFUSE"]

ADMIT, REFUSE = "ADMIT", "REFUSE"
KINDS = ("none_within", "count_within", "not_listed", "grade_below", "grade_at_least", "subject_is")


@dataclass(frozen=True)
class AdmissionCondition:
    code: str
    name: str
    kind: str
    basis: Basis
    events: tuple[str, ...] = ()
    record: str | None = None  # count_within over records of a label (not events)
    date: str | None = None
    where: Mapping[str, tuple] | None = None
    months: int | None = None
    at_least: int = 0
    list_kinds: tuple[str, ...] = ()
    level: str | None = None
    scheme: str | None = None
    grades: tuple[str, ...] = ()
    prop: str | None = None
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class AdmissionList:
    code: str
    name: str
    list_kind: str
    subject: str  # the subject label it takes
    region: str | None
    basis: Basis
    conditions: tuple[AdmissionCondition, ...]

    def labels(self, rules: EventRules) -> tuple[str, ...]:
        """The record labels its conditions read (with ListEntry, for its own entries)."""
        out = ["ListEntry"]
        for c in self.conditions:
            out += rules.labels(c.events)
            if c.record:
                out.append(c.record)
            if c.kind == "grade_below":
                out.append("Evaluation")
        return tuple(dict.fromkeys(out))

    @property
    def candidates_from(self) -> AdmissionCondition | None:
        """A condition that needs records of a label the candidates come from (#18's port
        calls): only subjects with such records can qualify."""
        return next((c for c in self.conditions if c.kind == "count_within" and c.record
                     and c.at_least > 0), None)


def _condition(code: str, c: Mapping, where: str, rules: EventRules) -> AdmissionCondition:
    here = f"condition {code}"
    kind = c.get("kind")
    require(kind in KINDS, where, f"{here}: kind must be one of {KINDS}")
    basis = parse_basis(c.get("basis"), where, f"{here}.basis")
    name = str(c.get("name") or code)
    months = c.get("months")
    months = None if months is None else as_int(months, where, f"{here}.months", 1)
    if kind in ("none_within", "count_within"):
        events = as_str_list(c.get("events"), where, f"{here}.events")
        odd = [e for e in events if e not in rules.kinds]
        require(not odd, where, f"{here}.events names unknown events {odd}")
        record, date, conds = c.get("record"), c.get("date"), c.get("where") or {}
        require(bool(events) != bool(record), where, f"{here}: give events or a record label")
        if record:
            labels = schema().labels
            require(record in labels and date in labels[record].properties, where,
                    f"{here}: record {record!r} with date {date!r} is not in the schema")
            require(isinstance(conds, Mapping) and all(p in labels[record].properties for p in conds),
                    where, f"{here}.where must name properties of {record}")
        least = as_int(c.get("at_least", 0), where, f"{here}.at_least", 0)
        require(kind == "count_within" or least == 0, where, f"{here}: at_least is for count_within")
        return AdmissionCondition(code, name, kind, basis, events, record, date,
                                  {p: tuple(str(v) for v in vs) for p, vs in conds.items()},
                                  months, least)
    if kind == "not_listed":
        kinds = as_str_list(c.get("list_kinds"), where, f"{here}.list_kinds", False)
        return AdmissionCondition(code, name, kind, basis, list_kinds=kinds)
    if kind == "grade_below":
        level = c.get("level")
        require(any(lv.code == level for lv in default_scales().levels), where,
                f"{here}: level {level!r} is not a level of scales.yaml")
        return AdmissionCondition(code, name, kind, basis, level=level)
    if kind == "grade_at_least":
        scale = default_scales().find_scheme(c.get("scheme"))
        require(scale is not None, where, f"{here}: scheme {c.get('scheme')!r} is not in scales.yaml")
        grades = as_str_list(c.get("grades"), where, f"{here}.grades", False)
        require(all(scale.canonical_grade(g) for g in grades), where,
                f"{here}: grades must be grades of {scale.name}")
        return AdmissionCondition(code, name, kind, basis, scheme=scale.name, grades=grades)
    prop = c.get("property")
    return AdmissionCondition(code, name, kind, basis, prop=str(prop),
                              values=as_str_list(c.get("values"), where, f"{here}.values", False))


def parse_admission_lists(doc: Mapping, where: str = "admission") -> dict[str, AdmissionList]:
    rules = event_rules()
    out = {}
    for code, item in coded_items(doc, "lists", where, "list"):
        here = f"list {code}"
        subject = item.get("subject")
        require(subject in schema().subject_labels(), where, f"{here}: subject must be a subject label")
        kinds = schema().labels["ListEntry"].properties["list_kind"].values or ()
        require(item.get("list_kind") in kinds, where, f"{here}: list_kind must be one of {kinds}")
        region = item.get("region")
        if region is not None:
            region = check_region(str(region))
        conds = tuple(_condition(c, spec, where, rules)
                      for c, spec in coded_items(item, "conditions", where, f"{here} condition"))
        require(bool(conds), where, f"{here}: no conditions")
        if any(c.kind == "grade_at_least" for c in conds):
            require(region is not None, where, f"{here}: a grade condition needs the list's region")
        out[code] = AdmissionList(code, str(item.get("name") or code), item["list_kind"], subject,
                                  region, parse_basis(item.get("basis"), where, f"{here}.basis"), conds)
    return out


#: The installed lists: ``admission_lists()``, read and checked once.
admission_lists: RuleFile[dict[str, AdmissionList]] = RuleFile("admission.yaml", parse_admission_lists)
load_admission_lists = admission_lists.load


@dataclass(frozen=True)
class ConditionResult:
    code: str
    name: str
    met: bool
    detail: str
    evidence: tuple[str, ...]  # uids of the records that show it met
    breaking: tuple[str, ...]  # uids of the records that break it
    basis: Basis


@dataclass(frozen=True)
class Admission:
    subject: str
    list: str  # the list's code
    list_name: str
    list_kind: str
    as_of: dt.date
    decision: str  # ADMIT or REFUSE
    conditions: tuple[ConditionResult, ...]
    entry: str | None  # the subject's open entry of the list kind, if listed
    basis: Basis

    @property
    def admitted(self) -> bool:
        return self.decision == ADMIT


@dataclass(frozen=True)
class AdmissionReview:
    region: str
    list: str
    as_of: dt.date
    admit: tuple[Admission, ...]  # qualify and are not listed: propose addListEntry
    remove: tuple[Admission, ...]  # listed and no longer qualify: propose removeListEntry
    checked: int


def _list(code: str) -> AdmissionList:
    lists = admission_lists()
    if code not in lists:
        raise InvalidInput(message("error.admission.list_kind", code=repr(code),
                                   lists=", ".join(lists)))
    return lists[code]


def _open(entry: Node, day: dt.date) -> bool:
    removed = record_optional_date(entry, "removed_on")
    return record_date(entry, "listed_on") <= day and (removed is None or removed > day)


def _since(day: dt.date, months: int | None) -> dt.date | None:
    return None if months is None else months_after(day, -months)


def _in_window(d: dt.date, since: dt.date | None, day: dt.date) -> bool:
    return d <= day and (since is None or d > since)


def _when(months: int | None) -> str:
    return f" in the {months} months up to the day asked" if months else ""


def _check(c: AdmissionCondition, subject: Node | None, records: Sequence[Node], day: dt.date,
           rules: EventRules, grade) -> ConditionResult:
    since = _since(day, c.months)

    def result(met, detail, evidence=(), breaking=()):
        return ConditionResult(c.code, c.name, met, detail, tuple(evidence), tuple(breaking), c.basis)

    if c.kind in ("none_within", "count_within"):
        if c.record:
            hits = sorted((n for n in records if n.label == c.record
                           and all(str(n.props.get(p)) in vs for p, vs in (c.where or {}).items())
                           and _in_window(record_date(n, c.date), since, day)),
                          key=lambda n: (record_date(n, c.date), n.uid))
            uids = [n.uid for n in hits]
        else:
            uids = [e.record for e in events_of(records, c.events, rules)
                    if _in_window(e.day, since, day)]
        if c.kind == "none_within":
            return result(not uids, f"{len(uids)} found{_when(c.months)}", breaking=uids)
        met = len(uids) >= c.at_least
        return result(met, f"{len(uids)} of at least {c.at_least}{_when(c.months)}", evidence=uids)
    if c.kind == "not_listed":
        hits = [n.uid for n in records if n.label == "ListEntry"
                and n.props.get("list_kind") in c.list_kinds and _open(n, day)]
        return result(not hits, f"{len(hits)} open entries of {'/'.join(c.list_kinds)}", breaking=hits)
    if c.kind == "grade_below":
        worst = default_scales().level(c.level).severity
        bad, seen = [], []
        for n in records:
            if n.label != "Evaluation":
                continue
            start, end = record_date(n, "valid_from"), record_optional_date(n, "valid_to")
            if not (start <= day and (end is None or end >= day)):
                continue
            lv = default_scales().grade_level(n.props.get("scheme"), n.props.get("grade"))
            (bad if lv is not None and lv.severity >= worst else seen).append(n.uid)
        return result(not bad, f"{len(bad)} grades at {c.level} or worse among {len(bad) + len(seen)} valid",
                      evidence=seen if not bad else (), breaking=bad)
    if c.kind == "grade_at_least":
        ev = getattr(grade, "evaluation", None)
        if ev is None:
            return result(False, f"no grade under {c.scheme}")
        scale = default_scales().scheme(c.scheme)
        ok = scale.canonical_grade(ev.grade) in {scale.canonical_grade(g) for g in c.grades}
        return result(ok, f"graded {ev.grade} under {c.scheme}",
                      evidence=[ev.uid] if ok else (), breaking=() if ok else [ev.uid])
    value = subject.props.get(c.prop) if subject is not None else None
    return result(value is not None and str(value) in c.values, f"{c.prop} is {value or 'not known'}")


def _admission(lst: AdmissionList, uid: str, subject: Node | None, records: Sequence[Node],
               day: dt.date, rules: EventRules, grade, region: str | None) -> Admission:
    """The answer for one subject; its ``entry`` is an open entry of the list kind by an
    agency in ``region`` (None: any), the one a regulator there would remove."""
    results = tuple(_check(c, subject, records, day, rules, grade) for c in lst.conditions)
    entries = sorted((n for n in records if n.label == "ListEntry"
                      and n.props.get("list_kind") == lst.list_kind and _open(n, day)
                      and (region is None or within(n.props.get("agency_region"), region))),
                     key=lambda n: n.uid)
    return Admission(uid, lst.code, lst.name, lst.list_kind, day,
                     ADMIT if all(r.met for r in results) else REFUSE, results,
                     entries[0].uid if entries else None, lst.basis)


def _grade_scheme(lst: AdmissionList) -> str | None:
    return next((c.scheme for c in lst.conditions if c.kind == "grade_at_least"), None)


def list_admission(store: Store, subject: str, list_code: str, as_of) -> Admission:
    """Whether ``subject`` qualifies on ``as_of`` for the list ``list_code`` (a code of
    ``admission.yaml``: ``GREEN_FAST_LANE``, ``VEHICLE_WHITELIST``, ``XINYIPI_WHITELIST``).

    Returns an :class:`Admission`: ADMIT when every condition is met, else REFUSE; each
    condition with its detail, the records that show it met (``evidence``) or break it
    (``breaking``), and its basis; ``entry`` the subject's open entry of the list kind by
    an agency of the list's region (any agency's for a list kept anywhere).
    :class:`InvalidInput` for an unknown list or a subject of another label.

    Examples
    --------
    #10: coach 苏D52671F was intercepted twice (2026-03-05, 2026-07-22), passed both times,
    and has no penalty or listing::

        >>> a = list_admission(store, "Vehicle:苏D52671F", "VEHICLE_WHITELIST", "2026-10-01")
        >>> a.decision, [(c.code, c.met) for c in a.conditions]
        ('ADMIT', [('passenger_vehicle', True), ('intercepted_twice', True), ('no_violation', True), ('no_dishonesty', True)])
    """
    lst = _list(list_code)
    day = parse_as_of(as_of)
    if not isinstance(subject, str) or subject.partition(":")[0] != lst.subject:
        raise InvalidInput(message("error.admission.subject_kind", list=lst.code,
                                   label=lst.subject, subject=repr(subject)))
    rules = event_rules()
    node = store.get_nodes([subject]).get(subject)
    if node is None:
        raise InvalidInput(message("error.admission.no_subject", subject=repr(subject)))
    records = records_of(store, [subject], list(lst.labels(rules)), as_of=day).get(subject, [])
    grade = None
    if (scheme := _grade_scheme(lst)) is not None:
        grade = grades_in_batches(store, [subject], lst.region, day, scheme).get(subject)
    return _admission(lst, subject, node, records, day, rules, grade, lst.region)


def _candidates(store: Store, lst: AdmissionList, region: str, day: dt.date) -> list[str]:
    """Who may qualify or is listed: the subjects with as many of the records a condition
    needs as it asks (#18: 12 calls at a port inside ``region`` within the year), else those
    registered in ``region``; and the subjects of open entries of the list kind by agencies
    inside ``region``."""
    out: set[str] = set()
    regions = sorted(inside(region))
    need = lst.candidates_from
    if need is not None:
        # Only a subject with enough such records can qualify (#18: 12 calls in the year);
        # the window is a span of days the store filters on, read at once (``find_every``:
        # a keyset loop would match the port's 700,000 calls again for every page).
        since = _since(day, need.months)
        where: dict = {p: [v for v in vs if not p.endswith("region") or within(v, region)]
                       for p, vs in (need.where or {}).items()}
        if all(where.values()):
            if since is not None:
                where[need.date] = Between((since + dt.timedelta(days=1)).isoformat(),
                                           day.isoformat())
            counts: dict[str, int] = {}
            for n in store.find_every(need.record, where):
                if _in_window(record_date(n, need.date), since, day):
                    subject = n.props["subject_uid"]
                    counts[subject] = counts.get(subject, 0) + 1
            out.update(s for s, k in counts.items() if k >= need.at_least)
    else:
        out.update(registered_in(store, region, lst.subject))
    for n in store.iter_nodes("ListEntry", {"list_kind": lst.list_kind, "agency_region": regions},
                              page=5000):
        subj = n.props.get("subject_uid")
        if subj and subj.partition(":")[0] == lst.subject and _open(n, day):
            out.add(subj)
    return sorted(out)


def admission_review(store: Store, region: str, list_code: str, as_of) -> AdmissionReview:
    """The subjects of ``region`` that qualify for ``list_code`` on ``as_of`` and are not
    listed there (``admit``), and the ones listed by an agency in ``region`` that no longer
    qualify (``remove``).

    Proposals only: a regulator confirms each with ``addListEntry`` or ``removeListEntry``.
    Candidates are the subjects with the records a condition needs (the green fast lane's
    calls at a port inside ``region``), else the subjects registered in ``region``, and the
    subjects of open entries of the list kind by agencies inside ``region``.  A list kept in
    a region (``admission.yaml`` ``region``) is reviewed from a region that contains it or
    lies inside it; another is :class:`InvalidInput`.

    Examples
    --------
    On the demo data, 太仓 (320585) on 2026-10-01: 江海通达6 (a violation on 2026-05-10) and
    江海通达9 (detained on 2026-08-18) are listed and no longer qualify, so their removal is
    proposed; 江海通达8 is listed and still qualifies::

        >>> r = admission_review(store, "320585", "GREEN_FAST_LANE", "2026-10-01")
        >>> [a.subject for a in r.admit], [a.subject for a in r.remove]
        ([], ['Vessel:CN20170912453', 'Vessel:CN20190318822'])
        >>> r.remove[1].entry
        'ListEntry:守信激励|Vessel:CN20190318822|320585|2025-10-01'
        >>> r.checked
        3
    """
    lst = _list(list_code)
    day = parse_as_of(as_of)
    region = check_region(region)
    if lst.region is not None and not overlaps(region, lst.region):
        raise InvalidInput(message("error.admission.region", list=lst.code,
                                   region=lst.region))
    rules = event_rules()
    labels = list(lst.labels(rules))
    scheme = _grade_scheme(lst)
    subjects = _candidates(store, lst, region, day)
    admit, remove = [], []
    for i in range(0, len(subjects), BATCH):
        chunk = subjects[i:i + BATCH]
        nodes = store.get_nodes(chunk)
        recs = records_of(store, chunk, labels, as_of=day)
        grades = grades_in_batches(store, chunk, lst.region, day, scheme) if scheme else {}
        for uid in chunk:
            a = _admission(lst, uid, nodes.get(uid), recs.get(uid, ()), day, rules,
                           grades.get(uid), region)
            if a.admitted and a.entry is None:
                admit.append(a)
            elif not a.admitted and a.entry is not None:
                remove.append(a)
    return AdmissionReview(region, lst.code, day, tuple(admit), tuple(remove), len(subjects))
