"""``creditkb demo``: load the demo data set, hand each demo agency a key, serve it."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from creditkb.cli.common import server_args, warn_demo_secret
from creditkb.cli.load import load_with_progress
from creditkb.cli.serve import serve
from graph_model.i18n import message
from graph_model.settings import Settings
from graph_model.store import open_store

DEMO_STORE = "./creditkb-demo"


def add_parser(sub) -> None:
    p = sub.add_parser("demo", help=message("cli.demo.help"))
    p.add_argument("--store", default=None,
                   help=message("cli.demo.store", store=DEMO_STORE))
    p.add_argument("--no-serve", action="store_true", help=message("cli.demo.no_serve"))
    server_args(p)
    p.add_argument("--workers", type=int, default=1, help=message("cli.demo.workers"))


#: The agencies of the demo data and the keys the demo hands them (creditkb/demo/README.md).
DEMO_AGENCIES = [
    ("苏州市交通运输局", "320500", "regulator"),
    ("无锡市交通运输局", "320200", "regulator"),
    ("常州市交通运输局", "320400", "regulator"),
    ("南通市交通运输局", "320600", "regulator"),
    ("杭州市交通运输局", "330100", "regulator"),
    ("江苏省交通运输厅", "320000", "investigator"),
    ("苏州市交通运输局", "320500", "viewer"),
]
DEMO_NOTE = "demo"


def demo_keys(settings: Settings) -> list[tuple[object, str]]:
    """Fresh keys for the demo agencies; the previous demo's keys are revoked."""
    from queries.access.state import AccessStore

    access = AccessStore.for_settings(settings)
    try:
        for k in access.keys():
            if k.note == DEMO_NOTE and k.active:
                access.revoke_key(k.key_id)
        return [access.create_key(a, r, role, DEMO_NOTE) for a, r, role in DEMO_AGENCIES]
    finally:
        access.close()


def run(args) -> int:
    settings = Settings.from_env(store=args.store, default_store=DEMO_STORE)
    warn_demo_secret(settings)
    demo = resources.files("creditkb").joinpath("demo")
    with resources.as_file(demo) as folder:
        store = open_store(settings=settings)
        load_with_progress(store, [folder], settings, None, 0.0, Path("creditkb-rejects"))
    keys = demo_keys(settings)
    print("API keys of the demo agencies (shown once; earlier demo keys are revoked):")
    for key, token in keys:
        print(f"  {key.agency} {key.region} {key.role:<12} {token}")
    suzhou = keys[0][1]
    print(f"dashboard (苏州 regulator): http://{args.host}:{args.port}/#key={suzhou}")
    print(f"try: curl -s http://{args.host}:{args.port}/graphql -H 'authorization: Bearer "
          f"{suzhou}' -H 'content-type: application/json' "
          "-d '{\"query\": \"{ me { agency region role } }\"}'", flush=True)
    if args.no_serve:
        store.close()
        return 0
    return serve(store, settings, args.host, args.port, args.workers)
