"""The Query type: resolvers call queries/ (light reads in the thread pool, heavy work in
:mod:`api.heavy`'s processes) and the request's DataLoaders, check the key's scope, and
convert answers to GraphQL types.

A subject or record named by id that the key may not see gets the one answer of a subject
that does not exist, after the same reads (:meth:`api.context.RequestContext.visible_node`)."""

from __future__ import annotations

import datetime as dt
import time
from enum import Enum

import strawberry
from strawberry.types import Info

from api.answers import (
    Cluster, ClusterConnection, ClusterEdge, CreditStatus, DishonestMember, Discipline,
    DrawnSubject, DueEdge, DueShip, GradeCount, GradeDistribution, HubGroup, InspectionDraw,
    InspectionDueConnection, LevelCount, PathConnection, Paths, RecognizedGrade,
    RelatedConnection, RelatedEdge, RelatedSubject, RepairCandidate, RepairConnection,
    RepairEdge, RoundCheck, RoutedBy, SharedIdentifier, Shell, ShellConnection, ShellEdge,
    ShellEvent, Stratum, Takeover, WatchlistConnection, WatchlistEdge, WatchlistEntry,
    WatchlistSource, discipline_out, grade_out,
)
from api.admission import AdmissionListKind, AdmissionReview, ListAdmission, admission_out, review_out
from api.context import RequestContext
from api.errors import BadInput, Forbidden, out_of_scope
from api.limits import decode_key_cursor, encode_cursor, offset_cursor, page_size
from api.pagination import PageInfo, page_info, paginate
from api.followup import FollowupQuery
from api.reports import ReportsQuery
from api.todo import TodoQuery
from api.objections import ObjectionQuery
from api.scoring import ScoringQuery, ScoringScheme, scoring_schemes_on
from api.types import (
    Basis, Node, Subject, level_fields, mirror, record_out, step_out, subject_out,
)
from graph_model import regions as _regions
from graph_model.i18n import message
from graph_model.personal_data import redact_text
from graph_model.schema import schema
from queries.access.subject_keys import may_ask
from queries.access.visibility import SUBJECT_LABELS, Vis, record_personal_clear
from queries.dates import parse_as_of
from queries.rules.admission import list_admission as q_list_admission
from queries.rules.discipline import discipline as q_discipline
from queries.rules.recognition import recognized_grade as q_recognized_grade
from queries.rules.scales import scales
from queries.rules.watchlist import list_kinds
from queries.search.names import find_subjects
from queries.search.subjects import subject_uid
from queries.tracing.paths import paths as q_paths
from queries.tracing.related import related as q_related

#: Records a node id may name (each answered only when its subject is in scope): those
#: about a subject.
RECORD_LABELS = tuple(schema().rel("ABOUT").from_labels)


def enter(info: Info) -> RequestContext:
    """The request context, noting the top-level field asked for the audit log."""
    ctx: RequestContext = info.context
    if not info.path.prev:  # a root field
        ctx.audit.operations.append(info.field_name)
        if not may_ask(ctx.key.role, info.field_name):
            raise Forbidden(f"{info.field_name} is not open to a subject's own key")
    return ctx


def parse_subject(ctx: RequestContext, ref, what: str = "id") -> str:
    """The uid a subject reference names (node id or bare identifier), or BAD_USER_INPUT."""
    if not isinstance(ref, str) or not ref.strip() or len(ref) > 300:
        raise BadInput(message("error.subject_id", what=what))
    try:
        uid = subject_uid(ref, ctx.settings.secret)
    except Exception as exc:  # noqa: BLE001 - every failure here is the caller's input
        # even a mistyped resident ID number is not echoed in clear
        raise BadInput(f"{what}: {redact_text(str(exc))}") from None
    if uid.partition(":")[0] not in SUBJECT_LABELS:
        raise BadInput(message("error.not_subject", what=what, ref=repr(ref)))
    return uid


