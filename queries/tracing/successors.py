"""Successor shells: a dishonest firm's business carried on by a new firm.

A firm is deregistered (注销), has its licence revoked (吊销) or is put on the
serious-dishonesty list (严重失信); within a few months a new firm with the same legal
representative, phone or address takes over its vehicles, vessels or drivers, and the
business carries on with a clean record.  :func:`successors` looks for the shells of one
firm; :func:`successor_shells` for every such firm.

A *successor shell* of predecessor P after event E is a firm S such that

* S shares an identifier with P: a legal representative (any time), the normalised
  phone or the normalised address;
* S holds a unit P held, through the same relationship: OWNS or OPERATES the same
  vehicle or vessel, or EMPLOYS (EMPLOYED_BY) the same person;
* the takeover happened within ``within_days`` of E, before or after (shells are often
  set up just before a listing takes effect): the takeover day is the valid_from of S's
  relationship to the unit, or failing that S's date of establishment;
* S is new: established no earlier than ``within_days`` before E (when known), so a
  long-standing sister firm that buys one vehicle is not a shell.

The event's day is the list entry's ``listed_on``; for a deregistration or revocation,
the firm's status date where the data gives one (an extra column such as 注销日期 or
``status_date``), otherwise the last valid_to of its own relationships to its units.
When the event day or every takeover day is unknown the pair is still reported (shared
identifier and shared unit are evidence enough to look), with ``days`` None; pass
``include_undated=False`` to leave such pairs out.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Mapping, Sequence

from graph_model.enums import EnterpriseStatus
from graph_model.i18n import message
from graph_model.store.port import Edge, Node, Store
from queries.dates import InvalidInput
from queries.versions import counted_by_subject
from queries.tracing.shared_identifiers import IDENTIFIER_KINDS, firms_sharing, legal_reps
from queries.tracing.common import (
    Step, as_date, check_offset, check_positive, check_subject, date_of, display_name,
    name_steps, scan_nodes, step_of,
)

__all__ = ["successors", "successor_shells", "Event", "Takeover", "Shell", "Shells",
           "DEFAULT_WITHIN_DAYS"]

DEFAULT_WITHIN_DAYS = 180
#: Relationships through which a firm holds a unit a shell can take over.
TAKEOVER_RELATIONS = ("OWNS", "OPERATES", "EMPLOYED_BY")
TRIGGER_STATUSES = (EnterpriseStatus.注销.value, EnterpriseStatus.吊销.value)
#: Enterprise properties read as the day of a deregistration or revocation (extra
#: columns of the enterprises file are kept under their own names).
STATUS_DATE_PROPS = ("status_date", "status_changed_on", "deregistered_on", "revoked_on",
                     "注销日期", "吊销日期", "状态变更日期")
#: Units read per firm and relationship type.
UNIT_CAP = 10_000
BATCH = 2_000


@dataclass(frozen=True)
class Event:
    """What befell the predecessor: ``kind`` is 严重失信, 注销 or 吊销; ``date`` its day
    (None when unknown) and ``date_source`` where that day came from; ``evidence`` the
    list entry's uid or the firm's own uid (its status)."""

    kind: str
    date: dt.date | None
    date_source: str
    evidence: str


@dataclass(frozen=True)
class Takeover:
    """One unit that passed from the predecessor to the successor: the predecessor's
    relationship to it (``before``) and the successor's (``after``), both with their
    dates, and ``on``, the day the successor took it (None when unknown)."""

    unit: str
    rel_type: str
    before: Step
    after: Step
    on: dt.date | None


@dataclass(frozen=True)
class Shell:
    """A successor shell with its evidence: the event, the identifiers shared (as
    ``(kind, shown)`` pairs), the units taken over, and ``days`` from the event to the
    first takeover (negative when before it; None when undated)."""

    predecessor: str
    predecessor_name: str
    event: Event
    successor: str
    successor_name: str
    established: dt.date | None
    shared: tuple[tuple[str, str], ...]
    takeovers: tuple[Takeover, ...]
    days: int | None
    summary: str


@dataclass(frozen=True)
class Shells:
    """One page of :func:`successor_shells`, dated pairs first, closest in time first."""

    as_of: dt.date
    within_days: int
    shells: tuple[Shell, ...]
    total: int
    offset: int
    next_offset: int | None
    predecessors: int


def _check_days(within_days) -> int:
    if isinstance(within_days, bool) or not isinstance(within_days, int) or within_days < 0:
        raise InvalidInput(message("error.not_negative", what="within_days", value=repr(within_days)))
    return within_days


def successors(store: Store, firm: str, *, as_of, within_days: int = DEFAULT_WITHIN_DAYS,
               include_undated: bool = True) -> tuple[Shell, ...]:
    """The successor shells of one firm (see the module docstring for the rule).

    Parameters
    ----------
    store : Store
        Any adapter of the store port.
    firm : str
        uid of the predecessor enterprise.
    as_of : datetime.date or str
        Events and takeovers after this day are not considered.
    within_days : int
        Largest distance in days between the event and the takeover.
    include_undated : bool
        Also report pairs whose timing cannot be checked (no dates in the data).

    Returns
    -------
    tuple of Shell
        Closest in time first; empty when the firm had no triggering event or no shell.

    Raises
    ------
    InvalidInput
        ``firm`` is not an enterprise, ``within_days`` negative, a malformed date;
        :class:`queries.tracing.common.UnknownSubject` when it is not stored.

    Examples
    --------
    On the demo data, 苏州恒通危险品运输有限公司 was put on the serious-dishonesty list
    on 2025-06-20; its sister firm 昆山顺达物流有限公司 shares the legal representative
    but was established in 2017 and took over none of its vehicles, so it is no shell::

        >>> successors(store, "Enterprise:91320506MA1MKT3P0P", as_of="2026-10-31")
        ()

    In a hand-built case (``tests/unit/test_tracing_successors.py``) 甲 is revoked on
    2024-03-01 and 乙, established 2024-04-10 with the same legal representative, owns 甲's
    truck since 2024-04-15; the summary of the shell found on 2024-12-31 reads "乙 took over
    1 unit of 甲 45 days after 吊销 (2024-03-01); shares legal representative 张三".
    """
    day = as_date(as_of)
    within = _check_days(within_days)
    node = check_subject(store, firm)
    if node.label != "Enterprise":
        raise InvalidInput(message("error.tracing.successors_of", uid=firm, label=node.label))
    events = _events(store, {firm: node}, day)
    shells = _shells(store, {firm: node}, events, day, within, include_undated)
    return tuple(sorted(shells, key=_order))


def successor_shells(store: Store, *, as_of, within_days: int = DEFAULT_WITHIN_DAYS,
                     include_undated: bool = True, offset: int = 0,
                     limit: int = 50) -> Shells:
    """Successor shells of every firm deregistered, revoked or seriously dishonest.

    Triggers are read with ``find_nodes``: 严重失信 list entries about enterprises (the
    indexed ``list_kind``) and enterprises whose status is 注销 or 吊销.  Parameters are
    those of :func:`successors`, plus the page (``offset``, ``limit``).

    Examples
    --------
    On the demo data no firm carried on under a new name::

        >>> successor_shells(store, as_of="2026-10-31").total
        0
    """
    day = as_date(as_of)
    within = _check_days(within_days)
    offset = check_offset(offset)
    limit = check_positive(limit, "limit")
    listed: dict[str, list[Node]] = defaultdict(list)
    for e in scan_nodes(store, "ListEntry", {"list_kind": "严重失信"}):
        if str(e.props.get("subject_uid", "")).startswith("Enterprise:"):
            listed[e.props["subject_uid"]].append(e)
    preds = {n.uid: n for n in scan_nodes(store, "Enterprise", {"status": list(TRIGGER_STATUSES)})}
    missing = sorted(set(listed) - set(preds))
    for i in range(0, len(missing), BATCH):
        preds.update(store.get_nodes(missing[i:i + BATCH]))
    events = _events(store, preds, day, listed)
    preds = {u: n for u, n in preds.items() if events.get(u)}
    shells = []
    ordered = sorted(preds)
    for i in range(0, len(ordered), BATCH):
        part = {u: preds[u] for u in ordered[i:i + BATCH]}
        shells.extend(_shells(store, part, events, day, within, include_undated))
    shells.sort(key=_order)
    nxt = offset + limit if offset + limit < len(shells) else None
    return Shells(day, within, tuple(shells[offset:offset + limit]), len(shells), offset, nxt,
                  len(preds))


def _order(s: Shell):
    return (s.days is None, abs(s.days) if s.days is not None else 0, s.predecessor, s.successor)


def _events(store: Store, firms: Mapping[str, Node], day: dt.date,
            entries: Mapping[str, list[Node]] | None = None) -> dict[str, list[Event]]:
    """Triggering events of each firm on or before ``day``; ``entries`` are the firms'
    严重失信 list entries when the caller has read them already."""
    out: dict[str, list[Event]] = defaultdict(list)
    if entries is None:
        entries = counted_by_subject(store, store.records_about(sorted(firms), ["ListEntry"]), day)
    for subj, recs in entries.items():
        for r in recs:
            listed = date_of(r.props.get("listed_on"))
            if r.props.get("list_kind") == "严重失信" and listed and listed <= day:
                out[subj].append(Event("严重失信", listed, "listed_on", r.uid))
    closed = [u for u, n in firms.items() if n.props.get("status") in TRIGGER_STATUSES]
    undated = []
    for uid in closed:
        props = firms[uid].props
        when = next(((date_of(props[p]), p) for p in STATUS_DATE_PROPS if date_of(props.get(p))),
                    None)
        if when is None:
            undated.append(uid)
        elif when[0] <= day:
            out[uid].append(Event(props["status"], when[0], when[1], uid))
    last_end = _last_unit_end(store, undated)
    for uid in undated:
        end = last_end.get(uid)
        if end is None:
            out[uid].append(Event(firms[uid].props["status"], None, "unknown", uid))
        elif end <= day:
            out[uid].append(Event(firms[uid].props["status"], end, "end of its last unit", uid))
    return dict(out)


def _last_unit_end(store: Store, firms: Sequence[str]) -> dict[str, dt.date]:
    out: dict[str, dt.date] = {}
    for firm, edges in _units(store, firms).items():
        ends = [date_of(e.props.get("valid_to")) for e in edges.values()]
        ends = [d for d in ends if d]
        if ends:
            out[firm] = max(ends)
    return out


def _units(store: Store, firms: Sequence[str]) -> dict[str, dict[tuple[str, str], Edge]]:
    """Each firm's relationships to units: {(relationship type, unit uid): edge}."""
    out: dict[str, dict[tuple[str, str], Edge]] = defaultdict(dict)
    firms = list(firms)
    wanted = set(firms)
    for i in range(0, len(firms), BATCH):
        hood = store.neighbours(firms[i:i + BATCH], list(TAKEOVER_RELATIONS), limit=UNIT_CAP)
        for e in hood.edges:
            firm, unit = (e.src, e.dst) if e.type != "EMPLOYED_BY" else (e.dst, e.src)
            if firm in wanted:
                out[firm][(e.type, unit)] = e
    return out


