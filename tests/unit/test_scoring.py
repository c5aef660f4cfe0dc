"""The scoring engine (issue 17) on hand-built graphs, every store: each shipped scheme's
worked examples from the case text (#1, #6, #11, #13, #15)."""

from __future__ import annotations

import pytest

from queries.dates import InvalidInput
from queries.scoring import lock_queue, portrait, score, score_history
from queries.scoring.schemes import load_schemes
from tests.support.graph import NANTONG, SUZHOU, GraphBuilder

F = "Enterprise:F"
JJJ, ZJ, FJ, GX, SC = ("jjj_commuter_bus", "zj_inland_vessel", "fj_construction",
                       "gx_lock_points", "sc_portrait")
LOCK = "长洲船闸"
GX_NAME = "长洲船闸过闸船舶积分"


def firm(store) -> GraphBuilder:
    g = GraphBuilder(store)
    g.firm("F", SUZHOU)
    return g


# -- #1: start at 中 (B), 良 (A) after an initial-grade commitment, -50 per breach --------------

def test_1_operators_start_at_b_and_an_initial_grade_commitment_lifts_them_to_a(store):
    g = firm(store)
    g.commitment(F, kind="告知承诺制审批", made_on="2024-01-01", due_on="2024-06-30", status="已履约")
    g.commit()
    r = score(store, F, JJJ, "2024-03-01")
    # "运营企业初始等级原则上为中（B）级"
    assert (r.grade, r.score, r.base_reason, r.entries, r.rules) == ("中", 700, "start", (), ())
    g.commitment(F, kind="初始信用等级承诺", made_on="2024-05-01", due_on="2025-04-30", status="履约中")
    g.commit()
    assert score(store, F, JJJ, "2024-04-30").grade == "中"
    # "如作出初始等级信用承诺并提交信用承诺书的，初始等级可升级为良（A）级"
    r = score(store, F, JJJ, "2024-05-01")
    assert (r.grade, r.score, r.rules[0].rule) == ("良", 820, "start_commitment")
    assert r.records == (f"Commitment:{F}|初始信用等级承诺|320500|2024-05-01",)


def test_1_each_breach_found_deducts_50_points_until_it_expires(store):
    g = firm(store)
    g.commitment(F, kind="初始信用等级承诺", made_on="2024-01-01", due_on="2024-12-31", status="已履约")
    breach = g.commitment(F, kind="优质服务承诺", made_on="2025-01-15", due_on="2025-07-14", status="违诺")
    g.commit()
    assert score(store, F, JJJ, "2025-07-13").grade == "良"
    # "每次发现扣50分，并计入信用档案": and the grade falls ("信用评价等级降级")
    r = score(store, F, JJJ, "2025-07-14")
    assert (r.grade, r.score, r.band_grade) == ("中", 770, "中")
    assert [(e.record, e.points, str(e.until)) for e in r.entries] == [(breach, -50, "2026-07-14")]
    second = g.commitment(F, kind="优质服务承诺", made_on="2025-03-01", due_on="2025-09-01", status="违诺")
    g.commit()
    assert score(store, F, JJJ, "2025-09-01").score == 720  # two breaches, two deductions
    r = score(store, F, JJJ, "2026-07-14")
    assert (r.grade, r.score) == ("中", 770)  # the first no longer counts
    assert [(e.record, e.reason) for e in r.expired] == [(breach, "expired on 2026-07-14")]
    assert [e.record for e in r.entries] == [second]


def test_1_a_repaired_penalty_stops_counting_from_its_repair_and_a_revoked_one_never(store):
    g = firm(store)
    g.penalty("罚1号", F, "2025-01-10", "严重", violation="车辆超速行驶")
    g.repair("罚1号", "2026-02-01")
    g.penalty("罚2号", F, "2025-01-10", "一般", status="撤销")
    g.commit()
    r = score(store, F, JJJ, "2026-01-31")
    assert (r.score, r.grade) == (600, "中")
    assert [(e.record, e.reason) for e in r.expired] == [("Penalty:罚2号", "revoked (撤销)")]
    r = score(store, F, JJJ, "2026-02-01")
    assert r.score == 700
    assert ("Penalty:罚1号", "repaired (承诺) on 2026-02-01") in [(e.record, e.reason) for e in r.expired]


# -- #11: weighted evaluators with an outlier, quota expiry, direct grades ---------------------

def _four_units(g: GraphBuilder, low: float = 40, on: str = "2025-03-01") -> None:
    for no, kind, who, points in (("P1", "建设单位", "业主A", 90), ("P2", "监理单位", "监理B", 88),
                                  ("P3", "质监机构", "质监C", 86), ("P4", "主管部门", "主管D", low)):
        g.review(no, F, kind, points, on, evaluator_id=who)


