"""Every Cypher statement the Neo4j adapter sends, built from the schema.

Statement text names labels, relationship types and property keys, which Cypher cannot
take as parameters; those names come only from :func:`graph_model.schema.schema` and are
checked and backtick-quoted here.  Values always travel as parameters.

Each builder returns a :class:`Statement` and is cached, so the adapter and
:func:`all_statements` (which feeds the offline check in ``tools/cypher-lint``) share the
very same text: the checked list cannot drift from what is sent.

The statements keep to Cypher that Neo4j 5 (from 5.6, for ``COUNT {}`` and
``COLLECT {}``; from 5.9 for the type predicates of :func:`records_matching`) and Cypher 25
both accept; the offline check parses them as both.

Besides the schema's names, the statements use the store's own bookkeeping names
(:data:`BOOKKEEPING`: the common label, the load records and their journal, see
:mod:`graph_model.store.neo4j.store`); the offline check takes those as known too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Literal, Sequence

from graph_model.schema import schema

#: the label every creditkb node carries besides its own, so an edge or a lookup can find
#: a node by uid alone, whatever its label
NODE_LABEL = "Node"
#: the relationship type that ties a record to its subject (see ``Store.records_about``)
ABOUT = "ABOUT"
#: prefix of the names of the constraints and indexes creditkb creates
PREFIX = "creditkb"
DIRECTIONS = ("out", "in", "both")
#: one node per load: ``{load_id, info (LoadInfo as JSON), status, seq}``
LOAD_LABEL = "Load"
#: one node per node or edge a load wrote: ``{seq, kind, ref, dst, rel_type, old}``
JOURNAL_LABEL = "LoadJournal"
#: the one node holding the last load sequence number; its write lock orders loads
SEQUENCE_LABEL = "LoadSequence"
#: the one node of facts about the store itself: ``{name: 'store', secret_fingerprint,
#: version}`` (see :mod:`graph_model.store.secret`, :func:`bump_version`)
META_LABEL = "StoreMeta"
#: one node per change-log entry: ``{pos, at, load_id, op, uid, about, gone}`` (see
#: :class:`graph_model.store.port.Change`; ``gone`` as JSON)
CHANGE_LABEL = "Change"
#: the one node holding the change log's last position and the last one trimmed away;
#: its write lock, taken by a transaction's first entry, orders positions as commits
CHANGELOG_LABEL = "ChangeLog"
#: the property holding a node's or edge's source entries ``"<load_id>#<row>"``
SOURCES = "_sources"
#: journal ``kind`` values
NODE_KIND, EDGE_KIND = "node", "edge"
#: load ``status`` values (as in :class:`graph_model.store.port.LoadInfo`)
COMMITTED, UNDONE = "committed", "undone"

#: Labels and property keys the store itself writes besides the schema's: what the
#: offline check (tests/integration/test_cypher_lint.py) must take as present in the database.
BOOKKEEPING = {
    "labels": [NODE_LABEL, LOAD_LABEL, JOURNAL_LABEL, SEQUENCE_LABEL, META_LABEL,
               CHANGE_LABEL, CHANGELOG_LABEL],
    "propertyKeys": sorted(["uid", SOURCES, "load_id", "info", "status", "seq", "kind",
                            "ref", "dst", "rel_type", "old", "name", "secret_fingerprint",
                            "version", "pos", "at", "op", "about", "gone", "last",
                            "trimmed"]),
}

Direction = Literal["out", "in", "both"]
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


@dataclass(frozen=True)
class Statement:
    """One statement text and the names of the parameters it takes.

    Parameters
    ----------
    name : str
        A stable name for reports, e.g. ``"merge_nodes:Enterprise"``.
    text : str
        The Cypher text.
    params : frozenset of str
        The parameters the text uses; the adapter passes exactly these.
    """

    name: str
    text: str
    params: frozenset[str]


def _stmt(name: str, text: str, *params: str) -> Statement:
    return Statement(name, " ".join(text.split()), frozenset(params))


def ident(name: str) -> str:
    """Backtick-quote a schema name for statement text.

    Parameters
    ----------
    name : str
        A label, relationship type, property key or schema object name.

    Returns
    -------
    str
        The name in backticks.

    Raises
    ------
    ValueError
        If the name is not a plain identifier. Schema names always are; the check is
        a second line of defence should anything else ever reach statement text.
    """
    if not _IDENT.match(name):
        raise ValueError(f"{name!r} cannot be used as a Cypher name")
    return f"`{name}`"


def _label(name: str | None) -> str:
    """A schema label (or the common label, for ``None``), checked and quoted."""
    if name is None:
        return ident(NODE_LABEL)
    return ident(schema().label(name).name)


def _rel(name: str) -> str:
    return ident(schema().rel(name).name)


def _link(name: str) -> str:
    """A ``one_per_source`` relationship type (a record's links), checked and quoted."""
    if not schema().rel(name).one_per_source:
        raise ValueError(f"{name} is not a one_per_source relationship")
    return ident(name)


def _lit(value: str) -> str:
    """A bookkeeping constant (a journal kind, a status) as a string literal."""
    if not _IDENT.match(value):
        raise ValueError(f"{value!r} cannot be used as a Cypher literal")
    return f"'{value}'"


def check_direction(direction: str) -> None:
    """Refuse anything but ``out``, ``in`` and ``both``."""
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be out, in or both, not {direction!r}")


# -- schema objects ---------------------------------------------------------------------


@cache
def uid_constraint(label: str | None) -> Statement:
    """Unique ``uid`` for one label, or for the common label when ``label`` is None."""
    name = label or NODE_LABEL
    return _stmt(
        f"uid_constraint:{name}",
        f"CREATE CONSTRAINT {ident(f'{PREFIX}_{name}_uid')} IF NOT EXISTS "
        f"FOR (n:{_label(label)}) REQUIRE n.uid IS UNIQUE",
    )


@cache
def property_index(label: str, prop: str) -> Statement:
    """A range index on a property the schema marks ``index: true``."""
    if prop not in schema().label(label).properties:
        raise ValueError(f"{label} has no property {prop!r}")
    return _range_index("property_index", label, (prop,))


@cache
def compound_index(label: str, props: tuple[str, ...]) -> Statement:
    """A composite range index the schema declares (``indexes`` of a label)."""
    if props not in schema().label(label).indexes:
        raise ValueError(f"{label} declares no index on {props!r}")
    return _range_index("compound_index", label, props)


@cache
def retired_index(label: str, prop: str) -> Statement:
    """Dropping the index of a property the schema retired (``retired_indexes`` of a
    label), from a database made with it."""
    if prop not in schema().label(label).retired_indexes:
        raise ValueError(f"{label} retires no index on {prop!r}")
    return _stmt(f"retired_index:{label}.{prop}",
                 f"DROP INDEX {ident(f'{PREFIX}_{label}_{prop}')} IF EXISTS")


def _range_index(kind: str, label: str, props: tuple[str, ...]) -> Statement:
    return _stmt(
        f"{kind}:{label}.{'.'.join(props)}",
        f"CREATE INDEX {ident(f'{PREFIX}_{label}_' + '_'.join(props))} IF NOT EXISTS "
        f"FOR (n:{_label(label)}) ON ({', '.join(f'n.{ident(p)}' for p in props)})",
    )


@cache
def await_indexes() -> Statement:
    """Wait until new indexes are online, so the first load after them uses them."""
    return _stmt("await_indexes", "CALL db.awaitIndexes($timeout)", "timeout")


#: bookkeeping properties that are unique, and those that are indexed
BOOKKEEPING_UNIQUE = ((LOAD_LABEL, "load_id"), (LOAD_LABEL, "seq"), (SEQUENCE_LABEL, "name"),
                      (META_LABEL, "name"), (CHANGE_LABEL, "pos"), (CHANGELOG_LABEL, "name"))
BOOKKEEPING_INDEXED = ((JOURNAL_LABEL, "seq"), (JOURNAL_LABEL, "ref"), (JOURNAL_LABEL, "dst"))


@cache
def bookkeeping_constraint(label: str, prop: str) -> Statement:
    """A uniqueness constraint of the store's own bookkeeping (load ids and sequence)."""
    if (label, prop) not in BOOKKEEPING_UNIQUE:
        raise ValueError(f"{label}.{prop} is not a unique bookkeeping property")
    return _stmt(
        f"bookkeeping_constraint:{label}.{prop}",
        f"CREATE CONSTRAINT {ident(f'{PREFIX}_{label}_{prop}')} IF NOT EXISTS "
        f"FOR (n:{ident(label)}) REQUIRE n.{ident(prop)} IS UNIQUE",
    )


@cache
def bookkeeping_index(label: str, prop: str) -> Statement:
    """A range index of the load journal (by load, by node or edge source, by target)."""
    if (label, prop) not in BOOKKEEPING_INDEXED:
        raise ValueError(f"{label}.{prop} is not an indexed bookkeeping property")
    return _stmt(
        f"bookkeeping_index:{label}.{prop}",
        f"CREATE INDEX {ident(f'{PREFIX}_{label}_{prop}')} IF NOT EXISTS "
        f"FOR (n:{ident(label)}) ON (n.{ident(prop)})",
    )


def schema_statements() -> list[Statement]:
    """Constraints and indexes, all derived from the schema, in a fixed order, then those
    of the store's bookkeeping."""
    for name in BOOKKEEPING["labels"]:
        if name in schema().labels:
            raise ValueError(f"the schema may not define the label {name!r}: the Neo4j store uses it")
    out = [uid_constraint(None)]
    for label in schema().labels.values():
        out.append(uid_constraint(label.name))
        out.extend(property_index(label.name, prop) for prop in label.indexed())
        out.extend(compound_index(label.name, props) for props in label.indexes)
        out.extend(retired_index(label.name, prop) for prop in label.retired_indexes)
    out += [bookkeeping_constraint(*pair) for pair in BOOKKEEPING_UNIQUE]
    out += [bookkeeping_index(*pair) for pair in BOOKKEEPING_INDEXED]
    return out


# -- writes -----------------------------------------------------------------------------


def _add_source(var: str) -> str:
    """``SET`` item adding ``row.source`` (a string, or null outside a load) to the
    ``_sources`` list of ``var`` unless it is there already; null leaves it as it is."""
    sources = f"{var}.{ident(SOURCES)}"
    return (
        f"{sources} = CASE WHEN row.source IS NULL OR row.source IN coalesce({sources}, []) "
        f"THEN {sources} ELSE coalesce({sources}, []) + row.source END"
    )


@cache
def merge_nodes(label: str) -> Statement:
    """Create or merge nodes: ``$rows`` holds ``{uid, props, source}`` maps (props without
    nulls; source the row's provenance entry, or null)."""
    return _stmt(
        f"merge_nodes:{label}",
        f"UNWIND $rows AS row MERGE (n:{_label(label)} {{uid: row.uid}}) "
        f"SET n += row.props, n:{_label(None)}, {_add_source('n')}",
        "rows",
    )


@cache
def missing_nodes() -> Statement:
    """The uids among ``$uids`` that name no node."""
    return _stmt(
        "missing_nodes",
        f"UNWIND $uids AS uid OPTIONAL MATCH (n:{_label(None)} {{uid: uid}}) "
        f"WITH uid, n WHERE n IS NULL RETURN uid",
        "uids",
    )


@cache
def merge_edges(rel_type: str) -> Statement:
    """Create or merge edges: ``$rows`` holds ``{src, dst, props, source}`` maps.
    (Links of ``one_per_source`` types are written by :func:`merge_links`.)"""
    node = _label(None)
    if schema().rel(rel_type).one_per_source:
        raise ValueError(f"{rel_type} is a one_per_source relationship: see merge_links")
    return _stmt(
        f"merge_edges:{rel_type}",
        f"UNWIND $rows AS row MATCH (a:{node} {{uid: row.src}}) MATCH (b:{node} {{uid: row.dst}}) "
        f"MERGE (a)-[r:{_rel(rel_type)}]->(b) SET r += row.props, {_add_source('r')}",
        "rows",
    )


@cache
def merge_links(rel_type: str) -> Statement:
    """Set the one link of a ``one_per_source`` type from each source: ``$rows`` holds
    ``{src, dst}`` maps, one per source; a link of the type to any other target is
    deleted (a new one replaces it).  A link is part of its source's row, whose
    ``_sources`` are its provenance: it has no properties of its own."""
    node, rel = _label(None), _link(rel_type)
    return _stmt(
        f"merge_links:{rel_type}",
        f"UNWIND $rows AS row MATCH (a:{node} {{uid: row.src}}) MATCH (b:{node} {{uid: row.dst}}) "
        f"OPTIONAL MATCH (a)-[old:{rel}]->(other) WHERE other <> b "
        f"WITH a, b, collect(old) AS replaced FOREACH (r IN replaced | DELETE r) "
        f"MERGE (a)-[:{rel}]->(b)",
        "rows",
    )


@cache
def delete_nodes() -> Statement:
    return _stmt(
        "delete_nodes",
        f"UNWIND $uids AS uid MATCH (n:{_label(None)} {{uid: uid}}) DETACH DELETE n",
        "uids",
    )


@cache
def delete_all() -> Statement:
    """Everything in the database, loads and journal included (for tests on a shared
    server), but the store's own facts: their version counts on (an answer cached at an
    earlier version must never match again), the secret fingerprint is forgotten."""
    meta, log, change = ident(META_LABEL), ident(CHANGELOG_LABEL), ident(CHANGE_LABEL)
    # The change log is marked trimmed to its end; its entries go a batch per later write
    # (trim_changes), so that emptying a large store fits the transaction memory as before.
    return _stmt("delete_all", f"MATCH (n) WHERE NOT n:{meta} AND NOT n:{log} AND NOT n:{change} "
                               f"DETACH DELETE n "
                               f"WITH count(*) AS gone MATCH {_META} REMOVE m.secret_fingerprint "
                               f"WITH count(*) AS done OPTIONAL MATCH {_LOG} SET l.trimmed = l.last")


# -- the change log ----------------------------------------------------------------------

_LOG = f"(l:{ident(CHANGELOG_LABEL)} {{name: {_lit('changes')}}})"
_CHANGE = ident(CHANGE_LABEL)


@cache
def log_changes() -> Statement:
    """Append ``$rows`` (``{uid, about, gone}`` maps, in order) to the change log, at the
    positions after the last; the ChangeLog node's write lock is held to commit, so no
    other transaction takes positions before this one commits."""
    return _stmt(
        "log_changes",
        f"MERGE {_LOG} SET l.last = coalesce(l.last, 0) + size($rows) "
        f"WITH l.last - size($rows) AS base UNWIND range(0, size($rows) - 1) AS i "
        f"WITH base + i + 1 AS pos, $rows[i] AS row "
        f"CREATE (:{_CHANGE} {{pos: pos, at: $at, load_id: $load_id, op: $op, uid: row.uid, "
        f"about: row.about, gone: row.gone}})",
        "rows", "at", "load_id", "op",
    )


#: change-log entries deleted per write transaction at most: the server's transaction
#: memory is bounded, and entries past the trim mark are never read again anyway
TRIM_BATCH = 10_000


@cache
def trim_changes() -> Statement:
    """Mark the entries past the ``$keep`` newest as trimmed, and delete up to ``$batch``
    of those marked (readers never see them: :func:`changes_after` asks after a position
    at or past the mark, or is told the entries went)."""
    return _stmt(
        "trim_changes",
        f"MATCH {_LOG} WITH l, coalesce(l.trimmed, 0) AS was "
        f"WITH l, CASE WHEN l.last - $keep > was THEN l.last - $keep ELSE was END AS cut "
        f"SET l.trimmed = cut WITH cut MATCH (c:{_CHANGE}) WHERE c.pos <= cut "
        f"WITH c LIMIT $batch DELETE c",
        "keep", "batch",
    )


@cache
def changes_after() -> Statement:
    """Up to ``$limit`` entries after ``$after``, a record's subject read from its ABOUT
    link while it exists."""
    return _stmt(
        "changes_after",
        f"MATCH (c:{_CHANGE}) WHERE c.pos > $after WITH c ORDER BY c.pos LIMIT $limit "
        f"OPTIONAL MATCH (n:{_label(None)} {{uid: c.uid}})-[:{ident(ABOUT)}]->(s) "
        f"WHERE c.gone IS NULL "
        f"RETURN c.pos AS pos, c.at AS at, c.load_id AS load_id, c.op AS op, c.uid AS uid, "
        f"coalesce(c.about, s.uid) AS about, c.gone AS gone ORDER BY pos",
        "after", "limit",
    )


@cache
def changes_of() -> Statement:
    """Up to ``$limit`` entries after ``$after`` and up to ``$hi`` whose uid starts with
    one of ``$prefixes`` ("<Label>:"), or, when ``$gone``, of a node that went; a record's
    subject as in :func:`changes_after`."""
    return _stmt(
        "changes_of",
        f"MATCH (c:{_CHANGE}) WHERE c.pos > $after AND c.pos <= $hi "
        f"AND (any(p IN $prefixes WHERE c.uid STARTS WITH p) OR ($gone AND c.gone IS NOT NULL)) "
        f"WITH c ORDER BY c.pos LIMIT $limit "
        f"OPTIONAL MATCH (n:{_label(None)} {{uid: c.uid}})-[:{ident(ABOUT)}]->(s) "
        f"WHERE c.gone IS NULL "
        f"RETURN c.pos AS pos, c.at AS at, c.load_id AS load_id, c.op AS op, c.uid AS uid, "
        f"coalesce(c.about, s.uid) AS about, c.gone AS gone ORDER BY pos",
        "after", "hi", "prefixes", "gone", "limit",
    )


@cache
def change_log() -> Statement:
    """The last position and the last one trimmed away (no row before the first entry)."""
    return _stmt("change_log", f"MATCH {_LOG} RETURN l.last AS last, l.trimmed AS trimmed")


@cache
def nodes_going() -> Statement:
    """Nodes among ``$uids`` as they are before they go: props and subject."""
    return _stmt(
        "nodes_going",
        f"UNWIND $uids AS uid MATCH (n:{_label(None)} {{uid: uid}}) "
        f"OPTIONAL MATCH (n)-[:{ident(ABOUT)}]->(s) "
        f"RETURN n.uid AS uid, properties(n) AS props, s.uid AS about ORDER BY uid",
        "uids",
    )


@cache
def journal_created_nodes() -> Statement:
    """The uids of the nodes load ``$seq`` created."""
    return _stmt(
        "journal_created_nodes",
        f"MATCH (j:{_JOURNAL} {{seq: $seq, kind: {_NODE_KIND}}}) WHERE j.old IS NULL "
        f"RETURN j.ref AS uid",
        "seq",
    )


# -- provenance: loads and their journal ------------------------------------------------

_LOAD, _JOURNAL = ident(LOAD_LABEL), ident(JOURNAL_LABEL)
_NODE_KIND, _EDGE_KIND = _lit(NODE_KIND), _lit(EDGE_KIND)


@cache
def next_load_seq() -> Statement:
    """The next load sequence number. Its write lock on the one sequence node is held to
    the end of the transaction, so loads and undos run one at a time, in seq order."""
    return _stmt(
        "next_load_seq",
        f"MERGE (c:{ident(SEQUENCE_LABEL)} {{name: {_lit('loads')}}}) "
        f"SET c.seq = coalesce(c.seq, 0) + 1 RETURN c.seq AS seq",
    )


@cache
def load_status() -> Statement:
    """Status and seq of the load ``$load_id`` (no row when there is none)."""
    return _stmt(
        "load_status",
        f"MATCH (l:{_LOAD} {{load_id: $load_id}}) RETURN l.status AS status, l.seq AS seq",
        "load_id",
    )


@cache
def record_load() -> Statement:
    """Record a committed load (reusing the node of an undone one with the same id)."""
    return _stmt(
        "record_load",
        f"MERGE (l:{_LOAD} {{load_id: $load_id}}) "
        f"SET l.info = $info, l.status = {_lit(COMMITTED)}, l.seq = $seq",
        "load_id", "info", "seq",
    )


@cache
def loads() -> Statement:
    return _stmt(
        "loads",
        f"MATCH (l:{_LOAD}) RETURN l.info AS info, l.status AS status ORDER BY l.seq",
    )


@cache
def journal_nodes() -> Statement:
    """The props (null: no such node) of the nodes among ``$uids`` that load ``$seq`` has
    not journaled yet: read before the load first writes them."""
    return _stmt(
        "journal_nodes",
        f"UNWIND $uids AS uid OPTIONAL MATCH (n:{_label(None)} {{uid: uid}}) "
        f"WITH uid, n WHERE NOT EXISTS {{ MATCH (j:{_JOURNAL} {{ref: uid}}) "
        f"WHERE j.seq = $seq AND j.kind = {_NODE_KIND} }} "
        f"RETURN uid, properties(n) AS old",
        "uids", "seq",
    )


@cache
def journal_edges(rel_type: str) -> Statement:
    """Like :func:`journal_nodes` for the edges ``$pairs`` (``{src, dst}`` maps) of one type."""
    rel, node = _rel(rel_type), _label(None)
    return _stmt(
        f"journal_edges:{rel_type}",
        f"UNWIND $pairs AS pair WITH pair WHERE NOT EXISTS {{ "
        f"MATCH (j:{_JOURNAL} {{ref: pair.src}}) WHERE j.seq = $seq AND j.kind = {_EDGE_KIND} "
        f"AND j.dst = pair.dst AND j.rel_type = {_lit(schema().rel(rel_type).name)} }} "
        f"OPTIONAL MATCH (:{node} {{uid: pair.src}})-[r:{rel}]->(:{node} {{uid: pair.dst}}) "
        f"RETURN pair.src AS src, pair.dst AS dst, properties(r) AS old",
        "pairs", "seq",
    )


@cache
def link_targets(rel_type: str) -> Statement:
    """For each of ``$uids``: the targets of its links of a ``one_per_source`` type now, to
    tell which links a write changes (only those are journaled, with their source node)."""
    return _stmt(
        f"link_targets:{rel_type}",
        f"UNWIND $uids AS uid MATCH (a:{_label(None)} {{uid: uid}}) "
        f"RETURN uid, [(a)-[:{_link(rel_type)}]->(x) | x.uid] AS targets",
        "uids",
    )


@cache
def journal_add() -> Statement:
    """Journal entries of load ``$seq``: ``$entries`` holds ``{kind, ref, dst, rel_type,
    old}`` maps (dst and rel_type null for nodes; old null for what the load creates)."""
    return _stmt(
        "journal_add",
        f"UNWIND $entries AS e CREATE (j:{_JOURNAL} {{seq: $seq, kind: e.kind, ref: e.ref}}) "
        f"SET j.dst = e.dst, j.rel_type = e.rel_type, j.old = e.old",
        "entries", "seq",
    )


def _later(match: str) -> str:
    """A branch of :func:`later_loads`: ``match`` binds ``j2``, a later journal entry."""
    return (
        f"{match} WITH DISTINCT j2.seq AS s MATCH (l:{_LOAD} {{seq: s}}) "
        f"WHERE l.status = {_lit(COMMITTED)} RETURN l.seq AS seq, l.load_id AS load_id"
    )


@cache
def later_loads() -> Statement:
    """Committed loads after load ``$seq`` that build on it: that wrote a node or edge it
    wrote, or an edge from or to a node it created."""
    created = f"MATCH (j1:{_JOURNAL} {{seq: $seq, kind: {_NODE_KIND}}}) WHERE j1.old IS NULL"
    return _stmt(
        "later_loads",
        " UNION ".join([
            _later(f"MATCH (j1:{_JOURNAL} {{seq: $seq}}) MATCH (j2:{_JOURNAL} {{ref: j1.ref}}) "
                   f"WHERE j2.seq > $seq AND j2.kind = j1.kind AND (j1.kind = {_NODE_KIND} "
                   f"OR (j2.dst = j1.dst AND j2.rel_type = j1.rel_type))"),
            _later(f"{created} MATCH (j2:{_JOURNAL} {{ref: j1.ref, kind: {_EDGE_KIND}}}) "
                   f"WHERE j2.seq > $seq"),
            _later(f"{created} MATCH (j2:{_JOURNAL} {{dst: j1.ref}}) WHERE j2.seq > $seq"),
        ]),
        "seq",
    )


@cache
def journal_changed() -> Statement:
    """The entries of load ``$seq`` for what it changed (not created), with the old props."""
    return _stmt(
        "journal_changed",
        f"MATCH (j:{_JOURNAL} {{seq: $seq}}) WHERE j.old IS NOT NULL "
        f"RETURN j.kind AS kind, j.ref AS ref, j.dst AS dst, j.rel_type AS rel_type, j.old AS old",
        "seq",
    )


@cache
def restore_nodes() -> Statement:
    """Give nodes back their old props: ``$rows`` holds ``{uid, props}`` maps."""
    return _stmt(
        "restore_nodes",
        f"UNWIND $rows AS row MATCH (n:{_label(None)} {{uid: row.uid}}) "
        f"SET n = row.props, n.uid = row.uid RETURN count(n) AS count",
        "rows",
    )


@cache
def restore_edges() -> Statement:
    """Give edges back their old props: ``$rows`` holds ``{src, dst, rel_type, props}`` maps."""
    node = _label(None)
    return _stmt(
        "restore_edges",
        f"UNWIND $rows AS row MATCH (:{node} {{uid: row.src}})-[r]->(:{node} {{uid: row.dst}}) "
        f"WHERE type(r) = row.rel_type SET r = row.props RETURN count(r) AS count",
        "rows",
    )


@cache
def restore_links(rel_type: str) -> Statement:
    """Give back the links of a ``one_per_source`` type that a load replaced: ``$rows``
    holds ``{src, dst}`` maps (the load deleted them, so they are created again)."""
    node = _label(None)
    return _stmt(
        f"restore_links:{rel_type}",
        f"UNWIND $rows AS row MATCH (a:{node} {{uid: row.src}}) MATCH (b:{node} {{uid: row.dst}}) "
        f"MERGE (a)-[r:{_link(rel_type)}]->(b) RETURN count(r) AS count",
        "rows",
    )


@cache
def delete_created_edges() -> Statement:
    """Delete the edges load ``$seq`` created."""
    node = _label(None)
    return _stmt(
        "delete_created_edges",
        f"MATCH (j:{_JOURNAL} {{seq: $seq, kind: {_EDGE_KIND}}}) WHERE j.old IS NULL "
        f"MATCH (:{node} {{uid: j.ref}})-[r]->(:{node} {{uid: j.dst}}) WHERE type(r) = j.rel_type "
        f"DELETE r RETURN count(r) AS count",
        "seq",
    )


@cache
def delete_created_nodes() -> Statement:
    """Delete the nodes load ``$seq`` created (after its edges: only edges written outside
    any load can still touch them, and go with them)."""
    return _stmt(
        "delete_created_nodes",
        f"MATCH (j:{_JOURNAL} {{seq: $seq, kind: {_NODE_KIND}}}) WHERE j.old IS NULL "
        f"MATCH (n:{_label(None)} {{uid: j.ref}}) DETACH DELETE n RETURN count(n) AS count",
        "seq",
    )


@cache
def forget_journal() -> Statement:
    return _stmt("forget_journal", f"MATCH (j:{_JOURNAL} {{seq: $seq}}) DELETE j", "seq")


@cache
def mark_undone() -> Statement:
    return _stmt(
        "mark_undone",
        f"MATCH (l:{_LOAD} {{load_id: $load_id}}) SET l.status = {_lit(UNDONE)}",
        "load_id",
    )


# -- the store's own facts ---------------------------------------------------------------

_META = f"(m:{ident(META_LABEL)} {{name: {_lit('store')}}})"


@cache
def secret_fingerprint() -> Statement:
    """The fingerprint of the store's secret (no row, or null, while none is recorded)."""
    return _stmt("secret_fingerprint",
                 f"MATCH {_META} RETURN m.secret_fingerprint AS fingerprint")


@cache
def record_secret_fingerprint() -> Statement:
    """Record ``$fingerprint`` unless one is recorded; the one recorded.  The node is
    unique by name (a constraint), so of two transactions merging it one waits for the
    other and then sees its value."""
    return _stmt(
        "record_secret_fingerprint",
        f"MERGE {_META} SET m.secret_fingerprint = coalesce(m.secret_fingerprint, $fingerprint) "
        f"RETURN m.secret_fingerprint AS fingerprint",
        "fingerprint",
    )


@cache
def bump_version() -> Statement:
    """Count a write transaction: the last statement of every one that writes, so the
    version answer caches are keyed by (:meth:`Store.version`) changes with every commit,
    and a rolled-back transaction takes its bump back with it."""
    return _stmt("bump_version", f"MERGE {_META} SET m.version = coalesce(m.version, 0) + 1")


@cache
def store_version() -> Statement:
    """The count of write transactions (no row, or null, before the first)."""
    return _stmt("store_version", f"MATCH {_META} RETURN m.version AS version")


# -- reads ------------------------------------------------------------------------------


@cache
def get_nodes() -> Statement:
    return _stmt(
        "get_nodes",
        f"UNWIND $uids AS uid MATCH (n:{_label(None)} {{uid: uid}}) "
        f"RETURN n.uid AS uid, properties(n) AS props",
        "uids",
    )


def _pattern(rel: str, direction: str, near: str, r: str, far: str) -> str:
    left, right = {"out": ("-", "->"), "in": ("<-", "-"), "both": ("-", "-")}[direction]
    return f"({near}){left}[{r}:{rel}]{right}({far})"


def traversal_types(rel_types: Sequence[str] | None = None) -> list[str]:
    """The traversal relationship types asked for (all of them for None), checked."""
    graph = schema().graph_rel_types()
    if rel_types is None:
        return list(graph)
    for t in rel_types:
        if t not in graph:
            schema().rel(t)
            raise ValueError(f"{t} is not a traversal relationship (its records stay in the store)")
    return list(dict.fromkeys(rel_types))


@cache
def neighbours(direction: Direction, capped: bool) -> Statement:
    """One hop from each of ``$uids`` along the traversal types named in ``$types``, in one
    round trip.

    Returns one row per node found: its uid, and for the i-th traversal type of the
    schema ``degree_i``, its full degree for the type (a count-store lookup; 0 when the
    type is not asked for), and ``edges_i``, its edges as ``[src, dst, props]`` in far-end
    uid order, at most ``$limit`` of them when ``capped``.
    """
    check_direction(direction)
    columns = []
    for i, t in enumerate(schema().graph_rel_types()):
        rel, asked = _rel(t), f"{_lit(t)} IN $types"
        # startNode/endNode give the stored direction also when the pattern is undirected;
        # the second sort key keeps A->B and B->A between the same pair in a fixed order.
        columns += [
            f"CASE WHEN {asked} THEN COUNT {{ {_pattern(rel, direction, 'n', '', '')} }} "
            f"ELSE 0 END AS degree_{i}",
            f"CASE WHEN {asked} THEN COLLECT {{ MATCH {_pattern(rel, direction, 'n', 'r', 'm')} "
            f"WITH r, m ORDER BY m.uid, startNode(r).uid {'LIMIT $limit ' if capped else ''}"
            f"RETURN [startNode(r).uid, endNode(r).uid, properties(r)] }} ELSE [] END AS edges_{i}",
        ]
    return _stmt(
        f"neighbours:{direction}:{'capped' if capped else 'all'}",
        f"UNWIND $uids AS uid MATCH (n:{_label(None)} {{uid: uid}}) "
        f"RETURN n.uid AS uid, {', '.join(columns)}",
        *(("uids", "types", "limit") if capped else ("uids", "types")),
    )


@cache
def records_about() -> Statement:
    """Record nodes about each of ``$uids``; ``$labels`` (a list or null) filters them."""
    return _stmt(
        "records_about",
        f"UNWIND $uids AS uid MATCH (s:{_label(None)} {{uid: uid}})<-[:{_rel(ABOUT)}]-(rec) "
        f"WHERE $labels IS NULL OR any(l IN labels(rec) WHERE l IN $labels) "
        f"RETURN uid, rec.uid AS rec_uid, properties(rec) AS props ORDER BY uid, rec_uid",
        "uids", "labels",
    )


@cache
def record_facets() -> Statement:
    """The distinct (label, values of ``$props``) among the records about each of
    ``$uids`` (:meth:`graph_model.store.port.Store.record_facets`)."""
    return _stmt(
        "record_facets",
        f"UNWIND $uids AS uid MATCH (s:{_label(None)} {{uid: uid}})<-[:{_rel(ABOUT)}]-(rec) "
        f"RETURN DISTINCT uid, split(rec.uid, ':')[0] AS label, [p IN $props | rec[p]] AS vals",
        "uids", "props",
    )


#: a date stored as ISO text, as ``Store.point_entries_about`` reads one
ISO_DAY_REGEX = "(?s)[0-9]{4}-[0-9]{2}-[0-9]{2}.*"


@cache
def point_entries_about() -> Statement:
    """The point entries about each of ``$uids`` whose scheme is in ``$schemes``, leaving
    out (when ``$occurred_by`` or ``$valid_on`` is not null) those that occurred after
    ``$occurred_by`` or are valid only to a day before ``$valid_on``, as ISO text: each
    with all its properties (``props``) while ``$props`` is null, else only the values of
    the properties ``$props`` names, in its order (``vals``; null for one it lacks)."""
    props = schema().label("PointEntry").properties

    def kept(prop: str, bound: str, op: str) -> str:
        # (CASE: Cypher's OR may evaluate every side, and only text is an ISO day; a
        # value of another type, a list too, is kept)
        if prop not in props:
            raise ValueError(f"PointEntry has no property {prop!r}")
        value = f"rec.{ident(prop)}"
        return (f"(${bound} IS NULL OR CASE WHEN {value} IS :: STRING NOT NULL AND {value} =~ $iso "
                f"THEN substring({value}, 0, 10) {op} ${bound} ELSE true END)")

    return _stmt(
        "point_entries_about",
        f"UNWIND $uids AS uid MATCH (s:{_label(None)} {{uid: uid}})<-[:{_rel(ABOUT)}]-"
        f"(rec:{_label('PointEntry')}) WHERE rec.{ident('scheme')} IN $schemes "
        f"AND {kept('valid_to', 'valid_on', '>=')} AND {kept('occurred_on', 'occurred_by', '<=')} "
        f"RETURN uid, rec.uid AS rec_uid, CASE WHEN $props IS NULL THEN properties(rec) END AS props, "
        f"[p IN coalesce($props, []) | rec[p]] AS vals ORDER BY uid, rec_uid",
        "uids", "schemes", "occurred_by", "valid_on", "iso", "props",
    )


@cache
def records_matching() -> Statement:
    """The records about each of ``$uids`` that ``$tests`` keeps
    (:meth:`graph_model.store.port.Store.records_matching`): one map per label read,
    ``{label, all, alts}``, ``all`` for every record of the label, else ``alts``, one map
    per ``RecordMatch`` of its terms: ``absent`` (property names), ``where`` and
    ``contains`` (``{prop, values}``), ``at_least`` (``{prop, low}``); and ``props``, the
    names of the properties returned (their values ``vals``, in the order of ``names``;
    null: every property, ``props``).  A term leaves a record out only on a value of the
    type it names (a string, an integer) or, for ``absent``, on a value other than the
    empty string; so the type predicates (``IS :: STRING``, from Neo4j 5.9)."""
    return _stmt(
        "records_matching",
        f"UNWIND $uids AS uid MATCH (s:{_label(None)} {{uid: uid}})<-[:{_rel(ABOUT)}]-(rec) "
        f"WITH uid, rec, [t IN $tests WHERE t.label IN labels(rec)] AS mine "
        f"WHERE any(t IN mine WHERE t.all OR any(a IN t.alts WHERE "
        f"all(p IN a.absent WHERE rec[p] IS NULL OR rec[p] = '') "
        f"AND all(w IN a.where WHERE NOT (rec[w.prop] IS :: STRING NOT NULL) "
        f"OR rec[w.prop] IN w.values) "
        f"AND all(c IN a.contains WHERE NOT (rec[c.prop] IS :: STRING NOT NULL) "
        f"OR any(x IN c.values WHERE rec[c.prop] CONTAINS x)) "
        f"AND all(n IN a.at_least WHERE NOT (rec[n.prop] IS :: INTEGER NOT NULL) "
        f"OR toFloatOrNull(rec[n.prop]) >= n.low))) "
        f"WITH uid, rec, mine[0].props AS names "
        f"RETURN uid, rec.uid AS rec_uid, CASE WHEN names IS NULL THEN properties(rec) END AS props, "
        f"names, [p IN coalesce(names, []) | rec[p]] AS vals ORDER BY uid, rec_uid",
        "uids", "tests",
    )


def find_leads(label: str) -> list[str | None]:
    """The lead predicates :func:`find_nodes` can be built with for ``label``.

    ``None`` (no lead), ``"uid"`` (the key property was given: an exact uid lookup) or an
    indexed property; every other filter goes in ``$rest``.
    """
    return [None, "uid", *schema().label(label).indexed()]


@cache
def find_nodes(label: str, lead: str | None) -> Statement:
    """Nodes of ``label`` in uid order after ``$after``, each filter a list of allowed values.

    One filter (``lead``) is spelled out so that Neo4j can use its index; the others are
    matched through the ``$rest`` map (lists of values), ``$ranges`` (``[lo, hi]``,
    both included: the port's ``Between``) and ``$nones`` (missing or none of the values:
    ``NoneOf``).  That keeps the number of distinct texts to one per lead instead of one
    per combination of filters, so all of them can be checked.  ``$after`` is ``""`` for
    the first page: every uid sorts after it, and the range predicate lets the planner
    walk the uid index in order.
    """
    if lead not in find_leads(label):
        raise ValueError(f"{label}: {lead!r} is not an indexed property")
    first = "" if lead is None else f"n.{ident(lead)} IN $value AND "
    params = ("after", "rest", "ranges", "nones", "limit")
    return _stmt(
        f"find_nodes:{label}:{lead or '-'}",
        f"MATCH (n:{_label(label)}) "
        f"WHERE {first}n.uid > $after AND all(k IN keys($rest) WHERE n[k] IN $rest[k]) "
        f"AND all(k IN keys($ranges) WHERE n[k] >= $ranges[k][0] AND n[k] <= $ranges[k][1]) "
        f"AND all(k IN keys($nones) WHERE n[k] IS NULL OR NOT n[k] IN $nones[k]) "
        f"RETURN n.uid AS uid, properties(n) AS props ORDER BY n.uid LIMIT $limit",
        *(params if lead is None else ("value", *params)),
    )


@cache
def text_values(label: str, prop: str) -> Statement:
    """Every text value of an indexed property among the nodes of ``label``
    (``Store.text_values``): the values alone, through the property's index, not each
    node's properties (the objections' ``record``: thousands of nodes)."""
    if prop not in schema().label(label).indexed():
        raise ValueError(f"{label}: {prop!r} is not an indexed property")
    return _stmt(
        f"text_values:{label}:{prop}",
        f"MATCH (n:{_label(label)}) WHERE n.{ident(prop)} IS :: STRING NOT NULL "
        f"RETURN collect(DISTINCT n.{ident(prop)}) AS values",
    )


@cache
def count_nodes(label: str | None) -> Statement:
    """Nodes of one label, or all creditkb nodes (a count-store lookup either way)."""
    return _stmt(
        f"count_nodes:{label or NODE_LABEL}",
        f"MATCH (n:{_label(label)}) RETURN count(n) AS count",
    )


@cache
def count_edges(rel_type: str | None) -> Statement:
    """Edges of one type, or of all types (a count-store lookup either way)."""
    typed = f":{_rel(rel_type)}" if rel_type else ""
    return _stmt(
        f"count_edges:{rel_type or '*'}",
        f"MATCH ()-[r{typed}]->() RETURN count(r) AS count",
    )


def all_statements() -> list[Statement]:
    """Every statement the adapter can send, for every label and type of the schema."""
    s = schema()
    out = [*schema_statements(), await_indexes()]
    out += [merge_nodes(lab) for lab in s.labels]
    links = s.link_rel_types()
    out += [missing_nodes(), *(merge_edges(t) for t in s.relationships if t not in links)]
    out += [*(merge_links(t) for t in links), *(link_targets(t) for t in links),
            *(restore_links(t) for t in links)]
    out += [delete_nodes(), delete_all(), get_nodes(), records_about(), record_facets(),
            point_entries_about(), records_matching()]
    out += [next_load_seq(), load_status(), record_load(), loads(), journal_nodes(),
            *(journal_edges(t) for t in s.relationships), journal_add(), later_loads(),
            journal_changed(), restore_nodes(), restore_edges(), delete_created_edges(),
            delete_created_nodes(), forget_journal(), mark_undone()]
    out += [secret_fingerprint(), record_secret_fingerprint(), bump_version(), store_version()]
    out += [log_changes(), trim_changes(), changes_after(), change_log(), nodes_going(),
            journal_created_nodes()]
    out += [neighbours(d, capped) for d in DIRECTIONS for capped in (True, False)]
    out += [find_nodes(lab, lead) for lab in s.labels for lead in find_leads(lab)]
    out += [text_values(lab, p) for lab in s.labels for p in s.label(lab).indexed()]
    out += [count_nodes(None), *(count_nodes(lab) for lab in s.labels)]
    out += [count_edges(None), *(count_edges(t) for t in s.relationships)]
    return out
