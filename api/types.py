"""GraphQL types: subjects (a Relay ``Node`` interface over Enterprise, Person, Vehicle and
Vessel), their records and relationships as cursor connections, and the answers of the
credit rules and tracing queries.  Descriptions come from graph_model/schema.yaml where the
schema has them.

Every subject leaves the API through :func:`subject_out`, which applies the key's scope
(personal fields masked where the agency does not hold the record) and notes the subject
in the request's audit trail.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import typing
from enum import Enum
from typing import TypeVar

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from api.context import RequestContext
from api.limits import encode_cursor, offset_cursor, page_size
from api.pagination import Connection, PageInfo, connection, page_info
from graph_model.store.port import Node as StoreNode
from graph_model import regions as _regions
from graph_model.schema import schema
from queries.versions import stored_day as _date
from queries.access.visibility import (
    SUBJECT_LABELS, Vis, personal_data_clear, record_personal_clear, shown_props,
    shown_record_props,
)

_LABELS = schema().labels
T = TypeVar("T")


def _doc(label: str, prop: str) -> str | None:
    """The schema's description of a property, with its value set when it has one."""
    p = _LABELS[label].properties.get(prop)
    if p is None:
        return None
    return f"{p.doc}: one of {', '.join(p.values)}" if p.values else p.doc


def mirror(gql_type: type[T], answer, **given) -> T:
    """``gql_type`` wrapping an answer of queries/: each of its fields is the answer's
    attribute of the same name (a tuple as a list), unless ``given``.  So a GraphQL type
    states only what it shows and how it names it, never how each field is copied."""
    values = {}
    for f in dataclasses.fields(gql_type):
        if f.name in given or f.name.startswith("_") or not f.init:  # not: a field's resolver
            continue
        value = getattr(answer, f.name)
        values[f.name] = list(value) if isinstance(value, tuple) else value
    return gql_type(**values, **given)


def answer_type(answer: type, description: str, exclude: tuple[str, ...] = ()) -> type:
    """A GraphQL type of the same name showing the fields of a dataclass of queries/ (but
    ``exclude``), with their types (a tuple as a list): the answer's own declaration,
    never written again here.  Convert with :func:`mirror`."""
    hints = typing.get_type_hints(answer)
    annotations = {f.name: _listed(hints[f.name]) for f in dataclasses.fields(answer)
                   if f.name not in exclude}
    return strawberry.type(type(answer.__name__, (), {"__module__": __name__,
                                                       "__annotations__": annotations}),
                           description=description)


def _listed(hint):
    if typing.get_origin(hint) is tuple:
        return list[typing.get_args(hint)[0]]
    return hint


def level_fields(lv) -> dict:
    """A level of the common scale as the fields the types that show one carry."""
    return {"letter": lv.letter, "code": lv.code, "name": lv.name, "severity": lv.severity}


def _str(value) -> str | None:
    return None if value is None or value == "" else str(value)


def _num(value) -> float | None:
    try:
        return None if value is None or value == "" else float(value)
    except (TypeError, ValueError):
        return None


# -- Relay ------------------------------------------------------------------------------

@strawberry.interface(description="An object with a global id (Relay): a subject's id is "
                                  "its node id, `Label:key`.")
class Node:
    id: strawberry.ID


# -- records ----------------------------------------------------------------------------
# Each record type is made from its label in graph_model/schema.yaml: its properties (not
# the synthetic ``*_key``), ``subject_uid`` shown as ``subjectId``, and the agency's name;
# descriptions are the schema's.  A decision number is never null.

def _int(value) -> int | None:
    number = _num(value)
    return None if number is None else int(number)


_VALUE_TYPES = {"date": dt.date, "number": float, "integer": int}
_CONVERT = {dt.date: _date, float: _num, str: _str, strawberry.ID: _str, int: _int}


