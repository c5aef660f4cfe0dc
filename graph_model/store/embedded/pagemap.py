"""Which pages of the store file hold given rows of ``nodes``, to ask the OS for them all
at once before SQLite reads them one by one (issue 17).

Rows are stored in load order, so a subject's records lie one to a page all over the
file, and SQLite reads them one after another: read cold, each costs a random page read
(70–110 µs on the bench machine's disk).  The same pages asked for together
(``posix_fadvise(WILLNEED)``, which queues the reads and returns) arrive at 8–13 µs a
page.  SQLite does not say where a row is, so this reads the table B-tree's inner pages
itself (the file format is documented and stable: https://www.sqlite.org/fileformat2.html)
into one sorted array of each leaf page's last row id: a row's leaf is then one binary
search away.  Those pages are about 0.2 % of the table (12,000 pages, 50 MB, on the scale-1
store of 20 million point entries); the map keeps 12 bytes a leaf page (53 MB there), and
saved (16 bytes a leaf page, 71 MB there) it is mapped in, read only where searched.

Only a hint: the answer is still read by SQLite, in its own snapshot.  The inner pages are
read from the database file, not its write-ahead log, so a row written since the last
checkpoint, or moved since the map was made, may be looked for on a page it is not on:
that page is read in vain, and nothing else changes.  The map is made again when the file
has changed, at most once every :data:`REMAP_SECONDS`.
"""

from __future__ import annotations

import os
import threading
import time
from contextlib import suppress
from typing import Iterable

import numpy as np

TABLE_INTERIOR, TABLE_LEAF = 0x05, 0x0D
#: a file that changes (a load's checkpoints) is mapped again at most this often; in
#: between, the rows it moved are looked for where they were
REMAP_SECONDS = 60.0
_TOP = np.int64(1) << 62  # above every row id: the bound of the right-most pages


class PageMap:
    """The leaf pages of the rows of one table (its root page ``root``) of the SQLite
    file ``path``; :meth:`will_need` asks the OS to read them.

    The map is made in a thread of its own (about a second on the scale-1 store), first
    when it is first used and again when the file has changed; meanwhile reads go on
    with the map there was (none at first), so no read waits for it.  With ``keep`` (a
    file name), a map made is saved there, and a process that finds it made of the file
    as it is maps it in rather than making its own."""

    def __init__(self, path: str, root: int, keep: str | None = None):
        self.path, self.root, self.keep = path, root, keep
        self._lock = threading.Lock()
        self._fd: int | None = None  # for the hints
        self._stamp: tuple | None = None  # the file the map was made of (or is being)
        self._made = 0.0
        self._maker: threading.Thread | None = None
        self._opened = 0  # counts close(): a map made before it is not kept
        self._page_size = 4096
        self._bounds = np.zeros(0, dtype=np.int64)  # each leaf's last row id, ascending
        self._leaves = np.zeros(0, dtype=np.uint32)

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
            self._fd, self._stamp, maker, self._maker = None, None, self._maker, None
            self._opened += 1
            self._bounds, self._leaves = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint32)
        if maker is not None:
            maker.join()

    def wait(self) -> None:
        """Wait for the map being made, if one is (for tests)."""
        maker = self._maker
        if maker is not None:
            maker.join()

    def leaves(self, rowids: Iterable[int]) -> np.ndarray:
        """The leaf pages the rows ``rowids`` are on, as far as the map says (none while
        the first map is being made)."""
        with self._lock:
            self._refresh()
            bounds, leaves = self._bounds, self._leaves
        if not len(leaves):
            return leaves
        at = np.searchsorted(bounds, np.fromiter(rowids, dtype=np.int64), "left")
        return np.unique(leaves[np.minimum(at, len(leaves) - 1)])

    def will_need(self, rowids: Iterable[int]) -> int:
        """Ask the OS to read the leaf pages of ``rowids`` (it queues the reads and
        returns).  Returns how many pages were asked for."""
        pages = self.leaves(rowids)
        with self._lock:
            if self._fd is not None:
                _ask(self._fd, self._page_size, pages.tolist())
        return len(pages)

    def _refresh(self) -> None:
        """Start making the map if there is none, or the file changed since it was made
        (at most every REMAP_SECONDS), and none is being made."""
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDONLY)
        st = os.fstat(self._fd)
        stamp = (st.st_ino, st.st_size, st.st_mtime_ns)
        if stamp == self._stamp or self._maker is not None or (
                self._stamp is not None and time.monotonic() - self._made < REMAP_SECONDS):
            return
        self._stamp, self._made = stamp, time.monotonic()
        kept = self._kept(stamp)
        if kept is not None:
            (self._bounds, self._leaves), self._page_size = kept
            return
        self._maker = threading.Thread(target=self._make, args=(self._opened,), daemon=True,
                                       name="creditkb-pagemap")
        self._maker.start()

    def _kept(self, stamp: tuple) -> tuple | None:
        """The saved map (its arrays mapped from the file, not read), if it was made of
        the file as it is (``stamp``) from the same root."""
        try:
            saved = np.load(self.keep, mmap_mode="r") if self.keep else None
        except (OSError, ValueError):
            return None
        if saved is None or saved.ndim != 2 or saved.shape[1] != 2 or len(saved) < 3:
            return None
        head = [int(x) for x in saved[:3].ravel()]  # the file's stamp, the root, page size, leaves
        if head[:4] != [*stamp, self.root] or head[5] != len(saved) - 3:
            return None
        return (saved[3:, 0], saved[3:, 1]), head[4]

    def _save(self, stamp: tuple, made: tuple, size: int) -> None:
        """Save the map beside the store (written whole, then renamed into place)."""
        bounds, leaves = made
        table = np.empty((len(bounds) + 3, 2), dtype=np.int64)
        table[:3] = np.array([*stamp, self.root, size, len(bounds)], dtype=np.int64).reshape(3, 2)
        table[3:, 0], table[3:, 1] = bounds, leaves
        part = f"{self.keep}.{os.getpid()}.part"
        try:
            with open(part, "wb") as f:
                np.save(f, table)
            os.replace(part, self.keep)
        except OSError:  # a store read where it cannot be written to: no saved map
            with suppress(OSError):
                os.unlink(part)

    def _make(self, opened: int) -> None:
        empty = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint32)
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except OSError:
            fd, made, size = None, empty, 4096
        if fd is not None:
            try:
                size = int.from_bytes(os.pread(fd, 2, 16), "big")
                size = 65536 if size == 1 else size
                made = _map(fd, size, self.root)
            except (OSError, ValueError, IndexError):  # a page not (yet) in the file, or torn
                made = empty
            finally:
                os.close(fd)
        with self._lock:
            if opened == self._opened:
                (self._bounds, self._leaves), self._page_size = made, size
                self._maker, stamp = None, self._stamp
            else:
                stamp = None
        if stamp is not None and self.keep and len(made[0]):
            self._save(stamp, made, size)


