"""GraphQL types of the answers of the credit-rule and tracing queries (queries/), and their
conversion.  Subjects named in an answer are shown only when the key may see them."""

from __future__ import annotations

import datetime as dt
from enum import Enum

import strawberry
from strawberry.types import Info

from api.types import (
    Agreement, Basis, GradeLevel, PageInfo, Penalty, Step, Subject, agreement_out, answer_type,
    level_out, maybe_subject, mirror,
)
from queries.rules import distribution, inspection
from queries.rules.recognition import AGREEMENT, BASIN, NATIONAL
from queries.rules.wording import explain_lead, explain_measure, name


async def _subject(info: Info, uid) -> Subject | None:
    return await maybe_subject(info.context, str(uid) if uid else None)


# -- recognizedGrade ------------------------------------------------------------------------

#: The flag every answer using a record under objection carries (rule 21, issue 16).
UNDER_OBJECTION_DOC = ("Under objection since this day (信用异议, rule 21): the record still "
                       "counts while its objection is reviewed; null when none is open")

@strawberry.type(description="A grade set directly by an accident (rule 2)")
class GradeVeto:
    grade: str
    instead_of: str | None = strawberry.field(description="The evaluation's own grade")
    accident_id: strawberry.ID
    occurred_on: dt.date
    what: str
    rule: str
    basis: RuleBasis


@strawberry.type(description="An evaluation that counts in the region, and why")
class GradeCandidate:
    evaluation_id: strawberry.ID
    grade: str
    scheme: str
    severity: int | None
    valid_from: dt.date
    valid_to: dt.date | None
    issuing_agency: str | None
    issuing_region: str
    basis: Basis
    counted_by: str = strawberry.field(description="'own jurisdiction', the national or basin "
                                                   "authority, or the agreement's name")
    agreement: Agreement | None
    under_objection_since: dt.date | None = strawberry.field(
        default=None, description=UNDER_OBJECTION_DOC)
    under_objection: strawberry.ID | None = strawberry.field(
        default=None, description="The open objection (rule 21), when one is")


@strawberry.type(description="An evaluation of the subject that does not count, and why")
class GradeExclusion:
    evaluation_id: strawberry.ID
    reason: str


@strawberry.type(description="The grade the regulator of a region must act on (mutual "
                             "recognition, 互认), with its evidence; `found` false means no "
                             "grade (never a default B)")
class RecognizedGrade:
    subject_id: strawberry.ID
    region: str
    as_of: dt.date
    found: bool
    grade: str | None
    severity: int | None = strawberry.field(description="Position on the common scale, 0 = best")
    level: GradeLevel | None
    scheme: str | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    issuing_agency: str | None
    issuing_region: str | None
    basis: Basis | None = strawberry.field(description="OWN jurisdiction, a NATIONAL or BASIN "
                                                       "authority's grade (rule 19), or an "
                                                       "AGREEMENT")
    counted_by: str | None = strawberry.field(description="'own jurisdiction', the national or "
                                                          "basin authority, or the agreement")
    agreement: Agreement | None
    evaluation_id: strawberry.ID | None
    explanation: str
    candidates: list[GradeCandidate]
    excluded: list[GradeExclusion]
    veto: GradeVeto | None = strawberry.field(
        default=None, description="The accident that set the grade directly (rule 2: #4 有责亡人"
                                  "事故 → D, #11 责任事故 → C or D), when one did")
    under_objection_since: dt.date | None = strawberry.field(
        default=None, description=UNDER_OBJECTION_DOC)
    under_objection: strawberry.ID | None = strawberry.field(
        default=None, description="The open objection (rule 21), when one is")


_CANDIDATE_BASIS = {AGREEMENT: Basis.AGREEMENT, NATIONAL: Basis.NATIONAL, BASIN: Basis.BASIN}


def _chosen_fields(c) -> dict:
    """What a candidate of recognition shows: its evaluation, issuer and basis (a national
    or basin authority's grade says so, rule 19)."""
    e = c.evaluation
    return dict(evaluation_id=e.uid, grade=e.grade, scheme=e.scheme,
                severity=e.level.severity if e.level else None, valid_from=e.valid_from,
                valid_to=e.valid_to, issuing_agency=e.agency, issuing_region=e.agency_region,
                basis=_CANDIDATE_BASIS.get(c.basis, Basis.OWN), counted_by=c.counted_by,
                agreement=agreement_out(c.agreement) if c.agreement else None,
                under_objection_since=e.under_objection_since,
                under_objection=e.under_objection)


