"""``creditkb objections``: an agency's objection queue (信用异议, rule 21), oldest deadline
first, with the overdue ones marked, and case #13's figures.

* ``objections --region CODE [--as-of DAY] [--status S ...]`` — the queue of the agencies of
  a region (default: the open ones, 受理 and 核查中);
* ``objections --region CODE --from DAY --to DAY --stats`` — filed, upheld, corrected,
  withdrawn, succeeded and the median days to decide.
"""

from __future__ import annotations

import datetime as dt

from creditkb.cli.common import store_arg
from graph_model.settings import Settings
from graph_model.store import open_store


def add_parser(sub) -> None:
    p = sub.add_parser("objections", help="an agency's objection queue, oldest deadline first")
    p.add_argument("--region", required=True, help="six-digit division code")
    p.add_argument("--as-of", help="the day overdue is judged on (default: today)")
    p.add_argument("--status", nargs="*", help="statuses to list (default: 受理 核查中)")
    p.add_argument("--limit", type=int, default=100, help="at most this many (default 100)")
    p.add_argument("--stats", action="store_true", help="case #13's figures instead")
    p.add_argument("--from", dest="date_from", help="with --stats: first filing day")
    p.add_argument("--to", dest="date_to", help="with --stats: last filing day")
    store_arg(p)


def run(args) -> int:
    from graph_model.errors import UserError
    from queries.rules.objections import objection_queue, objection_stats

    settings = Settings.from_env(store=getattr(args, "store", None))
    with open_store(settings=settings) as store:
        if args.stats:
            if not (args.date_from and args.date_to):
                raise UserError("objections --stats needs --from and --to")
            s = objection_stats(store, args.region, args.date_from, args.date_to)
            median = "-" if s.median_days_to_decide is None else f"{s.median_days_to_decide:g}"
            print(f"{s.region} {s.date_from}..{s.date_to}: filed {s.filed}, not accepted "
                  f"{s.not_accepted}, upheld {s.upheld}, corrected {s.corrected}, withdrawn "
                  f"{s.withdrawn}, succeeded {s.succeeded}, open {s.open}; median days to "
                  f"decide {median}")
            return 0
        page = objection_queue(store, args.region, args.as_of or dt.date.today(),
                               args.status, limit=args.limit)
        for item in page.items:
            p = item.objection.props
            print(f"{item.objection.key}  {p.get('status')}  due {item.due_on or '-'}"
                  f"{'  OVERDUE' if item.overdue else ''}  filed {p.get('filed_on')}  "
                  f"{p.get('record')}  {p.get('agency')}")
        print(f"{page.region} on {page.as_of}: {page.total} objections"
              + (f" ({len(page.items)} shown)" if len(page.items) < page.total else ""))
    return 0
