"""Follow-up work for regulators (issue 15): commitments that fall due, a reproducible
re-check draw, repair reminders routed home with the fine's payment check, and issuing
them once.  Region-wide answers run as heavy work (api/heavy.py) like ``inspectionDue``;
resolvers parse, call queries/ and convert."""

from __future__ import annotations

import datetime as dt
from enum import Enum

import strawberry
from strawberry.types import Info

from api.answers import RuleBasis, basis_out
from api.types import mirror

# (api.query imports this module for its Query class: its helpers are imported in the
# resolvers)


@strawberry.type(description="An effect an overdue or breached commitment drives "
                             "(#5 revocation candidate, #17 tolerance withdrawn)")
class CommitmentEffect:
    code: str
    name: str
    basis: RuleBasis | None


@strawberry.enum(description="KEPT (已履约), BREACHED (违诺), OPEN (being kept, not past its "
                             "deadline) or OVERDUE (from the day after its deadline)")
class CommitmentState(Enum):
    KEPT = "kept"
    BREACHED = "breached"
    OPEN = "open"
    OVERDUE = "overdue"


@strawberry.type(description="Where a commitment stands on a day")
class CommitmentStanding:
    commitment_id: strawberry.ID
    subject_id: strawberry.ID | None
    kind: str | None
    made_on: dt.date
    due_on: dt.date | None
    status: str | None = strawberry.field(description="The status on record (履约状态)")
    state: CommitmentState
    overdue_from: dt.date | None
    days_overdue: int
    days_since_made: int
    effects: list[CommitmentEffect]


def _standing(s) -> CommitmentStanding:
    c = s.commitment
    return CommitmentStanding(
        commitment_id=c.uid, subject_id=c.subject, kind=c.kind, made_on=c.made_on,
        due_on=c.due_on, status=c.status, state=CommitmentState(s.state),
        overdue_from=s.overdue_from, days_overdue=s.days_overdue,
        days_since_made=s.days_since_made,
        effects=[CommitmentEffect(code=e.code, name=e.name, basis=basis_out(e.basis))
                 for e in s.effects])


@strawberry.type(description="The commitments accepted in a region that are due soon, "
                             "overdue or breached on a day")
class CommitmentsDue:
    region: str
    as_of: dt.date
    within: int
    due_soon: list[CommitmentStanding]
    overdue: list[CommitmentStanding]
    breached: list[CommitmentStanding]


@strawberry.type(description="A reproducible random sample of a region's commitments to "
                             "re-check (#1)")
class RecheckDraw:
    region: str
    as_of: dt.date
    ratio: float
    seed: str
    population: int
    selected: list[CommitmentStanding]


@strawberry.enum(description="PAID, NOT_PAID, AMOUNT_DIFFERS, or NO_FINE (no fine to pay)")
class PaymentStatus(Enum):
    PAID = "PAID"
    NOT_PAID = "NOT_PAID"
    AMOUNT_DIFFERS = "AMOUNT_DIFFERS"
    NO_FINE = "NO_FINE"


@strawberry.type(description="A penalty's fine against the payments on record (#2: data "
                             "instead of vouchers)")
class PaymentCheck:
    status: PaymentStatus
    fine: float | None
    paid: float
    payments: int
    outstanding: float


@strawberry.type(description="A repair reminder a region owes a subject registered there")
class RepairReminder:
    penalty_id: strawberry.ID
    decision_no: str
    subject_id: strawberry.ID | None
    routed_by: str = strawberry.field(description="HOME or DECIDING (rule 18)")
    minimum_end: dt.date
    maximum_end: dt.date
    mode: str = strawberry.field(description="The repair mode the violation calls for")
    submit: str = strawberry.field(description="What to submit")
    payment: PaymentCheck | None
    issued_on: dt.date | None = strawberry.field(description="null: not issued yet")


@strawberry.type
class PeriodCount:
    period: str = strawberry.field(description="YYYY-MM the minimum period ended")
    count: int


@strawberry.type(description="The repair reminders of a region on a day, with counts per "
                             "period (#2)")
class RepairReminders:
    region: str
    as_of: dt.date
    reminders: list[RepairReminder]
    per_period: list[PeriodCount]
    not_issued: int


def _reminder(r) -> RepairReminder:
    c, p = r.candidate, r.payment
    return RepairReminder(
        penalty_id=c.penalty.uid, decision_no=c.penalty.decision_no, subject_id=c.penalty.subject,
        routed_by=c.routed_by, minimum_end=c.minimum_end, maximum_end=c.maximum_end,
        mode=c.mode, submit=r.submit, issued_on=r.issued_on,
        payment=None if p is None else mirror(PaymentCheck, p, status=PaymentStatus(p.status),
                                               outstanding=p.outstanding))


