"""``creditkb reminders``: the repair reminders a region owes its subjects (#2, #12).

* ``reminders list --region CODE --as-of DAY`` — the reminders due, issued or not, with the
  repair mode, what to submit and the fine's payment check, and the counts per period;
* ``reminders issue --region CODE --as-of DAY`` — record the ones not issued yet as
  issued that day, through the loaders' write path (one load, listed by ``creditkb
  loads``), so a second run issues none of them again.
"""

from __future__ import annotations

from creditkb.cli.common import store_arg, warn_demo_secret
from graph_model.i18n import message
from graph_model.settings import Settings
from graph_model.store import open_store


def add_parser(sub) -> None:
    p = sub.add_parser("reminders", help=message("cli.reminders.help"))
    cmds = p.add_subparsers(dest="reminders_command", required=True, metavar="SUBCOMMAND")
    for name, text in (("list", message("cli.reminders.list")),
                       ("issue", message("cli.reminders.issue"))):
        c = cmds.add_parser(name, help=text)
        c.add_argument("--region", required=True, help=message("cli.division"))
        c.add_argument("--as-of", required=True, help=message("cli.day"))
        if name == "issue":
            c.add_argument("--agency", help=message("cli.reminders.agency"))
        store_arg(c)


def run(args) -> int:
    from queries.rules.reminders import repair_reminders

    settings = Settings.from_env(store=getattr(args, "store", None))
    with open_store(settings=settings) as store:
        r = repair_reminders(store, args.region, args.as_of)
        if args.reminders_command == "list":
            for x in r.reminders:
                c, pay = x.candidate, x.payment
                print(f"{c.penalty.decision_no}  {c.penalty.subject}  {c.routed_by}  "
                      + message("cli.reminders.line", minimum_end=c.minimum_end, mode=c.mode,
                                submit=x.submit)
                      + ("  " + message("cli.reminders.fine", status=pay.status,
                                        paid=f"{pay.paid:g}", fine=f"{pay.fine:g}")
                         if pay and pay.fine else "")
                      + ("  " + message("cli.reminders.issued_on", day=x.issued_on)
                         if x.issued_on else ""))
            _counts(r)
            return 0
        warn_demo_secret(settings)
        return _issue(store, settings, r, args)


def _counts(r) -> None:
    per = ", ".join(f"{p} {n}" for p, n in r.per_period) or message("cli.none")
    print(message("cli.reminders.counts", region=r.region, as_of=r.as_of,
                  reminders=str(len(r.reminders)), to_issue=str(len(r.to_issue)), per=per))


def _issue(store, settings, r, args) -> int:
    from graph_model.store.secret import bind_secret
    from loaders.write import write_rows
    from queries.rules.reminders import reminder_rows

    rows = reminder_rows(r)
    _counts(r)
    if not rows:
        print(message("cli.reminders.nothing"))
        return 0
    with store.load_lock():
        bind_secret(store, settings.secret)
        source = f"creditkb reminders issue --region {r.region} --as-of {r.as_of}"
        nodes = write_rows(store, settings.secret, "reminders", rows, agency=args.agency,
                           source=source)
    print(message("cli.reminders.issued", n=str(len(nodes))))
    return 0