def test_11_the_composite_is_weighted_and_an_outlying_unit_loses_weight(store):
    g = firm(store)
    _four_units(g)
    g.commit()
    r = score(store, F, FJ, "2025-06-30")
    ev = r.evaluators
    # "对考核单位评分差别较大的，视情降低其评分权重": 主管部门's 40 is far from the median 87
    assert [(u.kind, u.outlier, u.weight, u.corrected_weight) for u in ev.units] == [
        ("主管部门", True, 0.30, 0.15), ("建设单位", False, 0.30, 0.30),
        ("监理单位", False, 0.15, 0.15), ("质监机构", False, 0.25, 0.25)]
    expected = (0.15 * 40 + 0.30 * 90 + 0.15 * 88 + 0.25 * 86) / 0.85
    assert r.base == round(expected, 2) == r.score
    assert round(ev.uncorrected, 2) == 0.30 * 40 + 0.30 * 90 + 0.15 * 88 + 0.25 * 86
    assert (ev.uncorrected < 75 <= r.score, r.grade) == (True, "B")  # the outlier cost a grade
    # every review's effect, adding up to the composite
    assert {e.record: round(e.weight, 4) for e in ev.reviews} == {
        "Review:P4": round(0.15 / 0.85, 4), "Review:P1": round(0.30 / 0.85, 4),
        "Review:P2": round(0.15 / 0.85, 4), "Review:P3": round(0.25 / 0.85, 4)}
    assert round(sum(e.contribution for e in ev.reviews), 6) == round(ev.composite, 6)
    assert set(r.records) == {"Review:P1", "Review:P2", "Review:P3", "Review:P4"}


def test_11_units_that_agree_keep_their_weights_and_old_reviews_drop_out(store):
    g = firm(store)
    _four_units(g, low=84)
    g.review("P0", F, "建设单位", 20, "2023-01-01", evaluator_id="业主A")  # outside the year
    g.commit()
    r = score(store, F, FJ, "2025-06-30")
    assert not any(u.outlier for u in r.evaluators.units)
    assert r.score == round(0.30 * 84 + 0.30 * 90 + 0.15 * 88 + 0.25 * 86, 2)
    assert "Review:P0" not in r.records


def test_11_aa_after_three_bids_won_and_a_after_two_are_scored_as_b(store):
    g = firm(store)
    for no, kind, points in (("Q1", "建设单位", 98), ("Q2", "监理单位", 97), ("Q3", "质监机构", 96),
                             ("Q4", "主管部门", 97)):
        g.review(no, F, kind, points, "2025-03-01", evaluator_id=no)
    g.commit()
    # "AA级中标3个标段、A级中标2个标段的，…其后参加的投标，信用分按B级处理"
    assert score(store, F, FJ, "2025-06-30", bids_won=2).grade == "AA"
    r = score(store, F, FJ, "2025-06-30", bids_won=3)
    assert (r.band_grade, r.grade, r.rules[-1].rule) == ("AA", "B", "quota")
    for no, kind in (("Q1", "建设单位"), ("Q2", "监理单位"), ("Q3", "质监机构"), ("Q4", "主管部门")):
        g.review(no + "b", F, kind, 80, "2025-04-01", evaluator_id=no)  # a second review each: A
    g.commit()
    assert score(store, F, FJ, "2025-06-30", bids_won=1).grade == "A"
    assert score(store, F, FJ, "2025-06-30", bids_won=2).grade == "B"


def test_11_a_liability_accident_grades_c_directly_and_with_deaths_d(store):
    g = firm(store)
    g.firm("G")
    _four_units(g, low=84, on="2025-06-01")
    acc = g.accident("事故1", F, "2025-04-01", liability="主要责任")
    g.accident("事故2", "Enterprise:G", "2025-05-01", liability="全部责任", deaths=1)
    g.commit()
    # "安全生产事故报告认定为责任事故的，直接考核定级为 C、D 级"
    r = score(store, F, FJ, "2025-06-30")
    assert (r.band_grade, r.grade) == ("A", "C")
    assert [(x.rule, x.record) for x in r.rules] == [("veto:liability_accident", acc)]
    assert score(store, F, FJ, "2026-04-01").grade == "A"  # its twelve months are over
    # a firm no unit scored has no comprehensive score, only its direct grade
    r = score(store, "Enterprise:G", FJ, "2025-06-30")
    assert (r.score, r.band_grade, r.grade) == (None, None, "D")
    assert score(store, "Enterprise:G", FJ, "2026-06-30").grade is None


# -- #13: 400 points at the lock, stars, 20 points for 60 places ------------------------------

