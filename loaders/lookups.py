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

from itertools import compress, repeat
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
    and, when it is, its ``props``.  A chunk names some 135 k distinct subjects: they are
    numbered with C-level dict look-ups (``map``), and answered from arrays by number; a
    Python step per subject, twice a chunk, cost as much as the reads it saved."""

    def __init__(self, store: Store, props: Sequence[str] = ()):
        self.store = store
        self.props = list(props)
        self._number: dict[str, int] = {}  # the uids looked up, numbered
        self._found = np.zeros(0, dtype=bool)  # by number: stored
        self._values = {p: np.zeros(0, dtype=object) for p in self.props}  # by number
        # The uids last asked and their numbers: a chunk asks whether its subjects are
        # stored, then (penalties), with no row dropped, for the same list's regions.
        self._last: tuple[list[str], np.ndarray] = ([], np.zeros(0, dtype=np.int64))

    def _numbers(self, uids: list[str]) -> np.ndarray:
        """The number of each of ``uids`` (distinct), those not seen before read from
        the store first."""
        if len(uids) == len(self._last[0]) and uids == self._last[0]:
            return self._last[1]
        self._last = (uids, at := self._lookup(uids))
        return at

    def _lookup(self, uids: list[str]) -> np.ndarray:
        at = np.fromiter(map(self._number.get, uids, repeat(-1)), dtype=np.int64, count=len(uids))
        new = np.flatnonzero(at < 0)
        if len(new):
            asked = [uids[i] for i in new.tolist()]
            if self.props:
                found = self.store.node_props(asked, self.props)
                for p in self.props:
                    got = np.empty(len(asked), dtype=object)
                    got[:] = [None if (v := found.get(u)) is None else v.get(p) for u in asked]
                    self._values[p] = np.concatenate([self._values[p], got])
            else:  # existence alone: read from the uid index, no row
                found = self.store.existing(asked)
            start = len(self._number)
            self._number.update(zip(asked, range(start, start + len(asked))))
            self._found = np.concatenate([self._found, np.fromiter(
                map(found.__contains__, asked), dtype=bool, count=len(asked))])
            at[new] = np.arange(start, start + len(asked))
        return at

    def existing(self, uids: Sequence[str]) -> set[str]:
        """Those of ``uids`` (distinct) that name a stored node."""
        uids = list(uids)
        at = self._numbers(uids)  # (before self._found is read: it may grow)
        return set(compress(uids, self._found[at].tolist()))

    def values(self, uids: pd.Series, prop: str) -> pd.Series:
        """``prop`` of each uid's stored subject (null for a null uid, a subject not stored
        or one without it), as strings, with the index of ``uids``."""
        codes, distinct = pd.factorize(uids)  # a null uid: code -1
        at = self._numbers(np.asarray(distinct, dtype=object).tolist())
        values = np.append(self._values[prop][at], None)  # (code -1: the last)
        return pd.Series(values[codes], index=uids.index, dtype="string")
