"""api.context.writing: a write's answer says what happened to it.  Given up at the
request's deadline while it still waits for the store's write lock, it raises Timeout and
never writes; holding the lock by then, it is awaited and its result returned.  (The
write here is a function that, as loaders.write does inside its transaction, calls
loaders.write.IN_TRANSACTION's hook when it holds the lock, then writes.)"""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from api.context import writing
from api.errors import Timeout
from loaders.write import IN_TRANSACTION


def a_write(lock_free: threading.Event, written: list, then: float = 0.0):
    def write():
        lock_free.wait(5)  # waiting for the store's write lock
        IN_TRANSACTION.get()()  # holding it: the caller may still give the write up
        time.sleep(then)  # writing and committing
        written.append("row")
        return "written"
    return write


def test_a_write_still_waiting_at_the_deadline_is_given_up_and_never_writes():
    lock_free, written = threading.Event(), []

    async def go():
        with pytest.raises(Timeout):
            await writing(time.monotonic() + 0.2, a_write(lock_free, written))
        lock_free.set()  # the lock comes free after the answer
        await asyncio.sleep(0.3)

    asyncio.run(go())
    assert written == []


def test_a_write_holding_the_lock_at_the_deadline_is_awaited_and_made():
    lock_free, written = threading.Event(), []
    lock_free.set()

    async def go():
        return await writing(time.monotonic() + 0.2, a_write(lock_free, written, then=0.5))

    started = time.monotonic()
    assert asyncio.run(go()) == "written" and written == ["row"]
    assert time.monotonic() - started >= 0.5  # past the deadline: its answer was awaited


def test_without_a_deadline_or_a_hook_a_write_runs_as_before():
    lock_free, written = threading.Event(), []
    lock_free.set()
    assert asyncio.run(writing(None, a_write(lock_free, written))) == "written"
    assert IN_TRANSACTION.get() is None  # the hook is the write's only, not the caller's
