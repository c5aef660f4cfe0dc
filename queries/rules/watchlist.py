"""Shared watchlists (DOMAIN.md rule 5, case #3): the list entries a region's regulator works
from on a day.

An entry is *in force* on ``as_of`` from its ``listed_on`` until its ``removed_on``
(exclusive: removed on X means gone for ``as_of >= X``).  The regulator of ``region`` sees

* the entries of its own agencies: agencies in ``region`` or inside it, and those of the
  regions above it (a provincial list binds its cities); and
* the entries of national and basin authorities whose jurisdiction covers ``region``
  (rule 19, :mod:`queries.rules.jurisdiction`);
* the entries of its partners: agencies inside a member of an agreement that covers
  ``region`` (the region or one above it is a member), is in force on ``as_of`` and
  shares that list kind (``list_kinds`` empty: all kinds); and
* the entries of a nationwide list kind (严重失信, ``queries/data/jurisdiction.yaml``), by
  any agency.

An entry of an incentive list (守信激励) is no longer in force from the first violation of
its subject after it was listed (rule 16, #18: :mod:`queries.rules.incentives`).

With ``jurisdiction_only`` only entries about subjects registered or based in ``region``
are kept (the subject's ``region_code`` lies in it): Suzhou filtering Wuxi's airport-taxi
list down to the taxis it governs (#3).  Subjects without a known region are left out then.

Pages are in entry-uid order (``ListEntry:<kind>|<subject>|<region>|<date>``): stable, and
continued with ``after=page.next_after``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable

from graph_model.i18n import message
from graph_model.enums import ListKind
from graph_model.store.port import Node, Store
from queries.dates import InvalidInput, parse_as_of
from queries.rules.discipline.rules import discipline_rules
from queries.rules.incentives import ENDING_LABELS, incentive_end, incentive_ending_events
from queries.rules.jurisdiction import (
    NATIONAL, NO_JURISDICTIONS, Agreement, BindingRules, Jurisdictions, agreements_covering,
    binding_rules, check_limit, check_region, inside, jurisdictions, merged_page, overlapping,
    record_date, record_optional_date, records_of, within,
)
from queries.rules.recognition import OWN
from queries.versions import counted

__all__ = ["WatchlistEntry", "WatchlistSource", "WatchlistPage", "ListBasis", "list_basis",
           "shared_watchlist", "list_kinds"]


def list_kinds() -> tuple[str, ...]:
    """The list kinds (名单类型), as the schema's value set :class:`~graph_model.enums.ListKind`."""
    return tuple(k.value for k in ListKind)


#: Why a region's regulator sees a list entry (GraphQL's Basis).
BASES = ("OWN", "NATIONAL", "BASIN", "AGREEMENT", "NATIONWIDE")


@dataclass(frozen=True)
class ListBasis:
    """Why a region's regulator sees a list entry: its own jurisdiction, a national or
    basin authority's, an agreement, or a nationwide list kind."""

    agreement: Agreement | None = None  # set for AGREEMENT
    basis: str = "OWN"
    agency: str | None = None  # the authority, for NATIONAL and BASIN

    @property
    def own(self) -> bool:
        return self.basis == "OWN"

    @property
    def counted_by(self) -> str:
        """``'own jurisdiction'``, the authority's jurisdiction, the agreement's name, or
        ``'nationwide'``."""
        if self.agreement is not None:
            return self.agreement.name
        if self.basis in ("NATIONAL", "BASIN"):
            return f"{self.agency} ({self.basis.lower()} jurisdiction)"
        return "nationwide" if self.basis == "NATIONWIDE" else OWN


