"""The embedded store's in-memory traversal graph: the topology as CSR arrays.

At Yangtze scale (about 2 million nodes and 5 million edges) a networkx graph rebuilt from
SQLite took 58 s and 4.5 GiB here, while compressed sparse rows of the same topology took
about 1 s and 0.3 GiB.  So the hot path keeps only integers: node ids (SQLite ``nid``),
edge ids, relationship type codes, and a rank per node that orders neighbours by uid (the
stable order the store port promises).  Properties stay in SQLite and are fetched for the
few edges a question returns; networkx is used by queries/ on those small subgraphs.

A load that adds a few nodes and edges (a daily export) patches the topology rather than
rebuild it from SQLite (:meth:`Topology.patched`): ranks are spaced :data:`RANK_STEP`
apart, so a new node takes a rank between its neighbours in uid order and every stored
rank, and so every node's sorted edges, stays as it was; only the nodes the new edges
touch have their edges sorted again.  What a patch added is appended to a log beside the
cached base (graph_model.store.embedded.patchlog), so that a small change writes a small
file rather than the whole cache again.
"""

from __future__ import annotations

import os
import tempfile
import zipfile
from dataclasses import dataclass
from typing import NamedTuple, Sequence

import numpy as np

from graph_model.errors import CreditKBError
from graph_model.store.embedded.patchlog import Patch

FORMAT_VERSION = 3  # 2: ranks spaced RANK_STEP apart; 3: graph nodes only, a patch log
#: a cache file that cannot be read (missing, torn, of another layout): rebuilt
_UNREADABLE = (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile)
#: Spacing of the ranks a build gives: a patch puts new nodes in the gaps (2**24 nodes
#: between two neighbours; 2**39 nodes in all before an int64 overflows).
RANK_STEP = 1 << 24


class NoRoom(CreditKBError, ValueError):
    """A patch's new nodes do not fit between their neighbours' ranks: rebuild (the store
    catches it; it never reaches a user)."""


class BaseInfo(NamedTuple):
    """A cached base's header: its generation, largest node and edge ids, edge and graph
    node counts."""

    generation: int
    max_nid: int
    max_eid: int
    n_edges: int
    n_nodes: int


@dataclass
class Adjacency:
    """Edges grouped by one endpoint: ``indptr[n]:indptr[n+1]`` are node ``n``'s edges,
    sorted by (type, rank of the far end)."""

    indptr: np.ndarray  # int64, len = n_nodes + 1
    far: np.ndarray  # int64 place (see Topology) of the other end
    types: np.ndarray  # int8 relationship type code
    eids: np.ndarray  # int64 SQLite edge id


