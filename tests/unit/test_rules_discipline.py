"""Joint discipline (DOMAIN.md rules 6, 13-16, 18, 19; cases #3, #4, #8-#10, #15-#18) on small
hand-built graphs, every store: measures per scheme and list kind with their strength and
basis, how far each strength reaches, the green lane, home regions, national and basin
jurisdiction, effect windows, and the batch pass."""

from __future__ import annotations

import copy
import dataclasses

import pytest

from queries.dates import InvalidInput
from queries.rules.discipline import (
    discipline, discipline_batch, load_discipline_rules, parse_discipline_rules,
)
from queries.rules.rulefile import read_yaml
from queries.rules.watchlist import shared_watchlist
from tests.support.graph import (
    CHANGZHOU, HANGZHOU, KUNSHAN, NANTONG, ROAD5, SUZHOU, WUXI, WUZHONG, YANGTZE, GraphBuilder,
    sxct,
)

A, B, C = "Enterprise:A", "Enterprise:B", "Enterprise:C"
P, P2, DRIVER = "Person:P", "Person:P2", "Person:D"
VA, VB, SHIP = "Vehicle:苏E00001", "Vehicle:苏E00002", "Vessel:CN20120456128"
PLATFORM, CARRIER = "Enterprise:PL", "Enterprise:OF"
ENTRY = f"ListEntry:严重失信|{A}|{SUZHOU}|2025-06-20"
RESTRICT_FIRM = ("bidding_limit", "market_entry_limit", "subsidy_limit", "no_tolerance_processing",
                 "no_commitment_processing")
YANGTZE_PROVINCES = ("310000", "320000", "340000", "360000", "420000", "430000", "500000",
                     "510000", "520000", "530000")


def story(store):
    """Firm A (Suzhou) is seriously dishonest from 2025-06-20 until its removal on 2026-06-20.
    P represents A and B; P2 represented A and C until 2025-12-31.  A owns a vehicle and
    operates a ship; B owns a vehicle.  Driver D, dishonest in Wuxi, works for a ride-hailing
    platform and for a freight firm.  苏锡常通 shares 重点监管 only."""
    g = GraphBuilder(store)
    sxct(g)
    g.firm("A", WUZHONG)
    g.firm("B", KUNSHAN)
    g.firm("C", CHANGZHOU)
    g.person("P")
    g.person("P2")
    g.rel("LEGAL_REPRESENTATIVE_OF", P, A)
    g.rel("LEGAL_REPRESENTATIVE_OF", P, B)
    g.rel("LEGAL_REPRESENTATIVE_OF", P2, A, valid_to="2025-12-31")
    g.rel("LEGAL_REPRESENTATIVE_OF", P2, C)
    g.vehicle("苏E00001", WUZHONG, A)
    g.vehicle("苏E00002", KUNSHAN, B)
    g.vessel("CN20120456128")
    g.rel("OPERATES", A, SHIP)
    g.listed(A, "严重失信", SUZHOU, "2025-06-20", "2026-06-20")
    g.firm("PL", WUXI, business_type="网约车平台")
    g.firm("OF", WUXI, business_type="普货")
    g.person("D", WUXI)
    g.rel("EMPLOYED_BY", DRIVER, PLATFORM)
    g.rel("EMPLOYED_BY", DRIVER, CARRIER)
    g.listed(DRIVER, "严重失信", WUXI, "2025-01-01")
    return g.commit()


def codes(result):
    return result.measure_codes


def by_strength(result):
    return {k: set(v) for k, v in result.strengths().items()}


# -- rule 13: a C grade and key supervision have effects ---------------------------------------

