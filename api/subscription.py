"""The live feed (DOMAIN.md #3, "shared in real time"; issue 15): ``watchlistChanges(region,
after)`` and ``recordChanges(region, kinds, after)``.

Every committed write, by any process (``creditkb load``, an API mutation, an undo), is in
the store's change log (:meth:`graph_model.store.port.Store.changes_after`): one poller per
process (:class:`EventHub`: every :data:`POLL_S` seconds, and at once when this process
wrote) wakes its subscriptions, which read on from their own positions (a page read once
for all of them) and send what their key may see (:mod:`queries.feed`).  A subscription
of region R gets the list entries R's regulator would see on its shared watchlist (the
one sharing rule, :func:`queries.rules.watchlist.list_basis`), or the records about the
subjects its reads would show.  A client that comes back with ``after`` (the last
position it received) misses nothing; a position the log no longer holds is
``FEED_POSITION_EXPIRED``.  Served over WebSocket (graphql-transport-ws or graphql-ws) at
/graphql; the key goes in the connection_init payload (``{"Authorization": "Bearer ..."}``)
or the handshake's Authorization header.

The key is checked again before every event is sent, and the hub watches for revoked keys
(each poll): a subscription of a key revoked meanwhile gets an ``UNAUTHENTICATED`` error,
and its connection is closed with code 4403, reason "API key revoked"
(:data:`api.audit.REVOKED_CLOSE`).  Every subscription is audited when it starts and for
each event it sends (:mod:`api.audit`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from enum import Enum
from functools import partial
from typing import Annotated, AsyncGenerator, Awaitable, Callable, Hashable, Union

import strawberry
from strawberry.types import Info

from graph_model.i18n import message
from queries.access.state import AccessStore, now
from queries.access.subject_keys import SUBJECT_ROLE, subject_key_vis
from api.audit import close_revoked
from api.context import RequestContext, Scope, blocking, scales
from api.errors import ApiError, BadInput, Unauthenticated
from api.types import RECORD_TYPES, Basis, ListEntry, Subject, maybe_subject, record_out
from graph_model.store.port import Change, ChangesTrimmed, Node as StoreNode, Store
from queries.access.visibility import (
    Vis, record_personal_clear, record_visibility, subject_visibility,
)
from queries.feed import (
    PAGE, RECORD_LABELS, FeedItem, check_kinds, feed_items, gone_visibility,
    subjects_visibility, withdrawn_list_entries,
)
from queries.rules.jurisdiction import Agreement, Jurisdictions, agreements_covering
from queries.rules.watchlist import list_basis

log = logging.getLogger(__name__)

POLL_S = 0.2
#: pages of the change log a process keeps for its subscriptions (see EventHub.page)
PAGES_KEPT = 32
#: the event a subscription is sent when its key is revoked
REVOKED = {"change": "REVOKED"}
#: the event a subscription is sent when the change log grew: it reads on from its position
WAKE = "wake"
#: the record kinds ``watchlistChanges`` hears of: list entries, and the objections that
#: withdrew or corrected one (:func:`queries.feed.withdrawn_list_entries`)
WATCH_KINDS = ("ListEntry", "Objection")


@dataclass(frozen=True)
class Page:
    """A stretch of the change log as a process's subscriptions read it: the positions
    after ``after`` up to ``last`` (every entry in it examined), the ``changes`` of the
    kinds they want among them (and of nodes that went, whatever their label: what a
    removed record's subject was), and the records those wrote or removed."""

    after: int
    last: int
    changes: list[Change]
    items: list[FeedItem]


class FeedPositionExpired(ApiError):
    """A subscription asked to resume after a position the change log no longer holds."""

    code = ChangesTrimmed.code


class EventHub:
    """One poller per process for all its subscriptions: it watches the change log's last
    position (:meth:`graph_model.store.port.Store.last_change`, one small read every
    :data:`POLL_S` seconds, at once when this process wrote) and wakes the subscriptions,
    each of which reads on from its own position; it also tells them of revoked keys.

    Why a poll: the embedded store is SQLite, which cannot notify another process of a
    commit, and Neo4j community has no change feed either (its change data capture is an
    enterprise feature).  The poll costs one indexed read per process, not per
    subscriber, and a commit by ``creditkb load`` in another process is heard within a
    poll interval on every worker."""

    def __init__(self, access: AccessStore, store: Store | None = None):
        self.access = access
        self.store = store
        #: each subscription's queue, the id of the key it was opened with, and the record
        #: kinds it wants
        self.queues: weakref.WeakKeyDictionary[asyncio.Queue, tuple[str, tuple[str, ...]]] = \
            weakref.WeakKeyDictionary()
        self._task: asyncio.Task | None = None
        self._wake: asyncio.Event | None = None
        self.last = 0
        self._revoked_check = now()
        #: the pages of the log read lately, by position and the kinds read: the
        #: subscriptions of a process reading the same stretch share one read (they differ
        #: only in what they may see)
        self._pages: OrderedDict[tuple[int, tuple[str, ...]], asyncio.Future] = OrderedDict()
        #: what the subscriptions of one scope may hear of a page, by (position, scope):
        #: judged once for all of them (see :meth:`visible`)
        self._seen: OrderedDict[tuple, asyncio.Future] = OrderedDict()

    def kinds(self) -> tuple[str, ...]:
        """The record kinds this process's subscriptions want, all of them: what it reads
        of the change log (the entries of other labels, a load's monitoring alarms to a
        dashboard of penalties, are skipped in the store, their nodes never decoded)."""
        return tuple(sorted({k for _, kinds in list(self.queues.values()) for k in kinds}))

    async def page(self, after: int) -> Page:
        """The page of the change log after ``after`` for the kinds this process's
        subscriptions want (:meth:`kinds`), read once for all of them."""
        key = (after, self.kinds())
        task = self._pages.get(key)
        if task is None or (task.done() and task.exception() is not None):
            task = asyncio.ensure_future(blocking(_read_page, self.store, *key))
            self._pages[key] = task
            while len(self._pages) > PAGES_KEPT:
                self._pages.popitem(last=False)
        page = await asyncio.shield(task)
        if page.last == after and self._pages.get(key) is task:
            del self._pages[key]  # nothing yet: the next look must read again
        return page

    async def visible(self, page: tuple[int, int], scope: Hashable,
                      judge: Callable[[], Awaitable[list[FeedItem]]]) -> list[FeedItem]:
        """The items of a page (its first and last positions) that subscriptions of
        ``scope`` (all that decides what they may hear: key, region, kinds, day) may hear:
        ``judge()``, run once for all this process's subscriptions of that scope reading
        that page (the dashboards of one city are many; judging a load's thousands of
        subjects is the feed's main work)."""
        key = (page, scope)
        task = self._seen.get(key)
        if task is None or (task.done() and task.exception() is not None):
            task = asyncio.ensure_future(judge())
            self._seen[key] = task
            while len(self._seen) > PAGES_KEPT * 4:
                self._seen.popitem(last=False)
        return await asyncio.shield(task)

    def poke(self) -> None:
        """This process wrote: look at the log without waiting for the next poll."""
        if self._wake is not None:
            loop = self._task.get_loop() if self._task else None
            if loop is not None and loop.is_running():
                loop.call_soon_threadsafe(self._wake.set)

    async def subscribe(self, key_id: str, kinds: tuple[str, ...]) -> asyncio.Queue:
        if self._task is None or self._task.done():
            self._wake = asyncio.Event()
            self._task = asyncio.get_running_loop().create_task(self._run())
        queue: asyncio.Queue = asyncio.Queue()
        self.queues[queue] = (key_id, kinds)
        return queue

    async def _revocations(self) -> None:
        """Tell the subscriptions of keys revoked since the last look (a sentinel event)."""
        checked = now()
        revoked = {k for k, _ in await blocking(self.access.revoked_since, self._revoked_check)}
        self._revoked_check = checked
        for q, (key_id, _) in list(self.queues.items()):
            if key_id in revoked:
                q.put_nowait(REVOKED)

    async def _run(self) -> None:
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), POLL_S)
            except asyncio.TimeoutError:
                pass
            self._wake.clear()
            if not self.queues:
                continue
            try:
                await self._revocations()
                last = await blocking(self.store.last_change)
            except Exception:  # a store or state briefly unreadable: try at the next poll
                log.warning("the change-log poll failed", exc_info=True)
                continue
            if last != self.last:
                self.last = last
                for q in list(self.queues):
                    if q.empty():  # one wake is enough: the subscription reads all there is
                        q.put_nowait(WAKE)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()


