"""The write side of the embedded store: a transaction's writer, and node frames encoded
ahead of it (see :meth:`graph_model.store.embedded.store.EmbeddedStore.prepare_nodes`)."""

from __future__ import annotations

import itertools
import json
import sqlite3
from dataclasses import asdict, dataclass, replace
from typing import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from graph_model.schema import schema
from graph_model.store.embedded import jsontext
from graph_model.store.embedded.sql import (
    LAST_CHANGE, LINKS, LOG_GONE, SIDE_FILL, SIDE_LABEL, SIDE_TABLE, chunks, merge_sql, side_gone,
    unlink_about,
)
from graph_model.store.port import (
    DELETE, WRITE, LoadInfo, MissingNodeError, NodeBatch, StoreError, Writer, changes_kept,
    node_batch,
)
from graph_model.strindex import StringIndex, hashes

STAGE_PARAMS = 32_000  # bound parameters per staging statement (SQLite allows 32,766)
#: A transaction touching more uids than this is recorded as touching anything ("*"): a
#: full load changes most answers anyway, and its change rows would cost a second index.
CHANGES_CAP = 100_000
#: Change-log entries a transaction writes between trims of the log (see trim_changes)
TRIM_EVERY = 100_000
#: Side-label rows (sql.SIDE_TABLE) a transaction writes between fills of their side rows:
#: a fill sorts its rows (about 100 MB for 1 M), and reads them while their pages are
#: still cached (on the full alarms file, filling every 3 M cost more wall time than 1 M)
FILL_EVERY = 1_000_000


def trim_changes(con: sqlite3.Connection, last: int | None = None) -> int:
    """Inside a write: drop the change-log entries past the :func:`changes_kept` newest
    of those up to ``last`` (None: the last written), and return the last position
    trimmed away."""
    if last is None:
        last = con.execute(LAST_CHANGE).fetchone()[0]
    cut = last - changes_kept()
    trimmed = int(con.execute("SELECT v FROM meta WHERE k = 'changes_trimmed'").fetchone()[0])
    if cut > trimmed:
        con.execute("DELETE FROM changes WHERE pos <= ?", (cut,))
        con.execute("UPDATE meta SET v = ? WHERE k = 'changes_trimmed'", (str(cut),))
    return max(cut, trimmed)


#: the nid the next node inserted gets, less one (nodes is AUTOINCREMENT; an upsert's
#: row that finds its uid takes a nid too, left unused)
NEXT_NID = ("SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'nodes'), 0), "
            "coalesce((SELECT max(nid) FROM nodes), 0))")


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


def nids_of(con: sqlite3.Connection, uids: Sequence[str]) -> dict[str, int]:
    """The nid of each of ``uids`` that names a node."""
    got: dict[str, int] = {}
    for part in chunks(uids):
        marks = ",".join("?" * len(part))
        # One row of JSON rather than a row per uid: each row fetched would release and
        # take back the GIL (see _stage).
        [text] = con.execute(f"SELECT json_group_object(uid, nid) FROM nodes "
                             f"WHERE uid IN ({marks})", part).fetchone()
        got.update(json.loads(text))
    return got


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


def _utf8(array: pa.Array) -> list[bytearray]:
    """The UTF-8 bytes of each string: staged as blobs and cast back to text by SQLite,
    they skip decoding into Python strings and encoding again to bind them.  A bytearray,
    not bytes: sqlite3 binds a bytearray (like int, float and str) directly, but passes
    every other type through its adapter registry first (a tuple built, a dict and two
    attribute look-ups per value), which was most of staging on the writing thread
    (encoding runs ahead of it, in the loader's prefetch thread)."""
    return list(map(bytearray, array.cast(pa.binary()).to_numpy(zero_copy_only=False)))


@dataclass(frozen=True)
class _Rows:
    """A node batch as the writer stages it, in uid order: uids, JSON props, and per link
    column the factorized targets (see _factorized)."""

    uids: list[bytearray]  # UTF-8 (see _utf8)
    props: list[bytearray]
    links: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]
    #: (generation, per link column the nid of each distinct target, 0: not found) as
    #: read before the write (see EmbeddedStore.prepare_nodes); None: not read
    known: tuple[int, dict[str, np.ndarray]] | None = None