def test_a_c_grade_and_key_supervision_carry_their_measures(store):
    """#3 "四市对重点监管对象平均增加了 25% 的日常检查频次"; #17 "对海事信用等级较差或者差的单位，
    不适用'告知承诺+容缺办理'制度"; #4 key supervision loses subsidies, awards and commitment
    processing."""
    g = GraphBuilder(store)
    sxct(g)
    g.firm("T", WUZHONG)  # 苏州通利: C in 2025年度 and on Suzhou's 重点监管 list
    g.grade("Enterprise:T", "C", region=SUZHOU)
    g.listed("Enterprise:T", "重点监管", SUZHOU, "2026-04-15")
    g.vehicle("苏BD05227", WUXI)  # the Wuxi airport taxi on Wuxi's 重点监管 list
    g.listed("Vehicle:苏BD05227", "重点监管", WUXI, "2023-09-01")
    g.commit()
    r = discipline(store, "Enterprise:T", "2026-08-01", SUZHOU)
    assert by_strength(r) == {
        "RESTRICT": {"subsidy_limit", "no_tolerance_processing", "no_commitment_processing"},
        "SUPERVISE": {"higher_inspection_ratio"},
        "INCENTIVE_LOSS": {"exclude_awards", "exclude_incentive_lists"}}
    more = next(m for m in r.measures if m.trigger.kind == "key_supervision"
                and m.measure.code == "higher_inspection_ratio")
    assert (more.basis.case, dict(more.figures)) == (3, {"daily_inspection_increase": 0.25})
    tolerance = next(m for m in r.measures if m.measure.code == "no_tolerance_processing")
    assert (tolerance.trigger.kind, tolerance.trigger.grade, tolerance.basis.case) == ("grade", "C", 17)
    assert "较差或者差" in tolerance.basis.quote
    # Before the listing, the C grade alone: #5's second draw and #17.
    assert by_strength(discipline(store, "Enterprise:T", "2026-04-14", SUZHOU)) == {
        "RESTRICT": {"no_tolerance_processing", "no_commitment_processing"},
        "SUPERVISE": {"higher_inspection_ratio"}}
    # The taxi, in Wuxi and in Suzhou (苏锡常通 shares 重点监管): inspections, no awards.
    for region in (WUXI, SUZHOU):
        taxi = discipline(store, "Vehicle:苏BD05227", "2026-08-01", region)
        assert by_strength(taxi) == {"SUPERVISE": {"higher_inspection_ratio"},
                                     "INCENTIVE_LOSS": {"exclude_awards", "exclude_incentive_lists"}}
    assert discipline(store, "Vehicle:苏BD05227", "2026-08-01", HANGZHOU).measures == ()


# -- rule 14: measures follow the issuing scheme -----------------------------------------------

def test_measures_follow_the_scheme_that_gave_the_grade(store):
    """#8 "对号入座"; #10 红码: "取消其行业评优评先、示范试点评选等资格，不给予政策资金倾斜支持";
    #15 高风险: "提高对高风险企业的抽查比例和频次"; #8 D: "坚决实施禁入或限入措施"."""
    g = GraphBuilder(store)
    g.firm("HN", "410100")
    g.grade("Enterprise:HN", "红码", region="410000", scheme="两客一危安全生产分级分类")
    g.firm("HG", "410100")
    g.grade("Enterprise:HG", "绿码", region="410000", scheme="两客一危安全生产分级分类")
    g.firm("SC", "510100")
    g.grade("Enterprise:SC", "高风险", region="510000", scheme="两客一危企业信用画像")
    g.firm("SD", "370100")
    g.grade("Enterprise:SD", "D", region="370000", scheme="交通运输安全生产信用评价")
    g.firm("JS", SUZHOU)
    g.grade("Enterprise:JS", "D", region=SUZHOU)
    g.firm("SCORE", "350100")
    g.grade("Enterprise:SCORE", "C", region="350000", scheme="交通建设市场信用考核")
    g.person("STAR", "530100")
    g.grade("Person:STAR", "一星", region="530100", scheme="巡游出租汽车驾驶员服务质量信誉考核")
    g.commit()
    day = "2026-06-01"
    henan = discipline(store, "Enterprise:HN", day, "410100")
    assert by_strength(henan) == {"RESTRICT": {"subsidy_limit"},
                                  "SUPERVISE": {"higher_inspection_ratio"},
                                  "INCENTIVE_LOSS": {"exclude_awards"}}
    assert {m.basis.case for m in henan.measures} == {10}
    assert not henan.has("bidding_limit") and not henan.has("market_entry_limit")
    assert discipline(store, "Enterprise:HG", day, "410100").measures == ()  # green: none
    assert codes(discipline(store, "Enterprise:SC", day, "510100")) == ("higher_inspection_ratio",)
    shandong = discipline(store, "Enterprise:SD", day, "370100")
    assert {"bidding_limit", "market_entry_limit"} <= set(codes(shandong))
    # Jiangsu's D: its own #5 inspections and the general effect of poor credit (#17).
    assert by_strength(discipline(store, "Enterprise:JS", day, SUZHOU)) == {
        "RESTRICT": {"no_tolerance_processing", "no_commitment_processing"},
        "SUPERVISE": {"higher_inspection_ratio"}}
    # A scheme that states no measures takes the default (#17, #8): Fujian's, its measures
    # taken out of the catalogue.
    rules = load_discipline_rules()
    unstated = dataclasses.replace(rules, scheme_grades={
        k: v for k, v in rules.scheme_grades.items() if k != "交通建设市场信用考核"})
    assert set(codes(discipline(store, "Enterprise:SCORE", day, "350100", rules=unstated))) == {
        "no_tolerance_processing", "no_commitment_processing", "higher_inspection_ratio"}
    assert discipline(store, "Person:STAR", day, "530100").measures == ()  # a reward scale
    # Henan's 红码 and Jiangsu's D are the same common severity, with other measures.
    assert set(codes(henan)) != set(codes(discipline(store, "Enterprise:JS", day, SUZHOU)))


