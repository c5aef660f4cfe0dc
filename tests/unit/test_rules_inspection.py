"""Differentiated random inspection and inspection cycles (DOMAIN.md rules 7 and 20; cases
#5, #6 and #8), every store."""

from __future__ import annotations

import pytest

from graph_model.schema import schema
from queries.dates import InvalidInput
from queries.rules.inspection import check_round, inspection_draw, inspection_due
from tests.support.graph import HANGZHOU, SUZHOU, WUXI, WUZHONG, YANGTZE, GraphBuilder, sxct

# 40 Suzhou firms: 10 AA, 10 A, 10 B, 5 C, 3 D, 2 ungraded; one Wuxi D (苏锡常通) and one
# Hangzhou firm (outside the population).
GRADES = ["AA"] * 10 + ["A"] * 10 + ["B"] * 10 + ["C"] * 5 + ["D"] * 3 + [None] * 2


def population(store):
    g = GraphBuilder(store)
    sxct(g)
    for i, grade in enumerate(GRADES):
        g.firm(f"F{i:02d}", WUZHONG if i % 2 else SUZHOU)
        if grade:
            g.grade(f"Enterprise:F{i:02d}", grade, region=SUZHOU)
    g.firm("W", WUXI)
    g.grade("Enterprise:W", "D", region=WUXI)
    g.firm("H", HANGZHOU)
    return g.commit()


def test_strata_are_drawn_by_ratio_rounded_up_then_c_and_d_again(store):
    population(store)
    d = inspection_draw(store, SUZHOU, "2026-06-01", seed=1)
    got = {s.key: (s.population, len(s.first), len(s.second)) for s in d.strata}
    assert got == {"AA": (10, 1, 0), "A": (10, 2, 0), "B": (10, 2, 0), "C": (5, 2, 2),
                   "D": (3, 1, 2), "ungraded": (2, 1, 0)}  # 15% of 10 = 1.5 -> 2; 70% of 3 -> 3, 2 left
    for s in d.strata:
        assert not set(s.first) & set(s.second)  # the second draw adds new subjects
    assert all(x.subject.startswith("Enterprise:F") for x in d.selected)  # registered in Suzhou
    c = next(x for x in d.selected if x.stratum == "C")
    assert (c.grade, c.evaluation) == ("C", f"Evaluation:{c.subject}|道路运输经营者信用评价|{SUZHOU}|2026-04-01")


def test_the_same_seed_gives_the_same_draw(store):
    population(store)
    a = inspection_draw(store, SUZHOU, "2026-06-01", seed=42)
    assert inspection_draw(store, SUZHOU, "2026-06-01", seed=42) == a
    others = {inspection_draw(store, SUZHOU, "2026-06-01", seed=s).subjects for s in range(8)}
    assert len(others) > 1  # the seed matters
    county = inspection_draw(store, WUZHONG, "2026-06-01", seed=42)
    assert sum(s.population for s in county.strata) == 20


def test_ratios_can_be_given_and_are_checked(store):
    population(store)
    d = inspection_draw(store, SUZHOU, "2026-06-01", {"AA": 0, "A": 0, "B": 1.0, "ungraded": 0},
                        seed=3, second_ratios={"C": 0, "D": 0})
    assert {s.key: len(s.first) + len(s.second) for s in d.strata} == {
        "AA": 0, "A": 0, "B": 10, "C": 2, "D": 1, "ungraded": 0}
    with pytest.raises(InvalidInput, match="between 0 and 1"):
        inspection_draw(store, SUZHOU, "2026-06-01", {"D": 1.5})
    with pytest.raises(InvalidInput, match="not one of"):
        inspection_draw(store, SUZHOU, "2026-06-01", {"E": 0.5})
    with pytest.raises(InvalidInput, match="seed"):
        inspection_draw(store, SUZHOU, "2026-06-01", seed=1.5)


