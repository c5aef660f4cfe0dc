"""Repair reminders routed home and fine payments checked on a repair claim (DOMAIN.md
rules 8, 17, 18; cases #2, #12), every store."""

from __future__ import annotations

import datetime as dt
import random

from loaders.write import write_rows
from queries.rules import repair
from queries.rules.jurisdiction import within
from queries.rules.reminders import (
    AMOUNT_DIFFERS, NO_FINE, NOT_PAID, PAID, payment_check, reminder_rows, repair_reminders,
)
from queries.rules.repair import home_repairable, repair_eligible
from tests.support.graph import HANGZHOU, KUNSHAN, SUZHOU, WUXI, WUZHONG, GraphBuilder
from tests.support.stores import TEST_SECRET

JIANGSU = "320000"


def penalised(store):
    g = GraphBuilder(store)
    g.firm("S", WUZHONG)  # a Suzhou firm (in a county of Suzhou)
    g.firm("W", WUXI)
    g.penalty("无锡1号", "Enterprise:S", "2024-02-10", "一般", region=WUXI, violation="车辆超速行驶")
    g.penalty("无锡2号", "Enterprise:W", "2024-02-10", "一般", region=WUXI)
    g.penalty("苏州1号", "Enterprise:S", "2024-03-05", "一般", violation="未按规定配备船员")
    g.penalty("杭州1号", "Enterprise:S", "2024-03-31", "一般", region=HANGZHOU)
    g.repair("杭州1号", "2024-07-01")
    return g.commit()


def reminded(store, region, day):
    return [(r.candidate.penalty.decision_no, r.candidate.routed_by, r.candidate.mode, r.issued_on)
            for r in repair_reminders(store, region, day).reminders]


def issue(store, region, day) -> int:
    rows = reminder_rows(repair_reminders(store, region, day))
    if rows:
        write_rows(store, TEST_SECRET, "reminders", rows, agency=None, source=f"reminders {region} {day}")
    return len(rows)


def test_a_suzhou_firm_penalised_in_wuxi_is_reminded_by_suzhou_once(store):
    """#2: "在全国范围内被处罚和处罚信息已经达到最短公示期（3个月）的天津企业，将会接收到消息通知"."""
    penalised(store)
    assert reminded(store, SUZHOU, "2024-05-09") == []  # three months end on 2024-05-10
    assert reminded(store, SUZHOU, "2024-05-10") == [("无锡1号", "HOME", "承诺", None)]
    assert reminded(store, WUXI, "2024-05-10") == [("无锡2号", "DECIDING", "承诺", None)]  # its own firm only
    assert reminded(store, HANGZHOU, "2024-07-01") == []  # decided there, but not its firm
    day = "2024-07-01"  # all three periods over; Hangzhou's penalty repaired that day
    r = repair_reminders(store, SUZHOU, day)
    assert [(x.candidate.penalty.decision_no, x.submit) for x in r.reminders] == [
        ("无锡1号", "信用修复申请书、信用修复承诺书"),
        ("苏州1号", "信用修复申请书、信用修复承诺书、整改证明（整改完成的材料，经核实）")]
    assert r.per_period == (("2024-05", 1), ("2024-06", 1))
    assert issue(store, SUZHOU, day) == 2
    assert [x[3] for x in reminded(store, SUZHOU, day)] == [r.as_of] * 2
    assert issue(store, SUZHOU, day) == 0  # a second run does not repeat them
    assert issue(store, SUZHOU, "2024-07-15") == 0
    assert issue(store, WUXI, day) == 1  # Wuxi's own reminder is its own