# -- rule 15: punish the subject, watch the relations ------------------------------------------

def test_restrictive_measures_reach_the_subject_and_its_representative_only(store):
    """#9 "坚持审慎监管，严格履行告知、听取当事人陈述申辩等程序": the dishonest firm and its legal
    representative are restricted; its other firms are leads, its fleet supervised."""
    story(store)
    day = "2026-01-01"
    own = discipline(store, A, day)
    assert set(own.strengths()["RESTRICT"]) == set(RESTRICT_FIRM)
    m = own.measures[0]
    assert (m.trigger.record, m.trigger.kind, m.rule) == (ENTRY, "serious_dishonesty", "self")
    assert m.nodes == (ENTRY, A) and [(h.src, h.type, h.dst) for h in m.path] == [(ENTRY, "ABOUT", A)]
    assert m.basis.national == "《全国失信惩戒措施基础清单》" and m.basis.case == 8
    assert (str(m.since), str(m.until)) == ("2025-06-20", "2026-06-20")

    rep = discipline(store, P, day)
    assert by_strength(rep) == {"RESTRICT": {"no_tolerance_processing", "no_commitment_processing",
                                             "post_restriction"}}
    assert {x.rule for x in rep.measures} == {"legal_representative"}
    assert rep.measures[0].nodes == (ENTRY, A, P) and "国发〔2016〕33号" in rep.measures[0].basis.national

    sister = discipline(store, B, day)  # no record of its own: a lead, never a measure
    assert sister.measures == ()
    [lead] = sister.leads
    assert (lead.rule, lead.nodes) == ("legal_representative_other_firms", (ENTRY, A, P, B))
    assert [(h.src, h.type, h.dst) for h in lead.path] == [
        (ENTRY, "ABOUT", A), (P, "LEGAL_REPRESENTATIVE_OF", A), (P, "LEGAL_REPRESENTATIVE_OF", B)]
    assert lead.basis.case == 9

    for related in (VA, SHIP):  # the fleet: supervised, never restricted
        r = discipline(store, related, day)
        assert by_strength(r) == {"SUPERVISE": {"higher_inspection_ratio"}}
        assert r.measures[0].rule == "fleet" and r.measures[0].basis.case == 3
    assert discipline(store, SHIP, day).measures[0].path[-1].type == "OPERATES"
    assert discipline(store, VB, day).measures == ()  # the sister firm's fleet: no rule
    assert discipline(store, C, day).measures == () and discipline(store, C, day).leads == ()
    assert discipline(store, C, "2025-12-31").leads  # P2 represented A until then


def test_removal_from_the_list_ends_every_measure_and_lead_it_caused(store):
    story(store)
    for subject in (A, P, VA, SHIP):
        assert discipline(store, subject, "2026-06-19").measures, subject
        assert discipline(store, subject, "2026-06-20").measures == (), subject
        assert discipline(store, subject, "2025-06-19").measures == (), subject
    assert discipline(store, B, "2026-06-19").leads and not discipline(store, B, "2026-06-20").leads


