"""Loading exchange-format files: what a regulator sees when dropping exports into creditkb."""

from __future__ import annotations

import pandas as pd
import pytest
from stdnum.cn import ric, uscc

from creditkb.stores.embedded import EmbeddedStore
from loaders.errors import LoadError
from loaders.load import load_paths
TEST_SECRET = "test-secret"


def make_uscc(body17: str) -> str:
    return body17 + uscc.calc_check_digit(body17)


def make_ric(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")  # stdnum expects a check placeholder


FIRM = make_uscc("91320505MA1MQ7X08")
REP = make_ric("32050520010101123")

ENTERPRISES = (
    "统一社会信用代码,企业名称,企业类型,注册地区划代码,法定代表人姓名,法定代表人身份证号\n"
    f"{FIRM},苏州甲运输有限公司,危货,320505,张三,{REP}\n"
)
VEHICLES = (
    "车牌号码,车牌颜色,车辆类型,所属企业统一社会信用代码,所在地区划代码\n"
    f"苏E12345,黄,危险货物运输车,{FIRM},320505\n"
    f"苏EIO345,黄,危险货物运输车,{FIRM},320505\n"
    f"苏E23456,黄,危险货物运输车,{FIRM},999999\n"
)


@pytest.fixture
def store(tmp_path):
    s = EmbeddedStore(str(tmp_path / "store"))
    yield s
    s.close()


def write(tmp_path, name, text, encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def test_enterprises_and_vehicles_load_with_relationships(tmp_path, store):
    e = write(tmp_path, "e.csv", ENTERPRISES)
    v = write(tmp_path, "v.csv", VEHICLES)
    summaries = load_paths(store, [v, e], TEST_SECRET, max_bad_fraction=1.0)
    assert [s.kind for s in summaries] == ["enterprises", "vehicles"]  # subjects first
    firm = store.get_nodes([f"Enterprise:{FIRM}"])[f"Enterprise:{FIRM}"]
    assert firm.props["name"] == "苏州甲运输有限公司"
    owned = store.neighbours([f"Enterprise:{FIRM}"], rel_types=["OWNS"]).edges
    assert [x.dst for x in owned] == ["Vehicle:苏E12345"]
    reps = store.neighbours([f"Enterprise:{FIRM}"], rel_types=["LEGAL_REPRESENTATIVE_OF"]).edges
    person = store.get_nodes([reps[0].src])[reps[0].src]
    assert person.props["name"] == "张三"
    assert REP not in str(person) and person.props["id_masked"] == REP[:6] + "********" + REP[-4:]


def test_bad_rows_are_reported_with_file_row_column_value_reason(tmp_path, store):
    load_paths(store, [write(tmp_path, "e.csv", ENTERPRISES)], TEST_SECRET)
    [summary] = load_paths(store, [write(tmp_path, "v.csv", VEHICLES)], TEST_SECRET,
                           max_bad_fraction=1.0)
    assert (summary.rows_read, summary.rows_loaded, summary.rows_rejected) == (3, 1, 2)
    rejects = summary.rejects.set_index("row")
    assert rejects.loc[3, "column"] == "plate" and rejects.loc[3, "value"] == "苏EIO345"
    assert rejects.loc[4, "column"] == "region_code" and "unknown region" in rejects.loc[4, "reason"]
    assert set(rejects["file"]) == {str(tmp_path / "v.csv")}


def test_above_the_bad_row_threshold_nothing_of_the_file_is_committed(tmp_path, store):
    load_paths(store, [write(tmp_path, "e.csv", ENTERPRISES)], TEST_SECRET)
    with pytest.raises(LoadError, match="2 of 3 rows are bad"):
        load_paths(store, [write(tmp_path, "v.csv", VEHICLES)], TEST_SECRET, max_bad_fraction=0.5)
    assert store.count_nodes("Vehicle") == 0
    assert store.count_nodes("Enterprise") == 1  # what was committed before stays


def test_reloading_a_file_changes_nothing(tmp_path, store):
    files = [write(tmp_path, "e.csv", ENTERPRISES), write(tmp_path, "v.csv", VEHICLES)]
    load_paths(store, files, TEST_SECRET, max_bad_fraction=1.0)
    before = store.count_nodes(), store.count_edges()
    load_paths(store, files, TEST_SECRET, max_bad_fraction=1.0)
    assert (store.count_nodes(), store.count_edges()) == before


def test_gb18030_and_english_headers_are_read(tmp_path, store):
    text = ENTERPRISES.replace("统一社会信用代码,企业名称", "uscc,name")
    [s] = load_paths(store, [write(tmp_path, "e.csv", text, "gb18030")], TEST_SECRET)
    assert s.rows_loaded == 1
    assert store.get_nodes([f"Enterprise:{FIRM}"])[f"Enterprise:{FIRM}"].props["name"] == "苏州甲运输有限公司"


def test_missing_required_column_refuses_the_file(tmp_path, store):
    text = "企业名称,注册地区划代码\n甲,320505\n"
    with pytest.raises(LoadError, match="统一社会信用代码"):
        load_paths(store, [write(tmp_path, "e.csv", text)], TEST_SECRET, kind="enterprises")


def test_records_about_unknown_subjects_are_rejected_not_dropped(tmp_path, store):
    text = ("处罚决定书文号,对象类型,对象代码,违法行为,处罚决定日期,处罚机关,处罚机关区划代码\n"
            f"苏交罚〔2024〕1号,企业,{FIRM},超载,2024-01-02,苏州市交通运输局,320500\n")
    [s] = load_paths(store, [write(tmp_path, "p.csv", text)], TEST_SECRET, max_bad_fraction=1.0)
    assert s.rows_rejected == 1 and "unknown Enterprise" in s.rejects.iloc[0]["reason"]
    assert store.count_nodes("Penalty") == 0
