"""``creditkb serve``: the GraphQL API and the dashboard, in one or more worker processes."""

from __future__ import annotations

import os
import sys

from creditkb.cli.common import server_args, store_arg, warn_demo_secret
from graph_model.errors import UserError
from graph_model.i18n import message
from graph_model.settings import Settings
from graph_model.store import open_store

#: The largest WebSocket message accepted (uvicorn's default is 16 MiB): a GraphQL message
#: is no larger than a request body (api.limits.MAX_BODY), with room for its envelope.
WS_MAX_SIZE = 1 << 20


def add_parser(sub) -> None:
    p = sub.add_parser("serve", help=message("cli.serve.help"))
    store_arg(p)
    server_args(p)
    p.add_argument("--workers", type=int, default=1,
                   help=message("cli.serve.workers"))


def run(args) -> int:
    settings = Settings.from_env(store=args.store)
    warn_demo_secret(settings)
    return serve(open_store(settings=settings), settings, args.host, args.port, args.workers)


def serve(store, settings, host, port, workers: int = 1) -> int:
    import uvicorn

    from graph_model.store.secret import check_secret
    from queries.access.state import AccessStore

    if workers < 1:
        raise UserError(f"--workers must be 1 or more, not {workers}")
    check_secret(store, settings.secret)  # before any worker starts
    AccessStore.for_settings(settings).close()  # refuse early when there is nowhere for keys
    print(f"creditkb: GraphQL on http://{host}:{port}/graphql, dashboard on http://{host}:{port}/ "
          f"(store: {store.location}, {workers} worker{'s' if workers > 1 else ''})",
          file=sys.stderr)
    if workers > 1:
        # Each worker process opens the store itself, from the settings handed down here.
        store.close()
        os.environ.update(settings.to_env())
        uvicorn.run("api.app:app_from_env", factory=True, host=host, port=port,
                    workers=workers, log_level="warning", ws_max_size=WS_MAX_SIZE)
        return 0
    from api.app import create_app

    try:
        uvicorn.run(create_app(store, settings, precompute=True), host=host, port=port,
                    log_level="warning", ws_max_size=WS_MAX_SIZE)
    finally:
        store.close()
    return 0
