"""What every resolver receives: the store, the caller's key and scope, and per-request
DataLoaders.

The DataLoaders are created for each request (never shared between requests, so one
caller's answers cannot leak into another's) and batch every read a query's fields make
into one store call per kind of read: a page of twenty vehicles, each with its penalties
and owners, costs one ``get_nodes``, one ``records_about`` and one ``neighbours``, not
sixty.  Store calls run in a thread pool, so the event loop stays free to enforce the
per-request time limit: a read still waiting at the operation's deadline is given up with
a ``TIMEOUT`` error.  Heavy work (whole-graph and whole-region computations) runs apart,
in :mod:`api.heavy`'s processes, so these threads serve light reads only.

The scope of a key (who may see what) is the rule of :mod:`queries.access.visibility`;
:class:`Scope` only batches and caches the reads it needs for one request.  A subject the
caller names by id is checked by :func:`queries.access.visibility.check_subject`, which
reads as much for a subject that does not exist as for one outside the scope.

An operation over WebSocket gets a context of its own (:meth:`RequestContext.for_operation`),
made from its connection's: its own DataLoaders, audit trail and deadline, and its key
checked again (a key revoked since the connection opened no longer works).
"""

from __future__ import annotations

import asyncio
import contextvars
import datetime as dt
import functools
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterable

from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext

from api.cache import store_version
from api.errors import Forbidden, Timeout, classify, out_of_scope
from graph_model.i18n import message
from graph_model.settings import Settings
from graph_model.store.port import Edge, Node, Store
from loaders.write import IN_TRANSACTION
from queries.access.audit import AuditTrail, audit_record
from queries.access.state import AccessStore, ApiKey
from queries.access.subject_keys import SUBJECT_ROLE, subject_key_vis
from queries.access.visibility import (
    DENIAL_FLOOR_S, LINK_CAP, LINK_RELATIONS, SUBJECT_LABELS, Checked, Vis, check_subject,
    in_force, key_regions, linked_visibility, record_visibility, subject_visibility,
)
from queries.records import payments_of
from queries.rules.jurisdiction import (
    Agreement, Jurisdictions, agreements_covering, jurisdictions, records_of, within,
)
from queries.rules.scales import scales
from queries.search.names import NameIndex
from queries.traverse import hops, nodes_in_order

_POOL = ThreadPoolExecutor(max_workers=8, thread_name_prefix="creditkb-api")
# Apart from the reads: the audit log's appends (one writer: SQLite writes one at a time),
# and the waits that give every refusal one time (sleeping, never holding a read's thread).
_AUDIT = ThreadPoolExecutor(max_workers=1, thread_name_prefix="creditkb-audit")
_WAITS = ThreadPoolExecutor(max_workers=32, thread_name_prefix="creditkb-wait")


async def blocking(fn: Callable, *args, **kwargs):
    """Run a store or queries/ call in the API's thread pool."""
    loop = asyncio.get_running_loop()
    # in the caller's context: its language (graph_model.i18n) words what queries/ say
    return await loop.run_in_executor(_POOL, contextvars.copy_context().run,
                                      functools.partial(fn, *args, **kwargs))


def audit_soon(fn: Callable, *args):
    """Run an append to the audit log on the audit log's own thread (an awaitable)."""
    return asyncio.get_running_loop().run_in_executor(_AUDIT, fn, *args)


async def before(deadline: float | None, awaitable):
    """``awaitable``'s result, or :class:`api.errors.Timeout` once ``deadline``
    (``time.monotonic()``) has passed (what runs in a thread runs on, unawaited)."""
    if deadline is None:
        return await awaitable
    left = deadline - time.monotonic()
    try:
        if left <= 0:
            raise asyncio.TimeoutError
        return await asyncio.wait_for(awaitable, left)
    except asyncio.TimeoutError:
        if asyncio.iscoroutine(awaitable):
            awaitable.close()
        raise Timeout(message("error.timeout")) from None


