"""Every Cypher statement the Neo4j adapter sends, built from the schema.

Statement text names labels, relationship types and property keys, which Cypher cannot
take as parameters; those names come only from :func:`graph_model.schema.schema` and are
checked and backtick-quoted here.  Values always travel as parameters.

Each builder returns a :class:`Statement` and is cached, so the adapter and
:func:`all_statements` (which feeds the offline check in ``tools/cypher-lint``) share the
very same text: the checked list cannot drift from what is sent.

The statements keep to Cypher that Neo4j 5 (from 5.6, for ``COUNT {}`` and
``COLLECT {}``) and Cypher 25 both accept; the offline check parses them as both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Literal

from graph_model.schema import schema

#: the label every creditkb node carries besides its own, so an edge or a lookup can find
#: a node by uid alone, whatever its label
NODE_LABEL = "Node"
#: the relationship type that ties a record to its subject (see ``Store.records_about``)
ABOUT = "ABOUT"
#: prefix of the names of the constraints and indexes creditkb creates
PREFIX = "creditkb"
DIRECTIONS = ("out", "in", "both")

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
    return _stmt(
        f"property_index:{label}.{prop}",
        f"CREATE INDEX {ident(f'{PREFIX}_{label}_{prop}')} IF NOT EXISTS "
        f"FOR (n:{_label(label)}) ON (n.{ident(prop)})",
    )


@cache
def await_indexes() -> Statement:
    """Wait until new indexes are online, so the first load after them uses them."""
    return _stmt("await_indexes", "CALL db.awaitIndexes($timeout)", "timeout")


def schema_statements() -> list[Statement]:
    """Constraints and indexes, all derived from the schema, in a fixed order."""
    if NODE_LABEL in schema().labels:
        raise ValueError(f"the schema may not define the label {NODE_LABEL!r}: the Neo4j store uses it")
    out = [uid_constraint(None)]
    for label in schema().labels.values():
        out.append(uid_constraint(label.name))
        out.extend(property_index(label.name, prop) for prop in label.indexed())
    return out


# -- writes -----------------------------------------------------------------------------


@cache
def merge_nodes(label: str) -> Statement:
    """Create or merge nodes: ``$rows`` holds ``{uid, props}`` maps (props without nulls)."""
    return _stmt(
        f"merge_nodes:{label}",
        f"UNWIND $rows AS row MERGE (n:{_label(label)} {{uid: row.uid}}) "
        f"SET n += row.props, n:{_label(None)}",
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
    """Create or merge edges: ``$rows`` holds ``{src, dst, props}`` maps."""
    node = _label(None)
    return _stmt(
        f"merge_edges:{rel_type}",
        f"UNWIND $rows AS row MATCH (a:{node} {{uid: row.src}}) MATCH (b:{node} {{uid: row.dst}}) "
        f"MERGE (a)-[r:{_rel(rel_type)}]->(b) SET r += row.props",
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
    """Everything in the database (for tests on a shared server)."""
    return _stmt("delete_all", "MATCH (n) DETACH DELETE n")


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


@cache
def neighbours(rel_type: str, direction: Direction, capped: bool) -> Statement:
    """One hop along one relationship type from each of ``$uids``.

    Returns one row per node that has such edges: its uid, its full degree for the type
    (a count-store lookup) and its edges as ``[src, dst, props]`` in far-end uid order,
    at most ``$limit`` of them when ``capped``.
    """
    if rel_type not in schema().graph_rel_types():
        schema().rel(rel_type)
        raise ValueError(f"{rel_type} is not a traversal relationship (its records stay in the store)")
    check_direction(direction)
    rel = _rel(rel_type)
    # startNode/endNode give the stored direction also when the pattern is undirected;
    # the second sort key keeps A->B and B->A between the same pair in a fixed order.
    return _stmt(
        f"neighbours:{rel_type}:{direction}:{'capped' if capped else 'all'}",
        f"UNWIND $uids AS uid MATCH (n:{_label(None)} {{uid: uid}}) "
        f"WITH n, COUNT {{ {_pattern(rel, direction, 'n', '', '')} }} AS degree "
        f"WHERE degree > 0 "
        f"RETURN n.uid AS uid, degree, COLLECT {{ "
        f"MATCH {_pattern(rel, direction, 'n', 'r', 'm')} "
        f"WITH r, m ORDER BY m.uid, startNode(r).uid {'LIMIT $limit ' if capped else ''}"
        f"RETURN [startNode(r).uid, endNode(r).uid, properties(r)] }} AS edges",
        *(("uids", "limit") if capped else ("uids",)),
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
    matched through the ``$rest`` map.  That keeps the number of distinct texts to one
    per lead instead of one per combination of filters, so all of them can be checked.
    ``$after`` is ``""`` for the first page: every uid sorts after it, and the range
    predicate lets the planner walk the uid index in order.
    """
    if lead not in find_leads(label):
        raise ValueError(f"{label}: {lead!r} is not an indexed property")
    first = "" if lead is None else f"n.{ident(lead)} IN $value AND "
    return _stmt(
        f"find_nodes:{label}:{lead or '-'}",
        f"MATCH (n:{_label(label)}) "
        f"WHERE {first}n.uid > $after AND all(k IN keys($rest) WHERE n[k] IN $rest[k]) "
        f"RETURN n.uid AS uid, properties(n) AS props ORDER BY n.uid LIMIT $limit",
        *(("after", "rest", "limit") if lead is None else ("value", "after", "rest", "limit")),
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
    out += [missing_nodes(), *(merge_edges(t) for t in s.relationships)]
    out += [delete_nodes(), delete_all(), get_nodes(), records_about()]
    out += [
        neighbours(t, d, capped)
        for t in s.graph_rel_types() for d in DIRECTIONS for capped in (True, False)
    ]
    out += [find_nodes(lab, lead) for lab in s.labels for lead in find_leads(lab)]
    out += [count_nodes(None), *(count_nodes(lab) for lab in s.labels)]
    out += [count_edges(None), *(count_edges(t) for t in s.relationships)]
    return out
