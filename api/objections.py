"""GraphQL of objections and due process (rule 21, issue 16): file one, decide one, an
agency's queue oldest deadline first, one objection, #13's figures.

Who may do what (:mod:`queries.rules.objections`, :mod:`queries.access.subject_keys`):

* a subject's own key files objections against its own records and reads them; a
  regulator's key files on a subject's behalf against a record of a subject in its scope;
* only the agency that handles the record (or one above it) decides;
* an objection or record that is not there and one the key may not act on get one
  FORBIDDEN answer, after the same reads, at one time.

Every step is written through the loaders' public write path (:mod:`api.objection_writes`).
"""

from __future__ import annotations

import datetime as dt
import time

import strawberry
from strawberry.types import Info

from api.context import RequestContext, blocking, writing
from api.errors import BadInput, Forbidden, out_of_scope
from api.objection_writes import NotDecidable, decide_objection, file_objection
from api.types import RECORD_TYPES, mirror, record_out
from graph_model.errors import UserError
from graph_model.i18n import message
from graph_model.store.port import Node
from queries.access.subject_keys import SUBJECT_ROLE
from queries.access.visibility import record_personal_clear
from queries.dates import InvalidInput
from queries.versions import SUCCEEDED
from queries.rules.objections import (
    STATUSES, objection_queue, objection_stats, resolve_record,
)
from queries.rules.jurisdiction import within

Objection = RECORD_TYPES["Objection"]
#: Checked in place of a record's subject when the record is not there (the same reads).
NO_SUBJECT = "Enterprise:" + "0" * 18


@strawberry.type(description="An objection in an agency's queue, with its deadline")
class ObjectionQueueItem:
    objection: Objection
    due_on: dt.date | None
    overdue: bool = strawberry.field(description="Still open after its deadline (办理期限)")


@strawberry.type(description="An agency's objections, oldest deadline first")
class ObjectionQueue:
    region: str
    as_of: dt.date
    total: int
    items: list[ObjectionQueueItem]
    end_cursor: str | None = strawberry.field(description="Pass as `after` for the next page; "
                                                          "null: no more")


@strawberry.type(description="The figures of case #13 for the objections filed in a window: "
                             "filed, not accepted, upheld (维持: the record stands), corrected, "
                             "withdrawn, succeeded (corrected + withdrawn: 异议申请成功), open, "
                             "and the median days from filing to decision")
class ObjectionStats:
    region: str
    date_from: dt.date
    date_to: dt.date
    filed: int
    not_accepted: int
    upheld: int
    corrected: int
    withdrawn: int
    succeeded: int
    success_rate: float | None
    open: int
    median_days_to_decide: float | None


@strawberry.input(description="An objection (信用异议, 申诉) against a credit record")
class FileObjectionInput:
    record_id: strawberry.ID = strawberry.field(description="The record contested: its id "
                                                            "(Penalty:…, Evaluation:…, …)")
    filed_on: dt.date
    grounds: str
    attachments: list[str] | None = None
    filed_by: str | None = strawberry.field(default=None, description="Who files it: the "
                                                                      "subject, or an agency "
                                                                      "on its behalf")


@strawberry.input(description="A corrected value of the record (a column of its kind)")
class CorrectionInput:
    field: str
    value: str


@strawberry.input(description="The next step of an objection: 核查中, 维持, 更正 (with the "
                              "corrected values), 撤销, or 不予受理 (with the reason)")
class DecideObjectionInput:
    objection_id: strawberry.ID
    status: str = strawberry.field(description=", ".join(STATUSES[1:]))
    on: dt.date
    reason: str | None = None
    changes: list[CorrectionInput] | None = None


def _enter(info: Info) -> RequestContext:
    from api.query import enter

    return enter(info)


def _out(ctx: RequestContext, n: Node):
    return record_out(n, record_personal_clear(n, ctx.key.region, ctx.key.role))


async def _record_for(ctx: RequestContext, ref: str, started: float) -> Node:
    """The record ``ref`` names, if the key may file against it (a subject key: a record
    about its own subject; an agency: a record about a subject in its scope); otherwise
    the one FORBIDDEN answer, the same for a record not there."""
    record = await ctx.call(resolve_record, ctx.store, ref)
    subject = record.props.get("subject_uid") if record is not None else None
    if subject is None:
        ctx.audit.denied.add(ref)
        await ctx.scope.named(ctx.key.subject or NO_SUBJECT)  # the same reads
        await ctx.refuse(started)
        raise out_of_scope()
    try:
        await ctx.visible_node(subject, started)
    except Forbidden:
        ctx.audit.denied.add(record.uid)
        raise
    return record


async def _objection_for(ctx: RequestContext, ref: str, started: float) -> Node:
    """The objection ``ref`` names if the key may read it: the handling agency's region (or
    one above it), or the subject's own key."""
    node = await ctx.loaders.nodes.load(ref) if ref.startswith("Objection:") and len(ref) < 300 else None
    ok = node is not None and node.label == "Objection" and (
        node.props.get("subject_uid") == ctx.key.subject if ctx.key.role == SUBJECT_ROLE
        else any(within(str(node.props.get("agency_region") or ""), r) for r in ctx.key_regions))
    if not ok:
        ctx.audit.denied.add(ref)
        await ctx.refuse(started)
        raise out_of_scope()
    ctx.audit.read.add(ref)
    return node


