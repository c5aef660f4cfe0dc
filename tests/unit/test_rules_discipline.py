"""Joint discipline (DOMAIN.md rule 6; cases #8, #16, #18) on small hand-built graphs, every
store: triggers, propagation paths, effect windows, regions, and the batch pass."""

from __future__ import annotations

import copy

import pytest

from queries.dates import InvalidInput
from queries.rules.discipline import discipline, discipline_batch, parse_discipline_rules
from queries.rules.rulefile import read_yaml
from tests.support.graph import (
    CHANGZHOU, HANGZHOU, KUNSHAN, SUZHOU, WUXI, WUZHONG, GraphBuilder, sxct,
)

A, B, C = "Enterprise:A", "Enterprise:B", "Enterprise:C"
P, P2, DRIVER = "Person:P", "Person:P2", "Person:D"
VA, VB, SHIP = "Vehicle:苏E00001", "Vehicle:苏E00002", "Vessel:CN20120456128"
PLATFORM, CARRIER = "Enterprise:PL", "Enterprise:OF"
ENTRY = f"ListEntry:严重失信|{A}|{SUZHOU}|2025-06-20"
ALL_EIGHT = ("bidding_limit", "market_entry_limit", "subsidy_limit", "no_tolerance_processing",
             "no_commitment_processing", "higher_inspection_ratio", "exclude_incentives",
             "exclude_green_lane")


def story(store):
    """Firm A (Suzhou) is seriously dishonest from 2025-06-20 until its removal on 2026-06-20.
    P represents A and B; P2 represented A and C until 2025-12-31.  A owns a vehicle and
    operates a ship; B owns a vehicle.  Driver D, dishonest in Wuxi, works for a ride-hailing
    platform and for a freight firm.  苏锡常通 shares 重点监管 only; Suzhou and Hangzhou share
    严重失信 lists."""
    g = GraphBuilder(store)
    sxct(g)
    g.agreement("苏杭联合惩戒", [SUZHOU, HANGZHOU], effective_from="2024-01-01",
                schemes=[], list_kinds=["严重失信"])
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


def test_serious_dishonesty_reaches_the_representative_the_other_firms_and_the_fleet(store):
    story(store)
    day = "2026-01-01"
    own = discipline(store, A, day)
    assert set(codes(own)) == set(ALL_EIGHT)
    m = own.measures[0]
    assert (m.trigger.record, m.trigger.kind, m.rule) == (ENTRY, "serious_dishonesty", "self")
    assert m.nodes == (ENTRY, A) and [(h.src, h.type, h.dst) for h in m.path] == [(ENTRY, "ABOUT", A)]
    assert m.applies_in == (SUZHOU, HANGZHOU) and m.trigger.agreements == ("苏杭联合惩戒",)
    assert (str(m.since), str(m.until)) == ("2025-06-20", "2026-06-20")

    rep = discipline(store, P, day)
    assert set(codes(rep)) == {"post_restriction", "exclude_incentives", "no_commitment_processing"}
    assert rep.measures[0].nodes == (ENTRY, A, P)

    sister = discipline(store, B, day)
    assert codes(sister) == ("no_tolerance_processing", "higher_inspection_ratio", "exclude_incentives")
    m = sister.measures[0]
    assert m.rule == "legal_representative_other_firms"
    assert m.nodes == (ENTRY, A, P, B)
    assert [(h.src, h.type, h.dst) for h in m.path] == [
        (ENTRY, "ABOUT", A), (P, "LEGAL_REPRESENTATIVE_OF", A), (P, "LEGAL_REPRESENTATIVE_OF", B)]

    assert codes(discipline(store, VA, day)) == ("higher_inspection_ratio", "exclude_incentives",
                                                 "exclude_green_lane")
    assert discipline(store, SHIP, day).measures[0].path[-1].type == "OPERATES"
    assert discipline(store, VB, day).measures == ()  # the sister firm's fleet: three hops, no rule
    assert discipline(store, C, day).measures == ()  # P2 left A on 2025-12-31
    assert codes(discipline(store, C, "2025-12-31")) == codes(sister)


