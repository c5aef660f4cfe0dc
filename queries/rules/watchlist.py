"""Shared watchlists (DOMAIN.md rule 5, case #3): the list entries a region's regulator works
from on a day.

An entry is *in force* on ``as_of`` from its ``listed_on`` until its ``removed_on``
(exclusive: removed on X means gone for ``as_of >= X``).  The regulator of ``region`` sees

* the entries of its own agencies: agencies in ``region`` or inside it, and those of the
  regions above it (a provincial list binds its cities); and
* the entries of its partners: agencies inside a member of an agreement that covers
  ``region`` (the region or one above it is a member), is in force on ``as_of`` and
  shares that list kind (``list_kinds`` empty: all kinds).

With ``jurisdiction_only`` only entries about subjects registered or based in ``region``
are kept (the subject's ``region_code`` lies in it): Suzhou filtering Wuxi's airport-taxi
list down to the taxis it governs (#3).  Subjects without a known region are left out then.

Pages are in entry-uid order (``ListEntry:<kind>|<subject>|<region>|<date>``): stable, and
continued with ``after=page.next_after``.
"""

from __future__ import annotations

import datetime as dt
import heapq
from dataclasses import dataclass
from typing import Iterable

from graph_model.enums import ListKind
from graph_model.store.port import Node, Store
from queries.dates import InvalidInput, parse_as_of
from queries.rules.jurisdiction import (
    Agreement, agreements_covering, check_limit, check_region, inside, overlapping, overlaps,
    record_date, record_optional_date, within,
)
from queries.rules.recognition import OWN

__all__ = ["WatchlistEntry", "WatchlistSource", "WatchlistPage", "ListBasis", "list_basis",
           "shared_watchlist", "list_kinds"]


def list_kinds() -> tuple[str, ...]:
    """The list kinds (名单类型), as the schema's value set :class:`~graph_model.enums.ListKind`."""
    return tuple(k.value for k in ListKind)


@dataclass(frozen=True)
class ListBasis:
    """Why a region's regulator sees a list entry: its own jurisdiction, or an agreement."""

    agreement: Agreement | None = None  # None: own jurisdiction

    @property
    def own(self) -> bool:
        return self.agreement is None

    @property
    def counted_by(self) -> str:
        """``'own jurisdiction'`` or the agreement's name."""
        return OWN if self.agreement is None else self.agreement.name


def list_basis(issuer: str | None, list_kind: str | None, region: str,
               agreements: Iterable[Agreement], day: dt.date) -> ListBasis | None:
    """The sharing rule (rule 5): why the regulator of ``region`` sees on ``day`` a list
    entry of ``list_kind`` issued by an agency of ``issuer``, or None when it does not.

    Its own when one of the two regions contains the other; else through the first of
    ``agreements`` (each covering ``region``) that is in force on ``day``, shares the list
    kind and covers the issuer.

    Examples
    --------
    >>> list_basis("320506", "严重失信", "320500", (), dt.date(2026, 6, 1)).counted_by
    'own jurisdiction'
    >>> list_basis("330100", "严重失信", "320500", (), dt.date(2026, 6, 1)) is None
    True
    """
    if overlaps(issuer, region):
        return ListBasis()
    for a in agreements:
        if a.in_force(day) and a.shares_list(list_kind) and a.covers(issuer):
            return ListBasis(a)
    return None


@dataclass(frozen=True)
class WatchlistEntry:
    """A list entry in force, with the subject it names and why the region sees it."""

    uid: str
    list_kind: str
    subject: str
    subject_name: str | None
    subject_region: str | None
    listed_on: dt.date
    removed_on: dt.date | None
    reason: str | None
    agency: str | None
    agency_region: str
    counted_by: str  # "own jurisdiction" or the agreement's name
    agreement: str | None  # agreement uid, None for own jurisdiction


@dataclass(frozen=True)
class WatchlistSource:
    """One place the list draws from: own agencies or an agreement's partners."""

    counted_by: str
    agreement: str | None
    list_kinds: tuple[str, ...]  # empty: every kind
    regions: tuple[str, ...]  # member regions (own: the region itself)


@dataclass(frozen=True)
class WatchlistPage:
    region: str
    as_of: dt.date
    list_kind: str | None
    jurisdiction_only: bool
    entries: tuple[WatchlistEntry, ...]
    next_after: str | None  # pass as ``after`` for the next page; None: no more
    sources: tuple[WatchlistSource, ...]


