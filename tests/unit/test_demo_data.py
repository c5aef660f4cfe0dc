"""The hand-written demo data set: valid exchange-format files that tell DOMAIN.md's stories.

Subject codes below are the ones in ``creditkb/demo/README.md``.
"""

from __future__ import annotations

from importlib import resources

import pandas as pd
import pytest
from stdnum import imo
from stdnum.cn import ric, uscc

from tests.support.exchange import (
    FURTHER_SPEC, PLATE_ABBR, SPEC_HEADERS, real_region_codes, spec_columns, split,
)

SXCT = {"320500", "320200", "320400", "320600"}  # 苏州, 无锡, 常州, 南通
ROAD5 = "道路运输经营者信用评价"

DISHONEST = "91320506MA1MKT3P0P"
SISTER = "91320583MA1N2Q7D2B"
SHIPPING = "91320613608415378N"
HANGZHOU = "91330106143127092A"
SUZHOU_TAXIS = "91320508137219580W"


@pytest.fixture(scope="module")
def demo():
    folder = resources.files("creditkb") / "demo"
    out = {}
    for kind in SPEC_HEADERS:
        with resources.as_file(folder / f"{kind}.csv") as path:
            raw = path.read_bytes()
            assert raw.decode("utf-8").split("\n", 1)[0].split(",") == SPEC_HEADERS[kind], kind
            out[kind] = pd.read_csv(path, dtype=str, keep_default_na=False)
    return out


# --- validity ----------------------------------------------------------------------------

def test_files_are_small_and_complete(demo):
    for kind, df in demo.items():
        assert 1 <= len(df) <= 60, kind
        required = [c for c in df.columns if c in _REQUIRED[kind]]
        assert (df[required] != "").all().all(), kind


_REQUIRED = {
    "enterprises": {"统一社会信用代码", "企业名称", "注册地区划代码"},
    "vehicles": {"车牌号码", "所在地区划代码"},
    "vessels": {"船舶识别号", "船名", "船籍港区划代码"},
    "practitioners": {"身份证号", "姓名"},
    "penalties": {"处罚决定书文号", "对象代码", "违法行为", "处罚决定日期", "处罚机关", "处罚机关区划代码"},
    "evaluations": {"对象代码", "评价体系", "信用等级", "评价机关", "评价机关区划代码", "有效期起"},
    "list_entries": {"名单类型", "对象代码", "列入日期", "认定机关", "认定机关区划代码"},
    "agreements": {"协议名称", "成员区划代码", "生效日期"},
    "repairs": {"处罚决定书文号", "修复日期"},
    "commitments": {"对象代码", "承诺类型", "承诺日期"},
    **{kind: set(spec_columns(chinese, required_only=True))
       for kind, (chinese, _) in FURTHER_SPEC.items()},
    "jurisdictions": {"机关名称", "机关代码", "管辖区划代码"},
}


def test_identifiers_are_valid(demo):
    ent, prac, ves = demo["enterprises"], demo["practitioners"], demo["vessels"]
    assert ent["统一社会信用代码"].is_unique
    assert all(uscc.is_valid(c) for c in ent["统一社会信用代码"])
    ids = pd.concat([prac["身份证号"], ent["法定代表人身份证号"].drop_duplicates()])
    assert ids.is_unique
    assert all(ric.is_valid(i) for i in ids)
    imos = ves.loc[ves["IMO编号"] != "", "IMO编号"]
    assert len(imos) >= 1 and all(imo.is_valid(x) for x in imos)
    assert ves["船舶识别号"].str.fullmatch(r"CN\d{11}").all()
    assert demo["penalties"]["处罚决定书文号"].is_unique


def test_region_codes_are_real(demo):
    real = real_region_codes()
    for kind, df in demo.items():
        for col in df.columns:
            if col.endswith("区划代码"):
                values = set(split(df[col]))
                # a national agency's jurisdiction is 100000, everywhere (EXCHANGE_FORMAT.md)
                allowed = real | ({"100000"} if kind == "jurisdictions" else set())
                assert values <= allowed, (kind, col, values - allowed)
    assert set(demo["enterprises"]["统一社会信用代码"].str[2:8]) <= real


