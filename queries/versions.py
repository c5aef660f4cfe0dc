"""Which version of a record counts on a day: the one place every rule asks (DOMAIN.md
rule 21; #4 申诉, #9 告知与陈述申辩, #13, #16, #19).

A correction is a new version, never an overwrite.  The store keeps every version; this
module decides, for a day, which of them an answer uses:

* A record an objection succeeded against (decided 更正 corrected or 撤销 withdrawn on
  day *D*) counts before *D* and not from *D* on.
* A corrected version (a record whose ``supersedes`` names the version it corrects and
  whose ``objection_no`` names the objection that made it) counts from the day that
  objection was decided 更正, and never while the objection is not so decided (so a
  decision taken back with ``creditkb loads undo`` takes its correction back with it).
* A listing entered with a statement period (告知, ``notice_until``, #9 "严格履行告知、听取
  当事人陈述申辩等程序") takes effect the day after the period ends, and only while no
  objection against it is open; an objection decided 维持 (the record stands) or 不予受理
  lets it take effect from the decision; one that succeeds means it never does.
* A record under an open objection still counts, flagged: the version handed back carries
  ``under_objection_since`` (the day the earliest open objection was filed) and
  ``under_objection`` (that objection's uid), so every answer built on it can say so.

Objection dates are read as valid time: on a day before an objection's ``closed_on`` it
was open, whatever its status says now.  So an answer ``as_of`` a day before a decision
is the same before and after the decision is recorded.

Examples
--------
>>> import datetime as dt
>>> from graph_model.store.port import Node
>>> ev = Node("Evaluation:E", "Evaluation", {"grade": "C"})
>>> fix = Node("Evaluation:E#更正:Y1", "Evaluation",
...            {"grade": "B", "supersedes": "Evaluation:E", "objection_no": "Y1"})
>>> y1 = Node("Objection:Y1", "Objection", {"record": "E", "status": "更正",
...           "filed_on": "2026-05-02", "closed_on": "2026-06-15"})
>>> def grades(day):
...     return [n.props["grade"] for n in in_force([ev, fix], {"Evaluation:E": [y1]},
...                                                 {"Y1": y1}, dt.date.fromisoformat(day))]
>>> grades("2026-06-14"), grades("2026-06-15")
(['C'], ['B'])
>>> [n.props.get("under_objection_since") for n in in_force(
...     [ev], {"Evaluation:E": [y1]}, {}, dt.date(2026, 6, 1))]
['2026-05-02']
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import weakref
from collections import defaultdict
from operator import attrgetter, is_
from typing import Any, Callable, Iterable, Mapping, Sequence

from graph_model.i18n import message
from graph_model.store.port import Node, Store
from queries.dates import parse_as_of

_log = logging.getLogger(__name__)

__all__ = ["CONTESTABLE", "OPEN_STATUSES", "STANDS", "CORRECTED", "WITHDRAWN", "NOT_ACCEPTED",
           "SUCCEEDED", "counted", "counted_by_subject", "in_force",
           "objections_about", "objection_window", "flag_sentence", "stored_day"]

#: The labels an objection may contest (issue 16 item 1).
CONTESTABLE = ("Penalty", "Evaluation", "ListEntry", "PointEntry", "Commitment")
#: 受理 (accepted) and 核查中 (under review): the objection is open.
OPEN_STATUSES = ("受理", "核查中")
STANDS, CORRECTED, WITHDRAWN, NOT_ACCEPTED = "维持", "更正", "撤销", "不予受理"
#: An objection succeeds when the record is corrected or withdrawn (#13 "异议申请成功").
SUCCEEDED = (CORRECTED, WITHDRAWN)


#: Record names per read of their objections, read unsorted (find_every): few enough
#: that the embedded store's planner seeks them in the objections' ``record`` index.
#: Given 578 or more at a tenth of Yangtze scale, sorted for a page, it walked every
#: objection's row instead: 14-23 ms cold for a portrait whose fleet's records name that
#: many, 0.2-1 ms seeking.  (Unsorted it still sought 1,000, not 5,000.)
_NAMES_PER_READ = 500
#: Names per read at least, when a caller asks for its reads in parts (objections_about).
_PART_NAMES = 64

#: ``reads(fn, groups)``: ``fn`` of each group, the answers in the groups' order (``map``,
#: or the same run at once in a pool of threads).
Reads = Callable[[Callable[[Any], Any], Sequence[Any]], Iterable[Any]]


def stored_day(value) -> dt.date | None:
    """A stored date property as a day, None when absent or not a date."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def objection_window(objection: Node) -> tuple[dt.date | None, dt.date | None, str | None]:
    """(filed on, decided on, status) of an Objection node; ``decided on`` is None while
    it is open."""
    p = objection.props
    status = p.get("status") or OPEN_STATUSES[0]
    closed = stored_day(p.get("closed_on")) if status not in OPEN_STATUSES else None
    return stored_day(p.get("filed_on")), closed, status