def test_a_round_needs_half_of_its_subjects_graded_b_or_below(store):
    population(store)
    aa, b, d, ungraded = "Enterprise:F00", "Enterprise:F20", "Enterprise:F30", "Enterprise:F38"
    assert check_round(store, [aa, b], SUZHOU, "2026-06-01").ok
    r = check_round(store, [aa, aa.replace("0", "1", 1), b], SUZHOU, "2026-06-01")
    assert (r.total, r.at_or_below, r.ok) == (3, 1, False)
    r = check_round(store, [aa, ungraded], SUZHOU, "2026-06-01")  # ungraded is not "B or below"
    assert (r.at_or_below, r.ok) == (0, False)
    assert check_round(store, ["Enterprise:W", aa], SUZHOU, "2026-06-01").ok  # Wuxi's D, recognised
    assert not check_round(store, ["Enterprise:W", aa], HANGZHOU, "2026-06-01").ok
    assert check_round(store, [d, aa, aa], SUZHOU, "2026-06-01", minimum_share=0.3).ok
    r = inspection_draw(store, SUZHOU, "2026-06-01", seed=1).check
    assert (r.total, r.at_or_below, r.ok) == (13, 9, True)


def test_a_draw_takes_the_scheme_asked_for_or_the_regions_own_never_the_newest_of_any(store, english):
    g = GraphBuilder(store)
    g.firm("S", SUZHOU)
    g.grade("Enterprise:S", "红码", region=SUZHOU, scheme=YANGTZE, valid_from="2026-05-01")
    g.grade("Enterprise:S", "A", region=SUZHOU, valid_from="2026-04-01")
    g.commit()
    d = inspection_draw(store, SUZHOU, "2026-06-01", seed=0)  # Jiangsu's own: the road scheme
    assert d.scheme == "道路运输经营者信用评价" and [s.stratum for s in d.selected] == ["A"]
    d = inspection_draw(store, SUZHOU, "2026-06-01", seed=0, scheme=YANGTZE)
    [s] = d.selected
    assert (s.stratum, s.grade, s.scheme) == ("D", "红码", YANGTZE)  # by its common level
    with pytest.raises(InvalidInput, match="no scheme of its own"):
        inspection_draw(store, "440300", "2026-06-01")  # Shenzhen: name one
    assert inspection_draw(store, "440300", "2026-06-01", scheme=YANGTZE).selected == ()
    with pytest.raises(InvalidInput, match="known division code"):
        inspection_draw(store, "000001", "2026-06-01")


def test_b_or_below_is_each_schemes_own(store):
    """#8 "B 级及以下" is the scheme's own meaning (rule 20): a Henan green code (98% of firms,
    #10) or a Sichuan low-risk portrait is not "B or below"; a yellow code or a medium risk
    is (#5: "中高风险")."""
    g = GraphBuilder(store)
    for i in range(4):
        g.firm(f"HN{i}", "410100")
        g.grade(f"Enterprise:HN{i}", "绿码" if i < 3 else "黄码", region="410000",
                scheme="两客一危安全生产分级分类")
        g.firm(f"SC{i}", "510100")
        g.grade(f"Enterprise:SC{i}", "低风险" if i else "中风险", region="510000",
                scheme="两客一危企业信用画像")
    g.commit()
    greens = [f"Enterprise:HN{i}" for i in range(3)]
    r = check_round(store, greens, "410100", "2026-06-01")  # Henan's own scheme
    assert (r.scheme, r.at_or_below, r.ok) == ("两客一危安全生产分级分类", 0, False)
    assert check_round(store, greens[:1] + ["Enterprise:HN3"], "410100", "2026-06-01").ok
    r = check_round(store, ["Enterprise:SC0", "Enterprise:SC1", "Enterprise:SC2"], "510100",
                    "2026-06-01")
    assert (r.at_or_below, r.ok) == (1, False)