def test_13_ships_start_at_400_gain_for_fast_passage_and_lose_for_hiding(store):
    g = GraphBuilder(store)
    ship = g.vessel("CN20230000001")
    g.point_entry("JF1", ship, GX_NAME, 2, "2024-01-10", behaviour="GX-JF-01", valid_to="2025-01-09")
    g.point_entry("JF2", ship, GX_NAME, -20, "2024-02-01", behaviour="GX-KF-01", valid_to="2025-01-31")
    g.point_entry("JF3", ship, "长江航运信用评价", -5, "2024-02-01", behaviour="K01")  # another scheme
    g.commit()
    assert (score(store, ship, GX, "2024-01-01").score, score(store, ship, GX, "2024-01-01").grade) \
        == (400, "一星")  # "船舶初始分值设定为400分“基本分”"
    r = score(store, ship, GX, "2024-03-01")
    assert (r.score, r.grade) == (382, "无星")
    assert [(e.record, e.indicator, e.points) for e in r.entries] == [
        ("PointEntry:JF1", "GX-JF-01", 2), ("PointEntry:JF2", "GX-KF-01", -20)]
    r = score(store, ship, GX, "2025-01-15")
    assert r.score == 380 and [e.reason for e in r.expired] == ["expired on 2025-01-10"]


def test_13_a_three_star_ship_trades_20_points_for_60_queue_places(store):
    g = GraphBuilder(store)
    ships = [g.vessel(f"CN2023{i:07d}") for i in range(1, 66)]
    for i, ship in enumerate(ships):  # 65 ships waiting, in the order they came
        g.port_call(ship, LOCK, "450400", f"2024-05-{1 + i // 10:02d}")
    star, two = ships[64], ships[63]
    for n in range(45):  # 90 points of fast safe passages: three stars
        g.point_entry(f"J{n}", star, GX_NAME, 2, "2024-04-01", behaviour="GX-JF-01",
                      valid_to="2025-03-31")
        if n < 25:
            g.point_entry(f"T{n}", two, GX_NAME, 2, "2024-04-01", behaviour="GX-JF-01",
                          valid_to="2025-03-31")
    g.point_entry("DH1", star, GX_NAME, -20, "2024-05-08", behaviour="GX-DH-01")
    g.point_entry("DH2", two, GX_NAME, -20, "2024-05-08", behaviour="GX-DH-01")
    g.port_call(g.vessel("CN20239999999"), LOCK, "450400", "2024-04-01", "2024-04-02")  # passed
    g.commit()
    q = lock_queue(store, LOCK, "2024-05-08")
    order = [s.vessel for s in q.ships]
    assert len(order) == 65 and "Vessel:CN20239999999" not in order
    # "三星级船舶…每20积分可兑换往前跳60个排队号": from 65th to 5th
    mine = q.ships[order.index(star)]
    assert (mine.arrival_place, mine.place, mine.level, mine.points, mine.spent, mine.jump) == \
        (65, 5, "三星", 490, 20, 60)
    other = q.ships[order.index(two)]
    assert (other.level, other.jump, other.place) == ("二星", 0, 65)
    assert "buys no places" in other.note
    assert order[:4] == ships[:4] and order[5:8] == ships[4:7]  # the rest keep their order
    assert score(store, star, GX, "2024-05-08").score == 470  # the points are spent for good
    assert score(store, star, GX, "2026-05-08").score == 380


# -- #6: six point values, three validity periods, seven categories ----------------------------

def test_6_loaded_and_derived_entries_count_for_their_validity(store):
    g = GraphBuilder(store)
    ship = g.vessel("CN20230000002")
    g.point_entry("ZJ1", ship, "内河运输船舶安全等级评定", -20, "2024-03-01", behaviour="ZJ-ZZ-01",
                  valid_to="2025-02-28")
    g.inspection("JC1", ship, "2024-06-01", result="滞留")
    g.accident("SG1", ship, "2024-07-01", liability="次要责任")
    g.commit()
    r = score(store, ship, ZJ, "2024-08-01")
    assert (r.score, r.grade) == (40, "D")
    assert sorted((e.indicator, e.category, e.points) for e in r.entries) == [
        ("ZJ-ZZ-01", "基本资质", -20), ("accident_minor_liability", "交通事故", -20),
        ("inspection_detained", "安全检查", -20)]
    r = score(store, ship, ZJ, "2025-06-01")  # the detention (12 months) and the entry are over
    assert (r.score, r.grade) == (80, "B") and len(r.expired) == 2
    assert score(store, ship, ZJ, "2025-07-01").grade == "AA"


# -- #15: portraits -------------------------------------------------------------------------