def test_plates_match_their_region(demo):
    veh = demo["vehicles"]
    assert veh["车牌号码"].is_unique
    assert (veh["车牌号码"].str[0] == veh["所在地区划代码"].str[:2].map(PLATE_ABBR)).all()
    # Suzhou plates are 苏E, Wuxi 苏B, Changzhou 苏D, Nantong 苏F.
    letters = {"3205": "E", "3202": "B", "3204": "D", "3206": "F"}
    js = veh[veh["所在地区划代码"].str[:4].isin(letters)]
    assert (js["车牌号码"].str[1] == js["所在地区划代码"].str[:4].map(letters)).all()
    assert veh["车牌号码"].str.len().isin([7, 8]).all()


def test_references_resolve(demo):
    ent, veh, ves, prac = (demo[k] for k in ("enterprises", "vehicles", "vessels", "practitioners"))
    usccs = set(ent["统一社会信用代码"])
    assert set(veh["所属企业统一社会信用代码"]) <= usccs
    assert set(ves["船舶所有人统一社会信用代码"]) | set(ves["船舶经营人统一社会信用代码"]) - {""} <= usccs
    assert set(prac["所属企业统一社会信用代码"]) <= usccs
    owner = veh.set_index("车牌号码")["所属企业统一社会信用代码"]
    drivers = prac.assign(plate=prac["驾驶车辆"].str.split(";")).explode("plate")
    drivers = drivers[drivers["plate"] != ""]
    assert (drivers["plate"].map(owner) == drivers["所属企业统一社会信用代码"]).all()
    assert set(split(prac["服务船舶"])) <= set(ves["船舶识别号"])
    known = {"企业": usccs, "车辆": set(veh["车牌号码"]), "船舶": set(ves["船舶识别号"]),
             "人员": set(prac["身份证号"]) | set(ent["法定代表人身份证号"])}
    for kind in ("penalties", "evaluations", "list_entries", "commitments", "accidents",
                 "inspections", "complaints", "reviews", "point_entries", "objections"):
        for _, row in demo[kind].iterrows():
            assert row["对象代码"] in known[row["对象类型"]], (kind, row["对象代码"])
    assert set(demo["monitoring_alarms"]["对象代码"]) <= known["车辆"]
    assert set(demo["port_calls"]["船舶识别号"]) <= known["船舶"]
    assert set(demo["fine_payments"]["处罚决定书文号"]) <= set(demo["penalties"]["处罚决定书文号"])
    reviewers = demo["reviews"]["评价人"]
    people = reviewers[reviewers.str.fullmatch(r"\d{17}[\dX]")]
    assert len(people) >= 3 and all(ric.is_valid(i) for i in people)
    assert not set(people) & known["人员"]  # passengers, not practitioners


def test_repairs_follow_the_minimum_period(demo):
    pen = demo["penalties"].set_index("处罚决定书文号")
    for _, rep in demo["repairs"].iterrows():
        target = pen.loc[rep["处罚决定书文号"]]
        assert target["状态"] == "有效"
        minimum = pd.DateOffset(years=1) if target["失信程度"] == "严重" else pd.DateOffset(months=3)
        assert pd.Timestamp(rep["修复日期"]) >= pd.Timestamp(target["处罚决定日期"]) + minimum


# --- stories -----------------------------------------------------------------------------

def test_four_cities_signed_in_march_2023(demo):
    ag = demo["agreements"]
    row = ag[ag["成员区划代码"].str.split(";").map(set) == SXCT].iloc[0]
    assert row["生效日期"].startswith("2023-03")
    assert row["终止日期"] == ""
    assert row["共享名单类型"] == "重点监管"
    assert ROAD5 in row["互认评价体系"].split(";")
    assert "苏锡常通" in row["协议名称"]


def test_each_city_has_key_supervision_entries(demo):
    le = demo["list_entries"]
    key = le[le["名单类型"] == "重点监管"]
    assert set(key["认定机关区划代码"]) >= SXCT
    assert (key["移出日期"] != "").sum() >= 1