async def subject_in_region(ctx: RequestContext, subject_id, region: str | None
                            ) -> tuple[str, str]:
    """(uid, region) of a question about one subject in a region of the key's jurisdiction;
    the subject must be in the key's scope, and is noted as read."""
    uid = parse_subject(ctx, str(subject_id), "subjectId")
    region = ctx.check_region(region)
    await ctx.visible_node(uid)
    ctx.audit.read.add(uid)
    return uid, region


def day_of(ctx: RequestContext, as_of: dt.date | None) -> dt.date:
    """The day a question is about: ``asOf`` within the plausible window of an event
    (:func:`queries.dates.parse_as_of`), or today."""
    return parse_as_of(as_of) if as_of is not None else ctx.today


#: The subject labels of the schema, as a GraphQL enum (ENTERPRISE: "Enterprise", ...).
SubjectKind = strawberry.enum(Enum("SubjectKind", {label.upper(): label
                                                   for label in schema().subject_labels()},
                                   module=__name__), description="Kinds of subject")


@strawberry.type(description="The key making the request")
class Me:
    key_id: str
    agency: str
    region: str
    region_name: str | None
    role: str


@strawberry.type(description="An administrative division (GB/T 2260)")
class Region:
    code: str
    name: str
    level: str


@strawberry.type(description="An evaluation scheme and its grades, best first")
class Scheme:
    name: str
    grades: list[str]
    scoring: list[ScoringScheme] = strawberry.field(
        default_factory=list, description="The scoring schemes that compute grades on this "
                                          "scale, with their indicators (queries.scoring)")


@strawberry.type
class SearchHit:
    cursor: str
    node: Subject
    score: float = strawberry.field(description="1 and above: the text matched whole")


@strawberry.type(description="Subjects matching a search, best first")
class SearchConnection:
    edges: list[SearchHit]
    page_info: PageInfo
    total_count: int


# -- the Query type -----------------------------------------------------------------------------

def _subject_named_in(ref: str) -> str:
    """The subject a record id names (a list entry's, evaluation's or commitment's key
    holds it), or one that exists nowhere (a penalty's key is its decision number)."""
    for part in ref.partition(":")[2].split("|"):
        if part.partition(":")[0] in SUBJECT_LABELS:
            return part
    return "Enterprise:" + ref


