"""Answers kept per question across writes that do not touch what they read.

:mod:`api.cache` keeps an answer while the store's version stays: any write, anywhere,
makes every kept answer stale, and a daily export of a few thousand rows would have every
question computed again.  An :class:`AnswerCache` instead records what computing an answer
read through the store port (the subjects and nodes asked for, the labels scanned; see
:class:`ReadRecorder`) and, when the store has moved on, asks it what the writes since
touched (:meth:`graph_model.store.port.Store.changed_since`): an answer none of whose
reads were touched is kept, so a delta invalidates the answers about its subjects, not all
of them.  A store that cannot tell (None) gets every answer computed again, as before.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Hashable

from graph_model.store.port import Store

ANYTHING = "*"  # an answer that read something no uid names (a count, the loads)


class ReadRecorder:
    """A store port that passes every call to ``store`` and notes what it reads: the uids
    asked for, and ``"<Label>:"`` for a label scanned (what :meth:`Store.changed_since`
    names for a write)."""

    def __init__(self, store: Store):
        self._store = store
        self.read: set[str] = set()

    def __getattr__(self, name: str) -> Any:  # what is not a read: location, version, ...
        return getattr(self._store, name)

    def get_nodes(self, uids):
        uids = list(uids)
        self.read.update(uids)
        return self._store.get_nodes(uids)

    def existing(self, uids):
        uids = list(uids)
        self.read.update(uids)
        return self._store.existing(uids)

    def neighbours(self, uids, rel_types=None, direction="both", limit=None):
        uids = list(uids)
        self.read.update(uids)
        return self._store.neighbours(uids, rel_types, direction, limit)

    def records_about(self, uids, labels=None):
        uids = list(uids)
        self.read.update(uids)  # a record written about a subject touches its uid
        return self._store.records_about(uids, labels)

    def find_nodes(self, label, where=None, after=None, limit=100):
        self.read.add(f"{label}:")
        return self._store.find_nodes(label, where, after=after, limit=limit)

    def iter_nodes(self, label, where=None, *, after=None, page=1000):
        self.read.add(f"{label}:")
        return self._store.iter_nodes(label, where, after=after, page=page)

    def count_nodes(self, label=None):
        self.read.add(f"{label}:" if label else ANYTHING)
        return self._store.count_nodes(label)

    def count_edges(self, rel_type=None):
        self.read.add(ANYTHING)
        return self._store.count_edges(rel_type)

    def loads(self):
        self.read.add(ANYTHING)
        return self._store.loads()


@dataclass
class _Kept:
    version: Hashable
    read: frozenset[str]
    answer: Any


class AnswerCache:
    """Answers by question (any hashable), each kept while nothing it read is written.
    Thread-safe; at most ``size`` answers, the least recently asked dropped first."""

    def __init__(self, store: Store, size: int = 4096):
        self.store = store
        self.size = size
        self._kept: OrderedDict[Hashable, _Kept] = OrderedDict()
        self._lock = threading.Lock()
        self.computed = 0  # answers computed (not found kept): for tests and benches

    def get(self, question: Hashable, compute: Callable[[Store], Any]) -> Any:
        """The answer to ``question``: ``compute(store)``'s, computed now or kept.
        ``compute`` must read the store only through the port it is given."""
        version = self.store.version()
        with self._lock:
            kept = self._kept.get(question)
        if kept is not None and version is not None and self._still(kept, version):
            with self._lock:
                kept.version = version
                self._kept.move_to_end(question)
            return kept.answer
        recorder = ReadRecorder(self.store)
        answer = compute(recorder)
        with self._lock:
            self.computed += 1
            if version is not None:  # read before computing: a write meanwhile is seen next time
                self._kept[question] = _Kept(version, frozenset(recorder.read), answer)
                self._kept.move_to_end(question)
                while len(self._kept) > self.size:
                    self._kept.popitem(last=False)
        return answer

    def _still(self, kept: _Kept, version: Hashable) -> bool:
        if kept.version == version:
            return True
        changed = self.store.changed_since(kept.version)
        if changed is None:
            return False
        return not changed or (ANYTHING not in kept.read and not (kept.read & changed))