def grade_out(g) -> RecognizedGrade:
    chosen = _chosen_fields(g.chosen) if g.chosen else dict.fromkeys(
        ("evaluation_id", "grade", "scheme", "severity", "valid_from", "valid_to",
         "issuing_agency", "issuing_region", "basis", "counted_by", "agreement",
         "under_objection_since", "under_objection"))
    return RecognizedGrade(
        subject_id=g.subject, region=g.region, as_of=g.as_of, found=g.found,
        level=level_out(g.level), explanation=g.explain(), **chosen,
        candidates=[GradeCandidate(**_chosen_fields(x)) for x in g.candidates],
        excluded=[mirror(GradeExclusion, x, evaluation_id=x.evaluation) for x in g.excluded],
        veto=GradeVeto(grade=g.veto.grade, instead_of=g.veto.instead_of,
                       accident_id=g.veto.accident, occurred_on=g.veto.event.day,
                       what=g.veto.event.what, rule=g.veto.rule,
                       basis=basis_out(g.veto.basis)) if g.veto else None)


# -- sharedWatchlist ------------------------------------------------------------------------

@strawberry.type(description="A list entry in force that the region's regulator works from")
class WatchlistEntry:
    id: strawberry.ID
    list_kind: str
    subject_id: strawberry.ID
    subject_region: str | None
    listed_on: dt.date
    removed_on: dt.date | None
    reason: str | None
    agency: str | None
    agency_region: str
    basis: Basis
    counted_by: str = strawberry.field(description="'own jurisdiction', the national or basin "
                                                   "authority, the agreement's name, or "
                                                   "'nationwide'")
    agreement_id: strawberry.ID | None
    under_objection_since: dt.date | None = strawberry.field(
        default=None, description=UNDER_OBJECTION_DOC)
    under_objection: strawberry.ID | None = strawberry.field(
        default=None, description="The open objection (rule 21), when one is")

    @strawberry.field(description="The subject listed (null when outside the key's scope)")
    async def subject(self, info: Info) -> Subject | None:
        return await _subject(info, self.subject_id)


@strawberry.type
class WatchlistEdge:
    cursor: str
    node: WatchlistEntry


@strawberry.type(description="Where the list draws from: own agencies or an agreement's partners")
class WatchlistSource:
    counted_by: str
    agreement_id: strawberry.ID | None
    list_kinds: list[str]
    regions: list[str]


@strawberry.type(description="A page of the shared watchlist")
class WatchlistConnection:
    edges: list[WatchlistEdge]
    page_info: PageInfo
    sources: list[WatchlistSource]


# -- discipline -----------------------------------------------------------------------------

@strawberry.enum(description="How strongly a measure bears on its subject (rule 15): "
                             "RESTRICT limits a right (bidding, entry, subsidies, tolerance or "
                             "commitment processing, posts), SUPERVISE adds inspections, key "
                             "supervision or follow-up, INCENTIVE_LOSS removes awards, green "
                             "lanes, incentive lists")
class Strength(Enum):
    RESTRICT = "RESTRICT"
    SUPERVISE = "SUPERVISE"
    INCENTIVE_LOSS = "INCENTIVE_LOSS"


@strawberry.enum(description="CASE: a case and its words; NATIONAL: a national rule; "
                             "LOCAL_DEFAULT: a value the cases do not give, for a user to set")
class BasisKind(Enum):
    CASE = "CASE"
    NATIONAL = "NATIONAL"
    LOCAL_DEFAULT = "LOCAL_DEFAULT"


@strawberry.type(description="Where a rule comes from (DOMAIN.md rule 24): a case (#N) and "
                             "the Chinese words it follows, a national rule, or a local "
                             "default a user is expected to set")
class RuleBasis:
    kind: BasisKind
    case: int | None = strawberry.field(description="Case number, 1-19")
    quote: str | None = strawberry.field(description="The case's words")
    national: str | None = strawberry.field(description="The national rule's name")
    note: str | None
    text: str = strawberry.field(description="One line for people")


