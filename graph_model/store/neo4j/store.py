"""The Neo4j adapter of the store port (see :mod:`graph_model.store.port`).

Layout in the database: every node carries its schema label and the common label
``:Node``, its ``uid`` (``"<Label>:<key>"``, unique per label and across ``:Node``) and
its properties; relationship types are the schema's.  Constraints and indexes are derived
from the schema by :func:`graph_model.store.neo4j.cypher.schema_statements`.

Writes: a ``transaction()`` block collects operations and runs them all in one managed
write transaction when the block ends, so the driver can replay the whole unit on a
transient failure (a cluster leader switch, a deadlock) and a failure anywhere rolls all
of it back.  Writes within one block are therefore not visible to reads until it ends;
the writer answers ``delete_nodes`` counts and endpoint checks from the store plus what
the block itself has written so far.  A block is one server transaction, so it must fit
the server's transaction memory (``db.memory.transaction.total.max``): loaders commit a
file or a chunk per block.

Provenance and undo (see :mod:`graph_model.store.port`) are kept in the database beside
the graph, in nodes without the ``:Node`` label (so counts and reads never see them):

* ``(:Load {load_id, info, status, seq})``, one per load: ``info`` is the
  :class:`~graph_model.store.port.LoadInfo` as JSON, ``status`` ``committed`` or
  ``undone``, ``seq`` its place in the order of loads.  ``seq`` comes from the one
  ``(:LoadSequence {name: 'loads', seq})`` node, incremented first thing in every load
  (and undo) transaction; the write lock that takes is held to commit, so loads and
  undos run one at a time and ``seq`` order is commit order, which "a later load" needs.
* ``(:LoadJournal {seq, kind, ref, dst, rel_type, old})``, one per node or edge a load
  wrote, made before the load first writes it: ``kind`` ``node`` (``ref`` its uid) or
  ``edge`` (the edge ``(ref)-[rel_type]->(dst)``), ``old`` its properties before the
  load as JSON, absent when the load created it.  Cypher without APOC cannot turn a map
  into a string, so the adapter reads the old properties and writes the entries from
  Python, in the same transaction.  Indexed by ``seq`` (a load's entries), ``ref`` and
  ``dst`` (who else wrote this node or edge, or an edge at this node).
* ``_sources``: each written row's ``"<load_id>#<row>"`` (from the frame's ``_row``
  column, never stored) is added to the node's or edge's list unless already there.
* Links, the relationships the schema marks ``one_per_source`` (a record's subject,
  agency, repaired penalty), are part of their source's row as in the embedded store: a
  new one replaces the old, they carry no ``_sources`` of their own, and a load that
  changes one journals the source node, the link it creates and the link it replaces
  (which undo creates again).
* ``(:StoreMeta {name: 'store', secret_fingerprint, version})``: which secret hashed the
  store's resident ID numbers (:mod:`graph_model.store.secret`), and the count of write
  transactions (:meth:`Neo4jStore.version`), bumped as the last statement of each, so
  every commit gives answer caches a new version.  Loads are not locked
  against each other here beyond the ``LoadSequence`` write lock: a second load waits for
  the first's transaction rather than failing at once as on the embedded store.

``undo_load`` runs in one write transaction: it refuses while a later committed load
wrote a node or edge this one wrote, or an edge at a node this one created; otherwise it
gives changed edges and nodes their old properties (``SET x = old``: labels and uid stay),
deletes the edges and then the nodes (``DETACH``) the load created, deletes its journal
and marks it undone.  Only loads are journaled: writes outside any load are not
undoable, and an undo overwrites what they changed since.  ``delete_nodes`` and
``delete_all`` are refused inside a load (they could not be undone); ``delete_all``
outside one forgets every load, the journal and the secret fingerprint too (the version
counts on).

Every statement text comes from :mod:`graph_model.store.neo4j.cypher`; :func:`all_statements`
lists them all for the offline check in ``tools/cypher-lint``.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import threading
from dataclasses import asdict, replace
from contextlib import contextmanager
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import pandas as pd
from neo4j import GraphDatabase, ManagedTransaction, Driver, Result
from neo4j.exceptions import DriverError, Neo4jError

from graph_model.settings import Settings
from graph_model.store.neo4j import cypher
from graph_model.store.neo4j.cypher import Statement
from graph_model.store.port import (
    CHANGES_SCAN, DELETE, UNDO, WRITE, Between, Change, ChangesRead, ChangesTrimmed,
    Direction, Edge, LoadInfo, MissingNodeError, Neighbourhood, Node, NodeBatch, NoneOf,
    RecordMatch, Store, StoreError, UndoRefused, UndoResult, Writer, changes_kept, node_batch,
    point_entry_props, record_props, record_tests,
)
from graph_model.schema import schema

#: rows per UNWIND batch: large enough to amortise round trips, small enough to keep
#: each parameter message a few MB
CHUNK = 10_000
#: seconds ensure_schema waits for new indexes to come online
INDEX_WAIT_SECONDS = 300

Op = Callable[[ManagedTransaction], None]


def all_statements() -> list[tuple[str, str]]:
    """Every statement the adapter can send, as ``(name, cypher)`` pairs.

    Built by the same functions the adapter calls, for every label and relationship type
    of the schema, so the offline check covers exactly what is sent.
    """
    return [(s.name, s.text) for s in cypher.all_statements()]


# -- one driver per process -------------------------------------------------------------

_drivers: dict[tuple[str, str], list] = {}  # (uri, user) -> [driver, open stores]
_drivers_lock = threading.Lock()


def _redact(uri: str) -> str:
    """The URI without any ``user:password@`` part, fit for messages and ``location``."""
    parts = urlsplit(uri)
    if "@" not in parts.netloc:
        return uri
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def _one_line(exc: BaseException, limit: int = 300) -> str:
    """``"Type: message"`` on one line (driver messages put the reason on a later line)."""
    text = " ".join(str(exc).split()) or "no details"
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return f"{type(exc).__name__}: {text}"


def _acquire_driver(uri: str, settings: Settings) -> Driver:
    """The process's driver for ``uri`` and the configured user, created on first use."""
    key = (uri, settings.neo4j_user)
    with _drivers_lock:
        entry = _drivers.get(key)
        if entry is None:
            # No password means a server with authentication disabled (NEO4J_AUTH=none).
            auth = None if settings.neo4j_password is None else (
                settings.neo4j_user, settings.neo4j_password)
            try:
                # Notifications (a label not created yet, say) are for people writing
                # queries; the driver would log each one as a warning.
                driver = GraphDatabase.driver(uri, auth=auth, notifications_min_severity="OFF")
            except (ValueError, DriverError) as exc:  # a malformed URI or configuration
                raise StoreError(f"cannot use Neo4j URL {_redact(uri)}: {_one_line(exc)}") from None
            entry = _drivers[key] = [driver, 0]
        entry[1] += 1
        return entry[0]


