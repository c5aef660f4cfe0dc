"""The store port: what creditkb needs from a graph store, and nothing more.

Two adapters implement it, the embedded store (SQLite on disk plus an in-memory CSR
topology) and Neo4j.  queries/ and the loaders speak only this interface, so both stores
give one semantics; ``tests/contract/test_store_conformance.py`` holds them to it.

Writes are column-wise (pandas frames), because loads are millions of rows; reads return
small plain objects, because questions are about a few subjects at a time.

Semantics every adapter keeps:

* A node is identified by its uid ``"<Label>:<key>"`` (see :mod:`graph_model.schema`).
* ``upsert_nodes`` creates a node or merges properties into it: a property named in the
  frame overwrites the stored one, a property not named (or null in that row) is kept.
* ``upsert_edges`` creates or merges the one edge of a type between two nodes; both ends
  must exist (in the store or earlier in the same transaction), or the whole transaction
  fails with :class:`MissingNodeError`.
* Everything written inside one ``transaction()`` block is committed together or not at
  all.
* Provenance: a transaction opened with a :class:`LoadInfo` records the load, and every
  node and edge it writes gets the source entry ``"<load_id>#<row>"`` (the row taken from
  the frame's ``_row`` column, never stored as a property itself) added to its
  ``_sources`` list property; a node reported by three agencies has three entries.
  A relationship the schema marks ``one_per_source`` (a record's subject, its agency,
  the penalty a repair repairs) is part of its source's row: writing another replaces
  it, and the row's ``_sources`` are its provenance.
  ``undo_load`` takes a load back completely: what it created is deleted and what it
  changed gets the properties it had before, as long as no later load still builds on it.
* The change log: every node a committed transaction wrote, deleted or took back (undo)
  is one entry of the store's one change log, written in that same transaction (so a
  crash never leaves a write without its entry, nor an entry without its write).  Entries
  are read by position (:meth:`Store.changes_after`): positions grow with every entry, in
  commit order, and are never handed out twice; the oldest are trimmed past
  :data:`CHANGES_KEPT` entries, and asking after a position trimmed away raises
  :class:`ChangesTrimmed` rather than answering less than was written.
"""

from __future__ import annotations

import abc
import datetime as dt
import os
import re
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any, Hashable, Iterable, Iterator, Literal, Mapping, Sequence

import pandas as pd

from graph_model.errors import ConflictError, CreditKBError, DataError

Direction = Literal["out", "in", "both"]


class StoreError(CreditKBError, RuntimeError):
    """A store could not be opened, read or written."""


class MissingNodeError(StoreError, DataError):
    """An edge names an endpoint that does not exist."""

    def __init__(self, rel_type: str, uids: Sequence[str]):
        self.rel_type = rel_type
        self.uids = list(uids)
        shown = ", ".join(self.uids[:5]) + (" ..." if len(self.uids) > 5 else "")
        super().__init__(f"{rel_type} edges name {len(self.uids)} missing node(s): {shown}")


@dataclass(frozen=True)
class Node:
    uid: str
    label: str
    props: Mapping[str, Any]

    @property
    def key(self) -> str:
        return self.uid.partition(":")[2]


#: the record label of point entries (:meth:`Store.point_entries_about`)
POINT_ENTRY = "PointEntry"
#: a date stored as ISO text: the only dates :meth:`Store.point_entries_about` filters on
ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def entry_may_count(props: Mapping[str, Any], occurred_by: dt.date | None,
                    valid_on: dt.date | None) -> bool:
    """False for a point entry :meth:`Store.point_entries_about` leaves out: one that
    occurred after ``occurred_by``, or whose ``valid_to`` is before ``valid_on``, either
    date stored as ISO text."""
    def day(name: str) -> str | None:
        value = props.get(name)
        return value[:10] if isinstance(value, str) and ISO_DAY.match(value) else None

    occurred, valid_to = day("occurred_on"), day("valid_to")
    if occurred_by is not None and occurred is not None and occurred > occurred_by.isoformat():
        return False
    return not (valid_on is not None and valid_to is not None and valid_to < valid_on.isoformat())


