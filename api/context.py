"""What every resolver receives: the store, the caller's key and scope, and per-request
DataLoaders.

The DataLoaders are created for each request (never shared between requests, so one
caller's answers cannot leak into another's) and batch every read a query's fields make
into one store call per kind of read: a page of twenty vehicles, each with its penalties
and owners, costs one ``get_nodes``, one ``records_about`` and one ``neighbours``, not
sixty.  Store calls run in a thread pool, so the event loop stays free to enforce the
per-request time limit.

The scope of a key (who may see what) is the rule of :mod:`queries.access.visibility`;
:class:`Scope` only batches and caches the reads it needs for one request.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext

from api.cache import AnswerCache
from api.errors import Forbidden, out_of_scope
from graph_model.settings import Settings
from graph_model.store.port import Edge, Node, Store
from queries.access.state import AccessStore, ApiKey
from queries.access.visibility import (
    LINK_CAP, LINK_RELATIONS, SUBJECT_LABELS, Vis, key_regions, linked_visibility,
    record_visibility, subject_visibility,
)
from queries.rules.jurisdiction import (
    Agreement, Jurisdictions, agreements_covering, jurisdictions, records_of, within,
)
from queries.rules.scales import scales
from queries.search.names import NameIndex
from queries.traverse import hops, nodes_in_order

_POOL = ThreadPoolExecutor(max_workers=8, thread_name_prefix="creditkb-api")


async def blocking(fn: Callable, *args, **kwargs):
    """Run a store or queries/ call in the API's thread pool."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_POOL, functools.partial(fn, *args, **kwargs))


@dataclass
class AuditTrail:
    """What one request read and wrote, appended to the audit log when it ends."""

    operations: list[str] = field(default_factory=list)
    read: set[str] = field(default_factory=set)
    written: set[str] = field(default_factory=set)
    denied: set[str] = field(default_factory=set)


class Loaders:
    """The DataLoaders of one request."""

    def __init__(self, store: Store):
        self.store = store
        self.nodes: DataLoader[str, Node | None] = DataLoader(self._nodes)
        self.records: DataLoader[str, list[Node]] = DataLoader(self._records)
        # key: (uid, rel_types tuple, direction, limit) -> (edges, {rel_type: full degree})
        self.neighbours: DataLoader[tuple, tuple[list[Edge], dict[str, int]]] = \
            DataLoader(self._neighbours)

    async def _nodes(self, uids: list[str]) -> list[Node | None]:
        return await blocking(nodes_in_order, self.store, uids)

    async def _records(self, uids: list[str]) -> list[list[Node]]:
        found = await blocking(records_of, self.store, uids)
        return [found.get(u, []) for u in uids]

    async def _neighbours(self, keys: list[tuple]) -> list[tuple[list[Edge], dict[str, int]]]:
        return await blocking(hops, self.store, keys)


@dataclass
class Services:
    """What :func:`api.app.create_app` builds once for its store, and every request of the
    application shares: keys and audit, the subscriptions' event hub, the name index and
    the answer caches (no module-level state: two applications share nothing)."""

    store: Store
    settings: Settings
    access: AccessStore
    hub: Any  # api.subscription.EventHub
    names: NameIndex
    watchlists: AnswerCache
    distributions: AnswerCache
    jurisdictions_cache: AnswerCache | None = None

    @classmethod
    def build(cls, store: Store, settings: Settings, access: AccessStore, hub) -> "Services":
        return cls(store, settings, access, hub, NameIndex(store),
                   AnswerCache(1024, enabled=settings.answer_cache),
                   AnswerCache(64, enabled=settings.answer_cache),
                   AnswerCache(4, enabled=settings.answer_cache))

    def jurisdictions(self) -> Jurisdictions:
        """The store's national and basin jurisdictions (per store version)."""
        if self.jurisdictions_cache is None:
            return jurisdictions(self.store)
        return self.jurisdictions_cache.get(self.store, ("jurisdictions",),
                                            lambda: jurisdictions(self.store))


