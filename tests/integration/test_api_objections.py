"""Objections over HTTP (issue 16): a firm's own key files and follows its objections and
sees nothing else; another firm's id gets the answer a missing one gets, in body and in
timing class; the handling agency decides, a partner cannot; a correction changes the
grade from its decision day; every step is audited."""

from __future__ import annotations

import httpx
import pytest

from tests.integration.test_api import missing_uscc
from tests.support.api import KEYS, Server, codes, demo_keys, gql
from tests.support.timing import describe, effect_size, sample

#: 苏州通利 holds its own key; 苏州恒通 is another firm of the same city
TONGLI, HENGTONG = "Enterprise:91320506MA1XJ8R49P", "Enterprise:91320506MA1MKT3P0P"
TONGLI_GRADE = f"Evaluation:{TONGLI}|道路运输经营者信用评价|320500|2026-04-01"
HENGTONG_GRADE = f"Evaluation:{HENGTONG}|道路运输经营者信用评价|320500|2026-04-01"
FIRM_KEY = ("苏州通利货运有限公司", "320500", "subject", "the firm's own key", TONGLI)

SUBJECT = "query($id: ID!) { subject(id: $id) { id name } }"
FILE = """mutation($r: ID!, $on: Date!) { fileObjection(input: {recordId: $r, filedOn: $on,
  grounds: "评价期内已整改完毕"}) { id status acceptedOn dueOn record recordUid agency } }"""
DECIDE = """mutation($id: ID!, $s: String!, $on: Date!, $reason: String, $changes: [CorrectionInput!]) {
  decideObjection(input: {objectionId: $id, status: $s, on: $on, reason: $reason,
  changes: $changes}) { id status reviewOn closedOn correction decisionReason } }"""
GRADE = """query($on: Date!) { recognizedGrade(subjectId: "91320506MA1XJ8R49P", region: "320500",
  asOf: $on) { grade evaluationId underObjectionSince underObjection explanation } }"""
MINE = """query { subject(id: "91320506MA1XJ8R49P") { objections { edges { node { id status } } } } }"""
QUEUE = """query { objections(region: "320500", asOf: "2026-06-01") { total items {
  objection { id } dueOn overdue } } }"""
STATS = """query { objectionStats(region: "320500", dateFrom: "2026-01-01", dateTo: "2026-12-31") {
  filed corrected succeeded medianDaysToDecide } }"""


@pytest.fixture
def api(tmp_path):
    state = demo_keys(tmp_path / "store", {**KEYS, "firm": FIRM_KEY})
    srv = Server(state["store"], state["settings"], state["access"])
    yield {**state, "base": srv.base}
    srv.stop()
    state["store"].close()


def test_a_firms_key_sees_itself_only_and_another_firm_looks_missing(api):
    assert gql(api, SUBJECT, "firm", id=TONGLI)["data"]["subject"]["id"] == TONGLI
    headers = {"authorization": f"Bearer {api['tokens']['firm']}"}
    with httpx.Client(base_url=api["base"], headers=headers, timeout=20) as client:
        def ask(query, variables):
            return lambda: client.post("/graphql", json={"query": query, "variables": variables})

        for query, theirs, missing in (
                (SUBJECT, {"id": HENGTONG}, {"id": missing_uscc()}),
                (FILE, {"r": HENGTONG_GRADE, "on": "2026-05-02"},
                 {"r": HENGTONG_GRADE.replace("2026-04-01", "2026-04-02"), "on": "2026-05-02"})):
            first, second = ask(query, theirs)().json(), ask(query, missing)().json()
            assert first == second and codes(first) == ["FORBIDDEN"], (first, second)
        timings = sample({"theirs": ask(SUBJECT, {"id": HENGTONG}),
                          "missing": ask(SUBJECT, {"id": missing_uscc()})}, n=150)
    p = effect_size(timings["theirs"], timings["missing"])
    assert 0.3 < p < 0.7, f"P(theirs slower) = {p:.2f} ({describe(timings)})"
    # a regulator's questions are not a firm's
    for query, variables in ((GRADE, {"on": "2026-06-01"}), (QUEUE, {}), (STATS, {})):
        assert codes(gql(api, query, "firm", **variables)) == ["FORBIDDEN"]