def _shells(store: Store, preds: Mapping[str, Node], events: Mapping[str, list[Event]],
            day: dt.date, within: int, include_undated: bool) -> list[Shell]:
    preds = {u: n for u, n in preds.items() if events.get(u)}
    if not preds:
        return []
    kinds = list(IDENTIFIER_KINDS)
    holders, _, nodes = firms_sharing(store, preds, kinds, None)
    reps = legal_reps(store, sorted(preds), None)
    # (predecessor, candidate) -> identifiers shared
    shared: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for p, node in preds.items():
        keys = [(k, node.props.get(IDENTIFIER_KINDS[k])) for k in ("phone", "address")
                if node.props.get(IDENTIFIER_KINDS[k])]
        keys += [("legal_representative", person) for person in reps.get(p, [])]
        for key in keys:
            for s in holders.get(key, ()):
                if s != p and s.startswith("Enterprise:"):
                    shared[(p, s)].append(key)
    if not shared:
        return []
    candidates = sorted({s for _, s in shared} - set(nodes))
    nodes.update(store.get_nodes(candidates))
    units = _units(store, sorted(set(preds) | {s for _, s in shared}))

    found = []
    for (p, s), keys in sorted(shared.items()):
        common = sorted(set(units.get(p, {})) & set(units.get(s, {})))
        if not common:
            continue
        snode = nodes.get(s)
        established = date_of(snode.props.get("established")) if snode else None
        takeovers = []
        for rel_type, unit in common:
            after = units[s][(rel_type, unit)]
            on = date_of(after.props.get("valid_from")) or established
            if on is not None and on > day:
                continue  # has not happened on as_of
            takeovers.append(Takeover(unit, rel_type, step_of(units[p][(rel_type, unit)], p),
                                      step_of(after, s), on))
        if not takeovers:
            continue
        best = None
        for ev in events[p]:
            if ev.date is None:
                cand = (1, 0, ev, None)
            else:
                if established is not None and established < ev.date - dt.timedelta(days=within):
                    continue  # not a new firm
                dated = [(t.on - ev.date).days for t in takeovers if t.on is not None]
                inside = [d for d in dated if abs(d) <= within]
                if inside:
                    d = min(inside, key=abs)
                    cand = (0, abs(d), ev, d)
                elif not dated:
                    cand = (1, 0, ev, None)
                else:
                    continue
            if best is None or cand[:2] < best[:2]:
                best = cand
        if best is None or (best[3] is None and not include_undated):
            continue
        found.append((p, s, best[2], best[3], keys, established, takeovers))
    if not found:
        return []

    persons = sorted({v for *_, keys, _e, _t in found for k, v in keys if k == "legal_representative"})
    nodes.update(store.get_nodes(persons))
    named_steps = name_steps(store, [[t.before, t.after] for *_, tks in found for t in tks], nodes)
    shells, i = [], 0
    for p, s, ev, days, keys, established, takeovers in found:
        tks = []
        for t in takeovers:
            before, after = named_steps[i]
            i += 1
            tks.append(Takeover(t.unit, t.rel_type, before, after, t.on))
        shared_shown = tuple(sorted({(k, _shown(k, v, p, nodes)) for k, v in keys}))
        pname, sname = display_name(nodes.get(p), p), display_name(nodes.get(s), s)
        shells.append(Shell(p, pname, ev, s, sname, established, shared_shown, tuple(tks), days,
                            _summary(pname, sname, ev, days, shared_shown, tks)))
    return shells


def _shown(kind: str, value: str, pred: str, nodes: Mapping[str, Node]) -> str:
    if kind == "legal_representative":
        return display_name(nodes.get(value), value)
    raw = nodes.get(pred).props.get(kind) if nodes.get(pred) else None
    return str(raw or value)


_KIND_WORDS = {"phone": "phone", "address": "address", "legal_representative": "legal representative"}


def _summary(pname: str, sname: str, ev: Event, days: int | None,
             shared: Sequence[tuple[str, str]], takeovers: Sequence[Takeover]) -> str:
    n = len(takeovers)
    units = f"{n} unit{'s' if n != 1 else ''}"
    when = f"{ev.date.isoformat()}" if ev.date else "date unknown"
    if days is None:
        timing = f"(timing unknown) after {ev.kind} ({when})"
    elif days >= 0:
        timing = f"{days} days after {ev.kind} ({when})"
    else:
        timing = f"{-days} days before {ev.kind} ({when})"
    shares = "; ".join(f"{_KIND_WORDS[k]} {v}" for k, v in shared)
    return f"{sname} took over {units} of {pname} {timing}; shares {shares}"
