"""``creditkb keys``: create, list or revoke API keys (only a key's hash is kept)."""

from __future__ import annotations

from creditkb.cli.common import store_arg
from graph_model.errors import UserError
from graph_model.i18n import message
from graph_model.settings import Settings


def add_parser(sub) -> None:
    p = sub.add_parser("keys", help=message("cli.keys.help"))
    p.add_argument("action", choices=["create", "list", "revoke"])
    p.add_argument("key_id", nargs="?", help=message("cli.keys.key_id"))
    p.add_argument("--agency", help=message("cli.keys.agency"))
    p.add_argument("--region", help=message("cli.keys.region"))
    p.add_argument("--role", choices=["regulator", "investigator", "viewer", "subject"],
                   help=message("cli.keys.role"))
    p.add_argument("--note", help=message("cli.keys.note"))
    p.add_argument("--subject", help=message("cli.keys.subject"))
    store_arg(p)


def run(args) -> int:
    from queries.access.state import AccessStore

    settings = Settings.from_env(store=args.store)
    access = AccessStore.for_settings(settings)
    try:
        if args.action == "create":
            missing = [f"--{n}" for n in ("agency", "region", "role") if not getattr(args, n)]
            if missing:
                raise UserError(message("cli.keys.create_needs", missing=", ".join(missing)))
            key, token = access.create_key(args.agency, args.region, args.role, args.note,
                                           getattr(args, "subject", None))
            print(message("cli.keys.created", key=key.key_id, agency=key.agency,
                          region=key.region, role=key.role))
            print(message("cli.keys.token", token=token))
        elif args.action == "revoke":
            if not args.key_id:
                raise UserError(message("cli.keys.revoke_needs_id"))
            key = access.revoke_key(args.key_id)
            print(message("cli.keys.revoked", key=key.key_id, agency=key.agency,
                          region=key.region, role=key.role, at=key.revoked_at))
        else:
            keys = access.keys()
            if not keys:
                print(message("cli.keys.none"))
            for k in keys:
                state = (message("cli.keys.state_revoked", at=k.revoked_at) if k.revoked_at
                         else message("cli.keys.state_active"))
                print(f"{k.key_id}  {k.role:<12} {k.region}  {k.agency}  "
                      + message("cli.keys.created_at", at=k.created_at)
                      + f"  {state}{'  (' + k.note + ')' if k.note else ''}")
    finally:
        access.close()
    return 0
