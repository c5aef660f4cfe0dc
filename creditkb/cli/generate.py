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
