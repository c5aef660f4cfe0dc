"""``creditkb loads``: past loads, or ``loads undo LOAD_ID`` to take one back."""

from __future__ import annotations

from creditkb.cli.common import store_arg
from graph_model.errors import UserError
from graph_model.i18n import message
from graph_model.settings import Settings
from graph_model.store import open_store


def add_parser(sub) -> None:
    p = sub.add_parser("loads", help=message("cli.loads.help"))
    p.add_argument("action", nargs="?", choices=["list", "undo"], default="list")
    p.add_argument("load_id", nargs="?", help=message("cli.loads.load_id"))
    store_arg(p)


def run(args) -> int:
    settings = Settings.from_env(store=args.store)
    with open_store(settings=settings) as store:
        if args.action == "undo":
            if not args.load_id:
                raise UserError(message("cli.loads.undo_needs_id"))
            r = store.undo_load(args.load_id)
            print(message("cli.loads.undone", load=r.load_id, nodes_deleted=str(r.nodes_deleted),
                          edges_deleted=str(r.edges_deleted),
                          nodes_restored=str(r.nodes_restored),
                          edges_restored=str(r.edges_restored)))
            return 0
        loads = store.loads()
        if not loads:
            print(message("cli.loads.none"))
        for x in loads:
            print(f"{x.load_id}  {x.status:<9}  {x.started_at}  {x.kind:<13} "
                  + message("cli.loads.rows", loaded=str(x.rows_loaded), read=str(x.rows_read))
                  + f"  {x.agency or '-'}  {x.file}")
    return 0
