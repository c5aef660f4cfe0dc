"""Scoring schemes as data: one YAML file per scheme (``queries/data/schemes/``, and a
folder of the user's own named by ``CREDITKB_SCHEMES``), each read and checked once.

A scheme says, every figure with its basis (a case quote, a national rule, or
``local_default: true`` with a note, :mod:`queries.rules.basis`):

* what it scores (``subjects``), on which evaluation scale its grades are (``scheme``, a
  scheme of ``scales.yaml``, so computed grades are recognised like loaded ones) and which
  ``version`` it is, in force from ``effective_from``;
* where a subject starts (``start``: points, and the points an initial-grade commitment
  gives, #1);
* ``bands`` from score to grade, best first: each band holds the scores from its
  ``min_score`` up to the band above it, the last every score below; so every score falls
  in exactly one band;
* ``indicators``: what moves the score, each matching records of one label (a loaded
  ``PointEntry`` by its behaviour code, or a penalty, commitment, accident, inspection,
  list entry, alarm or complaint by its properties) with its points and validity;
* optionally ``evaluators`` (weighted reviews with an outlier rule, #7, #11), ``vetoes``
  (a record that sets the grade directly, #4, #11; or, by ``events_veto``, one of
  ``events.yaml``'s vetoes, defined once there for exported and scored grades alike), a
  bid ``quota`` (#11),
  ``dimensions`` (a portrait's weighted sub-scores, #15) and ``incentives`` (what points
  buy at a lock, #13).

A mistake is a :class:`~queries.rules.rulefile.DataFileError` naming the file, the field
and the reason.

Examples
--------
>>> s = schemes().get("gx_lock_points")
>>> s.start_points, s.grade_for(400), s.grade_for(480)
(400.0, '一星', '三星')
>>> [b.grade for b in s.bands]
['三星', '二星', '一星', '无星']
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Mapping

from graph_model import yamlfile
from graph_model.i18n import message
from graph_model.schema import schema
from graph_model.store.port import RecordMatch
from queries.dates import InvalidInput
from queries.rules.basis import Basis, parse_basis
from queries.rules.rulefile import DataFileError, as_str_list, require
from graph_model.regions import is_known
from queries.rules.jurisdiction import up
from queries.rules.scales import scales as installed_scales

__all__ = ["Match", "Indicator", "Band", "Veto", "Quota", "Outlier", "Evaluators",
           "Dimension", "Exchange", "Scheme", "SchemeSet", "Override", "parse_override", "parse_scheme", "load_schemes",
           "schemes", "RECORD_DATES", "DERIVED_LABELS"]

#: The date a record of each label counts from (its behaviour, decision or event).
RECORD_DATES = {
    "PointEntry": "occurred_on", "Penalty": "decision_date", "Commitment": "due_on",
    "Accident": "occurred_on", "Inspection": "inspected_on", "ListEntry": "listed_on",
    "MonitoringAlarm": "occurred_at", "Complaint": "received_on", "Review": "reviewed_on",
}
#: Labels an indicator or veto may match (reviews are read by ``evaluators``).
DERIVED_LABELS = tuple(k for k in RECORD_DATES if k != "Review")
#: Whose records an indicator reads: the subject's own, its vehicles' or its drivers', or
#: all three (``fleet``), #15's "每辆车、每名驾驶员的每一条扣分记录".
OVER = ("self", "vehicles", "drivers", "fleet")
_KEYS = {"code", "title", "scheme", "version", "effective_from", "basis", "subjects", "issuer",
         "evaluation", "start", "bands", "bands_basis", "point_values", "validity_months",
         "values_basis", "categories", "indicators", "vetoes", "quota", "evaluators",
         "dimensions", "incentives", "doc", "entry_schemes"}


@dataclass(frozen=True)
class Match:
    """Which records of ``record`` (a label) an indicator or veto takes: every property in
    ``where`` one of its values, in ``contains`` holding one of its words, in ``at_least``
    at least its number."""

    record: str
    where: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    contains: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    at_least: Mapping[str, float] = field(default_factory=dict)
    absent: tuple[str, ...] = ()  # properties that must be empty (an alarm not handled)

    def is_empty(self) -> bool:
        """True when it takes every record of its label."""
        return not (self.where or self.contains or self.at_least or self.absent)

    def record_match(self) -> RecordMatch:
        """The store's filter of this match (``Store.records_matching``): it keeps every
        record :meth:`matches` takes (a value :meth:`matches` compares as ``str()`` or
        ``float()`` the store judges only as text or a whole number, and keeps otherwise)."""
        return RecordMatch(self.where, self.contains, self.at_least, self.absent)

    def tested(self) -> tuple[str, ...]:
        """The properties :meth:`matches` reads: it answers alike for records alike in
        these."""
        return (*self.absent, *self.where, *self.contains, *self.at_least)

    def matches(self, props: Mapping[str, Any]) -> bool:
        for prop in self.absent:
            if props.get(prop) not in (None, ""):
                return False
        for prop, values in self.where.items():
            if str(props.get(prop)) not in values:
                return False
        for prop, words in self.contains.items():
            text = str(props.get(prop) or "")
            if not any(w in text for w in words):
                return False
        for prop, low in self.at_least.items():
            try:
                if float(props.get(prop)) < low:
                    return False
            except (TypeError, ValueError):
                return False
        return True


@dataclass(frozen=True)
class Indicator:
    """One indicator (指标): records it matches, its points and how long they count.

    ``points`` None: a loaded point entry counts with the points it carries.
    ``validity_months`` None: a loaded entry counts until its own ``valid_to``.
    ``per``: the points are shared out over the subject's vehicles or drivers (车均, #15).
    """

    code: str
    name: str
    category: str
    match: Match
    points: float | None
    validity_months: int | None
    basis: Basis
    validity_basis: Basis | None = None
    over: str = "self"
    per: str | None = None
    behaviours: tuple[str, ...] = ()

    @property
    def local_default(self) -> bool:
        return self.basis.local_default or bool(self.validity_basis and
                                                 self.validity_basis.local_default)


@dataclass(frozen=True)
class Band:
    """Scores from ``low`` (inclusive) up to ``high`` (exclusive) get ``grade``."""

    grade: str
    low: float  # -inf for the last band
    high: float  # +inf for the first

    def contains(self, score: float) -> bool:
        return self.low <= score and (score < self.high or self.high == math.inf)


@dataclass(frozen=True)
class Veto:
    """A record that sets the grade directly (直接定级), for ``months`` from its date."""

    code: str
    name: str
    match: Match
    grade: str
    months: int
    basis: Basis
    months_basis: Basis


@dataclass(frozen=True)
class Quota:
    """#11: a grade's reward ends after so many bids won; then scored as ``scored_as``."""

    wins: Mapping[str, int]
    scored_as: str
    basis: Basis