def test_platforms_are_made_to_stop_dispatching_to_a_dishonest_driver(store):
    """#16 "昆明市 18 家网约车平台均已不再向此类人员提供派单服务"."""
    story(store)
    r = discipline(store, PLATFORM, "2026-01-01")
    assert by_strength(r) == {"SUPERVISE": {"stop_dispatch"}}
    assert [h.type for h in r.measures[0].path] == ["ABOUT", "EMPLOYED_BY"]
    assert r.measures[0].trigger.subject == DRIVER
    assert discipline(store, CARRIER, "2026-01-01").measures == ()  # not a platform
    driver = discipline(store, DRIVER, "2026-01-01")
    assert "bidding_limit" not in codes(driver)  # not for people
    assert {"no_tolerance_processing", "no_commitment_processing"} <= set(codes(driver))


def test_how_far_measures_reach_is_data_and_a_restriction_of_relations_needs_its_own_rule(store):
    story(store)
    doc, _ = read_yaml(None, "discipline.yaml")
    doc = copy.deepcopy(dict(doc))
    sister_fleet = {
        "code": "sister_fleet", "reaches": "related", "from": ["Enterprise"],
        "triggers": ["serious_dishonesty"],
        "path": [{"rel": ["LEGAL_REPRESENTATIVE_OF"], "direction": "in", "to": ["Person"]},
                 {"rel": ["LEGAL_REPRESENTATIVE_OF"], "direction": "out", "to": ["Enterprise"]},
                 {"rel": ["OWNS"], "direction": "out", "to": ["Vehicle"]}],
        "measures": ["higher_inspection_ratio"], "basis": {"local_default": True, "note": "test"}}
    restrict_sister = {
        "code": "sister_restricted", "reaches": "related", "from": ["Enterprise"],
        "triggers": ["serious_dishonesty"],
        "path": sister_fleet["path"][:2], "measures": ["bidding_limit"], "restricts": True,
        "basis": {"local_default": True, "note": "a rule that says so, with its basis"}}
    doc["propagation"] = list(doc["propagation"]) + [sister_fleet, restrict_sister]
    rules = parse_discipline_rules(doc)
    r = discipline(store, VB, "2026-01-01", rules=rules)
    assert codes(r) == ("higher_inspection_ratio",)
    assert r.measures[0].nodes == (ENTRY, A, P, B, VB)
    assert codes(discipline(store, B, "2026-01-01", rules=rules)) == ("bidding_limit",)
    assert discipline_batch(store, SUZHOU, "2026-01-01", rules=rules)[VB] == discipline(
        store, VB, "2026-01-01", SUZHOU, rules=rules)


# -- rule 16: any violation ends the green lane ------------------------------------------------

def green_lane(store):
    """江海通达8 joins 太仓海事局's green fast lane on 2024-07-01 (#18); an ordinary violation on
    2026-05-10; listed again on 2026-09-01.  Another ship's only penalty is revoked."""
    g = GraphBuilder(store)
    g.vessel("CN20181025637")
    g.listed("Vessel:CN20181025637", "守信激励", "320585", "2024-07-01")
    g.penalty("太仓海事罚1号", "Vessel:CN20181025637", "2023-01-05", "一般", region="320585",
              violation="未按规定办理进出港报告")  # before it was listed
    g.penalty("太仓海事罚2号", "Vessel:CN20181025637", "2026-05-10", "一般", region="320585",
              violation="集装箱船舶违规横越航道")
    g.listed("Vessel:CN20181025637", "守信激励", "320585", "2026-09-01")
    g.vessel("CN20181025638")
    g.listed("Vessel:CN20181025638", "守信激励", "320585", "2024-07-01")
    g.penalty("太仓海事罚3号", "Vessel:CN20181025638", "2026-05-10", "一般", status="撤销",
              region="320585")
    return g.commit()


