"""The docstring examples that ask the demo store (``store`` in them, see the root
conftest.py) run as doctests on the embedded store; here the same examples run on Neo4j,
with the demo loaded into the test server, so the documented answers are both stores'."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

from graph_model.settings import DEMO_SECRET
from tests.support.demo import load_demo
from tests.support.stores import neo4j_settings, open_neo4j

PACKAGES = ("graph_model", "loaders", "queries", "api", "creditkb")
#: as pyproject.toml's doctest_optionflags
FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS


def store_examples() -> list[doctest.DocTest]:
    """The docstring examples of the source packages that use ``store``."""
    found = []
    for package in PACKAGES:
        for info in pkgutil.walk_packages(importlib.import_module(package).__path__, package + "."):
            if info.name.endswith("__main__"):
                continue
            for test in doctest.DocTestFinder().find(importlib.import_module(info.name)):
                if any("store" in example.source for example in test.examples):
                    found.append(test)
    return sorted(found, key=lambda t: t.name)


EXAMPLES = store_examples()


def test_the_examples_that_use_the_store_are_found():
    names = {t.name for t in EXAMPLES}
    assert len(names) >= 20
    assert {"queries.rules.recognition.recognized_grade", "queries.tracing.paths.paths"} <= names


@pytest.fixture(scope="module")
def demo_on_neo4j():
    store = load_demo(open_neo4j(neo4j_settings(secret=DEMO_SECRET)), DEMO_SECRET)
    yield store
    store.close()


@pytest.mark.neo4j
@pytest.mark.parametrize("test", EXAMPLES, ids=lambda t: t.name)
def test_docstring_example_on_neo4j(test, demo_on_neo4j):
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    report: list[str] = []
    test.globs["store"] = demo_on_neo4j
    try:
        result = runner.run(test, out=report.append, clear_globs=False)
    finally:
        test.globs.pop("store", None)
    assert result.failed == 0, "".join(report)