def basis_out(b) -> RuleBasis | None:
    if b is None:
        return None
    return RuleBasis(kind=BasisKind(b.kind), case=b.case, quote=b.quote, national=b.national,
                     note=b.note, text=b.text())


@strawberry.type(description="A measure of joint discipline (联合惩戒)")
class Measure:
    code: str
    name: str
    strength: Strength
    basis: RuleBasis = strawberry.field(description="What the measure is, and its source")


def measure_out(m) -> Measure:
    return Measure(code=m.code, name=name("measure", m.code), strength=Strength(m.strength),
                   basis=basis_out(m.basis))


@strawberry.type(description="A figure the case gives with a measure (e.g. "
                             "daily_inspection_increase 0.25, #3)")
class Figure:
    name: str
    value: float


@strawberry.type(description="One relationship of a discipline path, as stored")
class Hop:
    src: strawberry.ID
    type: str
    dst: strawberry.ID


@strawberry.type(description="The record that triggers measures, its effect window and "
                             "where it applies")
class Trigger:
    kind: str
    name: str
    record_id: strawberry.ID
    record_label: str
    subject_id: strawberry.ID
    region: str | None
    agency: str | None
    since: dt.date
    until: dt.date | None = strawberry.field(description="First day without effect; null: open")
    agreements: list[str]
    decision_no: str | None
    list_kind: str | None
    scheme: str | None
    grade: str | None
    under_objection_since: dt.date | None = strawberry.field(
        default=None, description=UNDER_OBJECTION_DOC)
    under_objection: strawberry.ID | None = strawberry.field(
        default=None, description="The open objection (rule 21), when one is")


@strawberry.type(description="A measure that applies to the subject, how strongly, on what "
                             "basis, the trigger behind it and the path from the trigger "
                             "record to the subject")
class AppliedMeasure:
    measure: Measure
    strength: Strength
    basis: RuleBasis | None = strawberry.field(description="Why the subject gets it: the "
                                                           "trigger's effect, or the "
                                                           "propagation rule that carries it")
    figures: list[Figure]
    trigger: Trigger
    rule: str = strawberry.field(description="'self' or the propagation rule's code")
    rule_name: str
    path: list[Hop]
    nodes: list[strawberry.ID] = strawberry.field(description="The path's nodes: the trigger "
                                                              "record first, the subject last")
    regions: list[str] = strawberry.field(description="Regions where it applies: the "
                                                      "trigger's, its agency's jurisdiction, "
                                                      "its agreement partners' (100000: "
                                                      "everywhere)")
    explanation: str = strawberry.field(description="One sentence for people, in the "
                                                    "request's language")


@strawberry.type(description="An investigation lead (rule 15): the subject is related to a "
                             "trigger's subject by a path a propagation rule watches; no "
                             "measure follows from it")
class DisciplineLead:
    trigger: Trigger
    rule: str
    rule_name: str
    path: list[Hop]
    nodes: list[strawberry.ID] = strawberry.field(description="The path's nodes: the trigger "
                                                              "record first, the subject last")
    basis: RuleBasis
    explanation: str = strawberry.field(description="One sentence for people, in the "
                                                    "request's language")


@strawberry.type(description="The measures of joint discipline that apply to a subject, and "
                             "the investigation leads that point to it")
class Discipline:
    subject_id: strawberry.ID
    as_of: dt.date
    region: str | None
    measures: list[AppliedMeasure]
    measure_codes: list[str]
    leads: list[DisciplineLead]


HIDDEN = "(outside your scope)"


