"""Mutations for the acts regulators do by hand: list and unlist a subject, record a repair,
record a commitment.

Each write is checked like a loaded row: the mutation's input becomes a one-row frame of
the exchange format's kind and goes through the loaders' own checks (identifiers, dates,
enumerations, references to stored subjects and penalties, data-quality rules), is built
into nodes and edges by the loaders' builders and committed as a load of its own (file
``graphql:<mutation>``, the key's agency recorded), so ``creditkb loads`` lists it and
``creditkb loads undo`` can take it back.  The agency and its region always come from the
key: a regulator writes only records of its own agency, checked inside the write's
transaction (:mod:`queries.access.ownership`): a record of another agency is never
changed, and a partner's record about the same subject is a record of its own.

A list entry or penalty that is not the key's and one that does not exist get the same
answer, after the same reads.  A resident ID number written into a text field (a reason,
a commitment kind) is masked before it is stored, and the answer says so in
``extensions.notes``.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Mapping

import strawberry
from strawberry.types import Info

from api.context import RequestContext, blocking, writing
from api.errors import BadInput, Forbidden
from api.followup import FollowupMutation
from api.objections import ObjectionMutation
from api.query import enter, parse_subject
from api.types import (
    Commitment, ListEntry, Repair, record_out,
)
from graph_model.enums import CommitmentStatus, ListKind, RepairMode
from graph_model.i18n import message
from graph_model.store.port import Node
from loaders.kinds import SUBJECT_KINDS
from loaders.write import amend_records, write_records
from queries.access.ownership import foreign_records, owned_by
from queries.rules.jurisdiction import within
from queries.rules.repair import penalty_state, repair_route, row_rules

KIND_OF_LABEL = {label: word for word, label in SUBJECT_KINDS.items()}
#: The one answer for a list entry (a penalty) that is another agency's (decided outside
#: the key's jurisdiction) and for one that does not exist.
NOT_OURS_ENTRY = "error.entry_not_ours"
NOT_OURS_PENALTY = "error.penalty_not_ours"
#: Why a penalty cannot be repaired on a day, by its state (queries.rules.repair.penalty_state).
REPAIR_REFUSED = {"revoked": "error.repair.revoked", "not yet decided": "error.repair.not_decided",
                  "published": "error.repair.published", "repaired": "error.repair.repaired",
                  "expired": "error.repair.expired"}


def _not_others(ctx: RequestContext, msgid: str):
    """A write guard: refuse to change a record another agency issued (``msgid`` says
    which record)."""
    def guard(existing: Mapping[str, Node]) -> None:
        if foreign_records(existing, ctx.key.agency, ctx.key.region):
            raise Forbidden(message(msgid))
    return guard


async def _write(ctx: RequestContext, kind_name: str, row: dict, mutation: str, guard):
    """Write one row as the loaders write a file's (loaders.write), as a load of its own,
    keeping the credit rules' row checks (a repair's window and mode, rule 17); its
    findings (a resident ID number masked in text) become notes of the answer."""
    written = await writing(ctx.deadline, write_records, ctx.store, ctx.settings.secret,
                            kind_name, [row], agency=ctx.key.agency,
                            source=f"graphql:{mutation}", guard=guard, rules=row_rules())
    ctx.findings.extend(f.message for f in written.findings)
    return written.nodes


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
            raise BadInput(message("error.person_by_id_number"))
        return KIND_OF_LABEL[label], ref.strip()
    return KIND_OF_LABEL[label], key


def _publish(ctx: RequestContext, change: str, entry) -> None:
    """The write is in the store's change log already: wake this process's subscriptions
    now rather than at their next poll (api.subscription)."""
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
class Mutation(FollowupMutation, ObjectionMutation):
    @strawberry.mutation(description="Put a subject on a list, as the key's agency; partner "
                                     "cities subscribed to watchlistChanges see it at once")
    async def add_list_entry(self, info: Info, input: AddListEntryInput) -> ListEntry:
        ctx = enter(info)
        _writer(ctx, "addListEntry")
        uid, word, code = await _subject_to_write(ctx, input.subject_id)
        row = {"list_kind": input.list_kind, "subject_kind": word, "subject_id": code,
               "listed_on": input.listed_on.isoformat(),
               "reason": input.reason, "agency": ctx.key.agency,
               "agency_region": ctx.key.region}

        def new_only(existing: Mapping[str, Node]) -> None:
            for entry_uid in existing:  # the same kind, subject, region and day
                raise BadInput(message("error.entry_exists", entry=entry_uid))

        ctx.audit.written.add(uid)  # attempted: audited also when refused
        written = await _write(ctx, "list_entries", row, "addListEntry", new_only)
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
        if label != "ListEntry" or len(parts) != 4 or len(ref) > 400:
            raise BadInput(message("error.entry_id"))
        ctx.audit.written.add(ref)  # attempted: audited also when refused

        def mine(node: Node | None) -> bool:
            return node is not None and node.label == "ListEntry" and \
                owned_by(node, ctx.key.agency, ctx.key.region)

        # one read, and one answer at one time, whether the entry is another agency's or
        # not there
        started = time.monotonic()
        entry = await ctx.loaders.nodes.load(ref)
        if not mine(entry):
            await ctx.refuse(started)
            raise Forbidden(message(NOT_OURS_ENTRY))
        p = entry.props
        removed = input.removed_on.isoformat()
        if p.get("removed_on"):
            raise BadInput(message("error.entry_removed", removed_on=p["removed_on"]))
        if removed < str(p.get("listed_on")):
            raise BadInput(message("error.removed_before_listed", removed_on=removed,
                                   listed_on=str(p.get("listed_on"))))

        def still_mine(existing: Mapping[str, Node]) -> None:
            if not mine(existing.get(ref)):
                raise Forbidden(message(NOT_OURS_ENTRY))

        def write():
            return amend_records(ctx.store, "list_entries", [entry.key], {"removed_on": removed},
                                 agency=ctx.key.agency, source="graphql:removeListEntry",
                                 guard=still_mine)[0]

        updated = await writing(ctx.deadline, write)
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
            raise BadInput(message("error.decision_no"))
        ctx.audit.written.add(f"Penalty:{number}")  # attempted: audited also when refused
        # one answer, no sooner than the refusal floor, whether the penalty is not there or
        # not this key's to repair (the route is only looked up for a penalty that exists:
        # on a large store that look-up may outlast the floor)
        started = time.monotonic()
        penalty = await ctx.loaders.nodes.load(f"Penalty:{number}")
        route = None
        if penalty is not None and penalty.label == "Penalty":
            # decided in the key's jurisdiction, about a subject registered there, or by an
            # agreement partner (#3 异地修复)
            route = await ctx.call(repair_route, ctx.store, number, ctx.key.region,
                                   input.repaired_on)
        if route is None:
            await ctx.refuse(started)
            raise Forbidden(message(NOT_OURS_PENALTY))
        state = await ctx.call(penalty_state, ctx.store, number, input.repaired_on)
        if state.state != "repairable":
            raise BadInput(message(
                REPAIR_REFUSED.get(state.state, "error.repair.state"), number=number,
                day=input.repaired_on, state=state.state, minimum_end=state.minimum_end,
                maximum_end=state.maximum_end,
                repaired_on=state.repair.repaired_on if state.repair else "?"))
        row = {"decision_no": number, "mode": input.mode,
               "repaired_on": input.repaired_on.isoformat(), "evidence": input.evidence,
               "agency": ctx.key.agency, "agency_region": ctx.key.region}
        written = await _write(ctx, "repairs", row, "recordRepair",
                               _not_others(ctx, "error.repair_of_other_agency"))
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
        ctx.audit.written.add(uid)  # attempted: audited also when refused
        if input.due_on is not None and input.due_on < input.made_on:
            raise BadInput(message("error.due_before_made", due_on=input.due_on,
                                   made_on=input.made_on))
        row = {"subject_kind": word, "subject_id": code, "kind": input.kind,
               "made_on": input.made_on.isoformat(),
               "due_on": input.due_on.isoformat() if input.due_on else None,
               "status": input.status, "agency": ctx.key.agency,
               "agency_region": ctx.key.region}
        written = await _write(ctx, "commitments", row, "recordCommitment",
                               _not_others(ctx, "error.commitment_of_other_agency"))
        ctx.audit.written.update({written[0].uid, uid})
        return record_out(written[0])
