"""``python -m creditkb.synth OUT_DIR [--scale S] [--seed N]``: a data set, with a progress bar."""

from __future__ import annotations

import argparse

from creditkb.synth import generate, plan_sizes
from creditkb.synth.records import AGREEMENTS


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir")
    parser.add_argument("--scale", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    from tqdm import tqdm

    sizes = plan_sizes(args.scale)
    total = sum(sizes.values()) + len(AGREEMENTS)
    with tqdm(total=total, unit="rows", unit_scale=True) as bar:
        def progress(kind: str, rows: int) -> None:
            bar.set_description(kind)
            bar.update(rows)

        paths = generate(args.out_dir, args.scale, args.seed, progress)
    for kind, path in paths.items():
        print(f"{kind:14s} {path}")


if __name__ == "__main__":
    main()


main()