def _record_fields(label: str) -> list[tuple[str, object, str | None, str]]:
    """(field, annotation, description, property) of a record type, in schema order."""
    out = []
    for prop in _LABELS[label].properties.values():
        if prop.name.endswith("_key"):
            continue
        if prop.name == "subject_uid":
            out.append(("subject_id", strawberry.ID | None, None, prop.name))
            continue
        if prop.name == "agency_region":
            out.append(("agency", str | None, None, "agency"))
        kind = _VALUE_TYPES.get(prop.type, str)
        out.append((prop.name, kind if prop.name == "decision_no" else kind | None,
                    _doc(label, prop.name), prop.name))
    return out


def _record_type(label: str, **resolvers) -> type:
    namespace: dict = {"__module__": __name__, "__annotations__": {"id": strawberry.ID},
                       **resolvers}
    for name, annotation, doc, _ in _record_fields(label):
        namespace["__annotations__"][name] = annotation
        if doc:
            namespace[name] = strawberry.field(description=doc)
    return strawberry.type(type(label, (Node,), namespace), description=_LABELS[label].doc)


@strawberry.field(description="The subject listed (null when outside the key's scope)")
async def _listed_subject(self, info: Info) -> Subject | None:
    return await maybe_subject(info.context, self.subject_id)


FinePayment = _record_type("FinePayment")


@strawberry.field(description="Fines paid on this decision (罚款缴纳), oldest first: what a "
                              "repair claim is checked against instead of vouchers (#2). "
                              "first: at most 100 (default 20); after: the endCursor of the "
                              "previous page")
async def _fine_payments(self, info: Info, first: int | None = None,
                         after: str | None = None) -> Connection[FinePayment]:
    paid = await info.context.loaders.payments.load(self.decision_no)
    return connection(paid, "finePayments", first, after, record_out)


Penalty = _record_type("Penalty", fine_payments=_fine_payments)
Evaluation = _record_type("Evaluation")
ListEntry = _record_type("ListEntry", subject=_listed_subject)
Commitment = _record_type("Commitment")
Repair = _record_type("Repair")
RECORD_TYPES = {"Penalty": Penalty, "Evaluation": Evaluation, "ListEntry": ListEntry,
                "Commitment": Commitment, "Repair": Repair, "FinePayment": FinePayment}
#: The further kinds' records about a subject (EXCHANGE_FORMAT.md), made like the others.
RECORD_TYPES.update({label: _record_type(label) for label in (
    "Accident", "Inspection", "MonitoringAlarm", "PortCall", "Complaint", "Review",
    "PointEntry", "Objection")})


def record_out(n: StoreNode, clear: bool = False):
    """A stored record as its GraphQL type (a decision number missing from the props is the
    record's key); its personal properties (a reviewer's id) masked unless ``clear``."""
    values = {"id": n.uid}
    props = shown_record_props(n.label, n.props, clear)
    for name, annotation, _, prop in _record_fields(n.label):
        value = props.get(prop)
        if name == "decision_no":
            value = value or n.key
        values[name] = _CONVERT[_plain(annotation)](value)
    return RECORD_TYPES[n.label](**values)


def _plain(annotation):
    """The type a field holds (``X | None`` -> X)."""
    args = [a for a in getattr(annotation, "__args__", ()) if a is not type(None)]
    return args[0] if args else annotation


def _newest(prop: str):
    return lambda n: (str(n.props.get(prop) or ""), n.uid)


async def _records_page(info: Info, uid: str, label: str, date_key: str, kind: str,
                        first: int | None, after: str | None):
    """One page of a subject's records of ``label``, newest first by ``date_key``; a
    record's personal properties in clear only for the agencies holding it."""
    recs = await info.context.loaders.records.load(uid)
    items = sorted((r for r in recs if r.label == label), key=_newest(date_key), reverse=True)
    key = info.context.key
    return connection(items, kind, first, after, lambda n: record_out(
        n, record_personal_clear(n, key.region, key.role)))


