"""The version answers are kept by (:mod:`api.heavy` keeps whole answers that many clients
ask alike: a city's shared watchlist pages, its grade distribution, ...).

Both stores count their write transactions (``Store.version``: the embedded store in its
meta table, Neo4j on its StoreMeta node): an answer is reused only while nothing was
written since, so a list entry added through the API or a load shows at once, in every
worker.  An adapter that cannot tell gets a time bucket instead: answers are reused for
at most :data:`TTL_S` seconds.  ``CREDITKB_ANSWER_CACHE=0`` turns the keeping off (to
measure without it).
"""

from __future__ import annotations

import time
from typing import Hashable

TTL_S = 5.0


def store_version(store) -> Hashable:
    """What answers are kept by: the store's version, or the current time bucket."""
    version = store.version()
    if version is not None:
        return ("version", version)
    return ("time", int(time.monotonic() // TTL_S))