@dataclass(frozen=True)
class RecordMatch:
    """A test of a record's properties that a store can judge without building the record
    (:meth:`Store.records_matching`): it *keeps* a record unless one of its terms surely
    fails on the value stored, a value of a type the store compares as Python does:

    * ``where``: a property holding text (a JSON string) none of its values;
    * ``contains``: a property holding text that contains none of its words;
    * ``at_least``: a property holding a whole number (not a boolean) below its bound
      (compared as ``float(value)``);
    * ``absent``: a property holding a value other than null or the empty text.

    A missing property, or one holding another type (a number for ``where``, text for
    ``at_least``), fails no term: the record is kept for the caller to judge.  So a
    caller's own test that fails on no record these terms keep loses nothing to the
    store's filter (a scorer's indicator match, queries.scoring.schemes.Match)."""

    where: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    contains: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    at_least: Mapping[str, float] = field(default_factory=dict)
    absent: tuple[str, ...] = ()

    def __post_init__(self):
        for name in ("where", "contains"):
            object.__setattr__(self, name, {str(p): tuple(str(v) for v in vs)
                                            for p, vs in getattr(self, name).items()})
        object.__setattr__(self, "at_least", {str(p): float(v) for p, v in self.at_least.items()})
        object.__setattr__(self, "absent", tuple(str(p) for p in self.absent))

    def props(self) -> set[str]:
        """Every property a term reads."""
        return {*self.where, *self.contains, *self.at_least, *self.absent}

    def keeps(self, props: Mapping[str, Any]) -> bool:
        """The reference of every adapter's filter (see the class docstring)."""
        for prop in self.absent:
            if props.get(prop) not in (None, ""):
                return False
        for prop, values in self.where.items():
            value = props.get(prop)
            if isinstance(value, str) and value not in values:
                return False
        for prop, words in self.contains.items():
            value = props.get(prop)
            if isinstance(value, str) and not any(w in value for w in words):
                return False
        for prop, low in self.at_least.items():
            value = props.get(prop)
            if type(value) is int and float(value) < low:
                return False
        return True


def record_tests(tests: Mapping[str, Sequence[RecordMatch] | None]
                 ) -> dict[str, tuple[RecordMatch, ...] | None]:
    """``tests`` of :meth:`Store.records_matching` checked, each label's as a tuple (or
    None), the labels with no test left out: a ValueError for a label the schema lacks or
    a property its label lacks (so a name in a statement is always the schema's)."""
    from graph_model.schema import schema

    out = {}
    for label, alts in tests.items():
        props = schema().label(label).properties
        if alts is not None:
            alts = tuple(alts)
            if not alts:
                continue
            for t in alts:
                unknown = sorted(t.props() - set(props))
                if unknown:
                    raise ValueError(f"{label} has no property {unknown[0]!r}")
        out[label] = alts
    return out


def record_props(props: Mapping[str, Iterable[str] | None] | None
                 ) -> dict[str, tuple[str, ...] | None]:
    """``props`` of :meth:`Store.records_matching` checked: by label, its names in order,
    each once (None, or a label not named: every property), a ValueError for a label the
    schema lacks or a name its label lacks (so a name in a statement is always the
    schema's)."""
    from graph_model.schema import schema

    out: dict[str, tuple[str, ...] | None] = {}
    for label, names in (props or {}).items():
        known = schema().label(label).properties
        if names is None:
            out[label] = None
            continue
        if isinstance(names, str):
            raise ValueError("props is a sequence of property names, not one name")
        names = tuple(dict.fromkeys(names))
        unknown = [p for p in names if p not in known]
        if unknown:
            raise ValueError(f"{label} has no property {unknown[0]!r}")
        out[label] = names
    return out


