"""Bounded breadth-first expansion from seed subjects: the one way queries/ walks the graph.

The store hands out one hop at a time (:meth:`Store.neighbours`, capped per node and
relationship type), so both adapters give the same expansion; this module turns the hops
into a small networkx ``MultiDiGraph`` of node ids.  Node properties are not copied into
it: callers fetch the few they answer with (``store.get_nodes``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import networkx as nx

from graph_model.store.port import Edge, Node, Store
from graph_model.schema import split_uid

DEFAULT_CAP = 50  # edges per (node, relationship type): a hub firm's 5,000 ships stay 50


def edge_valid_on(edge: Edge, as_of: dt.date | None) -> bool:
    """Whether a relationship holds on ``as_of`` (no dates: always)."""
    if as_of is None:
        return True
    day = as_of.isoformat()
    start, end = edge.props.get("valid_from"), edge.props.get("valid_to")
    return (start is None or start <= day) and (end is None or day <= end)


@dataclass
class Expansion:
    """The result of :func:`expand`.

    ``graph`` has a node per uid reached (attributes ``label`` and ``distance``) and an
    edge per relationship followed (key = type, attributes = its properties); ``cut``
    maps (uid, relationship type) to the full degree where the cap left edges out.
    """

    graph: nx.MultiDiGraph
    cut: dict[tuple[str, str], int] = field(default_factory=dict)
    truncated: bool = False

    def distance(self, uid: str) -> int:
        return self.graph.nodes[uid]["distance"]


def expand(store: Store, seeds: Iterable[str], depth: int, rel_types: Sequence[str] | None = None,
           cap: int = DEFAULT_CAP, as_of: dt.date | None = None,
           max_nodes: int = 10_000) -> Expansion:
    """Expand breadth-first from ``seeds`` up to ``depth`` hops.

    Parameters
    ----------
    store : Store
        Any adapter of the store port.
    seeds : iterable of str
        Node uids to start from (distance 0).
    depth : int
        Hops to follow, 0 or more.
    rel_types : sequence of str, optional
        Relationship types to follow (default: every traversal type).
    cap : int
        At most this many edges per (node, relationship type); the rest are counted in
        ``Expansion.cut``.
    as_of : datetime.date, optional
        Follow only relationships valid on this date.
    max_nodes : int
        Stop expanding once this many nodes are reached (``truncated`` is then True).

    Returns
    -------
    Expansion

    Examples
    --------
    On the demo data, 无锡锡城出租汽车有限公司 owns three taxis; one hop along OWNS with a
    cap of two reaches the first two in uid order and counts the third::

        >>> exp = expand(store, ["Enterprise:913202141358742660"], depth=1, rel_types=["OWNS"],
        ...              cap=2)
        >>> sorted(exp.graph.nodes)
        ['Enterprise:913202141358742660', 'Vehicle:苏BD05227', 'Vehicle:苏BF19863']
        >>> exp.cut
        {('Enterprise:913202141358742660', 'OWNS'): 3}
    """
    if depth < 0:
        raise ValueError(f"depth must be 0 or more, not {depth}")
    graph = nx.MultiDiGraph()
    frontier = []
    for uid in dict.fromkeys(seeds):
        graph.add_node(uid, label=split_uid(uid)[0], distance=0)
        frontier.append(uid)
    result = Expansion(graph)
    for distance in range(1, depth + 1):
        if not frontier:
            break
        hood = store.neighbours(frontier, rel_types=rel_types, limit=cap)
        result.cut.update(hood.degrees)
        here = set(frontier)
        nxt = []
        for edge in hood.edges:
            if not edge_valid_on(edge, as_of):
                continue
            far = edge.dst if edge.src in here else edge.src
            if far not in graph:
                if graph.number_of_nodes() >= max_nodes:
                    result.truncated = True
                    continue
                graph.add_node(far, label=split_uid(far)[0], distance=distance)
                nxt.append(far)
            graph.add_edge(edge.src, edge.dst, key=edge.type, **edge.props)
        frontier = nxt
    return result


def nodes_in_order(store: Store, uids: Sequence[str]) -> list[Node | None]:
    """The node of each uid, in order; None where there is none."""
    found = store.get_nodes(uids)
    return [found.get(u) for u in uids]


Hop = tuple[str, tuple[str, ...], str, "int | None"]  # (uid, rel types, direction, limit)


def hops(store: Store, asked: Sequence[Hop]) -> list[tuple[list[Edge], dict[str, int]]]:
    """For each (uid, relationship types, direction, limit) asked: the node's edges of those
    types in that direction (``limit`` per type, see :meth:`Store.neighbours`) and the full
    degree of each type the limit cut.  One store call per (types, direction, limit)."""
    groups: dict[tuple, list[str]] = {}
    for uid, rels, direction, limit in asked:
        groups.setdefault((rels, direction, limit), []).append(uid)
    answers: dict[tuple, tuple[list[Edge], dict[str, int]]] = {}
    for (rels, direction, limit), uids in groups.items():
        hood = store.neighbours(uids, rel_types=list(rels), direction=direction, limit=limit)
        per: dict[str, list[Edge]] = {u: [] for u in uids}
        for e in hood.edges:
            for end in (e.src, e.dst):
                if end in per and (direction == "both"
                                   or (direction == "out" and end == e.src)
                                   or (direction == "in" and end == e.dst)):
                    per[end].append(e)
        for u in uids:
            degrees = {t: n for (x, t), n in hood.degrees.items() if x == u}
            answers[(u, rels, direction, limit)] = (per[u], degrees)
    return [answers[k] for k in asked]
