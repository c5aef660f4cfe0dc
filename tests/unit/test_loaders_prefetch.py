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