def test_wuxi_shares_airport_taxis_some_registered_in_suzhou(demo):
    le, veh = demo["list_entries"], demo["vehicles"].set_index("车牌号码")
    wuxi = le[(le["名单类型"] == "重点监管") & (le["认定机关区划代码"] == "320200") & (le["对象类型"] == "车辆")]
    assert len(wuxi) >= 3
    regions = wuxi["对象代码"].map(veh["所在地区划代码"])
    assert (veh.loc[wuxi["对象代码"], "车辆类型"] == "巡游出租车").all()
    in_suzhou = wuxi[regions.str.startswith("3205")]
    assert len(in_suzhou) >= 2  # what Suzhou's filter keeps
    assert (veh.loc[in_suzhou["对象代码"], "所属企业统一社会信用代码"] == SUZHOU_TAXIS).all()
    assert (wuxi["移出日期"] != "").any()  # the list is adjusted dynamically


def test_discipline_reaches_the_other_firm_of_the_legal_rep(demo):
    ent = demo["enterprises"].set_index("统一社会信用代码")
    le, ev, pen = demo["list_entries"], demo["evaluations"], demo["penalties"]
    assert ((le["名单类型"] == "严重失信") & (le["对象代码"] == DISHONEST)).any()
    grades = ev[(ev["对象代码"] == DISHONEST) & (ev["评价体系"] == ROAD5)].sort_values("有效期起")
    assert grades["信用等级"].iloc[-1] == "D"
    assert ((pen["对象代码"] == DISHONEST) & (pen["失信程度"] == "严重")).any()
    rep = ent.loc[DISHONEST, "法定代表人身份证号"]
    others = ent.index[(ent["法定代表人身份证号"] == rep) & (ent.index != DISHONEST)]
    assert list(others) == [SISTER]
    assert (demo["vehicles"]["所属企业统一社会信用代码"] == SISTER).sum() >= 2


def test_a_repaired_and_a_revoked_penalty(demo):
    pen, rep = demo["penalties"], demo["repairs"]
    assert rep["处罚决定书文号"].isin(pen["处罚决定书文号"]).all() and len(rep) >= 1
    assert (pen["状态"] == "撤销").sum() == 1
    assert not rep["处罚决定书文号"].isin(pen.loc[pen["状态"] == "撤销", "处罚决定书文号"]).any()


def test_commitments_one_breached(demo):
    cm = demo["commitments"]
    assert (cm["履约状态"] == "违诺").sum() == 1
    assert {"履约中", "已履约"} <= set(cm["履约状态"])
    breached = cm[cm["履约状态"] == "违诺"].iloc[0]
    made, due = pd.Timestamp(breached["承诺日期"]), pd.Timestamp(breached["履约期限"])
    assert (due - made).days == 180  # #5: fulfil within 180 days


def test_shipping_company_with_vessels_and_crew(demo):
    ves, prac = demo["vessels"], demo["practitioners"]
    fleet = ves[ves["船舶所有人统一社会信用代码"] == SHIPPING]
    assert len(fleet) >= 3
    assert (fleet["IMO编号"] != "").sum() >= 1
    crew = prac[prac["从业类别"] == "船员"]
    assert len(crew) >= 2 and (crew["所属企业统一社会信用代码"] == SHIPPING).all()
    assert set(split(crew["服务船舶"])) <= set(fleet["船舶识别号"])


def test_grades_in_several_cities_and_one_outside_the_agreement(demo):
    ev = demo["evaluations"]
    road = ev[ev["评价体系"] == ROAD5]
    inside = road[road["评价机关区划代码"].isin(SXCT)]
    assert {"AA", "A", "B", "C", "D"} <= set(inside["信用等级"])
    assert inside["评价机关区划代码"].nunique() == 4
    outside = road[road["对象代码"] == HANGZHOU]
    assert len(outside) == 1 and outside["评价机关区划代码"].iloc[0] == "330100"
    assert outside["评价机关区划代码"].iloc[0] not in SXCT
    # A member city's grade under a scheme the agreement does not cover.
    other = ev[(ev["评价机关区划代码"].isin(SXCT)) & (ev["评价体系"] != ROAD5)]
    assert len(other) >= 1


# --- stories of the further kinds ----------------------------------------------------------

TAICANG = "320585"
GREEN_LANE, DETAINED = "CN20181025637", "CN20190318822"


