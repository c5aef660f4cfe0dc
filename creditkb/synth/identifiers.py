"""Valid, distinct identifiers drawn at scale: USCCs, resident ID numbers, plates,
IMO check digits."""

from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd
from stdnum.cn import ric as _ric
from stdnum.cn import uscc as _uscc

from creditkb.synth.regions import PLATE_LETTERS, regions
from graph_model.identifiers.imo import imo_check_digits


_USCC_ALPHABET = np.array(list(_uscc._alphabet))
_ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2])
#: The unified code reform: firms registered since then get 'MA...' organisation codes.
USCC_REFORM = np.datetime64("2015-10-01")


def _join_chars(chars: np.ndarray) -> np.ndarray:
    """Rows of a 2-d array of one-character strings, joined into an object array."""
    return chars.astype(object).sum(axis=1)


def _org_codes(rng: np.random.Generator, recent: np.ndarray) -> np.ndarray:
    """Nine-character organisation codes (GB 11714, with their own check character).

    Firms registered since the reform (``recent``) get codes starting 'MA' from the
    market regulator; older ones keep their eight-digit organisation code.  Letters are
    limited to the USCC alphabet so the code can sit inside a USCC.
    """
    n = len(recent)
    body = rng.integers(0, 10, (n, 8)).astype(str).astype("<U1")
    body[recent, 0], body[recent, 1] = "M", "A"
    body[recent, 2:] = _USCC_ALPHABET[rng.integers(0, len(_USCC_ALPHABET), (int(recent.sum()), 6))]
    # Character values: 0-9 for digits, A=10 ... Z=35 (code points via the UCS-4 buffer).
    points = body.view(np.uint32).reshape(n, 8).astype(np.int64)
    values = np.where(points < 65, points - 48, points - 55)
    check = 11 - (values @ _ORG_WEIGHTS) % 11
    check_ch = np.where(check == 10, "X", np.where(check == 11, "0", check.astype(str)))
    return _join_chars(body) + check_ch.astype(object)


def make_usccs(rng: np.random.Generator, counties: np.ndarray, recent: np.ndarray) -> np.ndarray:
    """Valid, distinct USCCs of enterprises registered in ``counties`` (6-digit codes).

    '9' (market regulator) + '1' (enterprise) + county + organisation code + the GB 32100
    check character from stdnum.  ``recent`` marks firms registered since the reform.
    """
    def draw(where: np.ndarray) -> np.ndarray:
        bodies = "91" + counties[where] + _org_codes(rng, recent[where])
        return np.array([b + _uscc.calc_check_digit(b) for b in bodies], dtype=object)

    out = draw(np.arange(len(counties)))
    for _ in range(100):
        dup = pd.Index(out).duplicated()
        if not dup.any():
            return out
        out[dup] = draw(np.flatnonzero(dup))
    raise RuntimeError("could not draw distinct USCCs")


def make_rics(rng: np.random.Generator, county_idx: np.ndarray, male_share: float,
              taken: Iterable[str] = ()) -> np.ndarray:
    """Valid, distinct resident ID numbers for persons born in ``county_idx``.

    The birth year is drawn from the years in which the county code was in use (so
    stdnum's place-of-birth check passes) within 1960-2003; the sequence number is odd
    for men; the ISO 7064 MOD 11-2 check comes from stdnum.
    """
    r = regions()
    lo, hi = r.birth_lo[county_idx], r.birth_hi[county_idx]
    if (lo > hi).any():
        raise ValueError("county codes unusable in resident IDs")

    def draw(n: int, idx=None) -> np.ndarray:
        sel = slice(None) if idx is None else idx
        year = lo[sel] + np.floor(rng.random(n) * (hi[sel] - lo[sel] + 1)).astype(int)
        day = (np.asarray(year - 1970).astype("datetime64[Y]").astype("datetime64[D]")
               + rng.integers(0, 365, n))
        ymd = np.char.replace(np.datetime_as_string(day, unit="D"), "-", "").astype(object)
        seq = rng.integers(1, 500, n) * 2 - (rng.random(n) < male_share)  # odd: male
        bodies = r.county[county_idx[sel]] + ymd + np.char.zfill(seq.astype(str), 3).astype(object)
        return np.array([b + _ric.calc_check_digit(b + "0") for b in bodies], dtype=object)

    out = draw(len(county_idx))
    taken = np.asarray(list(taken), dtype=object)
    for _ in range(100):
        dup = pd.Index(np.concatenate([taken, out])).duplicated()[len(taken):]
        if not dup.any():
            return out
        out[dup] = draw(int(dup.sum()), np.flatnonzero(dup))
    raise RuntimeError("could not draw distinct resident IDs")


def imo_check(six: np.ndarray) -> np.ndarray:
    """IMO check digits of six-digit integers (graph_model.identifiers.imo)."""
    return imo_check_digits((six[:, None] // 10 ** np.arange(5, -1, -1)) % 10)


def make_plates(rng: np.random.Generator, county_idx: np.ndarray,
                new_energy: np.ndarray, large: np.ndarray) -> np.ndarray:
    """Licence plates for vehicles based in ``county_idx`` (not yet de-duplicated).

    Province abbreviation of the county's province, the city letter, then five
    characters (letters without I/O, mostly digits) or, for new-energy vehicles, six:
    D/F + letter-or-digit + four digits on small cars, five digits + D/F on large ones.
    """
    r = regions()
    n = len(county_idx)
    letters = np.array(list(PLATE_LETTERS))
    digit = rng.integers(0, 10, (n, 6)).astype(str)
    # Ordinary: first character a letter 30% of the time, the others 10%.
    ordinary = np.where(rng.random((n, 5)) < np.array([0.3, 0.1, 0.1, 0.1, 0.1]),
                        letters[rng.integers(0, len(letters), (n, 5))], digit[:, :5])
    df = np.where(rng.random(n) < 0.8, "D", "F")
    second = np.where(rng.random(n) < 0.5, letters[rng.integers(0, len(letters), n)], digit[:, 5])
    small_ne = df.astype(object) + second.astype(object) + _join_chars(digit[:, 1:5])
    large_ne = _join_chars(digit[:, :5]) + df.astype(object)
    tail = np.where(new_energy, np.where(large, large_ne, small_ne), _join_chars(ordinary))
    pools = r.county_plates[county_idx]
    pick = np.floor(rng.random(n) * np.array([len(s) for s in pools])).astype(int)
    city_letter = np.array([s[i] for s, i in zip(pools, pick)], dtype=object)
    return r.prov_abbr[r.county_prov[county_idx]] + city_letter + tail.astype(object)
