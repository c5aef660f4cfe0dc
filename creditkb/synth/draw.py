"""The period the data describe, and small vectorised helpers: day numbers, random
streams and draws."""

from __future__ import annotations

import functools
from typing import Callable, Iterable

import numpy as np
import pandas as pd


# The data describe 2019-01-01 .. AS_OF; deadlines and validity ends stay within 2026.
DATA_START = np.datetime64("2019-01-01")
AS_OF = np.datetime64("2026-10-31")
DATA_END = np.datetime64("2026-12-31")


_DATE_BASE = np.datetime64("1950-01-01")
_DAY = np.timedelta64(1, "D")


@functools.cache
def _date_strings() -> np.ndarray:
    """'YYYY-MM-DD' for every day 1950..2030 (a point entry counts up to three years), plus
    '' at the end so that -1 means empty."""
    days = _DATE_BASE + np.arange((np.datetime64("2031-01-01") - _DATE_BASE) // _DAY)
    return np.append(np.datetime_as_string(days, unit="D").astype(object), "")


def _day(d: np.datetime64) -> int:
    """Day number of a date, as used by :func:`_dates`."""
    return int((d - _DATE_BASE) // _DAY)


def _dates(days: np.ndarray) -> np.ndarray:
    """Format day numbers (see :func:`_day`); -1 gives an empty cell."""
    return _date_strings()[days]


def _year(days: np.ndarray) -> np.ndarray:
    """Calendar year of day numbers."""
    return (_DATE_BASE + days.astype("timedelta64[D]")).astype("datetime64[Y]").astype(int) + 1970


def _rng(seed: int, part: int) -> np.random.Generator:
    """The random stream of one part of the generator, independent of the others."""
    return np.random.default_rng([seed, part])


def _uniform_days(rng: np.random.Generator, n: int, start, end, skew: float = 1.0) -> np.ndarray:
    """``n`` day numbers in [start, end]; ``skew`` < 1 puts more of them near the end.

    Parameters
    ----------
    start, end : np.datetime64 or int
        Inclusive bounds (dates or day numbers; arrays allowed).
    skew : float
        Exponent on the uniform draw: record volumes grow over the years.
    """
    lo = start if isinstance(start, (int, np.ndarray)) else _day(start)
    hi = end if isinstance(end, (int, np.ndarray)) else _day(end)
    return (lo + np.floor(rng.random(n) ** skew * (hi - lo + 1))).astype(np.int64)


def _not_before(rng: np.random.Generator, day: np.ndarray, floor: np.ndarray,
                last: int | np.ndarray) -> np.ndarray:
    """Redraw the days that fall before ``floor`` uniformly within [floor, last].

    Records about a firm cannot predate the firm; rows with ``floor > last`` keep ``last``.
    """
    day = day.copy()
    last = np.broadcast_to(last, day.shape)
    bad = day < floor
    lo, hi = floor[bad], np.maximum(last[bad], floor[bad])
    redrawn = lo + np.floor(rng.random(int(bad.sum())) * (hi - lo + 1)).astype(np.int64)
    day[bad] = np.minimum(redrawn, last[bad])
    return day


def _pick(rng: np.random.Generator, options: Iterable[str], shares: Iterable[float],
          n: int) -> np.ndarray:
    """``n`` draws from ``options`` with the given shares, as an object array."""
    opts = np.array(list(options), dtype=object)
    p = np.asarray(list(shares), dtype=float)
    return opts[rng.choice(len(opts), size=n, p=p / p.sum())]


def _exact_counts(shares: np.ndarray, n: int) -> np.ndarray:
    """Split ``n`` by ``shares`` into integers (largest remainder), summing to ``n``."""
    raw = shares / shares.sum() * n
    counts = np.floor(raw).astype(np.int64)
    counts[np.argsort(-(raw - counts), kind="stable")[: n - counts.sum()]] += 1
    return counts


def _digits(rng: np.random.Generator, n: int, width: int) -> np.ndarray:
    """``n`` random strings of ``width`` decimal digits."""
    return np.char.zfill(rng.integers(0, 10**width, n).astype(str), width).astype(object)


def _unique_draw(draw: Callable[[int], np.ndarray], n: int,
                 taken: Iterable[str] = ()) -> np.ndarray:
    """Draw ``n`` distinct strings, redrawing collisions (rare: the spaces are large)."""
    out = draw(n)
    taken = np.asarray(list(taken), dtype=object)
    for _ in range(100):
        dup = pd.Index(np.concatenate([taken, out])).duplicated()[len(taken):]
        if not dup.any():
            return out
        out[dup] = draw(int(dup.sum()))
    raise RuntimeError("could not draw distinct identifiers")