def test_a_ship_qualifies_for_the_green_fast_lane_and_another_loses_it(demo):
    """#18: at least 12 calls at 太仓港 within a year and no violation or detention admit a
    ship; "安检滞留 ... 一律退出" removes one."""
    calls, ins, pen = demo["port_calls"], demo["inspections"], demo["penalties"]
    at_taicang = calls[calls["港口区划代码"] == TAICANG]
    # both qualify on the call count: the one on 2026-10-31, the other the day before its
    # detention
    for ship, day in ((GREEN_LANE, "2026-10-31"), (DETAINED, "2026-08-17")):
        days = pd.to_datetime(at_taicang.loc[at_taicang["船舶识别号"] == ship, "到港日期"])
        year_to = pd.Timestamp(day)
        assert ((days > year_to - pd.DateOffset(years=1)) & (days <= year_to)).sum() >= 12, ship
        listed = demo["list_entries"][demo["list_entries"]["对象代码"] == ship]
        assert list(listed["名单类型"]) == ["守信激励"] and (listed["移出日期"] == "").all()
    assert not pen["对象代码"].isin([GREEN_LANE, DETAINED]).any()
    assert set(ins.loc[ins["对象代码"] == GREEN_LANE, "检查结果"]) == {"合格"}
    [detention] = ins[(ins["对象代码"] == DETAINED) & (ins["检查结果"] == "滞留")].to_dict("records")
    assert detention["检查机关区划代码"] == TAICANG
    assert detention["检查日期"] in set(at_taicang.loc[at_taicang["船舶识别号"] == DETAINED, "到港日期"])
    # calls elsewhere do not count towards 太仓港's twelve
    assert (calls["港口区划代码"] != TAICANG).sum() >= 1


def test_a_suzhou_firm_has_a_liability_accident_with_deaths(demo):
    """#4: a liability accident with deaths sets the Suzhou quarterly grade to D directly."""
    acc = demo["accidents"]
    [fatal] = acc[acc["死亡人数"].astype(int) > 0].to_dict("records")
    assert fatal["对象代码"] == SISTER and fatal["认定机关区划代码"] == "320500"
    assert fatal["责任认定"] in ("全部责任", "主要责任", "同等责任")
    ev = demo["evaluations"]
    graded = ev[(ev["对象代码"] == SISTER) & (ev["评价体系"] == "苏州市道路运输企业分类分级评价")]
    assert (graded["信用等级"] == "A").all() and len(graded) == 1  # what the veto overrides


def test_a_coach_intercepted_twice_without_a_violation(demo):
    """#10: "布控拦截 2 次及以上的，且无违法失信记录 ... 的客车" join the whitelist."""
    ins, veh = demo["inspections"], demo["vehicles"].set_index("车牌号码")
    stops = ins[ins["检查类型"] == "布控拦截"]
    [(plate, n)] = stops["对象代码"].value_counts().items()
    assert n == 2 and set(stops["检查结果"]) == {"合格"}
    assert veh.loc[plate, "车辆类型"] == "客车"
    assert not (demo["penalties"]["对象代码"] == plate).any()
    assert not (demo["list_entries"]["对象代码"] == plate).any()


def test_fine_payments_that_match_a_repaired_fine_and_fall_short_of_another(demo):
    """#2: repair claims are checked against fine-payment data instead of vouchers: the
    fined penalty that was repaired is paid in full; 常州交罚〔2025〕0000150号, whose repair
    by commitment is refused (rule 17), has 2,000 of its 3,000 yuan on record."""
    pen = demo["penalties"].set_index("处罚决定书文号")
    paid = demo["fine_payments"].assign(amount=lambda d: d["缴款金额"].astype(float)) \
        .groupby("处罚决定书文号")["amount"].sum()
    repaired = demo["repairs"]["处罚决定书文号"]
    fined = repaired[repaired.map(pen["罚款金额"]) != ""]
    assert [paid.get(no, 0.0) == float(pen.loc[no, "罚款金额"]) for no in fined] == [True]
    short = "常州交罚〔2025〕0000150号"
    assert (paid[short], float(pen.loc[short, "罚款金额"])) == (2000.0, 3000.0)
    # a penalty paid in two instalments, each with its receipt
    assert paid["苏州交罚〔2025〕0001234号"] == float(pen.loc["苏州交罚〔2025〕0001234号", "罚款金额"])