def test_shandong_manages_an_ungraded_firm_as_c(store):
    """#8 "未按要求开展信用注册、承诺、自评的，一律按照 C 级管理"."""
    g = GraphBuilder(store)
    g.firm("SD1", "370100")
    g.grade("Enterprise:SD1", "A", region="370000", scheme="交通运输安全生产信用评价")
    g.firm("SD2", "370100")  # registered in Shandong, never graded
    g.firm("JS", SUZHOU)  # ungraded in Jiangsu: no such rule
    g.commit()
    d = inspection_draw(store, "370100", "2026-06-01", seed=0)
    assert {s.key: s.population for s in d.strata if s.population} == {"A": 1, "C": 1}
    drawn = next(x for x in d.selected if x.subject == "Enterprise:SD2")
    assert (drawn.stratum, drawn.grade, drawn.evaluation) == ("C", "C", None)
    assert check_round(store, ["Enterprise:SD1", "Enterprise:SD2"], "370100", "2026-06-01").ok
    r = check_round(store, ["Enterprise:JS"], SUZHOU, "2026-06-01")
    assert (r.at_or_below, r.ok) == (0, False)


ZJ = "内河运输船舶安全等级评定"


def ships(store):
    """Zhejiang ships (#6), graded from 2026-04-01: a D cargo ship, an AA passenger ship, an A
    container ship, a D dangerous-goods ship graded 2026-05-15, one ungraded."""
    g = GraphBuilder(store)
    for vid, vtype, grade, since in (("CN33000000001", "货船", "D", "2026-04-01"),
                                     ("CN33000000002", "客船", "AA", "2026-04-01"),
                                     ("CN33000000003", "集装箱船", "A", "2026-04-01"),
                                     ("CN33000000004", "危险品船", "D", "2026-05-15"),
                                     ("CN33000000005", "货船", None, None)):
        g.vessel(vid, "330100", vessel_type=vtype)
        if grade:
            g.grade(f"Vessel:{vid}", grade, region="330000", scheme=ZJ, valid_from=since,
                    valid_to="2027-12-31")
    return g.commit()


def test_ships_are_due_when_their_cycle_runs_out(store, english):
    """#6 "如普通货船为 2-12 个月不等，客运、危险品运输船为 2-9 个月不等": the worst grade's
    cycle is 2 months, the best grade's 12 (cargo) or 9 (passenger)."""
    ships(store)
    assert inspection_due(store, "330100", "2026-05-31").ships == ()
    d = inspection_due(store, "330100", "2026-06-01")
    assert (d.scheme, d.not_graded) == (ZJ, 1)
    assert [(s.vessel, s.cycle_months, str(s.due_on), s.days_overdue, s.last_inspected)
            for s in d.ships] == [("Vessel:CN33000000001", 2, "2026-06-01", 0, None)]
    d = inspection_due(store, "330100", "2027-01-01")
    assert [(s.vessel.rpartition("0")[2], s.cycle_months, str(s.due_on)) for s in d.ships] == [
        ("1", 2, "2026-06-01"), ("4", 2, "2026-07-15"), ("2", 9, "2027-01-01"),
        ("3", 9, "2027-01-01")]
    assert inspection_due(store, SUZHOU, "2027-01-01").ships == ()
    with pytest.raises(InvalidInput, match="cycles are given for"):
        inspection_due(store, "330100", "2026-06-01", scheme=YANGTZE)


@pytest.mark.skipif("Inspection" not in schema().labels,
                    reason="inspection records arrive with the kinds of the events issue")
def test_an_inspection_restarts_the_cycle(store):
    ships(store)
    g = GraphBuilder(store)
    g.record("Inspection", "浙检1号", "Vessel:CN33000000001", inspected_on="2026-05-20",
             kind="船舶安全检查", result="合格", agency_region="330100")
    g.commit()
    d = inspection_due(store, "330100", "2026-07-19")
    assert "Vessel:CN33000000001" not in [s.vessel for s in d.ships]
    [s] = [s for s in inspection_due(store, "330100", "2026-07-20").ships
           if s.vessel == "Vessel:CN33000000001"]
    assert (str(s.last_inspected), str(s.due_on)) == ("2026-05-20", "2026-07-20")
