"""Mutual recognition (互认, DOMAIN.md rule 4 and case #3): the grade a regulator must act on.

The regulator of ``region`` acts on an evaluation valid on ``as_of`` that was issued

* in its own jurisdiction: by an agency in ``region`` or inside it (a county's grade
  counts for its city and province), or by an agency of a region above it (a provincial
  grade binds every city of the province); or
* by a national or basin authority whose jurisdiction covers ``region`` on ``as_of``
  (rule 19: 长江航务管理局's colours bind along the river, :mod:`queries.rules.jurisdiction`);
  or
* in a region that shares with ``region`` an agreement in force on ``as_of`` that covers
  the evaluation's scheme (a partner's grade counts only while the agreement is in force
  and only for the covered schemes).

Among those candidates the most recent by validity start wins; on a tie the stricter (the
worse common severity, :mod:`queries.rules.scales`); then own jurisdiction before a
national or basin authority's, before an agreement; then the smaller evaluation id.  No candidate means no grade (never a default B).  Every
answer carries the chosen evaluation, the issuing agency and region, what made it count
(own jurisdiction or the agreement), the other candidates and why each other evaluation
of the subject did not count.

A grade a scheme's veto sets (rule 2, :func:`queries.rules.events.veto`: #4 "对发生有责亡人事故
的，直接定为 D 级", #11 "直接考核定级为 C、D 级") replaces the chosen evaluation's grade, and
the answer names the accident (``veto``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any, Iterable, Sequence

from graph_model.i18n import message
from graph_model.store.port import Node, Store
from queries.dates import parse_as_of
from queries.rules.jurisdiction import (
    NO_JURISDICTIONS, Agreement, Jurisdictions, agreements_covering, check_region,
    check_subjects, find_all, inside, jurisdictions, record_date, record_optional_date,
    records_of,
)
from queries.rules.events import VetoFound, event_rules, veto
from queries.rules.scales import Level, Scales, scales as default_scales
from queries.versions import flag_sentence
from queries.rules.wording import region as _region, validity

__all__ = ["OWN", "NATIONAL", "BASIN", "AGREEMENT", "EvaluationRef", "Candidate", "Exclusion", "RecognizedGrade",
           "recognized_grade", "recognized_grades", "evaluation_ref", "recognize",
           "registered_in", "grades_in_batches"]

OWN = "own jurisdiction"
#: Why a candidate counts: own jurisdiction, a national or basin authority's, an agreement.
NATIONAL, BASIN, AGREEMENT = "national", "basin", "agreement"
_BASIS_RANK = {OWN: 0, NATIONAL: 1, BASIN: 1, AGREEMENT: 2}
BATCH = 2000  # subjects per recognized_grades call of the whole-region passes


@dataclass(frozen=True)
class EvaluationRef:
    """An evaluation record as evidence: what was graded, by whom, for when."""

    uid: str
    subject: str
    scheme: str  # as the scales spell it when known, else as stored
    grade: str
    level: Level | None  # None when the scheme or grade is not in the scales
    score: Any
    period: str | None
    valid_from: dt.date
    valid_to: dt.date | None
    agency: str | None
    agency_region: str
    #: the day the evaluation's open objection was filed, and the objection (rule 21)
    under_objection_since: dt.date | None = None
    under_objection: str | None = None
    supersedes: str | None = None  # the version this corrected version replaces

    def valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True)
class Candidate:
    """An evaluation that counts in the region, and what made it count."""

    evaluation: EvaluationRef
    basis: str  # OWN, NATIONAL, BASIN or AGREEMENT
    agreement: Agreement | None = None

    @property
    def counted_by(self) -> str:
        """``'own jurisdiction'``, the national or basin authority (``'长江航务管理局
        (basin jurisdiction)'``) or the name of the agreement."""
        if self.agreement is not None:
            return self.agreement.name
        if self.basis in (NATIONAL, BASIN):
            return f"{self.evaluation.agency} ({self.basis} jurisdiction)"
        return OWN


@dataclass(frozen=True)
class Exclusion:
    """An evaluation of the subject that does not count, and why: ``why`` is the reason's
    msgid (``recognition.excluded.*``), ``reason`` its sentence in the current language."""

    evaluation: str
    why: str
    params: tuple[tuple[str, Any], ...] = ()

    @property
    def reason(self) -> str:
        params = dict(self.params)
        for code in ("issuer", "region"):  # region codes, named as a regulator names them
            if code in params:
                params[code] = _region(params[code])
        if self.why == "recognition.excluded.agreements":  # one sentence per agreement
            params["reasons"] = message("common.list_separator").join(
                message(m, **dict(p)) for m, p in params["reasons"])
        return message(self.why, **params)


@dataclass(frozen=True)
class RecognizedGrade:
    """The answer of :func:`recognized_grade`, with its evidence."""

    subject: str
    region: str
    as_of: dt.date
    scheme: str | None  # the scheme asked for, None for any
    chosen: Candidate | None
    candidates: tuple[Candidate, ...]  # best first; chosen is the first
    excluded: tuple[Exclusion, ...]
    #: the accident that set the chosen grade directly (rule 2); the chosen evaluation then
    #: carries the grade it set, ``veto.instead_of`` the grade it replaced
    veto: VetoFound | None = None

    @property
    def found(self) -> bool:
        return self.chosen is not None

    @property
    def grade(self) -> str | None:
        return self.chosen.evaluation.grade if self.chosen else None

    @property
    def level(self) -> Level | None:
        return self.chosen.evaluation.level if self.chosen else None

    @property
    def evaluation(self) -> EvaluationRef | None:
        return self.chosen.evaluation if self.chosen else None

    @property
    def counted_by(self) -> str | None:
        return self.chosen.counted_by if self.chosen else None

    def explain(self) -> str:
        """One line for people, in the current language: grade, scheme, validity, issuer and
        why it counts here."""
        if not self.chosen:
            return message("recognition.explain.none", region=_region(self.region),
                           as_of=self.as_of)
        e, c = self.chosen.evaluation, self.chosen
        if c.agreement is not None:
            why = message("recognition.counted.agreement", agreement=c.agreement.name)
        elif c.basis in (NATIONAL, BASIN):
            why = message({NATIONAL: "recognition.counted.national",
                           BASIN: "recognition.counted.basin"}[c.basis], agency=e.agency)
        else:
            why = message("recognition.counted.own")
        params = dict(region=_region(self.region), as_of=self.as_of, grade=e.grade,
                      scheme=e.scheme, validity=validity(e.valid_from, e.valid_to),
                      agency=e.agency or "", agency_region=e.agency_region, counted_by=why)
        if self.veto:
            said = message("recognition.explain.vetoed", what=self.veto.event.what,
                           instead_of=self.veto.instead_of, **params)
        else:
            said = message("recognition.explain.found", **params)
        flag = flag_sentence(e.under_objection_since, e.under_objection)
        return message("common.with_flag", said=said, flag=flag) if flag else said


def evaluation_ref(node: Node, scales: Scales) -> EvaluationRef:
    """An Evaluation node as :class:`EvaluationRef` (dates checked)."""
    p = node.props
    raw_scheme, grade = str(p.get("scheme", "")), str(p.get("grade", "")).strip()
    found = scales.find_scheme(raw_scheme)
    return EvaluationRef(
        uid=node.uid, subject=p.get("subject_uid"), scheme=found.name if found else raw_scheme,
        grade=(found.canonical_grade(grade) or grade) if found else grade,
        level=found.level_of(grade) if found else None, score=p.get("score"),
        period=p.get("period"), valid_from=record_date(node, "valid_from"),
        valid_to=record_optional_date(node, "valid_to"), agency=p.get("agency"),
        agency_region=str(p.get("agency_region", "")),
        under_objection_since=record_optional_date(node, "under_objection_since"),
        under_objection=p.get("under_objection"), supersedes=p.get("supersedes"),
    )


def _judge(ev: EvaluationRef, region: str, day: dt.date, agreements: Sequence[Agreement],
           scales: Scales, jur: Jurisdictions) -> Candidate | Exclusion:
    if not ev.valid_on(day):
        if ev.valid_to is None:
            return Exclusion(ev.uid, "recognition.excluded.not_valid_open",
                             (("day", day), ("start", ev.valid_from)))
        return Exclusion(ev.uid, "recognition.excluded.not_valid",
                         (("day", day), ("start", ev.valid_from), ("end", ev.valid_to)))
    if ev.level is None:
        return Exclusion(ev.uid, "recognition.excluded.not_in_scales",
                         (("grade", ev.grade), ("scheme", ev.scheme)))
    basis = jur.basis(ev.agency, ev.agency_region, region, day)
    if basis is not None:
        return Candidate(ev, {"NATIONAL": NATIONAL, "BASIN": BASIN}.get(basis, OWN))
    shared = [a for a in agreements if a.covers(region) and a.covers(ev.agency_region)]
    for a in shared:
        if a.in_force(day) and a.covers_scheme(ev.scheme, scales):
            return Candidate(ev, AGREEMENT, a)
    if not shared:
        return Exclusion(ev.uid, "recognition.excluded.outside",
                         (("issuer", ev.agency_region), ("region", region)))
    why = []
    for a in shared:
        if not a.in_force(day):
            why.append(("recognition.excluded.agreement_not_in_force",
                        (("agreement", a.name), ("day", day), ("window", a.window()))))
        else:
            why.append(("recognition.excluded.agreement_not_covering",
                        (("agreement", a.name), ("scheme", ev.scheme))))
    return Exclusion(ev.uid, "recognition.excluded.agreements",
                     (("issuer", ev.agency_region), ("reasons", tuple(why))))


def _preference(c: Candidate):
    e = c.evaluation
    return (-e.valid_from.toordinal(), -e.level.severity, _BASIS_RANK[c.basis], e.uid)


def recognize(subject: str, region: str, day: dt.date, scheme: str | None,
              evaluations: Iterable[Node], agreements: Sequence[Agreement],
              scales: Scales, jur: Jurisdictions = NO_JURISDICTIONS) -> RecognizedGrade:
    """The recognition rule on records already fetched (used by the batch forms).

    ``agreements`` must hold every agreement covering ``region`` (in force or not);
    ``scheme`` must be a canonical scheme name or None; ``jur`` the store's national and
    basin jurisdictions.  Accident records among ``evaluations`` may veto the chosen grade
    (rule 2).
    """
    candidates, excluded, accidents, nodes = [], [], [], {}
    for node in evaluations:
        if node.label == "Accident":
            accidents.append(node)
            continue
        nodes[node.uid] = node
        ev = evaluation_ref(node, scales)
        if scheme is not None and ev.scheme != scheme:
            continue
        verdict = _judge(ev, region, day, agreements, scales, jur)
        (candidates if isinstance(verdict, Candidate) else excluded).append(verdict)
    candidates.sort(key=_preference)
    excluded.sort(key=lambda x: x.evaluation)
    vetoed = None
    if candidates and accidents:
        chosen = candidates[0]
        vetoed = veto(accidents, nodes[chosen.evaluation.uid], day)
        scale = scales.find_scheme(chosen.evaluation.scheme)
        worse = (vetoed is not None and scale is not None and scale.level_of(vetoed.grade)
                 is not None and chosen.evaluation.level is not None
                 and scale.level_of(vetoed.grade).severity > chosen.evaluation.level.severity)
        if worse:  # a veto never lifts a grade
            ev = replace(chosen.evaluation, grade=scale.canonical_grade(vetoed.grade),
                         level=scale.level_of(vetoed.grade))
            candidates[0] = replace(chosen, evaluation=ev)
        else:
            vetoed = None
    return RecognizedGrade(subject, region, day, scheme, candidates[0] if candidates else None,
                           tuple(candidates), tuple(excluded), vetoed)


def veto_labels(scheme: str | None) -> list[str]:
    """The record labels recognition reads under ``scheme`` (None: any): evaluations, and
    accidents where a veto of the scheme may set the grade."""
    vetoes = event_rules().vetoes
    return ["Evaluation"] + (["Accident"] if any(scheme in (None, v.scheme) for v in vetoes) else [])


def recognized_grades(store: Store, subjects: Iterable[str], region: str, as_of,
                      scheme: str | None = None, *, scales: Scales | None = None
                      ) -> dict[str, RecognizedGrade]:
    """:func:`recognized_grade` for many subjects in one pass (same answers), by subject.

    Examples
    --------
    On the demo data, the grades Suzhou acts on for a Changzhou and a Hangzhou firm::

        >>> g = recognized_grades(store, ["Enterprise:91320411250183647M",
        ...                               "Enterprise:91330106143127092A"], "320500", "2026-06-01")
        >>> {u: r.grade for u, r in g.items()}
        {'Enterprise:91320411250183647M': 'AA', 'Enterprise:91330106143127092A': None}
    """
    scales = scales or default_scales()
    day = parse_as_of(as_of)
    region = check_region(region)
    wanted = scales.scheme(scheme).name if scheme is not None else None
    nodes = check_subjects(store, list(subjects))
    agreements = agreements_covering(store, [region])
    jur = jurisdictions(store)
    records = records_of(store, list(nodes), veto_labels(wanted), as_of=day)
    return {uid: recognize(uid, region, day, wanted, records.get(uid, ()), agreements, scales,
                           jur)
            for uid in nodes}


def registered_in(store: Store, region: str, label: str = "Enterprise") -> list[str]:
    """The uids of the ``label`` subjects registered in ``region`` (or inside it)."""
    return [n.uid for n in find_all(store, label, {"region_code": sorted(inside(region))})]


def grades_in_batches(store: Store, subjects: Sequence[str], region: str, as_of,
                      scheme: str | None = None) -> dict[str, RecognizedGrade]:
    """:func:`recognized_grades` of many subjects, :data:`BATCH` at a time."""
    out: dict[str, RecognizedGrade] = {}
    for i in range(0, len(subjects), BATCH):
        out.update(recognized_grades(store, subjects[i:i + BATCH], region, as_of, scheme))
    return out


def recognized_grade(store: Store, subject: str, region: str, as_of,
                     scheme: str | None = None, *, scales: Scales | None = None) -> RecognizedGrade:
    """The grade the regulator of ``region`` must act on for ``subject`` on ``as_of``.

    Parameters
    ----------
    store : Store
        Any adapter of the store port.
    subject : str
        Subject node id, e.g. ``'Enterprise:91320506MA1MKT3P0P'``.
    region : str
        Six-digit division code of the regulator (city, county or province).
    as_of : datetime.date or str
        The day of the question (``'YYYY-MM-DD'`` accepted).
    scheme : str, optional
        Only evaluations of this scheme (a name or alias of ``queries/data/scales.yaml``);
        default: every scheme, compared on the common severity.
    scales : Scales, optional
        Grade scales to use (default: the installed ``scales.yaml``).

    Returns
    -------
    RecognizedGrade
        ``grade``, ``level`` and ``evaluation`` (issuing agency and region, validity) of the
        chosen candidate, ``counted_by`` (``'own jurisdiction'``, a national or basin
        authority, or the agreement's name),
        all ``candidates`` best first, and ``excluded`` evaluations with the reason.
        ``found`` is False when nothing counts: there is then no grade, not a default B.

    Raises
    ------
    queries.dates.InvalidInput
        Unknown subject or region, an ``as_of`` that is not a date, an unknown scheme, or an
        agreement whose end precedes its start.

    Examples
    --------
    On the demo data (``creditkb/demo``, loaded with ``creditkb load``): Suzhou acts on
    Changzhou's AA for 常州龙城旅游客运 because of the 苏锡常通 agreement, but not on
    Hangzhou's AA for 杭州西湖旅游客运, Hangzhou being outside the agreement::

        >>> g = recognized_grade(store, "Enterprise:91320411250183647M", "320500",
        ...                      "2026-06-01")
        >>> g.grade, g.evaluation.agency, g.evaluation.agency_region, g.counted_by
        ('AA', '常州市交通运输局', '320400', '“苏锡常通”信用交通一体化联动发展框架协议')
        >>> print(g.explain())
        截至2026年6月1日，该主体在苏州市（320500）适用的信用评价等级为AA（道路运输经营者信用评价，有效期2026年4月1日至2027年3月31日），由常州市交通运输局（320400）评定，依据“苏锡常通”信用交通一体化联动发展框架协议予以互认。
        >>> g = recognized_grade(store, "Enterprise:91330106143127092A", "320500",
        ...                      "2026-06-01")
        >>> g.found, g.excluded[0].why
        (False, 'recognition.excluded.outside')
        >>> g.excluded[0].reason  # in the current language: Chinese unless asked otherwise
        '由杭州市（330100）作出，不在苏州市（320500）管辖范围内，且无互认协议覆盖'
        >>> from graph_model.i18n import use_language
        >>> with use_language("en"):
        ...     g.excluded[0].reason
        'issued in 杭州市 (330100), outside 苏州市 (320500) and not covered by an agreement with it'
        >>> recognized_grade(store, "Enterprise:91320506MA1MKT3P0P", "320506",
        ...                  "2026-06-01").grade
        'D'

    昆山顺达 is graded A under Suzhou's quarterly scheme for 2026 Q4, but its accident of
    2026-09-14 (one dead, main liability) sets D directly (#4)::

        >>> g = recognized_grade(store, "Enterprise:91320583MA1N2Q7D2B", "320500", "2026-11-01",
        ...                      "苏州市道路运输企业分类分级评价")
        >>> g.grade, g.veto.instead_of, g.veto.accident
        ('D', 'A', 'Accident:苏公交认〔2026〕0915号')
    """
    return next(iter(recognized_grades(store, [subject], region, as_of, scheme,
                                       scales=scales).values()))