def shared_watchlist(store: Store, region: str, as_of, list_kind: str | None = None,
                     jurisdiction_only: bool = False, after: str | None = None,
                     limit: int = 100) -> WatchlistPage:
    """The watchlist entries the regulator of ``region`` sees on ``as_of``.

    Parameters
    ----------
    store : Store
    region : str
        Six-digit division code of the regulator.
    as_of : datetime.date or str
    list_kind : str, optional
        One of 重点监管, 重点关注, 严重失信, 红名单, 守信激励, 白名单; default every kind.
    jurisdiction_only : bool
        Keep only entries about subjects registered or based in ``region``.
    after : str, optional
        Entry uid to continue after (``next_after`` of the previous page).
    limit : int
        Page size, 1 to 10,000.

    Returns
    -------
    WatchlistPage
        ``entries`` (each with its subject, dates, agency and ``counted_by``: own
        jurisdiction or the agreement that shares it), ``next_after`` and the ``sources``
        consulted.

    Raises
    ------
    queries.dates.InvalidInput
        Unknown region or list kind, a bad date or limit, a malformed agreement.

    Examples
    --------
    On the demo data (case #3): Wuxi lists four airport taxis under 重点监管; 苏BT2860 was
    removed on 2024-10-15; two are Suzhou taxis, which Suzhou keeps with
    ``jurisdiction_only``::

        >>> page = shared_watchlist(store, "320500", "2026-06-01", "重点监管",
        ...                         jurisdiction_only=True)
        >>> [(e.subject, e.counted_by[:6]) for e in page.entries if e.agency_region == "320200"]
        [('Vehicle:苏E3T519', '“苏锡常通”'), ('Vehicle:苏ED12876', '“苏锡常通”')]
    """
    day = parse_as_of(as_of)
    region = check_region(region)
    limit = check_limit(limit)
    if list_kind is not None and list_kind not in list_kinds():
        raise InvalidInput(f"list_kind: {list_kind!r} is not one of {', '.join(list_kinds())}")
    if after is not None and not isinstance(after, str):
        raise InvalidInput(f"after: expected an entry id, got {after!r}")
    partners = sorted((a for a in agreements_covering(store, [region])
                       if a.in_force(day) and (list_kind is None or a.shares_list(list_kind))),
                      key=lambda a: (a.name, a.uid))

    sources = [WatchlistSource(OWN, None, (list_kind,) if list_kind else (), (region,))]
    wheres = [{"agency_region": sorted(overlapping(region)),
               **({"list_kind": list_kind} if list_kind else {})}]
    for a in partners:
        kinds = (list_kind,) if list_kind else a.list_kinds
        sources.append(WatchlistSource(a.name, a.uid, kinds, a.members))
        codes = sorted(set().union(*(inside(m) for m in a.members)))
        wheres.append({"agency_region": codes, **({"list_kind": list(kinds)} if kinds else {})})

    batch = min(max(limit, 100), 5000)
    merged = heapq.merge(*(store.iter_nodes("ListEntry", w, after=after, page=batch)
                           for w in wheres), key=lambda n: n.uid)
    entries: list[WatchlistEntry] = []
    last = None
    chunk: list[tuple[Node, ListBasis]] = []

    def flush() -> bool:
        subjects = store.get_nodes({n.props.get("subject_uid") for n, _ in chunk} - {None})
        for n, basis in chunk:
            subj = subjects.get(n.props.get("subject_uid"))
            subj_region = subj.props.get("region_code") if subj else None
            if jurisdiction_only and not within(subj_region, region):
                continue
            p = n.props
            entries.append(WatchlistEntry(
                n.uid, p.get("list_kind"), p.get("subject_uid"),
                subj.props.get("name") if subj else None, subj_region,
                record_date(n, "listed_on"), record_optional_date(n, "removed_on"),
                p.get("reason"), p.get("agency"), p.get("agency_region"), basis.counted_by,
                None if basis.own else basis.agreement.uid))
            if len(entries) == limit:
                return True
        chunk.clear()
        return False

    full = False
    for node in merged:
        if node.uid == last:
            continue
        last = node.uid
        listed, removed = record_date(node, "listed_on"), record_optional_date(node, "removed_on")
        if not (listed <= day and (removed is None or day < removed)):
            continue
        basis = list_basis(node.props.get("agency_region"), node.props.get("list_kind"), region,
                           partners, day)
        if basis is None:
            continue
        chunk.append((node, basis))
        if len(chunk) >= limit - len(entries) and flush():
            full = True
            break
    if not full and chunk:
        full = flush()
    next_after = entries[-1].uid if full else None
    return WatchlistPage(region, day, list_kind, bool(jurisdiction_only), tuple(entries),
                         next_after, tuple(sources))
