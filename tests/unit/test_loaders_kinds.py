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
from tests.support.exchange import SPEC_HEADERS
from tests.support.files import FIRM, FIRMS, write

# EXCHANGE_FORMAT.md "Further kinds" (jurisdictions are another branch's), by hand: the
# canonical headers, then the English names, the required ones marked *.
FURTHER = {
    "accidents": ("事故编号* 对象类型 对象代码* 事故日期* 事故等级 死亡人数 受伤人数 责任认定 认定机关* 认定机关区划代码*",
                  "accident_no* subject_kind subject_id* occurred_on* level deaths injuries "
                  "liability agency* agency_region*"),
    "inspections": ("检查编号* 对象类型 对象代码* 检查日期* 检查类型 检查结果* 缺陷数 地点 检查机关* 检查机关区划代码*",
                    "inspection_no* subject_kind subject_id* inspected_on* kind result* defects "
                    "place agency* agency_region*"),
    "monitoring_alarms": ("告警编号* 对象代码* 告警类型* 发生时间* 处置结果 监测机关 监测机关区划代码",
                          "alarm_no* subject_id* kind* occurred_at* outcome agency agency_region"),
    "port_calls": ("船舶识别号* 港口* 港口区划代码* 到港日期* 离港日期 作业类型",
                   "vessel_id* port* port_region* arrived_on* departed_on operation"),
    "complaints": ("投诉编号* 对象类型 对象代码* 投诉日期* 类别 核查结果 受理机关* 受理机关区划代码*",
                   "complaint_no* subject_kind subject_id* received_on* category finding agency* "
                   "agency_region*"),
    "reviews": ("评价编号* 对象类型 对象代码* 评价人类型* 评价人 指标 得分* 满分 评价日期* 项目 评价机关 评价机关区划代码",
                "review_no* subject_kind subject_id* evaluator_kind* evaluator indicator score* "
                "max_score reviewed_on* project agency agency_region"),
    "point_entries": ("记录编号* 对象类型 对象代码* 计分体系* 行为代码 行为描述 分值* 发生日期* 有效期止 记分机关* 记分机关区划代码*",
                      "entry_no* subject_kind subject_id* scheme* behaviour description points* "
                      "occurred_on* valid_to agency* agency_region*"),
    "fine_payments": ("处罚决定书文号* 缴款日期* 缴款金额* 缴款凭证号",
                      "decision_no* paid_on* amount* receipt_no"),
    "objections": ("异议编号* 对象类型 对象代码* 异议记录* 提出日期* 异议理由 处理状态 办结日期 处理机关* 处理机关区划代码*",
                   "objection_no* subject_kind subject_id* record* filed_on* grounds status "
                   "closed_on agency* agency_region*"),
}


def headers(spec: str, required_only: bool = False) -> list[str]:
    return [h.rstrip("*") for h in spec.split() if h.endswith("*") or not required_only]


def test_the_kinds_are_the_exchange_formats_and_load_in_an_order_naming_them_all():
    assert set(kinds()) == set(SPEC_HEADERS) | set(FURTHER) == set(KIND_ORDER)
    for kind, (chinese, english) in FURTHER.items():
        cols = kinds()[kind].columns
        # beyond the format: a firm named without its USCC, and an alarm's 对象类型 (which
        # refuses an alarm said to be about anything but a vehicle)
        shown = [c.header for c in cols.values() if c.name != "subject_name"]
        if kind == "monitoring_alarms":
            shown.remove("对象类型")
        assert shown == headers(chinese), kind
        assert set(headers(english)) <= set(cols), kind
        assert {c.name for c in kinds()[kind].required()} == set(headers(english, True)), kind


@pytest.mark.parametrize("kind", [*SPEC_HEADERS, *FURTHER])
def test_every_kind_is_told_from_its_canonical_or_english_headers(kind):
    if kind in FURTHER:
        chinese, english = (headers(spec) for spec in FURTHER[kind])
        required = [headers(spec, True) for spec in FURTHER[kind]]
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
    wb.active.append(headers(FURTHER["monitoring_alarms"][0]))
    wb.active.append(["GJ1", "苏E12345", "超速", dt.datetime(2024, 5, 1, 8, 15), "已处置",
                      "苏州市交通运输局", 320500])
    wb.active.append(["GJ2", "苏E12345", "超速", dt.datetime(2024, 5, 2), "已处置", None, None])
    wb.save(tmp_path / "alarms.xlsx")
    wb = openpyxl.Workbook()
    wb.active.append(headers(FURTHER["port_calls"][0]))
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
