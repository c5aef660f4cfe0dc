"""``creditkb export --neo4j-import DIR``: the embedded store as the files of
``neo4j-admin database import full`` (graph_model.store.neo4j.bulk_import)."""

from __future__ import annotations

from creditkb.cli.common import store_arg
from graph_model.i18n import message


def add_parser(sub) -> None:
    p = sub.add_parser("export", help=message("cli.export.help"))
    store_arg(p)
    p.add_argument("--neo4j-import", metavar="DIR", required=True,
                   help=message("cli.export.neo4j_import"))
    p.add_argument("--database", default="neo4j", help=message("cli.export.database"))


def run(args) -> int:
    from graph_model.errors import UserError
    from graph_model.settings import Settings
    from graph_model.store import open_store
    from graph_model.store.embedded.store import EmbeddedStore
    from graph_model.store.neo4j.bulk_import import export

    store = open_store(args.store, Settings.from_env())
    try:
        if not isinstance(store, EmbeddedStore):
            raise UserError(message("cli.export.embedded_only", location=store.location))
        written = export(store, args.neo4j_import, args.database)
    finally:
        store.close()
    for name, rows in written.items():
        print(message("cli.export.rows", name=name, rows=rows))
    print(message("cli.export.then", folder=args.neo4j_import))
    return 0
