"""A score scheme computed from the records (DOMAIN.md rules 1-3 and 9), as data:
``queries/data/scoring.yaml``.

* **Start** (rule 1, #1): B; a signed initial-grade commitment (made on or before
  ``as_of``, not breached) starts the subject at A.
* **Indicators** (rule 3, #6): each record kind with one of six point values and one of
  three validity periods; a breached commitment deducts 50 points (rule 1).  A deduction
  counts from its record's date for its validity period; a penalty also stops counting
  when it is repaired or its publication ends, and a revoked one never counts
  (:mod:`queries.rules.repair`); a list entry stops counting when removed.
* **Grade**: the score's band; then the grade rules, the worst of them winning:
  a liability accident with deaths sets D (veto, rule 2, #4), a liability accident C
  (#11: "直接考核定级为 C、D 级"); an AA firm with 3 bids
  won (A: 2) is scored as B (quota, rule 9, #11); a subject with no registration,
  commitment or self-assessment record is managed as C (rule 2, #8).

The answer lists every record that moved the score or set the grade, and every record
that no longer counts with the reason (expired on, repaired on, revoked).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Mapping

from graph_model.store.port import Store
from queries.dates import InvalidInput, parse_as_of
from queries.rules.jurisdiction import check_subject, record_date, record_optional_date
from queries.rules.basis import Basis, parse_basis
from queries.rules.repair import penalty_states
from queries.rules.rulefile import (
    RuleFile, as_int, as_str_list, coded_items, months_after, require,
)
from queries.rules.scales import scales as default_scales

__all__ = ["ScoreScheme", "Indicator", "Veto", "score_scheme", "load_score_scheme",
           "ScoreMove", "GradeRule", "NotCounted", "ScoreResult", "credit_score"]


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    record: str
    points: int
    validity_months: int
    statuses: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    list_kinds: tuple[str, ...] = ()


@dataclass(frozen=True)
class Veto:
    code: str
    name: str
    record: str
    violation_contains: tuple[str, ...]
    grade: str


@dataclass(frozen=True)
class ScoreScheme:
    name: str
    bands: tuple[tuple[str, int], ...]  # (grade, min score), best first
    start_grade: str
    start_scores: Mapping[str, int]
    commitment_kinds: tuple[str, ...]
    commitment_grade: str
    registration_evidence: tuple[str, ...]
    registration_labels: tuple[str, ...]  # subjects the registration rule applies to
    unregistered_grade: str
    indicators: tuple[Indicator, ...]
    vetoes: tuple[Veto, ...]
    quota: Mapping[str, int]
    quota_grade: str
    source: str = ""
    bases: Mapping[str, Basis] = field(default_factory=dict)  # of each figure and rule

    def grade_for(self, score: int) -> str:
        for grade, low in self.bands:
            if score >= low:
                return grade
        return self.bands[-1][0]

    def rank(self, grade: str) -> int:
        return [g for g, _ in self.bands].index(grade)


_RECORDS = ("Commitment", "Penalty", "ListEntry")
_EVIDENCE_DATE = {"Commitment": "made_on", "Evaluation": "valid_from"}


def parse_score_scheme(doc: Mapping, where: str = "scoring") -> ScoreScheme:
    """Build and check a :class:`ScoreScheme`; :class:`~queries.rules.rulefile.DataFileError` on
    an unordered band, an unknown grade, a point value or validity period outside the
    allowed sets, an indicator or veto named twice, ..."""
    name = doc.get("name")
    require(isinstance(name, str) and name, where, "name is required")
    raw = doc.get("grades")
    require(isinstance(raw, list) and raw, where, "grades must be a non-empty list")
    bands, last = [], None
    for i, g in enumerate(raw):
        require(isinstance(g, Mapping), where, f"grades[{i}] must be a mapping")
        grade = g.get("grade")
        require(isinstance(grade, str) and grade, where, f"grades[{i}] needs a grade")
        require(all(b[0] != grade for b in bands), where, f"grade {grade!r} is listed twice")
        low = as_int(g.get("min_score"), where, f"grades[{i}].min_score")
        require(last is None or low < last, where, f"grade {grade!r}: min_score must fall down the list")
        bands.append((grade, low))
        last = low
    grades = [b[0] for b in bands]
    bases = {"grades": parse_basis(doc.get("grades_basis"), where, "grades_basis")}
    scale = default_scales().find_scheme(name)
    if scale is not None:
        require(all(scale.level_of(g) is not None for g in grades), where,
                f"grades {grades} must all be in the scales.yaml scheme {name!r}")

    start = doc.get("start") or {}
    require(start.get("grade") in grades, where, "start.grade must be one of the grades")
    scores = start.get("scores") or {}
    require(isinstance(scores, Mapping) and scores, where, "start.scores must map grades to scores")
    for g, sc in scores.items():
        require(g in grades, where, f"start.scores: unknown grade {g!r}")
        as_int(sc, where, f"start.scores.{g}")
    com = start.get("commitment") or {}
    require(com.get("grade") in scores and start["grade"] in scores, where,
            "start.scores must give the start grade and the commitment grade")
    bases["start"] = parse_basis(start.get("basis"), where, "start.basis")
    bases["start.scores"] = parse_basis(start.get("scores_basis"), where, "start.scores_basis")
    reg = doc.get("registration") or {}
    require(reg.get("grade") in grades, where, "registration.grade must be one of the grades")
    bases["registration"] = parse_basis(reg.get("basis"), where, "registration.basis")
    evidence = as_str_list(reg.get("evidence"), where, "registration.evidence", False)
    require(all(e in _EVIDENCE_DATE for e in evidence), where,
            f"registration.evidence must name {' or '.join(_EVIDENCE_DATE)}")

    allowed = doc.get("indicator_values") or {}
    require(isinstance(allowed, Mapping), where, "indicator_values must be a mapping")
    values = {abs(as_int(v, where, "point_values")) for v in allowed.get("point_values") or []}
    periods = {as_int(v, where, "validity_months", 1) for v in allowed.get("validity_months") or []}
    require(bool(values) and bool(periods), where,
            "indicator_values.point_values and validity_months are required")
    bases["indicator_values"] = parse_basis(allowed.get("basis"), where, "indicator_values.basis")
    indicators = []
    for code, it in coded_items(doc, "indicators", where, "indicator"):
        record = it.get("record")
        require(record in _RECORDS, where, f"indicator {code}: record must be one of {_RECORDS}")
        points = as_int(it.get("points"), where, f"indicator {code}.points")
        require(abs(points) in values, where,
                f"indicator {code}: {points} points is not one of the point values {sorted(values)}")
        months = as_int(it.get("validity_months"), where, f"indicator {code}.validity_months", 1)
        require(months in periods, where,
                f"indicator {code}: {months} months is not one of the validity periods {sorted(periods)}")
        kw = {}
        for key, rec in (("statuses", "Commitment"), ("severities", "Penalty"), ("list_kinds", "ListEntry")):
            if record == rec:
                kw[key] = as_str_list(it.get(key), where, f"indicator {code}.{key}", False)
        bases[f"indicator.{code}"] = parse_basis(it.get("basis"), where, f"indicator {code}.basis")
        indicators.append(Indicator(code, str(it.get("name", code)), record, points, months, **kw))
    vetoes = []
    for code, v in coded_items(doc, "vetoes", where, "veto"):
        require(v.get("record") == "Penalty", where, f"veto {code}: record must be Penalty")
        require(v.get("grade") in grades, where, f"veto {code}: unknown grade {v.get('grade')!r}")
        bases[f"veto.{code}"] = parse_basis(v.get("basis"), where, f"veto {code}.basis")
        vetoes.append(Veto(code, str(v.get("name", code)), "Penalty",
                           as_str_list(v.get("violation_contains"), where, f"veto {code}.violation_contains", False),
                           v["grade"]))
    quota = doc.get("bid_quota") or {}
    wins = quota.get("wins") or {}
    for g, n in wins.items():
        require(g in grades, where, f"bid_quota.wins: unknown grade {g!r}")
        as_int(n, where, f"bid_quota.wins.{g}", 1)
    require(not wins or quota.get("grade_after") in grades, where, "bid_quota.grade_after must be a grade")
    if wins:
        bases["bid_quota"] = parse_basis(quota.get("basis"), where, "bid_quota.basis")
    reg_labels = as_str_list(reg.get("applies_to"), where, "registration.applies_to", False)
    return ScoreScheme(name, tuple(bands), start["grade"], dict(scores), tuple(as_str_list(
        com.get("kinds"), where, "start.commitment.kinds")), com.get("grade"), evidence,
        reg_labels, reg["grade"],
        tuple(indicators), tuple(vetoes), dict(wins), quota.get("grade_after"), where, bases)


#: The installed score scheme: ``score_scheme()``, read and checked once; ``load_score_scheme(path)``
#: reads and checks another file of a scheme.
score_scheme: RuleFile[ScoreScheme] = RuleFile("scoring.yaml", parse_score_scheme)
load_score_scheme = score_scheme.load


@dataclass(frozen=True)
class ScoreMove:
    """A record that moves the score on ``as_of``."""

    record: str
    indicator: str
    name: str
    points: int
    since: dt.date
    until: dt.date  # first day it no longer counts


@dataclass(frozen=True)
class NotCounted:
    """A record an indicator would score that does not count on ``as_of``, and why."""

    record: str
    indicator: str
    reason: str


@dataclass(frozen=True)
class GradeRule:
    """A rule that set the start or capped the grade, with the record behind it."""

    rule: str  # "start_commitment", "veto:<code>", "bid_quota", "unregistered"
    grade: str
    record: str | None
    reason: str


@dataclass(frozen=True)
class ScoreResult:
    subject: str
    as_of: dt.date
    scheme: str
    grade: str
    score: int
    score_grade: str  # the band of the score, before the grade rules
    start_grade: str
    start_score: int
    moves: tuple[ScoreMove, ...]
    grade_rules: tuple[GradeRule, ...]
    not_counted: tuple[NotCounted, ...]

    @property
    def records(self) -> tuple[str, ...]:
        """Every record that moved the score or set the grade."""
        recs = [m.record for m in self.moves] + [r.record for r in self.grade_rules if r.record]
        return tuple(dict.fromkeys(recs))


def credit_score(store: Store, subject: str, as_of, bids_won: int = 0, *,
                 scheme: ScoreScheme | None = None) -> ScoreResult:
    """The grade of ``subject`` under the score scheme on ``as_of``, with the records that
    moved it.

    Parameters
    ----------
    store : Store
    subject : str
        Subject node id.
    as_of : datetime.date or str
    bids_won : int
        Bids won so far under the current grade (the graph holds no tender records; the
        tendering system supplies them).  An AA firm with 3, or an A firm with 2, is scored
        as B (rule 9).
    scheme : ScoreScheme, optional
        Default: ``queries/data/scoring.yaml``.

    Returns
    -------
    ScoreResult
        ``grade`` and ``score``; ``moves`` (record, indicator, points, counted from/until);
        ``grade_rules`` (start commitment, vetoes, bid quota, unregistered) and
        ``not_counted`` (records that expired, were repaired or revoked, with the reason).

    Examples
    --------
    On the demo data: 常州龙城旅游客运 signed an initial-grade commitment (start A, 860) and
    is on the red list from 2025-05-01 (+100 for twelve months)::

        >>> credit_score(store, "Enterprise:91320411250183647M", "2026-01-01").grade
        'AA'
        >>> r = credit_score(store, "Enterprise:91320411250183647M", "2026-06-01")
        >>> r.grade, r.score, r.not_counted[0].reason
        ('A', 860, 'expired on 2026-05-01')
        >>> credit_score(store, "Enterprise:91320411250183647M", "2026-01-01", bids_won=3).grade
        'B'
    """
    sch = scheme or score_scheme()
    day = parse_as_of(as_of)
    if not isinstance(bids_won, int) or isinstance(bids_won, bool) or bids_won < 0:
        raise InvalidInput(f"bids_won must be a whole number of bids, not {bids_won!r}")
    node = check_subject(store, subject)
    recs = store.records_about([node.uid]).get(node.uid, [])
    by_label: dict[str, list] = {}
    for r in recs:
        by_label.setdefault(r.label, []).append(r)

    rules: list[GradeRule] = []
    start = sch.start_grade
    for c in sorted(by_label.get("Commitment", []), key=lambda n: n.uid):
        if (c.props.get("kind") in sch.commitment_kinds and c.props.get("status") != "违诺"
                and record_date(c, "made_on") <= day):
            start = sch.commitment_grade
            rules.append(GradeRule("start_commitment", start, c.uid,
                                   f"{c.props.get('kind')} made on {c.props.get('made_on')}"))
            break
    start_score = sch.start_scores[start]

    moves: list[ScoreMove] = []
    skipped: list[NotCounted] = []
    states = penalty_states(store, by_label.get("Penalty", []), day) if by_label.get("Penalty") else {}

    def consider(ind: Indicator, uid: str, since: dt.date, end: dt.date, end_reason: str) -> None:
        if since > day:
            return
        if day < end:
            moves.append(ScoreMove(uid, ind.code, ind.name, ind.points, since, end))
        else:
            skipped.append(NotCounted(uid, ind.code, f"{end_reason} on {end}"))

    for ind in sch.indicators:
        for r in by_label.get(ind.record, []):
            p = r.props
            if ind.record == "Commitment" and p.get("status") in ind.statuses:
                since = record_optional_date(r, "due_on") or record_date(r, "made_on")
                consider(ind, r.uid, since, months_after(since, ind.validity_months), "expired")
            elif ind.record == "ListEntry" and p.get("list_kind") in ind.list_kinds:
                since = record_date(r, "listed_on")
                end, why = months_after(since, ind.validity_months), "expired"
                removed = record_optional_date(r, "removed_on")
                if removed is not None and removed < end:
                    end, why = removed, "removed from the list"
                consider(ind, r.uid, since, end, why)
            elif ind.record == "Penalty" and r.uid in states and states[r.uid].penalty.severity in ind.severities:
                s = states[r.uid]
                if s.state == "revoked":
                    skipped.append(NotCounted(r.uid, ind.code, "revoked (撤销)"))
                    continue
                end, why = months_after(s.penalty.decision_date, ind.validity_months), "expired"
                if s.repair is not None and s.repair.repaired_on < end:
                    end, why = s.repair.repaired_on, f"repaired ({s.repair.mode or ''})"
                if s.maximum_end < end:
                    end, why = s.maximum_end, "publication ended"
                consider(ind, r.uid, s.penalty.decision_date, end, why)
    moves.sort(key=lambda m: (m.since, m.record))
    skipped.sort(key=lambda m: m.record)
    score = start_score + sum(m.points for m in moves)
    score_grade = sch.grade_for(score)
    grade = score_grade

    def cap(to: str) -> None:
        nonlocal grade
        if sch.rank(to) > sch.rank(grade):
            grade = to

    if grade in sch.quota and bids_won >= sch.quota[grade]:
        rules.append(GradeRule("bid_quota", sch.quota_grade, None,
                               f"{bids_won} bids won at {grade} (quota {sch.quota[grade]})"))
        cap(sch.quota_grade)
    for v in sch.vetoes:
        for r in sorted(by_label.get(v.record, []), key=lambda n: n.uid):
            s = states.get(r.uid)
            if s is not None and s.counts and any(t in (s.penalty.violation or "") for t in v.violation_contains):
                rules.append(GradeRule(f"veto:{v.code}", v.grade, r.uid, f"{v.name}: {s.penalty.violation}"))
                cap(v.grade)
    registered = any(record_date(n, _EVIDENCE_DATE[label]) <= day
                     for label in sch.registration_evidence for n in by_label.get(label, []))
    if not registered and node.label in sch.registration_labels:
        rules.append(GradeRule("unregistered", sch.unregistered_grade, None,
                               "no registration, commitment or self-assessment record"))
        cap(sch.unregistered_grade)
    return ScoreResult(node.uid, day, sch.name, grade, score, score_grade, start, start_score,
                       tuple(moves), tuple(rules), tuple(skipped))
