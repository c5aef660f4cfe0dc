"""The topology's patch log: what each small graph-changing commit added, appended beside
the base arrays so that a daily load writes a few kilobytes instead of the whole cache.

The base (``topology-base.npz``) is the CSR topology of one generation.  Each commit that
only adds a few nodes and edges appends one :class:`Patch` here: the edges it added and
its new graph nodes with their stored neighbours in uid order (nids, not ranks, so the
patch applies to any topology of the generation before it, patched or rebuilt).  A
reader loads the base and applies the patches after it up to the generation it reads
(:meth:`PatchLog.chain`); a gap, a torn or corrupt record means it rebuilds from SQLite.

Crash safety, given that SQLite is the only truth:

- a record carries its generation and a CRC-32 of its bytes: a torn or damaged record,
  and every record after it, is ignored;
- a record is appended inside the transaction (under SQLite's write lock), before
  COMMIT; a record of a generation that never committed (a crash or a rollback between
  the append and the COMMIT) is never read, since readers read only up to the committed
  generation, and the next writer of that generation cuts it off before appending;
- the writer that appends also drops the records the base already holds (the log is
  rewritten to a temporary file and renamed, so readers see the old or the new whole).
"""

from __future__ import annotations

import os
import struct
import tempfile
import zlib
from dataclasses import dataclass

import numpy as np

MAGIC = b"TPR1"
_HEAD = struct.Struct("<4sqqqqq")  # magic, generation, edges, new nodes, max nid, max eid
_CRC = struct.Struct("<I")


@dataclass(frozen=True)
class Patch:
    """What one commit added to the traversal graph: ``edges`` rows of (src nid, dst nid,
    type code, eid); ``new_nids`` the new graph nodes in uid order, ``below``/``above``
    for each the nid of the stored graph node just before/after it in uid order (-1:
    none); ``max_nid``/``max_eid`` the largest ids in the store after the commit."""

    generation: int
    edges: np.ndarray  # int64, shape (n, 4)
    new_nids: np.ndarray
    below: np.ndarray
    above: np.ndarray
    max_nid: int
    max_eid: int

    def to_bytes(self) -> bytes:
        arrays = (self.edges.reshape(-1), self.new_nids, self.below, self.above)
        body = _HEAD.pack(MAGIC, self.generation, len(self.edges), len(self.new_nids),
                          self.max_nid, self.max_eid) \
            + b"".join(np.ascontiguousarray(a, dtype="<i8").tobytes() for a in arrays)
        return body + _CRC.pack(zlib.crc32(body))


def _records(data: bytes) -> tuple[list[Patch], int]:
    """The valid records at the start of ``data`` and where they end (a torn or damaged
    record stops the read)."""
    out, at = [], 0
    while at + _HEAD.size <= len(data):
        magic, gen, n_edges, n_new, max_nid, max_eid = _HEAD.unpack_from(data, at)
        if magic != MAGIC or min(n_edges, n_new) < 0:
            break
        end = at + _HEAD.size + 8 * (4 * n_edges + 3 * n_new)
        if end + _CRC.size > len(data) or \
                _CRC.unpack_from(data, end)[0] != zlib.crc32(data[at:end]):
            break
        ints = np.frombuffer(data, dtype="<i8", count=4 * n_edges + 3 * n_new,
                             offset=at + _HEAD.size).astype(np.int64)
        cut = 4 * n_edges
        out.append(Patch(gen, ints[:cut].reshape(-1, 4), ints[cut:cut + n_new],
                         ints[cut + n_new:cut + 2 * n_new], ints[cut + 2 * n_new:],
                         max_nid, max_eid))
        at = end + _CRC.size
    return out, at


class PatchLog:
    """The append-only file of :class:`Patch` records beside the base (see the module)."""

    def __init__(self, path: str):
        self.path = path

    def _read(self) -> tuple[list[Patch], int, int]:
        try:
            with open(self.path, "rb") as fh:
                data = fh.read()
        except FileNotFoundError:
            return [], 0, 0
        records, end = _records(data)
        return records, end, len(data)

    def chain(self, after: int, upto: int) -> list[Patch] | None:
        """The patches of generations ``after``+1 .. ``upto``, one each in order; None when
        the log does not hold every one of them (missing, torn or damaged)."""
        if upto == after:
            return []
        records, _, _ = self._read()
        picked = [r for r in records if after < r.generation <= upto]
        if [r.generation for r in picked] != list(range(after + 1, upto + 1)):
            return None
        return picked

    def append(self, patch: Patch, base_generation: int) -> None:
        """Add ``patch`` (inside its transaction, before COMMIT: see the module), dropping
        the records of generations the base holds, those of ``patch``'s generation or later
        (never committed) and a torn tail."""
        records, end, size = self._read()
        keep = [r for r in records if base_generation < r.generation < patch.generation]
        if len(keep) == len(records) and end == size:
            with open(self.path, "ab") as fh:
                fh.write(patch.to_bytes())
            return
        directory = os.path.dirname(self.path) or "."
        fd, tmp = tempfile.mkstemp(dir=directory, suffix=".log.tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(b"".join(r.to_bytes() for r in keep) + patch.to_bytes())
            os.replace(tmp, self.path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