class _WriteTicket:
    """Whether a write may still commit.  The request gives it up at its deadline (then
    answers TIMEOUT), unless the write holds the store's write lock by then (claimed):
    from there on the write finishes and its answer is awaited.  One lock decides
    between the two, so the answer always says what happened to the write."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state: str | None = None

    def claim(self) -> None:
        """In the write's thread, inside its transaction (loaders.write.IN_TRANSACTION)."""
        with self._lock:
            if self._state == "abandoned":
                raise Timeout(message("error.write_timeout"))
            self._state = "claimed"

    def abandon(self) -> bool:
        """At the deadline: True when the write is given up (it will not commit)."""
        with self._lock:
            if self._state == "claimed":
                return False
            self._state = "abandoned"
            return True


async def writing(deadline: float | None, fn: Callable, *args, **kwargs):
    """Run the store write ``fn`` in the API's thread pool (as :func:`blocking`) so that
    its answer says what happened: a write still waiting for the store's write lock at
    ``deadline`` (another process's load holds it) is given up, writes nothing, and
    raises :class:`api.errors.Timeout`; a write holding the lock by then finishes, and its
    result is returned.  (A write run by :func:`blocking` alone ran on after the request
    had answered TIMEOUT, and committed when the lock came free.)"""
    ticket = _WriteTicket()
    token = IN_TRANSACTION.set(ticket.claim)
    try:  # the task runs in a copy of this context: its thread sees the ticket
        task = asyncio.ensure_future(blocking(fn, *args, **kwargs))
    finally:
        IN_TRANSACTION.reset(token)
    left = None if deadline is None else max(0.0, deadline - time.monotonic())
    try:
        return await asyncio.wait_for(asyncio.shield(task), left)
    except asyncio.TimeoutError:
        if ticket.abandon():
            task.add_done_callback(_given_up)
            raise Timeout(message("error.write_timeout")) from None
        return await task


def _given_up(task: asyncio.Future) -> None:
    """A write given up ends with Timeout (or whatever stopped it first): retrieved, so
    that asyncio logs nothing about it."""
    if not task.cancelled():
        task.exception()


def _sleep_until(moment: float) -> None:
    left = moment - time.monotonic()
    if left > 0:
        time.sleep(left)


class Loaders:
    """The DataLoaders of one request."""

    def __init__(self, store: Store, call: Callable | None = None):
        self.store = store
        self.call = call or blocking
        self.nodes: DataLoader[str, Node | None] = DataLoader(self._nodes)
        self.records: DataLoader[str, list[Node]] = DataLoader(self._records)
        # decision number -> the fine payments on it
        self.payments: DataLoader[str, list[Node]] = DataLoader(self._payments)
        # key: (uid, rel_types tuple, direction, limit) -> (edges, {rel_type: full degree})
        self.neighbours: DataLoader[tuple, tuple[list[Edge], dict[str, int]]] = \
            DataLoader(self._neighbours)

    async def _nodes(self, uids: list[str]) -> list[Node | None]:
        return await self.call(nodes_in_order, self.store, uids)

    async def _records(self, uids: list[str]) -> list[list[Node]]:
        found = await self.call(records_of, self.store, uids, as_of=None)  # every version
        return [found.get(u, []) for u in uids]

    async def _payments(self, numbers: list[str]) -> list[list[Node]]:
        found = await blocking(payments_of, self.store, numbers)
        return [found.get(n, []) for n in numbers]

    async def _neighbours(self, keys: list[tuple]) -> list[tuple[list[Edge], dict[str, int]]]:
        return await self.call(hops, self.store, keys)


@dataclass
class Services:
    """What :func:`api.app.create_app` builds once for its store, and every request of the
    application shares: keys and audit, the subscriptions' event hub, the name index, the
    heavy work and its kept answers, the jurisdictions (no module-level state: two
    applications share nothing)."""

    store: Store
    settings: Settings
    access: AccessStore
    hub: Any  # api.subscription.EventHub
    names: NameIndex
    heavy: Any  # api.heavy.HeavyWork: heavy work, and the answers kept per store version
    _jurisdictions: tuple | None = None  # (store version, Jurisdictions)

    @classmethod
    def build(cls, store: Store, settings: Settings, access: AccessStore, hub,
              heavy) -> "Services":
        return cls(store, settings, access, hub, NameIndex(store), heavy)

    def jurisdictions(self) -> Jurisdictions:
        """The store's national and basin jurisdictions, read again when the store changed
        (a load of agencies may give one a jurisdiction)."""
        version = store_version(self.store)
        kept = self._jurisdictions
        if kept is None or kept[0] != version:
            kept = self._jurisdictions = (version, jurisdictions(self.store))
        return kept[1]


