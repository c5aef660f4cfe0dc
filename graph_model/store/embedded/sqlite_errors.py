"""SQLite failures of the embedded store, told by their cause.

When a write fails for lack of space or an I/O error, SQLite rolls the transaction back
itself; a ``ROLLBACK`` after that fails with "cannot rollback - no transaction is
active", which used to hide the cause.  :func:`failed` rolls back only what is still
open and turns the SQLite error into a :class:`StoreError` (:func:`store_error`) that
says what happened and where: the disk is full (and how much is free), an I/O error
(and whether the process's file-size limit could be why), the store is locked by
another process, read-only, or not a creditkb store at all.
"""

from __future__ import annotations

import os
import resource
import shutil
import sqlite3

from graph_model.store.port import StoreError


def begin(con: sqlite3.Connection, path: str) -> None:
    """Start a write transaction, or say why not (another writer held the lock for the
    whole busy timeout, the disk is full, ...)."""
    try:
        con.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as exc:
        raise store_error(exc, path, "writing") from exc


def rollback(con: sqlite3.Connection) -> None:
    """Roll back the open transaction, if SQLite has not already (disk full, I/O error);
    a failure here must not hide the error that led to it."""
    if con.in_transaction:
        try:
            con.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # the next connection recovers from the write-ahead log


def failed(con: sqlite3.Connection, exc: BaseException, path: str, doing: str) -> BaseException:
    """After ``exc`` broke off a write transaction: roll back what SQLite has not, and
    return what to raise (a SQLite error as a :class:`StoreError` naming its cause)."""
    rollback(con)
    if not isinstance(exc, sqlite3.Error):
        return exc
    error = store_error(exc, path, doing)
    error.__cause__ = exc
    return error


def _free(path: str) -> str:
    try:
        free = shutil.disk_usage(os.path.dirname(os.path.abspath(path))).free
    except OSError:
        return "unknown"
    return f"{free / 2**20:.1f} MB"


def _file_size_limit() -> str:
    soft, _ = resource.getrlimit(resource.RLIMIT_FSIZE)
    if soft == resource.RLIM_INFINITY:
        return ""
    return f"; this process may not write files larger than {soft:,} bytes (ulimit -f)"


def cause(exc: sqlite3.Error, path: str) -> str:
    """What went wrong, in words a user can act on."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    if name == "SQLITE_FULL":
        return f"the disk is full ({_free(path)} free where the store is; {exc})"
    if name.startswith("SQLITE_IOERR"):
        return f"disk I/O error ({name}; {_free(path)} free where the store is{_file_size_limit()})"
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return ("the store is locked by another process writing to it (a load, an undo or a "
                f"server's write); try again when it has finished ({exc})")
    if name.startswith("SQLITE_READONLY") or name.startswith("SQLITE_CANTOPEN"):
        return f"cannot write there: {exc} (check the permissions of {os.path.dirname(path) or '.'})"
    if name in ("SQLITE_NOTADB", "SQLITE_CORRUPT"):
        return f"not a creditkb store, or a damaged one ({exc})"
    return str(exc)


def store_error(exc: sqlite3.Error, path: str, doing: str) -> StoreError:
    """A :class:`StoreError` for ``exc``, raised while ``doing`` (e.g. "writing")."""
    return StoreError(f"{doing} the embedded store {path!r} failed: {cause(exc, path)}")
