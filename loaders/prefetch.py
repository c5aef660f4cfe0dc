"""Running an iterator one item ahead in a worker thread.

A load alternates pandas work (read, validate, build a chunk) and store writes; SQLite,
Arrow and much of pandas release the GIL, so preparing chunk n + 1 while chunk n is
written keeps both cores busy.  At most one item waits, which bounds the memory it costs.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Iterable, Iterator, TypeVar

T = TypeVar("T")
_END = object()


def prefetch(items: Iterable[T]) -> Iterator[T]:
    """Yield the items of ``items``, computing the next one while the caller handles the
    current one.  An exception raised by ``items`` is raised here, in the caller."""
    source = iter(items)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="creditkb-prefetch") as pool:
        pending = pool.submit(next, source, _END)
        while True:
            item = pending.result()
            if item is _END:
                return
            pending = pool.submit(next, source, _END)
            yield item
