"""What points buy (#13): the 长洲 lock's queue, where a three-star ship may trade 20 points
for 60 places ("三星级船舶，可享有积分兑换过闸排队往前跳号服务资格，每20积分可兑换往前跳60个
排队号").  The star levels and the rate are the scheme's data (``incentives.exchange``).

The ships waiting at a lock on a day are those whose call at it (a ``port_calls`` record
whose port is the lock) has begun and not ended; they queue in the order they arrived
(the day, then the vessel id: the exchange format gives no hour).  An exchange is a point
entry of the scheme's exchange behaviour (``GX-DH-01``, its points negative) made on the
day the ship waits: it moves the ship forward by ``places`` for every ``points`` spent, if
the ship held an exchanging star level before it spent them; otherwise the entry stands in
the ledger and buys nothing, which the answer says.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from graph_model.i18n import message
from graph_model.store.port import Store
from queries.dates import InvalidInput, parse_as_of, parse_date
from queries.scoring.ledger import gather, ledger
from queries.scoring.schemes import Scheme, SchemeSet

__all__ = ["QueuedShip", "LockQueue", "lock_queue", "lock_scheme"]


@dataclass(frozen=True)
class QueuedShip:
    vessel: str
    arrived_on: dt.date
    arrival_place: int  # 1-based place in the order of arrival
    place: int  # 1-based place after the jumps
    points: float | None  # before any exchange today
    level: str | None
    may_exchange: bool
    spent: float  # points traded today
    jump: int  # places bought
    exchange_records: tuple[str, ...]
    note: str


@dataclass(frozen=True)
class LockQueue:
    lock: str
    as_of: dt.date
    scheme: str
    version: str
    ships: tuple[QueuedShip, ...]  # in the order they pass


def lock_scheme(all_schemes: SchemeSet, lock: str) -> Scheme:
    for s in all_schemes:
        if s.exchange is not None and lock in s.exchange.locks:
            return s
    known = sorted({x for s in all_schemes if s.exchange for x in s.exchange.locks})
    raise InvalidInput(message("error.scoring.lock" if known else "error.scoring.lock_none",
                               lock=repr(lock), known=", ".join(known)))


def lock_queue(store: Store, scheme: Scheme, lock: str, as_of) -> LockQueue:
    """The ships waiting at ``lock`` on ``as_of``, in the order they pass (see the module
    docstring)."""
    day = parse_as_of(as_of)
    ex = scheme.exchange
    iso = day.isoformat()
    waiting = []
    for n in store.iter_nodes("PortCall", {"port": lock}):
        arrived = n.props.get("arrived_on")
        left = n.props.get("departed_on")
        if arrived and arrived <= iso and (not left or left >= iso):
            waiting.append((parse_date(arrived, f"{n.uid} arrived_on"), n.props["subject_uid"]))
    waiting.sort()
    arrivals, seen = [], set()
    for arrived, vessel in waiting:  # a ship waits once, from its first arrival
        if vessel not in seen:
            seen.add(vessel)
            arrivals.append((arrived, vessel))
    ctx = gather(store, scheme, [v for _, v in arrivals], day)
    before = day - dt.timedelta(days=1)
    rows = []
    for i, (arrived, vessel) in enumerate(arrivals, start=1):
        today = ledger(scheme, ctx, vessel, day)
        spent_entries = [e for e in today.entries if e.since == day and e.indicator == ex.behaviour]
        spent = -sum(e.points for e in spent_entries)
        held = ledger(scheme, ctx, vessel, before) if spent_entries else today
        level = held.grade
        may = level in ex.levels
        jump, note = 0, ""
        if spent_entries and may:
            jump = int(spent // ex.points) * ex.places
            note = f"{spent:g} points for {jump} places ({level})"
        elif spent_entries:
            note = f"{spent:g} points traded at {level}, which buys no places"
        rows.append([vessel, arrived, i, held.score, level, may, spent, jump,
                     tuple(e.record for e in spent_entries), note])
    # Each ship moves forward by its jump (never before the head); the others keep their
    # order, and a jumping ship passes only ships that have not jumped past it.
    keyed = sorted(rows, key=lambda r: (max(1, r[2] - r[7]) - (0.5 if r[7] else 0), r[2]))
    ships_out = tuple(QueuedShip(r[0], r[1], r[2], place, r[3], r[4], r[5], r[6], r[7], r[8], r[9])
                      for place, r in enumerate(keyed, start=1))
    return LockQueue(lock, day, scheme.code, scheme.version, ships_out)