def test_removal_from_the_list_ends_every_measure_it_caused(store):
    story(store)
    for subject in (A, P, B, VA, SHIP):
        assert discipline(store, subject, "2026-06-19").measures, subject
        assert discipline(store, subject, "2026-06-20").measures == (), subject
        assert discipline(store, subject, "2025-06-19").measures == (), subject


def test_platforms_must_stop_dispatching_to_a_dishonest_driver(store):
    story(store)
    r = discipline(store, PLATFORM, "2026-01-01")
    assert codes(r) == ("stop_dispatch",)
    assert [h.type for h in r.measures[0].path] == ["ABOUT", "EMPLOYED_BY"]
    assert r.measures[0].trigger.subject == DRIVER
    assert discipline(store, CARRIER, "2026-01-01").measures == ()  # not a platform
    assert "bidding_limit" not in codes(discipline(store, DRIVER, "2026-01-01"))  # not for people


def test_measures_apply_in_the_trigger_region_and_the_partners_sharing_it(store):
    story(store)
    day = "2026-01-01"
    assert set(codes(discipline(store, A, day, SUZHOU))) == set(ALL_EIGHT)
    assert set(codes(discipline(store, A, day, WUZHONG))) == set(ALL_EIGHT)  # a county of Suzhou
    assert set(codes(discipline(store, A, day, HANGZHOU))) == set(ALL_EIGHT)  # shares 严重失信
    assert discipline(store, A, day, WUXI).measures == ()  # 苏锡常通 shares 重点监管 only
    assert set(codes(discipline(store, A, day, "320000"))) == set(ALL_EIGHT)  # contains Suzhou
    assert discipline(store, PLATFORM, day, SUZHOU).measures == ()  # Wuxi's list, not shared
    assert codes(discipline(store, PLATFORM, day, WUXI)) == ("stop_dispatch",)


def test_a_recognised_grade_of_the_worst_severity_triggers_until_it_expires(store):
    g = GraphBuilder(store)
    sxct(g)
    g.firm("G", WUXI)
    g.vehicle("苏B00001", WUXI, "Enterprise:G")
    ev = g.grade("Enterprise:G", "D", region=WUXI, valid_from="2026-04-01", valid_to="2027-03-31")
    g.grade("Enterprise:G", "C", region=WUXI, valid_from="2025-04-01", valid_to="2026-03-31")
    g.commit()
    r = discipline(store, "Enterprise:G", "2026-06-01", SUZHOU)
    assert set(codes(r)) == set(ALL_EIGHT)
    t = r.measures[0].trigger
    assert (t.kind, t.record, t.grade, t.region) == ("worst_grade", ev, "D", WUXI)
    assert t.applies_in == ("320200", "320400", "320500", "320600")  # 苏锡常通 covers the scheme
    assert str(t.until) == "2027-04-01"
    assert discipline(store, "Enterprise:G", "2027-03-31", SUZHOU).measures
    assert discipline(store, "Enterprise:G", "2027-04-01", SUZHOU).measures == ()  # expired
    assert discipline(store, "Enterprise:G", "2026-03-31", SUZHOU).measures == ()  # C is not worst
    assert codes(discipline(store, "Vehicle:苏B00001", "2026-06-01")) == (
        "higher_inspection_ratio", "exclude_incentives", "exclude_green_lane")
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
    assert codes(r) == ("no_tolerance_processing", "higher_inspection_ratio", "exclude_incentives",
                        "exclude_green_lane")
    t = r.measures[0].trigger
    assert (t.kind, t.decision_no, str(t.since), str(t.until)) == (
        "serious_penalty", "苏罚1号", "2025-05-20", "2026-06-01")
    assert discipline(store, "Enterprise:H", "2026-06-01").measures == ()
    assert discipline(store, "Enterprise:R", "2026-01-01").measures == ()