def _read_page(store: Store, after: int, kinds: tuple[str, ...]) -> Page:
    read = store.changes_of(after, kinds, PAGE, gone=True, nodes=True)
    return Page(after, read.last, read.changes, feed_items(read.changes, kinds))


def parse_position(after: str | None) -> int | None:
    """A position a client kept (decimal digits), or None for "from now on"."""
    if after is None:
        return None
    if not after.isdigit() or len(after) > 18:
        raise BadInput(message("feed.error.after", after=repr(after)))
    return int(after)


async def follow(ctx: RequestContext, operation: str, after: str | None,
                 kinds: tuple[str, ...]) -> AsyncGenerator[Page, None]:
    """The pages of the change log after ``after`` (default: the last position now) that
    hold records of ``kinds`` written or removed (:meth:`EventHub.page`: its items may
    hold other kinds too), as they are committed; the key checked before each page
    (revoked: the connection closes, see the module docstring)."""
    pos = parse_position(after)
    queue = await ctx.hub.subscribe(ctx.key.key_id, kinds)  # before the position: no gap
    if pos is None:
        pos = await blocking(ctx.store.last_change)
    event = WAKE
    while True:
        if event is REVOKED or not await blocking(ctx.access.is_active, ctx.key.key_id):
            ctx.audit.operations.append(operation)
            close_revoked(ctx)
            raise Unauthenticated(message("feed.error.key_revoked"))
        while True:
            try:
                page = await ctx.hub.page(pos)
            except ChangesTrimmed as exc:
                raise FeedPositionExpired(message("feed.error.position_expired", after=str(exc.after),
                                                 oldest=str(exc.oldest))) from None
            if page.last == pos:
                break
            pos = page.last  # past the entries of other kinds too
            if page.items:
                yield page
        event = await queue.get()