def point_entry_props(props: Iterable[str] | None) -> tuple[str, ...] | None:
    """``props`` of :meth:`Store.point_entries_about` checked: its names in order, each
    once (None: every property), a ValueError for one ``PointEntry`` lacks (so a name in a
    statement is always the schema's)."""
    return record_props({POINT_ENTRY: props})[POINT_ENTRY]


def only_props(node: Node, names: Sequence[str] | None) -> Node:
    """``node`` with only the properties ``names`` (those it has), or as it is for None."""
    if names is None:
        return node
    return Node(node.uid, node.label, {p: node.props[p] for p in names if p in node.props})


#: entries of the change log a store keeps (the oldest are trimmed as new ones come):
#: ``CREDITKB_CHANGES_KEPT``, a local default sized for a day of partner exports
CHANGES_KEPT_DEFAULT = 2_000_000


def changes_kept() -> int:
    """How many change-log entries a store keeps (``CREDITKB_CHANGES_KEPT``)."""
    value = os.environ.get("CREDITKB_CHANGES_KEPT", "")
    try:
        return max(1, int(value)) if value else CHANGES_KEPT_DEFAULT
    except ValueError:
        raise StoreError(f"CREDITKB_CHANGES_KEPT must be a whole number, not {value!r}") from None


class ChangesTrimmed(StoreError):
    """Entries after the position asked for were trimmed from the change log."""

    code = "FEED_POSITION_EXPIRED"

    def __init__(self, after: int, oldest: int):
        self.after, self.oldest = after, oldest
        super().__init__(f"the change log no longer holds the entries after position {after}: "
                         f"it keeps those after {oldest}; start again from a fresh read")


#: ``Change.op`` values: a node written (created or merged), deleted outside any load, or
#: taken back by the undo of the load that wrote it (created: gone; changed: restored)
WRITE, DELETE, UNDO = "write", "delete", "undo"


@dataclass(frozen=True)
class Change:
    """One entry of the change log (see the module docstring).

    ``about`` is the subject a record is about (its ABOUT link): as stored now, or as it
    was when the node went.  ``gone`` holds the properties of a node deleted or taken back
    by undo, as they were just before; None while the node exists (read it from the store:
    a feed shows the record as it is).
    """

    pos: int
    at: str  # ISO 8601, UTC: when the transaction wrote it
    load_id: str | None
    op: str
    uid: str
    about: str | None = None
    gone: Mapping[str, Any] | None = None
    #: the node as stored when the entry was read, asked for with ``changes_after(...,
    #: nodes=True)``; None when not asked for or when the node is gone
    node: Node | None = None

    @property
    def label(self) -> str:
        return self.uid.partition(":")[0]


@dataclass(frozen=True)
class ChangesRead:
    """What :meth:`Store.changes_of` read: the entries of the labels asked for, and the last
    position it examined (every entry up to it that is not in ``changes`` is of another
    label), where the reader goes on from."""

    changes: list[Change]
    last: int


#: positions :meth:`Store.changes_of` examines per call at most (the entries it skips
#: cost a look at their uid each, no node read)
CHANGES_SCAN = 100_000


@dataclass(frozen=True)
class Between:
    """A ``where`` value of :meth:`Store.find_nodes`: a property from ``lo`` to ``hi``, both
    included.  The bounds are two ISO dates or other strings, or two numbers; a property
    holding a value of another type, or none, does not match.  (Strings compare by code
    point in the embedded store and by UTF-16 unit in Neo4j: the same order for dates.)"""

    lo: Any
    hi: Any

    def __post_init__(self):
        lo, hi = (v.isoformat() if isinstance(v, dt.date) else v for v in (self.lo, self.hi))
        number = (int, float)
        if not ((isinstance(lo, str) and isinstance(hi, str)) or (
                isinstance(lo, number) and isinstance(hi, number)
                and not isinstance(lo, bool) and not isinstance(hi, bool))):
            raise ValueError(f"Between needs two strings or two numbers, not {lo!r} and {hi!r}")
        object.__setattr__(self, "lo", lo)
        object.__setattr__(self, "hi", hi)


