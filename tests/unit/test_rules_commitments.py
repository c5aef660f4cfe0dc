"""The lifecycle of credit commitments (DOMAIN.md rules 1, 23; cases #1, #5, #17), every
store."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from queries.dates import InvalidInput
from queries.rules.commitments import (
    BREACHED, OPEN, OVERDUE, commitment_ref, commitment_rules, commitments_due, recheck_draw,
    state_of,
)
from queries.rules.jurisdiction import inside
from tests.support.graph import SUZHOU, WUXI, WUZHONG, GraphBuilder


def commitments(store):
    g = GraphBuilder(store)
    for f in ("A", "B", "C", "D", "E"):
        g.firm(f)
    # made 2025-01-01: day 180 is 2025-06-30, day 181 2025-07-01 (#5)
    g.commitment("Enterprise:A", made_on="2025-01-01", due_on="2025-03-01", status="履约中")
    g.commitment("Enterprise:B", made_on="2025-01-01", due_on="2025-06-30", status="已履约")
    g.commitment("Enterprise:C", made_on="2025-01-01", due_on="2025-03-01", status="违诺",
                 region=WUZHONG)
    g.commitment("Enterprise:D", kind="信用修复承诺", made_on="2025-01-01", due_on="2025-03-01",
                 status="履约中")
    g.commitment("Enterprise:E", made_on="2025-02-01", due_on="2025-03-20", status="履约中")
    g.commitment("Enterprise:E", made_on="2025-02-01", due_on="2025-03-20", status="履约中",
                 region=WUXI)
    return g.commit()


def _codes(state):
    return [e.code for e in state.effects]


def test_a_commitment_is_overdue_from_the_day_after_its_deadline(store):
    commitments(store)
    d = commitments_due(store, SUZHOU, "2025-03-01", within=30)
    assert [s.commitment.subject for s in d.overdue] == []
    assert [(s.commitment.subject, str(s.commitment.due_on)) for s in d.due_soon] == [
        ("Enterprise:A", "2025-03-01"), ("Enterprise:D", "2025-03-01"),
        ("Enterprise:E", "2025-03-20")]
    d = commitments_due(store, SUZHOU, "2025-03-02", within=10)
    assert [(s.commitment.subject, s.days_overdue) for s in d.overdue] == [
        ("Enterprise:A", 1), ("Enterprise:D", 1)]
    assert d.due_soon == ()  # E is due on 2025-03-20, beyond ten days
    assert [s.commitment.subject for s in d.breached] == ["Enterprise:C"]  # a county of Suzhou
    # #17: overdue and breached commitments withdraw tolerance processing
    assert [_codes(s) for s in d.overdue + d.breached] == [["tolerance_withdrawn"]] * 3


def test_revocation_candidates_after_180_days_day_180_not_yet_day_181_yes(store):
    """#5 "对在 180 天内未完成履约的企业撤销其《道路普通货物运输经营许可》"."""
    commitments(store)
    day180 = commitments_due(store, SUZHOU, "2025-06-30")
    assert [(s.commitment.subject, _codes(s)) for s in day180.overdue + day180.breached] == [
        ("Enterprise:A", ["tolerance_withdrawn"]), ("Enterprise:D", ["tolerance_withdrawn"]),
        ("Enterprise:E", ["tolerance_withdrawn"]), ("Enterprise:C", ["tolerance_withdrawn"])]
    day181 = commitments_due(store, SUZHOU, "2025-07-01")
    assert [(s.commitment.subject, _codes(s)) for s in day181.overdue + day181.breached] == [
        ("Enterprise:A", ["revocation_candidate", "tolerance_withdrawn"]),
        ("Enterprise:D", ["tolerance_withdrawn"]),  # a repair commitment issues no licence
        ("Enterprise:E", ["tolerance_withdrawn"]),  # made a month later: day 150
        ("Enterprise:C", ["revocation_candidate", "tolerance_withdrawn"])]
    # kept in time: never a candidate
    assert all(s.commitment.subject != "Enterprise:B" for s in day181.overdue + day181.breached)
    assert [s.commitment.subject for s in commitments_due(store, WUXI, "2025-07-01").overdue] == [
        "Enterprise:E"]


def test_the_recheck_draw_is_reproducible_and_skips_breached_commitments(store):
    """#1 "在日常“双随机”抽查中核查市场主体的履约情况": a random sample, the same for the same seed."""
    commitments(store)
    a = recheck_draw(store, SUZHOU, "2025-07-01", ratio=0.5, seed=11)
    assert a.population == 4 and len(a.selected) == 2  # A, B, D, E; C is breached
    assert a == recheck_draw(store, SUZHOU, "2025-07-01", ratio=0.5, seed=11)
    seen = {tuple(s.commitment.uid for s in recheck_draw(store, SUZHOU, "2025-07-01", 0.5, k).selected)
            for k in range(20)}
    assert len(seen) > 1  # the seed matters
    assert len(recheck_draw(store, SUZHOU, "2025-07-01", ratio=0.3, seed=1).selected) == 2  # rounded up
    assert recheck_draw(store, SUZHOU, "2024-12-31", ratio=1.0).population == 0
    with pytest.raises(InvalidInput, match="ratio"):
        recheck_draw(store, SUZHOU, "2025-07-01", ratio=1.5)
    with pytest.raises(InvalidInput, match="within"):
        commitments_due(store, SUZHOU, "2025-07-01", within=-1)


def test_commitments_due_reads_the_commitments_not_kept_and_answers_as_over_all(store):
    # every status and none (open), due days before, on and after the horizon, none
    rng = random.Random(15)
    g = GraphBuilder(store)
    for n in range(200):
        g.firm(f"F{n}")
        made = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(300))
        due = rng.choice([None, made + dt.timedelta(days=rng.randrange(400))])
        g.commitment(f"Enterprise:F{n}", kind=rng.choice(["告知承诺制审批", "信用修复承诺"]),
                     made_on=made.isoformat(), due_on=due and due.isoformat(),
                     status=rng.choice(["已履约", "违诺", "履约中", None]),
                     region=rng.choice([SUZHOU, WUZHONG, WUXI]))
    g.commit()
    rules = commitment_rules()
    for day, within in [("2025-03-31", None), ("2025-08-31", 30), ("2025-12-31", 90), ("2026-03-01", 0)]:
        for region in (SUZHOU, WUXI, "320000"):
            due = commitments_due(store, region, day, within)
            # by definition: the state of every commitment of the region made by the day
            day_ = dt.date.fromisoformat(day)
            horizon = day_ + dt.timedelta(days=rules.due_soon_days if within is None else within)
            states = [state_of(commitment_ref(n), day_, rules) for n in store.iter_nodes(
                "Commitment", {"agency_region": sorted(inside(region))})]
            states = [s for s in states if s.commitment.made_on <= day_]
            assert due.overdue == tuple(sorted((s for s in states if s.state == OVERDUE),
                                               key=lambda s: (s.overdue_from, s.commitment.uid)))
            assert due.breached == tuple(sorted((s for s in states if s.state == BREACHED),
                                                key=lambda s: (s.commitment.made_on, s.commitment.uid)))
            assert due.due_soon == tuple(sorted(
                (s for s in states if s.state == OPEN and s.commitment.due_on is not None
                 and s.commitment.due_on <= horizon), key=lambda s: (s.commitment.due_on, s.commitment.uid)))
            assert due.overdue and due.breached or region == WUXI