def _release_driver(uri: str, user: str) -> None:
    """Forget one user of the driver; the last one closes it."""
    with _drivers_lock:
        entry = _drivers.get((uri, user))
        if entry is None:
            return
        entry[1] -= 1
        if entry[1] <= 0:
            del _drivers[(uri, user)]
            entry[0].close()


@contextmanager
def _errors(what: str) -> Iterator[None]:
    """Turn driver and server errors into one-line :class:`StoreError`\\ s."""
    try:
        yield
    except Neo4jError as exc:
        message = " ".join((exc.message or "no details").split())
        raise StoreError(f"Neo4j {what} failed: {exc.code}: {message}") from exc
    except DriverError as exc:
        raise StoreError(f"Neo4j {what} failed: {_one_line(exc)}") from exc


def _run(tx: ManagedTransaction, stmt: Statement, **params: Any) -> Result:
    """Run ``stmt`` with exactly the parameters it declares (the offline check trusts that)."""
    if set(params) != stmt.params:
        raise AssertionError(f"{stmt.name} takes {sorted(stmt.params)}, got {sorted(params)}")
    return tx.run(stmt.text, params)


def _chunks(seq: Sequence, n: int = CHUNK) -> Iterator[Sequence]:
    for i in range(0, len(seq), n):
        yield seq[i:i + n]


# -- frames to parameter rows -----------------------------------------------------------


def _plain(value: Any) -> Any:
    """A value the driver can send: numpy and pandas scalars become Python ones, dates
    become ISO strings (the schema stores dates as text in both stores)."""
    if isinstance(value, (str, bool, int, float)) and not isinstance(value, np.generic):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        if value.tzinfo is None and value.time() == dt.time():
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (list, tuple, np.ndarray)):
        # Neo4j lists hold no nulls; a null inside a list is simply absent.
        return [_plain(v) for v in value if not _is_null(v)]
    return value


def _is_null(value: Any) -> bool:
    if isinstance(value, (list, tuple, np.ndarray, dict)):
        return False
    return bool(pd.isna(value))


def _prop_maps(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """One property map per row, without the null cells: a null must never erase a
    stored value (the port's merge semantics), and Neo4j would delete on ``SET += null``."""
    present = frame.notna().to_numpy()
    columns = []
    for j, name in enumerate(frame.columns):
        values = frame[name].tolist()
        mask = present[:, j]
        columns.append([_plain(v) if m else None for v, m in zip(values, mask)])
    names = [str(c) for c in frame.columns]
    return [
        {k: v for k, v in zip(names, row) if v is not None}
        for row in zip(*columns)
    ] if names else [{} for _ in range(len(frame))]


def _endpoint_labels(rel_type: str, frame: pd.DataFrame) -> None:
    """Refuse rows whose uid prefixes are not among the type's from/to labels."""
    rel = schema().rel(rel_type)
    for col, allowed in (("src", rel.from_labels), ("dst", rel.to_labels)):
        if col not in frame.columns:
            raise ValueError(f"{rel_type} rows need a {col!r} column")
        labels = frame[col].astype("string").str.partition(":")[0]
        bad = ~labels.isin(allowed).fillna(False).to_numpy(dtype=bool)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"{rel_type}: row {i} has {col} {frame[col].iloc[i]!r}; "
                f"allowed labels are {', '.join(allowed)}"
            )


def _old_json(props: Mapping[str, Any] | None) -> str | None:
    """Properties read before a load writes, as the journal keeps them (None: created)."""
    if props is None:
        return None

    def refuse(value: Any) -> Any:
        raise StoreError(f"cannot journal a property value of type {type(value).__name__} "
                         f"(creditkb stores text, numbers, booleans and lists)")

    return json.dumps(dict(props), ensure_ascii=False, default=refuse)