def _open_on(objection: Node, day: dt.date) -> bool:
    filed, closed, status = objection_window(objection)
    if filed is None or filed > day or status == NOT_ACCEPTED:
        return False
    return closed is None or day < closed


def _succeeded_by(objection: Node, day: dt.date) -> bool:
    _, closed, status = objection_window(objection)
    return status in SUCCEEDED and closed is not None and closed <= day


#: Names a process seeks in a store before it keeps every name the store's objections
#: give (_contested) and seeks only those: one that asks about a few records never reads
#: them all (at scale 1, 151,785 names: 0.2 s), one that asks about thousands soon has.
_KEEP_AFTER = 20_000


class _Contested:
    """The names the objections of a store give their records, as of its ``version``
    (None: not kept yet; ``sought``: names sought meanwhile; ``reader``: the thread
    reading them, while it runs)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.version: Any = None
        self.names: frozenset[str] | None = None
        self.sought = 0
        self.reader: threading.Thread | None = None


def _read_names(store: Store, state: _Contested, version: Any) -> None:
    """Read every name into ``state``, as of ``version`` (read before them: a write
    between the two is then read again from the change log, at worst one name too many).
    In a thread of its own: at scale 1 the read takes 0.25 s, which the answer that
    reached :data:`_KEEP_AFTER` would otherwise wait for.  A read that fails keeps
    nothing; the names are read again once as many more are sought."""
    try:
        names = store.text_values("Objection", "record")
    except Exception as exc:  # (a store closed meanwhile, a lost connection)
        _log.warning("objection names not kept: %s", type(exc).__name__)
        names = None
    with state.lock:
        if names is None:
            state.sought = 0
        else:
            state.names, state.version = names, version
        state.reader = None


_KEPT: "weakref.WeakKeyDictionary[Store, _Contested]" = weakref.WeakKeyDictionary()
_KEPT_LOCK = threading.Lock()


def _contested(store: Store, sought: int) -> frozenset[str] | None:
    """Every name an objection in ``store`` gives its record (text: no other value equals
    a name), kept for the store by this process and brought up to date first: a
    store's version moves with every write, and :meth:`Store.changed_since` names the
    objections written since, whose names are read again (a name once kept stays: one
    too many is only sought).  None, and every name is sought, before ``sought`` names
    and those asked before reach :data:`_KEEP_AFTER`, while a thread then reads the names
    (no answer waits for them), and when the store cannot tell what changed (then the
    names are read again once that many are sought)."""
    version = store.version()
    if version is None:
        return None
    with _KEPT_LOCK:
        try:
            state = _KEPT.setdefault(store, _Contested())
        except TypeError:  # (a store that cannot be a weak key: seek every name)
            return None
    with state.lock:
        if state.names is not None and state.version != version:
            touched = store.changed_since(state.version)
            if touched is None:
                state.names, state.sought = None, 0
            else:
                written = sorted(u for u in touched if u.startswith("Objection:") and u != "Objection:")
                if written:
                    state.names = state.names | {
                        v for n in store.get_nodes(written).values()
                        if isinstance(v := n.props.get("record"), str)}
                state.version = version
        if state.names is None:
            state.sought += sought
            if state.sought >= _KEEP_AFTER and state.reader is None:
                state.reader = threading.Thread(target=_read_names, args=(store, state, version),
                                                name="creditkb-objection-names", daemon=True)
                state.reader.start()
        return state.names


def objections_about(store: Store, records: Iterable[Node], reads: Reads = map,
                     parts: int = 1, contested: bool = False) -> dict[str, list[Node]]:
    """The objections contesting each record (by record uid) among ``records`` of the
    contestable labels: an objection names its record by key (as the agency names it) or
    by uid, in its indexed ``record`` property.

    The names are read in reads of at most :data:`_NAMES_PER_READ`, and in ``parts``
    reads or more (of :data:`_PART_NAMES` or more each) when there are that many:
    ``reads(fn, groups)`` reads them, ``fn`` of each group, the answers in their order
    (default: one after another; a caller may run them at once).  With ``contested``,
    only the names some objection gives are sought, once this process keeps them
    (:func:`_contested`: nearly every record has none, and a score reads thousands)."""
    mine = [n for n in records if n.label in CONTESTABLE]
    known = _contested(store, 2 * len(mine)) if contested and mine else None
    names: dict[str, str] = {}
    for n in mine:
        for name in (n.key, n.uid):
            if known is None or name in known:
                names[name] = n.uid
    out: dict[str, list[Node]] = defaultdict(list)
    wanted = sorted(names)
    size = min(_NAMES_PER_READ, max(_PART_NAMES, -(-len(wanted) // max(1, parts))))
    for found in reads(lambda group: store.find_every("Objection", {"record": group}),
                       [wanted[i:i + size] for i in range(0, len(wanted), size)]):
        for obj in found:
            out[names[str(obj.props.get("record"))]].append(obj)
    # (by uid: a record's objections named by key and by uid may come in two reads or one)
    return {uid: sorted(objs, key=attrgetter("uid")) for uid, objs in out.items()}


def in_force(records: Sequence[Node], objections: Mapping[str, Sequence[Node]],
             decisions: Mapping[str, Node], day: dt.date) -> list[Node]:
    """The versions among ``records`` that count on ``day``, flagged (see the module
    docstring); ``objections`` by record uid (:func:`objections_about`), ``decisions`` the
    objections that made corrected versions, by objection number."""
    out = []
    for n in records:
        mine = objections.get(n.uid, ())
        p = n.props
        if not mine and n.label != "ListEntry" and not (p.get("supersedes") and p.get("objection_no")):
            out.append(n)  # nearly every record: none contests it, nor does it correct one
            continue
        if any(_succeeded_by(o, day) for o in mine):
            continue  # corrected or withdrawn from its decision on
        props = None
        if p.get("supersedes") and p.get("objection_no"):
            made = decisions.get(str(p["objection_no"]))
            _, closed, status = objection_window(made) if made is not None else (None, None, None)
            if status != CORRECTED or closed is None or day < closed:
                continue  # not (yet) the version in force
            props = {**p, "version_from": closed.isoformat()}
        notice = stored_day(p.get("notice_until")) if n.label == "ListEntry" else None
        if notice is not None:
            if day <= notice:
                continue  # still in its statement period (告知)
            if any(_open_on(o, day) for o in mine):
                continue  # due process: not before the objection is decided
        open_now = sorted((o for o in mine if _open_on(o, day)),
                          key=lambda o: (str(o.props.get("filed_on")), o.uid))
        if open_now:
            props = {**(props or p), "under_objection_since": str(open_now[0].props["filed_on"])[:10],
                     "under_objection": open_now[0].uid}
        out.append(n if props is None else Node(n.uid, n.label, props))
    return out


def _decisions(store: Store, records: Iterable[Node]) -> dict[str, Node]:
    numbers = {str(n.props["objection_no"]) for n in records
               if n.props.get("supersedes") and n.props.get("objection_no")}
    if not numbers:
        return {}
    return {n.key: n for n in store.get_nodes(f"Objection:{no}" for no in numbers).values()}


def counted(store: Store, records: Sequence[Node], as_of, reads: Reads = map,
            parts: int = 1, contested: bool = False) -> list[Node]:
    """The versions among ``records`` that count on ``as_of``, in their order, those under
    an open objection flagged (``under_objection_since``, ``under_objection``), corrected
    versions with ``version_from``; records of labels no objection contests pass as they
    are.  Indexed reads of the objections (``reads``, ``parts`` and ``contested``: see
    :func:`objections_about`), one of the decisions behind corrections."""
    return _counted(store, list(records), parse_as_of(as_of), reads, parts, contested)[0]


def _counted(store: Store, records: list[Node], day: dt.date, reads: Reads, parts: int,
             contested: bool) -> tuple[list[Node], bool]:
    """:func:`counted`'s versions, and whether they are ``records`` as they are (nearly
    always: no record is contested, listed or corrected)."""
    contestable = [n for n in records if n.label in CONTESTABLE]
    if not contestable:
        return records, True
    forced = in_force(contestable, objections_about(store, contestable, reads, parts, contested),
                      _decisions(store, contestable), day)
    if len(forced) == len(contestable) and all(map(is_, forced, contestable)):
        return records, True
    kept = {n.uid: n for n in forced}
    return [kept[n.uid] if n.label in CONTESTABLE else n for n in records
            if n.label not in CONTESTABLE or n.uid in kept], False


def counted_by_subject(store: Store, by_subject: Mapping[str, Sequence[Node]], as_of,
                       reads: Reads = map, parts: int = 1,
                       contested: bool = False) -> dict[str, list[Node]]:
    """:func:`counted` for records grouped by subject, in one pass; subjects left with no
    record are dropped."""
    flat = [n for nodes in by_subject.values() for n in nodes]
    found, unchanged = _counted(store, flat, parse_as_of(as_of), reads, parts, contested)
    if unchanged:
        return {subject: list(nodes) for subject, nodes in by_subject.items() if nodes}
    kept = {n.uid: n for n in found}
    out = {}
    for subject, nodes in by_subject.items():
        mine = [kept[n.uid] for n in nodes if n.uid in kept]
        if mine:
            out[subject] = mine
    return out


def flag_sentence(since, objection: str | None) -> str | None:
    """The sentence "under objection since …", in the current language, for a record under
    objection since ``since`` (the uid of the ``objection``), else None."""
    if not since:
        return None
    return message("objection.flag", since=stored_day(since) or since,
                   objection=str(objection or "").partition(":")[2])
