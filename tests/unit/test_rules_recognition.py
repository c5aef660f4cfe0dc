"""Mutual recognition (DOMAIN.md rule 4, case #3) on small hand-built graphs, run against
every store (the ``store`` fixture)."""

from __future__ import annotations

import pytest

from graph_model.i18n import use_language
from queries.dates import InvalidInput
from queries.rules.recognition import OWN, recognized_grade, recognized_grades
from tests.support.graph import (
    CHANGZHOU, HANGZHOU, KUNSHAN, ROAD5, SUZHOU, WUXI, WUZHONG, XINWU, YANGTZE, GraphBuilder, sxct,
)

F = "Enterprise:F1"


def test_grades_of_the_own_jurisdiction_count_up_and_down_the_hierarchy(store):
    g = GraphBuilder(store)
    g.firm("F1", WUZHONG)
    g.grade(F, "C", region=WUZHONG)  # a county's evaluation
    g.commit()
    for region in (WUZHONG, SUZHOU, "320000"):  # counts for its city and province
        r = recognized_grade(store, F, region, "2026-06-01")
        assert (r.grade, r.counted_by, r.evaluation.agency_region) == ("C", OWN, WUZHONG)
    assert not recognized_grade(store, F, KUNSHAN, "2026-06-01").found  # a sibling county: no

    g.firm("F2", KUNSHAN)
    g.grade("Enterprise:F2", "A", region=SUZHOU)  # the city's grade binds its counties
    g.commit()
    assert recognized_grade(store, "Enterprise:F2", KUNSHAN, "2026-06-01").grade == "A"


def test_a_partner_grade_counts_only_under_an_agreement_in_force_covering_its_scheme(store):
    g = GraphBuilder(store)
    g.firm("F1", CHANGZHOU)
    sxct(g, effective_from="2023-03-01", effective_to="2026-12-31")
    g.grade(F, "AA", region=CHANGZHOU, valid_from="2022-04-01", valid_to="2028-03-31")
    g.commit()
    r = recognized_grade(store, F, SUZHOU, "2024-06-01")
    assert (r.grade, r.counted_by, r.chosen.agreement.uid) == ("AA", "苏锡常通", "Agreement:苏锡常通")
    assert r.evaluation.agency == "320400局"
    assert recognized_grade(store, F, WUZHONG, "2024-06-01").counted_by == "苏锡常通"  # county of a member
    for day in ("2023-02-28", "2027-01-01"):  # before it was signed, after it ended
        r = recognized_grade(store, F, SUZHOU, day)
        with use_language("en"):  # the reason as an English reader gets it
            assert not r.found and "not in force" in r.excluded[0].reason
    assert recognized_grade(store, F, SUZHOU, "2026-12-31").found  # the end day is in force
    assert not recognized_grade(store, F, HANGZHOU, "2024-06-01").found  # not a member


def test_a_scheme_the_agreement_does_not_cover_is_not_recognised(store):
    g = GraphBuilder(store)
    g.firm("F1", WUXI)
    sxct(g)
    g.grade(F, "D", region=WUXI, scheme=YANGTZE.replace("长江航运", "无锡"),  # not in the scales
            valid_from="2026-05-01")
    g.grade(F, "红码", region=WUXI, scheme=YANGTZE, valid_from="2026-05-02")
    g.grade(F, "B", region=WUXI)
    g.commit()
    r = recognized_grade(store, F, SUZHOU, "2026-06-01")
    assert (r.grade, r.evaluation.scheme) == ("B", ROAD5)
    with use_language("en"):
        reasons = {x.evaluation.split("|")[1]: x.reason for x in r.excluded}
    assert "does not cover scheme 长江航运信用评价" in reasons[YANGTZE]
    assert "not in the grade scales" in reasons["无锡信用评价"]
    # An agreement naming no scheme recognises all of them.
    g.agreement("全部互认", [SUZHOU, WUXI], schemes=[])
    g.commit()
    r = recognized_grade(store, F, SUZHOU, "2026-06-01")
    assert (r.grade, r.counted_by) == ("红码", "全部互认")