def _records_field(label: str, kind: str, what: str):
    """A connection of a subject's records of ``label`` (a further kind), newest first by
    the label's first required date: the field is the same for every label."""
    date_key = next(p.name for p in _LABELS[label].properties.values()
                    if p.required and p.type in ("date", "datetime"))

    async def resolve(self, info: Info, first: int | None = None,
                      after: str | None = None):
        return await _records_page(info, self.id, label, date_key, kind, first, after)

    resolve.__annotations__ = {"info": Info, "first": int | None, "after": str | None,
                               "return": Connection[RECORD_TYPES[label]]}
    return strawberry.field(resolver=resolve, description=f"{what}, newest first. " + _PAGE_ARGS)


# -- relationships of a subject ---------------------------------------------------------

#: field -> label -> [(relationship type, direction seen from the subject)]
LINKS: dict[str, dict[str, list[tuple[str, str]]]] = {
    "owners": {"Vehicle": [("OWNS", "in")], "Vessel": [("OWNS", "in"), ("OPERATES", "in")]},
    "vehicles": {"Enterprise": [("OWNS", "out")], "Person": [("DRIVES", "out")]},
    "vessels": {"Enterprise": [("OWNS", "out"), ("OPERATES", "out")],
                "Person": [("SERVES_ON", "out")]},
    "drivers": {"Vehicle": [("DRIVES", "in")], "Vessel": [("SERVES_ON", "in")],
                "Enterprise": [("EMPLOYED_BY", "in")]},
    "legal_representatives": {"Enterprise": [("LEGAL_REPRESENTATIVE_OF", "in")]},
    "represents": {"Person": [("LEGAL_REPRESENTATIVE_OF", "out")]},
    "employers": {"Person": [("EMPLOYED_BY", "out")]},
}


@strawberry.type(description="A subject reached over one relationship, with the "
                             "relationship's type and validity.")
class SubjectLink:
    cursor: str
    node: Subject
    rel_type: str
    direction: str = strawberry.field(description="out: the subject points to the node "
                                                  "(a firm OWNS the vehicle); in: the reverse")
    valid_from: dt.date | None
    valid_to: dt.date | None


@strawberry.type(description="A page of related subjects.")
class SubjectLinkConnection:
    edges: list[SubjectLink]
    page_info: PageInfo
    total_count: int | None = strawberry.field(
        description="Relationships of these types in the whole list (when the store reports "
                    "a hub's full degree, that number)")
    hidden_count: int = strawberry.field(
        description="Subjects of this page left out because they are outside the key's scope")


async def links_page(ctx: RequestContext, uid: str, label: str, field: str,
                     first: int | None, after: str | None) -> SubjectLinkConnection:
    specs = LINKS[field].get(label, [])
    n = page_size(first)
    kind = f"{field}"
    start = offset_cursor(kind, after)
    limit = start + n + 1
    keys = {}
    for rel, direction in specs:
        keys.setdefault(direction, []).append(rel)
    results = await ctx.loaders.neighbours.load_many(
        [(uid, tuple(rels), direction, limit) for direction, rels in keys.items()])
    items: dict[str, tuple[str, str, dict, str]] = {}
    total = 0
    for (direction, rels), (edges, degrees) in zip(keys.items(), results):
        counted = {r: 0 for r in rels}
        for e in edges:
            if e.type not in rels:
                continue
            counted[e.type] += 1
            far = e.dst if e.src == uid else e.src
            items.setdefault(far, (e.type, direction, dict(e.props), far))
        total += sum(degrees.get(r, counted[r]) for r in rels)
    ordered = [items[k] for k in sorted(items)]
    chosen = ordered[start:start + n]
    vis = await ctx.scope.visibilities(x[3] for x in chosen)
    nodes = await ctx.loaders.nodes.load_many([x[3] for x in chosen])
    edges_out, hidden = [], 0
    for i, ((rel, direction, props, far), node) in enumerate(zip(chosen, nodes)):
        if node is None or vis.get(far, Vis.NONE) is Vis.NONE:
            hidden += 1
            continue
        edges_out.append(SubjectLink(
            cursor=encode_cursor(kind, start + i), node=subject_out(ctx, node, vis[far]),
            rel_type=rel, direction=direction, valid_from=_date(props.get("valid_from")),
            valid_to=_date(props.get("valid_to"))))
    # positions count the hidden subjects too, so the cursors are those of the whole page
    cursors = ((encode_cursor(kind, start), encode_cursor(kind, start + len(chosen) - 1))
               if chosen else None)
    return SubjectLinkConnection(
        edges=edges_out,
        page_info=page_info(len(ordered) > start + n or total > start + n, start > 0,
                            cursors=cursors),
        total_count=max(total, len(ordered)), hidden_count=hidden)