def test_an_objection_filed_by_the_firm_is_decided_by_its_agency_and_corrects_the_grade(api):
    filed = gql(api, FILE, "firm", r=TONGLI_GRADE, on="2026-05-02")["data"]["fileObjection"]
    oid = filed["id"]
    assert (filed["status"], filed["acceptedOn"], filed["dueOn"], filed["recordUid"],
            filed["agency"]) == ("受理", "2026-05-02", "2026-05-17", TONGLI_GRADE, "苏州市交通运输局")
    mine = gql(api, MINE, "firm")["data"]["subject"]["objections"]["edges"]
    assert [e["node"]["id"] for e in mine] == [oid]
    assert gql(api, "query($id: ID!) { objection(id: $id) { id } }", "firm", id=oid)["data"]
    # the regulator's queue; flagged in recognition while open
    queue = gql(api, QUEUE)["data"]["objections"]
    assert [i["objection"]["id"] for i in queue["items"]] == [oid]
    assert queue["items"][0]["overdue"]  # asked on 2026-06-01, due on 2026-05-17
    g = gql(api, GRADE, on="2026-05-10")["data"]["recognizedGrade"]
    assert (g["grade"], g["underObjectionSince"], g["underObjection"]) == ("C", "2026-05-02", oid)
    assert "under objection since 2026-05-02" in g["explanation"]
    # Wuxi does not decide a Suzhou grade: the answer a missing objection gets
    theirs = gql(api, DECIDE, "wuxi", id=oid, s="维持", on="2026-05-20")
    missing = gql(api, DECIDE, "wuxi", id=oid + "X", s="维持", on="2026-05-20")
    assert codes(theirs) == ["FORBIDDEN"] and theirs == missing
    assert codes(gql(api, DECIDE, "firm", id=oid, s="撤销", on="2026-05-20", reason="x")) == ["FORBIDDEN"]
    review = gql(api, DECIDE, id=oid, s="核查中", on="2026-05-06")["data"]["decideObjection"]
    assert (review["status"], review["reviewOn"]) == ("核查中", "2026-05-06")
    bad = gql(api, DECIDE, id=oid, s="更正", on="2026-05-15", changes=[{"field": "subject_id", "value": "x"}])
    assert codes(bad) == ["BAD_USER_INPUT"]
    assert bad["errors"][0]["message"] == "changes: subject_id cannot be corrected"
    # the reason in the reader's language: Chinese without Accept-Language, the code the same
    early = gql(api, DECIDE, id=oid, s="维持", on="2026-05-01", accept_language=None)
    assert codes(early) == ["BAD_USER_INPUT"]
    assert early["errors"][0]["message"] == "on：2026年5月1日早于该异议上一办理环节的日期（2026年5月6日）"
    wuxi = gql(api, DECIDE, "wuxi", id=oid, s="维持", on="2026-05-20", accept_language=None)
    assert wuxi["errors"][0]["message"] == "本密钥权限范围内无此主体"
    done = gql(api, DECIDE, id=oid, s="更正", on="2026-05-15", reason="整改材料核实",
               changes=[{"field": "grade", "value": "B"}, {"field": "score", "value": "78"}])
    d = done["data"]["decideObjection"]
    assert (d["status"], d["closedOn"], d["decisionReason"]) == ("更正", "2026-05-15", "整改材料核实")
    before = gql(api, GRADE, on="2026-05-14")["data"]["recognizedGrade"]
    after = gql(api, GRADE, on="2026-05-15")["data"]["recognizedGrade"]
    assert (before["grade"], before["evaluationId"]) == ("C", TONGLI_GRADE)
    assert (after["grade"], after["evaluationId"], after["underObjectionSince"]) == ("B", d["correction"], None)
    stats = gql(api, STATS)["data"]["objectionStats"]
    assert stats == {"filed": 1, "corrected": 1, "succeeded": 1, "medianDaysToDecide": 13.0}
    # audited: the firm's filing and the agency's decisions, the refused one too
    firm_key = api["access"].authenticate(api["tokens"]["firm"]).key_id
    rows = api["access"].audit(key_id=firm_key)
    assert any("fileObjection" in r.operation and r.outcome == "ok" for r in rows)
    assert any("decideObjection" in r.operation and r.outcome == "forbidden" for r in rows)


def test_a_withdrawn_listing_leaves_the_partners_live_watchlists(api):
    """苏州恒通's 严重失信 entry withdrawn on an objection: subscriptions hear REMOVED."""
    import asyncio

    from tests.support.ws import WsClient

    entry = f"ListEntry:严重失信|{HENGTONG}|320500|2025-06-20"
    oid = gql(api, FILE, r=entry, on="2026-05-02")["data"]["fileObjection"]["id"]
    watch = "subscription { watchlistChanges { change entry { id removedOn } } }"

    async def scenario():
        async with WsClient(int(api["base"].rsplit(":", 1)[1]), api["tokens"]["wuxi"]) as ws:
            await ws.send("w", watch)
            await asyncio.sleep(0.8)  # registered with the hub
            done = await asyncio.to_thread(gql, api, DECIDE, id=oid, s="撤销", on="2026-05-20",
                                           reason="认定依据不足")
            assert done["data"]["decideObjection"]["status"] == "撤销"
            msg = await ws.recv()
            return msg["payload"]["data"]["watchlistChanges"]

    change = asyncio.run(scenario())
    assert change == {"change": "REMOVED", "entry": {"id": entry, "removedOn": "2026-05-20"}}