def test_the_most_recent_wins_and_on_a_tie_the_stricter(store):
    g = GraphBuilder(store)
    g.firm("F1", SUZHOU)
    sxct(g)
    g.grade(F, "A", region=SUZHOU, valid_from="2026-04-01")
    g.grade(F, "C", region=WUXI, valid_from="2026-04-01")  # same start, stricter
    g.grade(F, "D", region=CHANGZHOU, valid_from="2025-04-01", valid_to="2027-03-31")  # older
    g.commit()
    r = recognized_grade(store, F, SUZHOU, "2026-06-01")
    assert (r.grade, r.evaluation.agency_region, r.counted_by) == ("C", WUXI, "苏锡常通")
    assert [c.evaluation.grade for c in r.candidates] == ["C", "A", "D"]
    g.grade(F, "B", region=SUZHOU, valid_from="2026-05-01")  # newer beats stricter
    g.commit()
    assert recognized_grade(store, F, SUZHOU, "2026-06-01").grade == "B"
    # Across schemes the common severity decides a tie: 红码 (bad) beats B (fair).
    g.agreement("长江", ["320000", "420000"], schemes=[YANGTZE])
    g.grade(F, "红码", region="420100", scheme=YANGTZE, valid_from="2026-05-01")
    g.commit()
    r = recognized_grade(store, F, SUZHOU, "2026-06-01")
    assert (r.grade, r.level.code, r.counted_by) == ("红码", "bad", "长江")
    assert recognized_grade(store, F, SUZHOU, "2026-06-01", scheme=ROAD5).grade == "B"


def test_validity_is_inclusive_and_nothing_counts_means_no_grade(store):
    g = GraphBuilder(store)
    g.firm("F1", SUZHOU)
    g.grade(F, "B", valid_from="2025-04-01", valid_to="2026-03-31")
    g.commit()
    assert recognized_grade(store, F, SUZHOU, "2025-04-01").grade == "B"
    assert recognized_grade(store, F, SUZHOU, "2026-03-31").grade == "B"
    for day in ("2025-03-31", "2026-04-01"):
        r = recognized_grade(store, F, SUZHOU, day)
        assert (r.found, r.grade, r.level, r.evaluation) == (False, None, None, None)  # not a default B
        assert r.excluded[0].why == "recognition.excluded.not_valid"
    g.firm("F0", SUZHOU)
    g.commit()
    r = recognized_grade(store, "Enterprise:F0", SUZHOU, "2026-01-01")
    assert (r.found, r.candidates, r.excluded) == (False, (), ())


def test_the_batch_form_gives_the_same_answers(store):
    g = GraphBuilder(store)
    sxct(g)
    for i, (region, grade) in enumerate([(SUZHOU, "A"), (WUXI, "C"), (HANGZHOU, "AA"), (XINWU, "D")]):
        g.firm(f"F{i}", region)
        g.grade(f"Enterprise:F{i}", grade, region=region)
    g.commit()
    uids = [f"Enterprise:F{i}" for i in range(4)]
    batch = recognized_grades(store, uids, SUZHOU, "2026-06-01")
    assert {u: r.grade for u, r in batch.items()} == {
        "Enterprise:F0": "A", "Enterprise:F1": "C", "Enterprise:F2": None, "Enterprise:F3": "D"}
    for u in uids:
        assert batch[u] == recognized_grade(store, u, SUZHOU, "2026-06-01")