@strawberry.type
class ObjectionQuery:
    @strawberry.field(description="The objections handled by the agencies of `region` "
                                  "(default the key's), oldest deadline first; `status` "
                                  "default the open ones (受理, 核查中); each says if overdue "
                                  "on `asOf`")
    async def objections(self, info: Info, region: str | None = None,
                         status: list[str] | None = None, first: int | None = None,
                         after: str | None = None, as_of: dt.date | None = None) -> ObjectionQueue:
        from api.query import day_of

        ctx = _enter(info)
        ctx.require_role("regulator", what="objections")
        region = ctx.check_region(region)
        limit = 50 if first is None else first
        if not 1 <= limit <= 500:
            raise BadInput(message("objection.error.first"))
        page = await ctx.call(objection_queue, ctx.store, region, day_of(ctx, as_of), status,
                              after, limit)
        ctx.audit.read.update(i.objection.uid for i in page.items)
        return ObjectionQueue(region=page.region, as_of=page.as_of, total=page.total,
                              items=[ObjectionQueueItem(objection=_out(ctx, i.objection),
                                                        due_on=i.due_on, overdue=i.overdue)
                                     for i in page.items], end_cursor=page.next_after)

    @strawberry.field(description="One objection: the handling agency's (or one above it), "
                                  "or the subject's own key's")
    async def objection(self, info: Info, id: strawberry.ID) -> Objection:
        ctx = _enter(info)
        return _out(ctx, await _objection_for(ctx, str(id), time.monotonic()))

    @strawberry.field(description="Case #13's figures for the objections handled in `region` "
                                  "filed from `from` to `to`")
    async def objection_stats(self, info: Info, date_from: dt.date, date_to: dt.date,
                              region: str | None = None) -> ObjectionStats:
        ctx = _enter(info)
        ctx.require_role("regulator", "investigator", "viewer", what="objectionStats")
        region = ctx.check_region(region)
        return mirror(ObjectionStats, await ctx.call(objection_stats, ctx.store, region,
                                                     date_from, date_to))



@strawberry.type
class ObjectionMutation:
    @strawberry.mutation(description="File an objection against a credit record: a subject's "
                                     "own key against its own records, a regulator's on a "
                                     "subject's behalf; accepted (受理) with its deadline")
    async def file_objection(self, info: Info, input: FileObjectionInput) -> Objection:
        ctx = _enter(info)
        if ctx.key.role not in (SUBJECT_ROLE, "regulator"):
            raise Forbidden(message("objection.error.file_role"))
        started = time.monotonic()
        ref = str(input.record_id)
        if len(ref) > 400 or not input.grounds.strip():
            raise BadInput(message("objection.error.record_and_grounds"))
        ctx.audit.written.add(ref)  # attempted: audited also when refused
        record = await _record_for(ctx, ref, started)
        try:
            node = await writing(ctx.deadline, file_objection, ctx.store, ctx.settings.secret,
                                 record, input.filed_on, grounds=input.grounds.strip(),
                                 filed_by=input.filed_by or ("当事人" if ctx.key.role == SUBJECT_ROLE
                                                             else ctx.key.agency),
                                 attachments=input.attachments or (),
                                 source="graphql:fileObjection", writer=ctx.key.agency)
        except (InvalidInput, UserError) as exc:
            raise BadInput(str(exc)) from None
        ctx.audit.written.update({node.uid, record.uid})
        return _out(ctx, node)

    @strawberry.mutation(description="Take the next step of an objection, as the agency that "
                                     "handles it (or one above it): 更正 writes the corrected "
                                     "version of the record (a new version; the old one stays)")
    async def decide_objection(self, info: Info, input: DecideObjectionInput) -> Objection:
        ctx = _enter(info)
        ctx.require_role("regulator", what="decideObjection")
        started = time.monotonic()
        ref = str(input.objection_id)
        if len(ref) > 300:
            raise BadInput(message("objection.error.not_an_id"))
        ctx.audit.written.add(ref)
        changes = {c.field: c.value for c in input.changes or ()}
        try:
            obj, fix = await writing(ctx.deadline, decide_objection, ctx.store,
                                     ctx.settings.secret, ref, input.status, input.on,
                                     agency=ctx.key.agency, region=ctx.key.region,
                                     reason=input.reason, changes=changes,
                                     source="graphql:decideObjection")
        except NotDecidable:
            await ctx.refuse(started)
            raise out_of_scope() from None
        except (InvalidInput, UserError) as exc:
            raise BadInput(str(exc)) from None
        ctx.audit.written.update({obj.uid, *([fix.uid] if fix else [])})
        if input.status in SUCCEEDED:  # partners' watchlists hear it now (queries.feed)
            from api.mutation import _publish
            await blocking(_publish, ctx, "REMOVED", obj)
        return _out(ctx, obj)

