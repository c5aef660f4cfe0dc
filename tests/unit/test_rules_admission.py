"""List admission (DOMAIN.md rules 10, 16, 22; cases #5, #10, #18) on small hand-built graphs,
every store: each answer stated from the case text, with the records that show or break it."""

from __future__ import annotations

import pytest

from queries.dates import InvalidInput
from queries.rules.admission import admission_review, list_admission
from tests.support.graph import HANGZHOU, NANTONG, GraphBuilder

TAICANG = "320585"
ROAD5 = "道路运输经营者信用评价"


def calls(g, vessel, days, port="太仓港", region=TAICANG):
    for day in days:
        g.record("PortCall", f"{vessel}|{region}|{day}", vessel, port=port, port_region=region,
                 arrived_on=day)


MONTHLY = [f"2025-{m:02d}-15" for m in range(10, 13)] + [f"2026-{m:02d}-15" for m in range(1, 10)]


def green_lane(store):
    """#18: four container ships calling at 太仓港 twelve times in the year to 2026-09-30."""
    g = GraphBuilder(store)
    ships = {name: g.vessel(vid, NANTONG, vessel_type="集装箱船") for name, vid in (
        ("clean", "CN20000000011"), ("detained", "CN20000000012"), ("fined", "CN20000000013"),
        ("few", "CN20000000014"), ("old", "CN20000000015"), ("yellow", "CN20000000016"),
        ("tracked", "CN20000000017"))}
    for name, uid in ships.items():
        calls(g, uid, MONTHLY[:11] if name == "few" else MONTHLY)
    calls(g, ships["few"], ["2026-09-20"], "南通港", NANTONG)  # another port: does not count
    g.record("Inspection", "DET-1", ships["detained"], inspected_on="2025-06-01", kind="船舶安全检查",
             result="滞留", agency_region=TAICANG)  # 16 months ago: inside 两年
    g.penalty("罚-1", ships["fined"], "2025-08-01", "一般", region=TAICANG)  # 14 months: outside 一年
    g.penalty("罚-2", ships["old"], "2025-09-01", "一般", region=TAICANG)
    g.record("Accident", "ACC-1", ships["old"], occurred_on="2023-11-01", level="一般",
             liability="无责任", deaths=0, agency_region=TAICANG)  # 三年 inside, a graded accident
    g.grade(ships["yellow"], "黄码", "420100", "2026-07-01", "2026-09-30", scheme="长江航运信用评价")
    g.listed(ships["tracked"], "重点关注", NANTONG, "2026-01-01")
    g.listed(ships["detained"], "守信激励", TAICANG, "2024-07-01")
    g.listed(ships["clean"], "守信激励", TAICANG, "2024-07-01")
    g.commit()
    return ships


def failing(a):
    return {c.code: c.breaking for c in a.conditions if not c.met}


def test_the_six_noes_and_twelve_calls_admit_and_each_breach_refuses(store):
    ships = green_lane(store)
    day = "2026-09-30"
    ok = list_admission(store, ships["clean"], "GREEN_FAST_LANE", day)
    assert ok.decision == "ADMIT" and ok.entry is not None
    assert [c.code for c in ok.conditions] == [
        "no_violation_1y", "no_detention_2y", "no_graded_accident_3y", "no_discipline",
        "no_key_tracking", "no_c_class", "port_calls_1y"]
    calls_ = next(c for c in ok.conditions if c.code == "port_calls_1y")
    assert len(calls_.evidence) == 12 and calls_.basis.quote.startswith("将一年内在太仓港")
    # 两年无安检滞留: a detention 16 months ago refuses, naming the inspection.
    assert failing(list_admission(store, ships["detained"], "GREEN_FAST_LANE", day)) == {
        "no_detention_2y": ("Inspection:DET-1",)}
    # 一年无违章: a penalty 14 months ago is outside the year; one 13 months ago too ...
    assert list_admission(store, ships["fined"], "GREEN_FAST_LANE", day).decision == "ADMIT"
    # ... but 三年无等级事故 reaches back three years.
    assert failing(list_admission(store, ships["old"], "GREEN_FAST_LANE", day)) == {
        "no_graded_accident_3y": ("Accident:ACC-1",)}
    # 不少于12艘次 at 太仓港: eleven there and one at 南通港 are not enough.
    few = list_admission(store, ships["few"], "GREEN_FAST_LANE", day)
    assert list(failing(few)) == ["port_calls_1y"]
    assert next(c for c in few.conditions if c.code == "port_calls_1y").detail.startswith("11 of at least 12")
    # 无C类船舶: a yellow (C) Yangtze grade; 无重点跟踪: a 重点关注 entry.
    assert list(failing(list_admission(store, ships["yellow"], "GREEN_FAST_LANE", day))) == ["no_c_class"]
    assert list(failing(list_admission(store, ships["tracked"], "GREEN_FAST_LANE", day))) == ["no_key_tracking"]
    # 一年无违章 on the day the penalty of 2025-09-01 is still within the year.
    assert list(failing(list_admission(store, ships["old"], "GREEN_FAST_LANE", "2026-08-31"))) == [
        "no_violation_1y", "no_graded_accident_3y", "port_calls_1y"]


