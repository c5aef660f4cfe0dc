"""The demo data set (creditkb/demo, its stories in creditkb/demo/README.md) loaded into a
store, as ``creditkb demo`` loads it (with the credit rules' row checks)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from graph_model.store.embedded.store import EmbeddedStore
from graph_model.store.port import Store
from loaders.load import Checks, load_paths
from queries.rules.repair import row_rules
from tests.support.stores import KINDS, neo4j_settings, open_empty

DEMO = Path(str(resources.files("creditkb") / "demo"))


def load_demo(store: Store, secret: str) -> Store:
    """``store`` (an empty one) with the demo data loaded, every row of it."""
    summaries = load_paths(store, [DEMO], secret, max_bad_fraction=0.0,
                           checks=Checks(row_rules()))
    assert sum(s.rows_rejected for s in summaries) == 0
    return store


def demo_store(path: str | Path, secret: str) -> EmbeddedStore:
    """A new embedded store at ``path`` holding the demo data, every row loaded."""
    return load_demo(EmbeddedStore(str(path)), secret)


def demo_fixture(name: str, secret: str):
    """A module-scoped fixture: the demo data loaded into an empty store of each kind
    (``embedded`` in a folder named after ``name``, ``neo4j``), closed after the module."""
    @pytest.fixture(scope="module", params=KINDS)
    def demo(request, tmp_path_factory):
        path = tmp_path_factory.mktemp(name) / "store"
        store = load_demo(open_empty(request.param, path, neo4j_settings(str(path), secret)), secret)
        yield store
        store.close()
    return demo