def _load_status(tx: ManagedTransaction, load_id: str) -> tuple[str | None, int | None]:
    """(status, seq) of a recorded load, or (None, None)."""
    record = _run(tx, cypher.load_status(), load_id=load_id).single()
    return (None, None) if record is None else (record["status"], record["seq"])


def _count(tx: ManagedTransaction, stmt: Statement, **params: Any) -> int:
    return _run(tx, stmt, **params).single()["count"]


def _node(uid: str, props: Mapping[str, Any]) -> Node:
    """A port Node: the label is the uid's prefix, props are all but the internal uid."""
    return Node(uid, uid.partition(":")[0], {k: v for k, v in props.items() if k != "uid"})


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


def _log(tx: ManagedTransaction, rows: list[dict], op: str, at: str, load_id: str | None) -> None:
    """Append change-log entries (``{uid, about, gone}`` maps) in this transaction."""
    for part in _chunks(rows):
        _run(tx, cypher.log_changes(), rows=list(part), at=at, load_id=load_id, op=op).consume()


def _log_going(tx: ManagedTransaction, uids: Sequence[str], op: str, at: str,
               load_id: str | None) -> None:
    """Log the nodes among ``uids`` that are about to go, with their props and subject."""
    rows = []
    for part in _chunks(list(uids)):
        rows += [{"uid": r["uid"], "about": r["about"],
                  "gone": json.dumps(_node(r["uid"], r["props"]).props, ensure_ascii=False)}
                 for r in _run(tx, cypher.nodes_going(), uids=list(part))]
    _log(tx, sorted(rows, key=lambda r: r["uid"]), op, at, load_id)


# -- the writer -------------------------------------------------------------------------