def test_the_review_proposes_additions_and_removals_never_lists(store, english):
    ships = green_lane(store)
    r = admission_review(store, TAICANG, "GREEN_FAST_LANE", "2026-09-30")
    assert [a.subject for a in r.admit] == [ships["fined"]]  # qualifies, not listed
    assert [(a.subject, a.entry) for a in r.remove] == [
        (ships["detained"], f"ListEntry:守信激励|{ships['detained']}|{TAICANG}|2024-07-01")]
    assert r.checked == 6  # the ship with eleven calls cannot qualify and is not listed
    # Nothing was written: the detained ship's entry is still open.
    assert list_admission(store, ships["detained"], "GREEN_FAST_LANE", "2026-09-30").entry
    # An entry of another region's incentive list is not 太仓's to remove.
    g = GraphBuilder(store)
    g.listed(ships["old"], "守信激励", HANGZHOU, "2024-07-01")
    g.commit()
    again = admission_review(store, TAICANG, "GREEN_FAST_LANE", "2026-09-30")
    assert [a.subject for a in again.remove] == [ships["detained"]]
    # The list is 太仓's: Jiangsu reviews it too, Nanjing may not.
    assert admission_review(store, "320000", "GREEN_FAST_LANE", "2026-09-30").remove == again.remove
    with pytest.raises(InvalidInput, match="kept in 320585"):
        admission_review(store, "320100", "GREEN_FAST_LANE", "2026-09-30")


def test_vehicles_intercepted_twice_without_violation_join_the_whitelist(store):
    # #10 "将布控拦截 2 次及以上的，且无违法失信记录，确认无违法营运行为的客车 … 纳入白名单库管理".
    g = GraphBuilder(store)
    coach, once, fined, truck, listed = (g.vehicle(p, "320411", vehicle_type=t) for p, t in (
        ("苏D52671F", "客车"), ("苏D00001", "客车"), ("苏D00002", "客车"), ("苏D00003", "普通货车"),
        ("苏D00004", "客车")))
    for v, n in ((coach, 2), (once, 1), (fined, 3), (truck, 2), (listed, 2)):
        for i in range(n):
            g.record("Inspection", f"{v}|{i}", v, inspected_on=f"2026-0{3 + i}-05", kind="布控拦截",
                     result="合格", agency_region="320400")
    g.penalty("常交罚-1", fined, "2026-01-10", "一般", region="320400")
    g.listed(listed, "重点监管", "320400", "2026-01-01")
    g.commit()
    day = "2026-10-01"
    a = list_admission(store, coach, "VEHICLE_WHITELIST", day)
    assert a.decision == "ADMIT"
    assert next(c for c in a.conditions if c.code == "intercepted_twice").evidence == (
        "Inspection:Vehicle:苏D52671F|0", "Inspection:Vehicle:苏D52671F|1")
    assert list(failing(list_admission(store, once, "VEHICLE_WHITELIST", day))) == ["intercepted_twice"]
    assert failing(list_admission(store, fined, "VEHICLE_WHITELIST", day)) == {
        "no_violation": ("Penalty:常交罚-1",)}
    assert list(failing(list_admission(store, truck, "VEHICLE_WHITELIST", day))) == ["passenger_vehicle"]
    assert list(failing(list_admission(store, listed, "VEHICLE_WHITELIST", day))) == ["no_dishonesty"]
    r = admission_review(store, "320400", "VEHICLE_WHITELIST", day)
    assert [x.subject for x in r.admit] == [coach] and r.remove == ()


def test_aa_firms_join_the_xinyipi_whitelist(store):
    # #5 "交通运输局将信用评级为 AA 级的企业纳入信易批“白名单”".
    g = GraphBuilder(store)
    aa, a_ = g.firm("HZ-AA", HANGZHOU), g.firm("HZ-A", HANGZHOU)
    g.grade(aa, "AA", "330000", "2026-04-01", "2027-03-31", scheme=ROAD5)
    g.grade(a_, "A", "330000", "2026-04-01", "2027-03-31", scheme=ROAD5)
    g.listed(a_, "白名单", HANGZHOU, "2025-05-01")
    g.commit()
    ok = list_admission(store, aa, "XINYIPI_WHITELIST", "2026-06-01")
    assert ok.decision == "ADMIT" and ok.conditions[0].evidence[0].startswith("Evaluation:")
    assert list_admission(store, a_, "XINYIPI_WHITELIST", "2026-06-01").decision == "REFUSE"
    r = admission_review(store, HANGZHOU, "XINYIPI_WHITELIST", "2026-06-01")
    assert [x.subject for x in r.admit] == [aa]
    assert [x.subject for x in r.remove] == [a_]  # graded A now: its whitelist entry goes


def test_unknown_lists_and_subjects_of_another_label_are_clear_errors(store, english):
    g = GraphBuilder(store)
    firm = g.firm("X")
    g.commit()
    with pytest.raises(InvalidInput, match="GREEN_FAST_LANE"):
        list_admission(store, firm, "NOPE", "2026-01-01")
    with pytest.raises(InvalidInput, match="takes Vessel"):
        list_admission(store, firm, "GREEN_FAST_LANE", "2026-01-01")
    with pytest.raises(InvalidInput, match="not in the store"):
        list_admission(store, "Vessel:CN20999999999", "GREEN_FAST_LANE", "2026-01-01")
