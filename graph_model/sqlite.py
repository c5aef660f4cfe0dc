"""SQLite files shared by the threads of a process: a connection per thread, opened on
first use with the file's pragmas, all closed together.  The embedded store and the API's
access state keep their data this way."""

from __future__ import annotations

import sqlite3
import threading
from typing import Callable


class ThreadConnections:
    """Connections to one SQLite file, one per thread (autocommit, WAL journal).

    ``setup`` runs on each new connection (its pragmas); a file that cannot be opened
    raises ``failure(error)``, given SQLite's error.
    """

    def __init__(self, path, timeout: float, setup: Callable[[sqlite3.Connection], None],
                 failure: Callable[[sqlite3.DatabaseError], Exception]):
        self.path, self.timeout, self.setup, self.failure = path, timeout, setup, failure
        self._local = threading.local()
        self._all: list[tuple[threading.Thread, sqlite3.Connection]] = []
        self._lock = threading.Lock()

    def get(self) -> sqlite3.Connection:
        """This thread's connection."""
        con = getattr(self._local, "con", None)
        if con is None:
            try:
                con = sqlite3.connect(self.path, isolation_level=None, timeout=self.timeout,
                                      check_same_thread=False)
                con.execute("PRAGMA journal_mode=WAL")
                self.setup(con)
            except sqlite3.DatabaseError as exc:
                raise self.failure(exc) from None
            self._local.con = con
            with self._lock:
                # The connections of threads that ended are closed: each keeps its page
                # cache (a loader's prefetch thread, one per file: up to the read cache
                # each) until closed, and no thread can use them again.
                ended = [c for t, c in self._all if not t.is_alive()]
                self._all = [(t, c) for t, c in self._all if t.is_alive()]
                self._all.append((threading.current_thread(), con))
            for old in ended:
                old.close()
        return con

    def close(self) -> None:
        """Close every thread's connection; the next get() opens a new one."""
        with self._lock:
            for _, con in self._all:
                con.close()
            self._all.clear()
        self._local = threading.local()
