"""``creditkb audit``: read the API's audit log."""

from __future__ import annotations

from creditkb.cli.common import store_arg
from graph_model.i18n import message
from graph_model.settings import Settings


def add_parser(sub) -> None:
    p = sub.add_parser("audit", help=message("cli.audit.help"))
    p.add_argument("--agency", help=message("cli.audit.agency"))
    p.add_argument("--key", dest="key_id", help=message("cli.audit.key"))
    p.add_argument("--subject", help=message("cli.audit.subject"))
    p.add_argument("--since", help=message("cli.audit.since"))
    p.add_argument("--limit", type=int, help=message("cli.audit.limit"))
    p.add_argument("--json", action="store_true", help=message("cli.audit.json_lines"))
    store_arg(p)


def run(args) -> int:
    import json

    from queries.access.state import AccessStore

    settings = Settings.from_env(store=args.store)
    access = AccessStore.for_settings(settings)
    try:
        entries = access.audit(agency=args.agency, key_id=args.key_id, subject=args.subject,
                               since=args.since, limit=args.limit)
    finally:
        access.close()
    if not entries and not args.json:
        print(message("cli.audit.none"))
    for e in entries:
        if args.json:
            print(json.dumps({"at": e.at, "agency": e.agency, "key_id": e.key_id, "role": e.role,
                              "operation": e.operation, "kind": e.kind,
                              "subjects": list(e.subjects), "outcome": e.outcome},
                             ensure_ascii=False))
        else:
            print(f"{e.at}  {e.key_id}  {e.agency}  {e.kind:<5} {e.outcome:<9} {e.operation}  "
                  f"{' '.join(e.subjects)}")
    return 0