class Neo4jWriter(Writer):
    """Collects the operations of one ``transaction()`` block.

    Nothing is sent until the block ends; then :meth:`Neo4jStore.transaction` runs
    :attr:`ops` in one managed transaction.  The writer remembers which uids the block
    created or deleted, so it can answer counts and refuse edges to missing nodes at the
    call (the same check runs again inside the transaction, where it is authoritative).

    With a load, the first op records it and sets :attr:`seq` (again on every attempt,
    should the driver retry), and each write journals what it is about to change.
    """

    def __init__(self, store: "Neo4jStore", load: LoadInfo | None = None):
        self._store = store
        self.ops: list[Op] = []
        self._created: set[str] = set()
        self._deleted: set[str] = set()
        self._cleared = False
        self.closed = False
        self._load = load
        self.seq: int | None = None
        self.at = _now()  # when this transaction writes, for its change-log entries
        self.logged = False  # whether it wrote change-log entries (then trimmed at commit)
        if load is not None:
            self.ops.append(self._record_load)

    def _record_load(self, tx: ManagedTransaction) -> None:
        load = self._load
        self.seq = _run(tx, cypher.next_load_seq()).single()["seq"]
        if _load_status(tx, load.load_id)[0] == cypher.COMMITTED:
            raise StoreError(f"load {load.load_id} is already in the store")
        info = json.dumps(asdict(load), ensure_ascii=False)
        _run(tx, cypher.record_load(), load_id=load.load_id, info=info, seq=self.seq).consume()

    def _sources(self, frame: pd.DataFrame) -> list[str | None]:
        """Each row's source entry ``"<load_id>#<row>"``, or None (no load, no ``_row``)."""
        if self._load is None or "_row" not in frame.columns:
            return [None] * len(frame)
        rows = frame["_row"].astype("Int64").astype("string")
        return [None if pd.isna(r) else f"{self._load.load_id}#{r}" for r in rows]

    def _journal(self, tx: ManagedTransaction, records: Iterable, kind: str,
                 rel_type: str | None = None) -> None:
        """Write the journal entries of what ``records`` (``journal_*`` results) name."""
        entries, seen = [], set()
        for r in records:
            ref, dst = (r["uid"], None) if kind == cypher.NODE_KIND else (r["src"], r["dst"])
            if (ref, dst) not in seen:
                seen.add((ref, dst))
                entries.append({"kind": kind, "ref": ref, "dst": dst, "rel_type": rel_type,
                                "old": _old_json(r["old"])})
        if entries:
            _run(tx, cypher.journal_add(), entries=entries, seq=self.seq).consume()

    def finish_load(self, load: LoadInfo) -> None:
        """Nothing is sent before the block ends, so the op recording the load (the first
        one) simply records this ``load`` instead of the one given at the start."""
        self._check_open()
        if self._load is None or load.load_id != self._load.load_id:
            raise StoreError(f"this transaction is not load {load.load_id!r}")
        self._load = load

    def _refuse_in_load(self, what: str) -> None:
        if self._load is not None:
            raise StoreError(f"{what} inside a load transaction could not be undone")

    def _check_open(self) -> None:
        if self.closed:
            raise StoreError("this transaction has ended; open a new one")

    def _existing(self, uids: Iterable[str]) -> set[str]:
        """The uids among ``uids`` that exist once this block's writes so far apply."""
        unknown, out = [], set()
        for uid in uids:
            if uid in self._created:
                out.add(uid)
            elif not (self._cleared or uid in self._deleted):
                unknown.append(uid)
        if unknown:
            out.update(set(unknown) - self._store._missing(unknown))
        return out

    def upsert_nodes(self, label: str, frame: pd.DataFrame | NodeBatch) -> int:
        self._check_open()
        load_id = self._load.load_id if self._load else None
        batch = frame if isinstance(frame, NodeBatch) else node_batch(label, frame, load_id)
        batch.check_for(label, load_id)
        frame, links = batch.frame, batch.links
        if "uid" in frame.columns:
            raise ValueError(f"{label} rows may not have a 'uid' column: the store sets it")
        uids = batch.uids.tolist()
        props = _prop_maps(frame.drop(columns=["_row"], errors="ignore"))
        rows = [{"uid": u, "props": p, "source": x}
                for u, p, x in zip(uids, props, self._sources(frame))]
        stmt, journal = cypher.merge_nodes(label), cypher.journal_nodes()
        logged = [{"uid": u, "about": None, "gone": None} for u in sorted(set(uids))]

        def op(tx: ManagedTransaction) -> None:
            for part in _chunks(rows):
                if self._load is not None:
                    firsts = list(dict.fromkeys(r["uid"] for r in part))
                    self._journal(tx, list(_run(tx, journal, uids=firsts, seq=self.seq)),
                                  cypher.NODE_KIND)
                _run(tx, stmt, rows=list(part)).consume()
            _log(tx, logged, WRITE, self.at, load_id)

        self.ops.append(op)
        self.logged = self.logged or bool(logged)
        self._created.update(uids)
        self._deleted.difference_update(uids)
        for rel_type, targets in links.items():
            pairs = pd.DataFrame({"src": uids, "dst": targets.to_numpy()}, index=frame.index)
            if "_row" in frame.columns:
                pairs["_row"] = frame["_row"]
            pairs = pairs.dropna(subset=["dst"])
            if len(pairs):
                self.upsert_edges(rel_type, pairs)
        return len(rows)

    def upsert_edges(self, rel_type: str, frame: pd.DataFrame) -> int:
        rel = schema().rel(rel_type)
        self._check_open()
        _endpoint_labels(rel_type, frame)
        src, dst = frame["src"].astype(str).tolist(), frame["dst"].astype(str).tolist()
        ends = list(dict.fromkeys(src + dst))
        missing = sorted(set(ends) - self._existing(ends))
        if missing:
            raise MissingNodeError(rel_type, missing)
        if rel.one_per_source:
            return self._upsert_links(rel_type, src, dst)
        props = _prop_maps(frame.drop(columns=["src", "dst", "_row"], errors="ignore"))
        rows = [{"src": s, "dst": d, "props": p, "source": x}
                for s, d, p, x in zip(src, dst, props, self._sources(frame))]
        merge, check = cypher.merge_edges(rel_type), cypher.missing_nodes()
        journal = cypher.journal_edges(rel_type)

        def op(tx: ManagedTransaction) -> None:
            for part in _chunks(rows):
                uids = list({u for r in part for u in (r["src"], r["dst"])})
                gone = [r["uid"] for r in _run(tx, check, uids=uids)]
                if gone:
                    # Raised inside the unit of work: the driver rolls back everything.
                    raise MissingNodeError(rel_type, sorted(gone))
                if self._load is not None:
                    pairs = [{"src": s, "dst": d}
                             for s, d in dict.fromkeys((r["src"], r["dst"]) for r in part)]
                    self._journal(tx, list(_run(tx, journal, pairs=pairs, seq=self.seq)),
                                  cypher.EDGE_KIND, rel_type)
                _run(tx, merge, rows=list(part)).consume()

        self.ops.append(op)
        return len(rows)

    def _upsert_links(self, rel_type: str, src: list[str], dst: list[str]) -> int:
        """Links of a ``one_per_source`` type: each source's one target, the last row's
        when a source repeats, replacing any other.  A link is part of its source's row
        (as in the embedded store): it has no ``_sources`` of its own, and a load that
        changes it journals the source node with the link created and the one replaced,
        so undo gives both back; writing the same link again changes nothing."""
        last = dict(zip(src, dst))  # a new one replaces it, within one write too
        rows = [{"src": s, "dst": d} for s, d in last.items()]
        merge, targets = cypher.merge_links(rel_type), cypher.link_targets(rel_type)
        nodes, edges = cypher.journal_nodes(), cypher.journal_edges(rel_type)

        def op(tx: ManagedTransaction) -> None:
            for part in _chunks(rows):
                gone = [r["uid"] for r in _run(tx, cypher.missing_nodes(),
                                               uids=list({u for r in part for u in r.values()}))]
                if gone:
                    raise MissingNodeError(rel_type, sorted(gone))
                if self._load is not None:
                    now = {r["uid"]: r["targets"] for r in
                           _run(tx, targets, uids=[r["src"] for r in part])}
                    changed = [r for r in part if now[r["src"]] != [r["dst"]]]
                    if changed:
                        firsts = [r["src"] for r in changed]
                        self._journal(tx, list(_run(tx, nodes, uids=firsts, seq=self.seq)),
                                      cypher.NODE_KIND)
                        pairs = [{"src": r["src"], "dst": t} for r in changed
                                 for t in dict.fromkeys([r["dst"], *now[r["src"]]])]
                        self._journal(tx, list(_run(tx, edges, pairs=pairs, seq=self.seq)),
                                      cypher.EDGE_KIND, rel_type)
                _run(tx, merge, rows=list(part)).consume()

        self.ops.append(op)
        return len(src)

    def delete_nodes(self, uids: Sequence[str]) -> int:
        self._check_open()
        self._refuse_in_load("delete_nodes")
        uids = list(dict.fromkeys(uids))
        existed = len(self._existing(uids))
        stmt = cypher.delete_nodes()

        def op(tx: ManagedTransaction) -> None:
            _log_going(tx, uids, DELETE, self.at, None)
            for part in _chunks(uids):
                _run(tx, stmt, uids=list(part)).consume()

        self.ops.append(op)
        self.logged = True
        self._deleted.update(uids)
        self._created.difference_update(uids)
        return existed

    def delete_all(self) -> None:
        """Delete every node and edge in the database, in this block's one transaction.

        Loads, their journal and the secret fingerprint go too (the version counts on);
        the change log is marked trimmed to its end (its positions count on, and its
        entries are deleted by later writes, a batch each).
        Fine for tests and small stores; a rebuild of millions of nodes needs the server's
        transaction memory to match (``db.memory.transaction.total.max``).
        """
        self._check_open()
        self._refuse_in_load("delete_all")
        stmt = cypher.delete_all()
        self.ops.append(lambda tx: _run(tx, stmt).consume())
        self._created.clear()
        self._deleted.clear()
        self._cleared = True