@strawberry.type
class Query(ScoringQuery, FollowupQuery, ReportsQuery, TodoQuery, ObjectionQuery):
    @strawberry.field(description="The key making the request: agency, region and role")
    def me(self, info: Info) -> Me:
        ctx = enter(info)
        k = ctx.key
        return Me(key_id=k.key_id, agency=k.agency, region=k.region,
                  region_name=_regions.name_of(k.region), role=k.role)

    @strawberry.field(description="A subject by node id (Label:key) or by its USCC, plate, "
                                  "vessel identification number or resident ID number. A "
                                  "subject outside the key's scope and one that does not "
                                  "exist get the same FORBIDDEN error.")
    async def subject(self, info: Info, id: strawberry.ID) -> Subject | None:
        ctx = enter(info)
        uid = parse_subject(ctx, str(id))
        node, vis = await ctx.visible_node(uid)
        return subject_out(ctx, node, vis)

    @strawberry.field(description="Any object by its global id (Relay): a subject or a "
                                  "record about a subject in the key's scope")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        ctx = enter(info)
        ref = str(id)
        label = ref.partition(":")[0]
        if label in RECORD_LABELS:
            if len(ref) > 400:
                raise BadInput("id: not a node id")
            started = time.monotonic()
            rec = await ctx.loaders.nodes.load(ref)
            subject = rec.props.get("subject_uid") if rec is not None else None
            if rec is None or rec.label != label or not subject:
                # the subject's check all the same, so that a record that is not there
                # costs what one outside the scope costs
                ctx.audit.denied.add(ref)
                await ctx.scope.named(_subject_named_in(ref))
                await ctx.refuse(started)
                raise out_of_scope()
            try:
                await ctx.visible_node(subject, started)
            except Forbidden:
                ctx.audit.denied.add(ref)
                raise
            ctx.audit.read.add(subject)
            return record_out(rec, record_personal_clear(rec, ctx.key.region, ctx.key.role))
        uid = parse_subject(ctx, ref)
        node, vis = await ctx.visible_node(uid)
        return subject_out(ctx, node, vis)

    @strawberry.field(description="Subjects by code, plate or vessel number (whole or in "
                                  "part) or by name (fuzzy, normalised); persons by resident "
                                  "ID number only. Only subjects in the key's scope.")
    async def search(self, info: Info, text: str, kind: SubjectKind | None = None,
                     first: int | None = None, after: str | None = None) -> SearchConnection:
        ctx = enter(info)
        page_size(first)
        offset_cursor("search", after)
        hits = await ctx.call(find_subjects, ctx.services.names, text, ctx.settings.secret,
                              {kind.value} if kind else None)
        for uid, score in hits:
            if score >= 2.0:  # the one subject a whole identifier names: checked in full,
                started = time.monotonic()  # the same work and time whether it exists or not
                checked = await ctx.scope.named(uid)
                if checked.node is None or checked.vis is Vis.NONE:
                    await ctx.refuse(started)
        uids = [u for u, _ in hits]
        vis = await ctx.scope.visibilities(uids)
        nodes = dict(zip(uids, await ctx.loaders.nodes.load_many(uids)))
        ranked = [(u, s) for u, s in hits
                  if nodes.get(u) is not None and vis.get(u, Vis.NONE) is not Vis.NONE]
        edges, page = paginate(ranked, "search", first, after, lambda cursor, hit: SearchHit(
            cursor=cursor, node=subject_out(ctx, nodes[hit[0]], vis[hit[0]]),
            score=round(hit[1], 3)))
        return SearchConnection(edges=edges, page_info=page, total_count=len(ranked))

    @strawberry.field(description="The grade the regulator of `region` (default: the key's) "
                                  "must act on for a subject on `asOf` (default today): own "
                                  "jurisdiction, or a partner's under an agreement in force "
                                  "that covers the scheme (互认)")
    async def recognized_grade(self, info: Info, subject_id: strawberry.ID,
                               region: str | None = None, as_of: dt.date | None = None,
                               scheme: str | None = None) -> RecognizedGrade:
        ctx = enter(info)
        uid, region = await subject_in_region(ctx, subject_id, region)
        g = await ctx.call(q_recognized_grade, ctx.store, uid, region, day_of(ctx, as_of), scheme)
        return grade_out(g)

    @strawberry.field(description="The list entries in force that the regulator of `region` "
                                  "works from: its own agencies' and those its agreements "
                                  "share (#3), optionally only subjects it governs")
    async def shared_watchlist(self, info: Info, region: str | None = None,
                               as_of: dt.date | None = None, list_kind: str | None = None,
                               jurisdiction_only: bool = False, first: int | None = None,
                               after: str | None = None) -> WatchlistConnection:
        ctx = enter(info)
        region = ctx.check_region(region)
        n = page_size(first)
        cursor = decode_key_cursor("watchlist", after)
        day = day_of(ctx, as_of)
        page = await ctx.heavy("shared_watchlist", region, day, list_kind,
                               bool(jurisdiction_only), cursor, n)
        edges = [WatchlistEdge(cursor=encode_cursor("watchlist", e.uid), node=mirror(
            WatchlistEntry, e, id=e.uid, subject_id=e.subject, agreement_id=e.agreement,
            basis=Basis(e.basis)))
            for e in page.entries]
        return WatchlistConnection(
            edges=edges, page_info=page_info(page.next_after is not None, cursor is not None, edges),
            sources=[mirror(WatchlistSource, s, agreement_id=s.agreement) for s in page.sources])

    @strawberry.field(description="The measures of joint discipline (联合惩戒) that apply to a "
                                  "subject in `region` (default: the key's) on `asOf`, each "
                                  "with its trigger, the path from the trigger record to the "
                                  "subject and the regions where it applies")
    async def discipline(self, info: Info, subject_id: strawberry.ID, as_of: dt.date | None = None,
                         region: str | None = None) -> Discipline:
        ctx = enter(info)
        uid, region = await subject_in_region(ctx, subject_id, region)
        r = await ctx.call(q_discipline, ctx.store, uid, day_of(ctx, as_of), region)
        on_paths = {n for m in r.measures for n in (*m.nodes, m.trigger.subject)
                    if n.partition(":")[0] in SUBJECT_LABELS}
        vis = await ctx.scope.visibilities(on_paths)
        return discipline_out(r, frozenset(u for u in on_paths if vis.get(u, Vis.NONE) is Vis.NONE))

    @strawberry.field(description="Subjects within `depth` hops (1-4) of a subject over the "
                                  "subject relationships valid on `asOf`, nearest first, each "
                                  "with the path to it and its credit status")
    async def related(self, info: Info, subject_id: strawberry.ID, depth: int = 2,
                      as_of: dt.date | None = None, first: int | None = None,
                      after: str | None = None) -> RelatedConnection:
        ctx = enter(info)
        ctx.require_role("regulator", "investigator", what="related")
        uid = parse_subject(ctx, str(subject_id), "subjectId")
        await ctx.visible_node(uid)
        n = page_size(first)
        start = offset_cursor("related", after)
        r = await ctx.call(q_related, ctx.store, uid, depth, as_of=day_of(ctx, as_of),
                           offset=start, limit=n)
        involved = {uid} | {s for it in r.items for st in it.path for s in (st.frm, st.to)}
        vis = await ctx.scope.visibilities(involved)
        nodes = dict(zip(involved, await ctx.loaders.nodes.load_many(list(involved))))
        edges, hidden = [], 0
        for i, it in enumerate(r.items):
            chain = [it.uid] + [s for st in it.path for s in (st.frm, st.to)]
            if any(vis.get(u, Vis.NONE) is Vis.NONE or nodes.get(u) is None for u in chain):
                hidden += 1
                continue
            edges.append(RelatedEdge(cursor=encode_cursor("related", start + i), node=mirror(
                RelatedSubject, it, subject=subject_out(ctx, nodes[it.uid], vis[it.uid]),
                path=[step_out(s) for s in it.path], status=mirror(CreditStatus, it.status))))
        last = start + len(r.items) - 1
        # positions count the hidden subjects too, so the cursors are those of the whole page
        cursors = ((encode_cursor("related", start), encode_cursor("related", last))
                   if r.items else None)
        groups = [mirror(HubGroup, g, via_id=g.via, shown=len(g.shown))
                  for g in r.groups if vis.get(g.via, Vis.NONE) is not Vis.NONE]
        return RelatedConnection(
            edges=edges,
            page_info=page_info(r.next_offset is not None, start > 0, cursors=cursors),
            total_count=r.total, hidden_count=hidden, groups=groups, truncated=r.truncated)

    @strawberry.field(description="The shortest connections (up to `maxDepth` steps, 1-4) "
                                  "between two subjects, every step named")
    async def paths(self, info: Info, from_id: strawberry.ID, to_id: strawberry.ID,
                    max_depth: int = 4, as_of: dt.date | None = None) -> Paths:
        ctx = enter(info)
        ctx.require_role("regulator", "investigator", what="paths")
        a = parse_subject(ctx, str(from_id), "fromId")
        b = parse_subject(ctx, str(to_id), "toId")
        await ctx.visible_node(a)
        await ctx.visible_node(b)
        p = await ctx.call(q_paths, ctx.store, a, b, max_depth, as_of=day_of(ctx, as_of))
        involved = list({u for c in p.connections for u in c.nodes})
        vis = await ctx.scope.visibilities(involved)
        nodes = dict(zip(involved, await ctx.loaders.nodes.load_many(involved)))
        conns, hidden = [], 0
        for c in p.connections:
            if any(nodes.get(u) is None or vis.get(u, Vis.NONE) is Vis.NONE for u in c.nodes):
                hidden += 1
                continue
            conns.append(PathConnection(subjects=[subject_out(ctx, nodes[u], vis[u])
                                                  for u in c.nodes],
                                        steps=[step_out(s) for s in c.steps]))
        return mirror(Paths, p, from_id=a, to_id=b, connections=conns, hidden_count=hidden)

    @strawberry.field(description="Groups of connected subjects carrying dishonesty (serious "
                                  "dishonesty list, worst grade, repeated serious penalties) "
                                  "with a member in `region`, largest first")
    async def clusters(self, info: Info, region: str | None = None, as_of: dt.date | None = None,
                       first: int | None = None, after: str | None = None) -> ClusterConnection:
        ctx = enter(info)
        ctx.require_role("regulator", "investigator", what="clusters")
        region = ctx.check_region(region)
        page_size(first)
        offset_cursor("clusters", after)
        # the region's clusters, the same for everyone (heavy: api.heavy), then the key's
        # scope: a cluster is shown when the key may see one of its region's members
        res = await ctx.heavy("clusters", region, day_of(ctx, as_of))
        uids = {m.uid for c in res.clusters for m in c.members} | \
               {b for c in res.clusters for b in c.bridges}
        nodes = dict(zip(uids, await ctx.loaders.nodes.load_many(list(uids))))
        vis = await ctx.scope.visibilities(uids)
        kept = []
        for c in res.clusters:
            if any(vis.get(m.uid, Vis.NONE) >= Vis.SHARED and nodes.get(m.uid) is not None
                   and within(nodes[m.uid].props.get("region_code"), region) for m in c.members):
                kept.append(c)

        def edge(cursor, c) -> ClusterEdge:
            shown = {u for u in [m.uid for m in c.members] + list(c.bridges)
                     if vis.get(u, Vis.NONE) is not Vis.NONE and nodes.get(u) is not None}
            members = [mirror(DishonestMember, m, subject=subject_out(ctx, nodes[m.uid], vis[m.uid]))
                       for m in c.members if m.uid in shown]
            bridges = [subject_out(ctx, nodes[b], vis[b]) for b in c.bridges if b in shown]
            links = [step_out(s) for s in c.links if s.frm in shown and s.to in shown]
            return ClusterEdge(cursor=cursor, node=mirror(
                Cluster, c, members=members, bridges=bridges, links=links,
                hidden_count=len(c.members) + len(c.bridges) - len(members) - len(bridges)))

        edges, page = paginate(kept, "clusters", first, after, edge)
        return ClusterConnection(edges=edges, page_info=page, total_count=len(kept),
                                 dishonest=res.dishonest)

    @strawberry.field(description="Successor shells: new firms sharing a legal representative, "
                                  "phone or address with a dishonest, deregistered or revoked "
                                  "firm of `region` and taking over its vehicles, vessels or "
                                  "staff")
    async def successor_shells(self, info: Info, region: str | None = None,
                               as_of: dt.date | None = None, first: int | None = None,
                               after: str | None = None) -> ShellConnection:
        ctx = enter(info)
        ctx.require_role("regulator", "investigator", what="successorShells")
        region = ctx.check_region(region)
        page_size(first)
        offset_cursor("shells", after)
        res = await ctx.heavy("successor_shells", region, day_of(ctx, as_of))
        uids = {u for s in res.shells for u in (s.predecessor, s.successor)}
        nodes = dict(zip(uids, await ctx.loaders.nodes.load_many(list(uids))))
        vis = await ctx.scope.visibilities(uids)

        def shown(u):
            return nodes.get(u) is not None and vis.get(u, Vis.NONE) is not Vis.NONE

        kept = [s for s in res.shells if shown(s.predecessor) and shown(s.successor) and any(
            within(nodes[u].props.get("region_code"), region) for u in (s.predecessor, s.successor))]

        def edge(cursor, s) -> ShellEdge:
            shared = [SharedIdentifier(kind=k, shown=v if k != "legal_representative"
                                       else "the same legal representative") for k, v in s.shared]
            return ShellEdge(cursor=cursor, node=mirror(
                Shell, s, predecessor=subject_out(ctx, nodes[s.predecessor], vis[s.predecessor]),
                successor=subject_out(ctx, nodes[s.successor], vis[s.successor]),
                event=mirror(ShellEvent, s.event), shared=shared,
                takeovers=[mirror(Takeover, t, unit_id=t.unit) for t in s.takeovers]))

        edges, page = paginate(kept, "shells", first, after, edge)
        return ShellConnection(edges=edges, page_info=page, total_count=len(kept))

    @strawberry.field(description="Penalties decided in `region`, or about subjects registered "
                                  "there (rule 18), whose minimum publication period is over on "
                                  "`asOf` and that are not repaired (#2, #12), with the repair "
                                  "mode each calls for and `routedBy`")
    async def repair_eligible(self, info: Info, region: str | None = None,
                              as_of: dt.date | None = None, first: int | None = None,
                              after: str | None = None) -> RepairConnection:
        ctx = enter(info)
        region = ctx.check_region(region)
        n = page_size(first)
        cursor = decode_key_cursor("repairs", after)
        page = await ctx.heavy("repair_eligible", region, day_of(ctx, as_of), cursor, n)
        nodes = await ctx.loaders.nodes.load_many([c.penalty.uid for c in page.items])
        edges = [RepairEdge(cursor=encode_cursor("repairs", c.penalty.uid),
                            node=mirror(RepairCandidate, c, penalty=record_out(node),
                                        routed_by=RoutedBy(c.routed_by)))
                 for c, node in zip(page.items, nodes) if node is not None]
        return RepairConnection(edges=edges, page_info=page_info(
            page.next_after is not None, cursor is not None, edges))

    @strawberry.field(description="Recognised grades of the enterprises registered in `region` "
                                  "on `asOf`, by level of the common scale and by grade")
    async def grade_distribution(self, info: Info, region: str | None = None,
                                 scheme: str | None = None,
                                 as_of: dt.date | None = None) -> GradeDistribution:
        ctx = enter(info)
        region = ctx.check_region(region)
        day = day_of(ctx, as_of)
        d = await ctx.heavy("grade_distribution", region, day, scheme)
        return mirror(GradeDistribution, d, region_name=_regions.name_of(region),
                      levels=[mirror(LevelCount, lc, **level_fields(lc.level)) for lc in d.levels],
                      grades=[mirror(GradeCount, g) for g in d.grades])

    @strawberry.field(description="One differentiated random-inspection round of the "
                                  "enterprises of `region` (#5 ratios by grade, a second draw "
                                  "of C and D; #8 check of the scheme's own \"B or below\") "
                                  "under `scheme`, default the region's own; the same seed "
                                  "gives the same draw")
    async def inspection_draw(self, info: Info, region: str | None = None,
                              as_of: dt.date | None = None, seed: str = "0",
                              scheme: str | None = None) -> InspectionDraw:
        ctx = enter(info)
        ctx.require_role("regulator", what="inspectionDraw")
        region = ctx.check_region(region)
        d = await ctx.heavy("inspection_draw", region, day_of(ctx, as_of), seed, scheme)
        return mirror(
            InspectionDraw, d,
            strata=[mirror(Stratum, s, first=len(s.first), second=len(s.second)) for s in d.strata],
            selected=[mirror(DrawnSubject, s, subject_id=s.subject, evaluation_id=s.evaluation)
                      for s in d.selected],
            check=mirror(RoundCheck, d.check))

    @strawberry.field(description="The ships registered in `region` whose inspection cycle "
                                  "has run out on `asOf` (#6: by kind of ship and grade, 2-12 "
                                  "months for cargo ships, 2-9 for passenger and dangerous-"
                                  "goods ships), most overdue first")
    async def inspection_due(self, info: Info, region: str | None = None,
                             as_of: dt.date | None = None, scheme: str | None = None,
                             first: int | None = None, after: str | None = None
                             ) -> InspectionDueConnection:
        ctx = enter(info)
        ctx.require_role("regulator", what="inspectionDue")
        region = ctx.check_region(region)
        page_size(first)
        offset_cursor("due", after)
        d = await ctx.heavy("inspection_due", region, day_of(ctx, as_of), scheme)
        edges, page = paginate(list(d.ships), "due", first, after, lambda cursor, ship: DueEdge(
            cursor=cursor, node=mirror(DueShip, ship, vessel_id=ship.vessel,
                                       evaluation_id=ship.evaluation)))
        for e in edges:
            ctx.audit.read.add(str(e.node.vessel_id))
        return InspectionDueConnection(edges=edges, page_info=page, total_count=len(d.ships),
                                       scheme=d.scheme, not_graded=d.not_graded)

    @strawberry.field(description="Whether a subject qualifies on `asOf` for a list that admits "
                                  "by rule (#18 green fast lane, #10 vehicle whitelist, #5 信易批 "
                                  "whitelist): ADMIT or REFUSE, each condition with the records "
                                  "that show it met or break it")
    async def list_admission(self, info: Info, subject_id: strawberry.ID,
                             list_kind: AdmissionListKind,
                             as_of: dt.date | None = None) -> ListAdmission:
        ctx = enter(info)
        uid = parse_subject(ctx, str(subject_id), "subjectId")
        await ctx.visible_node(uid)
        ctx.audit.read.add(uid)
        a = await ctx.call(q_list_admission, ctx.store, uid, list_kind.value, day_of(ctx, as_of))
        return admission_out(a)

    @strawberry.field(description="Proposals for a list in `region` on `asOf`: the subjects that "
                                  "qualify and are not listed, and the listed ones that no "
                                  "longer qualify, for a regulator to confirm with addListEntry "
                                  "/ removeListEntry (nothing is listed here)")
    async def admission_review(self, info: Info, list_kind: AdmissionListKind,
                               region: str | None = None,
                               as_of: dt.date | None = None) -> AdmissionReview:
        ctx = enter(info)
        ctx.require_role("regulator", what="admissionReview")
        region = ctx.check_region(region)
        r = await ctx.heavy("admission_review", region, day_of(ctx, as_of), list_kind.value)
        named = {a.subject for a in (*r.admit, *r.remove)}
        vis = await ctx.scope.visibilities(named)
        shown = {u for u in named if vis.get(u, Vis.NONE) is not Vis.NONE}
        ctx.audit.read.update(shown)
        return review_out(r, shown)

    @strawberry.field(description="A region of the key's jurisdiction (default: the key's "
                                  "own) and the current regions directly below it (for pickers)")
    def regions(self, info: Info, parent: str | None = None) -> list[Region]:
        ctx = enter(info)
        root = ctx.check_region(parent)
        table = _regions.regions()
        rows = table[(table["code"] == root) | (table["parent"] == root)]
        rows = rows[rows["current"]]
        return [Region(code=c, name=n, level=lv)
                for c, n, lv in rows[["code", "name", "level"]].itertuples(index=False)]

    @strawberry.field(description="The list kinds of the exchange format")
    def list_kinds(self, info: Info) -> list[str]:
        enter(info)
        return list(list_kinds())

    @strawberry.field(description="The evaluation schemes of the grade scales")
    def schemes(self, info: Info) -> list[Scheme]:
        ctx = enter(info)
        return [Scheme(name=s.name, grades=[g for g, _ in s.grades],
                       scoring=scoring_schemes_on(ctx, s.name))
                for s in scales().schemes.values()]

