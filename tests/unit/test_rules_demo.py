"""The worked examples of the rule functions' docstrings, on the demo data set
(``creditkb/demo``, its stories in ``creditkb/demo/README.md``), loaded once into each
store (embedded, and Neo4j when a server runs), so both give the same answers."""

from __future__ import annotations

import datetime as dt

import pytest

from queries.rules.discipline import discipline, discipline_batch
from queries.rules.inspection import check_round, inspection_draw
from queries.rules.recognition import OWN, recognized_grade
from queries.rules.repair import penalty_state, repair_eligible
from queries.rules.watchlist import shared_watchlist
from queries.scoring import score
from queries.search.subjects import subject_uid
from tests.support.demo import load_demo
from tests.support.stores import KINDS

SECRET = "demo-secret"
SXCT = "“苏锡常通”信用交通一体化联动发展框架协议"
YANGTZE_MOU = "长江航运信用联合奖惩合作备忘录"
DISHONEST = "Enterprise:91320506MA1MKT3P0P"
SISTER = "Enterprise:91320583MA1N2Q7D2B"
LONGCHENG = "Enterprise:91320411250183647M"
HANGZHOU_FIRM = "Enterprise:91330106143127092A"


@pytest.fixture(scope="module", params=KINDS)
def demo(request, tmp_path_factory, empty_store):
    store = load_demo(empty_store(request.param, tmp_path_factory.mktemp("demo") / "store"), SECRET)
    yield store
    store.close()


def person(ric: str) -> str:
    return subject_uid(ric, SECRET)


def test_recognition_across_the_four_cities(demo, english):
    g = recognized_grade(demo, LONGCHENG, "320500", "2026-06-01")
    assert (g.grade, g.evaluation.agency, g.evaluation.agency_region, g.counted_by) == (
        "AA", "常州市交通运输局", "320400", SXCT)
    g = recognized_grade(demo, HANGZHOU_FIRM, "320500", "2026-06-01")
    assert not g.found
    assert g.excluded[0].reason == ("issued in 杭州市 (330100), outside 苏州市 (320500) and not "
                                    "covered by an agreement with it")
    assert recognized_grade(demo, HANGZHOU_FIRM, "330100", "2026-06-01").counted_by == OWN
    g = recognized_grade(demo, DISHONEST, "320506", "2026-06-01")
    assert (g.grade, g.evaluation.period) == ("D", "2025年度")
    assert recognized_grade(demo, DISHONEST, "320506", "2026-03-31").grade == "C"  # 2024年度
    # Suzhou's quarterly scheme is not covered by the agreement: Wuxi acts on the road grade.
    assert recognized_grade(demo, SISTER, "320200", "2026-11-01").grade == "B"
    # Suzhou's own quarterly A of 2026 Q4 is set to D by the accident of 2026-09-14 with a
    # death and main liability (#4 "对发生有责亡人事故的，直接定为 D 级"); the answer names it.
    g = recognized_grade(demo, SISTER, "320500", "2026-11-01")
    assert (g.grade, g.veto.instead_of, g.veto.accident) == ("D", "A", "Accident:苏公交认〔2026〕0915号")
    assert "instead of A" in g.explain()
    # The Yangtze colours count in Nantong by 长江航务管理局's basin jurisdiction (rule 19),
    # before the Yangtze memorandum that covers them too; not in Hangzhou.
    g = recognized_grade(demo, "Vessel:CN20120456128", "320600", "2026-11-01")
    assert (g.grade, g.chosen.basis, g.counted_by) == ("黄码", "basin", "长江航务管理局 (basin jurisdiction)")
    assert not recognized_grade(demo, "Vessel:CN20120456128", "330100", "2026-11-01").found


def test_suzhou_filters_wuxis_airport_taxis_to_its_own(demo):
    page = shared_watchlist(demo, "320500", "2026-06-01", "重点监管", jurisdiction_only=True)
    wuxi = [(e.subject, e.counted_by) for e in page.entries if e.agency_region == "320200"]
    assert wuxi == [("Vehicle:苏E3T519", SXCT), ("Vehicle:苏ED12876", SXCT)]
    everything = shared_watchlist(demo, "320500", "2024-06-01", "重点监管")
    assert "Vehicle:苏BT2860" in [e.subject for e in everything.entries]
    later = shared_watchlist(demo, "320500", "2024-10-15", "重点监管")
    assert "Vehicle:苏BT2860" not in [e.subject for e in later.entries]  # removed that day


def test_discipline_restricts_the_dishonest_firm_and_watches_its_relations(demo):
    # Rule 15: 昆山顺达 has no negative record; 张建国 represents it and 苏州恒通: a lead.
    r = discipline(demo, SISTER, "2026-06-01", "320500")
    assert r.measures == ()
    [lead] = r.leads
    assert (lead.trigger.list_kind, lead.rule) == ("严重失信", "legal_representative_other_firms")
    assert [h.type for h in lead.path] == ["ABOUT", "LEGAL_REPRESENTATIVE_OF", "LEGAL_REPRESENTATIVE_OF"]
    assert lead.nodes[2] == person("320402198403120353")  # 张建国
    # 严重失信 binds nationwide (rule 19): the lead shows in Hangzhou too.
    assert "100000" in lead.trigger.applies_in
    assert discipline(demo, SISTER, "2026-06-01", "330100").leads
    own = discipline(demo, DISHONEST, "2026-06-01", "320500")
    assert {t.kind for t in own.triggers} == {"serious_dishonesty", "grade", "serious_penalty",
                                             "key_supervision"}
    assert {t.decision_no for t in own.triggers} >= {"苏州交罚〔2025〕0001234号"}
    assert "bidding_limit" in own.strengths()["RESTRICT"]
    rep = discipline(demo, person("320402198403120353"), "2026-06-01", "320500")
    assert set(rep.strengths()) == {"RESTRICT"}  # the person responsible
    assert discipline(demo, "Vehicle:苏E8G520", "2026-06-01").strengths() == {
        "SUPERVISE": ("higher_inspection_ratio",)}
    assert discipline(demo, "Vehicle:苏E2M851", "2026-06-01").measures == ()  # the sister's fleet
    assert discipline(demo, person("320581199312010621"), "2026-06-01").measures == ()  # safety officer
    batch = discipline_batch(demo, "320500", "2026-06-01")
    assert batch["Vehicle:苏E8G520"].measure_codes == ("higher_inspection_ratio",)
    assert batch[SISTER] == r