@strawberry.enum(description="What happened to a list entry")
class ChangeKind(Enum):
    ADDED = "ADDED"
    REMOVED = "REMOVED"


POSITION_DOC = ("Its position in the store's change log (decimal digits): give the last one "
                "received as `after` when reconnecting, and nothing is missed")


@strawberry.type(description="A list entry added to or removed from a watchlist the region sees")
class WatchlistChange:
    change: ChangeKind
    region: str
    entry: ListEntry
    basis: Basis
    counted_by: str = strawberry.field(description="'own jurisdiction' or the agreement's name")
    position: str = strawberry.field(description=POSITION_DOC)
    at: str = strawberry.field(description="When the write was committed (ISO 8601, UTC)")

    @strawberry.field(description="The subject listed (null when outside the key's scope)")
    async def subject(self, info: Info) -> Subject | None:
        return await maybe_subject(info.context, str(self.entry.subject_id))


@strawberry.enum(description="What a write did to a record")
class RecordChangeKind(Enum):
    WRITTEN = strawberry.enum_value("WRITTEN", description="created, corrected or restored")
    REMOVED = strawberry.enum_value("REMOVED", description="taken back by the undo of its load")


FeedRecord = Annotated[Union[tuple(RECORD_TYPES[label] for label in RECORD_LABELS)],
                       strawberry.union("FeedRecord", description="A record the feed carries")]


@strawberry.type(description="A record written or removed by a load, a mutation or an undo, "
                             "as the store committed it")
