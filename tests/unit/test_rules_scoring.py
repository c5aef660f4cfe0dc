"""The score scheme of DOMAIN.md rules 1-3 and 9 (queries/data/scoring.yaml), every store."""

from __future__ import annotations

import pytest

from queries.dates import InvalidInput
from queries.rules.scoring import credit_score
from tests.support.graph import SUZHOU, GraphBuilder

F = "Enterprise:F"


def firm(store, **records):
    g = GraphBuilder(store)
    g.firm("F", SUZHOU)
    return g


def test_operators_start_at_b_and_an_initial_grade_commitment_lifts_them_to_a(store):
    g = firm(store)
    g.commitment(F, kind="告知承诺制审批", made_on="2024-01-01", due_on="2024-06-30", status="已履约")
    g.commit()
    r = credit_score(store, F, "2024-03-01")
    assert (r.grade, r.score, r.start_grade, r.moves, r.grade_rules) == ("B", 760, "B", (), ())
    g.commitment(F, kind="初始信用等级承诺", made_on="2024-05-01", due_on="2025-04-30", status="履约中")
    g.commit()
    assert credit_score(store, F, "2024-04-30").grade == "B"
    r = credit_score(store, F, "2024-05-01")
    assert (r.grade, r.score, r.grade_rules[0].rule) == ("A", 860, "start_commitment")
    assert r.records == (f"Commitment:{F}|初始信用等级承诺|320500|2024-05-01",)


def test_each_breach_deducts_50_points_until_it_expires(store):
    g = firm(store)
    g.commitment(F, kind="初始信用等级承诺", made_on="2024-01-01", due_on="2024-12-31", status="已履约")
    breach = g.commitment(F, kind="告知承诺制审批", made_on="2025-01-15", due_on="2025-07-14", status="违诺")
    g.commit()
    r = credit_score(store, F, "2025-07-14")
    assert (r.grade, r.score, r.score_grade) == ("B", 810, "B")  # A lost by one breach
    assert [(m.record, m.points, str(m.until)) for m in r.moves] == [(breach, -50, "2026-07-14")]
    r = credit_score(store, F, "2026-07-14")
    assert (r.grade, r.score, r.moves) == ("A", 860, ())
    assert [(n.record, n.reason) for n in r.not_counted] == [(breach, "expired on 2026-07-14")]


def test_a_fatal_liability_accident_sets_d_while_the_penalty_counts(store):
    g = firm(store)
    g.commitment(F, kind="初始信用等级承诺", made_on="2024-01-01", due_on="2024-12-31", status="已履约")
    pen = g.penalty("亡人1号", F, "2025-03-01", "一般", violation="发生一般等级有责亡人事故")
    g.commit()
    r = credit_score(store, F, "2025-06-01")
    assert (r.score, r.score_grade, r.grade) == (840, "B", "D")  # the veto sets D whatever the score
    assert [(x.rule, x.record) for x in r.grade_rules if x.grade == "D"] == [("veto:fatal_accident", pen)]
    assert credit_score(store, F, "2026-03-01").grade == "A"  # its publication year is over


def test_a_repaired_penalty_stops_counting_from_its_repair_date_and_a_revoked_one_never(store):
    g = firm(store)
    g.commitment(F, kind="告知承诺制审批", made_on="2024-01-01", due_on="2024-06-30", status="已履约")
    g.penalty("罚1号", F, "2025-01-10", "严重", violation="车辆超速行驶")
    g.repair("罚1号", "2026-02-01")
    g.penalty("罚2号", F, "2025-01-10", "一般", status="撤销")
    g.commit()
    r = credit_score(store, F, "2026-01-31")
    assert (r.score, r.grade) == (560, "D")
    assert [(n.record, n.reason) for n in r.not_counted] == [("Penalty:罚2号", "revoked (撤销)")]
    r = credit_score(store, F, "2026-02-01")
    assert (r.score, r.grade) == (760, "B")
    assert ("Penalty:罚1号", "repaired (承诺) on 2026-02-01") in [(n.record, n.reason) for n in r.not_counted]


def test_an_unregistered_operator_is_managed_as_c(store):
    g = firm(store)
    g.vehicle("苏E00001")
    g.commit()
    r = credit_score(store, F, "2025-01-01")
    assert (r.score_grade, r.grade, r.grade_rules[0].rule) == ("B", "C", "unregistered")
    assert credit_score(store, "Vehicle:苏E00001", "2025-01-01").grade == "B"  # vehicles do not register
    g.grade(F, "B", valid_from="2025-04-01")  # took part in an evaluation
    g.commit()
    assert credit_score(store, F, "2025-04-01").grade == "B"


def test_the_bid_quota_scores_aa_and_a_firms_as_b_afterwards(store):
    g = firm(store)
    g.commitment(F, kind="初始信用等级承诺", made_on="2024-01-01", due_on="2024-12-31", status="已履约")
    g.listed(F, "红名单", SUZHOU, "2025-01-01")  # +100: AA
    g.commit()
    assert credit_score(store, F, "2025-06-01", bids_won=2).grade == "AA"
    r = credit_score(store, F, "2025-06-01", bids_won=3)
    assert (r.score_grade, r.grade, r.grade_rules[-1].rule) == ("AA", "B", "bid_quota")
    assert credit_score(store, F, "2026-06-01", bids_won=1).grade == "A"  # red list expired
    assert credit_score(store, F, "2026-06-01", bids_won=2).grade == "B"


def test_bad_input_is_a_clear_error(store):
    firm(store).commit()
    with pytest.raises(InvalidInput, match="bids_won"):
        credit_score(store, F, "2025-01-01", bids_won=-1)
    with pytest.raises(InvalidInput, match="unknown subject"):
        credit_score(store, "Enterprise:X", "2025-01-01")
    with pytest.raises(InvalidInput, match="as_of"):
        credit_score(store, F, "1/1/2025")