@dataclass(frozen=True)
class Outlier:
    """An evaluator whose score lies more than ``k`` scaled MADs from the median of all
    evaluators' scores gets its weight multiplied by ``factor`` (0: dropped)."""

    k: float
    factor: float
    min_evaluators: int
    min_mad: float
    basis: Basis
    figures_basis: Basis

    def is_outlier(self, score: float, median: float, mad: float) -> bool:
        return abs(score - median) > self.k * max(mad, self.min_mad)


@dataclass(frozen=True)
class Evaluators:
    """Reviews (评价) of the last ``window_months`` by kinds of evaluator, each kind with a
    weight; a review's score is taken as a share of its full marks times ``full_marks``."""

    weights: Mapping[str, float]
    full_marks: float
    window_months: int
    outlier: Outlier | None
    basis: Basis
    figures_basis: Basis


@dataclass(frozen=True)
class Dimension:
    code: str
    name: str
    weight: float
    basis: Basis


@dataclass(frozen=True)
class Exchange:
    """#13: ships of ``levels`` may trade ``points`` for ``places`` queue places at ``locks``."""

    levels: tuple[str, ...]
    points: int
    places: int
    behaviour: str  # the point entries that record an exchange
    locks: tuple[str, ...]
    basis: Basis


@dataclass(frozen=True)
class Scheme:
    code: str
    title: str
    scheme: str  # the evaluation scheme (scales.yaml) its grades are on
    version: str
    effective_from: dt.date
    basis: Basis
    subjects: tuple[str, ...]
    issuer: str
    issuer_region: str
    evaluation_months: int
    evaluation_basis: Basis
    start_points: float | None  # None: only reviews give a score (see evaluators)
    start_basis: Basis
    commitment_kinds: tuple[str, ...]
    commitment_points: float | None
    commitment_basis: Basis | None
    bands: tuple[Band, ...]
    bands_basis: Basis
    indicators: tuple[Indicator, ...]
    vetoes: tuple[Veto, ...] = ()
    quota: Quota | None = None
    evaluators: Evaluators | None = None
    dimensions: tuple[Dimension, ...] = ()
    exchange: Exchange | None = None
    entry_schemes: tuple[str, ...] = ()  # how point entries name the scheme
    doc: str = ""
    source: str = ""
    overrides: tuple[str, ...] = ()  # the override versions applied (see overrides.py)

    def grade_for(self, score: float) -> str:
        """The band's grade: exactly one band holds any score."""
        for band in self.bands:
            if band.contains(score):
                return band.grade
        raise AssertionError("bands cover every score")  # pragma: no cover - checked on load

    def rank(self, grade: str) -> int:
        """0 for the best grade."""
        return [b.grade for b in self.bands].index(grade)

    def indicator(self, code: str) -> Indicator | None:
        return self._by_code().get(code)

    def _by_code(self) -> Mapping[str, Indicator]:
        cache = self.__dict__.get("_codes")
        if cache is None:
            cache = {i.code: i for i in self.indicators}
            for i in self.indicators:
                for b in i.behaviours:
                    cache.setdefault(b, i)
            object.__setattr__(self, "_codes", cache)
        return cache

    def labels(self) -> tuple[str, ...]:
        """The record labels the scheme reads."""
        out = {"PointEntry"} | {i.match.record for i in self.indicators} | \
              {v.match.record for v in self.vetoes}
        if self.evaluators:
            out.add("Review")
        if self.commitment_kinds:
            out.add("Commitment")
        return tuple(sorted(out))

    def record_tests(self, relations: Iterable[str]) -> dict[str, tuple[RecordMatch, ...] | None]:
        """What the scheme reads of a subject's records (``Store.records_matching``'s
        ``tests``), when its records count for the scored subject as each of
        ``relations`` (``self``, ``vehicles``, ``drivers``): by label, the store's filter
        of every indicator's match that reads them (an indicator ``over`` the fleet reads
        them as any of the three), and for ``self`` also the vetoes', the commitments
        that set the start (#1) and every review (None: every record of the label).
        Point entries are not among them (``Store.point_entries_about``)."""
        rel = set(relations)
        found: dict[str, list[Match] | None] = {}

        def add(label: str, match: Match | None) -> None:
            if found.get(label, ()) is None:
                return
            if match is None or match.is_empty():
                found[label] = None
            else:
                found.setdefault(label, []).append(match)

        for i in self.indicators:
            if i.match.record != "PointEntry" and (i.over in rel or i.over == "fleet"):
                add(i.match.record, i.match)
        if "self" in rel:
            for v in self.vetoes:
                add(v.match.record, v.match)
            if self.evaluators:
                add("Review", None)
            if self.commitment_kinds:
                add("Commitment", Match("Commitment", {"kind": self.commitment_kinds}))
        return {label: None if ms is None else tuple(m.record_match() for m in ms)
                for label, ms in found.items()}

    def scores_entry(self, props: Mapping[str, Any]) -> bool:
        """True when a point entry belongs to this scheme (by the name its file gives)."""
        return str(props.get("scheme", "")).strip() in self.entry_schemes

    @property
    def is_portrait(self) -> bool:
        return bool(self.dimensions)