class RecordChange:
    position: str = strawberry.field(description=POSITION_DOC)
    at: str = strawberry.field(description="When the write was committed (ISO 8601, UTC)")
    change: RecordChangeKind
    kind: str = strawberry.field(description="The record's label (Penalty, ListEntry, ...)")
    region: str
    subject_id: strawberry.ID | None = strawberry.field(description="The subject's id")
    _node: strawberry.Private[StoreNode]
    _clear: strawberry.Private[bool]

    @strawberry.field(description="The record as it is now (as it was, when removed)")
    def record(self) -> FeedRecord:
        # built when asked for: a load's pages carry thousands of changes, and a client
        # that follows positions or counts does not ask for the records
        return record_out(self._node, self._clear)

    @strawberry.field(description="The subject (null when it is gone or outside the key's "
                                  "scope)")
    async def subject(self, info: Info) -> Subject | None:
        return await maybe_subject(info.context, self.subject_id and str(self.subject_id))


@strawberry.type(description="The records one stretch of the change log wrote or removed "
                             "that the key may see: a load's thousands of rows come a page "
                             "at a time, not a message each")
class RecordChanges:
    position: str = strawberry.field(description="The last change-log position this stretch "
                                                 "covers (decimal digits): give the last one "
                                                 "received as `after` when reconnecting, and "
                                                 "nothing is missed")
    changes: list[RecordChange] = strawberry.field(description="In commit order")


def _start(ctx: RequestContext, operation: str) -> None:
    if ctx.key is None or ctx.revoked:
        close_revoked(ctx)
        raise Unauthenticated(message("feed.error.key_revoked" if ctx.revoked else "error.no_key"))
    ctx.audit.operations.append(operation)


def _entry_changes(ctx: RequestContext, region: str, items: list[FeedItem]
                   ) -> list[WatchlistChange]:
    """The list entries' changes the regulator of ``region`` sees (those shared with it),
    the agreements covering it read once for them all (a load's list entries come
    thousands a page)."""
    agreements, day = agreements_covering(ctx.store, [region]), dt.date.today()
    jur = ctx.services.jurisdictions()
    return [change for item in items
            if (change := _entry_change(region, item, agreements, day, jur)) is not None]


def _entry_change(region: str, item: FeedItem, agreements: tuple[Agreement, ...],
                  day: dt.date, jur: Jurisdictions) -> WatchlistChange | None:
    """A list entry's change as the regulator of ``region`` sees it (None: not shared)."""
    p = item.node.props
    seen = list_basis(p.get("agency_region"), p.get("list_kind"), region, agreements, day,
                      agency=p.get("agency"), jur=jur)
    if seen is None:
        return None
    removed = item.removed or bool(p.get("removed_on"))
    node = item.node if p.get("subject_uid") or not item.subject else \
        StoreNode(item.node.uid, item.label, {**p, "subject_uid": item.subject})
    return WatchlistChange(change=ChangeKind.REMOVED if removed else ChangeKind.ADDED,
                           region=region, entry=record_out(node), basis=Basis(seen.basis),
                           counted_by=seen.counted_by, position=str(item.pos), at=item.at)


async def _visible(ctx: RequestContext, region: str, items: list[FeedItem],
                   changes: list[Change]) -> list[FeedItem]:
    """The items whose subject the key sees from ``region``, as the reads decide.  The
    subject's registration and the item's own record decide most at once (either is part
    of what the reads look at); the rest get the full check, batched, from their records'
    facets (:func:`queries.feed.subjects_visibility`)."""
    scope = Scope(ctx, region)
    regions, agreements = await scope.regions(), await scope.agreements()
    jur = ctx.services.jurisdictions()
    subjects = [i.subject for i in items if i.subject]
    nodes = dict(zip(subjects, await ctx.loaders.nodes.load_many(subjects)))
    seen: dict[int, Vis] = {}
    rest = []
    for n, item in enumerate(items):
        subject = nodes.get(item.subject)
        if subject_visibility(subject, regions) is Vis.OWN or record_visibility(
                [item.node], regions, agreements, ctx.today, scales(), jur) is not Vis.NONE:
            seen[n] = Vis.OWN
        elif subject is not None:
            rest.append(n)
        else:  # the subject went too: judged by what it was
            gone = next((StoreNode(c.uid, c.label, c.gone) for c in changes
                         if c.uid == item.subject and c.gone is not None), None)
            seen[n] = gone_visibility(item, gone, regions, agreements, ctx.today, scales(), jur)
    if rest:
        vis = await blocking(subjects_visibility, ctx.store, [items[n].subject for n in rest],
                             regions, agreements, ctx.today, scales(), jur)
        if ctx.key.role == SUBJECT_ROLE:  # as Scope._batch
            vis = {u: subject_key_vis(ctx.key.subject, u, v) for u, v in vis.items()}
        seen.update((n, vis[items[n].subject]) for n in rest)
    return [item for n, item in enumerate(items) if seen[n] is not Vis.NONE]


