"""Who governs what: region containment, subjects, and cooperation agreements.

Shared by the rule modules (recognition, watchlists, discipline, repair, inspection).

* A region *contains* itself and every division below it (GB/T 2260, see
  :mod:`graph_model.regions`): ``within("320506", "320500")`` is True.
* An agreement *covers* a region when the region or one of the regions above it is a
  member: the 苏锡常通 agreement (members 320500, 320200, 320400, 320600) covers the
  county 320506; the Yangtze memorandum (province members) covers every city of Jiangsu.
* An agreement is *in force* on a day from its ``effective_from`` through its
  ``effective_to`` (both inclusive; no end date: open).  An agreement whose end precedes
  its start is an error (:class:`~queries.dates.InvalidInput`), never silently skipped.
* ``schemes`` / ``list_kinds`` of an agreement: empty means all (EXCHANGE_FORMAT.md).
* A national or basin agency (DOMAIN.md rule 19, #8, #19) has a *jurisdiction*, loaded from
  a ``jurisdictions`` file onto an Agency node: its level and the regions where its records
  and grades bind (``100000``, :data:`NATIONAL`: everywhere), from a day.  Its records carry
  the region of its seat (长江航务管理局: 420100, Wuhan); :class:`Jurisdictions` finds the
  jurisdiction by the agency's normalised name, so every record it files binds where it
  governs.  Some list kinds bind nationwide whoever designates them (严重失信,
  ``queries/data/jurisdiction.yaml``).
"""

from __future__ import annotations

import datetime as dt
import heapq
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Iterable, Mapping

from graph_model.store.port import Node, Store
from graph_model import regions as _regions
from graph_model.enums import AgencyLevel
from graph_model.i18n import message
from graph_model.names import fold
from graph_model.schema import SchemaError, schema, split_uid
from queries.dates import InvalidInput, parse_date, parse_optional_date
from queries.rules.basis import Basis, parse_basis
from queries.rules.rulefile import RuleFile, as_str_list, require
from queries.rules.scales import Scales
from queries.versions import counted_by_subject

__all__ = [
    "Agreement", "check_region", "check_subject", "check_subjects", "up", "within", "overlaps",
    "inside", "agreements_covering", "all_agreements", "record_date", "record_optional_date",
    "NATIONAL", "Jurisdiction", "Jurisdictions", "jurisdictions", "binding_rules",
]

_CODE = re.compile(r"^\d{6}$")
PAGE = 5000  # rows per find_nodes page
#: The nationwide code of a jurisdiction (graph_model.regions.NATIONAL): every region lies in it.
NATIONAL = _regions.NATIONAL


# -- regions --------------------------------------------------------------------------

def check_region(region) -> str:
    """``region`` as a known six-digit division code, else :class:`InvalidInput`."""
    if not isinstance(region, str) or not _CODE.match(region.strip()):
        raise InvalidInput(message("error.region_form", region=repr(region)))
    code = region.strip()
    if not _regions.is_known(code):
        raise InvalidInput(message("error.region_unknown", region=repr(code)))
    return code


@lru_cache(maxsize=65536)
def up(code: str) -> tuple[str, ...]:
    """``code`` followed by the regions above it, nearest first (unknown codes: itself)."""
    if not isinstance(code, str):
        return ()
    return (code, *_regions.ancestors(code))


def within(code: str | None, region: str) -> bool:
    """True when ``code`` is ``region`` or lies inside it (every region lies in
    :data:`NATIONAL`)."""
    return code is not None and (region == NATIONAL or region in up(code))


def overlaps(a: str | None, b: str | None) -> bool:
    """True when one of the two regions contains the other."""
    return a is not None and b is not None and (
        a == NATIONAL or b == NATIONAL or b in up(a) or a in up(b))