def test_any_violation_ends_the_green_lane_from_that_day(store):
    """#18 "'绿色快航'船舶发生违法行为、安检滞留等失信行为一律退出激励名单": an ordinary one too."""
    green_lane(store)
    ship = "Vessel:CN20181025637"
    assert discipline(store, ship, "2026-05-09").measures == ()
    r = discipline(store, ship, "2026-05-10", SUZHOU)
    assert by_strength(r) == {"INCENTIVE_LOSS": {"exclude_incentive_lists"}}
    t = r.measures[0].trigger
    assert (t.kind, t.record, t.decision_no, t.list_kind) == (
        "incentive_exit", "Penalty:太仓海事罚2号", "太仓海事罚2号", "守信激励")
    assert (str(t.since), str(t.until)) == ("2026-05-10", "2026-09-01")  # until listed again
    assert r.measures[0].basis.case == 18
    assert discipline(store, ship, "2026-09-01").measures == ()
    assert discipline(store, "Vessel:CN20181025638", "2026-06-01").measures == ()  # revoked

    def lane(day):
        page = shared_watchlist(store, SUZHOU, day, "守信激励")
        return [e.uid for e in page.entries]

    first = f"ListEntry:守信激励|{ship}|320585|2024-07-01"
    assert first in lane("2026-05-09") and first not in lane("2026-05-10")
    assert f"ListEntry:守信激励|{ship}|320585|2026-09-01" in lane("2026-09-01")
    assert "ListEntry:守信激励|Vessel:CN20181025638|320585|2024-07-01" in lane("2026-06-01")


# -- rule 18: the home region sees penalties decided anywhere ----------------------------------

def test_a_penalty_counts_where_decided_and_where_its_subject_is_registered(store):
    """#2 "在全国范围内被处罚…的天津企业" get reminders from Tianjin."""
    g = GraphBuilder(store)
    g.vehicle("苏E3T519", "320507")  # a Suzhou taxi
    g.penalty("无锡罚1号", "Vehicle:苏E3T519", "2025-05-20", "严重", region=WUXI)
    g.commit()
    for region in (WUXI, SUZHOU, "320507"):
        r = discipline(store, "Vehicle:苏E3T519", "2026-01-01", region)
        assert codes(r) == ("higher_inspection_ratio",), region
    assert r.measures[0].applies_in == ("320200", "320507")
    assert discipline(store, "Vehicle:苏E3T519", "2026-01-01", CHANGZHOU).measures == ()


# -- rule 19: national and basin jurisdiction --------------------------------------------------

def jurisdictions(store):
    """长江航务管理局 (seated in Wuhan, 420100) binds along the Yangtze from 2023-12-01; a
    Nantong ship is red-coded by it.  A Shandong firm is designated seriously dishonest by
    山东省交通运输厅 (no agreement with Jiangsu)."""
    g = GraphBuilder(store)
    g.jurisdiction("长江航务管理局", "CJHY", "流域", YANGTZE_PROVINCES, seats=("420100",),
                   effective_from="2023-12-01")
    g.vessel("CN20150873419", NANTONG)
    g.grade("Vessel:CN20150873419", "红码", region="420100", scheme=YANGTZE,
            agency="长江航务管理局", valid_from="2026-10-01", valid_to="2026-12-31")
    g.firm("JN", "370102")
    g.listed("Enterprise:JN", "严重失信", "370000", "2026-03-02", agency="山东省交通运输厅")
    return g.commit()


def test_basin_grades_and_nationwide_designations_bind_where_they_govern(store):
    """#19 长江航务管理局 serves "沿江各省（市）10 余家交通运输主管部门"; #8 serious dishonesty is
    pushed to the national credit sites."""
    jurisdictions(store)
    ship = discipline(store, "Vessel:CN20150873419", "2026-11-01", NANTONG)
    assert codes(ship) == ("higher_inspection_ratio",) and ship.measures[0].trigger.grade == "红码"
    assert set(YANGTZE_PROVINCES) <= set(ship.measures[0].applies_in)
    assert discipline(store, "Vessel:CN20150873419", "2026-11-01", HANGZHOU).measures == ()
    far = discipline(store, "Enterprise:JN", "2026-06-01", SUZHOU)
    assert set(far.strengths()["RESTRICT"]) == set(RESTRICT_FIRM)
    assert "100000" in far.measures[0].applies_in  # everywhere
    assert discipline(store, "Enterprise:JN", "2026-06-01", HANGZHOU).measures


# -- effect windows --------------------------------------------------------------------------