def test_15_a_portrait_scores_five_dimensions_and_drills_down_to_each_vehicle(store):
    g = firm(store)
    v1, v2 = g.vehicle("苏E00001", owner=F), g.vehicle("苏E00002", owner=F)
    g.penalty("车罚1", v1, "2024-03-01", "一般")
    g.penalty("车罚2", v2, "2024-03-02", "一般")
    g.penalty("车罚3", v2, "2024-03-03", "严重")
    g.penalty("企罚1", F, "2024-03-04", "一般")
    g.alarm("GJ1", v1, "2024-04-01 10:00:00", outcome=None)
    g.commit()
    r = portrait(store, F, SC, "2024-06-01")
    dims = {d.code: (d.score, d.entries) for d in r.dimensions}
    # 车均交通违法量: two ordinary violations over two vehicles (-10 each, shared), one serious
    assert dims["vehicle"] == (100 - 10 - 15, 3)
    assert dims["penalty"] == (90, 1) and dims["supervision"] == (97.5, 1)
    assert dims["person"] == (100, 0) and dims["accident"] == (100, 0)
    expected = (0.25 * 75 + 0.2 * 100 + 0.25 * 100 + 0.15 * 90 + 0.15 * 97.5) / 1.0
    assert (r.score, r.grade) == (round(expected, 2), "低风险")
    # "每辆车、每名驾驶员的每一条扣分记录"
    assert {(e.record, e.about) for e in r.entries if e.category == "vehicle"} == {
        ("Penalty:车罚1", v1), ("Penalty:车罚2", v2), ("Penalty:车罚3", v2)}
    assert r.vehicles == 2


def test_15_weights_a_region_overrides_are_a_new_dated_version(store, tmp_path):
    g = firm(store)
    v1 = g.vehicle("苏E00003", owner=F)
    for i in range(6):
        g.penalty(f"车罚{i}", v1, "2024-03-01", "严重")
    g.commit()
    (tmp_path / "suzhou.yaml").write_text(
        "override: sc_portrait\nversion: 2024.1-苏州-1\nregion: '320500'\n"
        "effective_from: '2024-07-01'\nweights: {vehicle: 0.6}\n"
        "basis: {local_default: true, note: 苏州 weighs vehicles more}\n", encoding="utf-8")
    cat = load_schemes(tmp_path)
    before = portrait(store, F, SC, "2024-06-30", catalogue=cat)
    after = portrait(store, F, SC, "2024-07-01", catalogue=cat)
    assert (before.version, after.version) == ("2024.1", "2024.1-苏州-1")
    assert before.score == 100 - 0.25 * 100 and before.grade == "中风险"  # vehicles at 0
    assert after.score == round(100 * 0.75 / 1.35, 2) and after.grade == "高风险"
    assert portrait(store, F, SC, "2024-06-30") == portrait(store, F, SC, "2024-06-30", catalogue=None)


# -- history and bad input -------------------------------------------------------------------

def test_score_history_reads_the_ledger_on_every_step(store):
    g = firm(store)
    g.commitment(F, kind="优质服务承诺", made_on="2024-01-15", due_on="2024-03-01", status="违诺")
    g.commit()
    h = score_history(store, F, JJJ, "2024-01-01", "2025-06-01", step_months=3)
    assert [(str(p.as_of), p.score, p.grade) for p in h] == [
        ("2024-01-01", 700, "中"), ("2024-04-01", 650, "中"), ("2024-07-01", 650, "中"),
        ("2024-10-01", 650, "中"), ("2025-01-01", 650, "中"), ("2025-04-01", 700, "中")]


def test_bad_input_is_a_clear_error(store, english):
    g = firm(store)
    ship = g.vessel("CN20230000009", NANTONG)
    g.commit()
    for call, message in (
            (lambda: score(store, F, "no_such", "2025-01-01"), "unknown scoring scheme"),
            (lambda: score(store, F, GX, "2025-01-01"), "scores Vessel, not Enterprise"),
            (lambda: score(store, ship, GX, "2023-01-01"), "in force from 2023-08-08"),
            (lambda: score(store, F, FJ, "2025-01-01", bids_won=-1), "bids_won"),
            (lambda: score(store, "Enterprise:X", JJJ, "2025-01-01"), "unknown subject"),
            (lambda: score(store, F, JJJ, "1/1/2025"), "as_of"),
            (lambda: portrait(store, F, JJJ, "2025-01-01"), "not a portrait"),
            (lambda: lock_queue(store, "某船闸", "2025-01-01"), "no scoring scheme trades"),
            (lambda: score_history(store, F, JJJ, "2025-01-01", "2024-01-01"), "before start")):
        with pytest.raises(InvalidInput, match=message):
            call()