def test_a_repair_claim_checks_the_fine_against_the_payments_on_record(store):
    """#2: payment data instead of the payer's voucher: paid, not paid, or another amount."""
    g = GraphBuilder(store)
    g.firm("F")
    for dno, fine in (("全额", 3000), ("部分", 3000), ("未缴", 500), ("警告", None)):
        g.record("Penalty", dno, "Enterprise:F", decision_date="2025-05-20", severity="一般",
                 agency_region=SUZHOU, fine=fine)
    g.commit()
    rows = [{"decision_no": "全额", "paid_on": "2025-05-30", "amount": "1000", "receipt_no": "R1"},
            {"decision_no": "全额", "paid_on": "2025-06-30", "amount": "2000", "receipt_no": "R2"},
            {"decision_no": "部分", "paid_on": "2025-05-30", "amount": "2000"}]
    write_rows(store, TEST_SECRET, "fine_payments", rows, agency=None, source="payments")
    checks = {d: payment_check(store, d) for d in ("全额", "部分", "未缴", "警告")}
    assert {d: (c.status, c.paid) for d, c in checks.items()} == {
        "全额": (PAID, 3000.0), "部分": (AMOUNT_DIFFERS, 2000.0), "未缴": (NOT_PAID, 0.0),
        "警告": (NO_FINE, 0.0)}
    assert checks["部分"].outstanding == 1000.0
    assert payment_check(store, "全额", "2025-06-01").status == AMOUNT_DIFFERS  # before the 2nd part
    assert payment_check(store, "不存在") is None


def eligible_at_home(store, region, day):
    """What home_repairable answers by definition: repair_eligible's pages (every penalty
    decided there, bound there or about its subjects, each through the whole rule) kept to
    the subjects registered in ``region``."""
    found, after = [], None
    while True:
        page = repair_eligible(store, region, day, after=after, limit=37)
        found.extend(c for c in page.items if within(c.penalty.subject_region, region))
        if page.next_after is None:
            return tuple(found)
        after = page.next_after


def test_home_repairable_reads_only_the_publication_windows_and_answers_as_repair_eligible(
        store):
    # penalties of both severities and none (the default), revoked ones, repairs that count
    # and repairs that break rule 17, subjects at home in Suzhou's city, its counties, Wuxi
    # and Hangzhou; days at month ends, where the windows' month arithmetic clamps
    rng = random.Random(15)
    g = GraphBuilder(store)
    homes = [SUZHOU, WUZHONG, KUNSHAN, WUXI, HANGZHOU]
    for i, home in enumerate(homes):
        g.firm(f"F{i}", home)
    for n in range(300):
        decided = dt.date(2021, 1, 1) + dt.timedelta(days=rng.randrange(1600))
        no = f"罚{n:04d}"
        g.penalty(no, f"Enterprise:F{rng.randrange(len(homes))}", decided.isoformat(),
                  rng.choice(["一般", "严重", None]), status=rng.choice(["有效"] * 9 + ["撤销"]),
                  region=rng.choice([SUZHOU, WUXI, HANGZHOU]),
                  violation=rng.choice(["车辆超速行驶", "AIS未保持正常工作状态", "未按规定配备船员"]))
        if rng.random() < 0.3:
            g.repair(no, (decided + dt.timedelta(days=rng.randrange(30, 600))).isoformat(),
                     mode=rng.choice(["承诺", "闭环"]), evidence=rng.choice([None, "整改报告"]))
    g.commit()
    sizes = []
    for day in ["2022-02-28", "2022-03-31", "2023-02-28", "2024-02-29", "2024-08-31", "2025-06-01"]:
        for region in (SUZHOU, KUNSHAN, WUXI, JIANGSU):
            got = home_repairable(store, region, day)
            assert got == eligible_at_home(store, region, day), (region, day)
            sizes.append(len(got))
    assert min(sizes) > 0 and max(sizes) > 20
    numbers = [f"罚{n:04d}" for n in range(300)]
    with_repairs = repair._repairs_by_decision(store, numbers)
    # a decision's repairs are those whose key names it (the uids after "Repair:<no>|")
    keyed = {no: [n.uid for n in store.iter_nodes("Repair", after=f"Repair:{no}|", page=4)
                  if n.uid.startswith(f"Repair:{no}|")] for no in numbers}
    assert {no: sorted(r.uid for r in reps) for no, reps in with_repairs.items()} == \
        {no: sorted(uids) for no, uids in keyed.items() if uids}
    assert len(with_repairs) > 50