# -- the store --------------------------------------------------------------------------


class Neo4jStore(Store):
    """A Neo4j database as a creditkb store. Safe to share between threads.

    Parameters
    ----------
    location : str
        A ``neo4j://`` or ``bolt://`` URL (with ``+s``/``+ssc`` variants).
    settings : Settings, optional
        Credentials and database name; read from the environment when omitted.

    Raises
    ------
    StoreError
        If the server cannot be reached or refuses the credentials.
    """

    def __init__(self, location: str, settings: Settings | None = None):
        settings = settings or Settings.from_env()
        self.location = _redact(location)
        self._uri, self._user = location, settings.neo4j_user
        self._database = settings.neo4j_database
        self._driver = _acquire_driver(location, settings)
        self._closed = False
        try:
            self._driver.verify_connectivity()
        except (Neo4jError, DriverError, OSError, ValueError) as exc:  # ValueError: bad address
            self.close()
            raise StoreError(
                f"cannot open Neo4j store at {self.location} as user {self._user!r}: {_one_line(exc)}"
            ) from None
        # Sessions share one bookmark manager, so a read sees this store's earlier writes
        # also when a cluster routes it to another member.
        self._bookmarks = GraphDatabase.bookmark_manager()
        self._schema_ready = False  # ensure_schema ran (the first write transaction runs it)

    # -- plumbing ------------------------------------------------------------------------

    def _session(self, mode: str):
        if self._closed:
            raise StoreError(f"the Neo4j store at {self.location} is closed")
        return self._driver.session(
            database=self._database, default_access_mode=mode, bookmark_manager=self._bookmarks
        )

    def _read(self, what: str, work: Callable[[ManagedTransaction], Any]) -> Any:
        with _errors(what), self._session("READ") as session:
            return session.execute_read(work)

    def _write(self, what: str, work: Callable[[ManagedTransaction], Any]) -> Any:
        with _errors(what), self._session("WRITE") as session:
            return session.execute_write(work)

    def _missing(self, uids: Sequence[str]) -> set[str]:
        """The uids among ``uids`` that name no committed node."""
        stmt = cypher.missing_nodes()

        def work(tx: ManagedTransaction) -> set[str]:
            out: set[str] = set()
            for part in _chunks(list(uids)):
                out.update(r["uid"] for r in _run(tx, stmt, uids=list(part)))
            return out

        return self._read("endpoint check", work)

    # -- the port ------------------------------------------------------------------------

    def ensure_schema(self) -> None:
        # Schema commands may not share a transaction with each other or with data.
        for stmt in cypher.schema_statements():
            self._write(f"schema change {stmt.name}", lambda tx, s=stmt: _run(tx, s).consume())
        wait = cypher.await_indexes()
        self._read("waiting for indexes",
                   lambda tx: _run(tx, wait, timeout=INDEX_WAIT_SECONDS).consume())
        self._schema_ready = True

    @contextmanager
    def transaction(self, load: LoadInfo | None = None) -> Iterator[Writer]:
        if not self._schema_ready:
            # As the embedded store does on opening: nothing is written before the uid
            # constraints exist (MERGE by uid relies on them, for speed and uniqueness).
            self.ensure_schema()
        if load is not None:
            # Early, so a loader learns before it writes; checked again in the transaction.
            status, _ = self._read("load check", lambda tx: _load_status(tx, load.load_id))
            if status == cypher.COMMITTED:
                raise StoreError(f"load {load.load_id} is already in the store")
        writer = Neo4jWriter(self, load)
        try:
            yield writer
        finally:
            # An error in the block leaves nothing to roll back: nothing was sent yet.
            writer.closed = True
        ops = writer.ops  # a load has at least the op recording it
        if ops:
            bump = cypher.bump_version()

            def work(tx: ManagedTransaction) -> None:
                for op in ops:  # replayed in full if the driver retries
                    op(tx)
                if writer.logged:
                    _run(tx, cypher.trim_changes(), keep=changes_kept(),
                         batch=cypher.TRIM_BATCH).consume()
                _run(tx, bump).consume()  # last: the StoreMeta lock is held only to commit

            self._write("write transaction", work)

    def loads(self) -> list[LoadInfo]:
        rows = self._read("loads", lambda tx: [(r["info"], r["status"])
                                               for r in _run(tx, cypher.loads())])
        return [LoadInfo(**{**json.loads(info), "status": status}) for info, status in rows]

    def undo_load(self, load_id: str) -> UndoResult:
        def work(tx: ManagedTransaction) -> UndoResult:
            _run(tx, cypher.next_load_seq()).consume()  # no load runs until this commits
            status, seq = _load_status(tx, load_id)
            if status != cypher.COMMITTED:
                raise StoreError(f"no load {load_id!r} to undo" + (" (already undone)" if status else ""))
            later = sorted({(r["seq"], r["load_id"]) for r in _run(tx, cypher.later_loads(), seq=seq)})
            if later:
                raise UndoRefused(f"load {load_id} cannot be undone: later load(s) "
                                  f"{', '.join(name for _, name in later)} build on it; "
                                  f"undo them first (newest first)")
            nodes, edges, links = [], [], {}
            for r in list(_run(tx, cypher.journal_changed(), seq=seq)):
                old = json.loads(r["old"])
                if r["kind"] == cypher.NODE_KIND:
                    nodes.append({"uid": r["ref"], "props": old})
                elif schema().rel(r["rel_type"]).one_per_source:  # a link the load replaced
                    links.setdefault(r["rel_type"], []).append({"src": r["ref"], "dst": r["dst"]})
                else:
                    edges.append({"src": r["ref"], "dst": r["dst"], "rel_type": r["rel_type"],
                                  "props": old})
            # The change log: what the undo gives back, then what it deletes (as it was).
            at = _now()
            _log(tx, [{"uid": n["uid"], "about": None, "gone": None}
                      for n in sorted(nodes, key=lambda n: n["uid"])], UNDO, at, load_id)
            _log_going(tx, [r["uid"] for r in _run(tx, cypher.journal_created_nodes(), seq=seq)],
                       UNDO, at, load_id)
            edges_restored = sum(_count(tx, cypher.restore_edges(), rows=list(part))
                                 for part in _chunks(edges))
            edges_restored += sum(_count(tx, cypher.restore_links(t), rows=list(part))
                                  for t, rows in links.items() for part in _chunks(rows))
            edges_deleted = _count(tx, cypher.delete_created_edges(), seq=seq)
            nodes_restored = sum(_count(tx, cypher.restore_nodes(), rows=list(part))
                                 for part in _chunks(nodes))
            nodes_deleted = _count(tx, cypher.delete_created_nodes(), seq=seq)
            _run(tx, cypher.forget_journal(), seq=seq).consume()
            _run(tx, cypher.mark_undone(), load_id=load_id).consume()
            _run(tx, cypher.trim_changes(), keep=changes_kept(),
                 batch=cypher.TRIM_BATCH).consume()
            _run(tx, cypher.bump_version()).consume()
            return UndoResult(load_id, nodes_deleted, nodes_restored, edges_deleted, edges_restored)

        return self._write(f"undo of load {load_id}", work)

    def version(self) -> int:
        """The number of write transactions committed through this adapter (any process's),
        counted on the StoreMeta node: one small read, so answer caches work on Neo4j too.
        Writes that bypass creditkb (a hand-edit in Neo4j Browser) do not count."""
        stmt = cypher.store_version()
        row = self._read("store version", lambda tx: _run(tx, stmt).single())
        return (row["version"] if row else None) or 0

    def changes_after(self, after: int, limit: int = 1000, *,
                      nodes: bool = False) -> list[Change]:
        stmt, log = cypher.changes_after(), cypher.change_log()

        def work(tx: ManagedTransaction):
            rows = [Change(r["pos"], r["at"], r["load_id"], r["op"], r["uid"], r["about"],
                           json.loads(r["gone"]) if r["gone"] else None)
                    for r in _run(tx, stmt, after=int(after), limit=int(limit))]
            state = _run(tx, log).single()  # after the read: see EmbeddedStore.changes_after
            return rows, (state["trimmed"] if state else None) or 0

        rows, trimmed = self._read("change log", work)
        if trimmed > after:
            raise ChangesTrimmed(after, trimmed)
        return self._with_nodes(rows) if nodes else rows

    def changes_of(self, after: int, labels: Sequence[str], limit: int = 1000, *,
                   gone: bool = False, scan: int = CHANGES_SCAN,
                   nodes: bool = False) -> ChangesRead:
        stmt, log = cypher.changes_of(), cypher.change_log()

        def work(tx: ManagedTransaction):
            # every position up to the last committed one is committed (the ChangeLog
            # node's lock is held to commit), so the bound read first leaves no gap behind
            state = _run(tx, log).single()
            hi = min(int(after) + int(scan), (state["last"] if state else None) or 0)
            rows = [Change(r["pos"], r["at"], r["load_id"], r["op"], r["uid"], r["about"],
                           json.loads(r["gone"]) if r["gone"] else None)
                    for r in _run(tx, stmt, after=int(after), hi=hi, limit=int(limit),
                                  prefixes=[f"{label}:" for label in labels], gone=bool(gone))]
            state = _run(tx, log).single()  # after the read: see EmbeddedStore.changes_after
            return rows, hi, (state["trimmed"] if state else None) or 0

        rows, hi, trimmed = self._read("change log", work)
        if trimmed > after:
            raise ChangesTrimmed(after, trimmed)
        last = rows[-1].pos if len(rows) == limit else max(int(after), hi)
        return ChangesRead(self._with_nodes(rows) if nodes else rows, last)

    def _with_nodes(self, rows: list[Change]) -> list[Change]:
        """``rows`` with the node of each entry whose node exists (``nodes=True``)."""
        now = self.get_nodes([c.uid for c in rows if c.gone is None])
        return [replace(c, node=now.get(c.uid)) if c.gone is None else c for c in rows]

    def last_change(self) -> int:
        row = self._read("change log", lambda tx: _run(tx, cypher.change_log()).single())
        return (row["last"] if row else None) or 0

    def secret_fingerprint(self) -> str | None:
        stmt = cypher.secret_fingerprint()
        row = self._read("secret fingerprint", lambda tx: _run(tx, stmt).single())
        return row["fingerprint"] if row else None

    def record_secret_fingerprint(self, fingerprint: str) -> str:
        stmt = cypher.record_secret_fingerprint()
        return self._write("recording the secret fingerprint", lambda tx: _run(
            tx, stmt, fingerprint=fingerprint).single()["fingerprint"])

    def get_nodes(self, uids: Iterable[str]) -> dict[str, Node]:
        uids, stmt = list(dict.fromkeys(uids)), cypher.get_nodes()

        def work(tx: ManagedTransaction) -> dict[str, Node]:
            out = {}
            for part in _chunks(uids):
                for r in _run(tx, stmt, uids=list(part)):
                    out[r["uid"]] = _node(r["uid"], r["props"])
            return out

        return self._read("get_nodes", work)

    def neighbours(
        self,
        uids: Iterable[str],
        rel_types: Sequence[str] | None = None,
        direction: Direction = "both",
        limit: int | None = None,
    ) -> Neighbourhood:
        types = cypher.traversal_types(rel_types)
        capped = limit is not None
        if capped and (not isinstance(limit, (int, np.integer)) or limit < 0):
            raise ValueError(f"limit must be a non-negative integer or None, not {limit!r}")
        stmt = cypher.neighbours(direction, capped)  # checks the direction
        column = {t: i for i, t in enumerate(schema().graph_rel_types())}
        uids = list(dict.fromkeys(uids))
        params = {"types": types, **({"limit": int(limit)} if capped else {})}

        def work(tx: ManagedTransaction) -> dict[tuple[str, str], tuple[int, list]]:
            found = {}
            for part in _chunks(uids):
                for r in _run(tx, stmt, uids=list(part), **params):
                    for t in types:
                        i = column[t]
                        if r[f"degree_{i}"]:
                            found[(r["uid"], t)] = (r[f"degree_{i}"], r[f"edges_{i}"])
            return found

        found = self._read("neighbours", work)
        return self._assemble(uids, types, found, limit)

    @staticmethod
    def _assemble(uids, types, found, limit) -> Neighbourhood:
        """Edges in input-uid then type order, each edge once (an edge between two of the
        asked nodes is found from both ends), and the full degree of every cut pair."""
        edges, seen, degrees = [], set(), {}
        for uid in uids:
            for t in types:
                degree, hits = found.get((uid, t), (0, []))
                if limit is not None and degree > limit:
                    degrees[(uid, t)] = degree
                for src, dst, props in hits:
                    if (t, src, dst) not in seen:
                        seen.add((t, src, dst))
                        edges.append(Edge(t, src, dst, props))
        return Neighbourhood(edges, degrees)

    def records_about(
        self, uids: Iterable[str], labels: Sequence[str] | None = None
    ) -> dict[str, list[Node]]:
        for lab in labels or ():
            schema().label(lab)
        return self._records_by_subject("records_about", cypher.records_about(), uids,
                                        labels=list(labels) if labels else None)

    def _records_by_subject(self, name: str, stmt: Statement, uids: Iterable[str],
                            names: Sequence[str] | None = None, **params
                            ) -> dict[str, list[Node]]:
        """Each subject's records as ``stmt`` (a statement over ``$uids`` returning uid,
        rec_uid and props) gives them, the subjects read a chunk at a time.  With
        ``names``, the statement returns the values of those properties instead (vals,
        null for one a record lacks: Neo4j stores no null); a statement that returns null
        props without ``names`` names them itself (``names``, a record's label's)."""
        uids = list(dict.fromkeys(uids))

        def node(r) -> Node:
            if names is None and r["props"] is not None:
                return _node(r["rec_uid"], r["props"])
            asked = names if names is not None else r["names"]
            return _node(r["rec_uid"], {p: v for p, v in zip(asked, r["vals"]) if v is not None})

        def work(tx: ManagedTransaction) -> dict[str, list[Node]]:
            out: dict[str, list[Node]] = {}
            for part in _chunks(uids):
                for r in _run(tx, stmt, uids=list(part), **params):
                    out.setdefault(r["uid"], []).append(node(r))
            return out

        return self._read(name, work)

    def record_facets(self, uids: Iterable[str], props: Sequence[str]
                      ) -> dict[str, set[tuple]]:
        uids, stmt = list(dict.fromkeys(uids)), cypher.record_facets()

        def work(tx: ManagedTransaction) -> dict[str, set[tuple]]:
            out: dict[str, set[tuple]] = {}
            for part in _chunks(uids):
                for r in _run(tx, stmt, uids=list(part), props=list(props)):
                    out.setdefault(r["uid"], set()).add((r["label"], *r["vals"]))
            return out

        return self._read("record_facets", work)

    def point_entries_about(self, uids: Iterable[str], schemes: Sequence[str], *,
                            occurred_by: dt.date | None = None,
                            valid_on: dt.date | None = None,
                            props: Sequence[str] | None = None) -> dict[str, list[Node]]:
        names = point_entry_props(props)
        wanted = list(dict.fromkeys(str(s) for s in schemes))
        if not wanted:
            return {}
        return self._records_by_subject(
            "point_entries_about", cypher.point_entries_about(), uids, names, schemes=wanted,
            iso=cypher.ISO_DAY_REGEX, props=None if names is None else list(names),
            occurred_by=occurred_by.isoformat() if occurred_by is not None else None,
            valid_on=valid_on.isoformat() if valid_on is not None else None)

    def records_matching(self, uids: Iterable[str],
                         tests: Mapping[str, Sequence[RecordMatch] | None],
                         props: Mapping[str, Sequence[str] | None] | None = None
                         ) -> dict[str, list[Node]]:
        wanted = record_tests(tests)
        names = record_props(props)
        if not wanted:
            return {}
        params = []
        for lab, alts in wanted.items():
            asked = names.get(lab)
            params.append({"label": lab, "all": alts is None,
                           "props": None if asked is None else list(asked), "alts": [
                {"absent": list(t.absent),
                 "where": [{"prop": p, "values": list(v)} for p, v in t.where.items()],
                 "contains": [{"prop": p, "values": list(v)} for p, v in t.contains.items()],
                 "at_least": [{"prop": p, "low": v} for p, v in t.at_least.items()]}
                for t in alts or ()]})
        return self._records_by_subject("records_matching", cypher.records_matching(), uids,
                                        tests=params)

    def find_nodes(
        self,
        label: str,
        where: Mapping[str, Any] | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> list[Node]:
        lab = schema().label(label)
        rest: dict[str, list] = {}
        ranges: dict[str, list] = {}
        nones: dict[str, list] = {}
        for prop, value in (where or {}).items():
            if prop not in lab.properties:
                raise ValueError(f"{label} has no property {prop!r}")
            if isinstance(value, Between):
                ranges[prop] = [value.lo, value.hi]
                continue
            if isinstance(value, NoneOf):
                if value.values:
                    nones[prop] = [_plain(v) for v in value.values]
                continue
            values = value if isinstance(value, (list, tuple, set, frozenset)) else [value]
            # equality with null holds for no node (as in SQL)
            rest[prop] = [_plain(v) for v in values if not _is_null(v)]
        if not isinstance(limit, (int, np.integer)) or limit < 0:
            raise ValueError(f"limit must be a non-negative integer, not {limit!r}")
        if any(not v for v in rest.values()):
            return []
        params: dict[str, Any] = {"after": after or "", "limit": int(limit)}
        lead = self._lead(lab.name, lab.key, rest)
        if lead == "uid":
            params["value"] = [lab.uid(str(k)) for k in rest.pop(lab.key)]
        elif lead is not None:
            params["value"] = rest.pop(lead)
        stmt = cypher.find_nodes(label, lead)
        params.update(rest=rest, ranges=ranges, nones=nones)
        return self._read(
            "find_nodes",
            lambda tx: [_node(r["uid"], r["props"]) for r in _run(tx, stmt, **params)],
        )

    @staticmethod
    def _lead(label: str, key: str, where: Mapping[str, Any]) -> str | None:
        """The filter to spell out: the key (an exact uid) before any indexed property."""
        if key in where:
            return "uid"
        return next((p for p in schema().label(label).indexed() if p in where), None)

    def text_values(self, label: str, prop: str) -> frozenset[str]:
        if prop not in schema().label(label).indexed():  # (no statement: every node read)
            return super().text_values(label, prop)
        stmt = cypher.text_values(label, prop)
        return frozenset(self._read("text_values",
                                    lambda tx: _run(tx, stmt).single()["values"]))

    def count_nodes(self, label: str | None = None) -> int:
        stmt = cypher.count_nodes(label)
        return self._read("count_nodes", lambda tx: _run(tx, stmt).single()["count"])

    def count_edges(self, rel_type: str | None = None) -> int:
        stmt = cypher.count_edges(rel_type)
        return self._read("count_edges", lambda tx: _run(tx, stmt).single()["count"])

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            _release_driver(self._uri, self._user)
