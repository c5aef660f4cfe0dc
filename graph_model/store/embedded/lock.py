"""One load at a time on an embedded store, refused at once rather than queued.

SQLite lets one writer in at a time; a second load would wait on its lock for its busy
timeout and then fail with "database is locked", long after it could have said why.  So
a load (and an undo) first takes an exclusive ``flock`` on ``load.lock`` in the store's
directory, without waiting: when another process holds it, the load stops at once with
:class:`LoadRunning`, naming the holder's pid and start time (written into the file by
the holder).  The kernel drops a ``flock`` when its process ends, however it ends, so the
file of a crashed load never blocks the next one.  (``flock`` works on local file
systems; on NFS, where it may not, keep one loader per store by other means.)

Readers never take this lock: in WAL mode they read beside the writer.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from contextlib import contextmanager
from typing import Iterator

from graph_model.errors import ConflictError
from graph_model.store.port import StoreError

LOCK_FILE = "load.lock"


class LoadRunning(StoreError, ConflictError):
    """Another process is loading into (or undoing a load of) this store."""


def holder(directory: str) -> dict | None:
    """``{"pid": ..., "since": ...}`` of the process holding the lock, None if none does."""
    path = os.path.join(directory, LOCK_FILE)
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read(fd)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _read(fd: int) -> dict:
    try:
        info = json.loads(os.pread(fd, 4096, 0).decode("utf-8"))
        return {"pid": int(info["pid"]), "since": str(info["since"])}
    except (ValueError, KeyError, TypeError):  # the holder has not written it yet
        return {"pid": "?", "since": "?"}


@contextmanager
def load_lock(directory: str) -> Iterator[None]:
    """Hold the store's load lock for the block, or raise :class:`LoadRunning` at once."""
    path = os.path.join(directory, LOCK_FILE)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise StoreError(f"cannot open the load lock {path!r}: {exc.strerror}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            who = _read(fd)
            raise LoadRunning(f"{directory}: another load is running (pid {who['pid']}, since "
                              f"{who['since']}); wait for it to finish") from None
        since = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"pid": os.getpid(), "since": since}).encode("utf-8"), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)  # a later reader of the file sees no holder
    finally:
        os.close(fd)  # releases the flock