@dataclass(frozen=True)
class NoneOf:
    """A ``where`` value of :meth:`Store.find_nodes`: a property that is missing or equals
    none of ``values`` (what a rule that reads a missing value as a default needs)."""

    values: tuple

    def __post_init__(self):
        object.__setattr__(self, "values", tuple(v for v in self.values if v is not None))


class UndoRefused(StoreError, ConflictError):
    """A load cannot be undone while later loads build on it."""


@dataclass(frozen=True)
class LoadInfo:
    """One file loaded into the store: what, when, by whom, with what outcome."""

    load_id: str
    file: str
    kind: str
    started_at: str  # ISO 8601, UTC
    agency: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    status: str = "committed"  # or "undone"


@dataclass(frozen=True)
class UndoResult:
    load_id: str
    nodes_deleted: int
    nodes_restored: int
    edges_deleted: int
    edges_restored: int


@dataclass(frozen=True)
class Edge:
    type: str
    src: str
    dst: str
    props: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Neighbourhood:
    """One hop from a set of nodes.

    ``edges`` holds at most ``limit`` edges per (node, relationship type) pair, chosen in a
    stable order (by the uid at the far end, then the source's); ``degrees`` gives, for
    every such pair that was cut, the full number of edges, so callers can say "and 4,812
    more vehicles".  The list is in one order on every store, since the paths a query
    explains follow it: by asked node (in the order asked), then relationship type (in the
    order asked, else the schema's), then that stable order; an edge between two asked
    nodes comes once, with the first.
    """

    edges: list[Edge]
    degrees: dict[tuple[str, str], int] = field(default_factory=dict)


def split_links(label: str, frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, pd.Series]]:
    """The property columns of a node frame, and its link columns (target uid per row,
    keyed by relationship type) as described in :meth:`Writer.upsert_nodes`."""
    from graph_model.schema import schema

    rels = schema().relationships
    names = [c for c in frame.columns if c in rels]
    for rel in names:
        if not rels[rel].one_per_source or label not in rels[rel].from_labels:
            raise ValueError(f"{label} rows cannot carry {rel} targets as a column")
    return frame.drop(columns=names), {rel: frame[rel] for rel in names}


@dataclass(frozen=True)
class NodeBatch:
    """Nodes of one label, checked and put in the form a store writes ahead of the
    transaction that writes them (see :meth:`Store.prepare_nodes`)."""

    label: str
    load_id: str | None  # the load whose provenance ``encoded`` carries, if any
    frame: pd.DataFrame  # the property columns, and ``_row``
    links: Mapping[str, pd.Series]  # target uid per row, by relationship type (split_links)
    uids: pd.Series  # each row's uid ("<label>:<key>"), string dtype
    encoded: Any = None  # the adapter's own form of the rows, if it makes one

    def __len__(self) -> int:
        return len(self.frame)

    def check_for(self, label: str, load_id: str | None) -> None:
        """Refuse to be written as another label, or by a transaction of another load than
        the one it was prepared for (its provenance would be wrong)."""
        if self.label != label:
            raise ValueError(f"a batch of {self.label} nodes cannot be written as {label}")
        if self.load_id != load_id:
            raise StoreError(f"nodes prepared for load {self.load_id!r} cannot be written by "
                             f"the transaction of load {load_id!r}")

    def link_count(self) -> int:
        """The relationships the links write (rows with a target)."""
        return sum(int(t.notna().sum()) for t in self.links.values())


