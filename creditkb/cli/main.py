"""The ``creditkb`` command: demo, load, serve, generate, keys, audit.

Failures print one line, ``creditkb: error: ...``, and exit non-zero: 2 for a usage
error, 1 for anything else: what the user can fix (a :class:`~graph_model.errors.CreditKBError`:
bad input, bad data, an unreachable store; or a file that cannot be read), and a bug, which
says so.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from importlib import resources
from pathlib import Path

from graph_model.errors import CreditKBError, UserError
from graph_model.settings import Settings
from graph_model.store import open_store

DEMO_STORE = "./creditkb-demo"


def _store_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--store", help="store directory or neo4j:// URL (default: $CREDITKB_STORE "
                                   "or ./creditkb-data)")


def _server_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="creditkb", description=(
        "Cross-agency transport credit knowledge base: load agency exports into one graph "
        "and serve it over GraphQL."))
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("demo", help="load the demo data set and serve it")
    p.add_argument("--store", default=None, help=f"store for the demo (default: {DEMO_STORE})")
    p.add_argument("--no-serve", action="store_true", help="load only, do not start the server")
    _server_args(p)
    p.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")

    p = sub.add_parser("load", help="load exchange-format files or folders of them")
    p.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
    p.add_argument("--kind", help="file kind for all files (default: guessed from headers)")
    p.add_argument("--max-bad", type=float, default=0.1, metavar="FRACTION",
                   help="refuse a file whose share of bad rows is above this (default 0.1)")
    p.add_argument("--rejects-dir", default="creditkb-rejects",
                   help="where rejects reports are written (default ./creditkb-rejects)")
    p.add_argument("--agency", help="the agency that sent the files (recorded with each load)")
    p.add_argument("--profile", help="column mapping profile: a bundled name or a YAML path "
                                     "(default: a bundled profile whose headers match, if any)")
    _store_arg(p)

    p = sub.add_parser("loads", help="list past loads, or undo one")
    p.add_argument("action", nargs="?", choices=["list", "undo"], default="list")
    p.add_argument("load_id", nargs="?", help="with undo: the load to take back")
    _store_arg(p)

    p = sub.add_parser("serve", help="serve the GraphQL API")
    _store_arg(p)
    _server_args(p)
    p.add_argument("--workers", type=int, default=1,
                   help="worker processes (default 1); each opens the store itself")

    p = sub.add_parser("keys", help="create, list or revoke API keys")
    p.add_argument("action", choices=["create", "list", "revoke"])
    p.add_argument("key_id", nargs="?", help="with revoke: the key to revoke")
    p.add_argument("--agency", help="with create: the agency's name, e.g. 苏州市交通运输局")
    p.add_argument("--region", help="with create: the agency's six-digit region code")
    p.add_argument("--role", choices=["regulator", "investigator", "viewer"],
                   help="with create: regulator (reads its scope, writes its agency's "
                        "records), investigator (reads and traces), viewer (reads, personal "
                        "fields always masked)")
    p.add_argument("--note", help="with create: a note kept with the key")
    _store_arg(p)

    p = sub.add_parser("audit", help="read the audit log of the API")
    p.add_argument("--agency", help="only this agency")
    p.add_argument("--key", dest="key_id", help="only this key id")
    p.add_argument("--subject", help="only entries naming this subject id")
    p.add_argument("--since", help="only entries at or after this time (ISO 8601, UTC)")
    p.add_argument("--limit", type=int, help="only the last N entries")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    _store_arg(p)

    p = sub.add_parser("generate", help="write a synthetic exchange-format data set")
    p.add_argument("--scale", type=float, default=0.01,
                   help="1.0 = Yangtze scale, ~450,000 subjects and ~5.8 million records "
                        "(default 0.01)")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--seed", type=int, default=0)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except KeyboardInterrupt:
        print("creditkb: interrupted", file=sys.stderr)
        return 130
    except (CreditKBError, OSError) as exc:
        print(f"creditkb: error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # a bug: still one line, the traceback on request
        if Settings.from_env().debug:
            raise
        print(f"creditkb: error: unexpected {type(exc).__name__}: {exc} "
              f"(set CREDITKB_DEBUG=1 for the traceback)", file=sys.stderr)
        return 1


def _warn_demo_secret(settings: Settings) -> None:
    if settings.uses_demo_secret:
        print("creditkb: warning: CREDITKB_SECRET is not set; person ids are hashed with the "
              "public demo key (set it for real data)", file=sys.stderr)


def cmd_load(args) -> int:
    settings = Settings.from_env(store=args.store)
    _warn_demo_secret(settings)
    with open_store(settings=settings) as store:
        _load_with_progress(store, args.paths, settings, args.kind, args.max_bad,
                            Path(args.rejects_dir), agency=args.agency, profile=args.profile)
    return 0


def cmd_loads(args) -> int:
    settings = Settings.from_env(store=args.store)
    with open_store(settings=settings) as store:
        if args.action == "undo":
            if not args.load_id:
                raise UserError("loads undo needs a LOAD_ID (see: creditkb loads)")
            r = store.undo_load(args.load_id)
            print(f"undid load {r.load_id}: {r.nodes_deleted} nodes and {r.edges_deleted} "
                  f"relationships deleted, {r.nodes_restored} nodes and {r.edges_restored} "
                  f"relationships restored")
            return 0
        loads = store.loads()
        if not loads:
            print("no loads yet")
        for x in loads:
            print(f"{x.load_id}  {x.status:<9}  {x.started_at}  {x.kind:<13} "
                  f"{x.rows_loaded}/{x.rows_read} rows  {x.agency or '-'}  {x.file}")
    return 0


def _load_with_progress(store, paths, settings, kind, max_bad, rejects_dir: Path,
                        agency=None, profile=None):
    from tqdm import tqdm

    from loaders.load import load_paths

    started = time.monotonic()
    bar = tqdm(desc="loading", unit="file", disable=None, file=sys.stderr)

    def report(s):
        bar.update(1)
        if s.skipped:
            tqdm.write(f"{s.path}: {s.kind}, nothing to do: {s.skipped}", file=sys.stdout)
            return
        line = (f"{s.path}: {s.kind}, load {s.load_id}, {s.rows_read} rows read, "
                f"{s.rows_loaded} loaded, {s.rows_rejected} rejected, {s.nodes_written} nodes "
                f"and {s.edges_written} relationships written")
        if s.profile:
            line += f" (profile {s.profile})"
        for f in s.findings:
            line += f"\n  finding: {f.message}" + (
                f" (rows {', '.join(map(str, f.rows[:10]))}{' ...' if len(f.rows) > 10 else ''})"
                if f.rows else "")
        if len(s.rejects):
            rejects_dir.mkdir(parents=True, exist_ok=True)
            target = rejects_dir / (Path(s.path).stem + ".rejects.csv")
            s.rejects.to_csv(target, index=False, encoding="utf-8-sig")
            line += f"; rejects in {target}"
        tqdm.write(line, file=sys.stdout)

    try:
        summaries = load_paths(store, paths, settings.secret, kind, max_bad, agency=agency,
                               profile=profile, on_file=report)
    finally:
        bar.close()
    print(f"loaded {len(summaries)} file(s) in {time.monotonic() - started:.1f} s into "
          f"{store.location}")
    return summaries


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


def cmd_demo(args) -> int:
    settings = Settings.from_env(store=args.store or DEMO_STORE)
    demo = resources.files("creditkb").joinpath("demo")
    with resources.as_file(demo) as folder:
        store = open_store(settings=settings)
        _load_with_progress(store, [folder], settings, None, 0.0, Path("creditkb-rejects"))
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
    return _serve(store, settings, args.host, args.port, args.workers)


def cmd_serve(args) -> int:
    settings = Settings.from_env(store=args.store)
    _warn_demo_secret(settings)
    return _serve(open_store(settings=settings), settings, args.host, args.port, args.workers)


def _serve(store, settings, host, port, workers: int = 1) -> int:
    import uvicorn

    from queries.access.state import AccessStore

    if workers < 1:
        raise UserError(f"--workers must be 1 or more, not {workers}")
    AccessStore.for_settings(settings).close()  # refuse early when there is nowhere for keys
    print(f"creditkb: GraphQL on http://{host}:{port}/graphql, dashboard on http://{host}:{port}/ "
          f"(store: {store.location}, {workers} worker{'s' if workers > 1 else ''})",
          file=sys.stderr)
    if workers > 1:
        # Each worker process opens the store itself, from the settings handed down here.
        store.close()
        os.environ.update(settings.to_env())
        uvicorn.run("api.app:app_from_env", factory=True, host=host, port=port,
                    workers=workers, log_level="warning")
        return 0
    from api.app import create_app

    try:
        uvicorn.run(create_app(store, settings), host=host, port=port, log_level="warning")
    finally:
        store.close()
    return 0


def cmd_keys(args) -> int:
    from queries.access.state import AccessStore

    settings = Settings.from_env(store=args.store)
    access = AccessStore.for_settings(settings)
    try:
        if args.action == "create":
            missing = [f"--{n}" for n in ("agency", "region", "role") if not getattr(args, n)]
            if missing:
                raise UserError(f"keys create needs {', '.join(missing)}")
            key, token = access.create_key(args.agency, args.region, args.role, args.note)
            print(f"created {key.key_id} for {key.agency} ({key.region}, {key.role})")
            print(f"key (shown once, only its hash is kept): {token}")
        elif args.action == "revoke":
            if not args.key_id:
                raise UserError("keys revoke needs a KEY_ID (see: creditkb keys list)")
            key = access.revoke_key(args.key_id)
            print(f"revoked {key.key_id} ({key.agency}, {key.region}, {key.role}) at "
                  f"{key.revoked_at}")
        else:
            keys = access.keys()
            if not keys:
                print("no keys yet (creditkb keys create --agency NAME --region CODE --role ROLE)")
            for k in keys:
                state = f"revoked {k.revoked_at}" if k.revoked_at else "active"
                print(f"{k.key_id}  {k.role:<12} {k.region}  {k.agency}  created {k.created_at}  "
                      f"{state}{'  (' + k.note + ')' if k.note else ''}")
    finally:
        access.close()
    return 0


def cmd_audit(args) -> int:
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
        print("no audit entries")
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


def cmd_generate(args) -> int:
    from tqdm import tqdm

    from creditkb.synth.generate import generate

    bar = tqdm(desc="generating", unit="row", unit_scale=True, disable=None, file=sys.stderr)

    def progress(kind, rows):
        bar.set_postfix_str(kind)
        bar.update(rows)

    try:
        files = generate(args.out, scale=args.scale, seed=args.seed, progress=progress)
    finally:
        bar.close()
    for kind, path in files.items():
        print(f"{kind}: {path}")
    return 0


COMMANDS = {"demo": cmd_demo, "load": cmd_load, "loads": cmd_loads, "serve": cmd_serve,
            "generate": cmd_generate, "keys": cmd_keys, "audit": cmd_audit}

if __name__ == "__main__":
    sys.exit(main())
