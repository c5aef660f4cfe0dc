"""``creditkb qr SUBJECT --out FILE [--base-url URL]``: the QR code of a firm's public
lookup page (#14, 商户码): ``<base-url>/p/<code>``, the code being the USCC with a tag only
the store's secret makes (:mod:`queries.reports.public`).  PNG or SVG by the file's suffix
(segno); without ``--out`` the URL is printed."""

from __future__ import annotations

from creditkb.cli.common import store_arg, warn_demo_secret
from graph_model.i18n import message
from graph_model.settings import Settings
from graph_model.store import open_store


def add_parser(sub) -> None:
    p = sub.add_parser("qr", help=message("cli.qr.help"))
    p.add_argument("subject", help=message("cli.qr.subject"))
    p.add_argument("--base-url", default="http://127.0.0.1:8000", help=message("cli.qr.base_url"))
    p.add_argument("--out", help=message("cli.qr.out"))
    store_arg(p)


def run(args) -> int:
    import segno

    from graph_model.errors import UserError
    from queries.reports.public import lookup_code

    settings = Settings.from_env(store=getattr(args, "store", None))
    uscc = args.subject.strip().removeprefix("Enterprise:").upper()
    with open_store(settings=settings) as store:
        if store.get_nodes([f"Enterprise:{uscc}"]).get(f"Enterprise:{uscc}") is None:
            raise UserError(message("cli.qr.no_enterprise", uscc=repr(uscc)))
    url = f"{args.base_url.rstrip('/')}/p/{lookup_code(uscc, settings.secret)}"
    warn_demo_secret(settings)
    if args.out:
        if not args.out.lower().endswith((".png", ".svg")):
            raise UserError(message("cli.qr.out_suffix"))
        segno.make(url, error="m").save(args.out, scale=8, border=4)
    print(url)
    return 0
