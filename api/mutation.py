"""Mutations for the acts regulators do by hand: list and unlist a subject, record a repair,
record a commitment.

Each write is checked like a loaded row: the mutation's input becomes a one-row frame of
the exchange format's kind and goes through the loaders' own checks (identifiers, dates,
enumerations, references to stored subjects and penalties, data-quality rules), is built
into nodes and edges by the loaders' builders and committed as a load of its own (file
``graphql:<mutation>``, the key's agency recorded), so ``creditkb loads`` lists it and
``creditkb loads undo`` can take it back.  The agency and its region always come from the
key: a regulator writes only records of its own agency.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

import strawberry
from strawberry.types import Info

from api.context import RequestContext, blocking
from api.errors import BadInput, Forbidden, NotFound
from api.query import enter, parse_subject
from api.types import (
    Commitment, ListEntry, Repair, record_out,
)
from graph_model.enums import CommitmentStatus, ListKind, RepairMode
from loaders.kinds import SUBJECT_KINDS
from loaders.write import amend_records, write_rows
from queries.rules.jurisdiction import within
from queries.rules.repair import penalty_state, repair_route, row_rules

KIND_OF_LABEL = {label: word for word, label in SUBJECT_KINDS.items()}


def _fold(text) -> str:
    return "".join(unicodedata.normalize("NFKC", str(text or "")).split())


def _write(ctx: RequestContext, kind_name: str, row: dict, mutation: str):
    """Write one row as the loaders write a file's (loaders.write), as a load of its own,
    keeping the credit rules' row checks (a repair's window and mode, rule 17)."""
    return blocking(write_rows, ctx.store, ctx.settings.secret, kind_name, [row],
                    agency=ctx.key.agency, source=f"graphql:{mutation}", rules=row_rules())


async def _subject_to_write(ctx: RequestContext, ref) -> tuple[str, str, str]:
    """(uid, subject kind word, code) of the subject a record is written about, which the
    key must see."""
    uid = parse_subject(ctx, str(ref), "subjectId")
    await ctx.visible_node(uid)
    return (uid, *_code_of(ctx, str(ref), uid))


def _code_of(ctx: RequestContext, ref: str, uid: str) -> tuple[str, str]:
    """(subject kind word, code) for the loader: the identifier as given, a node id's key."""
    label, _, key = uid.partition(":")
    if label == "Person":
        if ":" in ref:
            raise BadInput("subjectId: a person's records are written with the resident ID "
                           "number (the node id holds only its keyed hash)")
        return KIND_OF_LABEL[label], ref.strip()
    return KIND_OF_LABEL[label], key


def _check_date(value: dt.date | None, what: str) -> str | None:
    return value.isoformat() if value is not None else None


def _publish(ctx: RequestContext, change: str, entry) -> None:
    p = entry.props
    event = {"change": change, "entry": entry.uid, "list_kind": p.get("list_kind"),
             "subject": p.get("subject_uid"), "agency": p.get("agency"),
             "agency_region": p.get("agency_region"), "listed_on": p.get("listed_on"),
             "removed_on": p.get("removed_on"), "reason": p.get("reason"),
             "key_id": ctx.key.key_id}
    ctx.access.publish(event)
    if ctx.hub is not None:
        ctx.hub.poke()


@strawberry.input(description="A subject to put on a list")
class AddListEntryInput:
    subject_id: strawberry.ID = strawberry.field(description="Node id or USCC, plate, vessel "
                                                             "number, resident ID number")
    list_kind: str = strawberry.field(description=", ".join(ListKind))
    listed_on: dt.date
    reason: str | None = None


@strawberry.input(description="A list entry of the key's agency to end")
class RemoveListEntryInput:
    entry_id: strawberry.ID
    removed_on: dt.date


@strawberry.input(description="A credit repair of a penalty decided in the key's jurisdiction, "
                              "about a subject registered there, or decided by an agreement "
                              "partner (#3 异地修复)")
class RecordRepairInput:
    decision_no: str
    mode: str = strawberry.field(description=", ".join(RepairMode) + ": by commitment, closed loop")
    repaired_on: dt.date
    evidence: str | None = strawberry.field(default=None, description="Rectification evidence "
                                            "(整改证明): a note or document reference; a closed-"
                                            "loop (闭环) repair needs one (#12)")


@strawberry.input(description="A credit commitment accepted by the key's agency")
class RecordCommitmentInput:
    subject_id: strawberry.ID
    kind: str = strawberry.field(description="Commitment kind, e.g. 告知承诺制审批, 信用修复承诺")
    made_on: dt.date
    due_on: dt.date | None = None
    status: str = strawberry.field(default=CommitmentStatus.履约中.value,
                                   description=", ".join(CommitmentStatus))