# -- subjects ---------------------------------------------------------------------------

_PAGE_ARGS = "first: at most 100 (default 20); after: the endCursor of the previous page"


@strawberry.interface(description="A subject of credit supervision: an enterprise, person, "
                                  "vehicle or vessel.")
class Subject(Node):
    id: strawberry.ID = strawberry.field(description="Node id: Label:key")
    key: str = strawberry.field(description="The identifier (for a person, a keyed hash of "
                                            "the resident ID number)")
    name: str | None = strawberry.field(description="Name (a plate for a vehicle); a "
                                                    "person's name is masked for agencies "
                                                    "without the record")
    region_code: str | None = strawberry.field(description="Region of registration or base")
    region_name: str | None = strawberry.field(description="Name of that region")
    properties: JSON = strawberry.field(description="All stored properties (personal ones "
                                                    "masked as the name is)")
    personal_data_masked: bool = strawberry.field(
        description="True when personal fields are masked for this key")
    _node: strawberry.Private[StoreNode]
    _vis: strawberry.Private[Vis]

    @strawberry.field(description="Administrative penalties, newest first. " + _PAGE_ARGS)
    async def penalties(self, info: Info, first: int | None = None,
                        after: str | None = None) -> Connection[Penalty]:
        return await _records_page(info, self.id, "Penalty", "decision_date", "penalties", first, after)

    @strawberry.field(description="Credit evaluations, newest first. " + _PAGE_ARGS)
    async def evaluations(self, info: Info, first: int | None = None,
                          after: str | None = None) -> Connection[Evaluation]:
        return await _records_page(info, self.id, "Evaluation", "valid_from", "evaluations", first, after)

    @strawberry.field(description="List memberships (current and past), newest first. "
                                  + _PAGE_ARGS)
    async def list_entries(self, info: Info, first: int | None = None,
                           after: str | None = None) -> Connection[ListEntry]:
        return await _records_page(info, self.id, "ListEntry", "listed_on", "listEntries", first, after)

    @strawberry.field(description="Credit commitments, newest first. " + _PAGE_ARGS)
    async def commitments(self, info: Info, first: int | None = None,
                          after: str | None = None) -> Connection[Commitment]:
        return await _records_page(info, self.id, "Commitment", "made_on", "commitments", first, after)

    accidents = _records_field("Accident", "accidents", "Accidents and their liability "
                                                        "findings (#4, #11, #18)")
    inspections = _records_field("Inspection", "inspections", "Inspections and checks: ship "
                                 "safety inspections, road checks, interceptions (#3, #10, #18)")
    alarms = _records_field("MonitoringAlarm", "alarms", "Dynamic-monitoring alarms of a "
                                                         "vehicle and how each was handled (#10)")
    port_calls = _records_field("PortCall", "portCalls", "A vessel's port calls (#18)")
    complaints = _records_field("Complaint", "complaints", "Complaints and what checking them "
                                                           "found (#4, #16)")
    reviews = _records_field("Review", "reviews", "Evaluators' scores (#7, #11, #15); a "
                                                  "reviewer's id in clear only for the agency "
                                                  "holding the review")
    point_entries = _records_field("PointEntry", "pointEntries", "Point entries of scoring "
                                                                 "schemes (#6, #13, #16, #19)")
    objections = _records_field("Objection", "objections", "Objections to the subject's "
                                                           "records (#4, #13, #16, #19)")

    @strawberry.field(description="Enterprises owning or operating this vehicle or vessel. "
                                  + _PAGE_ARGS)
    async def owners(self, info: Info, first: int | None = None,
                     after: str | None = None) -> SubjectLinkConnection:
        return await links_page(info.context, self.id, self._node.label, "owners", first, after)

    @strawberry.field(description="Vehicles owned (an enterprise) or driven (a person). "
                                  + _PAGE_ARGS)
    async def vehicles(self, info: Info, first: int | None = None,
                       after: str | None = None) -> SubjectLinkConnection:
        return await links_page(info.context, self.id, self._node.label, "vehicles", first, after)

    @strawberry.field(description="Vessels owned or operated (an enterprise) or served on "
                                  "(a crew member). " + _PAGE_ARGS)
    async def vessels(self, info: Info, first: int | None = None,
                      after: str | None = None) -> SubjectLinkConnection:
        return await links_page(info.context, self.id, self._node.label, "vessels", first, after)

    @strawberry.field(description="Drivers of a vehicle, crew of a vessel, practitioners "
                                  "employed by an enterprise. " + _PAGE_ARGS)
    async def drivers(self, info: Info, first: int | None = None,
                      after: str | None = None) -> SubjectLinkConnection:
        return await links_page(info.context, self.id, self._node.label, "drivers", first, after)


