"""Pausing Python's cyclic garbage collector while a batch builds many objects.

Reading records decodes a dict per row, and a scoring run or a load keeps hundreds of
thousands of them alive at once.  They hold no reference cycles, so reference counting
frees them; but each allocation counts towards the collector's thresholds, and every
collection walks the young objects, and now and then all of them.  Profiled on the
scale-1 store, collections took about a quarter of a province's portrait run and half of
the decoding of the records it keeps (``bench/scoring.py``).

:func:`gc_paused` turns the collector off for a block and back on after it (once the
outermost of nested or concurrent blocks ends, and only if it was on before).  Cycles
made in the block are collected at the next collection after it.

>>> import gc
>>> with gc_paused():
...     gc.isenabled()
False
>>> gc.isenabled()
True
"""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from typing import Iterator

__all__ = ["gc_paused"]

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextmanager
def gc_paused() -> Iterator[None]:
    """The block runs with the cyclic garbage collector off (see the module docstring)."""
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()
