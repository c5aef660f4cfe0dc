"""Shared fixtures. The ``store`` fixture runs a test against every store adapter: the
embedded store always, Neo4j whenever NEO4J_URI names a server."""

from __future__ import annotations

import os
import uuid

import pytest

from creditkb.settings import Settings
from creditkb.stores.port import Store

NEO4J_SKIP = ("NEO4J_URI is not set: no Neo4j server (./scripts/test starts one with "
              "tools/neo4j-server; or see docker/compose.yaml)")
TEST_SECRET = "test-secret"


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(store=str(tmp_path / "store"), secret=TEST_SECRET,
                    neo4j_user=os.environ.get("NEO4J_USER", "neo4j"),
                    neo4j_password=os.environ.get("NEO4J_PASSWORD"),
                    neo4j_database=os.environ.get("NEO4J_DATABASE") or None)


def _neo4j_settings() -> Settings:
    return Settings(secret=TEST_SECRET, neo4j_user=os.environ.get("NEO4J_USER", "neo4j"),
                    neo4j_password=os.environ.get("NEO4J_PASSWORD"),
                    neo4j_database=os.environ.get("NEO4J_DATABASE") or None)


def _neo4j_store(settings):
    uri = os.environ.get("NEO4J_URI")
    if not uri:
        # scripts/test says why it could not start a server (no Java, say)
        pytest.skip(os.environ.get("CREDITKB_NEO4J_SKIP") or NEO4J_SKIP)
    from creditkb.stores.neo4j_store import Neo4jStore

    store = Neo4jStore(uri, settings)
    # Tests share one server: start from an empty database.
    with store.transaction() as tx:
        tx.delete_all()
    store.ensure_schema()
    return store


@pytest.fixture
def neo4j_store(settings):
    """An emptied Neo4j database with the schema in place (or a skip, saying why)."""
    s = _neo4j_store(settings)
    yield s
    s.close()


@pytest.fixture(scope="session")
def empty_store():
    """Opens an empty store of a kind, ``"embedded"`` (in ``directory``) or ``"neo4j"``
    (the emptied server, or a skip saying why): for fixtures wider than one test."""
    def open_empty(kind: str, directory) -> Store:
        if kind == "neo4j":
            return _neo4j_store(_neo4j_settings())
        from creditkb.stores.embedded import EmbeddedStore

        return EmbeddedStore(str(directory))

    return open_empty


@pytest.fixture(params=["embedded", "neo4j"])
def store(request, settings):
    if request.param == "embedded":
        from creditkb.stores.embedded import EmbeddedStore

        s = EmbeddedStore(settings.store)
    else:
        s = _neo4j_store(settings)
    yield s
    s.close()


@pytest.fixture
def unique() -> str:
    return uuid.uuid4().hex[:8]