def _ask(fd: int, page_size: int, pages: list[int]) -> None:
    if not hasattr(os, "posix_fadvise"):  # (not on every OS: then no hints)
        return
    for p in pages:
        os.posix_fadvise(fd, (p - 1) * page_size, page_size, os.POSIX_FADV_WILLNEED)


def _read(fd: int, ps: int, pages: np.ndarray) -> np.ndarray:
    """The pages, one row each (asked for together first)."""
    if len(pages) > 1:
        _ask(fd, ps, pages.tolist())
    data = b"".join(os.pread(fd, ps, (int(p) - 1) * ps) for p in pages)
    if len(data) != ps * len(pages):
        raise ValueError("a page past the end of the file (still in the write-ahead log)")
    return np.frombuffer(data, dtype=np.uint8).reshape(len(pages), ps)


def _map(fd: int, ps: int, root: int) -> tuple[np.ndarray, np.ndarray]:
    """(each leaf's last row id, its page), read level by level from the root (the
    depth first, down the left-most pages: every leaf is as deep)."""
    empty = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint32)
    depth, page = 0, root
    while True:
        buf = _read(fd, ps, np.array([page]))
        head = 100 if page == 1 else 0  # page 1 starts with the file header
        if buf[0, head] == TABLE_LEAF:
            break
        if buf[0, head] != TABLE_INTERIOR or depth > 20:
            return empty  # not a table's B-tree, or torn by a write: no hints
        depth += 1
        cell = int.from_bytes(bytes(buf[0, head + 12:head + 14]), "big")
        page = int.from_bytes(bytes(buf[0, cell:cell + 4]), "big")
    pages, bounds = np.array([root], dtype=np.int64), np.array([_TOP])
    for _ in range(depth):
        buf = _read(fd, ps, pages)
        head = np.where(pages == 1, 100, 0)
        if not (buf[np.arange(len(pages)), head] == TABLE_INTERIOR).all():
            return empty
        pages, bounds = _children(buf, head, bounds)
    return bounds, pages.astype(np.uint32)  # (SQLite numbers pages below 2**32)


def _children(buf: np.ndarray, head: np.ndarray, bounds: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
    """The children of inner pages ``buf`` (in row order) and each child's bound: a
    page's cell i is (child, key), the child holding rows up to the key; its right-most
    child holds the rest, up to the page's own bound."""
    n_pages, ps = buf.shape
    rows = np.arange(n_pages)
    flat = buf.ravel()

    def be(at: np.ndarray, width: int) -> np.ndarray:  # big-endian numbers at flat offsets
        out = np.zeros(len(at), dtype=np.int64)
        for i in range(width):
            out = (out << 8) | flat[at + i]
        return out

    n = be(rows * ps + head + 3, 2)
    right = be(rows * ps + head + 8, 4)
    page_of = np.repeat(rows, n)
    first = np.cumsum(n) - n
    j = np.arange(int(n.sum())) - np.repeat(first, n)
    base = page_of * ps
    cell = be(base + head[page_of] + 12 + 2 * j, 2)
    child = be(base + cell, 4)
    # the key: a varint, 7 bits a byte, the high bit set on all but its last byte
    key = np.zeros(len(cell), dtype=np.int64)
    more = np.ones(len(cell), dtype=bool)
    end = base + ps - 1
    for i in range(9):
        b = flat[np.minimum(base + cell + 4 + i, end)].astype(np.int64)
        key = np.where(more, (key << 7) | (b & 0x7F), key)
        more &= b >= 0x80
        if not more.any():
            break
    # each page's cells, then its right-most child
    at = np.arange(len(cell)) + np.repeat(rows, n)
    last = first + n + rows
    kids = np.empty(len(cell) + n_pages, dtype=np.int64)
    upper = np.empty(len(cell) + n_pages, dtype=np.int64)
    kids[at], upper[at] = child, key
    kids[last], upper[last] = right, bounds
    return kids, upper