@cache
def _children() -> Mapping[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for code, parent in _regions.regions()[["code", "parent"]].itertuples(index=False):
        if parent is not None:
            out.setdefault(parent, []).append(code)
    return {k: tuple(v) for k, v in out.items()}


@lru_cache(maxsize=4096)
def inside(region: str) -> frozenset[str]:
    """``region`` and every division below it."""
    kids = _children()
    out, stack = set(), [region]
    while stack:
        code = stack.pop()
        if code not in out:
            out.add(code)
            stack.extend(kids.get(code, ()))
    return frozenset(out)


def overlapping(region: str) -> frozenset[str]:
    """Every code that contains or lies inside ``region``."""
    return inside(region) | frozenset(up(region))


# -- subjects -------------------------------------------------------------------------

def _subject_label(uid) -> str:
    if not isinstance(uid, str):
        raise InvalidInput(message("error.subject_not_id", uid=repr(uid)))
    try:
        label, _ = split_uid(uid.strip())
    except SchemaError as exc:
        raise InvalidInput(f"subject: {exc}") from None
    if not schema().label(label).is_subject:
        raise InvalidInput(message("error.subject_label", uid=repr(uid), label=label,
                                   labels=", ".join(schema().subject_labels())))
    return label


def check_subjects(store: Store, subjects: Iterable[str]) -> dict[str, Node]:
    """The subject nodes, by uid; :class:`InvalidInput` naming any that is unknown."""
    uids = [s.strip() if isinstance(s, str) else s for s in subjects]
    for uid in uids:
        _subject_label(uid)
    found = store.get_nodes(uids)
    missing = [u for u in uids if u not in found]
    if missing:
        shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise InvalidInput(message("error.unknown_subjects", subjects=shown))
    return found


def check_subject(store: Store, subject: str) -> Node:
    """The subject node; :class:`InvalidInput` if the id is malformed or not in the store."""
    return next(iter(check_subjects(store, [subject]).values()))


# -- record dates ---------------------------------------------------------------------

@lru_cache(maxsize=1 << 16)
def _stored_day(value: str) -> dt.date | None:
    """A stored date (the loaders write ``YYYY-MM-DD``: a few thousand distinct days read
    millions of times), or None when it is not one."""
    try:
        return parse_date(value)
    except InvalidInput:
        return None


def record_date(node: Node, prop: str) -> dt.date:
    """A required date property of a stored record; a clear error when absent or bad."""
    value = node.props.get(prop)
    if isinstance(value, str) and (day := _stored_day(value)) is not None:
        return day
    if value is None or value == "":
        raise InvalidInput(message("error.record_lacks", uid=node.uid, prop=prop))
    return parse_date(value, f"{node.uid} {prop}")


def record_optional_date(node: Node, prop: str) -> dt.date | None:
    value = node.props.get(prop)
    if isinstance(value, str) and (day := _stored_day(value)) is not None:
        return day
    return parse_optional_date(value, f"{node.uid} {prop}")


# -- agreements -----------------------------------------------------------------------

@dataclass(frozen=True)
class Agreement:
    """A cooperation agreement and its member regions (sorted codes)."""

    uid: str
    name: str
    effective_from: dt.date
    effective_to: dt.date | None
    schemes: tuple[str, ...]  # empty: every scheme
    list_kinds: tuple[str, ...]  # empty: every list kind
    members: tuple[str, ...]

    def in_force(self, day: dt.date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)

    def covers(self, code: str | None) -> bool:
        """True when ``code`` or a region above it is a member."""
        return code is not None and any(m in self.members for m in up(code))

    def touches(self, region: str) -> bool:
        """True when some member overlaps ``region`` (contains it or lies inside it)."""
        return any(overlaps(m, region) for m in self.members)

    def covers_scheme(self, scheme: str, scales: Scales) -> bool:
        if not self.schemes:
            return True
        want = scales.find_scheme(scheme)
        want_name = want.name if want else scheme
        for s in self.schemes:
            found = scales.find_scheme(s)
            if (found.name if found else s) == want_name:
                return True
        return False

    def shares_list(self, kind: str) -> bool:
        return not self.list_kinds or kind in self.list_kinds

    def window(self) -> str:
        return f"{self.effective_from}..{self.effective_to or ''}"


def _as_tuple(value) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [p for p in value.split(";")]
    return tuple(sorted({str(v).strip() for v in value if str(v).strip()}))


def _agreement(node: Node, members: Iterable[str]) -> Agreement:
    name = node.props.get("name") or node.key
    start = node.props.get("effective_from")
    if start is None or start == "":
        raise InvalidInput(message("error.agreement.no_start", name=repr(name)))
    start = parse_date(start, f"agreement {name!r} effective_from")
    end = parse_optional_date(node.props.get("effective_to"), f"agreement {name!r} effective_to")
    if end is not None and end < start:
        raise InvalidInput(message("error.agreement.ends_before", name=repr(name), end=end.isoformat(),
                                   start=start.isoformat()))
    return Agreement(node.uid, name, start, end, _as_tuple(node.props.get("schemes")),
                     _as_tuple(node.props.get("list_kinds")), tuple(sorted(set(members))))


def _build(store: Store, uids: Iterable[str]) -> tuple[Agreement, ...]:
    uids = sorted(set(uids))
    if not uids:
        return ()
    nodes = store.get_nodes(uids)
    members: dict[str, set[str]] = {u: set() for u in uids}
    for edge in store.neighbours(uids, rel_types=["MEMBER_OF"], direction="in").edges:
        if edge.dst in members:
            members[edge.dst].add(edge.src.partition(":")[2])
    return tuple(_agreement(nodes[u], members[u]) for u in uids if u in nodes)


def agreements_covering(store: Store, codes: Iterable[str]) -> tuple[Agreement, ...]:
    """Every agreement (in force or not) that covers one of ``codes``, with all its members."""
    regions = {f"Region:{c}" for code in codes if code for c in up(code)}
    if not regions:
        return ()
    hood = store.neighbours(sorted(regions), rel_types=["MEMBER_OF"], direction="out")
    return _build(store, {e.dst for e in hood.edges})


def all_agreements(store: Store) -> tuple[Agreement, ...]:
    """Every agreement in the store, with its members."""
    return _build(store, [n.uid for n in store.iter_nodes("Agreement", page=PAGE)])


def find_all(store: Store, label: str, where: Mapping, page: int = PAGE) -> Iterable[Node]:
    """Every node of ``label`` matching ``where`` (keyset pages of ``page``), in uid order."""
    return store.iter_nodes(label, where, page=page)


VALUES_PER_READ = 5000


def find_by_values(store: Store, label: str, prop: str, values: Iterable) -> Iterable[Node]:
    """The nodes of ``label`` whose ``prop`` is one of ``values`` (many: a read per
    :data:`VALUES_PER_READ` of them, each through the property's index), in uid order
    within each read."""
    values = list(values)
    for i in range(0, len(values), VALUES_PER_READ):
        yield from store.find_every(label, {prop: values[i:i + VALUES_PER_READ]})


def filtered_page(fetch, accept, after: str | None, limit: int):
    """Keyset pagination over filtered rows.

    ``fetch(after, n)`` returns up to ``n`` nodes in uid order after the uid ``after``;
    ``accept(nodes)`` returns ``(uid, item)`` pairs of the nodes that pass, in order.
    Returns ``(items, next_after)``: at most ``limit`` items, and the uid to continue after
    (None when the rows are exhausted; a non-None cursor may lead to an empty page).
    """
    items, cursor = [], after
    while True:
        nodes = fetch(cursor, limit)
        for uid, item in accept(nodes):
            items.append(item)
            if len(items) == limit:
                return items, uid
        if len(nodes) < limit:
            return items, None
        cursor = nodes[-1].uid


def merged_page(streams: Iterable[Iterable[Node]], keep, accept, limit: int
                ) -> tuple[list, bool]:
    """One page from several node streams, each in uid order (and each started after the
    same cursor): a node found in several is taken once; ``keep(node)`` gives what the
    page needs of it, or None to pass it over (a test per node); ``accept(chunk)`` turns
    a chunk of ``(node, kept)`` pairs into the page's items (reads batched per chunk).
    Returns ``(items, full)``: at most ``limit`` items, and whether the page filled up
    (more may follow after the last item's node)."""
    items, chunk, last = [], [], None

    def flush() -> bool:
        for item in accept(chunk):
            items.append(item)
            if len(items) == limit:
                return True
        chunk.clear()
        return False

    for node in heapq.merge(*streams, key=lambda n: n.uid):
        if node.uid == last:
            continue
        last = node.uid
        kept = keep(node)
        if kept is None:
            continue
        chunk.append((node, kept))
        if len(chunk) >= limit - len(items) and flush():
            return items, True
    return items, bool(chunk) and flush()


def check_limit(limit) -> int:
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= 10_000:
        raise InvalidInput(message("error.limit_range", value=repr(limit)))
    return limit


def records_of(store: Store, uids: Iterable[str], labels: Iterable[str] | None = None, *,
               as_of) -> dict[str, list[Node]]:
    """``store.records_about``: the records of each subject that has any, of ``labels``
    only when given; with ``as_of`` a day, only the versions that count that day, those
    under objection flagged (:func:`queries.versions.counted`, rule 21); ``as_of=None``:
    every version stored (who may see a subject, never what counts)."""
    wanted = list(labels) if labels is not None else None
    if wanted == []:
        return {}
    found = {subject: nodes for subject, nodes in store.records_about(list(uids), wanted).items()
             if nodes}
    return found if as_of is None else counted_by_subject(store, found, as_of)


# -- national and basin jurisdiction ----------------------------------------------------

#: How a jurisdiction's level reads in answers: a national or a basin authority's record
#: counts as such; a provincial, city or county agency's as its own jurisdiction.
LEVEL_BASIS = {"全国": "NATIONAL", "流域": "BASIN"}


@dataclass(frozen=True)
class Jurisdiction:
    """Where the records of one agency bind, from a day: its level, its regions
    (:data:`NATIONAL` for everywhere) and the regions its records carry (its seats)."""

    agency: str  # the name, normalised (graph_model.names.fold)
    code: str
    level: str | None
    regions: tuple[str, ...]
    effective_from: dt.date | None
    seats: tuple[str, ...] = ()

    @property
    def basis(self) -> str:
        """``NATIONAL``, ``BASIN`` or ``OWN``."""
        return LEVEL_BASIS.get(self.level or "", "OWN")

    def in_effect(self, day: dt.date) -> bool:
        return self.effective_from is None or self.effective_from <= day

    def binds(self, region: str | None) -> bool:
        """True when ``region`` overlaps one of its regions."""
        return any(overlaps(r, region) for r in self.regions)


@dataclass(frozen=True)
class Jurisdictions:
    """The jurisdictions of a store, by normalised agency name."""

    by_agency: Mapping[str, Jurisdiction]

    def of(self, agency: str | None) -> Jurisdiction | None:
        return self.by_agency.get(fold(agency)) if agency and self.by_agency else None

    def regions_of(self, agency: str | None, agency_region: str | None,
                   day: dt.date) -> tuple[str, ...]:
        """Where a record of ``agency`` filed under ``agency_region`` binds on ``day``."""
        j = self.of(agency)
        own = (agency_region,) if agency_region else ()
        if j is None or not j.in_effect(day):
            return own
        return tuple(sorted(set(own) | set(j.regions)))

    def basis(self, agency: str | None, agency_region: str | None, region: str,
              day: dt.date) -> str | None:
        """Why a record of ``agency`` filed under ``agency_region`` binds in ``region`` on
        ``day``: ``OWN`` (one region contains the other), ``NATIONAL`` or ``BASIN`` (the
        agency's jurisdiction covers it), else None."""
        if overlaps(agency_region, region):
            return "OWN"
        j = self.of(agency)
        if j is not None and j.in_effect(day) and j.binds(region):
            return j.basis
        return None

    def binding(self, region: str, day: dt.date) -> tuple[Jurisdiction, ...]:
        """The jurisdictions in effect on ``day`` that bind in ``region``."""
        return tuple(j for j in self.by_agency.values() if j.in_effect(day) and j.binds(region))

    def filed_by(self, node: Node, among: Iterable[Jurisdiction]) -> bool:
        """True when the record ``node`` was issued by one of the agencies ``among``."""
        name = fold(node.props.get("agency"))
        return any(j.agency == name for j in among)


NO_JURISDICTIONS = Jurisdictions({})


def jurisdictions(store: Store) -> Jurisdictions:
    """Every agency's jurisdiction in the store (the Agency nodes a ``jurisdictions`` file
    gave a level), with the regions its records carry (the seats of the Agency nodes of
    the same name).  A malformed date is :class:`InvalidInput`."""
    found = list(store.iter_nodes("Agency", {"level": [v.value for v in AgencyLevel]}, page=PAGE))
    if not found:
        return NO_JURISDICTIONS
    names = sorted({n.props.get("name") for n in found if n.props.get("name")})
    seats: dict[str, set[str]] = {}
    for n in store.iter_nodes("Agency", {"name": names}, page=PAGE):
        if n.props.get("region_code"):
            seats.setdefault(n.props["name"], set()).add(n.props["region_code"])
    out = {}
    for n in found:
        p = n.props
        name = fold(p.get("name"))
        regions = _as_tuple(p.get("regions"))
        if p.get("level") == "全国":
            regions = (NATIONAL,)
        start = parse_optional_date(p.get("effective_from"), f"{n.uid} effective_from")
        j = Jurisdiction(name, str(p.get("agency_code") or ""), p.get("level"), regions, start,
                         tuple(sorted(seats.get(p.get("name"), ()))))
        prev = out.get(name)
        # two rows for one agency: the one in effect from the later day
        if prev is None or (j.effective_from or dt.date.min) >= (prev.effective_from or dt.date.min):
            out[name] = j
    return Jurisdictions(out)


@dataclass(frozen=True)
class BindingRules:
    """List kinds that bind nationwide whoever designates them (rule 19)."""

    nationwide_list_kinds: tuple[str, ...]
    basis: Basis

    def nationwide(self, list_kind: str | None) -> bool:
        return list_kind in self.nationwide_list_kinds


def parse_binding_rules(doc: Mapping, where: str = "jurisdiction") -> BindingRules:
    spec = doc.get("nationwide")
    require(isinstance(spec, Mapping), where, "nationwide must be a mapping")
    kinds = as_str_list(spec.get("list_kinds"), where, "nationwide.list_kinds")
    known = set(schema().label("ListEntry").properties["list_kind"].values)
    require(set(kinds) <= known, where, f"nationwide.list_kinds: {sorted(set(kinds) - known)} "
            f"are not list kinds")
    return BindingRules(kinds, parse_basis(spec.get("basis"), where, "nationwide.basis"))


#: The installed rule of nationwide list kinds (``queries/data/jurisdiction.yaml``).
binding_rules: RuleFile[BindingRules] = RuleFile("jurisdiction.yaml", parse_binding_rules)
