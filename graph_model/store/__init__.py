"""Store adapters behind one port, chosen by one setting (``CREDITKB_STORE``)."""

from __future__ import annotations

from graph_model.settings import Settings
from graph_model.store.port import Store, StoreError

NEO4J_SCHEMES = ("neo4j://", "neo4j+s://", "neo4j+ssc://", "bolt://", "bolt+s://", "bolt+ssc://")


def open_store(location: str | None = None, settings: Settings | None = None) -> Store:
    """Open the store named by ``location`` (default: the ``CREDITKB_STORE`` setting).

    A ``neo4j://`` or ``bolt://`` URL opens the Neo4j adapter; anything else without a
    ``scheme://`` is a directory for the embedded store. Any other URL is refused.
    """
    settings = settings or Settings.from_env()
    location = location or settings.store
    if location.startswith(NEO4J_SCHEMES):
        from graph_model.store.neo4j.store import Neo4jStore

        return Neo4jStore(location, settings)
    if "://" in location:
        raise StoreError(
            f"unknown store URL {location!r}: use a directory path for the embedded store "
            f"or one of {', '.join(NEO4J_SCHEMES)} for Neo4j"
        )
    from graph_model.store.embedded.store import EmbeddedStore

    return EmbeddedStore(location)
