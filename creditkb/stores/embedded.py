"""The embedded store: SQLite (WAL, full sync) on disk, a CSR topology in memory.

Layout of the store directory::

    graph.sqlite3    nodes, edges and meta; the only truth
    topology.npz     cache of the traversal graph for the generation it names

A record (a penalty, an evaluation, ...) is one row of ``nodes``: the relationships the
schema marks ``one_per_source`` (its subject, its agency, the penalty a repair repairs)
are integer columns of that row rather than rows of ``edges`` (see LINKS), so loading
millions of records writes one row and its indexes per record.  Properties are JSON text.

SQLite gives durability and atomicity: a transaction is one ``BEGIN IMMEDIATE`` ...
``COMMIT``, so a process killed mid-load leaves every committed transaction and nothing
of the interrupted one.  A large commit is durable in the write-ahead log; copying the
log into the database file is left to a background thread (creditkb.stores.checkpoint).
Each commit bumps ``meta.generation``, and a commit that changes the traversal graph (its
edges) also ``meta.topology``; a process whose topology shows an older one rebuilds it
before its next traversal (cheap: integer columns only), so several API workers and a
loader can share one store, and writing records (a list entry, a repair) costs no rebuild.
"""

from __future__ import annotations

import itertools
import json
import os
from dataclasses import asdict, dataclass, replace
import sqlite3
import threading
from contextlib import contextmanager
from typing import Any, Iterable, Iterator, Mapping, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from creditkb.stores.port import (
    Direction, Edge, LoadInfo, MissingNodeError, Neighbourhood, Node, NodeBatch, Store,
    StoreError, UndoRefused, UndoResult, Writer, node_batch,
)
from creditkb.stores import jsontext
from creditkb.stores.checkpoint import BackgroundCheckpoint
from creditkb.stores.topology import Topology
from creditkb.strindex import StringIndex, hashes
from graph_model.schema import schema

DB_FILE = "graph.sqlite3"
TOPOLOGY_FILE = "topology.npz"
STORE_FORMAT = "3"
CHUNK = 10_000  # bound parameters per statement stay far below SQLite's 32,766
# Page caches: a write transaction updates indexes at random places (uids are not in
# insertion order), so a load gets a large cache while it runs; readers get a modest one.
READ_CACHE_KIB = 256 * 1024
WRITE_CACHE_KIB = 2 * 1024 * 1024
AUTOCHECKPOINT_PAGES = 1000  # SQLite's default, kept for small writes (an API's, say)
BACKGROUND_CHECKPOINT_ROWS = 10_000  # a transaction writing more: checkpointed in the background

# Relationships a source node has at most one of (a record's ABOUT, ISSUED_BY, REPAIRS)
# are columns of the source row, named after the type: a record is then one row with its
# links instead of one row and two edge rows, each with its own indexes.
LINKS = {t: t.lower() for t in schema().link_rel_types()}

DDL = """
CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v TEXT NOT NULL);
INSERT OR IGNORE INTO meta(k, v) VALUES ('generation', '0'), ('topology', '0'), ('format', '3');
-- AUTOINCREMENT: ids are never handed out twice, so the ids a load created are exactly
-- the range between the largest id before it and the largest after it.
-- A uid starts with its label ("Penalty:..."), so the uid index also serves a label's
-- rows in uid order (a range), and no (label, uid) index is kept.
CREATE TABLE IF NOT EXISTS nodes(
    nid INTEGER PRIMARY KEY AUTOINCREMENT,
    uid TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL,
    props TEXT NOT NULL%(links)s
);
CREATE TABLE IF NOT EXISTS edges(
    eid INTEGER PRIMARY KEY AUTOINCREMENT,
    type TEXT NOT NULL,
    src INTEGER NOT NULL REFERENCES nodes(nid),
    dst INTEGER NOT NULL REFERENCES nodes(nid),
    props TEXT NOT NULL,
    UNIQUE(src, type, dst)
);
CREATE INDEX IF NOT EXISTS edges_dst ON edges(dst, type);
CREATE TABLE IF NOT EXISTS loads(
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    load_id TEXT NOT NULL UNIQUE,
    info TEXT NOT NULL,
    status TEXT NOT NULL,
    nid_lo INTEGER, nid_hi INTEGER,  -- nodes the load created: lo < nid <= hi
    eid_lo INTEGER, eid_hi INTEGER   -- edges likewise
);
-- One row per existing node ('n') or edge ('e') a load changed: its props before, and
-- for a node its link columns before (a JSON array in LINKS order).
CREATE TABLE IF NOT EXISTS journal(
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    id INTEGER NOT NULL,
    old TEXT NOT NULL,
    old_links TEXT,
    PRIMARY KEY(seq, kind, id)
) WITHOUT ROWID;
""" % {"links": "".join(f",\n    {c} INTEGER REFERENCES nodes(nid)" for c in LINKS.values())}
# Only records_about follows a link backwards (a subject's records: ABOUT).  The others
# are read from their record; undo and delete, which look for rows linking to given nodes,
# scan for them rather than have every record of a load write two more index entries.
INDEXED_LINKS = ("ABOUT",)
DDL += "".join(f"CREATE INDEX IF NOT EXISTS nodes_{LINKS[t]} ON nodes({LINKS[t]}) "
               f"WHERE {LINKS[t]} IS NOT NULL;\n" for t in INDEXED_LINKS)
