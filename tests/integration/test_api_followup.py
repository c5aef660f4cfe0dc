"""Follow-up work over real HTTP (issue 15): commitments due, the re-check draw, repair
reminders routed home with the fine's payment check, and issuing them once; scoped and
audited.  On the demo data in each store (embedded, and the Neo4j test server)."""

from __future__ import annotations

from tests.integration.test_api_writes import api  # noqa: F401  (the demo in each store, served)
from tests.support.api import codes, gql

DUE = """query($on: Date, $region: String) { commitmentsDue(region: $region, asOf: $on) {
  region within dueSoon { subjectId } overdue { subjectId }
  breached { commitmentId subjectId state daysSinceMade effects { code basis { case } } } } }"""
DRAW = """query($seed: String!) { recheckDraw(asOf: "2025-12-01", ratio: 1.0, seed: $seed) {
  population selected { commitmentId state } } }"""
REMIND = """query($on: Date) { repairReminders(asOf: $on) { notIssued perPeriod { period count }
  reminders { decisionNo subjectId routedBy mode submit issuedOn
              payment { status fine paid outstanding } } } }"""
ISSUE = """mutation($on: Date) { issueReminders(asOf: $on) { notIssued
  reminders { decisionNo issuedOn } } }"""


def test_commitments_due_and_the_recheck_draw(api):
    # #5: the demo commitment made on 2025-01-15 and breached: day 180, then day 181
    day180 = gql(api, DUE, on="2025-07-14")["data"]["commitmentsDue"]
    [b] = day180["breached"]
    assert (b["subjectId"], b["state"], b["daysSinceMade"]) == (
        "Enterprise:91320506MA1XJ8R49P", "BREACHED", 180)
    assert [(e["code"], e["basis"]["case"]) for e in b["effects"]] == [("tolerance_withdrawn", 17)]
    [b] = gql(api, DUE, on="2025-07-15")["data"]["commitmentsDue"]["breached"]
    assert [(e["code"], e["basis"]["case"]) for e in b["effects"]] == [
        ("revocation_candidate", 5), ("tolerance_withdrawn", 17)]
    # another region's key: refused; a viewer: refused
    assert codes(gql(api, DUE, "hangzhou", on="2025-07-15", region="320500")) == ["FORBIDDEN"]
    assert codes(gql(api, DUE, "viewer", on="2025-07-15")) == ["FORBIDDEN"]
    assert gql(api, DUE, "hangzhou", on="2025-07-15")["data"]["commitmentsDue"]["breached"] == []
    # #1: Hangzhou re-checks its kept commitment; Suzhou's only one is breached, no re-check
    a = gql(api, DRAW, "hangzhou", seed="7")["data"]["recheckDraw"]
    assert a == gql(api, DRAW, "hangzhou", seed="7")["data"]["recheckDraw"]
    assert (a["population"], [s["state"] for s in a["selected"]]) == (1, ["KEPT"])
    assert gql(api, DRAW, seed="7")["data"]["recheckDraw"] == {"population": 0, "selected": []}


def test_reminders_are_routed_home_issued_once_and_audited(api):
    r = gql(api, REMIND, on="2024-06-01")["data"]["repairReminders"]
    assert [(x["decisionNo"], x["subjectId"], x["routedBy"], x["mode"], x["issuedOn"])
            for x in r["reminders"]] == [
        ("无锡交罚〔2024〕0000233号", "Vehicle:苏E3T519", "HOME", "承诺", None)]
    assert r["reminders"][0]["payment"] == {"status": "NOT_PAID", "fine": 500.0, "paid": 0.0,
                                            "outstanding": 500.0}
    assert (r["notIssued"], r["perPeriod"]) == (1, [{"period": "2024-04", "count": 1}])
    assert gql(api, REMIND, "wuxi", on="2024-06-01")["data"]["repairReminders"]["reminders"] == []
    issued = gql(api, ISSUE, on="2024-06-01")["data"]["issueReminders"]
    assert issued["reminders"] == [{"decisionNo": "无锡交罚〔2024〕0000233号", "issuedOn": "2024-06-01"}]
    again = gql(api, ISSUE, on="2024-06-01")["data"]["issueReminders"]
    assert again["notIssued"] == 0 and again["reminders"][0]["issuedOn"] == "2024-06-01"
    later = gql(api, REMIND, on="2024-06-20")["data"]["repairReminders"]
    assert later["notIssued"] == 0 and later["reminders"][0]["issuedOn"] == "2024-06-01"
    assert [i.file for i in api["store"].loads()].count("graphql:issueReminders") == 1
    assert codes(gql(api, ISSUE, "viewer", on="2024-06-01")) == ["FORBIDDEN"]
    entries = api["access"].audit()
    wrote = [e for e in entries if e.operation == "issueReminders" and e.outcome == "ok"]
    assert wrote[0].kind == "write" and "Penalty:无锡交罚〔2024〕0000233号" in wrote[0].subjects
    read = [e for e in entries if e.operation == "repairReminders"]
    assert read and read[0].kind == "read"