class RequestContext(BaseContext):
    """The context of one GraphQL operation (an HTTP request, an operation sent over a
    WebSocket connection, a subscription) or of a WebSocket connection itself
    (``connection``: its operations each get their own, see :meth:`for_operation`)."""

    def __init__(self, services: Services, key: ApiKey | None, deadline: float | None = None,
                 transport: str = "http", websocket=None, connection: bool = False):
        super().__init__()
        self.services = services
        self.store = services.store
        self.settings = services.settings
        self.access = services.access
        self.key = key
        self.hub = services.hub
        self.deadline = deadline
        self.transport = transport
        self.websocket = websocket  # the connection an operation came over (WebSocket)
        self.connection = connection
        self.revoked = False  # the connection's key was revoked (WebSocket)
        self.audit = AuditTrail()
        self.audited = False  # this operation's row is written
        self.findings: list[str] = []  # notes for the answer (a resident ID masked, ...)
        self.today = dt.date.today()
        self.connection_params: Any = None  # set by the WebSocket protocols
        self.ws_headers = None  # the WebSocket handshake's headers
        self.fresh()

    def for_operation(self) -> "RequestContext":
        """The context of one operation sent over this WebSocket connection: the
        connection's key, checked again (``revoked``: the operation is refused), and
        everything else of its own."""
        op = RequestContext(self.services, self.key, transport="ws", websocket=self.websocket)
        op.connection_params, op.ws_headers = self.connection_params, self.ws_headers
        op.revoked = self.key is not None and not self.access.is_active(self.key.key_id)
        return op

    def start_deadline(self) -> None:
        """Count the time limit from now (an operation over WebSocket, once known not to be
        a subscription: a subscription lives as long as its client wants)."""
        if self.deadline is None:
            self.deadline = time.monotonic() + self.settings.request_timeout

    def fresh(self) -> None:
        """New DataLoaders and scope: for each request, and for each event a subscription
        sends (a subscription lives long; its answers must not come from old caches)."""
        self.loaders = Loaders(self.store, self.call)
        self._scope: Scope | None = None
        self._key_regions: tuple[str, ...] | None = None
        self.today = dt.date.today()

    async def call(self, fn: Callable, *args, **kwargs):
        """A store or queries/ call in the thread pool of light reads, given up (TIMEOUT)
        at the operation's deadline."""
        return await before(self.deadline, blocking(fn, *args, **kwargs))

    async def heavy(self, task: str, *args):
        """A heavy computation (:mod:`api.heavy`), its answer shared by everyone asking the
        same question while the store does not change; TIMEOUT at the deadline."""
        return await self.services.heavy.run(task, args, deadline=self.deadline)

    @property
    def scope(self) -> "Scope":
        if self._scope is None:
            self._scope = Scope(self)
        return self._scope

    # -- roles -------------------------------------------------------------------------

    def require_role(self, *roles: str, what: str) -> None:
        if self.key.role not in roles:
            raise Forbidden(message("error.role", what=what, roles=" / ".join(roles),
                                    role=self.key.role))

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
            raise Forbidden(message("error.region_outside", region=code,
                                    regions=", ".join(self.key_regions)))
        return code

    def flush_audit(self, error_codes: Iterable[str] = ()) -> None:
        """Append this operation's row to the audit log (what it asked, read, wrote and was
        refused, and its outcome from the error codes it was answered with), and start a
        new trail (a subscription writes one row per event it sends)."""
        a, self.audit = self.audit, AuditTrail(kind=self.audit.kind)
        if self.key is None:
            return
        self.access.append_audit(self.key, audit_record(a, error_codes, self.transport,
                                                        secret=self.settings.secret))

    async def record(self, errors: Iterable = ()) -> None:
        """:meth:`flush_audit` for the errors of an answer (GraphQL errors, or codes)."""
        codes = [e if isinstance(e, str) else classify(e)[0] for e in errors]
        await audit_soon(self.flush_audit, codes)

    def time_left(self) -> float | None:
        return None if self.deadline is None else self.deadline - time.monotonic()

    # -- subjects ----------------------------------------------------------------------

    async def visible_node(self, uid: str, started: float | None = None) -> tuple[Node, Vis]:
        """The subject ``uid`` names if the key may see it; otherwise the one FORBIDDEN
        answer, the same whether the subject exists or not, after the same reads and at
        the same time (:meth:`refuse`; ``started``: when the question's checks began)."""
        started = time.monotonic() if started is None else started
        checked = await self.scope.named(uid)
        node = checked.node
        if node is None or checked.vis is Vis.NONE or node.label not in SUBJECT_LABELS:
            self.audit.denied.add(uid)
            await self.refuse(started)
            raise out_of_scope()
        return node, checked.vis

    @staticmethod
    async def refuse(started: float) -> None:
        """Wait out :data:`~queries.access.visibility.DENIAL_FLOOR_S` from ``started`` (the
        start of the check of something named by id), so that refusing what is not the
        key's and what is not there take one time.  (In a thread: the event loop's timers
        wake on whole milliseconds, which would let a longer check end sooner.)"""
        await asyncio.get_running_loop().run_in_executor(_WAITS, _sleep_until,
                                                          started + DENIAL_FLOOR_S)


