"""The docstring examples of the source packages run as doctests (``--doctest-modules``):
``store`` in them is the demo data set (creditkb/demo) loaded into an embedded store, once
per run, with the demo's secret.  tests/integration/test_doctests_neo4j.py runs the same
examples on Neo4j."""

from __future__ import annotations

import pytest

from graph_model.settings import DEMO_SECRET


@pytest.fixture(scope="session")
def demo_store_for_doctests(tmp_path_factory):
    from tests.support.demo import demo_store

    store = demo_store(tmp_path_factory.mktemp("doctest-demo") / "store", DEMO_SECRET)
    yield store
    store.close()


@pytest.fixture(autouse=True)
def _store_in_doctests(request, doctest_namespace):
    """Gives the examples that use ``store`` the demo store (loaded for the first of them)."""
    item = request.node
    if isinstance(item, pytest.DoctestItem) and any(
            "store" in example.source for example in item.dtest.examples):
        doctest_namespace["store"] = request.getfixturevalue("demo_store_for_doctests")
