"""Copying the embedded store's write-ahead log into its database file in a thread of its own.

In WAL mode SQLite appends each commit to the log; by default the connection whose commit
makes the log long enough then copies the log into the database file before its COMMIT
returns (autocheckpoint).  After a file of millions of rows that copy is seconds of I/O the
loader would wait for before starting its next file.  A transaction that wrote many rows
turns autocheckpoint off for its commit and asks this thread for the copy instead:
PASSIVE, so it never blocks readers or the next writer, while the loader goes on.  A checkpoint is only a copy: a
process killed during one loses nothing, and the next connection carries on from the log.
"""

from __future__ import annotations

import sqlite3
import threading


class BackgroundCheckpoint:
    """One thread, started on the first request, checkpointing ``db_path`` once per burst
    of requests."""

    def __init__(self, db_path: str):
        self._db_path = db_path
        self._cond = threading.Condition()
        self._pending = self._running = self._closed = False
        self._thread: threading.Thread | None = None

    def request(self) -> None:
        with self._cond:
            if self._closed:
                return
            self._pending = True
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="creditkb-checkpoint",
                                                daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def wait(self) -> None:
        """Until the checkpoints requested so far are done."""
        with self._cond:
            while self._pending or self._running:
                self._cond.wait()

    def close(self) -> None:
        """Finish a requested checkpoint, then stop the thread."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join()

    def _run(self) -> None:
        con = sqlite3.connect(self._db_path, isolation_level=None, timeout=60,
                              check_same_thread=False)
        try:
            while True:
                with self._cond:
                    while not (self._pending or self._closed):
                        self._cond.wait()
                    if not self._pending:
                        return
                    self._pending, self._running = False, True
                try:
                    con.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error:
                    pass  # a busy or failed copy is retried by the next request
                finally:
                    with self._cond:
                        self._running = False
                        self._cond.notify_all()
        finally:
            con.close()
