"""The store port: what creditkb needs from a graph store, and nothing more.

Two adapters implement it, the embedded store (SQLite on disk plus an in-memory CSR
topology) and Neo4j.  queries/ and the loaders speak only this interface, so both stores
give one semantics; ``tests/test_store_conformance.py`` holds them to it.

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
"""

from __future__ import annotations

import abc
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Iterable, Literal, Mapping, Sequence

import pandas as pd

Direction = Literal["out", "in", "both"]


class StoreError(RuntimeError):
    """A store could not be opened, read or written."""


class MissingNodeError(StoreError):
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
    stable order (by the uid at the far end); ``degrees`` gives, for every such pair that
    was cut, the full number of edges, so callers can say "and 4,812 more vehicles".
    """

    edges: list[Edge]
    degrees: dict[tuple[str, str], int] = field(default_factory=dict)


class Writer(abc.ABC):
    """The write side of one transaction."""

    @abc.abstractmethod
    def upsert_nodes(self, label: str, frame: pd.DataFrame) -> int:
        """Create or merge nodes of ``label``; the frame has one column per property and
        must hold the label's key property. Returns the number of rows written."""

    @abc.abstractmethod
    def upsert_edges(self, rel_type: str, frame: pd.DataFrame) -> int:
        """Create or merge edges; the frame has ``src`` and ``dst`` uid columns plus one
        column per relationship property. Returns the number of rows written."""

    @abc.abstractmethod
    def delete_nodes(self, uids: Sequence[str]) -> int:
        """Delete nodes and every edge touching them. Returns how many existed."""

    @abc.abstractmethod
    def delete_all(self) -> None:
        """Delete every node and edge (tests, and rebuilding a store from its sources)."""


class Store(abc.ABC):
    """A graph store. Open one per process with :func:`creditkb.stores.open_store`."""

    #: what the settings called it: a path or a URL (never a password)
    location: str

    @abc.abstractmethod
    def ensure_schema(self) -> None:
        """Create constraints and indexes derived from the schema (idempotent)."""

    @abc.abstractmethod
    def transaction(self) -> AbstractContextManager[Writer]:
        """A write transaction: committed when the block ends, rolled back on error."""

    @abc.abstractmethod
    def get_nodes(self, uids: Iterable[str]) -> dict[str, Node]:
        """The nodes that exist among ``uids``, by uid."""

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
        tuple or set of allowed values; null matches nothing."""

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
