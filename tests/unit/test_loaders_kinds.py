"""Which kind a file is, told from its headers, for every kind of the exchange format (the
first ten and the further kinds), with the canonical Chinese headers copied by hand from
EXCHANGE_FORMAT.md or their English names; and workbook cells with a time of day."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from loaders.kinds import guess_kind, kinds
from loaders.load import KIND_ORDER, load_paths
from graph_model.store.embedded.store import EmbeddedStore
from tests.support.exchange import FURTHER_SPEC, SPEC_HEADERS, spec_columns
from tests.support.files import FIRM, FIRMS, write

#: Columns creditkb writes beyond the format: a record's corrected versions, a listing's
#: statement period and an objection's lifecycle (rule 21, issue 16).
BEYOND_FORMAT = {"更正原记录", "更正依据异议编号", "陈述申辩期限", "提出方", "附件", "异议记录标识",
                 "受理日期", "核查日期", "办理期限", "处理理由", "更正后记录"}


def test_the_kinds_are_the_exchange_formats_and_load_in_an_order_naming_them_all():
    # (reminders and credit reports are creditkb's own records of what it issued, no export)
    assert list(kinds())[:-2] == list(SPEC_HEADERS) and set(KIND_ORDER) == set(kinds())
    assert list(kinds())[-2:] == ["reminders", "credit_reports"]
    for kind, (chinese, english) in FURTHER_SPEC.items():
        cols = kinds()[kind].columns
        # beyond the format: a firm named without its USCC, and an alarm's 对象类型 (which
        # refuses an alarm said to be about anything but a vehicle)
        shown = [c.header for c in cols.values()
                 if c.name != "subject_name" and c.header not in BEYOND_FORMAT]
        if kind == "monitoring_alarms":
            shown.remove("对象类型")
        assert shown == spec_columns(chinese), kind
        assert set(spec_columns(english)) <= set(cols), kind
        assert {c.name for c in kinds()[kind].required()} == set(spec_columns(english, True)), kind


@pytest.mark.parametrize("kind", SPEC_HEADERS)
def test_every_kind_is_told_from_its_canonical_or_english_headers(kind):
    if kind in FURTHER_SPEC:
        chinese, english = (spec_columns(spec) for spec in FURTHER_SPEC[kind])
        required = [spec_columns(spec, True) for spec in FURTHER_SPEC[kind]]
    else:
        chinese = SPEC_HEADERS[kind]
        english = [kinds()[kind].header_map()[h] for h in chinese]
        required = [[c.header for c in kinds()[kind].required()],
                    [c.name for c in kinds()[kind].required()]]
    assert guess_kind(chinese) == kind
    assert guess_kind(english) == kind
    assert guess_kind([h.upper() for h in english]) == kind  # English names in any case
    for only in required:
        assert guess_kind(only) == kind, only
    assert guess_kind(chinese + ["备注"]) == kind  # an extra column changes nothing


def test_a_file_without_a_kinds_required_headers_is_no_kind():
    assert guess_kind(["告警编号", "对象代码", "发生时间"]) is None  # no 告警类型
    assert guess_kind(["缴款日期", "缴款金额"]) is None


def test_a_workbooks_moments_keep_their_time_and_its_dates_stay_dates(tmp_path):
    store = EmbeddedStore(str(tmp_path / "s"))
    load_paths(store, [write(tmp_path, "f.csv", FIRMS)], "s")
    load_paths(store, [write(tmp_path, "v.csv", f"车牌号码,所属企业统一社会信用代码,所在地区划代码\n"
                                                f"苏E12345,{FIRM},320505\n")], "s")
    wb = openpyxl.Workbook()
    wb.active.append(spec_columns(FURTHER_SPEC["monitoring_alarms"][0]))
    wb.active.append(["GJ1", "苏E12345", "超速", dt.datetime(2024, 5, 1, 8, 15), "已处置",
                      "苏州市交通运输局", 320500])
    wb.active.append(["GJ2", "苏E12345", "超速", dt.datetime(2024, 5, 2), "已处置", None, None])
    wb.save(tmp_path / "alarms.xlsx")
    wb = openpyxl.Workbook()
    wb.active.append(spec_columns(FURTHER_SPEC["port_calls"][0]))
    wb.active.append(["CN20181025637", "太仓港", 320585, dt.datetime(2024, 6, 1, 22, 40), None, "装货"])
    wb.save(tmp_path / "calls.xlsx")
    load_paths(store, [write(tmp_path, "s.csv", f"船舶识别号,船名,船籍港区划代码\nCN20181025637,江海8,320585\n")], "s")
    [alarms, calls] = load_paths(store, [tmp_path / "alarms.xlsx", tmp_path / "calls.xlsx"], "s")
    assert (alarms.rows_loaded, calls.rows_loaded) == (2, 1)
    got = store.get_nodes(["MonitoringAlarm:GJ1", "MonitoringAlarm:GJ2"])
    assert [got[u].props["occurred_at"] for u in sorted(got)] == ["2024-05-01 08:15:00", "2024-05-02"]
    [call] = store.find_nodes("PortCall")
    assert call.props["arrived_on"] == "2024-06-01"
    store.close()
