"""A load prepares the next chunk of a file in a worker thread while it writes the current
one: every chunk must arrive, in order, and a failure while preparing must reach the
writer (which then rolls the file back)."""

from __future__ import annotations

import threading

import pytest

from loaders.prefetch import prefetch


def test_items_arrive_in_order_and_are_prepared_off_the_callers_thread():
    threads = []

    def chunks():
        for i in range(5):
            threads.append(threading.current_thread())
            yield i

    assert list(prefetch(chunks())) == [0, 1, 2, 3, 4]
    assert threading.current_thread() not in threads


def test_a_failure_while_preparing_is_raised_to_the_caller_after_the_items_before_it():
    def chunks():
        yield "chunk 1"
        raise ValueError("row 200,001: not a date")

    got = []
    with pytest.raises(ValueError, match="not a date"):
        for item in prefetch(chunks()):
            got.append(item)
    assert got == ["chunk 1"]


def test_the_gil_is_handed_over_sooner_only_while_both_threads_run():
    import sys

    from loaders.prefetch import SWITCH_INTERVAL

    before = sys.getswitchinterval()
    seen = [sys.getswitchinterval() for _ in prefetch(range(3))]
    assert seen == [SWITCH_INTERVAL] * 3 and SWITCH_INTERVAL < before
    assert sys.getswitchinterval() == before
    with pytest.raises(ValueError):
        for _ in prefetch(iter([1, "x"])):
            int("x")
    assert sys.getswitchinterval() == before


def test_while_the_first_item_is_handled_more_are_prepared_then_one_at_a_time():
    """A load's transaction may wait for the store before it writes the first chunk: that
    wait prepares ``first_ahead`` chunks; once writing, one waits (the memory bound)."""
    import time

    started = []
    third = threading.Event()

    def chunks():
        for i in range(6):
            started.append(i)
            if i == 2:
                third.set()
            yield i

    items = prefetch(chunks(), first_ahead=2)
    assert next(items) == 0
    assert third.wait(5)  # items 1 and 2 are prepared before the caller asks again
    time.sleep(0.2)
    assert started == [0, 1, 2]
    assert next(items) == 1 and next(items) == 2
    time.sleep(0.2)
    assert started == [0, 1, 2, 3]  # no further than one ahead now
    assert list(items) == [3, 4, 5]


def test_a_caller_that_stops_early_leaves_nothing_running():
    started = []

    def chunks():
        for i in range(10):
            started.append(i)
            yield i

    items = prefetch(chunks(), first_ahead=3)
    assert next(items) == 0
    items.close()
    assert started[-1] <= 3 and not [t for t in threading.enumerate()
                                     if t.name.startswith("creditkb-prefetch")]