def _reminders_out(r) -> RepairReminders:
    return RepairReminders(region=r.region, as_of=r.as_of,
                           reminders=[_reminder(x) for x in r.reminders],
                           per_period=[PeriodCount(period=p, count=n) for p, n in r.per_period],
                           not_issued=len(r.to_issue))


def _audit_subjects(ctx, uids) -> None:
    ctx.audit.read.update(str(u) for u in uids if u)


@strawberry.type
class FollowupQuery:
    @strawberry.field(description="The commitments accepted by the agencies of `region` that "
                                  "are due within `within` days (default 30), overdue (from "
                                  "the day after their deadline) or breached on `asOf`, each "
                                  "with the effects it drives (#5, #17)")
    async def commitments_due(self, info: Info, region: str | None = None,
                              as_of: dt.date | None = None, within: int | None = None
                              ) -> CommitmentsDue:
        from api.query import day_of, enter

        ctx = enter(info)
        ctx.require_role("regulator", what="commitmentsDue")
        region = ctx.check_region(region)
        d = await ctx.heavy("commitments_due", region, day_of(ctx, as_of), within)
        lists = [[_standing(s) for s in group] for group in (d.due_soon, d.overdue, d.breached)]
        _audit_subjects(ctx, [s.commitment.uid for g in (d.due_soon, d.overdue, d.breached) for s in g])
        return mirror(CommitmentsDue, d, due_soon=lists[0], overdue=lists[1], breached=lists[2])

    @strawberry.field(description="A random sample of `ratio` (default 10%) of the "
                                  "commitments of `region` not breached, to re-check on `asOf` "
                                  "(#1); the same seed gives the same sample")
    async def recheck_draw(self, info: Info, region: str | None = None,
                           as_of: dt.date | None = None, ratio: float | None = None,
                           seed: str = "0") -> RecheckDraw:
        from api.query import day_of, enter

        ctx = enter(info)
        ctx.require_role("regulator", what="recheckDraw")
        region = ctx.check_region(region)
        d = await ctx.heavy("recheck_draw", region, day_of(ctx, as_of), ratio, seed)
        _audit_subjects(ctx, [s.commitment.uid for s in d.selected])
        return mirror(RecheckDraw, d, selected=[_standing(s) for s in d.selected])

    @strawberry.field(description="The repair reminders `region` owes on `asOf`: for each "
                                  "subject registered there, each penalty decided anywhere "
                                  "whose minimum publication period is over and that is not "
                                  "repaired, with the mode, what to submit, the fine's payment "
                                  "check and the day it was issued (#2, #12)")
    async def repair_reminders(self, info: Info, region: str | None = None,
                               as_of: dt.date | None = None) -> RepairReminders:
        from api.query import day_of, enter

        ctx = enter(info)
        ctx.require_role("regulator", what="repairReminders")
        region = ctx.check_region(region)
        r = await ctx.heavy("repair_reminders", region, day_of(ctx, as_of))
        _audit_subjects(ctx, [x.candidate.penalty.uid for x in r.reminders])
        return _reminders_out(r)


@strawberry.type
class FollowupMutation:
    @strawberry.mutation(description="Issue the repair reminders of `region` (default the "
                                     "key's) on `asOf` "
                                     "not issued yet: each is recorded (a Reminder record, one "
                                     "load) so a second run repeats none")
    async def issue_reminders(self, info: Info, region: str | None = None,
                              as_of: dt.date | None = None) -> RepairReminders:
        from api.context import writing
        from api.errors import BadInput
        from graph_model.i18n import message
        from api.query import day_of, enter
        from loaders.write import write_records
        from queries.rules.reminders import reminder_rows

        ctx = enter(info)
        ctx.require_role("regulator", what="issueReminders")
        region = ctx.check_region(region)
        day = day_of(ctx, as_of)
        due = await ctx.heavy("repair_reminders", region, day)
        rows = reminder_rows(due)
        ctx.audit.written.update(x.candidate.penalty.uid for x in due.to_issue)
        if rows:
            def new_only(existing) -> None:
                if existing:
                    raise BadInput(message("error.reminders_meanwhile"))

            written = await writing(ctx.deadline, write_records, ctx.store, ctx.settings.secret,
                                    "reminders", rows, agency=ctx.key.agency,
                                    source="graphql:issueReminders", guard=new_only)
            ctx.audit.written.update(n.uid for n in written.nodes)
        issued = {x.candidate.penalty.uid for x in due.to_issue}
        out = _reminders_out(due)
        for r in out.reminders:
            if str(r.penalty_id) in issued:
                r.issued_on = day
        out.not_issued = 0
        return out
