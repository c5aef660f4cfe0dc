"""The repair lifecycle of penalties (DOMAIN.md rules 8, 17, 18; cases #2, #3, #12), every
store."""

from __future__ import annotations

import datetime as dt

import pytest

from queries.dates import InvalidInput
from queries.rules.repair import (
    RepairRoute, check_repairs, penalty_state, repair_catalogue, repair_eligible, repair_route,
)
from tests.support.graph import HANGZHOU, SUZHOU, WUXI, WUZHONG, GraphBuilder, sxct

D = dt.date


def test_publication_periods_follow_the_severity_in_calendar_months(english):
    cat = repair_catalogue()
    assert cat.window("一般", D(2023, 6, 12)) == (D(2023, 9, 12), D(2024, 6, 12))
    assert cat.window("严重", D(2025, 5, 20)) == (D(2026, 5, 20), D(2028, 5, 20))
    assert cat.window(None, D(2023, 11, 30)) == (D(2024, 2, 29), D(2024, 11, 30))  # default 一般
    assert cat.window("严重", D(2024, 2, 29)) == (D(2025, 2, 28), D(2027, 2, 28))
    with pytest.raises(InvalidInput, match="severity"):
        cat.window("特别严重", D(2024, 1, 1))


def test_the_violation_decides_commitment_or_closed_loop(english):
    cat = repair_catalogue()
    assert cat.mode_for("驾驶员疲劳驾驶")[0] == "承诺"  # over when decided
    assert cat.mode_for("未按规定配备船员")[0] == "闭环"  # lasts until corrected
    assert cat.mode_for("某种新的违法行为") == ("闭环", "not in the catalogue: closed loop unless shown unnecessary")


def test_the_mode_of_a_violation_is_the_same_however_often_and_in_whichever_language_asked():
    """A catalogue remembers which rule each violation text matched (a repairs load asks
    for every row): asked again, in another language, or after more texts than it keeps,
    it answers as when first asked."""
    from graph_model.i18n import use_language
    from queries.rules.repair import RULES_REMEMBERED

    cat = repair_catalogue()
    texts = ["驾驶员疲劳驾驶", "未按规定配备船员", "某种新的违法行为"]
    first = {}
    for lang in ("en", "zh"):
        with use_language(lang):
            first[lang] = [cat.mode_for(t) for t in texts]
    assert first["en"][2] != first["zh"][2]  # not catalogued: the reason in each language
    for i in range(RULES_REMEMBERED + 1):
        cat.mode_for(f"另一种违法行为{i}")
    for lang in ("zh", "en"):
        with use_language(lang):
            assert [cat.mode_for(t) for t in texts] == first[lang] == [
                cat.mode_for(t) for t in texts]


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


def routes(store, region, day):
    return [(c.penalty.decision_no, c.routed_by) for c in repair_eligible(store, region, day).items]


def test_penalties_are_eligible_from_their_minimum_until_their_maximum_period(store):
    penalties(store)
    assert eligible(store, SUZHOU, "2023-09-11") == []
    assert eligible(store, SUZHOU, "2023-09-12") == ["一般1号", "已修1号", "无锡1号"]  # 3 months over
    assert eligible(store, SUZHOU, "2023-10-20") == ["一般1号", "无锡1号"]  # repaired that day
    assert eligible(store, SUZHOU, "2024-06-11") == ["一般1号", "无锡1号"]
    assert eligible(store, SUZHOU, "2024-06-12") == ["严重1号"]  # 1 year: ordinary ones expired
    assert eligible(store, "320000", "2024-06-12") == ["严重1号"]
    assert eligible(store, SUZHOU, "2026-06-12") == []  # 3 years: published no more
    [c] = repair_eligible(store, SUZHOU, "2024-06-12").items
    assert (c.mode, str(c.minimum_end), str(c.maximum_end)) == ("闭环", "2024-06-12", "2026-06-12")


