"""Who stands behind a subject and around it: the subjects within a few hops.

An investigator starts from one subject (a firm just put on the serious-dishonesty list,
a driver, a ship) and asks for its legal representative, that person's other firms, the
firms' vehicles and vessels, their drivers and crew.  :func:`related` walks the graph
breadth-first with :func:`queries.traverse.expand` and answers, for every subject found,
its distance, the path that reached it first and its credit status on ``as_of``.

The answer is bounded three ways, so a hub cannot stall the server or flood the page:

* ``cap`` relationships per (node, relationship type): a group owning 4,812 vehicles
  shows the first ``cap`` (in uid order) and a :class:`HubGroup` saying
  "Vehicle × 4,812 via OWNS of …, 20 shown";
* ``max_nodes`` subjects at most; ``truncated`` says the walk stopped there;
* pagination with ``offset``/``limit``; statuses and names are read for one page only.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Iterable

from graph_model.i18n import message
from graph_model.store.port import Store
from graph_model.schema import schema
from queries.tracing.common import (
    check_offset,
    CreditStatus, StatusFn, Step, as_date, check_depth, check_kinds, check_positive,
    check_rel_types, check_subject, display_name, name_steps, records_status, step_from_data,
)
from queries.dates import InvalidInput
from queries.traverse import expand

__all__ = ["related", "Related", "RelatedSubject", "HubGroup", "DEFAULT_CAP", "DEFAULT_MAX_NODES"]

#: Relationships shown per (node, relationship type) before the rest are grouped.
DEFAULT_CAP = 20
#: Subjects one answer may reach before the walk stops (``truncated``).
DEFAULT_MAX_NODES = 2_000
#: Largest page.
MAX_LIMIT = 1_000

_LABEL_ORDER = {label: i for i, label in enumerate(schema().labels)}


@dataclass(frozen=True)
class RelatedSubject:
    """One subject found: its distance, the path from the starting subject to it (each
    step named) and its credit status on ``as_of``."""

    uid: str
    label: str
    name: str
    distance: int
    path: tuple[Step, ...]
    status: CreditStatus


@dataclass(frozen=True)
class HubGroup:
    """Relationships of one type at one hub that the cap left out.

    ``total`` is the hub's full number of relationships of ``rel_type`` (whatever their
    dates); ``shown`` are the far ends the answer includes: the first ``cap`` in uid order,
    and any the walk reached by another way.
    """

    via: str
    via_name: str
    rel_type: str
    label: str
    total: int
    shown: tuple[str, ...]

    @property
    def hidden(self) -> int:
        return self.total - len(self.shown)

    @property
    def text(self) -> str:
        return (f"{self.label} × {self.total:,} via {self.rel_type} of {self.via_name}, "
                f"{len(self.shown)} shown")


@dataclass(frozen=True)
class Related:
    """The answer of :func:`related`.

    ``subject_status`` is the starting subject's own credit status; ``items`` is one page
    (ordered by distance, then label, then uid); ``total`` counts
    all subjects found; ``next_offset`` is the offset of the next page or None;
    ``groups`` lists the hubs whose relationships were cut by the cap; ``truncated``
    says the walk stopped at ``max_nodes``.  ``cut`` is True when either left subjects out.
    """

    subject: str
    as_of: dt.date
    depth: int
    relation_types: tuple[str, ...]
    subject_status: CreditStatus
    items: tuple[RelatedSubject, ...]
    total: int
    offset: int
    next_offset: int | None
    groups: tuple[HubGroup, ...]
    truncated: bool

    @property
    def cut(self) -> bool:
        return self.truncated or bool(self.groups)


def related(store: Store, subject: str, depth: int = 2, relation_types: Iterable[str] | None = None,
            kinds: Iterable[str] | None = None, *, as_of, cap: int = DEFAULT_CAP,
            max_nodes: int = DEFAULT_MAX_NODES, offset: int = 0, limit: int = 50,
            status: StatusFn = records_status) -> Related:
    """The subjects within ``depth`` hops of ``subject``, with paths and credit status.

    Parameters
    ----------
    store : Store
        Any adapter of the store port.
    subject : str
        uid of the starting subject, e.g. ``"Enterprise:91320506MA1MKT3P0P"``.
    depth : int
        Hops to walk, 1 to :data:`queries.tracing.common.MAX_DEPTH` (0 answers nothing).
    relation_types : iterable of str, optional
        Relationship types to walk; default :data:`queries.tracing.common.SUBJECT_RELATIONS`
        (every subject-to-subject type; not LOCATED_IN).
    kinds : iterable of str, optional
        Subject labels to answer with (``"Enterprise"``, ``"Person"``, ``"Vehicle"``,
        ``"Vessel"``); the walk still passes through the others.  Default: all four.
    as_of : datetime.date or str
        Only relationships valid on this day are walked (edges without dates always
        are), and statuses are computed for it.
    cap : int
        Relationships followed per (node, relationship type); the rest are summarised
        in ``groups``.
    max_nodes : int
        Stop the walk after this many nodes (``truncated`` is then True).
    offset, limit : int
        The page of subjects to return.
    status : StatusFn
        Computes the credit status of the starting subject and one page of subjects
        (one call per answer); default
        :func:`queries.tracing.common.records_status` (lists in force, latest grade in force).

    Returns
    -------
    Related

    Raises
    ------
    InvalidInput
        ``depth`` above the maximum, an unknown relationship type or kind, a malformed
        date; :class:`queries.tracing.common.UnknownSubject` when ``subject`` is not stored.

    Examples
    --------
    On the demo data, who stands around 苏州恒通危险品运输有限公司, put on the
    serious-dishonesty list on 2025-06-20::

        >>> r = related(store, "Enterprise:91320506MA1MKT3P0P", depth=2,
        ...             as_of="2026-10-31")
        >>> [(x.distance, x.name, x.status.lists) for x in r.items]
        [(1, '钱敏 (320581********0621)', ()), (1, '周勇 (320583********0735)', ('重点监管',)),
         (1, '张建国 (320402********0353)', ()), (1, '苏E6K137', ()), (1, '苏E8G520', ()),
         (2, '昆山顺达物流有限公司', ())]
        >>> [s.text for s in r.items[-1].path]
        ['张建国 (320402********0353) is the legal representative of 苏州恒通危险品运输有限公司',
         '张建国 (320402********0353) is the legal representative of 昆山顺达物流有限公司']
        >>> r.items[-1].status.grades
        (('苏州市道路运输企业分类分级评价', 'A'), ('道路运输经营者信用评价', 'B'))
        >>> r.total, r.cut
        (6, False)

    Persons sort by their uid, a keyed hash, so their order depends on the deployment's
    secret.  The sister firm is reached through the shared legal representative; its
    driver 李明 is three hops away (``depth=3``).
    """
    day = as_date(as_of)
    depth = check_depth(depth)
    rel_types = check_rel_types(relation_types)
    wanted = check_kinds(kinds)
    cap = check_positive(cap, "cap")
    max_nodes = check_positive(max_nodes, "max_nodes")
    limit = check_positive(limit, "limit")
    if limit > MAX_LIMIT:
        raise InvalidInput(message("error.limit_at_most", maximum=str(MAX_LIMIT), value=str(limit)))
    offset = check_offset(offset)
    start = check_subject(store, subject)

    exp = expand(store, [subject], depth, rel_types=list(rel_types), cap=cap, as_of=day,
                 max_nodes=max_nodes + 1)  # +1: the starting subject is not an answer
    g = exp.graph
    dist = {u: d for u, d in g.nodes(data="distance")}

    # The first path to every node: its parent is the neighbour one hop nearer, the
    # smallest by (uid, relationship type) so the answer does not depend on store order.
    parent: dict[str, tuple[tuple[str, str], Step]] = {}
    for u, v, key, data in g.edges(keys=True, data=True):
        for near, far in ((u, v), (v, u)):
            if dist[far] == dist[near] + 1:
                rank = (near, key)
                if far not in parent or rank < parent[far][0]:
                    parent[far] = (rank, step_from_data(near, far, key, u, data))

    found = sorted((u for u in g if u != subject and g.nodes[u]["label"] in wanted),
                   key=lambda u: (dist[u], _LABEL_ORDER.get(g.nodes[u]["label"], 99), u))
    page = found[offset:offset + limit]
    paths = [_path(u, parent) for u in page]

    hubs = sorted(exp.cut.items(), key=lambda kv: (-kv[1], kv[0]))
    hub_shown = {}
    for (hub, rel_type), _total in hubs:
        if hub in g:
            shown = sorted({v for _, v, k in g.out_edges(hub, keys=True) if k == rel_type} |
                           {u for u, _, k in g.in_edges(hub, keys=True) if k == rel_type})
            hub_shown[(hub, rel_type)] = tuple(shown)

    nodes = store.get_nodes(sorted({u for u in page} | {s.frm for p in paths for s in p}
                                   | {h for h, _ in hub_shown}))
    nodes.setdefault(subject, start)
    named = name_steps(store, paths, nodes)
    statuses = status(store, [subject] + page, day)

    items = tuple(
        RelatedSubject(uid=u, label=g.nodes[u]["label"], name=display_name(nodes.get(u), u),
                       distance=dist[u], path=p, status=statuses.get(u) or CreditStatus())
        for u, p in zip(page, named))
    groups = []
    for (hub, rel_type), total in hubs:
        shown = hub_shown.get((hub, rel_type), ())
        labels = Counter(u.partition(":")[0] for u in shown)
        if labels and not (set(labels) & wanted):
            continue
        label = "|".join(sorted(labels)) or "?"
        groups.append(HubGroup(via=hub, via_name=display_name(nodes.get(hub), hub),
                               rel_type=rel_type, label=label, total=total, shown=shown))
    nxt = offset + limit if offset + limit < len(found) else None
    return Related(subject=subject, as_of=day, depth=depth, relation_types=rel_types,
                   subject_status=statuses.get(subject) or CreditStatus(), items=items, total=len(found), offset=offset, next_offset=nxt,
                   groups=tuple(groups), truncated=exp.truncated)


def _path(uid: str, parent: dict) -> tuple[Step, ...]:
    steps = []
    while uid in parent:
        step = parent[uid][1]
        steps.append(step)
        uid = step.frm
    return tuple(reversed(steps))