@strawberry.type
class Subscription:
    @strawberry.subscription(description="List entries added and removed that the regulator of "
                                         "`region` (default: the key's) sees on its shared "
                                         "watchlist, as they are committed: by API writes, "
                                         "loads (`creditkb load` in any process) and undos. "
                                         "after: the position of the last change received, to "
                                         "resume from (default: from now on)")
    async def watchlist_changes(self, info: Info, region: str | None = None,
                                after: str | None = None
                                ) -> AsyncGenerator[WatchlistChange, None]:
        ctx: RequestContext = info.context
        _start(ctx, "watchlistChanges")
        region = ctx.check_region(region)
        parse_position(after)
        await ctx.record()  # the subscription starts (each event it sends: api.audit)
        async for page in follow(ctx, "watchlistChanges", after, WATCH_KINDS):
            ctx.fresh()
            withdrawn = await blocking(withdrawn_list_entries, ctx.store, page.items)
            entries = sorted([i for i in page.items if i.label == "ListEntry"] + withdrawn,
                             key=lambda i: i.pos)
            for change in await blocking(_entry_changes, ctx, region, entries):
                ctx.audit.operations.append("watchlistChanges")
                yield change

    @strawberry.subscription(description="Records of `kinds` (default: every record kind) "
                                         "written or removed about subjects the key sees from "
                                         "`region` (default: the key's; as the reads decide), "
                                         "as they are committed: by loads (`creditkb load` in "
                                         "any process), API writes and undos, a stretch of the "
                                         "change log at a time. after: the "
                                         "position of the last change received, to resume "
                                         "from (default: from now on); a position the change "
                                         "log no longer holds is FEED_POSITION_EXPIRED")
    async def record_changes(self, info: Info, region: str | None = None,
                             kinds: list[str] | None = None, after: str | None = None
                             ) -> AsyncGenerator[RecordChanges, None]:
        ctx: RequestContext = info.context
        _start(ctx, "recordChanges")
        region = ctx.check_region(region)
        parse_position(after)
        try:
            kinds = check_kinds(kinds)
        except ValueError as exc:
            raise BadInput(str(exc)) from None
        await ctx.record()
        key = ctx.key
        # all that decides what a subscription may hear (Scope: the key's region, agency,
        # role and firm; the region asked; the day) and what it asked for
        scope = (key.region, key.agency, key.role, key.subject, region, kinds)
        async for page in follow(ctx, "recordChanges", after, kinds):
            ctx.fresh()
            items = [i for i in page.items if i.label in kinds]
            seen = await ctx.hub.visible((page.after, page.last), (*scope, ctx.today),
                                         partial(_visible, ctx, region, items, page.changes))
            if not seen:
                continue
            ctx.audit.operations.append("recordChanges")
            ctx.audit.read.update(item.subject or item.node.uid for item in seen)
            yield RecordChanges(position=str(page.last), changes=[RecordChange(
                position=str(item.pos), at=item.at, kind=item.label, region=region,
                change=RecordChangeKind.REMOVED if item.removed else RecordChangeKind.WRITTEN,
                subject_id=strawberry.ID(item.subject) if item.subject else None,
                _node=item.node, _clear=record_personal_clear(item.node, key.region, key.role))
                for item in seen])
