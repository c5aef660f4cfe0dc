"""The demo data set (creditkb/demo, its stories in creditkb/demo/README.md) loaded into a
store, as ``creditkb demo`` loads it (with the credit rules' row checks)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from graph_model.store.embedded.store import EmbeddedStore
from graph_model.store.port import Store
from loaders.load import Checks, load_paths
from queries.rules.repair import row_rules

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
