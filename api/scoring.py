"""GraphQL of the scoring engine (queries.scoring): ``score``, ``scoreHistory``,
``portrait`` and ``lockQueue``, and the scoring schemes shown under ``schemes``.  Each
resolver parses, checks the key's scope (a subject outside it gets the one FORBIDDEN
answer, :meth:`api.context.RequestContext.visible_node`), notes what it read for the audit
log, calls queries/ (a subject's score in the thread pool of light reads, given up at the
deadline; a lock's queue, which scores every ship waiting there, as heavy work of
:mod:`api.heavy`, the same for everyone and the key's scope applied afterwards) and
converts."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from api.context import RequestContext
from api.types import answer_type, mirror
from queries.access.visibility import Vis
from queries.scoring import (
    DimensionScore, Entry, GradeRule, HistoryPoint, MAX_HISTORY_POINTS, QueuedShip, ScoreResult,
    portrait as q_portrait, schemes as q_schemes, score as q_score,
    score_history as q_score_history,
)
from queries.scoring.evaluators import ReviewEffect, Unit
from queries.scoring.schemes import Scheme as SchemeDef

__all__ = ["ScoringQuery", "ScoringScheme", "scoring_schemes_on"]

LedgerEntry = answer_type(Entry, "A point entry, loaded or derived by an indicator, with its "
                                 "source record and whether it counts on the day asked")
ScoreRule = answer_type(GradeRule, "A rule that set the start or the grade (an initial-grade "
                                   "commitment, a veto, the bid quota), with its record")
Dimension = answer_type(DimensionScore, "A portrait's dimension: full marks less its entries' points")
EvaluatorUnit = answer_type(Unit, "An evaluator (考核单位), named by its kind and a number, "
                                  "never its identity, and what the outlier rule did to its weight")
ReviewShare = answer_type(ReviewEffect, "One review and its share of the evaluators' score")
ScorePoint = answer_type(HistoryPoint, "A subject's score on one day of a history")


@strawberry.type(description="The evaluators' weighted score (#7, #11) and every review's share")
class EvaluatorScore:
    composite: float
    uncorrected: float = strawberry.field(description="The score had no weight been lowered")
    median: float | None
    mad: float | None = strawberry.field(description="Median absolute deviation of the units' "
                                                     "scores, scaled (x1.4826)")
    units: list[EvaluatorUnit]
    reviews: list[ReviewShare]


@strawberry.type(description="A subject's score under a scoring scheme on a day, and every "
                             "entry behind it (#19: 每一条扣分记录)")
class ScoreAnswer:
    subject_id: strawberry.ID
    scheme: str = strawberry.field(description="The scheme's code")
    version: str = strawberry.field(description="The version used, a regional override's when one applies")
    scale: str = strawberry.field(description="The evaluation scheme its grades are on")
    as_of: dt.date
    score: float | None
    grade: str | None
    band_grade: str | None = strawberry.field(description="The score's band, before vetoes and quotas")
    base: float | None
    base_reason: str
    entries: list[LedgerEntry]
    expired: list[LedgerEntry]
    rules: list[ScoreRule]
    evaluators: EvaluatorScore | None
    dimensions: list[Dimension]
    vehicles: int
    drivers: int


def score_out(r: ScoreResult) -> ScoreAnswer:
    ev = r.evaluators
    return mirror(ScoreAnswer, r, subject_id=r.subject,
                  entries=[mirror(LedgerEntry, e) for e in r.entries],
                  expired=[mirror(LedgerEntry, e) for e in r.expired],
                  rules=[mirror(ScoreRule, x) for x in r.rules],
                  dimensions=[mirror(Dimension, d) for d in r.dimensions],
                  evaluators=None if ev is None else mirror(
                      EvaluatorScore, ev, units=[mirror(EvaluatorUnit, u) for u in ev.units],
                      reviews=[mirror(ReviewShare, x) for x in ev.reviews]))


@strawberry.type(description="A ship waiting at a lock, where its stars may buy places (#13)")
class QueuedShipOut:
    vessel_id: strawberry.ID
    arrived_on: dt.date
    arrival_place: int
    place: int
    points: float | None
    level: str | None
    may_exchange: bool
    spent: float
    jump: int
    exchange_records: list[str]
    note: str


@strawberry.type(description="The ships waiting at a lock in the order they pass")
class LockQueueOut:
    lock: str
    as_of: dt.date
    scheme: str
    version: str
    ships: list[QueuedShipOut]
    hidden_count: int = strawberry.field(description="Waiting ships outside the key's scope "
                                                     "(their places are kept)")


@strawberry.type(description="An indicator of a scoring scheme: what it matches, its points "
                             "and validity, and where each figure comes from")
class ScoringIndicator:
    code: str
    name: str
    category: str
    record: str = strawberry.field(description="The record label it reads (PointEntry: loaded entries by behaviour code)")
    points: float | None
    validity_months: int | None
    over: str = strawberry.field(description="Whose records: self, vehicles, drivers or fleet")
    per: str | None
    basis: str
    local_default: bool


@strawberry.type(description="A band of a scoring scheme: the scores from `minScore` up to the band above")
class ScoringBand:
    grade: str
    min_score: float | None


@strawberry.type(description="A scoring scheme (queries/data/schemes or the user's folder)")
class ScoringScheme:
    code: str
    title: str
    version: str
    effective_from: dt.date
    basis: str
    subjects: list[str]
    start_points: float | None
    bands: list[ScoringBand]
    indicators: list[ScoringIndicator]
    dimensions: list[str]
    evaluator_weights: list[str]
    overrides: list[str] = strawberry.field(description="Regional versions: version, region, date in force")


def scheme_out(s: SchemeDef, catalogue) -> ScoringScheme:
    import math

    return ScoringScheme(
        code=s.code, title=s.title, version=s.version, effective_from=s.effective_from,
        basis=s.basis.text(), subjects=list(s.subjects), start_points=s.start_points,
        bands=[ScoringBand(grade=b.grade, min_score=None if b.low == -math.inf else b.low)
               for b in s.bands],
        indicators=[ScoringIndicator(
            code=i.code, name=i.name, category=i.category, record=i.match.record,
            points=i.points, validity_months=i.validity_months, over=i.over, per=i.per,
            basis=i.basis.text() + (f"; validity: {i.validity_basis.text()}" if i.validity_basis else ""),
            local_default=i.local_default) for i in s.indicators],
        dimensions=[f"{d.code} {d.name} {d.weight:g}" for d in s.dimensions],
        evaluator_weights=[f"{k} {w:g}" for k, w in (s.evaluators.weights.items() if s.evaluators else ())],
        overrides=[f"{o.version} {o.region} {o.effective_from}"
                   for o in catalogue.overrides.get(s.code, ())])


def _catalogue(ctx: RequestContext):
    return q_schemes(ctx.settings.schemes_dir)


def scoring_schemes_on(ctx: RequestContext, scale: str) -> list[ScoringScheme]:
    """The scoring schemes whose grades are on the evaluation scheme ``scale``."""
    cat = _catalogue(ctx)
    return [scheme_out(s, cat) for s in cat.on_scale(scale)]


async def _subject(info: Info, subject_id) -> tuple[RequestContext, str]:
    """The context and the subject a scoring question names, in the key's scope (noted as
    read) or the one FORBIDDEN answer (noted as denied)."""
    from api.query import enter, parse_subject

    ctx = enter(info)
    uid = parse_subject(ctx, str(subject_id), "subjectId")
    await ctx.visible_node(uid)
    ctx.audit.read.add(uid)
    return ctx, uid


@strawberry.type
class ScoringQuery:
    @strawberry.field(description="A subject's score and grade under a scoring scheme "
                                  "(`scheme`: its code) on `asOf` (default today), with every "
                                  "entry that counted or expired and its source record; "
                                  "`bidsWon` for a scheme with a bid quota (#11)")
    async def score(self, info: Info, subject_id: strawberry.ID, scheme: str,
                    as_of: dt.date | None = None, bids_won: int = 0) -> ScoreAnswer:
        from api.query import day_of

        ctx, uid = await _subject(info, subject_id)
        r = await ctx.call(q_score, ctx.store, uid, scheme, day_of(ctx, as_of), bids_won,
                           catalogue=_catalogue(ctx))
        return score_out(r)

    @strawberry.field(description="A subject's score under a scheme on `start` and every "
                                  "`stepMonths` after it through `end` (default today; at most "
                                  f"{MAX_HISTORY_POINTS} points)")
    async def score_history(self, info: Info, subject_id: strawberry.ID, scheme: str,
                            start: dt.date, end: dt.date | None = None,
                            step_months: int = 1) -> list[ScorePoint]:
        from api.query import day_of

        ctx, uid = await _subject(info, subject_id)
        points = await ctx.call(q_score_history, ctx.store, uid, scheme, day_of(ctx, start),
                                day_of(ctx, end), step_months, catalogue=_catalogue(ctx))
        return [mirror(ScorePoint, p) for p in points]

    @strawberry.field(description="A firm's portrait (#15): per-dimension sub-scores, the risk "
                                  "level and every deduction down to each vehicle and driver")
    async def portrait(self, info: Info, subject_id: strawberry.ID, scheme: str = "sc_portrait",
                       as_of: dt.date | None = None) -> ScoreAnswer:
        from api.query import day_of

        ctx, uid = await _subject(info, subject_id)
        r = await ctx.call(q_portrait, ctx.store, uid, scheme, day_of(ctx, as_of),
                           catalogue=_catalogue(ctx))
        return score_out(r)

    @strawberry.field(description="The ships waiting at a lock on `asOf` in the order they pass, "
                                  "with the places their stars buy (#13: 每20积分可兑换往前跳60个排队号)")
    async def lock_queue(self, info: Info, lock: str, as_of: dt.date | None = None) -> LockQueueOut:
        from api.query import day_of, enter

        ctx = enter(info)
        # the lock's whole queue, the same for everyone (heavy: api.heavy), then the key's scope
        q = await ctx.heavy("lock_queue", lock, day_of(ctx, as_of), ctx.settings.schemes_dir)
        vis = await ctx.scope.visibilities([s.vessel for s in q.ships])
        shown = [s for s in q.ships if vis.get(s.vessel, Vis.NONE) is not Vis.NONE]
        ctx.audit.read.update(s.vessel for s in shown)
        return mirror(LockQueueOut, q, hidden_count=len(q.ships) - len(shown),
                      ships=[_ship(s) for s in shown])


def _ship(s: QueuedShip) -> QueuedShipOut:
    return mirror(QueuedShipOut, s, vessel_id=s.vessel)
