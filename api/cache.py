"""Per-process caches of whole answers that many clients ask alike (a city's shared
watchlist pages, its grade distribution), keyed by the store's version.

Both stores count their write transactions (``Store.version``: the embedded store in its
meta table, Neo4j on its StoreMeta node): an answer is reused only while nothing was
written since, so a list entry added through the API or a load shows at once, in every
worker.  An adapter that cannot tell gets a time bucket instead: answers are reused
for at most :data:`TTL_S` seconds.  ``CREDITKB_ANSWER_CACHE=0`` turns the caches off (to
measure without them).  :func:`api.app.create_app` makes the caches of one application.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Callable, Hashable

TTL_S = 5.0


def store_version(store) -> Hashable:
    version = store.version()
    if version is not None:
        return ("version", version)
    return ("time", int(time.monotonic() // TTL_S))


class AnswerCache:
    """A small thread-safe LRU of answers keyed by (store version, question); off, it
    computes every answer."""

    def __init__(self, size: int = 512, enabled: bool = True):
        self.size = size
        self.enabled = enabled
        self._data: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, store, question: Hashable, compute: Callable[[], object]):
        if not self.enabled:
            return compute()
        key = (store_version(store), question)
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                self.hits += 1
                return self._data[key]
        self.misses += 1
        value = compute()
        with self._lock:
            self._data[key] = value
            while len(self._data) > self.size:
                self._data.popitem(last=False)
        return value
