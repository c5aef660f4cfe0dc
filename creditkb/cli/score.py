"""``creditkb score``: the scoring engine (queries.scoring) from the command line.

* ``score schemes`` — the scoring schemes (shipped and $CREDITKB_SCHEMES), with versions;
* ``score show SUBJECT --scheme CODE`` — a subject's score, grade and ledger on a day;
* ``score run --scheme CODE --region CODE --as-of DAY`` — grade every subject of a region
  and write the grades as evaluations, marked computed with the scheme's version, through
  the loaders' write path: one load, listed by ``creditkb loads`` and taken back by
  ``creditkb loads undo``.
"""

from __future__ import annotations

import datetime as dt
import sys
import time

from creditkb.cli.common import store_arg, warn_demo_secret
from graph_model.i18n import message
from graph_model.settings import Settings
from graph_model.store import open_store


def add_parser(sub) -> None:
    p = sub.add_parser("score", help=message("cli.score.help"))
    cmds = p.add_subparsers(dest="score_command", required=True, metavar="SUBCOMMAND")
    cmds.add_parser("schemes", help=message("cli.score.schemes"))
    show = cmds.add_parser("show", help=message("cli.score.show"))
    show.add_argument("subject", help=message("cli.score.subject"))
    show.add_argument("--scheme", required=True, help=message("cli.score.scheme"))
    show.add_argument("--as-of", help=message("cli.score.as_of"))
    show.add_argument("--bids-won", type=int, default=0, help=message("cli.score.bids_won"))
    store_arg(show)
    run = cmds.add_parser("run", help=message("cli.score.run"))
    run.add_argument("--scheme", required=True, help=message("cli.score.scheme"))
    run.add_argument("--region", required=True, help=message("cli.division"))
    run.add_argument("--as-of", required=True, help=message("cli.score.run_as_of"))
    run.add_argument("--agency", help=message("cli.score.agency"))
    run.add_argument("--dry-run", action="store_true", help=message("cli.score.dry_run"))
    store_arg(run)


def run(args) -> int:
    from queries.scoring import schemes

    settings = Settings.from_env(store=getattr(args, "store", None))
    catalogue = schemes(settings.schemes_dir)
    if args.score_command == "schemes":
        for s in catalogue:
            print(f"{s.code}  {s.title}  " + message(
                "cli.score.scheme", version=str(s.version), start=s.effective_from,
                scale=s.scheme, grades=", ".join(b.grade for b in s.bands),
                indicators=str(len(s.indicators)), case=s.basis.case or "-"))
            for o in catalogue.overrides.get(s.code, ()):
                print("  " + message("cli.score.override", version=str(o.version),
                                     region=o.region, start=o.effective_from, source=o.source))
        return 0
    with open_store(settings=settings) as store:
        if args.score_command == "show":
            return _show(store, settings, catalogue, args)
        warn_demo_secret(settings)
        return _run(store, settings, catalogue, args)


def _show(store, settings, catalogue, args) -> int:
    from queries.scoring import score
    from queries.search.subjects import subject_uid

    uid = subject_uid(args.subject, settings.secret)
    r = score(store, uid, args.scheme, args.as_of or dt.date.today(), args.bids_won,
              catalogue=catalogue)
    print(f"{r.subject}  " + message(
        "cli.score.show", scheme=r.scheme, version=str(r.version), as_of=r.as_of,
        grade=r.grade, score=str(r.score), band=r.band_grade, base=str(r.base),
        base_reason=r.base_reason))
    for rule in r.rules:
        print("  " + message("cli.score.rule", rule=rule.rule, grade=rule.grade,
                             reason=rule.reason) + f" {rule.record or ''}")
    for d in r.dimensions:
        print("  " + message("cli.score.dimension", name=d.name, score=str(d.score),
                             weight=f"{d.weight:g}", entries=str(d.entries)))
    if r.evaluators:
        for u in r.evaluators.units:
            print("  " + message("cli.score.evaluator", unit=u.unit, score=f"{u.score:.2f}",
                                 weight=f"{u.corrected_weight:.3f}")
                  + ("  " + message("cli.score.outlier", reason=u.reason) if u.outlier else ""))
    for e in r.entries:
        print(f"  {e.points:+g}  {e.indicator or '-'} {e.name}  {e.record}"
              + (" " + message("cli.score.about", about=e.about) if e.about != r.subject else "")
              + f"  {e.reason}")
    for e in r.expired:
        print(f"  (0)  {e.indicator or '-'} {e.name}  {e.record}  {e.reason}")
    return 0


def _run(store, settings, catalogue, args) -> int:
    from graph_model.store.secret import bind_secret
    from loaders.write import write_rows
    from queries.scoring import run_scheme

    started = time.monotonic()
    result = run_scheme(store, args.scheme, args.region, args.as_of, args.agency,
                        catalogue=catalogue)
    computed = time.monotonic() - started
    counts = ", ".join(f"{g} {n}" for g, n in sorted(result.grade_counts().items()))
    print(message("cli.score.run_skipped" if result.persons_skipped else "cli.score.run",
                  scheme=result.scheme, version=str(result.version), as_of=result.as_of,
                  region=result.region, subjects=str(result.subjects),
                  graded=str(len(result.rows)), counts=counts or message("cli.none"),
                  not_scored=str(result.not_scored), skipped=str(result.persons_skipped),
                  seconds=f"{computed:.1f}"))
    if result.persons_skipped:
        print(message("cli.score.persons_warning"), file=sys.stderr)
    if args.dry_run or not result.rows:
        return 0
    with store.load_lock():
        bind_secret(store, settings.secret)
        source = f"creditkb score run --scheme {result.scheme} --region {result.region} " \
                 f"--as-of {result.as_of}"
        nodes = write_rows(store, settings.secret, "evaluations", result.rows,
                           agency=args.agency or catalogue.get(args.scheme).issuer, source=source)
    load = [info for info in store.loads() if info.file == source][-1]
    print(message("cli.score.wrote", n=str(len(nodes)), load=load.load_id,
                  seconds=f"{time.monotonic() - started:.1f}"))
    return 0