def test_a_recognised_grade_triggers_while_valid_where_recognised(store):
    g = GraphBuilder(store)
    sxct(g)
    g.firm("G", WUXI)
    g.vehicle("苏B00001", WUXI, "Enterprise:G")
    ev = g.grade("Enterprise:G", "D", region=WUXI, valid_from="2026-04-01", valid_to="2027-03-31")
    g.grade("Enterprise:G", "B", region=WUXI, valid_from="2025-04-01", valid_to="2026-03-31")
    g.commit()
    r = discipline(store, "Enterprise:G", "2026-06-01", SUZHOU)
    t = r.measures[0].trigger
    assert (t.kind, t.record, t.grade, t.region, t.scheme) == ("grade", ev, "D", WUXI, ROAD5)
    assert t.applies_in == ("320200", "320400", "320500", "320600")  # 苏锡常通 covers the scheme
    assert str(t.until) == "2027-04-01"
    assert discipline(store, "Enterprise:G", "2027-03-31", SUZHOU).measures
    assert discipline(store, "Enterprise:G", "2027-04-01", SUZHOU).measures == ()  # expired
    assert discipline(store, "Enterprise:G", "2026-03-31", SUZHOU).measures == ()  # B: none
    assert discipline(store, "Vehicle:苏B00001", "2026-06-01").measures == ()  # a grade stays with its firm
    assert discipline(store, "Enterprise:G", "2026-06-01", HANGZHOU).measures == ()  # not recognised
    # A newer grade recognised in Suzhou replaces the D there and where it was issued.
    g.grade("Enterprise:G", "B", region=SUZHOU, valid_from="2026-05-01", valid_to="2027-04-30")
    g.commit()
    assert discipline(store, "Enterprise:G", "2026-06-01", SUZHOU).measures == ()
    assert discipline(store, "Enterprise:G", "2026-06-01").measures == ()
    assert discipline(store, "Enterprise:G", "2026-04-30").measures  # before the B


def test_a_repaired_or_revoked_penalty_stops_counting(store):
    g = GraphBuilder(store)
    g.firm("H", SUZHOU)
    g.penalty("苏罚1号", "Enterprise:H", "2025-05-20", "严重")
    g.repair("苏罚1号", "2026-06-01")
    g.firm("R", SUZHOU)
    g.penalty("苏罚2号", "Enterprise:R", "2025-05-20", "严重", status="撤销")
    g.penalty("苏罚3号", "Enterprise:R", "2025-05-20", "一般")
    g.commit()
    r = discipline(store, "Enterprise:H", "2026-05-31")
    assert codes(r) == ("higher_inspection_ratio",)
    t = r.measures[0].trigger
    assert (t.kind, t.decision_no, str(t.since), str(t.until)) == (
        "serious_penalty", "苏罚1号", "2025-05-20", "2026-06-01")
    assert r.measures[0].basis.kind == "LOCAL_DEFAULT"  # the cases give no measure of its own
    assert discipline(store, "Enterprise:H", "2026-06-01").measures == ()
    assert discipline(store, "Enterprise:R", "2026-01-01").measures == ()


def test_a_breached_commitment_counts_from_its_deadline(store):
    """#17 "对于未及时履行承诺的企业…告知其将不再适用该便利举措"."""
    g = GraphBuilder(store)
    g.firm("K", SUZHOU)
    g.commitment("Enterprise:K", due_on="2025-07-14", status="违诺")
    g.firm("L", SUZHOU)
    g.commitment("Enterprise:L", due_on="2025-07-14", status="履约中")
    g.commit()
    assert discipline(store, "Enterprise:K", "2025-07-13").measures == ()
    r = discipline(store, "Enterprise:K", "2025-07-14")
    assert by_strength(r) == {"RESTRICT": {"no_tolerance_processing", "no_commitment_processing"}}
    assert r.measures[0].trigger.kind == "breached_commitment" and r.measures[0].basis.case == 17
    assert discipline(store, "Enterprise:K", "2026-07-14").measures == ()  # 12 months, a local default
    assert discipline(store, "Enterprise:L", "2025-08-01").measures == ()