def _adjacency(near: np.ndarray, far: np.ndarray, types: np.ndarray, eids: np.ndarray,
               rank: np.ndarray, n_nodes: int) -> Adjacency:
    order = np.lexsort((rank[far], types, near))
    counts = np.bincount(near, minlength=n_nodes)
    indptr = np.zeros(n_nodes + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    return Adjacency(indptr, far[order], types[order], eids[order])


def _patched(adj: Adjacency, near: np.ndarray, far: np.ndarray, types: np.ndarray,
             eids: np.ndarray, rank: np.ndarray, n_nodes: int) -> Adjacency:
    """``adj`` with the edges (near, far, types, eids) added: the segments of the near
    nodes they touch are sorted again with them, every other segment is copied as it is."""
    old_n = len(adj.indptr) - 1
    counts = np.zeros(n_nodes, dtype=np.int64)
    counts[:old_n] = np.diff(adj.indptr)
    touched = np.unique(near)
    old_touched = touched[touched < old_n]
    # the touched nodes' stored edges leave the arrays and come back sorted with the new
    los, his = adj.indptr[old_touched], adj.indptr[old_touched + 1]
    lengths = his - los
    moved = np.repeat(los - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
    keep = np.ones(len(adj.far), dtype=bool)
    keep[moved] = False
    p_near = np.concatenate([np.repeat(old_touched, lengths), near])
    p_far = np.concatenate([adj.far[moved], far])
    p_types = np.concatenate([adj.types[moved], types.astype(adj.types.dtype)])
    p_eids = np.concatenate([adj.eids[moved], eids])
    order = np.lexsort((rank[p_far], p_types, p_near))
    p_near, p_far, p_types, p_eids = p_near[order], p_far[order], p_types[order], p_eids[order]
    counts[old_touched] = 0
    kept_indptr = np.zeros(n_nodes + 1, dtype=np.int64)
    np.cumsum(counts, out=kept_indptr[1:])
    at = kept_indptr[p_near]  # a touched node's segment goes where its kept one (none) is
    counts += np.bincount(p_near, minlength=n_nodes)
    indptr = np.zeros(n_nodes + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    return Adjacency(indptr, np.insert(adj.far[keep], at, p_far),
                     np.insert(adj.types[keep], at, p_types),
                     np.insert(adj.eids[keep], at, p_eids))


def _place(rank: np.ndarray, new: np.ndarray, below: np.ndarray, above: np.ndarray) -> None:
    """Give the places ``new`` (new nodes, in uid order) ranks in the gaps between their
    stored neighbours, the places ``below`` and ``above`` (-1: none), in place."""
    lo = np.where(below >= 0, rank[np.maximum(below, 0)], np.int64(-1))
    hi = np.where(above >= 0, rank[np.maximum(above, 0)], np.int64(-1))
    # new nodes between the same two stored ones share that gap, spread evenly in it
    i = 0
    while i < len(new):
        j = i
        while j + 1 < len(new) and below[j + 1] == below[i]:
            j += 1
        k = j - i + 1
        if below[i] < 0 and above[i] < 0:  # a graph of new nodes only
            start, step = 0, RANK_STEP
        elif above[i] < 0:
            start, step = lo[i] + RANK_STEP, RANK_STEP
        elif below[i] < 0:
            start, step = hi[i] - k * RANK_STEP, RANK_STEP
        else:
            step = (hi[i] - lo[i]) // (k + 1)
            if step < 1:
                raise NoRoom(f"{k} new nodes between ranks {lo[i]} and {hi[i]}")
            start = lo[i] + step
        rank[new[i:j + 1]] = start + step * np.arange(k, dtype=np.int64)
        i = j + 1


def _dense(nids: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """The positions in ``nids`` (sorted) of the node ids ``ids``; NoRoom when one is
    not there (an edge to a node the topology does not hold: the caller rebuilds)."""
    at = np.searchsorted(nids, ids)
    if len(ids) and (at.max() >= len(nids) or (nids[np.minimum(at, len(nids) - 1)] != ids).any()):
        raise NoRoom("an edge ends at a node the topology does not hold")
    return at


@dataclass
class Topology:
    """Both directions of the traversal graph, stamped with the store generation it shows.

    Its arrays are indexed by graph node only (a node's *place*: its position in the
    sorted ``nids``), not by every store id: records (penalties, alarms, ...) have store
    ids too and are nine tenths of them, so arrays indexed by store id took 62 MB at scale
    0.1 (1.1 GB at scale 1) where these take a few.  Ids are handed out in increasing
    order (AUTOINCREMENT), so a patch's new nodes take the places after the stored ones."""

    generation: int
    out: Adjacency  # indptr per place; far: the place at the other end
    inc: Adjacency
    rank: np.ndarray  # int64 per place: its position in uid order, spaced RANK_STEP apart
    nids: np.ndarray  # int64 sorted store ids of the graph's nodes
    max_nid: int  # the largest store id (of any node) when made: a patch adds those above

    @classmethod
    def build(cls, generation: int, src: np.ndarray, dst: np.ndarray, types: np.ndarray,
              eids: np.ndarray, ranked_nids: np.ndarray, max_nid: int) -> "Topology":
        """``ranked_nids`` lists the graph's node ids in uid order."""
        ranked_nids = np.asarray(ranked_nids, dtype=np.int64)
        ends = np.concatenate([src, dst]).astype(np.int64)
        # Every edge of a store's graph ends at a ranked node: the places are then the
        # ranked ids sorted, and each end is found among them once (a union of the ends,
        # 2 per edge, hashed them all: most of build()'s time at scale 1).
        nids = np.sort(ranked_nids)  # (ids of distinct uids: distinct)
        try:
            at = _dense(nids, ends)
        except NoRoom:  # an end not ranked: a place of its own, rank 0 (as ever)
            nids = np.union1d(nids, ends)
            at = _dense(nids, ends)
        rank = np.zeros(len(nids), dtype=np.int64)
        rank[np.searchsorted(nids, ranked_nids)] = \
            np.arange(len(ranked_nids), dtype=np.int64) * RANK_STEP
        s, d, n = at[:len(src)], at[len(src):], len(nids)
        return cls(
            generation,
            _adjacency(s, d, types, eids, rank, n),
            _adjacency(d, s, types, eids, rank, n),
            rank, nids, int(max_nid),
        )

    def patched(self, generation: int, src: np.ndarray, dst: np.ndarray, types: np.ndarray,
                eids: np.ndarray, new_nids: np.ndarray, below: np.ndarray, above: np.ndarray,
                max_nid: int) -> "Topology":
        """This topology with nodes and edges added (never removed): ``new_nids`` are the
        new graph nodes in uid order, ``below`` and ``above`` for each the nid of the stored
        graph node just before and just after it in uid order (-1: none).  Raises
        :class:`NoRoom` when new nodes do not fit in the rank gap between two stored
        ones (the caller rebuilds)."""
        edges = np.column_stack([src, dst, types, eids]).astype(np.int64).reshape(-1, 4)
        max_eid = int(max(eids.max(initial=0), self.max_eid))
        return self.with_patches([Patch(generation, edges, np.asarray(new_nids, dtype=np.int64),
                                        np.asarray(below, dtype=np.int64),
                                        np.asarray(above, dtype=np.int64), int(max_nid), max_eid)])

    def with_patches(self, patches: Sequence[Patch]) -> "Topology":
        """This topology with the :class:`Patch` records applied in order (each of the
        generation after the one before): the ranks of each one's new nodes placed in turn,
        then every touched segment sorted again once.  Raises :class:`NoRoom` as
        :meth:`patched` does, and when a patch's new nodes do not come after the stored
        ones."""
        if not patches:
            return self
        added = [np.sort(p.new_nids) for p in patches]
        nids = np.concatenate([self.nids, *added])
        if (np.diff(nids) <= 0).any():
            raise NoRoom("new nodes with ids below stored ones")
        rank = np.concatenate([self.rank, np.zeros(len(nids) - len(self.rank), dtype=np.int64)])
        def place(ids: np.ndarray) -> np.ndarray:  # (-1: none)
            out = np.full(len(ids), -1, dtype=np.int64)
            out[ids >= 0] = _dense(nids, ids[ids >= 0])
            return out

        for p in patches:
            _place(rank, _dense(nids, p.new_nids), place(p.below), place(p.above))
        edges = np.concatenate([p.edges for p in patches])
        src, dst = _dense(nids, edges[:, 0]), _dense(nids, edges[:, 1])
        types, eids, n = edges[:, 2].astype(np.int8), edges[:, 3], len(nids)
        return Topology(
            patches[-1].generation,
            _patched(self.out, src, dst, types, eids, rank, n),
            _patched(self.inc, dst, src, types, eids, rank, n),
            rank, nids, max(self.max_nid, *(p.max_nid for p in patches)),
        )

    @property
    def n_nodes(self) -> int:
        return len(self.nids)

    def hop(self, nid: int, direction: str, type_codes: set[int] | None,
            limit: int | None) -> tuple[list[tuple[int, int, int, bool]], dict[int, int]]:
        """Edges at ``nid``: a list of (type code, far nid, eid, outgoing), at most ``limit``
        per type in uid order of the far end, and for each type cut by ``limit`` its full
        count."""
        at = int(np.searchsorted(self.nids, nid))
        if at >= len(self.nids) or self.nids[at] != nid:
            return [], {}
        groups: dict[int, list[tuple[np.ndarray, np.ndarray, bool]]] = {}
        for adj, outgoing in ((self.out, True), (self.inc, False)):
            if direction == ("in" if outgoing else "out"):
                continue
            lo, hi = int(adj.indptr[at]), int(adj.indptr[at + 1])
            if lo == hi:
                continue
            codes, starts, counts = np.unique(adj.types[lo:hi], return_index=True,
                                              return_counts=True)
            for code, start, count in zip(codes.tolist(), starts.tolist(), counts.tolist()):
                if type_codes is None or code in type_codes:
                    a, b = lo + start, lo + start + count
                    groups.setdefault(code, []).append((adj.far[a:b], adj.eids[a:b], outgoing))
        hits: list[tuple[int, int, int, bool]] = []
        cut: dict[int, int] = {}
        for code, parts in groups.items():
            far = np.concatenate([p[0] for p in parts])
            eids = np.concatenate([p[1] for p in parts])
            outgoing = np.concatenate([np.full(len(p[0]), p[2]) for p in parts])
            if len(parts) > 1:  # both directions: merge into one uid order of the far
                # end, then of the source (A->B before B->A between the same two nodes)
                src_rank = np.where(outgoing, self.rank[at], self.rank[far])
                order = np.lexsort((src_rank, self.rank[far]))
                far, eids, outgoing = far[order], eids[order], outgoing[order]
            if limit is not None and len(far) > limit:
                cut[code] = len(far)
                far, eids, outgoing = far[:limit], eids[:limit], outgoing[:limit]
            hits.extend(zip([code] * len(far), self.nids[far].tolist(), eids.tolist(),
                            outgoing.tolist()))
        return hits, cut

    # -- persistence: a cache beside the database, never the truth --------------------
    # The base arrays of one generation (the patches after it are in the patch log:
    # graph_model.store.embedded.patchlog).  Its ``meta`` member is read alone (a zip
    # member) by a writer that only appends a patch.

    @property
    def max_eid(self) -> int:
        return int(self.out.eids.max(initial=0))

    def save(self, path: str) -> None:
        """Write atomically (temp file + rename), so a crash leaves the old cache or none."""
        directory = os.path.dirname(path) or "."
        fd, tmp = tempfile.mkstemp(dir=directory, suffix=".npz.tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez(
                    fh,
                    meta=np.array([FORMAT_VERSION, self.generation, self.max_nid, self.max_eid,
                                   len(self.out.far), self.n_nodes], dtype=np.int64),
                    rank=self.rank,
                    nids=self.nids,
                    **{f"out_{k}": v for k, v in vars(self.out).items()},
                    **{f"in_{k}": v for k, v in vars(self.inc).items()},
                )
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    @staticmethod
    def peek(path: str) -> BaseInfo | None:
        """The generation and sizes of the cached base, reading its header only; None when
        missing, unreadable or of another format."""
        try:
            with np.load(path) as z:
                version, *info = z["meta"].tolist()
        except _UNREADABLE:
            return None
        return BaseInfo(*info) if version == FORMAT_VERSION and len(info) == 5 else None

    @classmethod
    def load(cls, path: str, upto: int) -> "Topology | None":
        """The cached base, or None when missing, unreadable or of a generation after
        ``upto`` (the patches after it, up to ``upto``, are the caller's to apply)."""
        try:
            with np.load(path) as z:
                version, gen, max_nid = z["meta"].tolist()[:3]
                if version != FORMAT_VERSION or gen > upto:
                    return None
                parts = {k: z[k] for k in z.files}
        except _UNREADABLE:
            return None
        fields = ("indptr", "far", "types", "eids")
        return cls(
            gen,
            Adjacency(*(parts[f"out_{f}"] for f in fields)),
            Adjacency(*(parts[f"in_{f}"] for f in fields)),
            parts["rank"], parts["nids"], max_nid,
        )