def list_basis(issuer: str | None, list_kind: str | None, region: str,
               agreements: Iterable[Agreement], day: dt.date, *, agency: str | None = None,
               jur: Jurisdictions = NO_JURISDICTIONS,
               rules: BindingRules | None = None) -> ListBasis | None:
    """The sharing rule (rules 5 and 19): why the regulator of ``region`` sees on ``day``
    a list entry of ``list_kind`` issued by ``agency`` of ``issuer``, or None when it does
    not.

    Its own when one of the two regions contains the other; else the national or basin
    jurisdiction of ``agency`` (``jur``) when it covers ``region``; else the first of
    ``agreements`` (each covering ``region``) that is in force on ``day``, shares the list
    kind and covers the issuer; else nationwide when the list kind binds nationwide
    (``rules``, default ``queries/data/jurisdiction.yaml``).

    Examples
    --------
    >>> list_basis("320506", "严重失信", "320500", (), dt.date(2026, 6, 1)).counted_by
    'own jurisdiction'
    >>> list_basis("330100", "严重失信", "320500", (), dt.date(2026, 6, 1)).counted_by
    'nationwide'
    >>> list_basis("330100", "重点监管", "320500", (), dt.date(2026, 6, 1)) is None
    True
    """
    found = jur.basis(agency, issuer, region, day)
    if found == "OWN":
        return ListBasis()
    if found is not None:
        return ListBasis(basis=found, agency=agency)
    for a in agreements:
        if a.in_force(day) and a.shares_list(list_kind) and a.covers(issuer):
            return ListBasis(a, "AGREEMENT")
    if (rules or binding_rules()).nationwide(list_kind):
        return ListBasis(basis="NATIONWIDE")
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
    counted_by: str  # "own jurisdiction", an authority's jurisdiction, the agreement's name, "nationwide"
    agreement: str | None  # agreement uid, None unless shared by an agreement
    basis: str = "OWN"  # OWN, NATIONAL, BASIN, AGREEMENT or NATIONWIDE
    #: the day the entry's open objection was filed, and the objection (rule 21)
    under_objection_since: dt.date | None = None
    under_objection: str | None = None


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
        raise InvalidInput(message("error.watchlist.list_kind", kind=repr(list_kind),
                                   known=", ".join(list_kinds())))
    if after is not None and not isinstance(after, str):
        raise InvalidInput(message("error.watchlist.after", value=repr(after)))
    partners = sorted((a for a in agreements_covering(store, [region])
                       if a.in_force(day) and (list_kind is None or a.shares_list(list_kind))),
                      key=lambda a: (a.name, a.uid))

    jur = jurisdictions(store)
    binding = binding_rules()
    only = {"list_kind": list_kind} if list_kind else {}
    sources = [WatchlistSource(OWN, None, (list_kind,) if list_kind else (), (region,))]
    wheres = [{"agency_region": sorted(overlapping(region)), **only}]
    for j in jur.binding(region, day):
        if j.seats:
            sources.append(WatchlistSource(f"{j.agency} ({j.basis.lower()} jurisdiction)", None,
                                           (list_kind,) if list_kind else (), j.regions))
            wheres.append({"agency_region": list(j.seats), **only})
    for a in partners:
        kinds = (list_kind,) if list_kind else a.list_kinds
        sources.append(WatchlistSource(a.name, a.uid, kinds, a.members))
        codes = sorted(set().union(*(inside(m) for m in a.members)))
        wheres.append({"agency_region": codes, **({"list_kind": list(kinds)} if kinds else {})})
    everywhere = [k for k in binding.nationwide_list_kinds if list_kind in (None, k)]
    if everywhere:
        sources.append(WatchlistSource("nationwide", None, tuple(everywhere), (NATIONAL,)))
        wheres.append({"list_kind": everywhere})
    incentive_kinds = set(discipline_rules().incentive_list_kinds())

    batch = min(max(limit, 100), 5000)

    def keep(node: Node) -> ListBasis | None:
        listed, removed = record_date(node, "listed_on"), record_optional_date(node, "removed_on")
        if not (listed <= day and (removed is None or day < removed)):
            return None
        return list_basis(node.props.get("agency_region"), node.props.get("list_kind"), region,
                          partners, day, agency=node.props.get("agency"), jur=jur,
                          rules=binding)

    def accept(chunk: list[tuple[Node, ListBasis]]):
        versions = {n.uid: n for n in counted(store, [n for n, _ in chunk], day)}  # rule 21
        chunk = [(versions[n.uid], b) for n, b in chunk if n.uid in versions]
        subjects = store.get_nodes({n.props.get("subject_uid") for n, _ in chunk} - {None})
        ended = _ended_incentives(store, [n for n, _ in chunk
                                          if n.props.get("list_kind") in incentive_kinds], day)
        for n, basis in chunk:
            if n.uid in ended:
                continue
            subj = subjects.get(n.props.get("subject_uid"))
            subj_region = subj.props.get("region_code") if subj else None
            if jurisdiction_only and not within(subj_region, region):
                continue
            p = n.props
            yield WatchlistEntry(
                n.uid, p.get("list_kind"), p.get("subject_uid"),
                subj.props.get("name") if subj else None, subj_region,
                record_date(n, "listed_on"), record_optional_date(n, "removed_on"),
                p.get("reason"), p.get("agency"), p.get("agency_region"), basis.counted_by,
                basis.agreement.uid if basis.agreement else None, basis.basis,
                record_optional_date(n, "under_objection_since"), p.get("under_objection"))

    entries, full = merged_page([store.iter_nodes("ListEntry", w, after=after, page=batch)
                                 for w in wheres], keep, accept, limit)
    next_after = entries[-1].uid if full else None
    return WatchlistPage(region, day, list_kind, bool(jurisdiction_only), tuple(entries),
                         next_after, tuple(sources))


def _ended_incentives(store: Store, entries: list[Node], day: dt.date) -> set[str]:
    """The incentive-list entries among ``entries`` whose effects an event ended on or
    before ``day`` (rule 16)."""
    if not entries:
        return set()
    fetched = records_of(store, sorted({n.props.get("subject_uid") for n in entries} - {None}),
                         list(ENDING_LABELS), as_of=day)
    out = set()
    for n in entries:
        events = incentive_ending_events(fetched.get(n.props.get("subject_uid"), ()))
        end = incentive_end(record_date(n, "listed_on"), record_optional_date(n, "removed_on"),
                            events)
        if end is not None and end.day <= day:
            out.add(n.uid)
    return out
