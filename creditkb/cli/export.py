"""``creditkb export --neo4j-import DIR``: the embedded store as the files of
``neo4j-admin database import full`` (graph_model.store.neo4j.bulk_import)."""

from __future__ import annotations

from creditkb.cli.common import store_arg


def add_parser(sub) -> None:
    p = sub.add_parser("export", help="write the store as neo4j-admin import files, for a "
                                      "first load of a large store into Neo4j")
    store_arg(p)
    p.add_argument("--neo4j-import", metavar="DIR", required=True,
                   help="folder for the CSV files and import.args; then run "
                        "`neo4j-admin database import full @DIR/import.args`")
    p.add_argument("--database", default="neo4j", help="the database to import into (default neo4j)")


def run(args) -> int:
    from graph_model.errors import UserError
    from graph_model.settings import Settings
    from graph_model.store import open_store
    from graph_model.store.embedded.store import EmbeddedStore
    from graph_model.store.neo4j.bulk_import import export

    store = open_store(args.store, Settings.from_env())
    try:
        if not isinstance(store, EmbeddedStore):
            raise UserError("export --neo4j-import reads an embedded store (a directory), "
                            f"not {store.location}")
        written = export(store, args.neo4j_import, args.database)
    finally:
        store.close()
    for name, rows in written.items():
        print(f"{name}: {rows} rows")
    print(f"then: neo4j-admin database import full @{args.neo4j_import}/import.args")
    return 0