def discipline_out(r, hidden: frozenset[str] = frozenset()) -> Discipline:
    """``hidden``: subjects the key may not see. A measure reaching the subject through one
    of them is still reported (the subject is bound by it), but every id that would name
    that subject (its uid, and the trigger record whose key embeds it) reads HIDDEN."""
    def shown(item):
        """The trigger, path and nodes of a measure or lead, with ids the key may not see
        hidden."""
        t = item.trigger
        secret = set(hidden)
        if t.subject in hidden:
            secret.add(t.record)

        def show(uid: str) -> strawberry.ID:
            return strawberry.ID(HIDDEN if uid in secret else uid)

        return dict(
            trigger=mirror(Trigger, t, record_id=show(t.record), subject_id=show(t.subject),
                           decision_no=None if t.subject in hidden else t.decision_no,
                           name=name("trigger", t.kind)),
            rule_name=name("rule", item.rule),
            path=[mirror(Hop, h, src=show(h.src), dst=show(h.dst)) for h in item.path],
            nodes=[show(n) for n in item.nodes])

    out = [mirror(AppliedMeasure, m, measure=measure_out(m.measure),
                  strength=Strength(m.strength), basis=basis_out(m.basis),
                  figures=[Figure(name=k, value=v) for k, v in m.figures],
                  regions=list(m.applies_in), explanation=explain_measure(m), **shown(m))
           for m in r.measures]
    leads = [mirror(DisciplineLead, x, basis=basis_out(x.basis), explanation=explain_lead(x),
                    **shown(x)) for x in r.leads]
    return mirror(Discipline, r, subject_id=r.subject, measures=out, leads=leads)


# -- related / paths ------------------------------------------------------------------------

@strawberry.type(description="Lists and grades of a subject on the day asked")
class CreditStatus:
    grade: str | None
    scheme: str | None
    lists: list[str]
    seriously_dishonest: bool


@strawberry.type(description="A subject found near the starting one")
class RelatedSubject:
    subject: Subject
    distance: int
    path: list[Step] = strawberry.field(description="From the starting subject to this one")
    status: CreditStatus


@strawberry.type
class RelatedEdge:
    cursor: str
    node: RelatedSubject


@strawberry.type(description="Relationships of one type at a hub that the cap left out")
class HubGroup:
    via_id: strawberry.ID
    rel_type: str
    label: str
    total: int
    shown: int


@strawberry.type(description="A page of the subjects related to one subject")
class RelatedConnection:
    edges: list[RelatedEdge]
    page_info: PageInfo
    total_count: int
    hidden_count: int = strawberry.field(description="Subjects of this page left out because "
                                                     "they, or the path to them, are outside "
                                                     "the key's scope")
    groups: list[HubGroup]
    truncated: bool


@strawberry.type(description="One shortest connection: its subjects in order and the steps")
class PathConnection:
    subjects: list[Subject]
    steps: list[Step]


@strawberry.type(description="The shortest connections between two subjects")
class Paths:
    from_id: strawberry.ID
    to_id: strawberry.ID
    length: int | None = strawberry.field(description="Steps of the shortest connection; null "
                                                      "when none within maxDepth")
    connections: list[PathConnection]
    more: bool
    incomplete: bool = strawberry.field(description="A hub was cut or the walk stopped: a path "
                                                    "through what was left out may exist")
    hidden_count: int = strawberry.field(description="Connections through subjects outside "
                                                     "the key's scope, left out")


# -- clusters / successor shells ------------------------------------------------------------

@strawberry.type(description="A subject carrying dishonesty, and why")
class DishonestMember:
    subject: Subject
    reasons: list[str]
    severity: int
    evidence: list[strawberry.ID]


@strawberry.type(description="Connected subjects that carry dishonesty")
class Cluster:
    size: int
    severity: int
    members: list[DishonestMember]
    bridges: list[Subject]
    links: list[Step]
    hidden_count: int = strawberry.field(description="Members and bridges outside the key's "
                                                     "scope, left out")


@strawberry.type
class ClusterEdge:
    cursor: str
    node: Cluster


@strawberry.type
class ClusterConnection:
    edges: list[ClusterEdge]
    page_info: PageInfo
    total_count: int
    dishonest: int = strawberry.field(description="Subjects carrying dishonesty (whole graph)")


@strawberry.type(description="What befell the predecessor")
class ShellEvent:
    kind: str
    date: dt.date | None
    date_source: str
    evidence: strawberry.ID


@strawberry.type(description="An identifier the two firms share")
class SharedIdentifier:
    kind: str
    shown: str


@strawberry.type(description="A unit (vehicle, vessel, employee) the successor took over")
class Takeover:
    unit_id: strawberry.ID
    rel_type: str
    on: dt.date | None


@strawberry.type(description="A firm carrying on a dishonest, deregistered or revoked firm's "
                             "business")