def _writer(ctx: RequestContext, what: str) -> None:
    ctx.require_role("regulator", what=what)


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Put a subject on a list, as the key's agency; partner "
                                     "cities subscribed to watchlistChanges see it at once")
    async def add_list_entry(self, info: Info, input: AddListEntryInput) -> ListEntry:
        ctx = enter(info)
        _writer(ctx, "addListEntry")
        uid, word, code = await _subject_to_write(ctx, input.subject_id)
        row = {"list_kind": input.list_kind, "subject_kind": word, "subject_id": code,
               "listed_on": _check_date(input.listed_on, "listedOn"),
               "reason": input.reason, "agency": ctx.key.agency,
               "agency_region": ctx.key.region}
        entry_uid = (f"ListEntry:{input.list_kind}|{uid}|{ctx.key.region}|"
                     f"{input.listed_on.isoformat()}")
        if (await ctx.loaders.nodes.load(entry_uid)) is not None:
            raise BadInput(f"entryId {entry_uid} already exists")
        written = await _write(ctx, "list_entries", row, "addListEntry")
        entry = written[0]
        ctx.audit.written.update({entry.uid, uid})
        await blocking(_publish, ctx, "ADDED", entry)
        return record_out(entry)

    @strawberry.mutation(description="End a list entry of the key's agency on `removedOn`")
    async def remove_list_entry(self, info: Info, input: RemoveListEntryInput) -> ListEntry:
        ctx = enter(info)
        _writer(ctx, "removeListEntry")
        ref = str(input.entry_id)
        label, _, key = ref.partition(":")
        parts = key.split("|")
        if label != "ListEntry" or len(parts) != 4:
            raise BadInput("entryId: not a list entry id (ListEntry:<kind>|<subject>|<region>|<date>)")
        if not within(parts[2], ctx.key.region):
            raise Forbidden("a list entry of another agency: only its agency may end it")
        entry = await ctx.loaders.nodes.load(ref)
        if entry is None or entry.label != "ListEntry":
            raise NotFound(f"no list entry {ref}")
        p = entry.props
        if _fold(p.get("agency")) != _fold(ctx.key.agency):
            raise Forbidden("a list entry of another agency: only its agency may end it")
        removed = input.removed_on.isoformat()
        if p.get("removed_on"):
            raise BadInput(f"the entry was already removed on {p['removed_on']}")
        if removed < str(p.get("listed_on")):
            raise BadInput(f"removedOn {removed} is before listedOn {p.get('listed_on')}")

        def write():
            return amend_records(ctx.store, "list_entries", [entry.key], {"removed_on": removed},
                                 agency=ctx.key.agency, source="graphql:removeListEntry")[0]

        updated = await blocking(write)
        ctx.audit.written.update({ref, p.get("subject_uid")} - {None})
        await blocking(_publish, ctx, "REMOVED", updated)
        return record_out(updated)

    @strawberry.mutation(description="Record a credit repair (信用修复) of a penalty decided in "
                                     "the key's jurisdiction, once its minimum publication "
                                     "period is over")
    async def record_repair(self, info: Info, input: RecordRepairInput) -> Repair:
        ctx = enter(info)
        _writer(ctx, "recordRepair")
        number = (input.decision_no or "").strip()
        if not number or len(number) > 200:
            raise BadInput("decisionNo: give the penalty's decision number")
        penalty = await ctx.loaders.nodes.load(f"Penalty:{number}")
        if penalty is None:
            raise NotFound(f"no penalty with decision number {number}")
        route = await blocking(repair_route, ctx.store, number, ctx.key.region, input.repaired_on)
        if route is None:
            raise Forbidden("a penalty neither decided in the key's jurisdiction, nor about a "
                            "subject registered there, nor decided by an agreement partner")
        state = await blocking(penalty_state, ctx.store, number, input.repaired_on)
        if state.state != "repairable":
            why = {"revoked": "the penalty is revoked",
                   "not yet decided": "the penalty was not decided yet on that day",
                   "published": f"its minimum publication period ends on {state.minimum_end}",
                   "repaired": f"it was already repaired on "
                               f"{state.repair.repaired_on if state.repair else '?'}",
                   "expired": f"its publication ended on {state.maximum_end}"}
            raise BadInput(f"cannot repair {number} on {input.repaired_on}: "
                           f"{why.get(state.state, state.state)}")
        row = {"decision_no": number, "mode": input.mode,
               "repaired_on": input.repaired_on.isoformat(), "evidence": input.evidence,
               "agency": ctx.key.agency, "agency_region": ctx.key.region}
        written = await _write(ctx, "repairs", row, "recordRepair")
        ctx.audit.written.update({written[0].uid, penalty.uid}
                                 | ({penalty.props["subject_uid"]}
                                    if penalty.props.get("subject_uid") else set()))
        return record_out(written[0])

    @strawberry.mutation(description="Record a credit commitment (信用承诺) accepted by the key's "
                                     "agency")
    async def record_commitment(self, info: Info, input: RecordCommitmentInput) -> Commitment:
        ctx = enter(info)
        _writer(ctx, "recordCommitment")
        uid, word, code = await _subject_to_write(ctx, input.subject_id)
        if input.due_on is not None and input.due_on < input.made_on:
            raise BadInput(f"dueOn {input.due_on} is before madeOn {input.made_on}")
        row = {"subject_kind": word, "subject_id": code, "kind": input.kind,
               "made_on": input.made_on.isoformat(),
               "due_on": input.due_on.isoformat() if input.due_on else None,
               "status": input.status, "agency": ctx.key.agency,
               "agency_region": ctx.key.region}
        written = await _write(ctx, "commitments", row, "recordCommitment")
        ctx.audit.written.update({written[0].uid, uid})
        return record_out(written[0])
