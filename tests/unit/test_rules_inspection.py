"""Differentiated random inspection (DOMAIN.md rule 7; cases #5 and #8), every store."""

from __future__ import annotations

import pytest

from queries.dates import InvalidInput
from queries.rules.inspection import check_round, inspection_draw
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


def test_grades_of_other_schemes_are_drawn_by_their_common_level(store):
    g = GraphBuilder(store)
    g.firm("S", SUZHOU)
    g.grade("Enterprise:S", "红码", region=SUZHOU, scheme=YANGTZE)
    g.commit()
    d = inspection_draw(store, SUZHOU, "2026-06-01", seed=0)
    [s] = d.selected
    assert (s.stratum, s.grade, s.scheme) == ("D", "红码", YANGTZE)
    with pytest.raises(InvalidInput, match="known division code"):
        inspection_draw(store, "000001", "2026-06-01")