class Shell:
    predecessor: Subject
    successor: Subject
    event: ShellEvent
    established: dt.date | None
    shared: list[SharedIdentifier]
    takeovers: list[Takeover]
    days: int | None = strawberry.field(description="Days from the event to the takeover")


@strawberry.type
class ShellEdge:
    cursor: str
    node: Shell


@strawberry.type
class ShellConnection:
    edges: list[ShellEdge]
    page_info: PageInfo
    total_count: int


# -- repairEligible -------------------------------------------------------------------------

@strawberry.enum(description="Why a region sees a penalty for repair (rule 18)")
class RoutedBy(Enum):
    DECIDING = "DECIDING"
    HOME = "HOME"


@strawberry.type(description="A penalty whose minimum publication period is over and that is "
                             "not repaired: remind its subject")
class RepairCandidate:
    penalty: Penalty
    minimum_end: dt.date
    maximum_end: dt.date
    mode: str = strawberry.field(description="承诺 (by commitment) or 闭环 (closed loop)")
    mode_reason: str
    routed_by: RoutedBy = strawberry.field(description="DECIDING: decided in the region (or by "
                                                       "an authority whose jurisdiction binds "
                                                       "there); HOME: its subject is "
                                                       "registered there (rule 18)")

    @strawberry.field(description="The subject penalised (null when outside the key's scope)")
    async def subject(self, info: Info) -> Subject | None:
        return await _subject(info, self.penalty.subject_id)


@strawberry.type
class RepairEdge:
    cursor: str
    node: RepairCandidate


@strawberry.type
class RepairConnection:
    edges: list[RepairEdge]
    page_info: PageInfo


# -- gradeDistribution / inspectionDraw -------------------------------------------------------

@strawberry.type(description="Subjects at one level of the common scale")
class LevelCount:
    letter: str
    code: str
    name: str
    severity: int
    count: int
    share: float


GradeCount = answer_type(distribution.GradeCount, "Subjects with one grade of one scheme")


@strawberry.type(description="Recognised grades of the enterprises registered in a region")
class GradeDistribution:
    region: str
    region_name: str | None
    scheme: str | None
    as_of: dt.date
    population: int
    graded: int
    ungraded: int
    levels: list[LevelCount]
    grades: list[GradeCount]


@strawberry.type(description="One grade's stratum of an inspection draw")
class Stratum:
    key: str
    ratio: float
    second_ratio: float
    population: int
    first: int
    second: int


@strawberry.type(description="A subject drawn for inspection")
class DrawnSubject:
    subject_id: strawberry.ID
    stratum: str
    draw: str
    grade: str | None
    scheme: str | None
    evaluation_id: strawberry.ID | None

    @strawberry.field(description="The subject drawn")
    async def subject(self, info: Info) -> Subject | None:
        return await _subject(info, self.subject_id)


RoundCheck = answer_type(inspection.RoundCheck, "#8: the share of the round graded B or below",
                         exclude=("grades",))


@strawberry.type(description="One differentiated random-inspection round (#5, #8)")
class InspectionDraw:
    region: str
    as_of: dt.date
    seed: str
    strata: list[Stratum]
    selected: list[DrawnSubject]
    check: RoundCheck


# -- inspectionDue ------------------------------------------------------------------------------

@strawberry.type(description="A ship whose inspection cycle has run out (#6)")
class DueShip:
    vessel_id: strawberry.ID
    vessel_type: str | None
    grade: str
    evaluation_id: strawberry.ID
    cycle_months: int
    last_inspected: dt.date | None = strawberry.field(description="null: no inspection known; "
                                                                  "the cycle runs from the grade")
    cycle_from: dt.date
    due_on: dt.date
    days_overdue: int

    @strawberry.field(description="The ship (null when outside the key's scope)")
    async def vessel(self, info: Info) -> Subject | None:
        return await _subject(info, self.vessel_id)


@strawberry.type
class DueEdge:
    cursor: str
    node: DueShip


@strawberry.type(description="The ships of a region due for inspection, most overdue first")
class InspectionDueConnection:
    edges: list[DueEdge]
    page_info: PageInfo
    total_count: int
    scheme: str = strawberry.field(description="The scheme whose grades set the cycles")
    not_graded: int = strawberry.field(description="Ships of the region without a recognised "
                                                   "grade under the scheme (no cycle)")