class Scope:
    """Visibility of subjects to one key (see the module docstring), batched and cached
    for the request."""

    def __init__(self, ctx: RequestContext, region: str | None = None):
        self.ctx = ctx
        self.region = region or ctx.key.region
        #: a region asked for inside the key's jurisdiction: that region alone is the scope
        self._narrow = self.region != ctx.key.region
        self._regions: tuple[str, ...] | None = None
        self._jur: Jurisdictions | None = None
        self._agreements: tuple[Agreement, ...] | None = None
        self._lock = asyncio.Lock()
        self.loader: DataLoader[str, Vis] = DataLoader(self._batch)

    async def regions(self) -> tuple[str, ...]:
        """The key's regions: its own and its agency's jurisdiction (rule 19)."""
        async with self._lock:
            if self._regions is None:
                self._jur = await self.ctx.call(self.ctx.services.jurisdictions)
                self._regions = (self.region,) if self._narrow else key_regions(
                    self.region, self.ctx.key.agency, self._jur, self.ctx.today)
        return self._regions

    async def agreements(self) -> tuple[Agreement, ...]:
        """Agreements in force today that cover one of the key's regions."""
        regions = await self.regions()
        async with self._lock:
            if self._agreements is None:
                found = await self.ctx.call(agreements_covering, self.ctx.store, list(regions))
                self._agreements = in_force(found, self.ctx.today)
        return self._agreements

    async def named(self, uid: str) -> Checked:
        """The visibility of a subject the caller named by id, by
        :func:`queries.access.visibility.check_subject` (one call, the same work whether
        the subject exists or not); what it read is kept for the rest of the request."""
        regions = await self.regions()
        if self.ctx.key.role == SUBJECT_ROLE:
            # a firm's key sees by uid, not by region: every subject is checked as one
            # outside any region, so another firm of its own city costs what a missing
            # one costs (a firm in the key's region took a shorter path)
            regions = ()
        checked = await self.ctx.call(check_subject, self.ctx.store, uid, regions,
                                      self.ctx.today, scales(), self._agreements, self._jur)
        if self.ctx.key.role == SUBJECT_ROLE:  # after the same reads (issue 16)
            checked = replace(checked, vis=subject_key_vis(self.ctx.key.subject, uid, checked.vis))
        if checked.agreements is not None and self._agreements is None:
            self._agreements = tuple(checked.agreements)
        self.ctx.loaders.nodes.prime(uid, checked.node)  # None too: not read again
        if checked.records is not None:
            self.ctx.loaders.records.prime(uid, checked.records)
        self.loader.prime(uid, checked.vis)
        return checked

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
        if self.ctx.key.role == SUBJECT_ROLE:
            return [subject_key_vis(self.ctx.key.subject, u, out[u]) for u in uids]
        return [out[u] for u in uids]
