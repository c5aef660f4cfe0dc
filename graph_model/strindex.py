"""A growing set of strings, each with a number, looked up a column at a time.

A load looks up hundreds of thousands of strings per chunk (decision numbers seen in
earlier chunks, link targets already resolved) in a set that grows by as many per chunk.
A pandas Index would rebuild its hash table after every addition, and a dict costs a
Python step per string; here a 64-bit hash of each string is binary-searched in a sorted
array, and the strings themselves are compared only where hashes match, so colliding hashes
cost a little time and never a wrong answer.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def hashes(strings: np.ndarray) -> np.ndarray:
    """64-bit hashes of an object array of strings (what :class:`StringIndex` sorts by)."""
    # Not categorized: that would factorize the strings first, and costs seven times more.
    return pd.util.hash_array(strings, categorize=False)


class StringIndex:
    """Strings numbered 0, 1, 2, ... in the order they were added."""

    def __init__(self):
        self._keys = np.zeros(0, dtype=np.uint64)  # sorted hashes
        self._ids = np.zeros(0, dtype=np.int64)  # the number of the string at each hash
        self._strings = np.zeros(0, dtype=object)  # by number

    def __len__(self) -> int:
        return len(self._strings)

    def find(self, strings: np.ndarray, keys: np.ndarray | None = None) -> np.ndarray:
        """The number of each string (an object array), -1 for one not added; ``keys``
        are their :func:`hashes` if already known."""
        keys = hashes(strings) if keys is None else keys
        out = np.full(len(keys), -1, dtype=np.int64)
        n = len(self._keys)
        if not n:
            return out
        order = np.argsort(keys)  # sorted needles: each search starts where the last ended
        lo = np.empty(len(keys), dtype=np.int64)
        lo[order] = np.searchsorted(self._keys, keys[order], "left")
        hit = self._keys[np.minimum(lo, n - 1)] == keys  # lo == n: all hashes are smaller
        collide = hit & (lo + 1 < n) & (self._keys[np.minimum(lo + 1, n - 1)] == keys)
        one = np.flatnonzero(hit & ~collide)
        ids = self._ids[lo[one]]
        same = self._strings[ids] == strings[one]
        out[one[same]] = ids[same]
        for i in np.flatnonzero(collide):  # hashes that collide: compare each string
            hi = np.searchsorted(self._keys, keys[i], "right")
            hits = [j for j in self._ids[lo[i]:hi] if self._strings[j] == strings[i]]
            out[i] = hits[0] if hits else -1
        return out

    def add(self, strings: np.ndarray, keys: np.ndarray | None = None) -> np.ndarray:
        """Number strings not added before (the caller checks with :meth:`find`); returns
        their numbers."""
        keys = hashes(strings) if keys is None else keys
        ids = np.arange(len(self._strings), len(self._strings) + len(strings), dtype=np.int64)
        order = np.argsort(keys, kind="stable")
        where = np.searchsorted(self._keys, keys[order], "right")
        self._keys = np.insert(self._keys, where, keys[order])
        self._ids = np.insert(self._ids, where, ids[order])
        self._strings = np.concatenate([self._strings, strings])
        return ids