def test_bad_input_is_a_clear_error(store, english):
    g = GraphBuilder(store)
    g.firm("F1", SUZHOU)
    g.agreement("倒签协议", [SUZHOU, WUXI], effective_from="2024-01-01", effective_to="2023-12-31")
    g.commit()
    with pytest.raises(InvalidInput, match="unknown subject"):
        recognized_grade(store, "Enterprise:NOPE", SUZHOU, "2026-06-01")
    with pytest.raises(InvalidInput, match="Label:key"):
        recognized_grade(store, "F1", SUZHOU, "2026-06-01")
    with pytest.raises(InvalidInput, match="not a subject"):
        recognized_grade(store, "Region:320500", SUZHOU, "2026-06-01")
    with pytest.raises(InvalidInput, match="not a known division code"):
        recognized_grade(store, F, "329999", "2026-06-01")
    with pytest.raises(InvalidInput, match="six-digit"):
        recognized_grade(store, F, "苏州", "2026-06-01")
    with pytest.raises(InvalidInput, match="as_of"):
        recognized_grade(store, F, SUZHOU, "2026-13-01")
    with pytest.raises(InvalidInput, match="unknown evaluation scheme"):
        recognized_grade(store, F, SUZHOU, "2026-06-01", scheme="无此体系")
    with pytest.raises(InvalidInput, match="ends on 2023-12-31 before it starts on 2024-01-01"):
        recognized_grade(store, F, SUZHOU, "2026-06-01")


def test_a_basin_authoritys_grade_counts_where_its_jurisdiction_binds(store):
    """#19: 长江航务管理局, seated in Wuhan (420100), grades ships along the river; its grades
    bind in the provinces it serves ("沿江各省（市）10 余家交通运输主管部门"), from the day its
    jurisdiction holds, and say so (rule 19)."""
    g = GraphBuilder(store)
    g.jurisdiction("长江航务管理局", "CJHY", "流域", ["310000", "320000", "420000"],
                   seats=("420100",), effective_from="2023-12-01")
    g.vessel("CN20120456128", "320600")
    g.grade("Vessel:CN20120456128", "黄码", region="420100", scheme=YANGTZE,
            agency="长江航务管理局", valid_from="2023-10-01", valid_to="2027-12-31")
    g.vessel("CN20120456129", "320600")
    g.grade("Vessel:CN20120456129", "黄码", region="420100", scheme=YANGTZE,
            agency="武汉市交通运输局", valid_from="2023-10-01", valid_to="2027-12-31")
    g.commit()
    r = recognized_grade(store, "Vessel:CN20120456128", "320600", "2026-11-01")
    assert (r.grade, r.chosen.basis, r.counted_by) == ("黄码", "basin", "长江航务管理局 (basin jurisdiction)")
    assert recognized_grade(store, "Vessel:CN20120456128", "320506", "2026-11-01").found
    assert not recognized_grade(store, "Vessel:CN20120456128", "330100", "2026-11-01").found
    assert not recognized_grade(store, "Vessel:CN20120456128", "320600", "2023-11-30").found
    assert recognized_grade(store, "Vessel:CN20120456128", "420100", "2023-11-30").counted_by == OWN
    # Another Wuhan agency has no jurisdiction beyond its city.
    assert not recognized_grade(store, "Vessel:CN20120456129", "320600", "2026-11-01").found


def test_a_national_grade_binds_everywhere_and_own_jurisdiction_comes_first(store):
    g = GraphBuilder(store)
    g.jurisdiction("交通运输部", "100000", "全国", ["100000"], seats=("110000",))
    g.firm("F1", "650102")
    g.grade(F, "C", region="110000", agency="交通运输部", valid_from="2026-04-01")
    g.grade(F, "C", region="650000", valid_from="2026-04-01")  # Xinjiang's own, the same day
    g.commit()
    r = recognized_grade(store, F, "650100", "2026-06-01")
    assert [(c.evaluation.agency_region, c.basis) for c in r.candidates] == [
        ("650000", OWN), ("110000", "national")]
    r = recognized_grade(store, F, "460100", "2026-06-01")  # Hainan: the ministry's only
    assert (r.grade, r.counted_by) == ("C", "交通运输部 (national jurisdiction)")
