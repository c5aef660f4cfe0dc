"""The embedded store: SQLite (WAL, full sync) on disk, a CSR topology in memory.

Layout of the store directory::

    graph.sqlite3          nodes, edges and meta; the only truth
    topology-base.npz      cache of the traversal graph for the generation it names
    topology-patches.log   what the small graph-changing commits after it added
                           (graph_model.store.embedded.patchlog)
    pagemap.npy            where the rows of nodes are in graph.sqlite3, as of the file
                           it names (graph_model.store.embedded.pagemap)

A record (a penalty, an evaluation, ...) is one row of ``nodes``: the relationships the
schema marks ``one_per_source`` (its subject, its agency, the penalty a repair repairs)
are integer columns of that row rather than rows of ``edges``, so loading
millions of records writes one row and its indexes per record.  Properties are JSON text.
The tables, triggers and longer statements are in :mod:`~graph_model.store.embedded.sql`,
the writer of a transaction in :mod:`~graph_model.store.embedded.writer`.

SQLite gives durability and atomicity: a transaction is one ``BEGIN IMMEDIATE`` ...
``COMMIT``, so a process killed mid-load leaves every committed transaction and nothing
of the interrupted one.  A large commit is durable in the write-ahead log; copying the
log into the database file is left to a background thread (graph_model.store.embedded.checkpoint).
Each commit bumps ``meta.generation``, and a commit that changes the traversal graph (its
edges) also ``meta.topology``; a process whose topology shows an older one rebuilds it
before its next traversal (cheap: integer columns only), so several API workers and a
loader can share one store, and writing records (a list entry, a repair) costs no rebuild.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os
import sqlite3
import tempfile
from dataclasses import asdict
from operator import attrgetter
import threading
import time
from contextlib import contextmanager, suppress
from typing import Any, Hashable, Iterable, Iterator, Mapping, Sequence

import numpy as np
import pandas as pd

from graph_model.gcpause import gc_paused
from graph_model.schema import schema
from graph_model.sqlite import ThreadConnections
from graph_model.store.embedded import sql
from graph_model.store.embedded.checkpoint import BackgroundCheckpoint
from graph_model.store.embedded.lock import load_lock
from graph_model.store.embedded.sql import STORE_FORMAT
from graph_model.store.embedded.sqlite_errors import begin, failed, store_error
from graph_model.store.embedded.patchlog import Patch, PatchLog
from graph_model.store.embedded.pagemap import PageMap
from graph_model.store.embedded.topology import NoRoom, Topology
from graph_model.store.embedded.writer import EmbeddedWriter, encode_nodes, nids_of, trim_changes
from graph_model.store.port import (
    CHANGES_SCAN, UNDO, Between, Change, ChangesRead, ChangesTrimmed, Direction, Edge,
    LoadInfo, Neighbourhood, Node, NodeBatch, NoneOf, RecordMatch, Store, StoreError,
    UndoRefused, UndoResult, Writer, only_props, point_entry_props, record_props, record_tests,
)

_log = logging.getLogger(__name__)
DB_FILE = "graph.sqlite3"
#: (not "topology.npz", the name of the format-2 cache: a store that older code also
#: opens keeps one cache for each, rather than each rebuilding the other's)
TOPOLOGY_FILE = "topology-base.npz"
PATCH_FILE = "topology-patches.log"
PAGE_MAP_FILE = "pagemap.npy"  # where the nodes table's leaf pages are (pagemap), saved
# Page caches: a write transaction updates indexes at random places (uids are not in
# insertion order), so a load gets a large cache while it runs; readers get a modest one.
READ_CACHE_KIB = 256 * 1024
#: a subject's records read cold cost a random page read each; from this many rows on,
#: their pages are asked of the OS at once before SQLite reads them (0: never)
PREFETCH_ROWS = 16
# (3 GiB: at Yangtze scale a load's indexes are several GB; with ended threads' read
# connections closed, a load's peak leaves room for it under its 8 GiB target)
WRITE_CACHE_KIB = 3 * 1024 * 1024
AUTOCHECKPOINT_PAGES = 1000  # SQLite's default, kept for small writes (an API's, say)
BACKGROUND_CHECKPOINT_ROWS = 10_000  # a transaction writing more: checkpointed in the background
#: A load of a smaller file begins without waiting for the copy of the log before it (see
#: EmbeddedStore.transaction): its few hundred thousand rows at most extend the log by
#: some hundred MB, copied with the rest before the next larger file begins, where the
#: wait costs a small file seconds (at Yangtze scale, 12,000 accidents after 2.7 M fine
#: payments: 3.8 s, nearly all of it the wait).
FRESH_LOG_BYTES = 32 * 1024 * 1024
# A transaction adding at most this share of the graph's edges (or nodes), or this many,
# patches the topology of the generation before it; more, and it is rebuilt (the copy a
# patch makes costs what a rebuild's sort does then).
PATCH_SHARE, PATCH_MIN = 0.05, 10_000
#: Patches in the log after the base before a commit folds them into a new base (a
#: rebuild): a reader that opens the store applies them all.  (The shares above count
#: the log's patches too.)
PATCHES_KEPT = 64
#: A load refreshes the planner's statistics when the rows loaded since the last refresh
#: reach this share of the store (its largest node id then): see _analyze_if_drifted.
ANALYZE_SHARE = 0.1
#: uids whose nids existing keeps for prepare_nodes (a chunk's references and its own uids)
FOUND_KEPT = 500_000
TOUCHED_KEPT = 256  # generations whose touched uids are kept for changed_since


def _changes(rows: Iterable[tuple]) -> list[Change]:
    """Change-log rows (sql.CHANGES_AFTER, CHANGES_OF) as entries; a row's node is its
    label and props columns, when asked for and the node exists."""
    return [Change(pos, at, load_id, op, uid, about, json.loads(gone) if gone else None,
                   Node(uid, node[0], json.loads(node[1])) if node and node[1] is not None
                   else None)
            for pos, at, load_id, op, uid, about, gone, *node in rows]


def _plain_text(values: Sequence) -> bool:
    """Whether each of ``values`` (an index's json_extract columns) is plain text or absent
    (the store keeps no JSON null): a JSON array's or object's text, or a number for true,
    is not, and only its row tells its value."""
    for v in values:
        if v is not None and (type(v) is not str or v[:1] in ("[", "{")):
            return False
    return True


def _file_size(path: str) -> int:
    """Bytes of the file a load reads (0: none on disk, as for an API's writes)."""
    try:
        return os.path.getsize(path)
    except (OSError, ValueError):
        return 0


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


class EmbeddedStore(Store):
    """See the module docstring. Safe to share between threads of one process."""

    def __init__(self, path: str):
        self.location = path
        try:
            os.makedirs(path, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the store directory {path!r}: {exc.strerror}") from None
        self.db_path = os.path.join(path, DB_FILE)
        self.topology_path = os.path.join(path, TOPOLOGY_FILE)
        self._patches = PatchLog(os.path.join(path, PATCH_FILE))
        self._connections = ThreadConnections(
            self.db_path, 60, self._setup_connection,
            lambda exc: store_error(exc, self.db_path, "opening"))
        self._topology: Topology | None = None
        self._topology_lock = threading.Lock()
        self.last_topology_change: str | None = None  # "patched", "rebuilt" or "deferred", by this process
        self._checkpoint = BackgroundCheckpoint(self.db_path)
        self._deferring = 0  # nested topology_deferred blocks open (the loader's thread)
        self._deferred = False  # a commit in them left its topology to their end
        self._writing = threading.local()  # .writer: the transaction open on this thread
        self._found = threading.local()  # .nids: (generation, {uid: nid}) existing found
        self._graph_types = schema().graph_rel_types()
        self._type_code = {t: i for i, t in enumerate(self._graph_types)}
        self.ensure_schema()
        self._pages = PageMap(self.db_path, self._con().execute(  # (reads the file when used)
            "SELECT rootpage FROM sqlite_master WHERE type = 'table' AND name = 'nodes'").fetchone()[0],
            keep=os.path.join(path, PAGE_MAP_FILE))

    # -- connections -----------------------------------------------------------------

    def _con(self) -> sqlite3.Connection:
        return self._connections.get()

    @staticmethod
    def _setup_connection(con: sqlite3.Connection) -> None:
        # FULL: a commit is on disk before it is reported, also across power loss.
        con.execute("PRAGMA synchronous=FULL")
        con.execute("PRAGMA foreign_keys=OFF")
        con.execute("PRAGMA temp_store=MEMORY")  # staging tables of a load
        con.execute(f"PRAGMA cache_size=-{READ_CACHE_KIB}")
        if con.execute("SELECT 1 FROM sqlite_master WHERE name = 'journal'").fetchone():
            con.executescript(sql.JOURNAL_TRIGGERS)  # else ensure_schema() does, after sql.DDL

    def ensure_schema(self) -> None:
        con = self._con()
        try:
            fmt = con.execute("SELECT v FROM meta WHERE k = 'format'").fetchone() \
                if con.execute("SELECT 1 FROM sqlite_master WHERE name = 'meta'").fetchone() else None
            if fmt is not None and fmt[0] in sql.FORMATS_MIGRATED:
                self._move_to_side(con)
            elif fmt is not None and fmt[0] != STORE_FORMAT:
                raise StoreError(f"{self.db_path!r} was written by another version of creditkb "
                                 f"(store format {fmt[0]}, this one reads {STORE_FORMAT}); load "
                                 f"its files into a new store")
            # Creating what exists still takes the write lock, and would wait behind a
            # load: a store whose schema is complete is only read here.
            if not sql.schema_complete(con):
                sql.add_link_columns(con)  # (before DDL, which may index them)
                for name in sql.reshaped_indexes(con):
                    con.execute(f"DROP INDEX {name}")  # (DDL makes it again)
                con.executescript(sql.DDL)
                for stmt in sql.index_statements() + sql.retired_index_statements():
                    con.execute(stmt)
            con.executescript(sql.JOURNAL_TRIGGERS)
        except sqlite3.DatabaseError as exc:
            raise store_error(exc, self.db_path, "opening") from None

    def _move_to_side(self, con: sqlite3.Connection) -> None:
        """A store of format "3" made this one's: its alarms' subject links put in their side
        table (sql.SIDE_TABLE) in key order, the ABOUT index made anew without them, the
        format raised (code of before refuses it: it would not keep the side table).  One
        transaction: a crash leaves the store as it was, moved again at the next open.  At
        scale 1 a fill of about a minute and the index's rebuild."""
        started = None  # (when this process moved it)
        begin(con, self.db_path)
        try:
            (fmt,) = con.execute("SELECT v FROM meta WHERE k = 'format'").fetchone()
            if fmt in sql.FORMATS_MIGRATED:  # (else another process moved it meanwhile)
                # A warning, so that a command with no logging set up says it too: the
                # user sees why the first open of a large store takes minutes.
                _log.warning("%s: moving the store from format %s to %s (once; minutes "
                             "for millions of alarms, holding the write lock)",
                             self.db_path, fmt, STORE_FORMAT)
                started = time.monotonic()
                con.execute(sql.SIDE_TABLE_SQL)
                con.execute(f"DELETE FROM {sql.SIDE_TABLE}")
                con.execute(f"PRAGMA cache_size=-{WRITE_CACHE_KIB}")
                con.execute(sql.SIDE_FILL, (0,))
                con.execute(f"DROP INDEX IF EXISTS {sql.ABOUT_INDEX}")
                con.execute(sql.ABOUT_INDEX_SQL)
                con.execute("UPDATE meta SET v = ? WHERE k = 'format'", (STORE_FORMAT,))
            con.execute("COMMIT")
        except BaseException as exc:
            raise failed(con, exc, self.db_path, "moving alarms to their side table in")
        finally:
            con.execute(f"PRAGMA cache_size=-{READ_CACHE_KIB}")
        if started is not None:
            _log.warning("%s: moved to format %s in %.0f s", self.db_path, STORE_FORMAT,
                         time.monotonic() - started)

    def generation(self) -> int:
        """How many commits changed the store (``meta.generation``)."""
        return int(self._con().execute("SELECT v FROM meta WHERE k='generation'").fetchone()[0])

    def version(self) -> int:
        return self.generation()

    # -- writes ----------------------------------------------------------------------

    def prepare_nodes(self, label: str, frame: pd.DataFrame,
                      load_id: str | None = None) -> NodeBatch:
        """Checks, the uids in order and the JSON props: a load's pandas and Arrow work, done
        here so that a loader's other thread does it while this one writes.  The nids of
        link targets most rows name alone are looked up here too, with the generation they
        were read at: the writer uses them when its transaction began at that generation
        (no commit came between, so none can be gone) and looks up only the rest (shared
        targets, and nodes its own transaction writes)."""
        batch = encode_nodes(label, frame, load_id)
        rows = batch.encoded
        # Only targets most rows name alone (a payment's penalty): the writer looks each
        # target up once per transaction, so targets many rows share (their subjects,
        # agencies) would be looked up again here for every chunk.
        links = {t: f for t, f in rows.links.items() if 2 * len(f[1]) >= len(rows.uids)}
        con = self._con()
        found = self._found.__dict__.pop("nids", (None, {}))  # (see existing)
        if not links or con.in_transaction:
            return batch
        con.execute("BEGIN")  # one snapshot for the generation and every lookup
        try:
            gen = self.generation()  # (this thread's connection: the same snapshot)
            seen = found[1] if found[0] == gen else {}  # none can be gone since
            known = {}
            for rel_type, (_, distinct, _) in links.items():
                want = distinct.tolist()
                rest = [u for u in want if u not in seen]
                got = nids_of(con, rest) if rest else {}
                known[rel_type] = np.array([seen.get(u) or got.get(u, 0) for u in want],
                                           dtype=np.int64)
        finally:
            con.execute("COMMIT")
        return dataclasses.replace(batch, encoded=dataclasses.replace(rows, known=(gen, known)))

    @contextmanager
    def transaction(self, load: LoadInfo | None = None) -> Iterator[Writer]:
        con = self._con()
        con.execute(f"PRAGMA cache_size=-{WRITE_CACHE_KIB}")
        background = False  # the log of this commit is copied by self._checkpoint
        handed = None  # a rebuilt topology and its cache file, renamed into place at COMMIT
        if load is not None:
            # A load begins once the log of the large commit before it is copied into the
            # database: SQLite writes a log from its start again only if this transaction's
            # snapshot began with all of it copied.  Else the log grows by every file of a
            # load (at Yangtze scale to more than the database's size), its pages crowd the
            # OS's cache out of the indexes a load updates, and they are read back from disk
            # to be copied.  Only a file large enough for that to matter waits.
            if _file_size(load.file) >= FRESH_LOG_BYTES:
                self._checkpoint.wait()
        try:
            begin(con, self.db_path)
            seq = None
            if load is not None:
                seq = self._record_load(load)
            writer = EmbeddedWriter(con, load.load_id if load else None, seq, _now())
            self._writing.writer = writer
            yield writer
            if seq is not None:
                con.execute("UPDATE loads SET nid_lo = ?, eid_lo = ?, "
                            "nid_hi = (SELECT coalesce(max(nid), 0) FROM nodes), "
                            "eid_hi = (SELECT coalesce(max(eid), 0) FROM edges) WHERE seq = ?",
                            (writer.max_nid, writer.max_eid, seq))
            if writer.wrote:
                writer.end_log()
                self._bump_generation(topology=writer.graph_changed)
                self._record_touched(writer.touched_uids())
                if writer.graph_changed:
                    handed = self._hand_over_topology(writer)
                if load is not None:
                    self._analyze_if_drifted(writer.rows)
            if writer.rows >= BACKGROUND_CHECKPOINT_ROWS:  # not inside COMMIT
                con.execute("PRAGMA wal_autocheckpoint=0")
                background = True
            con.execute("COMMIT")
            if handed is not None:
                topo, tmp = handed
                handed = None
                with suppress(OSError):
                    os.replace(tmp, self.topology_path)
                with self._topology_lock:
                    if self._topology is None or self._topology.generation < topo.generation:
                        self._topology = topo
        except BaseException as exc:
            raise failed(con, exc, self.db_path, "writing")
        finally:
            self._writing.writer = None
            if handed is not None:  # not committed: nobody may read it
                with suppress(OSError):
                    os.unlink(handed[1])
            con.execute("DELETE FROM _load")  # disarm the journal triggers
            con.execute("DELETE FROM _side")  # (every row's side row is in place)
            con.execute(f"PRAGMA cache_size=-{READ_CACHE_KIB}")
            if background:
                con.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
                self._checkpoint.request()

    @contextmanager
    def topology_deferred(self) -> Iterator[None]:
        """See :meth:`Store.topology_deferred`.  A fresh load's subject files each add a
        large share of the graph, so each would rebuild the topology and write its cache
        inside its transaction (seconds at Yangtze scale).  Inside the block a commit
        still appends a patch when it can (a daily file's few subjects); one that would
        rebuild leaves it to the block's end (and so does every commit after it, which
        the patch log no longer reaches), where it is rebuilt once, outside any
        transaction, unless a reader has cached it meanwhile.  A crash before then leaves
        an older cache, which readers never use for a newer generation."""
        self._deferring += 1
        try:
            yield
        finally:
            self._deferring -= 1
            if not self._deferring and self._deferred:
                self._deferred = False
                with suppress(sqlite3.Error, OSError):  # (readers rebuild it, as they would)
                    self._hand_over_deferred()

    def _hand_over_deferred(self) -> None:
        con = self._con()
        con.execute("BEGIN")  # one snapshot for the generation and the rebuild's reads
        try:
            gen = self.topology_generation()
            base = Topology.peek(self.topology_path)
            if base is not None and base.generation <= gen and \
                    self._patches.chain(base.generation, gen) is not None:
                return  # (a reader already built it)
            topo = self._build_topology(gen)
            with self._topology_lock:
                if self._topology is None or self._topology.generation < topo.generation:
                    self._topology = topo
        finally:
            con.execute("COMMIT")

    def _analyze_if_drifted(self, rows: int) -> None:
        """Inside a load: refresh the planner's statistics once the rows loaded since the
        last refresh reach :data:`ANALYZE_SHARE` of the store.  Fresh statistics let the
        planner choose the property indexes for selective filters; sampled, ANALYZE still
        reads a little of every index, cold pages of a full store (about a second at
        scale 0.1), which a daily export of 1 % would pay every day for no other plan."""
        con = self._con()
        meta = dict(con.execute("SELECT k, v FROM meta WHERE k IN ('analyzed_size', "
                                "'unanalyzed_rows')").fetchall())
        pending = int(meta.get("unanalyzed_rows", 0)) + rows
        size = meta.get("analyzed_size")  # (none yet: a new store, or one older code wrote)
        if size is None or pending >= ANALYZE_SHARE * int(size):
            con.execute("PRAGMA analysis_limit=1000")
            con.execute("ANALYZE")
            size, pending = con.execute("SELECT coalesce(max(nid), 0) FROM nodes").fetchone()[0], 0
        con.executemany("INSERT INTO meta(k, v) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET "
                        "v = excluded.v", [("analyzed_size", str(size)),
                                           ("unanalyzed_rows", str(pending))])

    def _trim_changes(self) -> None:
        """Inside a write: drop the change-log entries past the :func:`changes_kept` newest."""
        trim_changes(self._con())

    def _log_con(self) -> sqlite3.Connection:
        """The connection to read the change log with: inside a transaction on this
        thread, its entries not yet written (see EmbeddedWriter._log_new) are written
        first, so the read sees every entry the transaction made, as it would have."""
        writer = getattr(self._writing, "writer", None)
        if writer is not None:
            writer.write_log()
        return self._con()

    def _side_con(self) -> sqlite3.Connection:
        """The connection to read the side table (sql.SIDE_TABLE) with: inside a
        transaction on this thread, the side rows not yet filled are filled first (see
        EmbeddedWriter.fill_side), so the read sees every row the transaction wrote."""
        writer = getattr(self._writing, "writer", None)
        if writer is not None:
            writer.fill_side()
        return self._con()

    def changes_after(self, after: int, limit: int = 1000, *,
                      nodes: bool = False) -> list[Change]:
        con = self._log_con()
        # the node is the row the entry's subject is read through: its label and props
        # come with it (one lookup, not a second get_nodes)
        rows = con.execute(sql.CHANGES_AFTER % (", n.label, n.props" if nodes else ""),
                           (int(after), int(limit))).fetchall()
        # Trimming only moves forward: checked after the read, it cannot have cut what
        # the read returned short of (checked before, a trim in between could).
        trimmed = int(con.execute("SELECT v FROM meta WHERE k = 'changes_trimmed'").fetchone()[0])
        if trimmed > after:
            raise ChangesTrimmed(after, trimmed)
        return _changes(rows)

    def changes_of(self, after: int, labels: Sequence[str], limit: int = 1000, *,
                   gone: bool = False, scan: int = CHANGES_SCAN,
                   nodes: bool = False) -> ChangesRead:
        con = self._log_con()
        # Every position up to the last committed one is committed (one writer at a time
        # takes positions as it commits), so the bound read first leaves no gap behind.
        hi = min(int(after) + int(scan), con.execute(sql.LAST_CHANGE).fetchone()[0])
        marks = ",".join(f":l{i}" for i in range(len(labels))) or "NULL"
        rows = con.execute(sql.CHANGES_OF % {"node": ", n.label, n.props" if nodes else "",
                                             "labels": marks},
                           {"after": int(after), "hi": hi, "gone": int(bool(gone)),
                            "limit": int(limit), **{f"l{i}": lab for i, lab in enumerate(labels)}}
                           ).fetchall()
        trimmed = int(con.execute("SELECT v FROM meta WHERE k = 'changes_trimmed'").fetchone()[0])
        if trimmed > after:  # (after the read, as in changes_after)
            raise ChangesTrimmed(after, trimmed)
        last = rows[-1][0] if len(rows) == limit else max(int(after), hi)
        return ChangesRead(_changes(rows), last)

    def last_change(self) -> int:
        return self._log_con().execute(sql.LAST_CHANGE).fetchone()[0]

    def _bump_generation(self, topology: bool) -> None:
        keys = "'generation', 'topology'" if topology else "'generation'"
        self._con().execute(f"UPDATE meta SET v = CAST(v AS INTEGER) + 1 WHERE k IN ({keys})")

    def _record_touched(self, touched: set[str] | None) -> None:
        """Record what the commit of the generation just bumped touched (None: anything),
        and forget the commits more than TOUCHED_KEPT generations old."""
        con = self._con()
        gen = self.generation()
        rows = ["*"] if touched is None else sorted(touched)
        for part in sql.chunks(rows):
            con.execute("INSERT OR IGNORE INTO touched(gen, uid) VALUES " +
                        ",".join(["(?, ?)"] * len(part)), [v for uid in part for v in (gen, uid)])
        if gen % TOUCHED_KEPT == 0:  # now and then: a delete walks the index's old end
            con.execute("DELETE FROM touched WHERE gen <= ?", (gen - TOUCHED_KEPT,))
            con.execute("UPDATE meta SET v = ? WHERE k = 'touched_from' AND CAST(v AS INTEGER) < ?",
                        (gen - TOUCHED_KEPT + 1, gen - TOUCHED_KEPT + 1))

    def changed_since(self, version: Hashable) -> frozenset[str] | None:
        con = self._con()
        start = int(con.execute("SELECT v FROM meta WHERE k = 'touched_from'").fetchone()[0])
        if not isinstance(version, int) or version + 1 < start:
            return None
        [text] = con.execute("SELECT json_group_array(uid) FROM (SELECT DISTINCT uid FROM touched "
                             "WHERE gen > ?)", (version,)).fetchone()
        uids = frozenset(json.loads(text))
        return None if "*" in uids else uids

    def topology_generation(self) -> int:
        return int(self._con().execute("SELECT v FROM meta WHERE k='topology'").fetchone()[0])

    def _record_load(self, load: LoadInfo) -> int:
        con = self._con()
        row = con.execute("SELECT status FROM loads WHERE load_id = ?", (load.load_id,)).fetchone()
        if row and row[0] == "committed":
            raise StoreError(f"load {load.load_id} is already in the store")
        con.execute("DELETE FROM loads WHERE load_id = ?", (load.load_id,))  # an undone one
        info = json.dumps(asdict(load), ensure_ascii=False)
        return con.execute("INSERT INTO loads(load_id, info, status) VALUES (?, ?, 'committed')",
                           (load.load_id, info)).lastrowid

    def loads(self) -> list[LoadInfo]:
        return [LoadInfo(**{**json.loads(info), "status": status}) for info, status in
                self._con().execute("SELECT info, status FROM loads ORDER BY seq")]

    def undo_load(self, load_id: str) -> UndoResult:
        con = self._con()
        con.execute("DELETE FROM _load")  # restoring props must not journal them
        with self.load_lock():
            begin(con, self.db_path)
            try:
                result = self._undo(load_id)
                self._trim_changes()
                self._bump_generation(topology=True)
                self._record_touched(None)
                con.execute("COMMIT")
            except BaseException as exc:
                raise failed(con, exc, self.db_path, "undoing a load in")
        return result

    def load_lock(self):
        return load_lock(self.location)

    def secret_fingerprint(self) -> str | None:
        row = self._con().execute("SELECT v FROM meta WHERE k = 'secret_fingerprint'").fetchone()
        return row[0] if row else None

    def record_secret_fingerprint(self, fingerprint: str) -> str:
        con = self._con()
        try:
            con.execute("INSERT OR IGNORE INTO meta(k, v) VALUES ('secret_fingerprint', ?)",
                        (fingerprint,))
        except sqlite3.Error as exc:
            raise store_error(exc, self.db_path, "writing") from None
        return self.secret_fingerprint()

    def _undo(self, load_id: str) -> UndoResult:
        con = self._con()
        row = con.execute("SELECT seq, status FROM loads WHERE load_id = ?", (load_id,)).fetchone()
        if row is None or row[1] != "committed":
            raise StoreError(f"no load {load_id!r} to undo" + (" (already undone)" if row else ""))
        seq = row[0]
        ids = {"s": seq, **dict(zip(("nlo", "nhi", "elo", "ehi"), con.execute(
            "SELECT nid_lo, nid_hi, eid_lo, eid_hi FROM loads WHERE seq = ?", (seq,)).fetchone()))}
        later = [r[0] for r in con.execute(sql.LATER_LOADS, ids)]
        if later:
            raise UndoRefused(f"load {load_id} cannot be undone: later load(s) {', '.join(later)} "
                              f"build on it; undo them first (newest first)")
        # The change log: what the undo gives back (as it will be), then what it deletes
        # (as it was), each in uid order, before either happens.
        log = {"at": _now(), "load_id": load_id, "op": UNDO}
        con.execute("INSERT INTO changes(at, load_id, op, uid) SELECT :at, :load_id, :op, n.uid "
                    "FROM journal j JOIN nodes n ON n.nid = j.id WHERE j.seq = :s AND j.kind = 'n' "
                    "AND NOT (n.nid > :nlo AND n.nid <= :nhi) ORDER BY n.uid", {**log, **ids})
        con.execute(sql.LOG_GONE + "WHERE n.nid > :nlo AND n.nid <= :nhi ORDER BY n.uid",
                    {**log, **ids})
        links_deleted, links_restored = con.execute(sql.COUNT_RELINKED, ids).fetchone()
        counts = {
            "e_restored": con.execute(sql.RESTORE_EDGES, ids).rowcount + links_restored,
            "e_deleted": con.execute(sql.DELETE_CREATED_EDGES, ids).rowcount
            + con.execute(sql.COUNT_CREATED_LINKS, ids).fetchone()[0] + links_deleted,
            "n_restored": con.execute(sql.RESTORE_NODES, ids).rowcount,
        }
        # Edges and links written outside any load to nodes it created go with those nodes.
        con.execute("DELETE FROM edges WHERE (src > :nlo AND src <= :nhi) OR "
                    "(dst > :nlo AND dst <= :nhi)", ids)
        for col in sql.LINKS.values():
            cond = f"{col} > :nlo AND {col} <= :nhi AND NOT (nid > :nlo AND nid <= :nhi)"
            for stmt in sql.unlink_about(cond) if col == sql.LINKS["ABOUT"] else \
                    [f"UPDATE nodes SET {col} = NULL WHERE {cond}"]:
                con.execute(stmt, ids)
        con.execute(sql.side_gone("n.nid > :nlo AND n.nid <= :nhi"), ids)
        counts["n_deleted"] = con.execute("DELETE FROM nodes WHERE nid > :nlo AND nid <= :nhi",
                                          ids).rowcount
        con.execute("DELETE FROM journal WHERE seq = ?", (seq,))
        con.execute("UPDATE loads SET status = 'undone' WHERE seq = ?", (seq,))
        return UndoResult(load_id, counts["n_deleted"], counts["n_restored"],
                          counts["e_deleted"], counts["e_restored"])

    # -- the traversal graph ---------------------------------------------------------

    def topology(self) -> Topology:
        """The CSR topology of the current generation: the one in memory with the patches
        logged since, else the cached base with the patches after it, else rebuilt from
        SQLite (and cached) when no chain of patches reaches the current generation."""
        topo = self._topology
        if topo is not None and topo.generation == self.topology_generation():
            return topo
        con = self._con()
        own = not con.in_transaction  # one snapshot for the generation and a rebuild's reads
        if own:
            con.execute("BEGIN")
        try:
            gen = self.topology_generation()
            with self._topology_lock:
                topo = self._topology
                if topo is None or topo.generation != gen:
                    topo = self._patched_up(topo, gen) or self._cached(gen) \
                        or self._build_topology(gen, save=own)
                    if own:  # (inside a write, the generation may never commit)
                        self._topology = topo
                return topo
        finally:
            if own:
                con.execute("COMMIT")

    def _patched_up(self, topo: Topology | None, gen: int) -> Topology | None:
        """``topo`` brought up to generation ``gen`` by the patch log, or None."""
        if topo is None or topo.generation > gen:
            return None
        patches = self._patches.chain(topo.generation, gen)
        if patches is None:
            return None
        try:
            return topo.with_patches(patches)
        except NoRoom:
            return None

    def _cached(self, gen: int) -> Topology | None:
        """The cached base with the logged patches after it, at generation ``gen``."""
        return self._patched_up(Topology.load(self.topology_path, gen), gen)

    def _hand_over_topology(self, writer: EmbeddedWriter) -> tuple[Topology, str] | None:
        """Inside a transaction that changed the traversal graph, before COMMIT: append what
        it added to the patch log (:meth:`_patch`), or rebuild the topology of the
        generation it commits and write it beside the cache, returned with its file to be
        renamed into place at COMMIT.  Either way every reader then loads it (a fraction of
        a second) rather than each rebuilding it from SQLite (seconds at Yangtze scale, with
        traversals waiting)."""
        gen = self.topology_generation()
        patched = not writer.graph_removed and self._patch(gen)
        if not patched and self._deferring:  # (see topology_deferred)
            self._deferred = True
            self.last_topology_change = "deferred"
            return None
        self.last_topology_change = "patched" if patched else "rebuilt"
        if patched:
            return None
        topo = self._build_topology(gen, save=False)
        fd, tmp = tempfile.mkstemp(dir=self.location, suffix=".npz.next")
        os.close(fd)
        try:
            topo.save(tmp)
        except OSError:
            with suppress(OSError):
                os.unlink(tmp)
            return None  # readers rebuild it, as they would have
        return topo, tmp

    def _patch(self, gen: int) -> bool:
        """Append to the patch log what this transaction added to the traversal graph of
        generation ``gen`` - 1 (it removed nothing): the edges and graph nodes with ids
        above those that generation knew, their neighbours in uid order found by index
        seeks.  Reads the cached base's header and the log, never the arrays.  False (the
        caller rebuilds) when no cached chain reaches ``gen`` - 1, or the change with the
        patches since the base is not small (a rebuild is then as cheap), or the log holds
        :data:`PATCHES_KEPT` patches: folded into a new base."""
        base = Topology.peek(self.topology_path)
        if base is None or base.generation >= gen:
            return False
        logged = self._patches.chain(base.generation, gen - 1)
        if logged is None or len(logged) >= PATCHES_KEPT:
            return False
        known_nid, known_eid = (logged[-1].max_nid, logged[-1].max_eid) if logged \
            else (base.max_nid, base.max_eid)
        con = self._con()
        types = self._graph_types
        marks = ",".join("?" * len(types))
        code = " ".join(f"WHEN '{t}' THEN {i}" for t, i in self._type_code.items())
        edges = sql.int_rows(con, f"SELECT src, dst, CASE type {code} END, eid FROM edges "
                             f"WHERE eid > ? AND type IN ({marks})", (known_eid, *types), 4)
        if len(edges) + sum(len(p.edges) for p in logged) > \
                max(PATCH_MIN, PATCH_SHARE * base.n_edges):
            return False
        labels = sorted(n for n, lab in schema().labels.items() if lab.in_graph)
        # a range of the rowid, sorted here (ordered by uid, SQLite would walk the uid index)
        new = sorted(con.execute(
            f"SELECT uid, nid FROM nodes WHERE nid > ? AND label IN ({','.join('?' * len(labels))})",
            (known_nid, *labels)).fetchall())
        if len(new) + sum(len(p.new_nids) for p in logged) > \
                max(PATCH_MIN, PATCH_SHARE * base.n_nodes):
            return False
        below, above = self._stored_neighbours([u for u, _ in new], labels, known_nid)
        max_nid, max_eid = con.execute("SELECT (SELECT coalesce(max(nid), 0) FROM nodes), "
                                       "(SELECT coalesce(max(eid), 0) FROM edges)").fetchone()
        patch = Patch(gen, edges.reshape(-1, 4), np.array([n for _, n in new], dtype=np.int64),
                      below, above, max_nid, max(max_eid, known_eid))
        try:
            self._patches.append(patch, base.generation)
        except OSError:
            return False
        return True

    def _stored_neighbours(self, uids: list[str], labels: list[str],
                           known_nid: int) -> tuple[np.ndarray, np.ndarray]:
        """For each uid (of a graph label), the nid of the graph node a topology up to
        ``known_nid`` knows just before it and just after it in uid order (-1: none): an
        index seek in its label's range, else the last (first) of the labels before (after)."""
        con = self._con()
        prefixes = [f"{lab}:" for lab in labels]  # sorted as their uids sort
        ends: dict[tuple[int, bool], int] = {}

        def seek(lo: str, hi: str, last: bool) -> int:
            order = "DESC" if last else ""
            row = con.execute(f"SELECT nid FROM nodes WHERE uid > ? AND uid < ? AND nid <= ? "
                              f"ORDER BY uid {order} LIMIT 1", (lo, hi, known_nid)).fetchone()
            return -1 if row is None else row[0]

        def end(i: int, last: bool) -> int:
            while 0 <= i < len(prefixes):
                if (i, last) not in ends:  # (every uid of a label is longer than its prefix)
                    ends[(i, last)] = seek(*sql.prefix_range(prefixes[i]), last)
                found = ends[(i, last)]
                if found >= 0:
                    return found
                i += -1 if last else 1
            return -1

        below = np.full(len(uids), -1, dtype=np.int64)
        above = np.full(len(uids), -1, dtype=np.int64)
        for k, uid in enumerate(uids):
            i = prefixes.index(uid[:uid.index(":") + 1])
            lo, hi = sql.prefix_range(prefixes[i])
            below[k] = seek(lo, uid, True)
            if below[k] < 0:
                below[k] = end(i - 1, True)
            above[k] = seek(uid, hi, False)
            if above[k] < 0:
                above[k] = end(i + 1, False)
        return below, above

    def _build_topology(self, gen: int, save: bool = True) -> Topology:
        con = self._con()
        types = self._graph_types
        marks = ",".join("?" * len(types))
        code = " ".join(f"WHEN '{t}' THEN {i}" for t, i in self._type_code.items())
        arr = sql.int_rows(
            con, f"SELECT src, dst, CASE type {code} END, eid FROM edges WHERE type IN ({marks})",
            types, 4)
        # In uid order: label by label (sorted as their uid prefixes sort), each a range
        # of the uid index.
        prefixes = sorted(f"{n}:" for n, lab in schema().labels.items() if lab.in_graph)
        ranked = np.fromiter(
            (r[0] for p in prefixes for r in con.execute(
                "SELECT nid FROM nodes WHERE uid >= ? AND uid < ? ORDER BY uid", sql.prefix_range(p))),
            dtype=np.int64,
        )
        max_nid = con.execute("SELECT coalesce(max(nid), 0) FROM nodes").fetchone()[0]
        topo = Topology.build(gen, arr[:, 0], arr[:, 1], arr[:, 2].astype(np.int8), arr[:, 3],
                              ranked, max_nid)
        cached = Topology.peek(self.topology_path) if save else None
        if save and (cached is None or cached.generation < gen):  # (never over a newer base)
            try:
                topo.save(self.topology_path)
            except OSError:
                pass  # a read-only store still answers; it just rebuilds next time
        return topo

    # -- reads -----------------------------------------------------------------------

    def _nids(self, uids: Sequence[str]) -> dict[str, int]:
        out = {}
        for part in sql.chunks(list(uids)):
            marks = ",".join("?" * len(part))
            out.update(self._con().execute(
                f"SELECT uid, nid FROM nodes WHERE uid IN ({marks})", part).fetchall())
        return out

    def existing(self, uids: Iterable[str]) -> set[str]:
        # The nids come back too (nids_of: one row of JSON, not a row per uid, see _stage)
        # and are kept for this thread's next prepare_nodes, with the generation they were
        # read at: a loader's thread asks this of a chunk's references (a fine payment's
        # penalty) just before it prepares the chunk, which would look them up again.
        con = self._con()
        asked = list(dict.fromkeys(uids))
        if con.in_transaction:  # (its own writes count: nothing kept)
            return set(nids_of(con, asked))
        con.execute("BEGIN")  # one snapshot for the generation and the lookups
        try:
            gen = self.generation()
            got = nids_of(con, asked)
        finally:
            con.execute("COMMIT")
        kept_gen, kept = self._found.__dict__.get("nids", (None, None))
        if kept_gen != gen or len(kept) + len(got) > FOUND_KEPT:
            kept = {}
            self._found.nids = (gen, kept)
        kept.update(got)
        return set(got)

    def node_props(self, uids: Iterable[str], props: Sequence[str]) -> dict[str, dict[str, Any]]:
        # SQLite picks the properties out of each node's JSON (``->`` keeps a value's JSON
        # type, true stays true) and one row of JSON comes back (see existing): no node's
        # whole props are decoded in Python.
        picks = ", ".join("?, props -> ?" for _ in props)
        names = [v for p in props for v in (p, f'$."{p}"')]
        out: dict[str, dict[str, Any]] = {}
        for part in sql.chunks(list(dict.fromkeys(uids))):
            marks = ",".join("?" * len(part))
            [found] = self._con().execute(
                f"SELECT json_group_object(uid, json_object({picks})) FROM nodes "
                f"WHERE uid IN ({marks})", [*names, *part]).fetchone()
            out.update(json.loads(found))
        return out

    def get_nodes(self, uids: Iterable[str]) -> dict[str, Node]:
        out = {}
        for part in sql.chunks(list(dict.fromkeys(uids))):
            marks = ",".join("?" * len(part))
            for uid, label, props in self._con().execute(
                f"SELECT uid, label, props FROM nodes WHERE uid IN ({marks})", part
            ):
                out[uid] = Node(uid, label, json.loads(props))
        return out

    def neighbours(self, uids: Iterable[str], rel_types: Sequence[str] | None = None,
                   direction: Direction = "both", limit: int | None = None) -> Neighbourhood:
        if direction not in ("out", "in", "both"):
            raise ValueError(f"direction must be out, in or both, not {direction!r}")
        codes = None
        if rel_types is not None:
            for t in rel_types:
                if t not in self._type_code:
                    schema().rel(t)  # unknown type: a clear error
                    raise ValueError(f"{t} is not a traversal relationship (its records stay in the store)")
            codes = {self._type_code[t] for t in rel_types}
        topo = self.topology()
        uids = list(dict.fromkeys(uids))
        nids = self._nids(uids)
        # The port's order: by asked node, then type (as asked, else schema order), then far
        # uid (hop's order within a type); an edge between two asked nodes once, first.
        wanted = self._graph_types if rel_types is None else list(dict.fromkeys(rel_types))
        place = {self._type_code[t]: i for i, t in enumerate(wanted)}
        found: list[tuple[str, int, int, int, bool]] = []
        seen: set[int] = set()
        degrees: dict[tuple[str, str], int] = {}
        for uid in uids:
            if uid not in nids:
                continue
            hits, cut = topo.hop(nids[uid], direction, codes, limit)
            hits.sort(key=lambda hit: place[hit[0]])  # stable: far-uid order within a type
            for code, far, eid, out in hits:
                if eid not in seen:
                    seen.add(eid)
                    found.append((uid, code, far, eid, out))
            for code, count in cut.items():
                degrees[(uid, self._graph_types[code])] = count
        details = self._edge_details([f[3] for f in found])
        edges = [Edge(self._graph_types[code], *details[eid]) for _, code, _, eid, _ in found]
        return Neighbourhood(edges, degrees)

    def _edge_details(self, eids: list[int]) -> dict[int, tuple[str, str, dict]]:
        """(source uid, target uid, properties) of each edge id."""
        rows: dict[int, tuple[str, str, dict]] = {}
        for part in sql.chunks(list(dict.fromkeys(eids))):
            marks = ",".join("?" * len(part))
            for eid, s, d, props in self._con().execute(
                f"SELECT e.eid, s.uid, d.uid, e.props FROM edges e JOIN nodes s ON s.nid = e.src "
                f"JOIN nodes d ON d.nid = e.dst WHERE e.eid IN ({marks})", part
            ):
                rows[eid] = (s, d, json.loads(props))
        return rows

    def records_about(self, uids: Iterable[str],
                      labels: Sequence[str] | None = None) -> dict[str, list[Node]]:
        for lab in labels or ():
            schema().label(lab)
        out: dict[str, list[Node]] = {}
        with gc_paused():  # a subject's records, or a batch's, are many dicts kept at once
            for part in sql.chunks(list(dict.fromkeys(uids))):
                marks = ",".join("?" * len(part))
                for join, where in self._about_reads(labels):
                    for subj, uid, label, props in self._side_con().execute(
                        f"SELECT d.uid, r.uid, r.label, r.props FROM nodes d CROSS JOIN {join} "
                        f"WHERE d.uid IN ({marks}){where}", part
                    ):
                        out.setdefault(subj, []).append(Node(uid, label, json.loads(props)))
            # Each subject's records in uid order, sorted here: an ORDER BY had SQLite copy
            # every row, its properties too, through a temporary B-tree.  (UTF-8's byte
            # order, SQLite's, is the code point order Python compares strings in.)
            for nodes in out.values():
                nodes.sort(key=attrgetter("uid"))
        return out

    @staticmethod
    def _about_reads(labels: Sequence[str] | None) -> list[tuple[str, str]]:
        """(what to join to the subjects ``d``, the WHERE terms) of the reads of their
        records ``r`` of ``labels`` (None: all): the side label's through its side table,
        the others' through the ABOUT index (sql.ABOUT_INDEX; NOT_SIDE said, so SQLite
        uses it).  The labels are its second column: each subject's records of those
        labels are a range of it, and SQLite seeks them rather than walk a label's partial
        indexes (all its records)."""
        labels = labels or None  # (none named: all, as before)
        others = None if labels is None else [lab for lab in labels if lab != sql.SIDE_LABEL]
        reads = []
        if others is None or others:
            where = f" AND r.{sql.NOT_SIDE}"
            if others:
                where += " AND r.label IN (" + ",".join(f"'{lab}'" for lab in others) + ")"
            reads.append((sql.ABOUT_JOIN, where))
        if labels is None or sql.SIDE_LABEL in labels:
            reads.append((sql.SIDE_JOIN, ""))
        return reads

    def record_facets(self, uids: Iterable[str], props: Sequence[str]
                      ) -> dict[str, set[tuple]]:
        # SQLite picks the properties out of each record's JSON and keeps the distinct
        # combinations: no record is decoded or built in Python (a subject may have
        # thousands, and a few issuers)
        paths = [f"$.{p}" for p in props]
        picks = "".join(", json_extract(r.props, ?)" for _ in paths)
        out: dict[str, set[tuple]] = {}
        for part in sql.chunks(list(dict.fromkeys(uids))):
            marks = ",".join("?" * len(part))
            for join, where in self._about_reads(None):
                for subj, *facet in self._side_con().execute(
                    f"SELECT DISTINCT d.uid, r.label{picks} FROM nodes d CROSS JOIN {join} "
                    f"WHERE d.uid IN ({marks}){where}", [*paths, *part]
                ):
                    out.setdefault(subj, set()).add(tuple(facet))
        return out

    def point_entries_about(self, uids: Iterable[str], schemes: Sequence[str], *,
                            occurred_by: dt.date | None = None,
                            valid_on: dt.date | None = None,
                            props: Sequence[str] | None = None) -> dict[str, list[Node]]:
        names = point_entry_props(props)
        wanted = list(dict.fromkeys(str(s) for s in schemes))
        out: dict[str, list[Node]] = {}
        if not wanted:
            return out
        # Every term reads a column of the nodes_about_point_entries index, so SQLite
        # judges an entry there and reads the row only of one it returns.
        col = {p: sql.point_entry_sql(e, "r") for p, e in sql.POINT_ENTRY_COLUMNS.items()}
        where, args = f" AND {col['scheme']} IN ({','.join('?' * len(wanted))})", list(wanted)
        for name, bound, op in (("valid_to", valid_on, ">="), ("occurred_on", occurred_by, "<=")):
            if bound is not None:
                c = col[name]
                where += (f" AND ({c} IS NULL OR {c} NOT GLOB '{sql.ISO_DAY_GLOB}' "
                          f"OR substr({c}, 1, 10) {op} ?)")
                args.append(bound.isoformat())
        indexed = names is not None and set(names) <= {*sql.POINT_ENTRY_COLUMNS,
                                                       *sql.POINT_ENTRY_VALUES}
        with gc_paused():
            for part in sql.chunks(list(dict.fromkeys(uids))):
                source = (f"FROM nodes d JOIN nodes r ON r.{sql.LINKS['ABOUT']} = d.nid "
                          f"WHERE d.uid IN ({','.join('?' * len(part))}) "
                          f"AND r.label = 'PointEntry'{where}")
                if indexed:
                    self._point_entries_indexed(names, source.replace(
                        "JOIN nodes r", f"JOIN nodes r INDEXED BY {sql.POINT_ENTRY_INDEX_NAME}", 1),
                        [*part, *args], out)
                    continue
                for subj, uid, text in self._read_scattered("d.uid, r.uid, r.props", source,
                                                            [*part, *args]):
                    out.setdefault(subj, []).append(
                        only_props(Node(uid, "PointEntry", json.loads(text)), names))
            for nodes in out.values():
                nodes.sort(key=attrgetter("uid"))
        return out

    def _point_entries_indexed(self, names: Sequence[str], source: str, args: Sequence,
                               out: dict[str, list[Node]]) -> None:
        """The point entries of ``SELECT ... <source>`` with the properties ``names``, read
        from the nodes_about_point_entries index alone (sql.POINT_ENTRY_ARRAY): each
        statement's column spells an index column, so SQLite never reads a row.  A value
        of the filter columns (json_extract: a JSON array's text, a number for true) that
        is not plain text is read again from its row, rarely."""
        filters = [(p, sql.point_entry_sql(sql.POINT_ENTRY_COLUMNS[p], "r"))
                   for p in names if p in sql.POINT_ENTRY_COLUMNS]
        values = [(i, p) for i, p in enumerate(sql.POINT_ENTRY_VALUES) if p in names]
        cols = "".join(f", {e}" for _, e in filters)
        if values:  # (the index's JSON text put in the rows' JSON as it is: decoded with them)
            cols += f", json({sql.point_entry_sql(sql.POINT_ENTRY_ARRAY, 'r')})"
        # Where each name asked is in a row's columns (a filter column, or after them the
        # array's item), in the order asked: a ledger reads thousands of rows.
        held = [p for p, _ in filters]
        first = len(held)
        spots = [(p, held.index(p) if p in held else first + sql.POINT_ENTRY_VALUES.index(p))
                 for p in names]
        found: list[tuple[str, str, dict | None]] = []
        for subj, uid, *got in self._rows(f"d.uid, r.uid{cols}", source, args):
            if values:
                got[first:] = got[first]
            if not _plain_text(got[:first]):
                found.append((subj, uid, None))
                continue
            found.append((subj, uid, {p: got[i] for p, i in spots if got[i] is not None}))
        whole = self.get_nodes([uid for _, uid, props in found if props is None])
        for subj, uid, props in found:
            out.setdefault(subj, []).append(Node(uid, "PointEntry", props) if props is not None
                                            else only_props(whole[uid], names))

    def records_matching(self, uids: Iterable[str],
                         tests: Mapping[str, Sequence[RecordMatch] | None],
                         props: Mapping[str, Sequence[str] | None] | None = None
                         ) -> dict[str, list[Node]]:
        tests = record_tests(tests)
        names = record_props(props)
        if not tests:
            return {}
        # A label whose records the side table holds all that is asked and tested of
        # (sql.about_held: a ledger's alarms) is read from the side table alone; of the
        # others SQLite judges each record on its JSON text, or for the side label on its
        # side row, and only the rows kept are read whole and decoded
        held = {label for label, alts in tests.items()
                if sql.about_answers(label, names.get(label), alts)}
        rest = {label: alts for label, alts in tests.items() if label not in held}
        uids = list(dict.fromkeys(uids))
        out: dict[str, list[Node]] = {}
        with gc_paused():
            for label in held:
                self._records_indexed(uids, label, tests[label], names[label], out)
            con = self._side_con()
            for (join, where, args, _), (near_join, near, near_args, nid) in zip(
                    sql.record_reads(rest), sql.record_reads(rest, index_only=True)):
                for part in sql.chunks(uids):
                    subjects = f"WHERE d.uid IN ({','.join('?' * len(part))})"
                    # (each record's JSON put in the rows' JSON as it is, json(): one
                    # decode makes every row's dict, where as text it was escaped into a
                    # string and decoded twice.  SQLite takes every record's JSON: each
                    # record label's has a json_extract index, which refuses any other.)
                    for subj, uid, label, props in self._read_scattered(
                            "d.uid, r.uid, r.label, json(r.props)",
                            f"FROM nodes d CROSS JOIN {join} {subjects}{where}", [*part, *args],
                            f"FROM nodes d CROSS JOIN {near_join} {subjects}{near}",
                            [*part, *near_args], near_nid=nid, con=con):
                        out.setdefault(subj, []).append(
                            only_props(Node(uid, label, props), names.get(label)))
            for nodes in out.values():
                nodes.sort(key=attrgetter("uid"))
        return out

    def _records_indexed(self, uids: Sequence[str], label: str,
                         alts: Sequence[RecordMatch] | None, names: Sequence[str],
                         out: dict[str, list[Node]]) -> None:
        """The records of ``label`` (the side label) about ``uids`` that ``alts`` keeps,
        with the properties ``names``, read from the side table alone (sql.about_held: no
        row is read).  A record with a held value that is not plain text (json_extract: a
        JSON array's text, a number for true) is judged and read again from its row,
        rarely."""
        held = sql.about_held(label)
        cond, args = sql.record_tests_sql(alts, label, rows=False) if alts is not None \
            else ("1", [])
        cols = "".join(f", s.{p}" for p in held)
        prefix = f"{label}:"
        spots = [(p, held.index(p)) for p in names if p in held]  # (in the order asked)
        found: list[tuple[str, str, dict | None]] = []
        con = self._side_con()
        for part in sql.chunks(uids):
            for subj, key, *got in self._rows(
                    f"d.uid, s.key{cols}",
                    f"FROM nodes d CROSS JOIN {sql.SIDE_TABLE} s ON s.about = d.nid "
                    f"WHERE d.uid IN ({','.join('?' * len(part))}) AND {cond}",
                    [*part, *args], con):
                values = {p: got[i] for p, i in spots if got[i] is not None} \
                    if _plain_text(got) else None
                found.append((subj, prefix + key, values))
        whole = self.get_nodes([uid for _, uid, values in found if values is None])
        for subj, uid, values in found:
            if values is not None:
                node = Node(uid, label, values)
            elif alts is None or any(t.keeps(whole[uid].props) for t in alts):
                node = only_props(whole[uid], names)
            else:
                continue
            out.setdefault(subj, []).append(node)

    def _rows(self, select: str, source: str, args: Sequence,
              con: sqlite3.Connection | None = None) -> list[list]:
        """The rows of ``SELECT <select> <source>`` (``FROM ... WHERE ...``), each a list,
        from one step of SQLite: as one JSON array of them.  Row by row, the sqlite3
        module lets go of the GIL at each step and waits to take it back, and with
        gather's reads running at once in threads (queries.scoring.ledger) every row of a
        fleet's thousands then waits its turn; read so, SQLite's work runs beside theirs.

        The values are exact: a stored value comes back as the same text, whole number or
        null (a real is rendered as SQLite's JSON does, and is read only to be told apart
        from text: see _plain_text); a value of a JSON function's (json_extract's array
        or object) may come back parsed, a list or dict, never text."""
        (text,) = (con or self._con()).execute(
            f"SELECT json_group_array(json_array({select})) {source}", args).fetchone()
        return json.loads(text)

    def _read_scattered(self, select: str, source: str, args: Sequence,
                        near: str | None = None, near_args: Sequence = (),
                        near_nid: str = "r.nid", con: sqlite3.Connection | None = None
                        ) -> list[list]:
        """The rows of ``SELECT <select> <source>`` (records ``r``, ``FROM ... WHERE ...``),
        their pages first asked of the OS all at once: the records of a subject lie one to
        a page all over the file, and SQLite reads them one after another (pagemap).  The
        rows asked for are those ``near`` (default ``source``) picks on its index alone,
        no row read (their nid ``near_nid``); the answer is the second statement's, as it
        would be without."""
        con = con or self._con()
        if PREFETCH_ROWS:
            nids = [n for n, in con.execute(f"SELECT {near_nid} {near or source}",
                                            near_args if near else args)]
            if len(nids) >= PREFETCH_ROWS:
                self._pages.will_need(nids)
        return self._rows(select, source, args, con)

    def find_nodes(self, label: str, where: Mapping[str, Any] | None = None,
                   after: str | None = None, limit: int = 100) -> list[Node]:
        lab = schema().label(label)
        wanted: dict[str, Any] = {}
        for prop, value in (where or {}).items():
            if prop not in lab.properties:
                raise ValueError(f"{label} has no property {prop!r}")
            if isinstance(value, (Between, NoneOf)):
                wanted[prop] = value
                continue
            values = list(value) if isinstance(value, (list, tuple, set, frozenset)) else [value]
            values = [v for v in values if v is not None and v == v]  # null matches nothing
            if not values:
                return []
            wanted[prop] = values
        keys = wanted.pop(lab.key, None)
        if isinstance(keys, (Between, NoneOf)):
            wanted[lab.key], keys = keys, None
        if keys is not None and all(isinstance(k, str) for k in keys):
            # Keys are uids: looked up in the uid index, a statement per CHUNK of them.
            found = []
            for part in sql.chunks(keys):
                found += self._find(lab.name, wanted, after, limit, [f"{lab.name}:{k}" for k in part])
            found.sort(key=lambda n: n.uid)
            return found[:limit] if limit >= 0 else found
        if keys is not None:
            wanted[lab.key] = keys
        return self._find(lab.name, wanted, after, limit)

    def find_every(self, label: str, where: Mapping[str, Any] | None = None) -> list[Node]:
        # No ORDER BY: SQLite would copy every row, its properties too, through a
        # temporary B-tree (~40 % of a province's 10^5 penalties read); sorted here.
        # (UTF-8's byte order, SQLite's, is the code point order Python compares in.)
        with gc_paused():
            return sorted(self.find_nodes(label, where, limit=-1), key=attrgetter("uid"))

    def text_values(self, label: str, prop: str) -> frozenset[str]:
        lab = schema().label(label)  # (a schema name, spelled into the SQL: see _find)
        con = self._con()
        # one row of JSON (see existing): no node's whole props decoded in Python.  An
        # indexed property's values are read from its index, a row only for a text that
        # starts as an array's or object's JSON does (json_extract gives their text too):
        # at scale 1 the objections' names, 5.4 MiB read cold instead of every row's 92.5
        index = sql.prop_index(lab.name, prop)
        if index is not None and con.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", (index,)
        ).fetchone():
            value = sql.prop_sql(prop)  # (as the index spells it)
            query = (f"SELECT json_group_array({value}) FROM nodes INDEXED BY {index} "
                     f"WHERE label = '{lab.name}' AND typeof({value}) = 'text' AND "
                     f"(substr({value}, 1, 1) NOT IN ('[', '{{') OR json_type(props, :path) = 'text')")
        else:
            query = (f"SELECT json_group_array(json_extract(props, :path)) FROM nodes "
                     f"WHERE label = '{lab.name}' AND json_type(props, :path) = 'text'")
        [found] = con.execute(query, {"path": f'$."{prop}"'}).fetchone()
        return frozenset(json.loads(found))

    def _find(self, label: str, wanted: Mapping[str, list], after: str | None, limit: int,
              uids: Sequence[str] | None = None) -> list[Node]:
        # The label is spelled into the SQL (it is a schema name, checked by find_nodes) so
        # that SQLite can use the partial indexes, which name it literally.
        # The label's uids are a range; a keyset cursor inside it moves its start.  (One
        # lower bound: given two, SQLite starts the index range at either, and starting
        # every page at the label's first row walks all rows before the cursor.)
        lo, hi = sql.label_range(label)
        if uids is not None:  # uids named: no range, or SQLite might walk it
            query = f"SELECT uid, label, props FROM nodes WHERE label = '{label}' AND uid IN " \
                  f"({','.join('?' * len(uids))}) AND (? IS NULL OR uid > ?)"
            args: list[Any] = [*uids, after, after]
        else:
            start = "uid > ?" if after is not None and after >= lo else "uid >= ?"
            query = f"SELECT uid, label, props FROM nodes WHERE label = '{label}' AND {start} AND uid < ?"
            args = [after if start == "uid > ?" else lo, hi]
        for prop, values in wanted.items():
            value = sql.prop_sql(prop)
            if isinstance(values, Between):
                query += f" AND {value} BETWEEN ? AND ?"
                args += [values.lo, values.hi]
            elif isinstance(values, NoneOf):
                if values.values:
                    query += f" AND ({value} IS NULL OR {value} NOT IN ({','.join('?' * len(values.values))}))"
                    args.extend(values.values)
            else:
                query += f" AND {value} IN ({','.join('?' * len(values))})"
                args.extend(values)
        if uids is None and after is not None and after < lo:
            query += " AND uid > ?"
            args.append(after)
        if limit >= 0:  # (-1: find_every's, every row in no order)
            query += " ORDER BY uid LIMIT ?"
            args.append(int(limit))
        return [Node(u, lb, json.loads(p)) for u, lb, p in self._con().execute(query, args)]

    def count_nodes(self, label: str | None = None) -> int:
        if label is None:
            return self._con().execute("SELECT count(*) FROM nodes").fetchone()[0]
        schema().label(label)
        return self._con().execute("SELECT count(*) FROM nodes WHERE uid >= ? AND uid < ?",
                                   sql.label_range(label)).fetchone()[0]

    def count_edges(self, rel_type: str | None = None) -> int:
        con = self._con()
        if rel_type is None:
            links = sum(self.count_edges(t) for t in sql.LINKS)
            return con.execute("SELECT count(*) FROM edges").fetchone()[0] + links
        schema().rel(rel_type)
        if rel_type == "ABOUT":  # (the ABOUT index's entries, and the side rows)
            return self._side_con().execute(
                f"SELECT (SELECT count(*) FROM nodes WHERE {sql.LINKS['ABOUT']} IS NOT NULL "
                f"AND {sql.NOT_SIDE}) + (SELECT count(*) FROM {sql.SIDE_TABLE})").fetchone()[0]
        if rel_type in sql.LINKS:
            col = sql.LINKS[rel_type]
            return con.execute(f"SELECT count(*) FROM nodes WHERE {col} IS NOT NULL").fetchone()[0]
        return con.execute("SELECT count(*) FROM edges WHERE type = ?", (rel_type,)).fetchone()[0]

    def integrity_check(self) -> str:
        return self._con().execute("PRAGMA integrity_check").fetchone()[0]

    def close(self) -> None:
        self._pages.close()
        self._checkpoint.close()
        self._checkpoint = BackgroundCheckpoint(self.db_path)  # for a store used again
        self._connections.close()