def test_an_objection_to_a_ship_evaluation(demo):
    """#13, #19: objections to ship evaluations; #16 a driver's appeal of a point entry."""
    ob, ev = demo["objections"], demo["evaluations"]
    keys = {f"Vessel:{r['对象代码']}|{r['评价体系']}|{r['评价机关区划代码']}|{r['有效期起']}"
            for _, r in ev[ev["对象类型"] == "船舶"].iterrows()}
    ship = ob[ob["对象类型"] == "船舶"]
    assert len(ship) == 1 and ship["异议记录"].iloc[0] in keys
    assert ship["处理状态"].iloc[0] == "核查中" and ship["办结日期"].iloc[0] == ""
    driver = ob[ob["对象类型"] == "人员"].iloc[0]
    assert driver["异议记录"] in set(demo["point_entries"]["记录编号"])
    assert driver["办结日期"] >= driver["提出日期"]


def test_alarms_complaints_reviews_and_points_are_there(demo):
    alarms = demo["monitoring_alarms"]
    assert set(alarms["处置结果"]) == {"已处置", "误报", "转立案"}
    assert alarms["发生时间"].str.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}").all()
    assert {"属实", "不属实"} <= set(demo["complaints"]["核查结果"])
    points = demo["point_entries"]["分值"].astype(int)
    assert (points < 0).any() and (points > 0).any()


# --- the stories of rules 13-19 (issue 13) -------------------------------------------------

def test_a_basin_and_a_national_authority(demo):
    jur = demo["jurisdictions"].set_index("机关名称")
    assert jur.loc["长江航务管理局", "层级"] == "流域"
    assert "320000" in jur.loc["长江航务管理局", "管辖区划代码"].split(";")
    assert (jur.loc["交通运输部", "层级"], jur.loc["交通运输部", "管辖区划代码"]) == ("全国", "100000")
    ev = demo["evaluations"]
    assert (ev["评价机关"] == "长江航务管理局").any()  # its colours, filed in Wuhan (420100)


def test_a_green_lane_ship_with_an_ordinary_violation(demo):
    le, pen = demo["list_entries"], demo["penalties"]
    lanes = le[(le["名单类型"] == "守信激励") & le["列入原因"].str.contains("绿色快航")]
    later = pen.merge(lanes, on="对象代码")
    later = later[later["处罚决定日期"] > later["列入日期"]]
    assert later["对象代码"].tolist() == ["CN20170912453"]
    assert later["失信程度"].tolist() == ["一般"]  # #18: any violation ends it


def test_a_serious_dishonesty_designation_far_from_the_agreement(demo):
    le = demo["list_entries"]
    far = le[(le["名单类型"] == "严重失信") & (le["认定机关区划代码"].str[:2] == "37")]
    assert len(far) == 1  # Shandong's: binds nationwide (rule 19)


def test_a_suzhou_taxi_penalised_in_wuxi(demo):
    pen, veh = demo["penalties"], demo["vehicles"].set_index("车牌号码")
    wuxi = pen[(pen["处罚机关区划代码"] == "320200") & (pen["对象类型"] == "车辆")]
    assert wuxi["对象代码"].map(veh["所在地区划代码"]).str.startswith("3205").any()


def test_closed_loop_repairs_name_their_evidence_and_refused_ones_are_kept_apart(demo):
    rep = demo["repairs"]
    assert (rep.loc[rep["修复方式"] == "闭环", "整改证明"] != "").all()
    folder = resources.files("creditkb") / "demo" / "refused"
    with resources.as_file(folder / "repairs_breaking_rules.csv") as path:
        refused = pd.read_csv(path, dtype=str, keep_default_na=False)
    pen = demo["penalties"].set_index("处罚决定书文号")
    decided = pd.to_datetime(refused["处罚决定书文号"].map(pen["处罚决定日期"]))
    early = pd.to_datetime(refused["修复日期"]) < decided + pd.DateOffset(months=3)
    assert early.tolist() == [True, False]  # too early; then a 承诺 of a lasting violation
    assert refused["修复方式"].tolist() == ["承诺", "承诺"]
    assert "悬挂标志" in pen.loc[refused["处罚决定书文号"].iloc[1], "违法行为"]