@strawberry.type(description=_LABELS["Enterprise"].doc)
class Enterprise(Subject):
    uscc: str = strawberry.field(description=_doc("Enterprise", "uscc"))
    business_type: str | None = strawberry.field(description=_doc("Enterprise", "business_type"))
    status: str | None = strawberry.field(description=_doc("Enterprise", "status"))

    @strawberry.field(description="Legal representatives (法定代表人). " + _PAGE_ARGS)
    async def legal_representatives(self, info: Info, first: int | None = None,
                                    after: str | None = None) -> SubjectLinkConnection:
        return await links_page(info.context, self.id, "Enterprise", "legal_representatives",
                                first, after)


@strawberry.type(description=_LABELS["Person"].doc)
class Person(Subject):
    id_masked: str | None = strawberry.field(description=_doc("Person", "id_masked")
                                             + "; only the region digits for agencies "
                                               "without the record")
    role: str | None = strawberry.field(description=_doc("Person", "role"))
    cert_no: str | None = strawberry.field(description=_doc("Person", "cert_no"))

    @strawberry.field(description="Enterprises this person legally represents. " + _PAGE_ARGS)
    async def represents(self, info: Info, first: int | None = None,
                         after: str | None = None) -> SubjectLinkConnection:
        return await links_page(info.context, self.id, "Person", "represents", first, after)

    @strawberry.field(description="Enterprises employing this person. " + _PAGE_ARGS)
    async def employers(self, info: Info, first: int | None = None,
                        after: str | None = None) -> SubjectLinkConnection:
        return await links_page(info.context, self.id, "Person", "employers", first, after)


@strawberry.type(description=_LABELS["Vehicle"].doc)
class Vehicle(Subject):
    plate: str = strawberry.field(description=_doc("Vehicle", "plate"))
    plate_color: str | None = strawberry.field(description=_doc("Vehicle", "plate_color"))
    vehicle_type: str | None = strawberry.field(description=_doc("Vehicle", "vehicle_type"))


@strawberry.type(description=_LABELS["Vessel"].doc)
class Vessel(Subject):
    vessel_id: str = strawberry.field(description=_doc("Vessel", "vessel_id"))
    imo: str | None = strawberry.field(description=_doc("Vessel", "imo"))
    vessel_type: str | None = strawberry.field(description=_doc("Vessel", "vessel_type"))


SUBJECT_TYPES = (Enterprise, Person, Vehicle, Vessel)


