"""``creditkb report SUBJECT --region CODE [--as-of DAY] --format json|html|pdf --out FILE``:
the credit report of a subject (issue 18) for the regulator of a region, as canonical JSON,
one HTML page or a PDF rendered from it, recorded as issued (a ``CreditReport`` record,
one load listed by ``creditkb loads``) so that ``verifyReport`` and ``/verify/<number>``
find it.  SUBJECT is a node id or a USCC, plate, vessel number or resident ID number.

``--viewer-role`` (default regulator) and ``--viewer-region`` (default the region) say
whose scope and masking the report shows: a viewer's report masks personal data.
``--lang zh-CN|en`` words the HTML or PDF (default: the command's language, from ``LANG``);
the JSON, its number and hash are the same in either.
"""

from __future__ import annotations

import datetime as dt
import sys

from creditkb.cli.common import store_arg, warn_demo_secret
from graph_model.i18n import LANGUAGES, message
from graph_model.settings import Settings
from graph_model.store import open_store

FORMATS = ("json", "html", "pdf")


def add_parser(sub) -> None:
    p = sub.add_parser("report", help=message("cli.report.help"))
    p.add_argument("subject", help=message("cli.report.subject"))
    p.add_argument("--region", required=True, help=message("cli.report.region"))
    p.add_argument("--as-of", help=message("cli.report.as_of"))
    p.add_argument("--format", choices=FORMATS, default="json", help=message("cli.report.format"))
    p.add_argument("--out", help=message("cli.report.out"))
    p.add_argument("--viewer-role", default="regulator",
                   choices=("regulator", "investigator", "viewer"),
                   help=message("cli.report.viewer_role"))
    p.add_argument("--viewer-region", help=message("cli.report.viewer_region"))
    p.add_argument("--agency", help=message("cli.report.agency"))
    p.add_argument("--lang", choices=LANGUAGES, help=message("cli.report.lang"))
    store_arg(p)


def run(args) -> int:
    from api.report_render import render_html, render_pdf
    from api.reports import issue
    from graph_model.errors import UserError
    from graph_model.store.secret import bind_secret
    from queries.reports import Viewer, credit_report
    from queries.search.subjects import subject_uid

    if args.format == "pdf" and not args.out:
        raise UserError(message("cli.report.pdf_needs_out"))
    settings = Settings.from_env(store=getattr(args, "store", None))
    today = dt.date.today()
    with open_store(settings=settings) as store:
        uid = subject_uid(args.subject, settings.secret)
        viewer = Viewer(args.viewer_region or args.region, args.viewer_role, args.agency)
        r = credit_report(store, uid, args.region, args.as_of or today, viewer)
        with store.load_lock():
            bind_secret(store, settings.secret)
            issue(store, settings.secret, r, agency=args.agency, today=today,
                  source=f"creditkb report {r.number}")
    if args.format == "json":
        out = r.json.encode("utf-8")
    else:
        page = render_html(r, args.lang)  # None: the command's language
        out = render_pdf(page) if args.format == "pdf" else page.encode("utf-8")
    if args.out:
        with open(args.out, "wb") as f:
            f.write(out)
        warn_demo_secret(settings)
        print(message("cli.report.written", number=r.number, sha256=r.sha256, out=args.out),
              file=sys.stderr)
    else:
        sys.stdout.buffer.write(out)
    return 0
