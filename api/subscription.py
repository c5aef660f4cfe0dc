"""Live watchlists (DOMAIN.md #3, "shared in real time"): ``watchlistChanges(region)``.

List entries added and removed through the API are appended to the access state's event
table (:mod:`queries.access.state`), which every worker process reads: one poller per process
(every :data:`POLL_S` seconds, and at once when this process wrote) fans events out to its
subscriptions.  A subscription of region R gets the changes R's regulator would see on
its shared watchlist (the one sharing rule, :func:`queries.rules.watchlist.list_basis`).  Served over WebSocket (graphql-transport-ws or graphql-ws) at
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
import weakref
from enum import Enum
from typing import AsyncGenerator

import strawberry
from strawberry.types import Info

from queries.access.state import AccessStore, now
from api.audit import close_revoked
from api.context import RequestContext, blocking
from api.errors import Unauthenticated
from api.types import Basis, ListEntry, Subject, maybe_subject, record_out
from graph_model.store.port import Node as StoreNode
from queries.rules.jurisdiction import agreements_covering
from queries.rules.watchlist import ListBasis, list_basis

POLL_S = 0.2
#: the event a subscription is sent when its key is revoked
REVOKED = {"change": "REVOKED"}


class EventHub:
    """Fans the watchlist events of the access state out to this process's subscriptions."""

    def __init__(self, access: AccessStore):
        self.access = access
        #: each subscription's queue, and the id of the key it was opened with
        self.queues: weakref.WeakKeyDictionary[asyncio.Queue, str] = weakref.WeakKeyDictionary()
        self._task: asyncio.Task | None = None
        self._wake: asyncio.Event | None = None
        self._last = None
        self._revoked_check = now()

    def poke(self) -> None:
        """This process wrote an event: deliver it without waiting for the next poll."""
        if self._wake is not None:
            loop = self._task.get_loop() if self._task else None
            if loop is not None and loop.is_running():
                loop.call_soon_threadsafe(self._wake.set)

    async def subscribe(self, key_id: str) -> asyncio.Queue:
        if self._task is None or self._task.done():
            self._wake = asyncio.Event()
            self._last = self.access.last_event()
            self._task = asyncio.get_running_loop().create_task(self._run())
        queue: asyncio.Queue = asyncio.Queue(maxsize=1000)
        self.queues[queue] = key_id
        return queue

    async def _revocations(self) -> None:
        """Tell the subscriptions of keys revoked since the last look (a sentinel event)."""
        checked = now()
        revoked = {k for k, _ in await blocking(self.access.revoked_since, self._revoked_check)}
        self._revoked_check = checked
        for q, key_id in list(self.queues.items()):
            if key_id in revoked and not q.full():
                q.put_nowait(REVOKED)

    async def _run(self) -> None:
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), POLL_S)
            except asyncio.TimeoutError:
                pass
            self._wake.clear()
            if not self.queues:
                # nobody listens: skip what happens meanwhile, a later subscriber starts now
                self._last = await blocking(self.access.last_event)
                continue
            await self._revocations()
            events = await blocking(self.access.events_after, self._last)
            for seq, event in events:
                self._last = seq
                for q in list(self.queues):
                    if not q.full():
                        q.put_nowait(event)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()


@strawberry.enum(description="What happened to a list entry")
class ChangeKind(Enum):
    ADDED = "ADDED"
    REMOVED = "REMOVED"


@strawberry.type(description="A list entry added to or removed from a watchlist the region sees")
class WatchlistChange:
    change: ChangeKind
    region: str
    entry: ListEntry
    basis: Basis
    counted_by: str = strawberry.field(description="'own jurisdiction' or the agreement's name")

    @strawberry.field(description="The subject listed (null when outside the key's scope)")
    async def subject(self, info: Info) -> Subject | None:
        return await maybe_subject(info.context, str(self.entry.subject_id))


def _entry(event: dict) -> ListEntry:
    props = {k: event.get(k) for k in ("list_kind", "listed_on", "removed_on", "reason", "agency",
                                       "agency_region")}
    return record_out(StoreNode(event["entry"], "ListEntry", {**props,
                                                              "subject_uid": event.get("subject")}))


def _basis(ctx: RequestContext, region: str, event: dict) -> ListBasis | None:
    return list_basis(event.get("agency_region"), event.get("list_kind"), region,
                      agreements_covering(ctx.store, [region]), dt.date.today(),
                      agency=event.get("agency"), jur=ctx.services.jurisdictions())


@strawberry.type
class Subscription:
    @strawberry.subscription(description="List entries added and removed that the regulator of "
                                         "`region` (default: the key's) sees on its shared "
                                         "watchlist, as they happen")
    async def watchlist_changes(self, info: Info, region: str | None = None
                                ) -> AsyncGenerator[WatchlistChange, None]:
        ctx: RequestContext = info.context
        if ctx.key is None or ctx.revoked:
            close_revoked(ctx)
            raise Unauthenticated("the API key was revoked" if ctx.revoked else "no API key")
        ctx.audit.operations.append("watchlistChanges")
        region = ctx.check_region(region)
        queue = await ctx.hub.subscribe(ctx.key.key_id)
        await ctx.record()  # the subscription starts (each event it sends: api.audit)
        while True:
            event = await queue.get()
            if event is REVOKED or not await blocking(ctx.access.is_active, ctx.key.key_id):
                ctx.audit.operations.append("watchlistChanges")
                close_revoked(ctx)
                raise Unauthenticated("the API key was revoked")
            ctx.fresh()
            seen = await blocking(_basis, ctx, region, event)
            if seen is None:
                continue
            ctx.audit.operations.append("watchlistChanges")
            yield WatchlistChange(change=ChangeKind(event["change"]), region=region,
                                  entry=_entry(event),
                                  basis=Basis(seen.basis),
                                  counted_by=seen.counted_by)
