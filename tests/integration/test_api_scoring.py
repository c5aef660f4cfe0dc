"""The scoring engine over the GraphQL API (real HTTP, the demo data on disk): score,
scoreHistory, portrait, lockQueue and the scoring schemes under schemes; in scope like every
read (a subject outside it is the one FORBIDDEN answer), every read audited."""

from __future__ import annotations

import pytest

from tests.support.api import codes, demo_api, gql, post

LONGCHENG = "91320411250183647M"  # #1: an initial-grade commitment
STAR_SHIP, OTHER_SHIP = "CN20150873419", "CN20120456128"  # #13: waiting at 长洲船闸
HENGTONG = "91320506MA1MKT3P0P"  # 苏州恒通: a 危货 firm with vehicles, alarms and penalties
SCORE = """query($id: ID!, $scheme: String!, $day: Date) { score(subjectId: $id, scheme: $scheme,
           asOf: $day) { subjectId scheme version scale score grade bandGrade base baseReason
           entries { record indicator points since until counts reason about }
           expired { record reason } rules { rule grade record } } }"""


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    with demo_api(tmp_path_factory, "api-scoring",
                  changzhou=("常州市交通运输局", "320400", "regulator"),
                  nantong=("南通市交通运输局", "320600", "regulator")) as served:
        yield served


def test_a_score_with_its_ledger_in_scope_and_the_one_answer_outside_it(api):
    r = gql(api, SCORE, "changzhou", id=LONGCHENG, scheme="jjj_commuter_bus", day="2026-06-01")
    s = r["data"]["score"]
    assert (s["grade"], s["score"], s["version"], s["scale"]) == (
        "良", 820, "2022.1", "京津冀通勤定制快巴信用评价")
    assert s["rules"][0]["rule"] == "start_commitment" and s["entries"] == []
    outside = post(api, SCORE, "hangzhou", id=LONGCHENG, scheme="jjj_commuter_bus", day="2026-06-01")
    missing = post(api, SCORE, "hangzhou", id="Enterprise:NOSUCH", scheme="jjj_commuter_bus",
                   day="2026-06-01")
    assert codes(outside.json()) == ["FORBIDDEN"] and outside.content == missing.content
    bad = gql(api, SCORE, "changzhou", id=LONGCHENG, scheme="no_such", day="2026-06-01")
    assert codes(bad) == ["BAD_USER_INPUT"] and "unknown scoring scheme" in bad["errors"][0]["message"]


def test_a_ships_points_over_time_and_the_lock_queue_its_stars_jump(api):
    r = gql(api, """query($id: ID!) { scoreHistory(subjectId: $id, scheme: "gx_lock_points",
                    start: "2026-02-01", end: "2026-07-01") { asOf score grade entries } }""",
            "nantong", id=STAR_SHIP)
    got = [(p["asOf"], p["score"], p["grade"]) for p in r["data"]["scoreHistory"]]
    assert got == [("2026-02-01", 400, "一星"), ("2026-03-01", 400, "一星"),
                   ("2026-04-01", 430, "一星"), ("2026-05-01", 460, "二星"),
                   ("2026-06-01", 490, "三星"), ("2026-07-01", 470, "二星")]
    q = """{ lockQueue(lock: "长洲船闸", asOf: "2026-06-10") { lock scheme hiddenCount
             ships { vesselId arrivalPlace place level points spent jump note } } }"""
    ships = gql(api, q, "nantong")["data"]["lockQueue"]
    # "三星级船舶…每20积分可兑换往前跳60个排队号": the star ship passes the one ahead of it
    assert [(s["vesselId"], s["arrivalPlace"], s["place"], s["level"], s["jump"])
            for s in ships["ships"]] == [(f"Vessel:{STAR_SHIP}", 2, 1, "三星", 60),
                                         (f"Vessel:{OTHER_SHIP}", 1, 2, "一星", 0)]
    assert ships["ships"][0]["points"] == 490 and ships["ships"][0]["spent"] == 20
    other = gql(api, q, "hangzhou")["data"]["lockQueue"]
    assert (other["ships"], other["hiddenCount"]) == ([], 2)
    # the queue is heavy work (api.heavy): its refusal of an unknown lock comes back whole
    bad = gql(api, '{ lockQueue(lock: "no such lock") { lock } }', "nantong")
    assert codes(bad) == ["BAD_USER_INPUT"] and "no such lock" in bad["errors"][0]["message"]


def test_a_portrait_drills_down_to_each_vehicle(api):
    r = gql(api, """query($id: ID!) { portrait(subjectId: $id, asOf: "2025-07-01") { grade score
                    dimensions { code name weight score entries } vehicles
                    entries { record about indicator category points } } }""", id=HENGTONG)
    p = r["data"]["portrait"]
    assert [d["name"] for d in p["dimensions"]] == ["车辆", "人员", "事故", "处罚", "监管"]
    assert p["vehicles"] >= 1 and p["grade"] in ("低风险", "中风险", "高风险")
    about = {e["about"] for e in p["entries"]}
    assert f"Enterprise:{HENGTONG}" in about and any(a.startswith("Vehicle:") for a in about)
    weighted = sum(d["weight"] * d["score"] for d in p["dimensions"])
    assert abs(p["score"] - weighted / sum(d["weight"] for d in p["dimensions"])) < 0.01


def test_the_schemes_show_their_scoring_schemes_and_indicators(api):
    r = gql(api, """{ schemes { name scoring { code version effectiveFrom startPoints
                       bands { grade minScore } indicators { code points validityMonths basis
                       localDefault } } } }""", "viewer")
    by_name = {s["name"]: s["scoring"] for s in r["data"]["schemes"]}
    [gx] = by_name["长洲船闸过闸船舶积分"]
    assert (gx["code"], gx["startPoints"], gx["bands"][-1]) == (
        "gx_lock_points", 400, {"grade": "无星", "minScore": None})
    dh = next(i for i in gx["indicators"] if i["code"] == "GX-DH-01")
    assert dh["points"] == -20 and "#13" in dh["basis"] and not dh["localDefault"]
    assert {x["code"] for s in by_name.values() for x in s} == {
        "jjj_commuter_bus", "zj_inland_vessel", "fj_construction", "gx_lock_points", "sc_portrait"}


def test_scoring_reads_and_denials_are_audited(api):
    access = api["access"]
    denied = access.authenticate(api["tokens"]["hangzhou"]).key_id
    gql(api, SCORE, "hangzhou", id=LONGCHENG, scheme="jjj_commuter_bus", day="2026-06-01")
    entry = access.audit(key_id=denied)[-1]
    assert (entry.operation, entry.kind, entry.outcome) == ("score", "read", "forbidden")
    assert list(entry.subjects) == [f"Enterprise:{LONGCHENG}"]
    key_id = access.authenticate(api["tokens"]["wuxi"]).key_id
    gql(api, """query($id: ID!) { scoreHistory(subjectId: $id, scheme: "jjj_commuter_bus",
                start: "2026-01-01", end: "2026-03-01") { score } }""", "wuxi",
        id="91320211MA1Y4E9K0R")
    last = access.audit(key_id=key_id)[-1]
    assert (last.operation, last.kind, last.outcome, list(last.subjects)) == (
        "scoreHistory", "read", "ok", ["Enterprise:91320211MA1Y4E9K0R"])