# -- parsing --------------------------------------------------------------------------------

def _basis(value, where: str, fieldname: str) -> Basis:
    return parse_basis(value, where, fieldname)


def _number(value, where: str, fieldname: str, low: float | None = None,
            high: float | None = None) -> float:
    require(isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value), where, f"{fieldname} must be a number, not {value!r}")
    require(low is None or value >= low, where, f"{fieldname} must be at least {low}, not {value}")
    require(high is None or value <= high, where, f"{fieldname} must be at most {high}, not {value}")
    return float(value)


def _int(value, where: str, fieldname: str, low: int = 0) -> int:
    require(isinstance(value, int) and not isinstance(value, bool), where,
            f"{fieldname} must be a whole number, not {value!r}")
    require(value >= low, where, f"{fieldname} must be at least {low}, not {value}")
    return value


def _date(value, where: str, fieldname: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise DataFileError(where, f"{fieldname} must be a date (YYYY-MM-DD), not {value!r}") from None


def _mapping(value, where: str, fieldname: str, required: bool = True) -> Mapping:
    if value is None and not required:
        return {}
    require(isinstance(value, Mapping), where, f"{fieldname} must be a mapping")
    return value


def _unknown(doc: Mapping, allowed: set[str], where: str, fieldname: str) -> None:
    extra = sorted(set(doc) - allowed)
    require(not extra, where, f"{fieldname}: unknown field(s) {extra}; known: {sorted(allowed)}")


def _events_veto(item: Mapping, where: str, fieldname: str, scheme_name: str,
                 grades: list[str]) -> Veto:
    """A veto defined once in ``queries/data/events.yaml`` (its ``vetoes``, which also veto
    the grades an agency exported), named here by ``events_veto``: the accidents it takes,
    the grade, how many months it holds (the events file's ``window_months``) and their
    bases are that file's; the scheme gives only its ``code`` and ``name``."""
    from queries.rules.events import event_rules

    _unknown(item, {"events_veto", "code", "name"}, where, fieldname)
    ref = item.get("events_veto")
    rules = event_rules()
    found = next((v for v in rules.vetoes if v.code == ref), None)
    require(found is not None, where, f"{fieldname}.events_veto: events.yaml has no veto {ref!r}")
    scale = installed_scales().find_scheme(scheme_name)
    require(scale is not None and found.scheme == scale.name, where,
            f"{fieldname}.events_veto: veto {ref} is of the scheme {found.scheme!r}, not "
            f"{scheme_name!r}")
    require(found.grade in grades, where, f"{fieldname}.events_veto: grade {found.grade!r} of "
                                          f"veto {ref} is not one of the bands {grades}")
    kind = rules.kind(found.event)
    require(all(None not in allowed for allowed in kind.where.values()), where,
            f"{fieldname}.events_veto: event {kind.code} allows a missing property, which a "
            f"scheme's match cannot say")
    code = item.get("code", ref)
    require(isinstance(code, str) and code, where, f"{fieldname}.code must be a name")
    match = Match(kind.record, {p: tuple(sorted(a)) for p, a in kind.where.items()}, {},
                  dict(kind.at_least))
    return Veto(code, str(item.get("name", kind.name)), match, found.grade,
                found.window_months, found.basis, rules.bases[f"veto.{ref}.window"])


def _match(item: Mapping, where: str, fieldname: str, labels: Iterable[str]) -> Match:
    record = item.get("record")
    require(record in labels, where, f"{fieldname}.record must be one of {sorted(labels)}, "
                                     f"not {record!r}")
    props = schema().label(record).properties
    parts: dict[str, dict] = {}
    for key in ("where", "contains", "at_least"):
        raw = _mapping(item.get(key), where, f"{fieldname}.{key}", required=False)
        out = {}
        for prop, value in raw.items():
            require(prop in props, where, f"{fieldname}.{key}: {record} has no property {prop!r}")
            if key == "at_least":
                out[prop] = _number(value, where, f"{fieldname}.at_least.{prop}")
                continue
            values = as_str_list(value, where, f"{fieldname}.{key}.{prop}", allow_empty=False)
            allowed = props[prop].values
            if key == "where" and allowed is not None:
                wrong = [v for v in values if v not in allowed]
                require(not wrong, where, f"{fieldname}.where.{prop}: {wrong} not in the "
                                          f"schema's values {list(allowed)}")
            out[prop] = values
        parts[key] = out
    absent = as_str_list(item.get("absent"), where, f"{fieldname}.absent")
    wrong = [p for p in absent if p not in props]
    require(not wrong, where, f"{fieldname}.absent: {record} has no property {wrong}")
    return Match(record, parts["where"], parts["contains"], parts["at_least"], absent)


def _bands(doc: Mapping, where: str) -> tuple[Band, ...]:
    raw = doc.get("bands")
    require(isinstance(raw, list) and len(raw) >= 2, where, "bands must list two grades or more")
    bands: list[Band] = []
    high = math.inf
    for i, b in enumerate(raw):
        require(isinstance(b, Mapping), where, f"bands[{i}] must be a mapping")
        _unknown(b, {"grade", "min_score"}, where, f"bands[{i}]")
        grade = b.get("grade")
        require(isinstance(grade, str) and grade.strip(), where, f"bands[{i}] needs a grade")
        require(all(x.grade != grade for x in bands), where, f"bands: grade {grade!r} is listed twice")
        last = i == len(raw) - 1
        if last:
            require("min_score" not in b, where, f"bands[{i}] ({grade}): the last band holds every "
                                                 f"score below the others; it has no min_score")
            low = -math.inf
        else:
            low = _number(b.get("min_score"), where, f"bands[{i}].min_score ({grade})")
            require(low < high, where, f"bands[{i}] ({grade}): min_score {low:g} must be below "
                                       f"the band above it ({high:g}); list bands best first")
        bands.append(Band(grade.strip(), low, high))
        high = low
    return tuple(bands)


def parse_scheme(doc: Mapping, where: str = "scheme", *, scale_check: bool = True) -> Scheme:
    """Build and check one :class:`Scheme` from its parsed file (``where`` names it)."""
    _unknown(doc, _KEYS, where, "scheme")
    code = doc.get("code")
    require(isinstance(code, str) and code.replace("_", "").isalnum() and code.isascii(), where,
            f"code must be a name of letters, digits and _, not {code!r}")
    scheme_name = doc.get("scheme")
    require(isinstance(scheme_name, str) and scheme_name.strip(), where,
            "scheme must name the evaluation scheme (scales.yaml) the grades are on")
    version = doc.get("version")
    require(isinstance(version, str) and version.strip(), where, "version must be a string, e.g. \"2023.1\"")
    effective_from = _date(doc.get("effective_from"), where, "effective_from")
    subjects = as_str_list(doc.get("subjects"), where, "subjects", allow_empty=False)
    wrong = [s for s in subjects if s not in schema().subject_labels()]
    require(not wrong, where, f"subjects: {wrong} are not subject labels {schema().subject_labels()}")
    issuer = _mapping(doc.get("issuer"), where, "issuer")
    require(isinstance(issuer.get("agency"), str) and isinstance(issuer.get("region"), str), where,
            "issuer needs agency (a name) and region (a six-digit code)")
    evaluation = _mapping(doc.get("evaluation"), where, "evaluation")
    months = _int(evaluation.get("valid_months"), where, "evaluation.valid_months", 1)

    bands = _bands(doc, where)
    grades = [b.grade for b in bands]
    if scale_check:
        scale = installed_scales().find_scheme(scheme_name)
        require(scale is not None, where, f"scheme {scheme_name!r} is not a scheme of the grade "
                                          f"scales (queries/data/scales.yaml): computed grades must "
                                          f"be comparable with loaded ones")
        missing = [g for g in grades if scale.level_of(g) is None]
        require(not missing, where, f"bands: grades {missing} are not grades of {scheme_name!r} "
                                    f"in scales.yaml")

    start = _mapping(doc.get("start"), where, "start")
    _unknown(start, {"points", "basis", "commitment"}, where, "start")
    if start.get("points") is None and doc.get("evaluators") is not None:
        start_points = None  # scored only from reviews (a subject without any is not scored)
    else:
        start_points = _number(start.get("points"), where, "start.points")
    com = _mapping(start.get("commitment"), where, "start.commitment", required=False)
    if com:
        _unknown(com, {"kinds", "points", "basis"}, where, "start.commitment")
        com_kinds = as_str_list(com.get("kinds"), where, "start.commitment.kinds", allow_empty=False)
        com_points = _number(com.get("points"), where, "start.commitment.points")
        com_basis = _basis(com.get("basis"), where, "start.commitment.basis")
    else:
        com_kinds, com_points, com_basis = (), None, None

    values = {abs(_number(v, where, "point_values")) for v in doc.get("point_values") or []}
    periods = {_int(v, where, "validity_months", 1) for v in doc.get("validity_months") or []}
    if values or periods:
        _basis(doc.get("values_basis"), where, "values_basis")
    categories = as_str_list(doc.get("categories"), where, "categories")

    dimensions = []
    for i, d in enumerate(doc.get("dimensions") or []):
        d = _mapping(d, where, f"dimensions[{i}]")
        _unknown(d, {"code", "name", "weight", "basis"}, where, f"dimensions[{i}]")
        dcode = d.get("code")
        require(isinstance(dcode, str) and dcode, where, f"dimensions[{i}] needs a code")
        require(all(x.code != dcode for x in dimensions), where, f"dimension {dcode!r} is listed twice")
        dimensions.append(Dimension(dcode, str(d.get("name", dcode)),
                                    _number(d.get("weight"), where, f"dimension {dcode}.weight", 0),
                                    _basis(d.get("basis"), where, f"dimension {dcode}.basis")))
    if dimensions:
        require(sum(d.weight for d in dimensions) > 0, where, "dimensions: the weights add up to 0")
        categories = categories or tuple(d.code for d in dimensions)
        require(set(categories) == {d.code for d in dimensions}, where,
                "categories of a portrait are its dimensions' codes")

    indicators: list[Indicator] = []
    seen: set[str] = set()
    for i, it in enumerate(doc.get("indicators") or []):
        it = _mapping(it, where, f"indicators[{i}]")
        _unknown(it, {"code", "name", "category", "record", "where", "contains", "at_least",
                      "points", "validity_months", "basis", "validity_basis", "over", "per",
                      "behaviours", "absent"}, where, f"indicators[{i}]")
        icode = it.get("code")
        require(isinstance(icode, str) and icode, where, f"indicators[{i}] needs a code")
        here = f"indicator {icode}"
        require(icode not in seen, where, f"{here} is listed twice")
        seen.add(icode)
        category = it.get("category")
        require(not categories or category in categories, where,
                f"{here}: category {category!r} is not one of {list(categories)}")
        match = _match({"record": it.get("record", "PointEntry"), **it}, where, here, DERIVED_LABELS)
        points = it.get("points")
        if points is None:
            require(match.record == "PointEntry", where,
                    f"{here}: points are required (only loaded point entries carry their own)")
        else:
            points = _number(points, where, f"{here}.points")
            require(not values or abs(points) in values, where,
                    f"{here}: {points:g} points is not one of the point values {sorted(values)}")
        basis = _basis(it.get("basis"), where, f"{here}.basis")
        vmonths = it.get("validity_months")
        vbasis = None
        if vmonths is not None:
            vmonths = _int(vmonths, where, f"{here}.validity_months", 1)
            require(not periods or vmonths in periods, where,
                    f"{here}: {vmonths} months is not one of the validity periods {sorted(periods)}")
            vbasis = _basis(it.get("validity_basis"), where, f"{here}.validity_basis")
        else:
            require(match.record == "PointEntry", where,
                    f"{here}: validity_months is required (only loaded point entries carry "
                    f"their own valid_to)")
        over = it.get("over", "self")
        require(over in OVER, where, f"{here}.over must be one of {OVER}")
        per = it.get("per")
        require(per in (None, "vehicle", "driver"), where, f"{here}.per must be vehicle or driver")
        behaviours = as_str_list(it.get("behaviours"), where, f"{here}.behaviours")
        if match.record == "PointEntry":
            behaviours = behaviours or (icode,)
        indicators.append(Indicator(icode, str(it.get("name", icode)), str(category or ""),
                                    match, points, vmonths, basis, vbasis, over, per, behaviours))

    vetoes = []
    for i, v in enumerate(doc.get("vetoes") or []):
        v = _mapping(v, where, f"vetoes[{i}]")
        if "events_veto" in v:
            vetoes.append(_events_veto(v, where, f"vetoes[{i}]", scheme_name, grades))
            continue
        _unknown(v, {"code", "name", "record", "where", "contains", "at_least", "absent", "grade",
                     "months", "basis", "months_basis"}, where, f"vetoes[{i}]")
        vcode = v.get("code")
        require(isinstance(vcode, str) and vcode, where, f"vetoes[{i}] needs a code")
        require(v.get("grade") in grades, where, f"veto {vcode}: grade {v.get('grade')!r} is not "
                                                 f"one of the bands {grades}")
        vetoes.append(Veto(vcode, str(v.get("name", vcode)), _match(v, where, f"veto {vcode}",
                                                                   DERIVED_LABELS),
                           v["grade"], _int(v.get("months"), where, f"veto {vcode}.months", 1),
                           _basis(v.get("basis"), where, f"veto {vcode}.basis"),
                           _basis(v.get("months_basis"), where, f"veto {vcode}.months_basis")))

    quota = None
    if doc.get("quota") is not None:
        q = _mapping(doc.get("quota"), where, "quota")
        _unknown(q, {"wins", "scored_as", "basis"}, where, "quota")
        wins = _mapping(q.get("wins"), where, "quota.wins")
        for g, n in wins.items():
            require(g in grades, where, f"quota.wins: {g!r} is not one of the bands {grades}")
            _int(n, where, f"quota.wins.{g}", 1)
        require(q.get("scored_as") in grades, where, "quota.scored_as must be one of the bands")
        quota = Quota(dict(wins), q["scored_as"], _basis(q.get("basis"), where, "quota.basis"))

    evaluators = None
    if doc.get("evaluators") is not None:
        e = _mapping(doc.get("evaluators"), where, "evaluators")
        _unknown(e, {"weights", "full_marks", "window_months", "outlier", "basis",
                     "figures_basis"}, where, "evaluators")
        weights = _mapping(e.get("weights"), where, "evaluators.weights")
        require(bool(weights), where, "evaluators.weights must name at least one kind of evaluator")
        w = {str(k): _number(v, where, f"evaluators.weights.{k}", 0) for k, v in weights.items()}
        require(sum(w.values()) > 0, where, "evaluators.weights add up to 0")
        outlier = None
        if e.get("outlier") is not None:
            o = _mapping(e.get("outlier"), where, "evaluators.outlier")
            _unknown(o, {"rule", "k", "factor", "min_evaluators", "min_mad", "basis",
                         "figures_basis"}, where, "evaluators.outlier")
            require(o.get("rule") == "mad", where, "evaluators.outlier.rule: only mad (the "
                                                   "median absolute deviation) is known")
            outlier = Outlier(_number(o.get("k"), where, "evaluators.outlier.k", 0),
                              _number(o.get("factor"), where, "evaluators.outlier.factor", 0, 1),
                              _int(o.get("min_evaluators", 3), where,
                                   "evaluators.outlier.min_evaluators", 2),
                              _number(o.get("min_mad", 0), where, "evaluators.outlier.min_mad", 0),
                              _basis(o.get("basis"), where, "evaluators.outlier.basis"),
                              _basis(o.get("figures_basis"), where,
                                     "evaluators.outlier.figures_basis"))
        evaluators = Evaluators(w, _number(e.get("full_marks"), where, "evaluators.full_marks", 1),
                                _int(e.get("window_months"), where, "evaluators.window_months", 1),
                                outlier, _basis(e.get("basis"), where, "evaluators.basis"),
                                _basis(e.get("figures_basis"), where, "evaluators.figures_basis"))

    exchange = None
    incentives = _mapping(doc.get("incentives"), where, "incentives", required=False)
    if incentives:
        _unknown(incentives, {"exchange"}, where, "incentives")
        x = _mapping(incentives.get("exchange"), where, "incentives.exchange")
        _unknown(x, {"levels", "points", "places", "behaviour", "locks", "basis"}, where,
                 "incentives.exchange")
        levels = as_str_list(x.get("levels"), where, "incentives.exchange.levels", allow_empty=False)
        require(set(levels) <= set(grades), where, "incentives.exchange.levels must be bands")
        behaviour = x.get("behaviour")
        require(isinstance(behaviour, str) and behaviour, where,
                "incentives.exchange.behaviour names the point entries that record an exchange")
        exchange = Exchange(levels, _int(x.get("points"), where, "incentives.exchange.points", 1),
                            _int(x.get("places"), where, "incentives.exchange.places", 1),
                            behaviour, as_str_list(x.get("locks"), where,
                                                   "incentives.exchange.locks", allow_empty=False),
                            _basis(x.get("basis"), where, "incentives.exchange.basis"))

    title = doc.get("title")
    require(isinstance(title, str) and title.strip(), where, "title is required")
    entry_schemes = tuple(dict.fromkeys((scheme_name.strip(), code, title.strip(),
                                         *as_str_list(doc.get("entry_schemes"), where,
                                                      "entry_schemes"))))
    return Scheme(
        code=code, title=title.strip(), scheme=scheme_name.strip(), version=version.strip(),
        effective_from=effective_from, basis=_basis(doc.get("basis"), where, "basis"),
        subjects=subjects, issuer=issuer["agency"], issuer_region=issuer["region"],
        evaluation_months=months,
        evaluation_basis=_basis(evaluation.get("basis"), where, "evaluation.basis"),
        start_points=start_points, start_basis=_basis(start.get("basis"), where, "start.basis"),
        commitment_kinds=com_kinds, commitment_points=com_points, commitment_basis=com_basis,
        bands=bands, bands_basis=_basis(doc.get("bands_basis"), where, "bands_basis"),
        indicators=tuple(indicators), vetoes=tuple(vetoes), quota=quota, evaluators=evaluators,
        dimensions=tuple(dimensions), exchange=exchange, entry_schemes=entry_schemes,
        doc=str(doc.get("doc", "")).strip(), source=where)


# -- the set of schemes ---------------------------------------------------------------------

@dataclass(frozen=True)
class Override:
    """A regional version of a scheme (#15: "系统中设置各项指标分值和权重，可根据实际需求方便快捷
    对相应指标进行修正"): new dimension or evaluator weights for the subjects of ``region``
    from ``effective_from``.  A file of its own, never an edit of the scheme: answers about
    days before it do not change."""

    scheme: str
    version: str
    region: str
    effective_from: dt.date
    weights: Mapping[str, float]
    basis: Basis
    source: str = ""


@dataclass(frozen=True)
class SchemeSet:
    """Every scheme read, by code, its regional overrides, and the folders read."""

    by_code: Mapping[str, Scheme]
    folders: tuple[str, ...]
    overrides: Mapping[str, tuple[Override, ...]] = field(default_factory=dict)

    def get(self, code) -> Scheme:
        """The scheme with ``code`` (or its title); :class:`InvalidInput` naming the known ones."""
        if isinstance(code, Scheme):
            return code
        if isinstance(code, str):
            found = self.by_code.get(code.strip())
            if found is None:
                found = next((s for s in self.by_code.values() if s.title == code.strip()), None)
            if found is not None:
                return found
        raise InvalidInput(message("error.scoring.unknown_scheme", code=repr(code),
                                   known=", ".join(sorted(self.by_code))))

    def __iter__(self):
        return iter(self.by_code.values())

    def on_scale(self, scale: str) -> list[Scheme]:
        """The schemes whose grades are on the evaluation scheme ``scale``."""
        found = installed_scales().find_scheme(scale)
        name = found.name if found else scale
        return [s for s in self.by_code.values() if s.scheme == name]

    def version_for(self, code, region: str | None, day: dt.date) -> Scheme:
        """The version of the scheme in force on ``day`` for a subject of ``region``: its
        regional override of the nearest region (then the latest) in force on ``day``,
        else the scheme itself.  :class:`InvalidInput` before the scheme is in force."""
        base = self.get(code)
        if day < base.effective_from:
            raise InvalidInput(message("error.scoring.not_in_force", scheme=base.code,
                                       version=str(base.version), start=base.effective_from,
                                       day=day))
        chain = up(region) if region else ()
        best = None
        for o in self.overrides.get(base.code, ()):
            if o.effective_from <= day and o.region in chain:
                rank = (-chain.index(o.region), o.effective_from)
                if best is None or rank > best[0]:
                    best = (rank, o)
        return with_weights(base, best[1].weights, best[1].version) if best else base


def parse_override(doc: Mapping, where: str, base: Scheme) -> Override:
    """A regional override of ``base``, checked (see :class:`Override`)."""
    _unknown(doc, {"override", "version", "region", "effective_from", "weights", "basis", "doc"},
             where, "override")
    version = doc.get("version")
    require(isinstance(version, str) and version.strip() and version.strip() != base.version,
            where, "version must name the new version (not the scheme's own)")
    region = doc.get("region")
    require(isinstance(region, str) and is_known(region), where,
            f"region must be a known six-digit division code, not {region!r}")
    day = _date(doc.get("effective_from"), where, "effective_from")
    require(day >= base.effective_from, where, f"effective_from {day} is before the scheme "
                                               f"{base.code} is in force ({base.effective_from})")
    weights = _mapping(doc.get("weights"), where, "weights")
    known = [d.code for d in base.dimensions] + list(base.evaluators.weights if base.evaluators else ())
    require(bool(weights), where, "weights must give at least one weight")
    out = {}
    for k, v in weights.items():
        require(k in known, where, f"weights: {k!r} is not a dimension or evaluator kind of "
                                   f"{base.code} ({', '.join(known) or 'it has none'})")
        out[k] = _number(v, where, f"weights.{k}", 0)
    trial = with_weights(base, out, version.strip())
    require(not trial.dimensions or sum(d.weight for d in trial.dimensions) > 0, where,
            "weights: the dimensions' weights add up to 0")
    require(not trial.evaluators or sum(trial.evaluators.weights.values()) > 0, where,
            "weights: the evaluators' weights add up to 0")
    return Override(base.code, version.strip(), region, day, out,
                    _basis(doc.get("basis"), where, "basis"), where)


def _files(folder) -> list:
    return sorted((f for f in folder.iterdir() if f.name.endswith((".yaml", ".yml"))),
                  key=lambda f: f.name)


def load_schemes(user_folder: str | Path | None = None, *, installed: bool = True) -> SchemeSet:
    """The installed schemes (``queries/data/schemes/``) and those of ``user_folder``; a
    user's scheme with an installed one's code replaces it (a local version).

    Raises
    ------
    DataFileError
        Naming the file, field and reason of the first mistake; also for a folder that
        does not exist, or two of its files with one code.
    """
    found: dict[str, Scheme] = {}
    overrides: dict[str, list[Override]] = {}
    pending: list[tuple[str, Mapping]] = []
    folders = []
    sources = []
    if installed:
        root = resources.files("queries").joinpath("data", "schemes")
        sources.append(("queries/data/schemes", root))
    if user_folder is not None:
        path = Path(user_folder)
        if not path.is_dir():
            raise DataFileError(str(path), "the schemes folder (CREDITKB_SCHEMES) does not exist")
        sources.append((str(path), path))
    for name, root in sources:
        folders.append(name)
        mine: set[str] = set()
        for f in _files(root):
            where = f"{name}/{f.name}"
            doc = yamlfile.read(f, where)
            if "override" in doc:
                pending.append((where, doc))
                continue
            s = parse_scheme(doc, where)
            require(f.name.rsplit(".", 1)[0] == s.code, where,
                    f"the file of scheme {s.code!r} must be named {s.code}.yaml")
            require(s.code not in mine, where, f"scheme {s.code!r} is defined twice in {name}")
            mine.add(s.code)
            found[s.code] = s
    versions: dict[tuple[str, str], str] = {}
    for where, doc in pending:
        code = doc.get("override")
        require(code in found, where, f"override: no scheme {code!r} to override; known: "
                                      f"{', '.join(sorted(found))}")
        o = parse_override(doc, where, found[code])
        require((code, o.version) not in versions, where,
                f"version {o.version!r} of {code} is given twice (also in "
                f"{versions.get((code, o.version))}): a version is never edited, add a new one")
        versions[(code, o.version)] = where
        overrides.setdefault(code, []).append(o)
    return SchemeSet(found, tuple(folders),
                     {k: tuple(sorted(v, key=lambda o: (o.effective_from, o.region)))
                      for k, v in overrides.items()})


_CACHE: dict[str | None, SchemeSet] = {}


def schemes(user_folder: str | None = None) -> SchemeSet:
    """The schemes, read and checked once per process (and per user folder)."""
    key = str(user_folder) if user_folder else None
    if key not in _CACHE:
        _CACHE[key] = load_schemes(user_folder)
    return _CACHE[key]


def with_weights(scheme: Scheme, weights: Mapping[str, float], version: str) -> Scheme:
    """A copy of ``scheme`` with dimension or evaluator weights replaced (an override):
    a new version, the old one untouched."""
    dims = tuple(replace(d, weight=float(weights.get(d.code, d.weight))) for d in scheme.dimensions)
    ev = scheme.evaluators
    if ev is not None:
        ev = replace(ev, weights={k: float(weights.get(k, w)) for k, w in ev.weights.items()})
    return replace(scheme, dimensions=dims, evaluators=ev, version=version,
                   overrides=scheme.overrides + (version,))
