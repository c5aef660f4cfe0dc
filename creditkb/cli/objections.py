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
from graph_model.i18n import message
from graph_model.settings import Settings
from graph_model.store import open_store


def add_parser(sub) -> None:
    p = sub.add_parser("objections", help=message("cli.objections.help"))
    p.add_argument("--region", required=True, help=message("cli.division"))
    p.add_argument("--as-of", help=message("cli.objections.as_of"))
    p.add_argument("--status", nargs="*", help=message("cli.objections.status"))
    p.add_argument("--limit", type=int, default=100, help=message("cli.objections.limit"))
    p.add_argument("--stats", action="store_true", help=message("cli.objections.stats"))
    p.add_argument("--from", dest="date_from", help=message("cli.objections.from"))
    p.add_argument("--to", dest="date_to", help=message("cli.objections.to"))
    store_arg(p)


def run(args) -> int:
    from graph_model.errors import UserError
    from queries.rules.objections import objection_queue, objection_stats

    settings = Settings.from_env(store=getattr(args, "store", None))
    with open_store(settings=settings) as store:
        if args.stats:
            if not (args.date_from and args.date_to):
                raise UserError(message("cli.objections.stats_needs_period"))
            s = objection_stats(store, args.region, args.date_from, args.date_to)
            median = "-" if s.median_days_to_decide is None else f"{s.median_days_to_decide:g}"
            print(message("cli.objections.stats_line", region=s.region, start=_day(s.date_from),
                          end=_day(s.date_to), filed=s.filed, not_accepted=s.not_accepted,
                          upheld=s.upheld, corrected=s.corrected, withdrawn=s.withdrawn,
                          succeeded=s.succeeded, open=s.open, median=median))
            return 0
        page = objection_queue(store, args.region, args.as_of or dt.date.today(),
                               args.status, limit=args.limit)
        for item in page.items:
            p = item.objection.props
            print(message("cli.objections.item_overdue" if item.overdue else "cli.objections.item",
                          number=item.objection.key, status=p.get("status"),
                          due=_day(item.due_on) or "-", filed=_day(p.get("filed_on")),
                          record=p.get("record"), agency=p.get("agency")))
        shown = len(page.items)
        print(message("cli.objections.total_shown" if shown < page.total else "cli.objections.total",
                      region=page.region, as_of=_day(page.as_of), total=page.total, shown=shown))
    return 0


def _day(value):
    """A stored day as a date (written the language's way by ``message``); as given
    otherwise."""
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else value
    except ValueError:
        return value