def test_a_breached_commitment_counts_from_its_deadline_for_a_year(store):
    g = GraphBuilder(store)
    g.firm("K", SUZHOU)
    g.commitment("Enterprise:K", due_on="2025-07-14", status="违诺")
    g.firm("L", SUZHOU)
    g.commitment("Enterprise:L", due_on="2025-07-14", status="履约中")
    g.commit()
    assert discipline(store, "Enterprise:K", "2025-07-13").measures == ()
    r = discipline(store, "Enterprise:K", "2025-07-14")
    assert codes(r) == ("no_tolerance_processing", "no_commitment_processing", "exclude_incentives")
    assert r.measures[0].trigger.kind == "breached_commitment"
    assert discipline(store, "Enterprise:K", "2026-07-14").measures == ()
    assert discipline(store, "Enterprise:L", "2025-08-01").measures == ()


def test_key_attention_reaches_the_fleet_but_not_the_representative(store):
    g = GraphBuilder(store)
    g.firm("KA", CHANGZHOU)
    g.person("Q")
    g.rel("LEGAL_REPRESENTATIVE_OF", "Person:Q", "Enterprise:KA")
    g.vehicle("苏D00001", CHANGZHOU, "Enterprise:KA")
    g.listed("Enterprise:KA", "重点关注", "320000", "2025-09-10")
    g.commit()
    assert codes(discipline(store, "Enterprise:KA", "2026-01-01")) == (
        "no_tolerance_processing", "higher_inspection_ratio", "exclude_incentives", "exclude_green_lane")
    assert discipline(store, "Vehicle:苏D00001", "2026-01-01").measures
    assert discipline(store, "Person:Q", "2026-01-01").measures == ()


def test_how_far_measures_reach_is_data(store):
    story(store)
    doc, _ = read_yaml(None, "discipline.yaml")
    doc = copy.deepcopy(dict(doc))
    doc["propagation"] = list(doc["propagation"]) + [{
        "code": "sister_fleet", "from": ["Enterprise"], "triggers": ["serious_dishonesty"],
        "path": [{"rel": ["LEGAL_REPRESENTATIVE_OF"], "direction": "in", "to": ["Person"]},
                 {"rel": ["LEGAL_REPRESENTATIVE_OF"], "direction": "out", "to": ["Enterprise"]},
                 {"rel": ["OWNS"], "direction": "out", "to": ["Vehicle"]}],
        "measures": ["higher_inspection_ratio"]}]
    rules = parse_discipline_rules(doc)
    r = discipline(store, VB, "2026-01-01", rules=rules)
    assert codes(r) == ("higher_inspection_ratio",)
    assert r.measures[0].nodes == (ENTRY, A, P, B, VB)
    assert discipline_batch(store, SUZHOU, "2026-01-01", rules=rules)[VB] == discipline(
        store, VB, "2026-01-01", SUZHOU, rules=rules)


def everything(store):
    story(store)
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
    g.listed("Enterprise:HZ", "严重失信", HANGZHOU, "2025-01-01")
    g.commit()
    return [A, B, C, P, P2, DRIVER, VA, VB, SHIP, PLATFORM, CARRIER, "Enterprise:G",
            "Vehicle:苏B00001", "Enterprise:H", "Enterprise:K", "Vehicle:苏D00009", "Enterprise:HZ"]


def test_the_batch_pass_gives_every_subject_its_per_subject_answer(store):
    subjects = everything(store)
    for region in (SUZHOU, WUXI, HANGZHOU, "320000"):
        for day in ("2025-08-01", "2026-01-01", "2026-06-10", "2026-06-20"):
            batch = discipline_batch(store, region, day)
            for s in subjects:
                single = discipline(store, s, day, region)
                assert batch.get(s) == (single if single.measures else None), (region, day, s)
            assert list(batch) == sorted(batch)
    assert "Enterprise:HZ" in discipline_batch(store, SUZHOU, "2026-01-01")  # shared by 苏杭
    assert "Enterprise:HZ" not in discipline_batch(store, WUXI, "2026-01-01")


def test_bad_input_is_a_clear_error(store):
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
