"""``creditkb load``: exchange-format files or folders of them into the store, each file
one load, with a line per file and a rejects report of its bad rows."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from creditkb.cli.common import store_arg, warn_demo_secret
from graph_model.i18n import message
from graph_model.settings import Settings
from graph_model.store import open_store


def add_parser(sub) -> None:
    p = sub.add_parser("load", help=message("cli.load.help"))
    p.add_argument("paths", nargs="+", metavar="PATH", help=message("cli.load.paths"))
    p.add_argument("--kind", help=message("cli.load.kind"))
    p.add_argument("--max-bad", type=float, default=0.1, metavar="FRACTION",
                   help=message("cli.load.max_bad"))
    p.add_argument("--rejects-dir", default="creditkb-rejects",
                   help=message("cli.load.rejects_dir"))
    p.add_argument("--agency", help=message("cli.load.agency"))
    p.add_argument("--profile", help=message("cli.load.profile_option"))
    p.add_argument("--nice", type=int, default=NICE, metavar="N",
                   help=message("cli.load.nice", nice=str(NICE)))
    p.add_argument("--lenient-repairs", action="store_true",
                   help=message("cli.load.lenient_repairs"))
    store_arg(p)


#: A load is batch work: it yields the CPU to a server answering beside it (on an idle
#: machine it runs as fast).
NICE = 10


def run(args) -> int:
    settings = Settings.from_env(store=args.store)
    warn_demo_secret(settings)
    if args.nice > 0:
        try:
            os.nice(args.nice)
        except OSError:  # not allowed here: as usual
            pass
    with open_store(settings=settings) as store:
        load_with_progress(store, args.paths, settings, args.kind, args.max_bad,
                            Path(args.rejects_dir), agency=args.agency, profile=args.profile,
                            lenient_repairs=args.lenient_repairs)
    return 0


def load_with_progress(store, paths, settings, kind, max_bad, rejects_dir: Path,
                        agency=None, profile=None, lenient_repairs=False):
    from tqdm import tqdm

    from loaders.errors import FileRefused, LoadError
    from loaders.load import Checks, load_paths
    from loaders.rejects import write_report
    from queries.rules.repair import row_rules

    started = time.monotonic()
    bar = tqdm(desc=message("cli.load.progress"), unit="file", disable=None, file=sys.stderr)

    def report(s):
        bar.update(1)
        if s.skipped:
            tqdm.write(message("cli.load.skipped", path=s.path, kind=s.kind, why=s.skipped),
                       file=sys.stdout)
            return
        # (counts as digits: scripts read these lines)
        line = message("cli.load.summary", path=s.path, kind=s.kind, load=s.load_id,
                       read=str(s.rows_read), loaded=str(s.rows_loaded),
                       rejected=str(s.rows_rejected), nodes=str(s.nodes_written),
                       edges=str(s.edges_written))
        if s.profile:
            line += message("cli.load.profile", profile=s.profile)
        for f in s.findings:
            line += "\n" + (message("cli.load.finding_rows", finding=f.message, rows=", ".join(
                map(str, f.rows[:10])) + (" ..." if len(f.rows) > 10 else ""))
                if f.rows else message("cli.load.finding", finding=f.message))
        if len(s.rejects):
            line += message("cli.load.rejects",
                            path=write_report(s.rejects, s.headers, rejects_dir, s.path))
        tqdm.write(line, file=sys.stdout)

    try:
        summaries = load_paths(store, paths, settings.secret, kind, max_bad, agency=agency,
                               profile=profile, on_file=report,
                               checks=Checks(row_rules(), lenient_repairs))
    except FileRefused as exc:  # when the user needs the list most
        s = exc.summary
        target = write_report(s.rejects, s.headers, rejects_dir, s.path)
        raise LoadError(exc.path, message("cli.load.refused", why=exc.reason,
                                          path=target)) from None
    finally:
        bar.close()
    print(message("cli.load.done", files=str(len(summaries)),
                  seconds=f"{time.monotonic() - started:.1f}", store=store.location))
    return summaries
