"""The shortest connections between two subjects, every step named.

"How is this driver connected to that seriously dishonest firm?"  :func:`paths` walks
breadth-first from both subjects at once with :func:`queries.traverse.expand` (always
the smaller frontier first, each hop capped per node and relationship type), stops at the
level where the two walks meet, and lists the shortest paths on the union of what both
walks saw with ``networkx.all_shortest_paths``.  Each step says who represents whom, who
owns which vehicle, who drives for whom, and since when.

Walking from both ends also gets round most hub caps: a vehicle beyond the cap of its
owner's 4,000 vehicles is still found from the vehicle's side.  When the walks use up
``max_depth`` without meeting, one more hop from each frontier looks for a relationship
the cap hid at the hub's end of the middle step.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Iterable

import networkx as nx

from graph_model.store.port import Store
from queries.tracing.common import (
    Step, as_date, check_depth, check_positive, check_rel_types, check_subject, name_steps,
    step_from_data,
)
from queries.traverse import expand

__all__ = ["paths", "Paths", "Connection", "DEFAULT_CAP", "DEFAULT_MAX_NODES"]

#: Relationships followed per (node, relationship type) on each hop.
DEFAULT_CAP = 50
#: Nodes both walks together may visit before giving up (``truncated``).
DEFAULT_MAX_NODES = 20_000


@dataclass(frozen=True)
class Connection:
    """One shortest path: the subjects on it in order and the named steps between them."""

    nodes: tuple[str, ...]
    steps: tuple[Step, ...]

    @property
    def text(self) -> str:
        return "; ".join(s.text for s in self.steps)


@dataclass(frozen=True)
class Paths:
    """The answer of :func:`paths`.

    ``length`` is the number of steps of the shortest connection (0 when ``a == b``),
    None when there is none within ``max_depth``.  ``connections`` lists up to ``limit``
    of the shortest ones; ``more`` says there are others.  ``incomplete`` is True when the
    walk could not see everything (a hub's relationships were cut by the cap, or
    ``max_nodes`` was reached): a path through what was left out may exist; ``cut`` names
    the hubs, with their full number of relationships of that type.
    """

    a: str
    b: str
    as_of: dt.date | None
    max_depth: int
    length: int | None
    connections: tuple[Connection, ...]
    more: bool
    incomplete: bool
    cut: tuple[tuple[str, str, int], ...]


def paths(store: Store, a: str, b: str, max_depth: int = 4, *, as_of,
          relation_types: Iterable[str] | None = None, cap: int = DEFAULT_CAP,
          limit: int = 10, max_nodes: int = DEFAULT_MAX_NODES) -> Paths:
    """The shortest connections between subjects ``a`` and ``b``.

    Parameters
    ----------
    store : Store
        Any adapter of the store port.
    a, b : str
        uids of the two subjects.  ``a == b`` gives the trivial answer (length 0, one
        connection without steps).
    max_depth : int
        Longest connection looked for, 1 to :data:`queries.tracing.common.MAX_DEPTH`.
    as_of : datetime.date, str or None
        Walk only relationships valid on this day (relationships without dates always
        are); ``None`` walks every relationship ever recorded, whatever its dates.
    relation_types : iterable of str, optional
        Relationship types to walk; default :data:`queries.tracing.common.SUBJECT_RELATIONS`.
    cap : int
        Relationships followed per (node, relationship type) on each hop.
    limit : int
        Most connections returned (all of the shortest length).
    max_nodes : int
        Nodes both walks may visit together before stopping (``incomplete``).

    Returns
    -------
    Paths

    Raises
    ------
    InvalidInput
        ``max_depth`` outside 1..MAX_DEPTH, unknown relationship types, a malformed
        date; :class:`queries.tracing.common.UnknownSubject` when a subject is not stored.

    Examples
    --------
    On the demo data, how the driver 李明 of 昆山顺达物流有限公司 is connected to the
    seriously dishonest 苏州恒通危险品运输有限公司::

        >>> from graph_model.settings import DEMO_SECRET
        >>> from queries.search.subjects import subject_uid
        >>> li_ming = subject_uid("341221199604163111", DEMO_SECRET)
        >>> p = paths(store, li_ming, "Enterprise:91320506MA1MKT3P0P",
        ...           as_of="2026-10-31")
        >>> p.length
        3
        >>> for step in p.connections[0].steps: print(step.text)
        李明 (341221********3111) is employed by 昆山顺达物流有限公司
        张建国 (320402********0353) is the legal representative of 昆山顺达物流有限公司
        张建国 (320402********0353) is the legal representative of 苏州恒通危险品运输有限公司

    (``subject_uid`` hashes the resident ID number as the loader did, with the secret the
    demo was loaded with.)
    """
    day = None if as_of is None else as_date(as_of)
    max_depth = check_depth(max_depth, "max_depth", minimum=1)
    rel_types = list(check_rel_types(relation_types))
    cap = check_positive(cap, "cap")
    limit = check_positive(limit, "limit")
    max_nodes = check_positive(max_nodes, "max_nodes")
    check_subject(store, a)
    if a != b:
        check_subject(store, b)
    else:
        return Paths(a, b, day, max_depth, 0, (Connection((a,), ()),), False, False, ())

    union = nx.MultiDiGraph()
    union.add_nodes_from([a, b])
    dist = {a: {a: 0}, b: {b: 0}}
    frontier = {a: [a], b: [b]}
    reach = {a: 0, b: 0}
    cut: dict[tuple[str, str], int] = {}
    truncated = False
    met: set[str] = set()
    while reach[a] + reach[b] < max_depth and frontier[a] and frontier[b]:
        side = a if len(frontier[a]) <= len(frontier[b]) else b
        budget = max_nodes - len(dist[a]) - len(dist[b])
        if budget <= 0:
            truncated = True
            break
        exp = expand(store, frontier[side], 1, rel_types=rel_types, cap=cap, as_of=day,
                     max_nodes=len(frontier[side]) + budget)
        cut.update(exp.cut)
        truncated |= exp.truncated
        union.add_edges_from(exp.graph.edges(keys=True, data=True))
        reach[side] += 1
        seen = dist[side]
        nxt = [u for u, d in exp.graph.nodes(data="distance") if d == 1 and u not in seen]
        for u in nxt:
            seen[u] = reach[side]
        frontier[side] = nxt
        met = set(dist[a]) & set(dist[b])
        if met:
            break

    if not met and not truncated and frontier[a] and frontier[b]:
        # The walks used up max_depth without meeting.  A relationship in the middle may
        # have been cut from the hub's end yet be visible from the frontier's end: one
        # more hop from each frontier, kept only where it lands on the other walk close
        # enough to stay within max_depth.
        for side, other in ((a, b), (b, a)):
            if reach[side] + 1 > max_depth:
                continue
            room = max_depth - reach[side] - 1
            exp = expand(store, frontier[side], 1, rel_types=rel_types, cap=cap, as_of=day)
            cut.update(exp.cut)
            for u, v, key, data in exp.graph.edges(keys=True, data=True):
                for near, far in ((u, v), (v, u)):
                    if near in exp.graph and exp.graph.nodes[near]["distance"] == 0 \
                            and dist[other].get(far, max_depth + 1) <= room:
                        union.add_edge(u, v, key=key, **data)
                        met.add(far)

    incomplete = truncated or bool(cut)
    cut_list = tuple(sorted((u, t, n) for (u, t), n in cut.items()))
    if not met:
        return Paths(a, b, day, max_depth, None, (), False, incomplete, cut_list)

    simple = nx.Graph(union.to_undirected(as_view=True))
    node_paths = nx.all_shortest_paths(simple, a, b)
    chosen: list[tuple[tuple[str, ...], tuple[Step, ...]]] = []
    more = False
    for nodes in node_paths:
        for steps in itertools.product(*(_steps(union, u, v) for u, v in zip(nodes, nodes[1:]))):
            if len(chosen) == limit:
                more = True
                break
            chosen.append((tuple(nodes), steps))
        if more:
            break
    named = name_steps(store, [s for _, s in chosen])
    length = len(chosen[0][1])
    conns = tuple(Connection(n, s) for (n, _), s in zip(chosen, named))
    return Paths(a, b, day, max_depth, length, conns, more, incomplete, cut_list)


def _steps(g: nx.MultiDiGraph, u: str, v: str) -> list[Step]:
    """Every relationship between ``u`` and ``v`` as a step from ``u`` to ``v``."""
    out = []
    for src, dst in ((u, v), (v, u)):
        for key, data in (g.get_edge_data(src, dst) or {}).items():
            out.append(step_from_data(u, v, key, src, data))
    return sorted(out, key=lambda s: (s.rel_type, s.direction))
