"""The repair lifecycle of penalties (DOMAIN.md rule 8; cases #2, #12), every store."""

from __future__ import annotations

import datetime as dt

import pytest

from queries.dates import InvalidInput
from queries.rules.repair import penalty_state, repair_catalogue, repair_eligible
from tests.support.graph import SUZHOU, WUXI, WUZHONG, GraphBuilder

D = dt.date


def test_publication_periods_follow_the_severity_in_calendar_months():
    cat = repair_catalogue()
    assert cat.window("一般", D(2023, 6, 12)) == (D(2023, 9, 12), D(2024, 6, 12))
    assert cat.window("严重", D(2025, 5, 20)) == (D(2026, 5, 20), D(2028, 5, 20))
    assert cat.window(None, D(2023, 11, 30)) == (D(2024, 2, 29), D(2024, 11, 30))  # default 一般
    assert cat.window("严重", D(2024, 2, 29)) == (D(2025, 2, 28), D(2027, 2, 28))
    with pytest.raises(InvalidInput, match="severity"):
        cat.window("特别严重", D(2024, 1, 1))


def test_the_violation_decides_commitment_or_closed_loop():
    cat = repair_catalogue()
    assert cat.mode_for("驾驶员疲劳驾驶")[0] == "承诺"  # over when decided
    assert cat.mode_for("未按规定配备船员")[0] == "闭环"  # lasts until corrected
    assert cat.mode_for("某种新的违法行为") == ("闭环", "not in the catalogue: closed loop unless shown unnecessary")


def penalties(store):
    g = GraphBuilder(store)
    g.firm("F", WUZHONG)
    g.penalty("一般1号", "Enterprise:F", "2023-06-12", "一般", violation="车辆超速行驶")
    g.penalty("严重1号", "Enterprise:F", "2023-06-12", "严重", violation="未按规定配备船员")
    g.penalty("撤销1号", "Enterprise:F", "2023-06-12", "一般", status="撤销")
    g.penalty("已修1号", "Enterprise:F", "2023-06-12", "一般")
    g.repair("已修1号", "2023-10-20")
    g.penalty("无锡1号", "Enterprise:F", "2023-06-12", "一般", region=WUXI)
    return g.commit()


def eligible(store, region, day):
    return [c.penalty.decision_no for c in repair_eligible(store, region, day).items]


def test_penalties_are_eligible_from_their_minimum_until_their_maximum_period(store):
    penalties(store)
    assert eligible(store, SUZHOU, "2023-09-11") == []
    assert eligible(store, SUZHOU, "2023-09-12") == ["一般1号", "已修1号"]  # 3 months over
    assert eligible(store, SUZHOU, "2023-10-20") == ["一般1号"]  # repaired that day
    assert eligible(store, SUZHOU, "2024-06-11") == ["一般1号"]
    assert eligible(store, SUZHOU, "2024-06-12") == ["严重1号"]  # 1 year: ordinary ones expired
    assert eligible(store, "320000", "2024-06-12") == ["严重1号"]
    assert eligible(store, WUZHONG, "2024-06-12") == []  # decided by the city, not the county
    assert eligible(store, WUXI, "2023-09-12") == ["无锡1号"]
    assert eligible(store, SUZHOU, "2026-06-12") == []  # 3 years: published no more
    [c] = repair_eligible(store, SUZHOU, "2024-06-12").items
    assert (c.mode, str(c.minimum_end), str(c.maximum_end)) == ("闭环", "2024-06-12", "2026-06-12")


def test_pages_add_up(store):
    g = GraphBuilder(store)
    g.firm("F", SUZHOU)
    for i in range(7):
        g.penalty(f"罚{i}号", "Enterprise:F", "2025-01-10", "一般", status="撤销" if i == 3 else "有效")
    g.repair("罚5号", "2025-05-01")
    g.commit()
    seen, after = [], None
    while True:
        page = repair_eligible(store, SUZHOU, "2025-06-01", after=after, limit=2)
        seen += [c.penalty.decision_no for c in page.items]
        if page.next_after is None:
            break
        after = page.next_after
    assert seen == ["罚0号", "罚1号", "罚2号", "罚4号", "罚6号"]


def test_the_state_of_one_penalty_tells_when_it_stops_counting(store):
    penalties(store)
    s = penalty_state(store, "已修1号", "2023-10-19")
    assert (s.state, s.counts, str(s.effect_until)) == ("repairable", True, "2023-10-20")
    s = penalty_state(store, "已修1号", "2023-10-20")
    assert (s.state, s.counts, s.repair.mode) == ("repaired", False, "承诺")
    assert penalty_state(store, "一般1号", "2023-06-11").state == "not yet decided"
    assert penalty_state(store, "一般1号", "2023-08-01").state == "published"
    assert penalty_state(store, "一般1号", "2024-06-12").state == "expired"
    assert penalty_state(store, "撤销1号", "2023-08-01").counts is False
    with pytest.raises(InvalidInput, match="no penalty"):
        penalty_state(store, "无此文号", "2023-08-01")


def test_bad_input_is_a_clear_error(store):
    penalties(store)
    with pytest.raises(InvalidInput, match="as_of"):
        repair_eligible(store, SUZHOU, "2023-09-31")
    with pytest.raises(InvalidInput, match="division code"):
        repair_eligible(store, "32050", "2023-09-12")
    with pytest.raises(InvalidInput, match="limit"):
        repair_eligible(store, SUZHOU, "2023-09-12", limit=10_001)