def node_batch(label: str, frame: pd.DataFrame, load_id: str | None = None) -> NodeBatch:
    """Check what every adapter requires of a node frame (the label's key in every row,
    link columns the label may have) and split off its links."""
    from graph_model.schema import schema

    key = schema().label(label).key
    if key not in frame.columns:
        raise ValueError(f"{label} rows need the key column {key!r}")
    keys = frame[key].astype("string")
    if keys.isna().any() or (keys.str.len() == 0).any():
        raise ValueError(f"{label} rows with an empty key {key!r}")
    props, links = split_links(label, frame)
    return NodeBatch(label, load_id, props, links, label + ":" + keys)


class Writer(abc.ABC):
    """The write side of one transaction."""

    @abc.abstractmethod
    def upsert_nodes(self, label: str, frame: "pd.DataFrame | NodeBatch") -> int:
        """Create or merge nodes of ``label``; the frame has one column per property and
        must hold the label's key property. Returns the number of rows written.

        A column named after a ``one_per_source`` relationship type of the label (ABOUT,
        ISSUED_BY, REPAIRS) holds the uid of each row's target, or null: the same as
        ``upsert_edges`` of those pairs, written with the nodes (see :func:`split_links`).

        ``frame`` may also be what this store's :meth:`Store.prepare_nodes` made of one,
        for this transaction's load."""

    @abc.abstractmethod
    def upsert_edges(self, rel_type: str, frame: pd.DataFrame) -> int:
        """Create or merge edges; the frame has ``src`` and ``dst`` uid columns plus one
        column per relationship property. Returns the number of rows written."""

    @abc.abstractmethod
    def delete_nodes(self, uids: Sequence[str]) -> int:
        """Delete nodes and every edge touching them. Returns how many existed."""

    @abc.abstractmethod
    def finish_load(self, load: "LoadInfo") -> None:
        """Record ``load`` (the same load_id as the transaction's) in place of what was
        given at its start: a load's row counts are known only at its end."""

    @abc.abstractmethod
    def delete_all(self) -> None:
        """Delete every node and edge (tests, and rebuilding a store from its sources)."""


