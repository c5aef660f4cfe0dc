"""``creditkb generate``: a synthetic exchange-format data set (creditkb.synth)."""

from __future__ import annotations

import sys

from graph_model.i18n import message


def add_parser(sub) -> None:
    p = sub.add_parser("generate", help=message("cli.generate.help"))
    p.add_argument("--scale", type=float, default=0.01,
                   help=message("cli.generate.scale"))
    p.add_argument("--out", required=True, help=message("cli.generate.out"))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--rows", action="append", default=[], metavar="KIND=N",
                   help=message("cli.generate.rows"))
    p.add_argument("--delta", metavar="KIND", help=message("cli.generate.delta"))
    p.add_argument("--base", metavar="DIR", help=message("cli.generate.base"))
    p.add_argument("--fraction", type=float, default=0.01, help=message("cli.generate.fraction"))


def _rows(items: list[str]) -> dict[str, int]:
    from graph_model.errors import UserError

    out = {}
    for item in items:
        kind, _, n = item.partition("=")
        if not n.strip().isdigit():
            raise UserError(f"--rows {item!r}: expected KIND=N, e.g. point_entries=20000000")
        out[kind.strip()] = int(n)
    return out


def run(args) -> int:
    if args.delta:
        return _delta(args)
    from tqdm import tqdm

    from creditkb.synth import generate

    bar = tqdm(desc="generating", unit="row", unit_scale=True, disable=None, file=sys.stderr)

    def progress(kind, rows):
        bar.set_postfix_str(kind)
        bar.update(rows)

    try:
        files = generate(args.out, scale=args.scale, seed=args.seed, progress=progress,
                         rows=_rows(args.rows))
    finally:
        bar.close()
    for kind, path in files.items():
        print(f"{kind}: {path}")
    return 0


def _delta(args) -> int:
    from creditkb.synth.delta import write_delta
    from graph_model.errors import UserError

    if not args.base:
        raise UserError("--delta needs --base DIR, the generated set it changes")
    path = write_delta(args.base, args.delta, args.out, args.fraction, args.seed)
    print(f"{args.delta}: {path}")
    return 0