def test_a_c_firm_on_key_supervision_and_the_airport_taxi(demo):
    # Rule 13 (#3, #4, #17): 苏州通利, C and on 重点监管, on 2026-08-01.
    tongli = discipline(demo, "Enterprise:91320506MA1XJ8R49P", "2026-08-01", "320500")
    assert set(tongli.strengths()["RESTRICT"]) == {"subsidy_limit", "no_tolerance_processing",
                                                    "no_commitment_processing"}
    assert {t.kind for t in tongli.triggers} == {"grade", "key_supervision"}
    taxi = discipline(demo, "Vehicle:苏BD05227", "2026-08-01", "320200")
    assert taxi.strengths()["SUPERVISE"] == ("higher_inspection_ratio",)
    breach = discipline(demo, "Enterprise:91320506MA1XJ8R49P", "2026-03-01")
    assert [t.kind for t in breach.triggers] == ["breached_commitment"]  # before the grade


def test_the_green_lane_ship_and_the_nationwide_designation(demo):
    # Rule 16 (#18): 江海通达6's ordinary violation on 2026-05-10 ends its green lane; the
    # other green-lane ships stay on it.
    ship = "Vessel:CN20170912453"
    lane = {e.subject for e in shared_watchlist(demo, "320500", "2026-05-09", "守信激励").entries}
    assert lane == {ship, "Vessel:CN20181025637", "Vessel:CN20190318822"}
    after = {e.subject for e in shared_watchlist(demo, "320500", "2026-05-10", "守信激励").entries}
    assert after == lane - {ship}
    assert discipline(demo, ship, "2026-05-10").measure_codes == ("exclude_incentive_lists",)
    # Rule 19: Shandong's 严重失信 designation shows on Suzhou's list, nationwide.
    far = [(e.subject, e.counted_by) for e in shared_watchlist(
        demo, "320500", "2026-06-01", "严重失信").entries if e.agency_region == "370000"]
    assert far == [("Enterprise:91370102MA3C7JQ10W", "nationwide")]


def test_repair_reminders_and_the_repair_lifecycle(demo):
    s = penalty_state(demo, "无锡交罚〔2023〕0000456号", "2023-10-01")
    assert (s.state, s.minimum_end, s.maximum_end, s.mode) == (
        "repairable", dt.date(2023, 9, 12), dt.date(2024, 6, 12), "闭环")
    assert penalty_state(demo, "无锡交罚〔2023〕0000456号", "2023-10-20").state == "repaired"
    page = repair_eligible(demo, "320200", "2023-10-01")
    assert [(c.penalty.decision_no, str(c.minimum_end), c.mode, c.routed_by) for c in page.items] == [
        ("无锡交罚〔2023〕0000456号", "2023-09-12", "闭环", "DECIDING")]
    # Rule 18: Suzhou's regulator is reminded of its taxi fined in Wuxi.
    home = repair_eligible(demo, "320500", "2024-06-01")
    assert [(c.penalty.decision_no, c.routed_by) for c in home.items] == [
        ("无锡交罚〔2024〕0000233号", "HOME")]
    assert penalty_state(demo, "常州交罚〔2023〕0000789号", "2023-10-01").state == "revoked"
    assert penalty_state(demo, "长海罚〔2025〕0000875号", "2026-01-06").repair.mode == "闭环"


def test_scores_of_the_demo_firms(demo):
    # #1: 常州龙城 signed an initial-grade commitment: it starts at 良 (A)
    r = score(demo, LONGCHENG, "jjj_commuter_bus", "2026-06-01")
    assert (r.grade, r.score, r.rules[0].rule) == ("良", 820, "start_commitment")
    # #11: 昆山顺达's liability accident with a death grades it directly, the worse (D) winning
    r = score(demo, "Enterprise:91320583MA1N2Q7D2B", "fj_construction", "2026-10-01")
    assert (r.score, r.grade) == (None, "D")
    assert [(x.rule, x.grade) for x in r.rules] == [("veto:liability_accident", "C"),
                                                     ("veto:fatal_liability_accident", "D")]
    assert score(demo, "Enterprise:91320583MA1N2Q7D2B", "fj_construction", "2027-09-14").grade is None


def test_an_inspection_round_in_suzhou(demo):
    d = inspection_draw(demo, "320500", "2026-06-01", seed=7)
    assert [(s.key, s.population, len(s.first), len(s.second)) for s in d.strata] == [
        ("AA", 0, 0, 0), ("A", 1, 1, 0), ("B", 1, 1, 0), ("C", 1, 1, 0), ("D", 1, 1, 0),
        ("ungraded", 0, 0, 0)]
    assert d.check.ok
    assert check_round(demo, [DISHONEST, "Enterprise:91320508137219580W"], "320500", "2026-06-01").ok
