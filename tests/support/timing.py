"""Whether two kinds of request take time of one class: compared as distributions of many
interleaved samples (never single requests), so that a noisy shared machine slows both
alike.

The measure is the common-language effect size of the Mann-Whitney U statistic: the
chance that a request of the first kind takes longer than one of the second.  0.5 is
"indistinguishable"; a difference in the work done shows as a value near 0 or 1 (the
out-of-scope and missing subjects of issue 11 gave 0.97), however many samples.
"""

from __future__ import annotations

import random
import statistics
import time
from typing import Callable

from scipy.stats import mannwhitneyu


def sample(kinds: dict[str, Callable[[], object]], n: int, warmup: int = 20,
           seed: int = 11) -> dict[str, list[float]]:
    """``n`` timings of each kind, taken in a shuffled interleaved order after ``warmup``
    untimed rounds of each."""
    order = [k for k in kinds for _ in range(n)]
    random.Random(seed).shuffle(order)
    for _ in range(warmup):
        for call in kinds.values():
            call()
    out: dict[str, list[float]] = {k: [] for k in kinds}
    for k in order:
        started = time.perf_counter()
        kinds[k]()
        out[k].append(time.perf_counter() - started)
    return out


def effect_size(a: list[float], b: list[float]) -> float:
    """P(a request of ``a`` takes longer than one of ``b``), ties counted half."""
    return float(mannwhitneyu(a, b).statistic) / (len(a) * len(b))


def describe(samples: dict[str, list[float]]) -> str:
    return ", ".join(f"{k}: median {statistics.median(v) * 1000:.2f} ms"
                     for k, v in samples.items())
