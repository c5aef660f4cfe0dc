"""What a file's chunks ask the store about the subjects their rows name, read once a file.

A file's chunks name the same subjects again and again: at scale 1, 3.4 M penalties name
412 k subjects, and their 200 k-row chunks named 2.29 M between them, each asked of the
store twice per chunk (whether it is there, then its region) in B-tree seeks that made up
most of the penalties' preparation.  Here each subject is read once a file, its existence
and the properties the file needs with one statement.  That gives the answers a read per
chunk gave: no file creates a subject its own rows name, and a file's chunks are checked
against one state of the store (see :func:`loaders.load.load_table`, which prepares them
again, with a new :class:`SubjectLookups`, should a commit come in between).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from graph_model.schema import schema
from graph_model.store.port import Store


def subject_props(label: str) -> list[str]:
    """The subject's properties a record of ``label`` copies when it is loaded: a penalty's
    ``subject_region`` is its subject's ``region_code`` (see
    :func:`loaders.resolve.with_subject_regions`)."""
    return ["region_code"] if "subject_region" in schema().label(label).properties else []


class SubjectLookups:
    """Subjects one file's rows name, each looked up in ``store`` once: whether it is there
    and, when it is, its ``props``."""

    def __init__(self, store: Store, props: Sequence[str] = ()):
        self.store = store
        self.props = list(props)
        self._seen: dict[str, tuple | None] = {}  # uid -> its props' values; None: not there

    def _read(self, uids: Sequence[str]) -> None:
        new = [u for u in dict.fromkeys(uids) if u not in self._seen]
        if not new:
            return
        if self.props:
            found = self.store.node_props(new, self.props)
            values = {u: tuple(p.get(k) for k in self.props) for u, p in found.items()}
        else:  # existence alone: read from the uid index, no row
            values = dict.fromkeys(self.store.existing(new), ())
        self._seen.update((u, values.get(u)) for u in new)

    def existing(self, uids: Sequence[str]) -> set[str]:
        """Those of ``uids`` that name a stored node."""
        self._read(uids)
        return {u for u in uids if self._seen[u] is not None}

    def values(self, uids: pd.Series, prop: str) -> pd.Series:
        """``prop`` of each uid's stored subject (null for a null uid, a subject not stored
        or one without it), as strings, with the index of ``uids``."""
        codes, distinct = pd.factorize(uids)  # a null uid: code -1
        self._read(distinct.tolist())
        at = self.props.index(prop)
        found = np.array([None if (v := self._seen[u]) is None else v[at]
                          for u in distinct.tolist()] + [None], dtype=object)
        return pd.Series(found[codes], index=uids.index, dtype="string")  # (-1: the last)