DDL += "".join(f"DROP INDEX IF EXISTS nodes_{c};\n"  # kept by stores written before
               for t, c in LINKS.items() if t not in INDEXED_LINKS)


# Per connection: while a load's transaction runs, _load holds its sequence number and
# the largest ids before it; an update of a row that existed before then saves the row's
# props (and links) in the journal, once per load (NOT EXISTS, because the upsert that
# fires a trigger imposes its own conflict handling on it).  Outside loads _load is empty
# and nothing fires.
JOURNAL_TRIGGERS = """
CREATE TEMP TABLE IF NOT EXISTS _load(seq INTEGER, max_nid INTEGER, max_eid INTEGER);
CREATE TEMP TRIGGER IF NOT EXISTS _journal_nodes BEFORE UPDATE ON main.nodes
WHEN old.nid <= (SELECT max_nid FROM _load) BEGIN
    INSERT INTO journal(seq, kind, id, old, old_links)
    SELECT l.seq, 'n', old.nid, old.props, json_array(%(old_links)s) FROM _load l
    WHERE NOT EXISTS (SELECT 1 FROM journal j WHERE j.seq = l.seq AND j.kind = 'n' AND j.id = old.nid);
END;
CREATE TEMP TRIGGER IF NOT EXISTS _journal_edges BEFORE UPDATE OF props ON main.edges
WHEN old.eid <= (SELECT max_eid FROM _load) BEGIN
    INSERT INTO journal(seq, kind, id, old) SELECT l.seq, 'e', old.eid, old.props FROM _load l
    WHERE NOT EXISTS (SELECT 1 FROM journal j WHERE j.seq = l.seq AND j.kind = 'e' AND j.id = old.eid);
END;
""" % {"old_links": ", ".join(f"old.{c}" for c in LINKS.values())}


def index_statements() -> list[str]:
    """Partial expression indexes for the properties the schema marks ``index: true``."""
    out = []
    for label in schema().labels.values():
        for prop in label.indexed():
            out.append(
                f"CREATE INDEX IF NOT EXISTS nodes_{label.name}_{prop} "
                f"ON nodes(json_extract(props, '$.{prop}')) WHERE label = '{label.name}'"
            )
    return out


def _prefix_range(prefix: str) -> tuple[str, str]:
    """Bounds of the uids starting with ``prefix``: ``lo <= uid < hi``."""
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _label_range(label: str) -> tuple[str, str]:
    return _prefix_range(f"{label}:")


STAGE_PARAMS = 32_000  # bound parameters per staging statement (SQLite allows 32,766)


