"""Opening the stores the tests run on: the embedded store in a folder, and the Neo4j
server ``./scripts/test`` starts (NEO4J_URI), emptied first since tests share it.  Without
a server the Neo4j tests skip, saying why."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from graph_model.settings import Settings
from graph_model.store.port import Store

KINDS = ("embedded", "neo4j")
TEST_SECRET = "test-secret"
NEO4J_SKIP = ("NEO4J_URI is not set: no Neo4j server (./scripts/test starts one with "
              "tools/neo4j-server; or see docker/compose.yaml)")


def neo4j_settings(store: str = "", secret: str = TEST_SECRET) -> Settings:
    """Settings with the test server's credentials (NEO4J_USER, NEO4J_PASSWORD)."""
    return Settings(store=store, secret=secret,
                    neo4j_user=os.environ.get("NEO4J_USER", "neo4j"),
                    neo4j_password=os.environ.get("NEO4J_PASSWORD"),
                    neo4j_database=os.environ.get("NEO4J_DATABASE") or None)


def open_neo4j(settings: Settings | None = None) -> Store:
    """The test server, emptied, with the schema in place (or a skip, saying why)."""
    uri = os.environ.get("NEO4J_URI")
    if not uri:
        # scripts/test says why it could not start a server (no Java, say)
        pytest.skip(os.environ.get("CREDITKB_NEO4J_SKIP") or NEO4J_SKIP)
    from graph_model.store.neo4j.store import Neo4jStore

    store = Neo4jStore(uri, settings or neo4j_settings())
    with store.transaction() as tx:
        tx.delete_all()
    store.ensure_schema()
    return store


def open_empty(kind: str, directory: str | Path, settings: Settings | None = None) -> Store:
    """An empty store of a kind: ``"embedded"`` in ``directory``, or ``"neo4j"``."""
    if kind == "neo4j":
        return open_neo4j(settings)
    if kind != "embedded":
        raise ValueError(f"no store kind {kind!r}: one of {KINDS}")
    from graph_model.store.embedded.store import EmbeddedStore

    return EmbeddedStore(str(directory))


def another_adapter(store: Store, settings: Settings) -> Store:
    """A second adapter on the store ``store`` holds (opened by the ``store`` fixture with
    ``settings``), as another worker process has: no state shared but the store's own."""
    from graph_model.store.embedded.store import EmbeddedStore
    from graph_model.store.neo4j.store import Neo4jStore

    if isinstance(store, EmbeddedStore):
        return EmbeddedStore(store.location)
    assert isinstance(store, Neo4jStore)
    return Neo4jStore(os.environ["NEO4J_URI"], settings)


def selects_sent(con, call) -> list[str]:
    """The SELECT statements an embedded store's SQLite connection ``con`` runs while
    ``call()`` runs (its row-id reads before scattered reads too), as SQLite traces them."""
    seen: list[str] = []
    con.set_trace_callback(seen.append)
    try:
        call()
    finally:
        con.set_trace_callback(None)
    return [q for q in seen if q.lstrip().upper().startswith("SELECT")]
