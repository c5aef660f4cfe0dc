"""Firms linked by what they share, though no relationship between them was reported.

Fraud rings show themselves by shared identifiers: the same contact phone, the same
registered address (as normalised by the loader: NFKC, no spaces or punctuation), the
same legal representative.  The exchange format never reports a firm-to-firm
relationship, so these links are inferred, and they are what investigators look for.

* :func:`shared_identifiers` answers for one firm: who shares its phone, address or
  legal representative, and which of them.
* :func:`shared_identifier_rings` scans every firm and groups them into rings: connected
  groups of firms joined by shared identifiers, largest first.

Phones and addresses are read with the indexed ``find_nodes`` lookups on ``phone_norm``
and ``address_norm``; legal representatives with ``neighbours`` over
LEGAL_REPRESENTATIVE_OF (valid on ``as_of``).  Phones and addresses carry no dates, so
``as_of`` applies to legal representation only.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

import networkx as nx

from graph_model.i18n import message
from graph_model.store.port import Node, Store
from queries.dates import InvalidInput
from queries.tracing.common import check_offset, as_date, check_positive, check_subject, display_name
from queries.traverse import edge_valid_on

__all__ = [
    "IDENTIFIER_KINDS", "SharedIdentifier", "LinkedFirm", "SharedIdentifiers", "Ring", "Rings",
    "shared_identifiers", "shared_identifier_rings", "firms_sharing", "legal_reps",
]

#: The identifier kinds, and the enterprise property each is compared on.
IDENTIFIER_KINDS: dict[str, str | None] = {
    "phone": "phone_norm",
    "address": "address_norm",
    "legal_representative": None,  # compared through LEGAL_REPRESENTATIVE_OF
}
#: Firms read per identifier before the answer says it was cut.
DEFAULT_MAX_SHARE = 200
BATCH = 2_000
#: Values per ``find_nodes`` IN list: few large calls, as the embedded store currently
#: walks all enterprises per call (see the tracing report).
VALUES_BATCH = 20_000
LEGAL_REP = "LEGAL_REPRESENTATIVE_OF"
#: Enterprises read per page by the rings' pass, and whose legal representatives are
#: read together.
RING_PAGE = 10_000


@dataclass(frozen=True)
class SharedIdentifier:
    """One identifier held by several firms.

    ``value`` is the normalised phone or address, or the legal representative's uid;
    ``shown`` is how it reads (the phone or address as given, the person's name with the
    masked ID number); ``firms`` are the firms holding it (uids, sorted) and ``total``
    their number (more than ``len(firms)`` when the answer was cut).
    """

    kind: str
    value: str
    shown: str
    firms: tuple[str, ...]
    total: int


@dataclass(frozen=True)
class LinkedFirm:
    """A firm sharing at least one identifier with the subject: which ones (as
    ``(kind, shown)`` pairs) and its registration status (存续, 注销, 吊销)."""

    uid: str
    name: str
    status: str | None
    via: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class SharedIdentifiers:
    """The answer of :func:`shared_identifiers`: the subject's identifiers that other
    firms share, and those firms, most identifiers shared first.  ``truncated`` is True
    when an identifier is shared by more firms than were read."""

    subject: str
    as_of: dt.date
    identifiers: tuple[SharedIdentifier, ...]
    linked: tuple[LinkedFirm, ...]
    truncated: bool


@dataclass(frozen=True)
class Ring:
    """Firms joined to each other by shared identifiers (a connected group)."""

    firms: tuple[str, ...]
    identifiers: tuple[SharedIdentifier, ...]
    summary: str

    @property
    def size(self) -> int:
        return len(self.firms)


@dataclass(frozen=True)
class Rings:
    """The answer of :func:`shared_identifier_rings`: one page of rings, largest first;
    ``common`` lists identifiers held by more than ``max_share`` firms (a business-park
    switchboard, an agent's address), reported but not used to join rings."""

    as_of: dt.date
    rings: tuple[Ring, ...]
    total: int
    offset: int
    next_offset: int | None
    common: tuple[SharedIdentifier, ...]


def _check_kinds(kinds: Iterable[str] | None) -> tuple[str, ...]:
    if kinds is None:
        return tuple(IDENTIFIER_KINDS)
    if isinstance(kinds, str):
        kinds = [kinds]
    out = tuple(dict.fromkeys(kinds))
    bad = [k for k in out if k not in IDENTIFIER_KINDS]
    if bad or not out:
        raise InvalidInput(message("error.tracing.identifier_kinds",
                                   known=", ".join(IDENTIFIER_KINDS), kinds=", ".join(bad) or "-"))
    return out


def legal_reps(store: Store, firms: Sequence[str], as_of: dt.date | None,
               limit: int | None = None) -> dict[str, list[str]]:
    """Legal representatives (person uids) of each firm, on ``as_of`` (None: any time)."""
    out: dict[str, list[str]] = defaultdict(list)
    for i in range(0, len(firms), BATCH):
        hood = store.neighbours(firms[i:i + BATCH], [LEGAL_REP], direction="in", limit=limit)
        for e in hood.edges:
            if edge_valid_on(e, as_of):
                out[e.dst].append(e.src)
    return {k: sorted(set(v)) for k, v in out.items()}


def firms_sharing(store: Store, firms: Mapping[str, Node], kinds: Sequence[str],
                  as_of: dt.date | None, max_share: int = DEFAULT_MAX_SHARE
                  ) -> tuple[dict[tuple[str, str], set[str]], dict[tuple[str, str], int], dict[str, Node]]:
    """For the given firms: every (kind, value) identifier they hold and the firms that
    share it (their own included), batched.

    Returns ``(holders, totals, nodes)``: ``holders[(kind, value)]`` is the set of firm
    uids read (the given firms, and at most ``max_share`` others per identifier),
    ``totals[(kind, value)]`` the full count where it was cut, and ``nodes`` the enterprise
    nodes read on the way.
    """
    holders: dict[tuple[str, str], set[str]] = defaultdict(set)
    totals: dict[tuple[str, str], int] = {}
    nodes: dict[str, Node] = dict(firms)
    for kind in kinds:
        prop = IDENTIFIER_KINDS[kind]
        if prop is None:
            continue
        values = sorted({n.props.get(prop) for n in firms.values() if n.props.get(prop)})
        for i in range(0, len(values), VALUES_BATCH):
            part = values[i:i + VALUES_BATCH]
            for value, (found, count) in _find_all(store, prop, part, max_share).items():
                holders[(kind, value)].update(n.uid for n in found)
                nodes.update((n.uid, n) for n in found)
                if count > len(found):
                    totals[(kind, value)] = count
    if "legal_representative" in kinds:
        reps = legal_reps(store, sorted(firms), as_of)
        persons = sorted({p for ps in reps.values() for p in ps})
        for i in range(0, len(persons), BATCH):
            hood = store.neighbours(persons[i:i + BATCH], [LEGAL_REP], direction="out",
                                    limit=max_share)
            for e in hood.edges:
                if edge_valid_on(e, as_of):
                    holders[("legal_representative", e.src)].add(e.dst)
            for (person, _), degree in hood.degrees.items():
                totals[("legal_representative", person)] = degree
        for firm, persons in reps.items():
            for person in persons:
                holders[("legal_representative", person)].add(firm)
    for uid, node in firms.items():  # the given firms hold their own, whatever the cut
        for kind in kinds:
            prop = IDENTIFIER_KINDS[kind]
            if prop and node.props.get(prop):
                holders[(kind, node.props[prop])].add(uid)
    return dict(holders), totals, nodes


def _find_all(store: Store, prop: str, values: list[str],
              max_share: int) -> dict[str, tuple[list[Node], int]]:
    """Enterprises whose ``prop`` is one of ``values``: the first ``max_share`` of each
    value and how many there are (one indexed lookup per page)."""
    out: dict[str, list[Node]] = defaultdict(list)
    counts: dict[str, int] = defaultdict(int)
    for n in store.iter_nodes("Enterprise", {prop: values}, page=max(1_000, 4 * len(values))):
        value = n.props.get(prop)
        counts[value] += 1
        if len(out[value]) < max_share:
            out[value].append(n)
    return {v: (nodes, counts[v]) for v, nodes in out.items()}


def _shown(kind: str, value: str, holders: Iterable[str], nodes: Mapping[str, Node],
           prefer: str | None = None) -> str:
    """How an identifier reads: a person's name, or the phone or address as given (by
    ``prefer`` when it gives one, else by the first holder in uid order)."""
    if kind == "legal_representative":
        return display_name(nodes.get(value), value)
    raw = {"phone": "phone", "address": "address"}[kind]
    for uid in ([prefer] if prefer else []) + sorted(holders):
        n = nodes.get(uid)
        if n is not None and n.props.get(raw):
            return str(n.props[raw])
    return value


def shared_identifiers(store: Store, subject: str, *, as_of,
                       kinds: Iterable[str] | None = None,
                       max_share: int = DEFAULT_MAX_SHARE) -> SharedIdentifiers:
    """The firms that share a phone, an address or a legal representative with a firm.

    Parameters
    ----------
    store : Store
        Any adapter of the store port.
    subject : str
        uid of an enterprise.
    as_of : datetime.date or str
        Legal representation is taken as valid on this day (phones and addresses have no
        dates).
    kinds : iterable of str, optional
        Among ``"phone"``, ``"address"``, ``"legal_representative"`` (default all).
    max_share : int
        Firms read per identifier; beyond it ``truncated`` is set and ``total`` says how
        many there are (at least).

    Returns
    -------
    SharedIdentifiers

    Raises
    ------
    InvalidInput
        A subject that is not an enterprise, unknown kinds, a malformed date;
        :class:`queries.tracing.common.UnknownSubject` when the firm is not stored.

    Examples
    --------
    On the demo data, 苏州恒通危险品运输有限公司 shares its legal representative 张建国
    with 昆山顺达物流有限公司::

        >>> s = shared_identifiers(store, "Enterprise:91320506MA1MKT3P0P",
        ...                        as_of="2026-10-31")
        >>> [(x.name, x.via) for x in s.linked]
        [('昆山顺达物流有限公司', (('legal_representative', '张建国 (320402********0353)'),))]
    """
    day = as_date(as_of)
    wanted = _check_kinds(kinds)
    max_share = check_positive(max_share, "max_share")
    node = check_subject(store, subject)
    if node.label != "Enterprise":
        raise InvalidInput(message("error.tracing.shared_of", uid=subject, label=node.label))
    holders, totals, nodes = firms_sharing(store, {subject: node}, wanted, day, max_share)
    reps = [v for k, v in holders if k == "legal_representative"]
    nodes.update(store.get_nodes(reps))
    idents = []
    via: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for (kind, value), found in sorted(holders.items()):
        if subject not in found or len(found) < 2:
            continue
        shown = _shown(kind, value, found, nodes, prefer=subject)
        idents.append(SharedIdentifier(kind, value, shown, tuple(sorted(found)),
                                       max(totals.get((kind, value), 0), len(found))))
        for uid in found - {subject}:
            via[uid].append((kind, shown))
    missing = [u for u in via if u not in nodes]
    nodes.update(store.get_nodes(missing))
    linked = sorted(
        (LinkedFirm(uid, display_name(nodes.get(uid), uid),
                    (nodes[uid].props.get("status") if uid in nodes else None), tuple(v))
         for uid, v in via.items()),
        key=lambda f: (-len(f.via), f.uid))
    truncated = any(i.total > len(i.firms) for i in idents)
    return SharedIdentifiers(subject, day, tuple(idents), tuple(linked), truncated)


def shared_identifier_rings(store: Store, *, as_of, kinds: Iterable[str] | None = None,
                            min_size: int = 2, max_share: int = 50, offset: int = 0,
                            limit: int = 50) -> Rings:
    """Every group of firms joined by shared phones, addresses or legal representatives.

    Scans all enterprises once (``find_nodes`` pages) and their legal representatives
    (``neighbours`` in batches); two firms are joined when they share an identifier held
    by at most ``max_share`` firms, and a ring is a connected group of joined firms.

    Parameters
    ----------
    store : Store
    as_of : datetime.date or str
        Legal representation valid on this day.
    kinds : iterable of str, optional
        Identifier kinds to join on (default all three).
    min_size : int
        Smallest ring reported (2: every shared identifier).
    max_share : int
        Identifiers held by more firms than this are reported in ``common`` and not used
        to join (so one switchboard number does not make one ring of a whole city).
    offset, limit : int
        The page of rings, ordered by number of firms, then number of shared
        identifiers, then first firm uid.

    Returns
    -------
    Rings

    Examples
    --------
    On the demo data, the one ring is the two firms of 张建国::

        >>> r = shared_identifier_rings(store, as_of="2026-10-31")
        >>> [x.summary for x in r.rings]
        ['2 firms share 1 legal representative: 苏州恒通危险品运输有限公司, 昆山顺达物流有限公司']
    """
    day = as_date(as_of)
    wanted = _check_kinds(kinds)
    min_size = check_positive(min_size, "min_size")
    max_share = check_positive(max_share, "max_share")
    limit = check_positive(limit, "limit")
    offset = check_offset(offset)

    holders: dict[tuple[str, str], set[str]] = defaultdict(set)
    nodes: dict[str, Node] = {}
    pending: list[str] = []  # firms whose legal representatives are not read yet

    def representatives() -> None:
        for firm, persons in legal_reps(store, pending, day).items():
            for p in persons:
                holders[("legal_representative", p)].add(firm)
        pending.clear()

    for n in store.iter_nodes("Enterprise", page=RING_PAGE):
        nodes[n.uid] = n
        for kind in wanted:
            prop = IDENTIFIER_KINDS[kind]
            if prop and n.props.get(prop):
                holders[(kind, n.props[prop])].add(n.uid)
        if "legal_representative" in wanted:
            pending.append(n.uid)
            if len(pending) == RING_PAGE:
                representatives()
    if pending:
        representatives()

    shared = {k: v for k, v in holders.items() if len(v) >= 2}
    joining = {k: v for k, v in shared.items() if len(v) <= max_share}
    g = nx.Graph()
    for key, firms in joining.items():
        ordered = sorted(firms)
        g.add_edges_from((ordered[0], f) for f in ordered[1:])
    components = [sorted(c) for c in nx.connected_components(g) if len(c) >= min_size]
    by_firm: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for key, firms in joining.items():
        by_firm[min(firms)].append(key)
    ring_keys = []
    for comp in components:
        keys = sorted(k for f in comp for k in by_firm.get(f, ()))
        ring_keys.append((comp, keys))
    ring_keys.sort(key=lambda ck: (-len(ck[0]), -len(ck[1]), ck[0][0]))
    page_rings = ring_keys[offset:offset + limit]
    persons = sorted({v for _, keys in page_rings for k, v in keys if k == "legal_representative"}
                     | {v for (k, v) in shared if k == "legal_representative" and len(shared[(k, v)]) > max_share})
    nodes.update(store.get_nodes(persons))
    rings = []
    for comp, keys in page_rings:
        idents = tuple(SharedIdentifier(k, v, _shown(k, v, joining[(k, v)], nodes),
                                        tuple(sorted(joining[(k, v)])), len(joining[(k, v)]))
                       for k, v in keys)
        rings.append(Ring(tuple(comp), idents, _ring_summary(comp, idents, nodes)))
    common = tuple(SharedIdentifier(k, v, _shown(k, v, f, nodes), tuple(sorted(f))[:20], len(f))
                   for (k, v), f in sorted(shared.items(), key=lambda kv: (-len(kv[1]), kv[0]))
                   if len(f) > max_share)
    nxt = offset + limit if offset + limit < len(ring_keys) else None
    return Rings(day, tuple(rings), len(ring_keys), offset, nxt, common)


_KIND_WORDS = {"phone": ("phone", "phones"), "address": ("address", "addresses"),
               "legal_representative": ("legal representative", "legal representatives")}


def _ring_summary(firms: Sequence[str], idents: Sequence[SharedIdentifier],
                  nodes: Mapping[str, Node]) -> str:
    counts = defaultdict(int)
    for i in idents:
        counts[i.kind] += 1
    parts = [f"{n} {_KIND_WORDS[k][n != 1]}" for k, n in counts.items()]
    names = [display_name(nodes.get(f), f) for f in firms[:5]]
    more = f" and {len(firms) - 5} more" if len(firms) > 5 else ""
    closed = sum(1 for f in firms if (nodes.get(f) and nodes[f].props.get("status") in ("注销", "吊销")))
    tail = f"; {closed} deregistered or revoked" if closed else ""
    return (f"{len(firms)} firms share {', '.join(parts)}: {', '.join(names)}{more}{tail}")