def test_the_home_region_is_reminded_of_penalties_decided_anywhere(store):
    """#2 "在全国范围内被处罚和处罚信息已经达到最短公示期（3个月）的天津企业，将会接收到消息
    通知": the firm's home region lists them, and says why (rule 18)."""
    penalties(store)
    assert routes(store, SUZHOU, "2023-09-12") == [
        ("一般1号", "DECIDING"), ("已修1号", "DECIDING"), ("无锡1号", "HOME")]
    assert routes(store, WUZHONG, "2024-06-12") == [("严重1号", "HOME")]  # the county: its firm
    assert routes(store, WUXI, "2023-09-12") == [("无锡1号", "DECIDING")]
    assert routes(store, HANGZHOU, "2023-09-12") == []


def test_a_repair_counts_only_after_the_minimum_period_and_in_its_mode(store, english):
    """#2: repair after the minimum publication period; #12 "违法状态继续、需要采取积极行为改正
    违法行为的，要求以'闭环模式'纠正" (rule 17)."""
    penalties(store)

    def check(decision, day, mode, evidence=None):
        [found] = check_repairs(store, [{"decision_no": decision, "repaired_on": day,
                                         "mode": mode, "evidence": evidence}])
        return [column for column, _ in found]

    assert check("一般1号", "2023-09-12", "承诺") == []  # a one-off act, three months on
    assert check("一般1号", "2023-09-11", "承诺") == ["repaired_on"]
    assert check("严重1号", "2024-06-12", "闭环", "配齐船员的证明") == []
    assert check("严重1号", "2024-06-12", "承诺") == ["mode", "evidence"]  # a lasting state
    assert check("严重1号", "2024-06-12", "闭环") == ["evidence"]
    assert check("严重1号", "2024-06-11", "闭环", "证明") == ["repaired_on"]  # a year, serious
    assert check("无此文号", "2024-06-12", "承诺") == []  # the loader's own check rejects it
    [reasons] = check_repairs(store, [{"decision_no": "严重1号", "repaired_on": "2024-01-01",
                                       "mode": "承诺"}])
    assert "minimum publication period (2024-06-12" in reasons[0][1]
    assert "calls for a closed-loop repair" in reasons[1][1]


def test_rows_checked_together_get_what_each_gets_checked_alone(store, english):
    """A load checks a chunk's repairs in one call, which works out each penalty's window,
    each violation's mode and each repair day once: every row still gets its own reasons,
    as when it is checked alone (rule 17)."""
    g = GraphBuilder(store)
    g.firm("F", WUZHONG)
    g.penalty("一般1号", "Enterprise:F", "2023-06-12", "一般", violation="车辆超速行驶")
    g.penalty("严重1号", "Enterprise:F", "2023-06-12", "严重", violation="未按规定配备船员")
    g.penalty("严重2号", "Enterprise:F", "2023-07-01", "严重", violation="车辆超速行驶")
    g.penalty("一般2号", "Enterprise:F", "2023-06-12", "一般", violation="未按规定配备船员")
    g.commit()
    rows = [{"decision_no": no, "repaired_on": day, "mode": mode, "evidence": ev}
            for no in ("一般1号", "严重1号", "严重2号", "一般2号", "无此文号")
            for day in ("2023-09-11", "2023-09-12", D(2023, 9, 12), "2024-06-12", "2024-07-01",
                        "不是日期", None, ["2024-07-01"])
            for mode, ev in (("承诺", None), ("闭环", " "), ("闭环", "证明"), (None, None))]
    alone = [check_repairs(store, [row])[0] for row in rows]
    assert check_repairs(store, rows) == alone
    assert {c for found in alone for c, _ in found} == {"repaired_on", "mode", "evidence"}
    assert len({r for found in alone for c, r in found if c == "repaired_on"}) == 3  # windows


def test_a_stored_repair_that_breaks_the_rules_never_counts(store):
    penalties(store)
    g = GraphBuilder(store)
    g.repair("严重1号", "2024-01-01", mode="承诺")  # too early, and not a closed loop
    g.repair("一般1号", "2023-09-01", mode="承诺")  # eleven days too early
    g.commit()
    s = penalty_state(store, "严重1号", "2024-06-12")
    assert (s.state, s.repair) == ("repairable", None)
    [refused] = s.refused
    assert refused.repair.repaired_on.isoformat() == "2024-01-01" and len(refused.reasons) == 3
    assert eligible(store, SUZHOU, "2024-06-12") == ["严重1号"]
    assert penalty_state(store, "一般1号", "2023-10-01").state == "repairable"


