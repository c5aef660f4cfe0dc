"""Running an iterator one item ahead in a worker thread.

A load alternates pandas work (read, validate, build a chunk) and store writes; SQLite,
Arrow and much of pandas release the GIL, so preparing chunk n + 1 while chunk n is
written keeps both cores busy.  At most one item waits, which bounds the memory it costs.
"""

from __future__ import annotations

import contextvars
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Iterable, Iterator, TypeVar

T = TypeVar("T")
_END = object()
SWITCH_INTERVAL = 0.0005  # seconds (see prefetch)


def prefetch(items: Iterable[T]) -> Iterator[T]:
    """Yield the items of ``items``, computing the next one while the caller handles the
    current one.  An exception raised by ``items`` is raised here, in the caller."""
    source = iter(items)
    # A thread coming back from SQLite or Arrow (which run without the GIL) waits for the
    # other to hand the GIL over, by default after up to 5 ms; it does so thousands of
    # times in a load, so while both threads run they hand it over sooner.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(min(interval, SWITCH_INTERVAL))
    try:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="creditkb-prefetch") as pool:
            # in the caller's context: its language (graph_model.i18n) words the rows' reasons
            context = contextvars.copy_context()
            pending = pool.submit(context.run, next, source, _END)
            while True:
                item = pending.result()
                if item is _END:
                    return
                pending = pool.submit(context.run, next, source, _END)
                yield item
    finally:
        sys.setswitchinterval(interval)