def subject_out(ctx: RequestContext, node: StoreNode, vis: Vis) -> Subject:
    """The subject as the key may see it; noted as read in the audit trail."""
    ctx.audit.read.add(node.uid)
    clear = personal_data_clear(vis, ctx.key.role)
    props = shown_props(node, clear)
    code = _str(node.props.get("region_code"))
    common = dict(id=strawberry.ID(node.uid), key=node.key, region_code=code,
                  region_name=_regions.name_of(code) if code else None, properties=props,
                  personal_data_masked=node.label == "Person" and not clear,
                  _node=node, _vis=vis)
    p = node.props
    if node.label == "Enterprise":
        return Enterprise(name=_str(p.get("name")), uscc=node.key,
                          business_type=_str(p.get("business_type")),
                          status=_str(p.get("status")), **common)
    if node.label == "Person":
        return Person(name=_str(props.get("name")), id_masked=_str(props.get("id_masked")),
                      role=_str(props.get("role")), cert_no=_str(props.get("cert_no")), **common)
    if node.label == "Vehicle":
        return Vehicle(name=_str(p.get("plate")) or node.key, plate=node.key,
                       plate_color=_str(p.get("plate_color")),
                       vehicle_type=_str(p.get("vehicle_type")), **common)
    return Vessel(name=_str(p.get("name")), vessel_id=node.key, imo=_str(p.get("imo")),
                  vessel_type=_str(p.get("vessel_type")), **common)


async def maybe_subject(ctx: RequestContext, uid: str | None) -> Subject | None:
    """The subject if it exists and the key may see it, else None (no error: used inside
    answers that name subjects, where the caller did not ask for this one by id)."""
    if not uid or uid.partition(":")[0] not in SUBJECT_LABELS:
        return None
    node = await ctx.loaders.nodes.load(uid)
    if node is None:
        return None
    vis = await ctx.scope.visibility(uid)
    if vis is Vis.NONE:
        return None
    return subject_out(ctx, node, vis)


async def subjects_out(ctx: RequestContext, uids: list[str]) -> dict[str, Subject]:
    """The visible ones among ``uids``, by uid (batched)."""
    uids = [u for u in dict.fromkeys(uids) if u and u.partition(":")[0] in SUBJECT_LABELS]
    nodes = await ctx.loaders.nodes.load_many(uids)
    vis = await ctx.scope.visibilities(uids)
    return {u: subject_out(ctx, n, vis[u]) for u, n in zip(uids, nodes)
            if n is not None and vis[u] is not Vis.NONE}


# -- answers shared by several queries ----------------------------------------------------

@strawberry.enum(description="Why a regulator may act on a grade or sees a list entry: its "
                             "own jurisdiction, a national or basin authority's jurisdiction "
                             "(rule 19), an agreement, or a list kind that binds nationwide")
class Basis(Enum):
    OWN = "OWN"
    AGREEMENT = "AGREEMENT"
    NATIONAL = "NATIONAL"
    BASIN = "BASIN"
    NATIONWIDE = "NATIONWIDE"


@strawberry.type(description=_LABELS["Agreement"].doc)
class Agreement:
    id: strawberry.ID
    name: str
    effective_from: dt.date
    effective_to: dt.date | None
    members: list[str] = strawberry.field(description="Member region codes")
    schemes: list[str] = strawberry.field(description="Schemes recognised (empty: all)")
    list_kinds: list[str] = strawberry.field(description="List kinds shared (empty: all)")


def agreement_out(a) -> Agreement:
    return mirror(Agreement, a, id=a.uid)


@strawberry.type(description="A level of the common grade scale (0 = best)")
class GradeLevel:
    code: str
    name: str
    letter: str = strawberry.field(description="The five-level letter it stands for")
    severity: int


def level_out(lv) -> GradeLevel | None:
    return None if lv is None else mirror(GradeLevel, lv)


@strawberry.type(description="One relationship walked from one subject to the next")
class Step:
    from_id: strawberry.ID
    to_id: strawberry.ID
    rel_type: str
    direction: str = strawberry.field(description="out: stored from `fromId` to `toId`; in: "
                                                  "the walk went against the stored direction")
    valid_from: dt.date | None
    valid_to: dt.date | None


def step_out(s) -> Step:
    return mirror(Step, s, from_id=s.frm, to_id=s.to, valid_from=_date(s.valid_from),
                  valid_to=_date(s.valid_to))