def encode_nodes(label: str, frame: pd.DataFrame, load_id: str | None) -> NodeBatch:
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

    def __init__(self, con: sqlite3.Connection, load_id: str | None = None, seq: int | None = None,
                 at: str = ""):
        self.con = con
        self.at = at  # when this transaction writes, for its change-log entries
        self.load_id = load_id
        self.seq = seq
        self.wrote = False
        self.rows = 0  # rows written (nodes, edges, links)
        self._logged = 0  # change-log entries written since the log was last trimmed
        #: change-log entries not yet in the table (see _log_new): [first position, lo, hi]
        #: per run of new nodes, their entries the nodes with lo < nid <= hi in nid order
        self._unwritten: list[list[int]] = []
        self._last = 0  # while there are: the last position handed out
        self._forget_targets()
        self.graph_changed = False  # edges of the traversal graph written or deleted
        self.graph_removed = False  # nodes or edges deleted: the topology is rebuilt, not patched
        self.touched: set[str] | None = set()  # see sql's touched table; None: anything
        links = "".join(f", {c} INTEGER" for c in LINKS.values())
        con.execute(f"CREATE TEMP TABLE IF NOT EXISTS _nodes_in(uid TEXT, props TEXT{links})")
        con.execute("CREATE TEMP TABLE IF NOT EXISTS _edges_in(src_uid TEXT, dst_uid TEXT, props TEXT)")
        con.execute("CREATE TEMP TABLE IF NOT EXISTS _links_in(src INTEGER, dst INTEGER)")
        # (the generation this transaction began at: targets looked up at it are current)
        self.generation: int | None = int(con.execute(
            "SELECT v FROM meta WHERE k = 'generation'").fetchone()[0])
        self.max_nid = con.execute("SELECT coalesce(max(nid), 0) FROM nodes").fetchone()[0]
        self.max_eid = con.execute("SELECT coalesce(max(eid), 0) FROM edges").fetchone()[0]
        con.execute("DELETE FROM _load")
        # (rows above the mark have no side row yet: see sql.JOURNAL_TRIGGERS' _side)
        self._filled, self._unfilled = self.max_nid, 0
        con.execute("DELETE FROM _side")
        con.execute("INSERT INTO _side VALUES (?)", (self._filled,))
        if seq is not None:  # arms the journal triggers (see JOURNAL_TRIGGERS)
            con.execute("INSERT INTO _load VALUES (?, ?, ?)", (seq, self.max_nid, self.max_eid))

    def _forget_targets(self) -> None:
        """Link targets looked up (see _link_nids): their uids, and nids by number."""
        self._targets = StringIndex()
        self._target_nids = np.zeros(0, dtype=np.int64)

    def upsert_nodes(self, label: str, frame: pd.DataFrame | NodeBatch) -> int:
        batch = frame if isinstance(frame, NodeBatch) else encode_nodes(label, frame, self.load_id)
        batch.check_for(label, self.load_id)
        if not isinstance(batch.encoded, _Rows):
            raise ValueError(f"{label} nodes prepared by another store")
        if not len(batch):
            return 0
        rows: _Rows = batch.encoded
        self._touch([f"{label}:"], len(batch), lambda: [
            *batch.uids.tolist(), *(t for _, distinct, _ in rows.links.values() for t in distinct),
            *self._linked_before(batch.uids.tolist(), list(rows.links))])
        cols = [LINKS[t] for t in rows.links]
        known = rows.known[1] if rows.known and rows.known[0] == self.generation else {}
        targets = [self._link_nids(rel_type, *factorized, known=known.get(rel_type))
                   for rel_type, factorized in rows.links.items()]
        con = self.con
        con.execute("DELETE FROM _nodes_in")
        _stage(con, "_nodes_in", ["uid", "props"] + cols, rows.uids, rows.props, *targets)
        # 0 stages "no link", and a row without one keeps the stored link.
        new_links = "".join(f", nullif(i.{c}, 0)" for c in cols)
        keep = "".join(f", {c} = coalesce(excluded.{c}, nodes.{c})" for c in cols)
        lo = con.execute(NEXT_NID).fetchone()[0]
        # Staged in uid order (see encode_nodes), and read back in that order.
        con.execute(
            f"INSERT INTO nodes(uid, label, props{''.join(', ' + c for c in cols)}) "
            f"SELECT CAST(i.uid AS TEXT), ?, CAST(i.props AS TEXT){new_links} FROM _nodes_in i "
            f"WHERE true ORDER BY i.rowid "
            f"ON CONFLICT(uid) DO UPDATE SET props = {merge_sql('nodes')}{keep}",
            (label,),
        )
        if con.execute("SELECT count(*) FROM nodes WHERE nid > ?", (lo,)).fetchone()[0] == len(batch):
            self._log_new(lo, lo + len(batch))  # every row a new node, given the next nid
        else:
            if self._unwritten:  # these entries take the positions after theirs
                self._set_sequence(self._last)
            # The change log: each node once per write, in uid order (as the Neo4j
            # store).  Staged in uid order, a uid's repeats are neighbours: the last of
            # each run is kept, in staging order, with no sort of the batch (DISTINCT ...
            # ORDER BY uid was 6 % of a load's writing thread).
            logged = con.execute(
                "INSERT INTO changes(at, load_id, op, uid) SELECT ?, ?, ?, CAST(i.uid AS TEXT) "
                "FROM _nodes_in i WHERE NOT EXISTS (SELECT 1 FROM _nodes_in j WHERE "
                "j.rowid = i.rowid + 1 AND j.uid = i.uid) ORDER BY i.rowid",
                (self.at, self.load_id, WRITE)).rowcount
            self._last += logged
        if label == SIDE_LABEL:
            self._unfilled += len(batch)
            if self._unfilled >= FILL_EVERY:
                self.fill_side()
        self._logged += len(batch)
        if self._logged >= min(TRIM_EVERY, changes_kept()):
            # Trimmed as it grows rather than at commit only: the entries a large load
            # would trim then (a file of millions of rows, most of its own) go while their
            # pages are in the cache, and the pages they free take the next entries.
            # The log ends as a trim at commit leaves it.
            self._trim_log()
            self._logged = 0
        self.wrote = True
        self.rows += len(batch)
        return len(batch)

    def _log_new(self, lo: int, hi: int) -> None:
        """Log the write of the new nodes ``lo < nid <= hi`` (inserted in uid order) at the
        next positions, without writing their entries yet: a file of more rows than the
        log keeps (at scale 1 the alarms': 10.5 M) would otherwise write millions of
        entries only to trim them again before its commit, where no reader sees them.
        The nodes hold what the entries need, so nothing is kept but the range; the
        entries left when the transaction ends, or anything reads or writes the log
        before, are written then (:meth:`write_log`)."""
        last = self._last_position()
        run = self._unwritten[-1] if self._unwritten else None
        if run is not None and run[2] == lo and run[0] + lo - run[1] - 1 == last:
            run[2] = hi  # the run before goes on: the next nodes, at the next positions
        else:
            self._unwritten.append([last + 1, lo, hi])
        self._last = last + hi - lo

    def _last_position(self) -> int:
        """The last change-log position handed out, to an entry written or not."""
        return self._last if self._unwritten else self.con.execute(LAST_CHANGE).fetchone()[0]

    def _set_sequence(self, last: int) -> None:
        """Make ``last`` the change log's last position handed out."""
        if not self.con.execute("UPDATE sqlite_sequence SET seq = ? WHERE name = 'changes'",
                                (last,)).rowcount:
            self.con.execute("INSERT INTO sqlite_sequence(name, seq) VALUES ('changes', ?)", (last,))

    def _trim_log(self) -> None:
        """trim_changes as if every entry were written: the entries not yet written that
        it would trim are forgotten."""
        cut = trim_changes(self.con, self._last_position())
        while self._unwritten:
            first, lo, hi = run = self._unwritten[0]
            if first + hi - lo - 1 <= cut:  # the whole run
                self._unwritten.pop(0)
                continue
            if first <= cut:
                run[:2] = cut + 1, lo + cut + 1 - first
            break

    def fill_side(self) -> None:
        """Give the side-label rows this transaction inserted since the last fill their side
        rows (sql.SIDE_FILL), as they are now, and move the mark above them.  At commit, and
        before anything reads the side table inside the transaction
        (EmbeddedStore._side_con)."""
        if not self._unfilled:  # (no side-label row written since: none above the mark)
            return
        con = self.con
        hi = con.execute("SELECT coalesce(max(nid), 0) FROM nodes").fetchone()[0]
        con.execute(SIDE_FILL, (self._filled,))
        con.execute("UPDATE _side SET filled = ?", (hi,))
        self._filled, self._unfilled = hi, 0

    def end_log(self) -> None:
        """At commit: fill the side table, trim the log, then write the entries not yet
        written that it keeps."""
        self.fill_side()
        self._trim_log()
        self.write_log()

    def write_log(self) -> None:
        """Write the change-log entries not yet written (see _log_new), at the positions
        they were given, and end the AUTOINCREMENT sequence at the last position handed
        out: as if every entry had been written with its batch."""
        if not self._unwritten:
            return
        for first, lo, hi in self._unwritten:
            self.con.execute("INSERT INTO changes(pos, at, load_id, op, uid) "
                             "SELECT ? + nid, ?, ?, ?, uid FROM nodes "
                             "WHERE nid > ? AND nid <= ? ORDER BY nid",
                             (first - 1 - lo, self.at, self.load_id, WRITE, lo, hi))
        self._set_sequence(self._last)
        self._unwritten = []

    def _touch(self, always: list[str], rows: int, uids) -> None:
        """Add to what this transaction touched: ``always``, and ``uids()`` (of ``rows``
        rows) unless that passes the cap (then: anything, and ``uids`` is not called)."""
        if self.touched is None:
            return
        self.touched.update(always)
        if len(self.touched) + 2 * rows > CHANGES_CAP:
            self.touched = None
        else:
            self.touched.update(uids())

    def _linked_before(self, uids: list[str], rel_types: list[str]) -> list[str]:
        """The targets the link columns ``rel_types`` of the nodes ``uids`` name now: a
        record moved to another subject changes the records of the one it leaves.  (A
        load's are read from its journal at the end instead: see :meth:`changes`.)"""
        out: list[str] = []
        if self.seq is not None:
            return out
        for col in (LINKS[t] for t in rel_types):
            for part in chunks(uids):
                marks = ",".join("?" * len(part))
                [text] = self.con.execute(
                    f"SELECT json_group_array(d.uid) FROM nodes r JOIN nodes d ON d.nid = r.{col} "
                    f"WHERE r.uid IN ({marks})", part).fetchone()
                out += json.loads(text)
        return out

    def _link_nids(self, rel_type: str, codes: np.ndarray, distinct: np.ndarray,
                   keys: np.ndarray, known: np.ndarray | None = None) -> list[int]:
        """The nid of each target (``codes`` index ``distinct``, whose hashes are ``keys``;
        -1 for none, 0 then), looked up once per distinct target and transaction (a load's
        chunks name the same subjects and agencies again; nids do not change while it
        runs) unless ``known`` gives it (nids of ``distinct`` read at this transaction's
        generation, 0: not found then); a target that is no node raises MissingNodeError."""
        found = self._targets.find(distinct, keys)
        new = np.flatnonzero(found < 0)
        if len(new):
            got: dict[str, int] = {} if known is None else {
                u: n for u, n in zip(distinct[new].tolist(), known[new].tolist()) if n}
            got.update(nids_of(self.con, [u for u in distinct[new].tolist() if u not in got]))
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
        _check_endpoint_labels(rel_type, frame, rel.from_labels, rel.to_labels)
        self._touch([], len(frame), lambda: [*frame["src"].tolist(), *frame["dst"].tolist(), *(
            self._linked_before(frame["src"].tolist(), [rel_type]) if rel_type in LINKS else [])])
        if rel_type in LINKS:
            self.graph_changed = self.graph_changed or rel.in_graph
            return self._upsert_links(rel_type, frame)
        con = self.con
        con.execute("DELETE FROM _edges_in")
        _stage(con, "_edges_in", ["src_uid", "dst_uid", "props"], frame["src"].tolist(),
               frame["dst"].tolist(), _strings(_props(frame, self.load_id)))
        ends = ("FROM _edges_in i JOIN nodes s ON s.uid = i.src_uid "
                "JOIN nodes d ON d.uid = i.dst_uid")
        if rel.in_graph and not self.graph_changed:
            # Only a new edge changes the traversal graph; merging the properties of edges
            # that exist (an agency's LOCATED_IN, written with each of its records) leaves
            # its topology, which readers would otherwise rebuild, as it is.
            (known,) = con.execute(
                f"SELECT count(*) {ends} JOIN edges e ON e.src = s.nid AND e.type = ? "
                f"AND e.dst = d.nid", (rel_type,)).fetchone()
            self.graph_changed = known < len(frame)
        # In (src, dst) order the (src, type, dst) index is written page after page.
        written = con.execute(
            f"INSERT INTO edges(type, src, dst, props) SELECT ?, s.nid, d.nid, i.props "
            f"{ends} WHERE true ORDER BY s.nid, d.nid "
            f"ON CONFLICT(src, type, dst) DO UPDATE SET props = {merge_sql('edges')}",
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

    def touched_uids(self) -> set[str] | None:
        """What this transaction touched (see sql's touched table), None: anything.  A
        load's rows that existed are in its journal with the links they had before: their
        old targets (a record moved to another subject) are read from there, for the rows
        changed only rather than for every row written."""
        if self.touched is None or self.seq is None:
            return self.touched
        [text] = self.con.execute(
            "SELECT json_group_array(DISTINCT d.uid) FROM journal j, json_each(j.old_links) l "
            "JOIN nodes d ON d.nid = l.value WHERE j.seq = ? AND j.kind = 'n'", (self.seq,)).fetchone()
        return self.touched | set(json.loads(text))

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
        self.write_log()  # (its entries come before these, of nodes that may go)
        self.fill_side()  # (every side row in place, then taken out with its node)
        self._forget_targets()
        self.generation = None  # targets looked up before may be gone
        n = 0
        for part in chunks(list(uids)):
            marks = ",".join("?" * len(part))
            nids = [r[0] for r in self.con.execute(
                f"SELECT nid FROM nodes WHERE uid IN ({marks})", part)]
            if not nids:
                continue
            nm = ",".join("?" * len(nids))
            self.con.execute(LOG_GONE.replace(":at", "?").replace(":load_id", "NULL")
                             .replace(":op", "?") + f"WHERE n.nid IN ({nm}) ORDER BY n.uid",
                             [self.at, DELETE, *nids])
            self.con.execute(f"DELETE FROM edges WHERE src IN ({nm}) OR dst IN ({nm})", nids * 2)
            for col in LINKS.values():  # links to a deleted node go with it, like edges
                if col == LINKS["ABOUT"]:
                    for stmt in unlink_about(f"{col} IN ({nm})"):
                        self.con.execute(stmt, nids)
                    continue
                self.con.execute(f"UPDATE nodes SET {col} = NULL WHERE {col} IN ({nm})", nids)
            self.con.execute(side_gone(f"n.nid IN ({nm})"), nids)
            self.con.execute(f"DELETE FROM nodes WHERE nid IN ({nm})", nids)
            n += len(nids)
        self.wrote = self.wrote or n > 0
        self.graph_changed = self.graph_changed or n > 0
        self.graph_removed = self.graph_removed or n > 0
        if n:
            self.touched = None  # the subjects of deleted records are not looked up
        return n

    def delete_all(self) -> None:
        self._refuse_in_load("delete_all")
        self.write_log()  # (the sequence takes their positions)
        self._forget_targets()
        self.generation = None
        for table in (SIDE_TABLE, "edges", "nodes", "journal", "loads", "changes"):
            self.con.execute(f"DELETE FROM {table}")
        # the whole log is trimmed: a reader after an earlier position must start again
        self.con.execute("UPDATE meta SET v = (SELECT coalesce((SELECT seq FROM sqlite_sequence "
                         "WHERE name = 'changes'), 0)) WHERE k = 'changes_trimmed'")
        self.con.execute("DELETE FROM meta WHERE k = 'secret_fingerprint'")  # no hash is left
        self.wrote = self.graph_changed = self.graph_removed = True
        self.touched = None


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