class Store(abc.ABC):
    """A graph store. Open one per process with :func:`graph_model.store.open_store`."""

    #: what the settings called it: a path or a URL (never a password)
    location: str

    @abc.abstractmethod
    def ensure_schema(self) -> None:
        """Create constraints and indexes derived from the schema (idempotent)."""

    @abc.abstractmethod
    def transaction(self, load: LoadInfo | None = None) -> AbstractContextManager[Writer]:
        """A write transaction: committed when the block ends, rolled back on error.
        With ``load``, the writes carry provenance and the load is recorded (see the module
        docstring); a load id already committed raises :class:`StoreError`."""

    @abc.abstractmethod
    def loads(self) -> list[LoadInfo]:
        """Every load recorded, oldest first."""

    @abc.abstractmethod
    def undo_load(self, load_id: str) -> UndoResult:
        """Take a load back completely, or raise :class:`UndoRefused` naming the later
        loads that build on it (undo those first), or :class:`StoreError` for an unknown
        or already undone load."""

    @abc.abstractmethod
    def get_nodes(self, uids: Iterable[str]) -> dict[str, Node]:
        """The nodes that exist among ``uids``, by uid."""

    def prepare_nodes(self, label: str, frame: pd.DataFrame,
                      load_id: str | None = None) -> NodeBatch:
        """Check a node frame and do the work of writing it that needs no transaction
        (encoding its rows, say), for a :meth:`Writer.upsert_nodes` of the transaction of
        load ``load_id`` (None: no load).  Safe to call from another thread while that
        transaction writes, which is what a loader does with its next chunk."""
        return node_batch(label, frame, load_id)

    def existing(self, uids: Iterable[str]) -> set[str]:
        """The uids among ``uids`` that name a node (adapters may answer without
        reading properties)."""
        return set(self.get_nodes(uids))

    def node_props(self, uids: Iterable[str], props: Sequence[str]) -> dict[str, dict[str, Any]]:
        """For each of ``uids`` that names a node: its properties ``props``, each None when
        it has none.  For a loader or a rule that needs a few properties of many nodes (a
        subject's region, a penalty's dates): adapters may answer without reading whole
        nodes."""
        return {uid: {p: node.props.get(p) for p in props}
                for uid, node in self.get_nodes(uids).items()}

    @abc.abstractmethod
    def neighbours(
        self,
        uids: Iterable[str],
        rel_types: Sequence[str] | None = None,
        direction: Direction = "both",
        limit: int | None = None,
    ) -> Neighbourhood:
        """Edges of the traversal graph (relationship types between ``in_graph`` labels)
        touching ``uids``; ``limit`` caps each (node, type) pair, see :class:`Neighbourhood`."""

    @abc.abstractmethod
    def records_about(
        self, uids: Iterable[str], labels: Sequence[str] | None = None
    ) -> dict[str, list[Node]]:
        """Record nodes (penalties, evaluations, ...) about each subject, by subject uid."""

    def record_facets(self, uids: Iterable[str], props: Sequence[str]
                      ) -> dict[str, set[tuple]]:
        """For each of ``uids`` that has records: the distinct ``(label, value of each of
        props)`` among the records about it (a property a record lacks: None).  For the
        questions that look at a few scalar properties of a subject's many records (who
        issued them): the set is small where the records are many, and an adapter can
        answer it without reading whole records.  Scalar properties (text, numbers) only."""
        return {subject: {(n.label, *(n.props.get(p) for p in props)) for n in nodes}
                for subject, nodes in self.records_about(uids).items() if nodes}

    def point_entries_about(
        self, uids: Iterable[str], schemes: Sequence[str], *,
        occurred_by: dt.date | None = None, valid_on: dt.date | None = None,
        props: Sequence[str] | None = None,
    ) -> dict[str, list[Node]]:
        """The point entries (``PointEntry`` records) about each subject whose ``scheme``
        is one of ``schemes`` (equal as text), by subject uid, each subject's in uid order;
        subjects without one are left out.  A scorer reads through it the entries its scheme
        can count, and never decodes those of other schemes (issue 17).

        ``props`` (property names of ``PointEntry``; a ValueError for another) gives each
        entry only those of its properties (those it has), the same entries as without:
        a reader that asks only for what it reads lets the adapter read less (the embedded
        one reads the properties a ledger reads from its index, never the rows).

        ``occurred_by`` leaves out the entries that occurred after it, ``valid_on`` those
        whose ``valid_to`` is before it.  Only a date stored as ISO text ("YYYY-MM-DD",
        perhaps followed by more, of which its first ten characters are the day) leaves an
        entry out: an entry whose date is missing or written otherwise is returned, for the
        caller to judge.

        This is the reference: it filters :meth:`records_about`; the adapters filter in
        the store (the embedded one in an index, so the rows it leaves out are not read).
        """
        names = point_entry_props(props)
        wanted = {str(s) for s in schemes}
        out: dict[str, list[Node]] = {}
        if not wanted:
            return out
        for subject, nodes in self.records_about(uids, [POINT_ENTRY]).items():
            mine = [only_props(n, names) for n in nodes if n.props.get("scheme") in wanted
                    and entry_may_count(n.props, occurred_by, valid_on)]
            if mine:
                out[subject] = sorted(mine, key=lambda n: n.uid)
        return out

    def records_matching(self, uids: Iterable[str],
                         tests: Mapping[str, Sequence[RecordMatch] | None],
                         props: Mapping[str, Sequence[str] | None] | None = None
                         ) -> dict[str, list[Node]]:
        """The records about each subject of the labels in ``tests``, by subject uid, each
        subject's in uid order (subjects without one left out): of a label mapped to None
        every record, else those that at least one of its :class:`RecordMatch` keeps (an
        empty list: none).  A scorer reads through it the records an indicator may count,
        and never decodes the many that none can (issue 17: most of a firm's vehicles'
        monitoring alarms).

        ``props`` (by label, property names of that label; a ValueError for another)
        gives each record of a label named only those of its properties (those it has),
        the same records as without; a label not named, or named with None, keeps every
        property.  A reader that asks only for what it reads lets the adapter read less
        (the embedded one reads an alarm's from the ABOUT index, never its row).

        This is the reference: it filters :meth:`records_about`; the adapters filter in
        the store, so the records left out are never decoded."""
        wanted = record_tests(tests)
        names = record_props(props)
        if not wanted:
            return {}
        out: dict[str, list[Node]] = {}
        for subject, nodes in self.records_about(uids, sorted(wanted)).items():
            mine = [only_props(n, names.get(n.label)) for n in nodes if wanted[n.label] is None
                    or any(t.keeps(n.props) for t in wanted[n.label])]
            if mine:
                out[subject] = sorted(mine, key=lambda n: n.uid)
        return out

    @abc.abstractmethod
    def find_nodes(
        self,
        label: str,
        where: Mapping[str, Any] | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> list[Node]:
        """Nodes of ``label`` matching ``where``, ordered by uid, starting after the uid
        ``after`` (keyset pagination). A ``where`` value is one value to equal, or a list,
        tuple or set of allowed values; null matches nothing.  It may also be a
        :class:`Between` (a range) or a :class:`NoneOf` (missing or none of these).  The
        schema's compound indexes (``indexes`` of a label) serve filters on their leading
        properties; a caller reading many rows through one reads them with
        :meth:`find_every`."""

    def find_every(self, label: str, where: Mapping[str, Any] | None = None) -> list[Node]:
        """Every node of ``label`` matching ``where`` (as :meth:`find_nodes`), in uid
        order, read at once: for a filter an index serves (a span of days, thousands of
        values), which each page of a keyset loop would match again from the index's
        start.  (The embedded store sorts them after reading, not through SQLite.)"""
        return self.find_nodes(label, where, limit=2 ** 31 - 1)

    def iter_nodes(self, label: str, where: Mapping[str, Any] | None = None, *,
                   after: str | None = None, page: int = 1000) -> Iterator[Node]:
        """Every node of ``label`` matching ``where`` after the uid ``after``, in uid order:
        :meth:`find_nodes` a ``page`` at a time, for the passes over a whole label (the one
        keyset loop; a caller that stops early reads no further page)."""
        while True:
            nodes = self.find_nodes(label, where, after=after, limit=page)
            yield from nodes
            if len(nodes) < page:
                return
            after = nodes[-1].uid

    def text_values(self, label: str, prop: str) -> frozenset[str]:
        """Every text value of ``prop`` among the nodes of ``label`` (a number, list or
        the like left out): what a reader keeps to skip the look-ups of names no node
        holds (the objections' ``record``: :func:`queries.versions.objections_about`).
        This is the reference: it reads every node; the embedded store reads the values
        alone, and Neo4j those of an indexed property."""
        return frozenset(v for n in self.iter_nodes(label)
                         if isinstance(v := n.props.get(prop), str))

    @abc.abstractmethod
    def changes_after(self, after: int, limit: int = 1000, *,
                      nodes: bool = False) -> list[Change]:
        """Up to ``limit`` entries of the change log after position ``after`` (0: from the
        start), in position order; empty when none is committed after it.  With
        ``nodes``, each entry of a node that exists carries it (``Change.node``, as
        :meth:`get_nodes` gives it when the entries are read): what a reader of the log
        needs of nearly every entry, read with them rather than looked up again.

        Raises
        ------
        ChangesTrimmed
            When entries after ``after`` were trimmed away (the caller missed them).
        """

    def changes_of(self, after: int, labels: Sequence[str], limit: int = 1000, *,
                   gone: bool = False, scan: int = CHANGES_SCAN,
                   nodes: bool = False) -> ChangesRead:
        """The entries of the change log after position ``after`` whose node has one of
        ``labels`` (its uid starts with the label and a colon), up to ``limit`` of them, in
        position order; with ``gone``, also every entry of a node that went (``Change.gone``
        set: deleted, or created and taken back by undo), whatever its label.  At most
        ``scan`` positions are examined; ``ChangesRead.last`` is the last one examined
        (``after`` when there is nothing after it yet).  A reader that goes on from
        ``last`` misses no entry it asked for, and never reads the nodes of the entries it
        did not: a feed that wants penalties does not decode a load's monitoring alarms.
        ``nodes`` as for :meth:`changes_after`.

        This is the reference: it filters :meth:`changes_after`; the adapters filter in
        the store.

        Raises
        ------
        ChangesTrimmed
            When entries after ``after`` were trimmed away (the caller missed them).
        """
        prefixes = tuple(f"{label}:" for label in labels)
        out: list[Change] = []
        last = after
        while last - after < scan:
            read = self.changes_after(last, min(scan - (last - after), 10_000), nodes=nodes)
            for c in read:
                if c.uid.startswith(prefixes) or (gone and c.gone is not None):
                    out.append(c)
                    if len(out) == limit:
                        return ChangesRead(out, c.pos)
                last = c.pos
            if not read:
                break
        return ChangesRead(out, last)

    @abc.abstractmethod
    def last_change(self) -> int:
        """The position of the last committed change-log entry (0 before the first): where
        a reader that wants only what comes next starts."""

    def version(self) -> Hashable | None:
        """A value that changes whenever anything is written (by any process), to one it
        never had before, so that an answer computed at one version may be reused while it
        stays; None when the adapter cannot tell (callers then reuse answers for a short
        while only).  Both adapters tell."""
        return None

    def changed_since(self, version: Hashable) -> frozenset[str] | None:
        """What the writes after ``version`` (a value :meth:`version` gave) touched: the
        uids of the nodes written, of the subjects (and other targets) of the records
        written or moved, of both ends of the edges written, and ``"<Label>:"`` for each
        label written; an empty set when nothing was written since.  None when the store
        cannot tell (too long ago, a delete or an undo, a write too large to itemise, or
        an adapter that does not keep the log): then anything may have changed.  What
        lets an answer be kept across writes that do not touch what it read
        (:mod:`api.kept`)."""
        return None

    @abc.abstractmethod
    def secret_fingerprint(self) -> str | None:
        """The fingerprint of the secret that hashed this store's resident ID numbers
        (see :mod:`graph_model.store.secret`), None while none is recorded."""

    @abc.abstractmethod
    def record_secret_fingerprint(self, fingerprint: str) -> str:
        """Record ``fingerprint`` unless one is recorded already; return the one recorded
        (atomically: of two processes recording at once, both return the winner's)."""

    def load_lock(self) -> AbstractContextManager[None]:
        """Held by a load (and an undo) from start to end: a second one on the same
        store fails at once with :class:`graph_model.store.embedded.lock.LoadRunning`
        instead of waiting on the first.  A store whose server orders writers itself
        (Neo4j) may hold nothing here."""
        return nullcontext()

    def topology_deferred(self) -> AbstractContextManager[None]:
        """Inside the block, a commit that changes the traversal graph may leave handing
        its traversal structures over to readers until the block ends, when the store
        hands over those of the last one.  Every commit is visible to readers as before;
        only a cache they would otherwise load may lag, and they then build it
        themselves.  A loader wraps files that each change much of the graph (a fresh
        load's subjects): one hand-over, not one per file.  A store that keeps no such
        cache (Neo4j) does nothing here."""
        return nullcontext()

    @abc.abstractmethod
    def count_nodes(self, label: str | None = None) -> int: ...

    @abc.abstractmethod
    def count_edges(self, rel_type: str | None = None) -> int: ...

    @abc.abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
