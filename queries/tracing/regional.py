"""The whole-graph tracing answers (clusters, successor shells) cut to one region: what a
region's investigator is shown before the key's scope hides what it may not see.

The whole-graph answer is the same for everyone on one day and one store; computing it is
the heavy part, so these take it ready-made (``whole``) when the caller keeps one.

Examples
--------
On the demo data on 2026-10-31 the only subject carrying dishonesty is a Suzhou firm::

    >>> [c.summary.split(":")[0] for c in clusters_in_region(store, "320500",
    ...                                                      as_of="2026-10-31", min_size=1).clusters]
    ['1 dishonest subject (1 Enterprise)']
    >>> clusters_in_region(store, "320200", as_of="2026-10-31", min_size=1).total
    0
"""

from __future__ import annotations

from dataclasses import replace

from graph_model.store.port import Store
from queries.rules.jurisdiction import within
from queries.tracing.clusters import BATCH, Clusters, clusters
from queries.tracing.successors import Shells, successor_shells

__all__ = ["ALL", "clusters_in_region", "shells_in_region"]

#: Enough to hold every cluster or shell of a whole graph on one page.
ALL = 1_000_000


def _regions(store: Store, uids: set[str]) -> dict[str, str | None]:
    ordered = sorted(uids)
    out: dict[str, str | None] = {}
    for i in range(0, len(ordered), BATCH):
        found = store.get_nodes(ordered[i:i + BATCH])
        out.update({u: n.props.get("region_code") for u, n in found.items()})
    return out


def clusters_in_region(store: Store, region: str, *, as_of, whole: Clusters | None = None,
                       min_size: int = 2) -> Clusters:
    """Every cluster (:func:`queries.tracing.clusters.clusters`, all pages) with a member
    registered in ``region``."""
    whole = whole or clusters(store, as_of=as_of, limit=ALL, min_size=min_size)
    where = _regions(store, {m.uid for c in whole.clusters for m in c.members})
    kept = tuple(c for c in whole.clusters
                 if any(within(where.get(m.uid), region) for m in c.members))
    return replace(whole, clusters=kept, total=len(kept), offset=0, next_offset=None)


def shells_in_region(store: Store, region: str, *, as_of, whole: Shells | None = None) -> Shells:
    """Every successor shell (:func:`queries.tracing.successors.successor_shells`, all pages)
    whose predecessor or successor is registered in ``region``."""
    whole = whole or successor_shells(store, as_of=as_of, limit=ALL)
    where = _regions(store, {u for s in whole.shells for u in (s.predecessor, s.successor)})
    kept = tuple(s for s in whole.shells
                 if within(where.get(s.predecessor), region)
                 or within(where.get(s.successor), region))
    return replace(whole, shells=kept, total=len(kept), offset=0, next_offset=None)