class RequestContext(BaseContext):
    """The context of one GraphQL operation (an HTTP request or a subscription)."""

    def __init__(self, services: Services, key: ApiKey | None, deadline: float | None = None):
        super().__init__()
        self.services = services
        self.store = services.store
        self.settings = services.settings
        self.access = services.access
        self.key = key
        self.hub = services.hub
        self.deadline = deadline
        self.audit = AuditTrail()
        self.today = dt.date.today()
        self.connection_params: Any = None  # set by the WebSocket protocols
        self.ws_headers = None  # the WebSocket handshake's headers
        self.fresh()

    def fresh(self) -> None:
        """New DataLoaders and scope: for each request, and for each event a subscription
        sends (a subscription lives long; its answers must not come from old caches)."""
        self.loaders = Loaders(self.store)
        self._scope: Scope | None = None
        self._key_regions: tuple[str, ...] | None = None
        self.today = dt.date.today()

    @property
    def scope(self) -> "Scope":
        if self._scope is None:
            self._scope = Scope(self)
        return self._scope

    # -- roles -------------------------------------------------------------------------

    def require_role(self, *roles: str, what: str) -> None:
        if self.key.role not in roles:
            raise Forbidden(f"{what} needs a key of role {' or '.join(roles)}; this key is "
                            f"a {self.key.role} key")

    @property
    def key_regions(self) -> tuple[str, ...]:
        """The regions the key governs: its own, and its agency's national or basin
        jurisdiction (rule 19: a key of 长江航务管理局 governs along the river)."""
        if self._key_regions is None:
            self._key_regions = key_regions(self.key.region, self.key.agency,
                                            self.services.jurisdictions(), self.today)
        return self._key_regions

    def check_region(self, region: str | None) -> str:
        """The region a question is asked for: the key's own by default; a region
        outside the key's jurisdiction is refused."""
        from queries.rules.jurisdiction import check_region

        if region is None:
            return self.key.region
        code = check_region(region)
        if not any(within(code, r) for r in self.key_regions):
            raise Forbidden(f"region {code} is outside the jurisdiction of this key "
                            f"({', '.join(self.key_regions)})")
        return code

    def flush_audit(self) -> None:
        """Append what this request read and wrote to the audit log, and start afresh."""
        a, self.audit = self.audit, AuditTrail()
        if self.key is None:
            return
        operation = ",".join(dict.fromkeys(a.operations)) or "-"
        if a.written:
            self.access.append_audit(self.key, operation, "write", a.written | a.read)
        elif a.read:
            self.access.append_audit(self.key, operation, "read", a.read)
        if a.denied:
            self.access.append_audit(self.key, operation, "read", a.denied, outcome="forbidden")

    def time_left(self) -> float | None:
        return None if self.deadline is None else self.deadline - time.monotonic()

    # -- subjects ----------------------------------------------------------------------

    async def visible_node(self, uid: str) -> tuple[Node, Vis]:
        """The subject ``uid`` names if the key may see it; otherwise the one FORBIDDEN
        answer, the same whether the subject exists or not."""
        node = await self.loaders.nodes.load(uid)
        vis = await self.scope.visibility(uid) if node is not None else Vis.NONE
        if node is None or vis is Vis.NONE or node.label not in SUBJECT_LABELS:
            self.audit.denied.add(uid)
            raise out_of_scope()
        return node, vis


class Scope:
    """Visibility of subjects to one key (see the module docstring), batched and cached
    for the request."""

    def __init__(self, ctx: RequestContext):
        self.ctx = ctx
        self.region = ctx.key.region
        self._regions: tuple[str, ...] | None = None
        self._jur: Jurisdictions | None = None
        self._agreements: tuple[Agreement, ...] | None = None
        self._lock = asyncio.Lock()
        self.loader: DataLoader[str, Vis] = DataLoader(self._batch)

    async def regions(self) -> tuple[str, ...]:
        """The key's regions: its own and its agency's jurisdiction (rule 19)."""
        async with self._lock:
            if self._regions is None:
                self._jur = await blocking(self.ctx.services.jurisdictions)
                self._regions = key_regions(self.region, self.ctx.key.agency, self._jur,
                                            self.ctx.today)
        return self._regions

    async def agreements(self) -> tuple[Agreement, ...]:
        """Agreements in force today that cover one of the key's regions."""
        regions = await self.regions()
        async with self._lock:
            if self._agreements is None:
                found = await blocking(agreements_covering, self.ctx.store, list(regions))
                self._agreements = tuple(a for a in found if a.in_force(self.ctx.today))
        return self._agreements

    async def visibility(self, uid: str) -> Vis:
        return await self.loader.load(uid)

    async def visibilities(self, uids: Iterable[str]) -> dict[str, Vis]:
        uids = list(dict.fromkeys(uids))
        return dict(zip(uids, await self.loader.load_many(uids)))

    async def _direct(self, uids: list[str]) -> dict[str, Vis]:
        """Own or shared, without looking at neighbours."""
        nodes = await self.ctx.loaders.nodes.load_many(uids)
        regions = await self.regions()
        out: dict[str, Vis] = {}
        rest = []
        for uid, node in zip(uids, nodes):
            vis = subject_visibility(node, regions)
            if vis is None:
                rest.append(uid)
            else:
                out[uid] = vis
        if rest:
            records = await self.ctx.loaders.records.load_many(rest)
            # fetched even without records, so an unknown subject costs what one outside
            # the scope costs (no timing hint of existence)
            agreements = await self.agreements()
            for uid, recs in zip(rest, records):
                out[uid] = record_visibility(recs, regions, agreements, self.ctx.today,
                                             scales(), self._jur)
        return out

    async def _batch(self, uids: list[str]) -> list[Vis]:
        out = await self._direct(uids)
        pending = [u for u in uids if out[u] is Vis.NONE
                   and u.partition(":")[0] in SUBJECT_LABELS]
        if pending:
            keys = [(u, LINK_RELATIONS, "both", LINK_CAP) for u in pending]
            hoods = await self.ctx.loaders.neighbours.load_many(keys)
            far: dict[str, set[str]] = {}
            for u, (edges, _) in zip(pending, hoods):
                far[u] = {e.dst if e.src == u else e.src for e in edges}
            everyone = sorted(set().union(*far.values()))
            if everyone:
                near = await self._direct(everyone)
                for u in pending:
                    out[u] = linked_visibility(near[f] for f in far[u])
        return [out[u] for u in uids]