def test_who_may_record_a_repair(store):
    """#3 "对符合信用修复条件的经营主体，需其他三市管理部门审核盖章的，由工作人员线上办理":
    partners of the deciding city repair off-site."""
    penalties(store)
    g = GraphBuilder(store)
    sxct(g)
    g.commit()
    assert repair_route(store, "无锡1号", WUXI, "2023-10-01") == RepairRoute("DECIDING")
    assert repair_route(store, "无锡1号", SUZHOU, "2023-10-01") == RepairRoute("HOME")
    assert repair_route(store, "无锡1号", "320400", "2023-10-01") == RepairRoute("AGREEMENT", "苏锡常通")
    assert repair_route(store, "无锡1号", "320400", "2023-02-28") is None  # before the agreement
    assert repair_route(store, "无锡1号", HANGZHOU, "2023-10-01") is None


def test_a_basin_authority_decides_along_the_river(store):
    g = GraphBuilder(store)
    g.jurisdiction("长江海事局", "CJMSA", "流域", ["320000", "420000"], seats=("420100",),
                   effective_from="2023-12-01")
    g.vessel("CN20150873419", "320600")
    g.vessel("CN20150873420", "330100")
    g.penalty("长海罚1号", "Vessel:CN20150873420", "2025-09-09", "一般", region="420100",
              agency="长江海事局", violation="AIS未保持正常工作状态")
    g.commit()
    assert routes(store, "320500", "2026-01-06") == [("长海罚1号", "DECIDING")]
    assert routes(store, "330100", "2026-01-06") == [("长海罚1号", "HOME")]
    assert routes(store, "440300", "2026-01-06") == []


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


def test_pages_add_up_over_decided_and_home_penalties(store):
    g = GraphBuilder(store)
    g.firm("F", SUZHOU)
    for i in range(6):  # decided in Suzhou, Wuxi, Suzhou, ...: each listed once
        g.penalty(f"罚{i}号", "Enterprise:F", "2025-01-10", "一般", region=(SUZHOU, WUXI)[i % 2])
    g.commit()
    seen, after = [], None
    while True:
        page = repair_eligible(store, SUZHOU, "2025-06-01", after=after, limit=4)
        seen += [(c.penalty.decision_no, c.routed_by) for c in page.items]
        if page.next_after is None:
            break
        after = page.next_after
    assert seen == [(f"罚{i}号", ("DECIDING", "HOME")[i % 2]) for i in range(6)]


def test_the_state_of_one_penalty_tells_when_it_stops_counting(store, english):
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


def test_bad_input_is_a_clear_error(store, english):
    penalties(store)
    with pytest.raises(InvalidInput, match="as_of"):
        repair_eligible(store, SUZHOU, "2023-09-31")
    with pytest.raises(InvalidInput, match="division code"):
        repair_eligible(store, "32050", "2023-09-12")
    with pytest.raises(InvalidInput, match="limit"):
        repair_eligible(store, SUZHOU, "2023-09-12", limit=10_001)


def test_a_ledgers_penalty_states_give_their_reasons_in_the_callers_language(store):
    """A score reads its penalties' repair states on another thread than the request's
    (queries.scoring.ledger.gather): their refused repairs' reasons are still in the
    request's language."""
    from graph_model.i18n import use_language
    from queries.scoring.ledger import gather
    from queries.scoring.schemes import schemes

    penalties(store)
    g = GraphBuilder(store)
    g.repair("严重1号", "2024-01-01", mode="承诺")  # too early, and not a closed loop
    g.commit()
    scheme = schemes().get("sc_portrait")
    for lang, words in (("en", "minimum publication period"), ("zh-CN", "最短公示期")):
        with use_language(lang):
            ctx = gather(store, scheme, ["Enterprise:F"], D(2024, 6, 1))
        [refused] = ctx.penalties["Penalty:严重1号"].refused
        assert words in refused.reasons[0], (lang, refused.reasons)
