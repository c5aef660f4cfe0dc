"""Shared fixtures. The ``store`` fixture runs a test against every store adapter: the
embedded store always, Neo4j whenever NEO4J_URI names a server (``./scripts/test`` starts
one)."""

from __future__ import annotations

import os
import uuid

import pytest

from graph_model.i18n import use_language
from graph_model.settings import Settings
from tests.support.stores import KINDS, neo4j_settings, open_empty, open_neo4j

# The commands the tests start speak English (their locale decides, graph_model.i18n): the
# tests that compare their words compare English ones; the Chinese tests set LANG=zh_CN.
for _name in ("LC_ALL", "LC_MESSAGES"):
    os.environ.pop(_name, None)
os.environ["LANG"] = "C.UTF-8"


@pytest.fixture
def english():
    """Messages in English (the default is Chinese): for a test that compares English ones."""
    with use_language("en"):
        yield


@pytest.fixture
def settings(tmp_path) -> Settings:
    return neo4j_settings(store=str(tmp_path / "store"))


@pytest.fixture
def neo4j_store(settings):
    """An emptied Neo4j database with the schema in place (or a skip, saying why)."""
    s = open_neo4j(settings)
    yield s
    s.close()


@pytest.fixture(scope="session")
def empty_store():
    """Opens an empty store of a kind, ``"embedded"`` (in ``directory``) or ``"neo4j"``
    (the emptied server, or a skip saying why): for fixtures wider than one test."""
    return open_empty


@pytest.fixture(params=KINDS)
def store(request, settings):
    s = open_empty(request.param, settings.store, settings)
    yield s
    s.close()


@pytest.fixture
def unique() -> str:
    return uuid.uuid4().hex[:8]
