"""A chunk's reads of the records its rows name, made once for all its checks.

A repairs file's rows name penalties, and three checks read each of them: whether it is
stored (a dangling reference is rejected), whether it was revoked (a quality finding) and
the repair rules (rule 17: its decision date, severity and violation).  Made one after
another, that was three look-ups per row in the store's uid index, most of a repairs
load's preparing thread.  Read once, with every property the checks ask for, they cost
one; a check asking for more, or for other nodes, reads the store as before.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Any, Iterable, Mapping, Sequence

from graph_model.store.port import Store


class SharedReads:
    """``store``, with the properties ``props`` of the nodes ``uids`` read once and the
    store's ``existing`` and ``node_props`` answered from them where they can be (the
    same answers: read in the same snapshot, before this chunk's rows are written).
    Everything else goes to ``store``."""

    def __init__(self, store: Store, uids: Iterable[str], props: Sequence[str]):
        self._store = store
        self._asked = set(uids)
        self._order = tuple(props)
        self._props = frozenset(props)
        # in uid order: each statement's uids (sql.CHUNK of them) then lie together in the index
        self._found = store.node_props(sorted(self._asked), list(self._order)) \
            if self._asked else {}

    def __getattr__(self, name: str):
        return getattr(self._store, name)

    def existing(self, uids: Iterable[str]) -> set[str]:
        uids = set(uids)
        rest = uids - self._asked
        found = uids & self._found.keys()
        return found | self._store.existing(rest) if rest else found

    def node_props(self, uids: Iterable[str], props: Sequence[str]) -> dict[str, dict[str, Any]]:
        uids = list(dict.fromkeys(uids))
        if not self._props.issuperset(props):
            return self._store.node_props(uids, props)
        found = self._found
        if tuple(props) == self._order:  # as read: copied whole
            out = {u: dict(found[u]) for u in uids if u in found}
        elif len(props) == 1:  # (the revoked-penalty check's status)
            [p] = props
            out = {u: {p: found[u][p]} for u in uids if u in found}
        else:  # (not a comprehension a node: each is a call)
            pick = itemgetter(*props)
            out = {u: dict(zip(props, pick(found[u]))) for u in uids if u in found}
        if not self._asked.issuperset(uids):
            out.update(self._store.node_props([u for u in uids if u not in self._asked], props))
        return out


def shared_reads(store: Store, refs: list[tuple[str, Any]],
                 reads: Mapping[str, Sequence[str]]) -> Store:
    """``store``, or :class:`SharedReads` of the nodes of the labels in ``reads`` (label ->
    the properties the checks read of them) that the references ``refs`` name (column,
    uid per row: see :func:`loaders.build.references`)."""
    uids = {u for _, named in refs for u in named.dropna().unique().tolist()
            if u.partition(":")[0] in reads}
    if not uids:
        return store
    labels = sorted({u.partition(":")[0] for u in uids})
    props = list(dict.fromkeys(p for label in labels for p in reads[label]))
    return SharedReads(store, uids, props)