def _stage(con: sqlite3.Connection, table: str, columns: Sequence[str], *values: Sequence) -> None:
    """Insert rows (one sequence per column) into a staging table, thousands of rows per
    statement.  ``executemany`` would run one statement per row, and each run releases
    and takes back the GIL: while the loader's prefetch thread works, taking it back
    waits, and at Yangtze scale that wait cost more than the inserts themselves."""
    per = max(1, STAGE_PARAMS // len(columns))
    head = f"INSERT INTO {table}({', '.join(columns)}) VALUES "
    row = "(" + ", ".join("?" * len(columns)) + ")"
    full = head + ", ".join([row] * per)
    flat = list(itertools.chain.from_iterable(zip(*values)))
    width = per * len(columns)
    for start in range(0, len(flat), width):
        part = flat[start:start + width]
        sql = full if len(part) == width else head + ", ".join([row] * (len(part) // len(columns)))
        con.execute(sql, part)


def _chunks(seq: Sequence, n: int = CHUNK) -> Iterator[Sequence]:
    for i in range(0, len(seq), n):
        yield seq[i:i + n]


def _merge_sql(table: str) -> str:
    """The props of an upsert: new values over old, and the row's source entry (a written
    row carries one, see _props) appended to the ``_sources`` list unless already there,
    so the list keeps the order the sources were written in (as Neo4j's does)."""
    old, new = f"{table}.props", "excluded.props"
    entry = f"json_extract({new}, '$._sources[0]')"
    return (
        f"CASE WHEN json_type({new}, '$._sources') IS NULL THEN json_patch({old}, {new}) "
        f"ELSE json_set(json_patch({old}, {new}), '$._sources', json(CASE "
        f"WHEN json_type({old}, '$._sources') IS NULL THEN json_extract({new}, '$._sources') "
        f"WHEN EXISTS (SELECT 1 FROM json_each({old}, '$._sources') WHERE value = {entry}) "
        f"THEN json_extract({old}, '$._sources') "
        f"ELSE json_insert(json_extract({old}, '$._sources'), '$[#]', {entry}) END)) END"
    )


def _props(frame: pd.DataFrame, load_id: str | None) -> pa.Array:
    """JSON props of each row, with its source entry when ``load_id`` names a load."""
    frame = frame.drop(columns=["src", "dst"], errors="ignore")
    if load_id is None or "_row" not in frame.columns:
        return jsontext.object_array(frame.drop(columns=["_row"], errors="ignore"))
    rows = pa.array(frame["_row"].astype("int64").to_numpy()).cast(pa.string())
    sources = pc.binary_join_element_wise(f'["{load_id}#', rows, '"]', "")
    return jsontext.object_array(frame.drop(columns=["_row"]), {"_sources": sources})


def _strings(array: pa.Array) -> list[str]:
    return array.to_numpy(zero_copy_only=False).tolist()


def _utf8(array: pa.Array) -> list[bytes]:
    """The UTF-8 bytes of each string: staged as blobs and cast back to text by SQLite,
    they skip decoding into Python strings and encoding again to bind them."""
    return array.cast(pa.binary()).to_numpy(zero_copy_only=False).tolist()


@dataclass(frozen=True)
class _Rows:
    """A node batch as the writer stages it, in uid order: uids, JSON props, and per link
    column the factorized targets (see _factorized)."""

    uids: list[bytes]  # UTF-8 (see _utf8)
    props: list[bytes]
    links: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]


def _encode_nodes(label: str, frame: pd.DataFrame, load_id: str | None) -> NodeBatch:
    """See :meth:`EmbeddedStore.prepare_nodes`."""
    if frame.empty:
        return NodeBatch(label, load_id, frame, {}, pd.Series([], dtype="string"), _Rows([], [], {}))
    batch = node_batch(label, frame, load_id)
    for rel_type, targets in batch.links.items():
        rel = schema().rel(rel_type)  # node_batch checked that label may be its source
        _check_endpoint_labels(rel_type, pd.DataFrame({"src": f"{label}:", "dst": targets.dropna()}),
                               rel.from_labels, rel.to_labels)
    uids = pa.array(batch.uids, pa.string(), from_pandas=True)
    # In uid order the uid index is written page after page rather than all over; the
    # sort is stable, so repeats of a uid keep the frame's order (the last one wins).
    order = pc.sort_indices(uids)
    links = {}
    for rel_type, targets in batch.links.items():
        codes, distinct, keys = _factorized(targets)
        links[rel_type] = (codes[order.to_numpy()], distinct, keys)
    rows = _Rows(_utf8(uids.take(order)), _utf8(_props(batch.frame, load_id).take(order)), links)
    return replace(batch, encoded=rows)


class EmbeddedWriter(Writer):
    """Writes of one transaction. With a load (``seq`` set), every existing row it changes
    is journaled once with its props before the load (by triggers, so rows it only inserts
    cost nothing), and the rows it creates are the id range recorded at commit, so
    :meth:`EmbeddedStore.undo_load` can take the load back."""

    def __init__(self, con: sqlite3.Connection, load_id: str | None = None, seq: int | None = None):
        self.con = con
        self.load_id = load_id
        self.seq = seq
        self.wrote = False
        self.rows = 0  # rows written (nodes, edges, links)
        self._forget_targets()
        self.graph_changed = False  # edges of the traversal graph written or deleted
        links = "".join(f", {c} INTEGER" for c in LINKS.values())
        con.execute(f"CREATE TEMP TABLE IF NOT EXISTS _nodes_in(uid TEXT, props TEXT{links})")
        con.execute("CREATE TEMP TABLE IF NOT EXISTS _edges_in(src_uid TEXT, dst_uid TEXT, props TEXT)")
        con.execute("CREATE TEMP TABLE IF NOT EXISTS _links_in(src INTEGER, dst INTEGER)")
        self.max_nid = con.execute("SELECT coalesce(max(nid), 0) FROM nodes").fetchone()[0]
        self.max_eid = con.execute("SELECT coalesce(max(eid), 0) FROM edges").fetchone()[0]
        con.execute("DELETE FROM _load")
        if seq is not None:  # arms the journal triggers (see JOURNAL_TRIGGERS)
            con.execute("INSERT INTO _load VALUES (?, ?, ?)", (seq, self.max_nid, self.max_eid))

    def _forget_targets(self) -> None:
        """Link targets looked up (see _link_nids): their uids, and nids by number."""
        self._targets = StringIndex()
        self._target_nids = np.zeros(0, dtype=np.int64)

    def upsert_nodes(self, label: str, frame: pd.DataFrame | NodeBatch) -> int:
        batch = frame if isinstance(frame, NodeBatch) else _encode_nodes(label, frame, self.load_id)
        batch.check_for(label, self.load_id)
        if not isinstance(batch.encoded, _Rows):
            raise ValueError(f"{label} nodes prepared by another store")
        if not len(batch):
            return 0
        rows: _Rows = batch.encoded
        cols = [LINKS[t] for t in rows.links]
        targets = [self._link_nids(rel_type, *factorized) for rel_type, factorized in rows.links.items()]
        con = self.con
        con.execute("DELETE FROM _nodes_in")
        _stage(con, "_nodes_in", ["uid", "props"] + cols, rows.uids, rows.props, *targets)
        # 0 stages "no link", and a row without one keeps the stored link.
        new_links = "".join(f", nullif(i.{c}, 0)" for c in cols)
        keep = "".join(f", {c} = coalesce(excluded.{c}, nodes.{c})" for c in cols)
        # Staged in uid order (see _encode_nodes), and read back in that order.
        con.execute(
            f"INSERT INTO nodes(uid, label, props{''.join(', ' + c for c in cols)}) "
            f"SELECT CAST(i.uid AS TEXT), ?, CAST(i.props AS TEXT){new_links} FROM _nodes_in i "
            f"WHERE true ORDER BY i.rowid "
            f"ON CONFLICT(uid) DO UPDATE SET props = {_merge_sql('nodes')}{keep}",
            (label,),
        )
        self.wrote = True
        self.rows += len(batch)
        return len(batch)

    def _link_nids(self, rel_type: str, codes: np.ndarray, distinct: np.ndarray,
                   keys: np.ndarray) -> list[int]:
        """The nid of each target (``codes`` index ``distinct``, whose hashes are ``keys``;
        -1 for none, 0 then), looked up once per distinct target and transaction (a load's
        chunks name the same subjects and agencies again; nids do not change while it
        runs); a target that is no node raises MissingNodeError."""
        found = self._targets.find(distinct, keys)
        new = np.flatnonzero(found < 0)
        if len(new):
            got: dict[str, int] = {}
            for part in _chunks(distinct[new].tolist()):
                marks = ",".join("?" * len(part))
                # One row of JSON rather than a row per target: each row fetched would
                # release and take back the GIL (see _stage).
                [text] = self.con.execute(f"SELECT json_group_object(uid, nid) FROM nodes "
                                          f"WHERE uid IN ({marks})", part).fetchone()
                got.update(json.loads(text))
            nids = np.array([got.get(u, 0) for u in distinct[new]], dtype=np.int64)
            if not nids.all():
                raise MissingNodeError(rel_type, distinct[new][nids == 0][:1000].tolist())
            found[new] = self._targets.add(distinct[new], keys[new])
            self._target_nids = np.concatenate([self._target_nids, nids])
        return np.append(self._target_nids[found], 0)[codes].tolist()  # -1 picks the 0

    def upsert_edges(self, rel_type: str, frame: pd.DataFrame) -> int:
        rel = schema().rel(rel_type)
        if frame.empty:
            return 0
        self.graph_changed = self.graph_changed or rel.in_graph
        _check_endpoint_labels(rel_type, frame, rel.from_labels, rel.to_labels)
        if rel_type in LINKS:
            return self._upsert_links(rel_type, frame)
        con = self.con
        con.execute("DELETE FROM _edges_in")
        _stage(con, "_edges_in", ["src_uid", "dst_uid", "props"], frame["src"].tolist(),
               frame["dst"].tolist(), _strings(_props(frame, self.load_id)))
        ends = ("FROM _edges_in i JOIN nodes s ON s.uid = i.src_uid "
                "JOIN nodes d ON d.uid = i.dst_uid")
        # In (src, dst) order the (src, type, dst) index is written page after page.
        written = con.execute(
            f"INSERT INTO edges(type, src, dst, props) SELECT ?, s.nid, d.nid, i.props "
            f"{ends} WHERE true ORDER BY s.nid, d.nid "
            f"ON CONFLICT(src, type, dst) DO UPDATE SET props = {_merge_sql('edges')}",
            (rel_type,),
        ).rowcount
        if written < len(frame):  # the joins dropped rows: some end does not exist
            self._missing_ends(rel_type)
        self.wrote = True
        self.rows += len(frame)
        return len(frame)

    def _upsert_links(self, rel_type: str, frame: pd.DataFrame) -> int:
        """A link column set on each source row (see LINKS); its provenance is the row's.
        Both ends are found as a node frame's link targets are (see _link_nids)."""
        con, col = self.con, LINKS[rel_type]
        con.execute("DELETE FROM _links_in")
        _stage(con, "_links_in", ["src", "dst"], *(self._link_nids(rel_type, *_factorized(frame[end]))
                                                  for end in ("src", "dst")))
        con.execute(f"UPDATE nodes SET {col} = l.dst FROM _links_in l "
                    f"WHERE nodes.nid = l.src AND nodes.{col} IS NOT l.dst")
        self.wrote = True
        self.rows += len(frame)
        return len(frame)

    def _missing_ends(self, rel_type: str) -> None:
        missing = [r[0] for r in self.con.execute(
            "SELECT DISTINCT u FROM (SELECT src_uid AS u FROM _edges_in UNION ALL "
            "SELECT dst_uid FROM _edges_in) WHERE u NOT IN (SELECT uid FROM nodes) LIMIT 1000"
        )]
        if missing:
            raise MissingNodeError(rel_type, missing)

    def finish_load(self, load: LoadInfo) -> None:
        if self.seq is None or load.load_id != self.load_id:
            raise StoreError(f"this transaction is not load {load.load_id!r}")
        self.con.execute("UPDATE loads SET info = ? WHERE seq = ?",
                         (json.dumps(asdict(load), ensure_ascii=False), self.seq))

    def _refuse_in_load(self, what: str) -> None:
        if self.seq is not None:
            raise StoreError(f"{what} inside a load transaction could not be undone")

    def delete_nodes(self, uids: Sequence[str]) -> int:
        self._refuse_in_load("delete_nodes")
        self._forget_targets()
        n = 0
        for part in _chunks(list(uids)):
            marks = ",".join("?" * len(part))
            nids = [r[0] for r in self.con.execute(
                f"SELECT nid FROM nodes WHERE uid IN ({marks})", part)]
            if not nids:
                continue
            nm = ",".join("?" * len(nids))
            self.con.execute(f"DELETE FROM edges WHERE src IN ({nm}) OR dst IN ({nm})", nids * 2)
            for col in LINKS.values():  # links to a deleted node go with it, like edges
                self.con.execute(f"UPDATE nodes SET {col} = NULL WHERE {col} IN ({nm})", nids)
            self.con.execute(f"DELETE FROM nodes WHERE nid IN ({nm})", nids)
            n += len(nids)
        self.wrote = self.wrote or n > 0
        self.graph_changed = self.graph_changed or n > 0
        return n

    def delete_all(self) -> None:
        self._refuse_in_load("delete_all")
        self._forget_targets()
        for table in ("edges", "nodes", "journal", "loads"):
            self.con.execute(f"DELETE FROM {table}")
        self.wrote = self.graph_changed = True


def _factorized(targets: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A code per row (-1: no target), the distinct targets, and their hashes."""
    codes, distinct = pd.factorize(targets)
    distinct = np.asarray(distinct, dtype=object)
    return codes, distinct, hashes(distinct)


def _check_endpoint_labels(rel_type: str, frame: pd.DataFrame, allowed_from, allowed_to) -> None:
    for col, allowed in (("src", allowed_from), ("dst", allowed_to)):
        if col not in frame.columns:
            raise ValueError(f"{rel_type} rows need a {col!r} column")
        ok = frame[col].astype("string").str.startswith(tuple(f"{lab}:" for lab in allowed))
        bad = ~ok.fillna(False).to_numpy(dtype=bool)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"{rel_type}: row {i} has {col} {frame[col].iloc[i]!r}; "
                f"allowed labels are {', '.join(allowed)}"
            )


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
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        self._topology: Topology | None = None
        self._topology_lock = threading.Lock()
        self._checkpoint = BackgroundCheckpoint(self.db_path)
        self._graph_types = schema().graph_rel_types()
        self._type_code = {t: i for i, t in enumerate(self._graph_types)}
        self.ensure_schema()

    # -- connections -----------------------------------------------------------------

    def _con(self) -> sqlite3.Connection:
        con = getattr(self._local, "con", None)
        if con is None:
            try:
                con = sqlite3.connect(self.db_path, isolation_level=None, timeout=60,
                                      check_same_thread=False)
                con.execute("PRAGMA journal_mode=WAL")
                # FULL: a commit is on disk before it is reported, also across power loss.
                con.execute("PRAGMA synchronous=FULL")
                con.execute("PRAGMA foreign_keys=OFF")
                con.execute("PRAGMA temp_store=MEMORY")  # staging tables of a load
                con.execute(f"PRAGMA cache_size=-{READ_CACHE_KIB}")
                if con.execute("SELECT 1 FROM sqlite_master WHERE name = 'journal'").fetchone():
                    con.executescript(JOURNAL_TRIGGERS)  # else ensure_schema() does, after DDL
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"cannot open the embedded store at {self.db_path!r}: {exc}") from None
            self._local.con = con
            with self._connections_lock:
                self._connections.append(con)
        return con

    def ensure_schema(self) -> None:
        con = self._con()
        try:
            fmt = con.execute("SELECT v FROM meta WHERE k = 'format'").fetchone() \
                if con.execute("SELECT 1 FROM sqlite_master WHERE name = 'meta'").fetchone() else None
            if fmt is not None and fmt[0] != STORE_FORMAT:
                raise StoreError(f"{self.db_path!r} was written by another version of creditkb "
                                 f"(store format {fmt[0]}, this one reads {STORE_FORMAT}); load "
                                 f"its files into a new store")
            con.executescript(DDL)
            for stmt in index_statements():
                con.execute(stmt)
            con.executescript(JOURNAL_TRIGGERS)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.db_path!r} is not a creditkb store: {exc}") from None

    def generation(self) -> int:
        return int(self._con().execute("SELECT v FROM meta WHERE k='generation'").fetchone()[0])

    # -- writes ----------------------------------------------------------------------

    def prepare_nodes(self, label: str, frame: pd.DataFrame,
                      load_id: str | None = None) -> NodeBatch:
        """Checks, the uids in order and the JSON props: a load's pandas and Arrow work, done
        here so that a loader's other thread does it while this one writes."""
        return _encode_nodes(label, frame, load_id)

    @contextmanager
    def transaction(self, load: LoadInfo | None = None) -> Iterator[Writer]:
        con = self._con()
        con.execute(f"PRAGMA cache_size=-{WRITE_CACHE_KIB}")
        con.execute("BEGIN IMMEDIATE")
        background = False  # the log of this commit is copied by self._checkpoint
        try:
            seq = None
            if load is not None:
                seq = self._record_load(load)
            writer = EmbeddedWriter(con, load.load_id if load else None, seq)
            yield writer
            if seq is not None:
                con.execute("UPDATE loads SET nid_lo = ?, eid_lo = ?, "
                            "nid_hi = (SELECT coalesce(max(nid), 0) FROM nodes), "
                            "eid_hi = (SELECT coalesce(max(eid), 0) FROM edges) WHERE seq = ?",
                            (writer.max_nid, writer.max_eid, seq))
            if writer.wrote:
                self._bump_generation(topology=writer.graph_changed)
                if load is not None:
                    # Fresh statistics let the planner choose the property indexes for
                    # selective filters (sampled: seconds, not minutes, at Yangtze scale).
                    con.execute("PRAGMA analysis_limit=1000")
                    con.execute("ANALYZE")
            if writer.rows >= BACKGROUND_CHECKPOINT_ROWS:  # not inside COMMIT
                con.execute("PRAGMA wal_autocheckpoint=0")
                background = True
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        finally:
            con.execute("DELETE FROM _load")  # disarm the journal triggers
            con.execute(f"PRAGMA cache_size=-{READ_CACHE_KIB}")
            if background:
                con.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
                self._checkpoint.request()

    def _bump_generation(self, topology: bool) -> None:
        keys = "'generation', 'topology'" if topology else "'generation'"
        self._con().execute(f"UPDATE meta SET v = CAST(v AS INTEGER) + 1 WHERE k IN ({keys})")

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
        con.execute("BEGIN IMMEDIATE")
        try:
            result = self._undo(load_id)
            self._bump_generation(topology=True)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return result

    def _undo(self, load_id: str) -> UndoResult:
        con = self._con()
        row = con.execute("SELECT seq, status FROM loads WHERE load_id = ?", (load_id,)).fetchone()
        if row is None or row[1] != "committed":
            raise StoreError(f"no load {load_id!r} to undo" + (" (already undone)" if row else ""))
        seq = row[0]
        ids = {"s": seq, **dict(zip(("nlo", "nhi", "elo", "ehi"), con.execute(
            "SELECT nid_lo, nid_hi, eid_lo, eid_hi FROM loads WHERE seq = ?", (seq,)).fetchone()))}
        # Later loads that changed what this one wrote, or tied edges or links to nodes it
        # created.
        links_in = "(" + " OR ".join(f"(n.{c} > :nlo AND n.{c} <= :nhi)"
                                     for c in LINKS.values()) + ")" if LINKS else "false"
        later = [r[0] for r in con.execute(
            "SELECT l.load_id FROM loads l WHERE l.seq > :s AND l.status = 'committed' AND ("
            " EXISTS (SELECT 1 FROM journal j1 JOIN journal j2 ON j2.seq = l.seq"
            "         AND j2.kind = j1.kind AND j2.id = j1.id WHERE j1.seq = :s)"
            " OR EXISTS (SELECT 1 FROM journal j2 WHERE j2.seq = l.seq AND ("
            "         (j2.kind = 'n' AND j2.id > :nlo AND j2.id <= :nhi) OR"
            "         (j2.kind = 'e' AND j2.id > :elo AND j2.id <= :ehi)))"
            " OR EXISTS (SELECT 1 FROM edges e WHERE e.eid > l.eid_lo AND e.eid <= l.eid_hi AND"
            "         ((e.src > :nlo AND e.src <= :nhi) OR (e.dst > :nlo AND e.dst <= :nhi)))"
            f" OR EXISTS (SELECT 1 FROM nodes n WHERE n.nid > l.nid_lo AND n.nid <= l.nid_hi"
            f"         AND {links_in})"
            f" OR EXISTS (SELECT 1 FROM journal j2 JOIN nodes n ON n.nid = j2.id"
            f"         WHERE j2.seq = l.seq AND j2.kind = 'n' AND {links_in}))"
            " ORDER BY l.seq", ids)]
        if later:
            raise UndoRefused(f"load {load_id} cannot be undone: later load(s) {', '.join(later)} "
                              f"build on it; undo them first (newest first)")
        restore_links = "".join(f", {c} = json_extract(j.old_links, '$[{i}]')"
                                for i, c in enumerate(LINKS.values()))
        created_links = " + ".join(f"count({c})" for c in LINKS.values()) or "0"
        # A link the load changed on a node it did not create is a link it created (deleted
        # now) and, if there was one, a link it replaced (given back now): counted as the
        # relationships they are, before the node's links are restored.
        relinked = " UNION ALL ".join(
            f"SELECT n.{c} AS now, json_extract(j.old_links, '$[{i}]') AS was FROM journal j "
            f"JOIN nodes n ON n.nid = j.id WHERE j.seq = :s AND j.kind = 'n'"
            for i, c in enumerate(LINKS.values())) or "SELECT NULL AS now, NULL AS was"
        links_deleted, links_restored = con.execute(
            f"SELECT coalesce(sum(now IS NOT NULL AND now IS NOT was), 0), "
            f"coalesce(sum(was IS NOT NULL AND was IS NOT now), 0) FROM ({relinked})", ids).fetchone()
        counts = {
            "e_restored": con.execute(
                "UPDATE edges SET props = j.old FROM journal j WHERE j.seq = :s AND "
                "j.kind = 'e' AND j.id = edges.eid", ids).rowcount + links_restored,
            "e_deleted": con.execute("DELETE FROM edges WHERE eid > :elo AND eid <= :ehi", ids).rowcount
            + con.execute(f"SELECT {created_links} FROM nodes WHERE nid > :nlo AND nid <= :nhi",
                          ids).fetchone()[0] + links_deleted,
            "n_restored": con.execute(
                f"UPDATE nodes SET props = j.old{restore_links} FROM journal j WHERE j.seq = :s "
                f"AND j.kind = 'n' AND j.id = nodes.nid", ids).rowcount,
        }
        # Edges and links written outside any load to nodes it created go with those nodes.
        con.execute("DELETE FROM edges WHERE (src > :nlo AND src <= :nhi) OR "
                    "(dst > :nlo AND dst <= :nhi)", ids)
        for col in LINKS.values():
            con.execute(f"UPDATE nodes SET {col} = NULL WHERE {col} > :nlo AND {col} <= :nhi "
                        f"AND NOT (nid > :nlo AND nid <= :nhi)", ids)
        counts["n_deleted"] = con.execute("DELETE FROM nodes WHERE nid > :nlo AND nid <= :nhi",
                                          ids).rowcount
        con.execute("DELETE FROM journal WHERE seq = ?", (seq,))
        con.execute("UPDATE loads SET status = 'undone' WHERE seq = ?", (seq,))
        return UndoResult(load_id, counts["n_deleted"], counts["n_restored"],
                          counts["e_deleted"], counts["e_restored"])

    # -- the traversal graph ---------------------------------------------------------

    def topology(self) -> Topology:
        """The CSR topology of the current generation: from memory, the cache file, or
        rebuilt from SQLite (and cached) when the store changed."""
        gen = self.topology_generation()
        with self._topology_lock:
            topo = self._topology
            if topo is None or topo.generation != gen:
                topo = Topology.load(self.topology_path, gen) or self._build_topology(gen)
                self._topology = topo
            return topo

    def _build_topology(self, gen: int) -> Topology:
        con = self._con()
        types = self._graph_types
        marks = ",".join("?" * len(types))
        code = " ".join(f"WHEN '{t}' THEN {i}" for t, i in self._type_code.items())
        rows = con.execute(
            f"SELECT src, dst, CASE type {code} END, eid FROM edges WHERE type IN ({marks})", types
        ).fetchall()
        arr = np.array(rows, dtype=np.int64).reshape(-1, 4)
        # In uid order: label by label (sorted as their uid prefixes sort), each a range
        # of the uid index.
        prefixes = sorted(f"{n}:" for n, lab in schema().labels.items() if lab.in_graph)
        ranked = np.fromiter(
            (r[0] for p in prefixes for r in con.execute(
                "SELECT nid FROM nodes WHERE uid >= ? AND uid < ? ORDER BY uid", _prefix_range(p))),
            dtype=np.int64,
        )
        max_nid = con.execute("SELECT coalesce(max(nid), 0) FROM nodes").fetchone()[0]
        topo = Topology.build(gen, arr[:, 0], arr[:, 1], arr[:, 2].astype(np.int8), arr[:, 3],
                              ranked, max_nid)
        try:
            topo.save(self.topology_path)
        except OSError:
            pass  # a read-only store still answers; it just rebuilds next time
        return topo

    # -- reads -----------------------------------------------------------------------

    def _nids(self, uids: Sequence[str]) -> dict[str, int]:
        out = {}
        for part in _chunks(list(uids)):
            marks = ",".join("?" * len(part))
            out.update(self._con().execute(
                f"SELECT uid, nid FROM nodes WHERE uid IN ({marks})", part).fetchall())
        return out

    def existing(self, uids: Iterable[str]) -> set[str]:
        out: set[str] = set()
        for part in _chunks(list(dict.fromkeys(uids))):
            marks = ",".join("?" * len(part))
            # One row of JSON, not a row per uid (see _stage): a loader asks this of every
            # chunk's subjects from its worker thread while the writer thread runs.
            [found] = self._con().execute(
                f"SELECT json_group_array(uid) FROM nodes WHERE uid IN ({marks})", part).fetchone()
            out.update(json.loads(found))
        return out

    def get_nodes(self, uids: Iterable[str]) -> dict[str, Node]:
        out = {}
        for part in _chunks(list(dict.fromkeys(uids))):
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
        for part in _chunks(list(dict.fromkeys(eids))):
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
        label_sql = ""
        if labels:
            # unary + keeps SQLite from walking a label's partial indexes (all its records)
            # instead of the subjects' links
            label_sql = " AND +r.label IN (" + ",".join(f"'{lab}'" for lab in labels) + ")"
        out: dict[str, list[Node]] = {}
        for part in _chunks(list(dict.fromkeys(uids))):
            marks = ",".join("?" * len(part))
            for subj, uid, label, props in self._con().execute(
                f"SELECT d.uid, r.uid, r.label, r.props FROM nodes d "
                f"JOIN nodes r ON r.{LINKS['ABOUT']} = d.nid WHERE d.uid IN ({marks}){label_sql} "
                f"ORDER BY r.uid", part
            ):
                out.setdefault(subj, []).append(Node(uid, label, json.loads(props)))
        return out

    def find_nodes(self, label: str, where: Mapping[str, Any] | None = None,
                   after: str | None = None, limit: int = 100) -> list[Node]:
        lab = schema().label(label)
        wanted = {}
        for prop, value in (where or {}).items():
            if prop not in lab.properties:
                raise ValueError(f"{label} has no property {prop!r}")
            values = list(value) if isinstance(value, (list, tuple, set, frozenset)) else [value]
            values = [v for v in values if v is not None and v == v]  # null matches nothing
            if not values:
                return []
            wanted[prop] = values
        keys = wanted.pop(lab.key, None)
        if keys is not None and all(isinstance(k, str) for k in keys):
            # Keys are uids: looked up in the uid index, a statement per CHUNK of them.
            found = []
            for part in _chunks(keys):
                found += self._find(lab.name, wanted, after, limit, [f"{lab.name}:{k}" for k in part])
            return sorted(found, key=lambda n: n.uid)[:limit]
        if keys is not None:
            wanted[lab.key] = keys
        return self._find(lab.name, wanted, after, limit)

    def _find(self, label: str, wanted: Mapping[str, list], after: str | None, limit: int,
              uids: Sequence[str] | None = None) -> list[Node]:
        # The label is spelled into the SQL (it is a schema name, checked by find_nodes) so
        # that SQLite can use the partial indexes, which name it literally.
        # The label's uids are a range; a keyset cursor inside it moves its start.  (One
        # lower bound: given two, SQLite starts the index range at either, and starting
        # every page at the label's first row walks all rows before the cursor.)
        lo, hi = _label_range(label)
        if uids is not None:  # uids named: no range, or SQLite might walk it
            sql = f"SELECT uid, label, props FROM nodes WHERE label = '{label}' AND uid IN " \
                  f"({','.join('?' * len(uids))}) AND (? IS NULL OR uid > ?)"
            args: list[Any] = [*uids, after, after]
        else:
            start = "uid > ?" if after is not None and after >= lo else "uid >= ?"
            sql = f"SELECT uid, label, props FROM nodes WHERE label = '{label}' AND {start} AND uid < ?"
            args = [after if start == "uid > ?" else lo, hi]
        for prop, values in wanted.items():
            marks = ",".join("?" * len(values))
            sql += f" AND json_extract(props, '$.{prop}') IN ({marks})"
            args.extend(values)
        if uids is None and after is not None and after < lo:
            sql += " AND uid > ?"
            args.append(after)
        sql += " ORDER BY uid LIMIT ?"
        args.append(int(limit))
        return [Node(u, lb, json.loads(p)) for u, lb, p in self._con().execute(sql, args)]

    def count_nodes(self, label: str | None = None) -> int:
        if label is None:
            return self._con().execute("SELECT count(*) FROM nodes").fetchone()[0]
        schema().label(label)
        return self._con().execute("SELECT count(*) FROM nodes WHERE uid >= ? AND uid < ?",
                                   _label_range(label)).fetchone()[0]

    def count_edges(self, rel_type: str | None = None) -> int:
        con = self._con()
        if rel_type is None:
            links = sum(self.count_edges(t) for t in LINKS)
            return con.execute("SELECT count(*) FROM edges").fetchone()[0] + links
        schema().rel(rel_type)
        if rel_type in LINKS:
            col = LINKS[rel_type]
            return con.execute(f"SELECT count(*) FROM nodes WHERE {col} IS NOT NULL").fetchone()[0]
        return con.execute("SELECT count(*) FROM edges WHERE type = ?", (rel_type,)).fetchone()[0]

    def integrity_check(self) -> str:
        return self._con().execute("PRAGMA integrity_check").fetchone()[0]

    def close(self) -> None:
        self._checkpoint.close()
        self._checkpoint = BackgroundCheckpoint(self.db_path)  # for a store used again
        with self._connections_lock:
            for con in self._connections:
                con.close()
            self._connections.clear()
        self._local = threading.local()