def test_key_attention_reaches_the_fleet_but_not_the_representative(store):
    """#9 "对纳入'重点关注名单'的经营主体…进行约谈、通报、限期整改、加强检验"."""
    g = GraphBuilder(store)
    g.firm("KA", CHANGZHOU)
    g.person("Q")
    g.rel("LEGAL_REPRESENTATIVE_OF", "Person:Q", "Enterprise:KA")
    g.vehicle("苏D00001", CHANGZHOU, "Enterprise:KA")
    g.listed("Enterprise:KA", "重点关注", "320000", "2025-09-10")
    g.commit()
    assert by_strength(discipline(store, "Enterprise:KA", "2026-01-01")) == {
        "RESTRICT": {"no_tolerance_processing"},
        "SUPERVISE": {"rectification_follow_up", "higher_inspection_ratio"}}
    assert codes(discipline(store, "Vehicle:苏D00001", "2026-01-01")) == ("higher_inspection_ratio",)
    assert discipline(store, "Person:Q", "2026-01-01").measures == ()


# -- the batch pass --------------------------------------------------------------------------

def everything(store):
    story(store)
    green_lane(store)
    jurisdictions(store)
    g = GraphBuilder(store)
    g.firm("G", WUXI)
    g.vehicle("苏B00001", WUXI, "Enterprise:G")
    g.grade("Enterprise:G", "D", region=WUXI)
    g.firm("H", SUZHOU)
    g.penalty("苏罚1号", "Enterprise:H", "2025-05-20", "严重")
    g.repair("苏罚1号", "2026-06-01")
    g.firm("K", CHANGZHOU)
    g.commitment("Enterprise:K", due_on="2025-07-14", region=CHANGZHOU)
    g.listed("Enterprise:K", "重点关注", "320000", "2025-09-10")
    g.vehicle("苏D00009", CHANGZHOU, "Enterprise:K")
    g.firm("HZ", HANGZHOU)
    g.listed("Enterprise:HZ", "重点监管", HANGZHOU, "2025-01-01")
    g.firm("T", WUZHONG)
    g.grade("Enterprise:T", "C", region=SUZHOU)
    g.listed("Enterprise:T", "重点监管", SUZHOU, "2026-04-15")
    g.vehicle("苏E3T519", "320507")
    g.penalty("无锡罚1号", "Vehicle:苏E3T519", "2025-05-20", "严重", region=WUXI)
    g.commit()
    return [A, B, C, P, P2, DRIVER, VA, VB, SHIP, PLATFORM, CARRIER, "Enterprise:G",
            "Vehicle:苏B00001", "Enterprise:H", "Enterprise:K", "Vehicle:苏D00009", "Enterprise:HZ",
            "Enterprise:T", "Vehicle:苏E3T519", "Vessel:CN20181025637", "Vessel:CN20181025638",
            "Vessel:CN20150873419", "Enterprise:JN"]


def test_the_batch_pass_gives_every_subject_its_per_subject_answer(store):
    subjects = everything(store)
    for region in (SUZHOU, WUXI, HANGZHOU, NANTONG, "320000"):
        for day in ("2025-08-01", "2026-01-01", "2026-05-10", "2026-06-20", "2026-11-01"):
            batch = discipline_batch(store, region, day)
            for s in subjects:
                single = discipline(store, s, day, region)
                assert batch.get(s) == (single if single.measures or single.leads else None), (
                    region, day, s)
            assert list(batch) == sorted(batch)
    assert "Enterprise:JN" in discipline_batch(store, HANGZHOU, "2026-06-01")  # nationwide
    assert "Enterprise:HZ" not in discipline_batch(store, SUZHOU, "2026-01-01")  # not shared
    assert B in discipline_batch(store, SUZHOU, "2026-01-01")  # a lead


def test_bad_input_is_a_clear_error(store, english):
    story(store)
    with pytest.raises(InvalidInput, match="unknown subject"):
        discipline(store, "Enterprise:NOPE", "2026-01-01")
    with pytest.raises(InvalidInput, match="as_of"):
        discipline(store, A, "2026-1-1")
    with pytest.raises(InvalidInput, match="known division code"):
        discipline(store, A, "2026-01-01", "123456")
    with pytest.raises(InvalidInput, match="known division code"):
        discipline_batch(store, "000000", "2026-01-01")
    g = GraphBuilder(store)
    g.agreement("倒签", [SUZHOU, WUXI], effective_from="2025-01-01", effective_to="2024-01-01")
    g.commit()
    with pytest.raises(InvalidInput, match="before it starts"):
        discipline(store, A, "2026-01-01")
    with pytest.raises(InvalidInput, match="before it starts"):
        discipline_batch(store, SUZHOU, "2026-01-01")
