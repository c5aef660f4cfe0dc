"""``creditkb load``: exchange-format files or folders of them into the store, each file
one load, with a line per file and a rejects report of its bad rows."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from creditkb.cli.common import store_arg, warn_demo_secret
from graph_model.settings import Settings
from graph_model.store import open_store


def add_parser(sub) -> None:
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
    p.add_argument("--nice", type=int, default=NICE, metavar="N",
                   help=f"run at this much lower CPU priority (default {NICE}: an API served "
                        f"from the same machine keeps answering; 0: as usual)")
    p.add_argument("--lenient-repairs", action="store_true",
                   help="keep repairs dated before the end of the minimum publication period "
                        "or of a mode the violation does not allow, as a data-quality finding "
                        "(they never count), instead of rejecting them")
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
            line += f"; rejects in {write_report(s.rejects, s.headers, rejects_dir, s.path)}"
        tqdm.write(line, file=sys.stdout)

    try:
        summaries = load_paths(store, paths, settings.secret, kind, max_bad, agency=agency,
                               profile=profile, on_file=report,
                               checks=Checks(row_rules(), lenient_repairs))
    except FileRefused as exc:  # when the user needs the list most
        s = exc.summary
        target = write_report(s.rejects, s.headers, rejects_dir, s.path)
        raise LoadError(exc.path, f"{exc.reason}; rejects in {target}") from None
    finally:
        bar.close()
    print(f"loaded {len(summaries)} file(s) in {time.monotonic() - started:.1f} s into "
          f"{store.location}")
    return summaries
