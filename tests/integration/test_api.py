"""The GraphQL API over real HTTP on 127.0.0.1, on the demo data in each store (an
embedded store on disk, and the Neo4j test server): keys and scope, masking of personal
data, the credit-rule and tracing queries, error codes, limits and GraphQL over HTTP.

Writes, the audit log across restarts and subscriptions are in test_api_writes.py; the
absence of N+1 reads in test_api_nplus1.py; the dashboard in test_dashboard.py.
"""

from __future__ import annotations

import csv
import json
import time
from dataclasses import replace

import httpx
import pytest

from graph_model.identifiers import REGISTRY
from queries.access.state import AccessStore
from tests.support.api import KEYS, SECRET, Server, codes, gql, post, slowed
from tests.support.demo import DEMO, load_demo
from tests.support.stores import KINDS, neo4j_settings, open_empty

HENGTONG = "91320506MA1MKT3P0P"  # 苏州恒通, seriously dishonest, Suzhou
SHUNDA = "91320583MA1N2Q7D2B"  # 昆山顺达, same legal representative
ZHANG = "320402198403120353"  # 张建国, legal representative of both (no region of his own)
ZHOU = "320583199209270735"  # 周勇, driver of 苏州恒通, lives in 320506
LI_MING = "341221199604163111"  # 李明, driver of 昆山顺达
HANGZHOU_FIRM = "91330106143127092A"
TONGLI = "91320506MA1XJ8R49P"  # 苏州通利: C and on Suzhou's 重点监管 list, nothing nationwide
CHEN = "340822198811112775"  # 陈刚, driver of 苏州姑苏出租
CHANGZHOU_AA = "91320411250183647M"
AS_OF = "2026-06-01"


def demo_rics() -> set[str]:
    """Every resident ID number in the demo files (practitioners, legal representatives,
    list entries about persons)."""
    found = set()
    for name in ("practitioners.csv", "enterprises.csv", "list_entries.csv", "penalties.csv"):
        with open(DEMO / name, encoding="utf-8") as fh:
            for row in csv.reader(fh):
                for cell in row:
                    if REGISTRY["ric"].is_valid(cell):
                        found.add(cell)
    return found


def missing_uscc(prefix: str = "91320506MA1MKT3P0") -> str:
    """A valid USCC (check character right) that names no demo firm."""
    for ch in "0123456789ABCDEFGHJKLMNPQRTUWXY":
        for last in "0123456789ABCDEFGHJKLMNPQRTUWXY":
            code = prefix[:-1] + ch + last
            if code != HENGTONG and REGISTRY["uscc"].is_valid(code):
                return code
    raise AssertionError("no valid USCC found")


def missing_ric() -> str:
    """A valid resident ID number of nobody in the demo data."""
    for last in "0123456789X":
        code = "11010119900307451" + last
        if REGISTRY["ric"].is_valid(code):
            return code
    raise AssertionError("no valid resident ID found")


@pytest.fixture(scope="module", params=KINDS)
def api(request, tmp_path_factory):
    path = tmp_path_factory.mktemp("api") / "store"
    settings = neo4j_settings(str(path), SECRET)
    store = load_demo(open_empty(request.param, path, settings), SECRET)
    access = AccessStore(str(path))
    tokens = {name: access.create_key(*spec)[1] for name, spec in KEYS.items()}
    srv = Server(store, settings, access)
    yield {"base": srv.base, "tokens": tokens, "access": access, "store": store,
           "settings": settings}
    srv.stop()
    store.close()


SUBJECT = """query($id: ID!) { subject(id: $id) { __typename id key name regionCode properties
             personalDataMasked ... on Person { idMasked certNo role } } }"""


# -- keys and scope ---------------------------------------------------------------------------

def test_health_needs_no_key(api):
    r = httpx.get(f"{api['base']}/health", timeout=10)
    assert r.status_code == 200 and r.json()["status"] == "ok"


@pytest.mark.parametrize("headers", [{}, {"authorization": "Bearer ckb_not-a-key"},
                                     {"authorization": "Basic dXNlcjpwYXNz"}])
def test_without_a_valid_key_every_request_is_401(api, headers):
    for r in (httpx.post(f"{api['base']}/graphql", json={"query": "{ me { agency } }"},
                         headers=headers, timeout=10),
              httpx.get(f"{api['base']}/graphql", params={"query": "{ me { agency } }"},
                        headers=headers, timeout=10)):
        assert r.status_code == 401
        assert r.headers["www-authenticate"].startswith("Bearer")
        assert codes(r.json()) == ["UNAUTHENTICATED"] and "data" not in r.json()


def test_a_revoked_key_stops_working_at_once(api):
    key, token = api["access"].create_key("苏州市交通运输局", "320500", "regulator")
    headers = {"authorization": f"Bearer {token}"}
    query = {"query": "{ me { keyId agency region role } }"}
    r = httpx.post(f"{api['base']}/graphql", json=query, headers=headers, timeout=10)
    assert r.json()["data"]["me"] == {"keyId": key.key_id, "agency": "苏州市交通运输局",
                                      "region": "320500", "role": "regulator"}
    api["access"].revoke_key(key.key_id)
    assert httpx.post(f"{api['base']}/graphql", json=query, headers=headers,
                      timeout=10).status_code == 401


def test_subject_by_bare_code_and_by_node_id(api):
    by_code = gql(api, SUBJECT, id=HENGTONG)["data"]["subject"]
    assert by_code["__typename"] == "Enterprise" and by_code["name"] == "苏州恒通危险品运输有限公司"
    assert by_code["id"] == f"Enterprise:{HENGTONG}" and by_code["regionCode"] == "320506"
    assert gql(api, SUBJECT, id=f"Enterprise:{HENGTONG}")["data"]["subject"] == by_code
    assert gql(api, SUBJECT, id="苏E8G520")["data"]["subject"]["__typename"] == "Vehicle"


@pytest.mark.parametrize("query, variables", [
    (SUBJECT, lambda ref: {"id": ref}),
    ("query($id: ID!) { node(id: $id) { id } }", lambda ref: {"id": ref}),
    ("query($id: ID!) { recognizedGrade(subjectId: $id) { grade } }", lambda ref: {"id": ref}),
    ("query($id: ID!) { discipline(subjectId: $id) { measureCodes } }", lambda ref: {"id": ref}),
])
def test_outside_the_scope_is_forbidden_exactly_like_a_subject_that_does_not_exist(api, query,
                                                                                  variables):
    """Hangzhou's regulator asks about a Suzhou firm and about firms that do not exist: the
    answers are byte for byte the same, so they tell nothing about existence.  (Not about
    苏州恒通: a 严重失信 designation binds nationwide, rule 19, so Hangzhou sees it.)"""
    answers = []
    for ref in (TONGLI, missing_uscc(), "苏E1L337", "苏E99999", CHEN, missing_ric()):
        r = post(api, query, key="hangzhou", **variables(ref))
        assert r.status_code == 200
        body = r.json()
        assert codes(body) == ["FORBIDDEN"]
        answers.append(r.content)
    assert len(set(answers)) == 1, answers


def test_a_partners_subjects_are_in_scope_and_strangers_are_not(api):
    # Changzhou's AA firm: graded under a scheme the 苏锡常通 agreement shares with Suzhou
    assert gql(api, SUBJECT, id=CHANGZHOU_AA)["data"]["subject"]["name"] == "常州龙城旅游客运有限公司"
    # Hangzhou's firm: outside Suzhou's jurisdiction and every agreement
    assert codes(gql(api, SUBJECT, id=HANGZHOU_FIRM)) == ["FORBIDDEN"]
    assert gql(api, SUBJECT, key="hangzhou", id=HANGZHOU_FIRM)["data"]["subject"]["name"]


def test_personal_fields_are_shown_only_to_agencies_holding_the_record(api):
    zhou = gql(api, SUBJECT, id=ZHOU)["data"]["subject"]  # lives in Suzhou: Suzhou's record
    assert zhou["name"] == "周勇" and zhou["idMasked"] == "320583********0735"
    assert zhou["certNo"] == "DL3205060000102" and not zhou["personalDataMasked"]
    zhang = gql(api, SUBJECT, id=ZHANG)["data"]["subject"]  # reached through the firm only
    assert zhang["personalDataMasked"] and zhang["name"] == "张**"
    assert zhang["idMasked"] == "320402************"
    assert zhang["properties"]["name"] == "张**"
    viewer = gql(api, SUBJECT, key="viewer", id=ZHOU)["data"]["subject"]
    assert viewer["name"] == "周*" and viewer["certNo"].startswith("D") and "*" in viewer["certNo"]


def test_no_resident_id_number_appears_in_clear_in_any_answer(api):
    rics = demo_rics()
    assert len(rics) >= 10
    queries = [
        (SUBJECT, {"id": ric}) for ric in sorted(rics)
    ] + [
        ("query($t: String!) { search(text: $t) { edges { node { id name properties } } } }",
         {"t": ric}) for ric in sorted(rics)
    ] + [
        ("""query($id: ID!) { related(subjectId: $id, depth: 3, asOf: "2026-10-31", first: 100) {
              edges { node { subject { id name properties } path { fromId toId } } } } }""",
         {"id": HENGTONG}),
        ("""query($a: ID!, $b: ID!) { paths(fromId: $a, toId: $b, asOf: "2026-10-31") {
              connections { subjects { id name properties } } } }""",
         {"a": LI_MING, "b": HENGTONG}),
        ("""{ sharedWatchlist(asOf: "2026-06-01", first: 100) { edges { node { id subjectId
              subject { name properties } } } } }""", {}),
        ("""query($id: ID!) { discipline(subjectId: $id, asOf: "2026-06-01") { measures {
              trigger { recordId subjectId } path { src dst } nodes } } }""", {"id": SHUNDA}),
        ("""query($id: ID!) { subject(id: $id) { ... on Enterprise { legalRepresentatives {
              edges { node { name properties } } } } drivers { edges { node { name properties } } } } }""",
         {"id": HENGTONG}),
    ]
    mistyped = ZHANG[:-1] + ("0" if ZHANG[-1] != "0" else "1")  # wrong check digit
    queries.append((SUBJECT, {"id": mistyped}))
    rics.add(mistyped)
    for key in ("suzhou", "jiangsu", "viewer"):
        for query, variables in queries:
            r = post(api, query, key=key, **variables)
            text = r.content.decode("utf-8")
            for ric in rics:
                assert ric not in text, (key, query[:60], ric)


# -- the rules and tracing queries -----------------------------------------------------------

def test_recognized_grade_own_and_by_agreement(api):
    q = """query($id: ID!, $region: String) { recognizedGrade(subjectId: $id, region: $region,
             asOf: "2026-06-01") { found grade severity scheme validFrom issuingAgency
             issuingRegion basis agreement { name } } }"""
    own = gql(api, q, id=HENGTONG)["data"]["recognizedGrade"]
    assert own["grade"] == "D" and own["basis"] == "OWN" and own["issuingRegion"] == "320500"
    partner = gql(api, q, id=CHANGZHOU_AA)["data"]["recognizedGrade"]
    assert partner == {"found": True, "grade": "AA", "severity": 0,
                       "scheme": "道路运输经营者信用评价", "validFrom": "2026-04-01",
                       "issuingAgency": "常州市交通运输局", "issuingRegion": "320400",
                       "basis": "AGREEMENT",
                       "agreement": {"name": "“苏锡常通”信用交通一体化联动发展框架协议"}}
    county = gql(api, q, id=HENGTONG, region="320506")["data"]["recognizedGrade"]
    assert county["grade"] == "D"
    assert codes(gql(api, q, id=HENGTONG, region="320200")) == ["FORBIDDEN"]


def test_shared_watchlist_filtered_to_the_vehicles_suzhou_governs(api):
    """#3: Wuxi's airport-taxi list, shared under the agreement; Suzhou keeps its own taxis."""
    q = """query($only: Boolean!, $after: String) { sharedWatchlist(asOf: "2026-06-01",
             listKind: "重点监管", jurisdictionOnly: $only, first: 3, after: $after) {
             edges { cursor node { id subjectId agencyRegion basis countedBy subject { name } } }
             pageInfo { hasNextPage endCursor } } }"""
    seen, after = [], None
    while True:
        page = gql(api, q, only=True, after=after)["data"]["sharedWatchlist"]
        seen.extend(e["node"] for e in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    ids = [n["id"] for n in seen]
    assert len(ids) == len(set(ids))
    from_wuxi = sorted(n["subjectId"] for n in seen if n["agencyRegion"] == "320200")
    assert from_wuxi == ["Vehicle:苏E3T519", "Vehicle:苏ED12876"]
    assert all(n["basis"] == "AGREEMENT" for n in seen if n["agencyRegion"] == "320200")
    everything = gql(api, q, only=False, after=None)
    assert everything["data"]["sharedWatchlist"]["pageInfo"]["hasNextPage"]


DISCIPLINE = """query($id: ID!, $asOf: Date = "2026-06-01") { discipline(subjectId: $id, asOf: $asOf) {
    measureCodes
    measures { measure { code name strength basis { kind case } } strength
               basis { kind case quote national note text } figures { name value }
               trigger { kind recordId subjectId listKind grade since } rule path { src type dst }
               regions }
    leads { trigger { kind listKind subjectId } rule path { src type dst } nodes
            basis { case quote } } } }"""


def test_discipline_measures_carry_strength_and_basis_and_leads_their_path(api):
    """Rule 15 (#9 "坚持审慎监管"): 昆山顺达, whose legal representative runs the seriously
    dishonest 苏州恒通, is a lead with its path, not a subject of measures; rule 13 (#3, #17):
    苏州通利, C and on 重点监管, carries measures of each strength, each with its basis."""
    d = gql(api, DISCIPLINE, id=SHUNDA)["data"]["discipline"]
    assert d["measureCodes"] == [] and d["measures"] == []
    [lead] = d["leads"]
    assert (lead["rule"], lead["trigger"]["listKind"], lead["trigger"]["subjectId"]) == (
        "legal_representative_other_firms", "严重失信", f"Enterprise:{HENGTONG}")
    assert [h["type"] for h in lead["path"]] == ["ABOUT", "LEGAL_REPRESENTATIVE_OF",
                                                "LEGAL_REPRESENTATIVE_OF"]
    assert lead["basis"]["case"] == 9 and "审慎监管" in lead["basis"]["quote"]
    d = gql(api, DISCIPLINE, id=TONGLI, asOf="2026-08-01")["data"]["discipline"]
    assert {m["strength"] for m in d["measures"]} == {"RESTRICT", "SUPERVISE", "INCENTIVE_LOSS"}
    more = next(m for m in d["measures"] if m["figures"])
    assert more["figures"] == [{"name": "daily_inspection_increase", "value": 0.25}]
    assert (more["basis"]["kind"], more["basis"]["case"]) == ("CASE", 3)
    assert "25% 的日常检查频次" in more["basis"]["quote"]
    tolerance = next(m for m in d["measures"] if m["measure"]["code"] == "no_tolerance_processing")
    assert tolerance["strength"] == tolerance["measure"]["strength"] == "RESTRICT"
    assert tolerance["trigger"]["grade"] == "C" and tolerance["basis"]["case"] == 17
    own = gql(api, DISCIPLINE, id=HENGTONG)["data"]["discipline"]
    local = next(m for m in own["measures"] if m["trigger"]["kind"] == "serious_penalty")
    assert local["basis"]["kind"] == "LOCAL_DEFAULT" and local["basis"]["note"]


def test_related_and_paths(api):
    q = """query($id: ID!) { related(subjectId: $id, depth: 2, asOf: "2026-10-31", first: 3) {
             totalCount hiddenCount edges { cursor node { distance subject { id name }
             path { fromId relType toId } } } pageInfo { hasNextPage endCursor } } }"""
    first = gql(api, q, id=HENGTONG)["data"]["related"]
    assert first["totalCount"] == 6 and first["pageInfo"]["hasNextPage"]
    more = gql(api, q.replace("first: 3", "first: 3, after: $after").replace(
        "query($id: ID!)", "query($id: ID!, $after: String)"),
        id=HENGTONG, after=first["pageInfo"]["endCursor"])["data"]["related"]
    names = [e["node"]["subject"]["name"] for e in first["edges"] + more["edges"]]
    assert "昆山顺达物流有限公司" in names and len(names) == 6
    p = gql(api, """query($a: ID!, $b: ID!) { paths(fromId: $a, toId: $b, asOf: "2026-10-31") {
                     length connections { subjects { name } steps { relType } } } }""",
            a=LI_MING, b=HENGTONG)["data"]["paths"]
    assert p["length"] == 3
    assert [s["relType"] for s in p["connections"][0]["steps"]] == [
        "EMPLOYED_BY", "LEGAL_REPRESENTATIVE_OF", "LEGAL_REPRESENTATIVE_OF"]
    assert codes(gql(api, q, key="viewer", id=HENGTONG)) == ["FORBIDDEN"]  # viewers do not trace


def test_repair_distribution_inspection_clusters_and_shells(api):
    r = gql(api, """{ repairEligible(asOf: "2023-10-01") { edges { node { penalty { decisionNo }
                      minimumEnd mode routedBy subject { name } } } } }""", key="wuxi")
    assert r["data"]["repairEligible"]["edges"][0]["node"] == {
        "penalty": {"decisionNo": "无锡交罚〔2023〕0000456号"}, "minimumEnd": "2023-09-12",
        "mode": "闭环", "routedBy": "DECIDING", "subject": {"name": "无锡太湖物流有限公司"}}
    home = gql(api, """{ repairEligible(asOf: "2024-06-01") { edges { node {
                         penalty { decisionNo agencyRegion } routedBy } } } }""")
    assert [e["node"] for e in home["data"]["repairEligible"]["edges"]] == [
        {"penalty": {"decisionNo": "无锡交罚〔2024〕0000233号", "agencyRegion": "320200"},
         "routedBy": "HOME"}]  # rule 18: Suzhou's taxi, fined in Wuxi
    d = gql(api, """{ gradeDistribution(asOf: "2026-06-01") { population graded
                      levels { letter count } } }""")["data"]["gradeDistribution"]
    assert d["population"] == 4 and d["graded"] == 4
    assert {x["letter"]: x["count"] for x in d["levels"][:5]} == {"AA": 0, "A": 1, "B": 1,
                                                                  "C": 1, "D": 1}
    draw = gql(api, """{ inspectionDraw(asOf: "2026-06-01", seed: "7") { selected { subjectId
                         stratum } check { ok } } }""")["data"]["inspectionDraw"]
    assert draw["check"]["ok"] and len(draw["selected"]) == 4
    again = gql(api, """{ inspectionDraw(asOf: "2026-06-01", seed: "7") { selected { subjectId
                          } } }""")["data"]["inspectionDraw"]
    assert [s["subjectId"] for s in again["selected"]] == [s["subjectId"] for s in draw["selected"]]
    c = gql(api, """{ clusters(asOf: "2026-10-31") { totalCount dishonest }
                      successorShells(asOf: "2026-10-31") { totalCount } }""", key="jiangsu")
    assert c["data"]["clusters"]["dishonest"] == 2 and c["data"]["successorShells"]["totalCount"] == 0


def test_recognized_grade_says_when_a_basin_authoritys_grade_counted(api):
    """Rule 19, #19: 长江航务管理局's colours bind along the river by its jurisdiction."""
    q = """query($id: ID!, $region: String) { recognizedGrade(subjectId: $id, region: $region,
             asOf: "2026-11-01") { grade basis countedBy issuingAgency issuingRegion
             candidates { basis countedBy } } }"""
    g = gql(api, q, "jiangsu", id="Vessel:CN20120456128", region="320600")["data"]["recognizedGrade"]
    assert (g["grade"], g["basis"], g["countedBy"], g["issuingRegion"]) == (
        "黄码", "BASIN", "长江航务管理局 (basin jurisdiction)", "420100")


def test_inspection_due_and_a_draw_under_a_named_scheme(api):
    due = gql(api, """{ inspectionDue(region: "320500", asOf: "2026-11-01") { totalCount scheme
                        notGraded edges { node { vesselId dueOn } } } }""")["data"]["inspectionDue"]
    assert (due["totalCount"], due["scheme"]) == (0, "内河运输船舶安全等级评定")
    # #6: Hangzhou's cargo ship 钱江货18, graded C from 2026-04-01, is due after four months
    q = """query($on: Date) { inspectionDue(asOf: $on) { totalCount edges { node { vesselId
             vesselType grade cycleMonths lastInspected cycleFrom dueOn daysOverdue
             vessel { name } } } } }"""
    assert gql(api, q, "hangzhou", on="2026-07-31")["data"]["inspectionDue"]["totalCount"] == 0
    [ship] = gql(api, q, "hangzhou", on="2026-08-03")["data"]["inspectionDue"]["edges"]
    assert ship["node"] == {"vesselId": "Vessel:CN20190330117", "vesselType": "货船", "grade": "C",
                            "cycleMonths": 4, "lastInspected": None, "cycleFrom": "2026-04-01",
                            "dueOn": "2026-08-01", "daysOverdue": 2, "vessel": {"name": "钱江货18"}}
    draw = gql(api, """{ inspectionDraw(asOf: "2026-06-01", scheme: "长江航运信用评价") {
                         selected { stratum } check { ok scheme } } }""")["data"]["inspectionDraw"]
    # Suzhou's firms have no Yangtze colours: all ungraded, none "B or below"
    assert {x["stratum"] for x in draw["selected"]} == {"ungraded"}
    assert draw["check"] == {"ok": False, "scheme": "长江航运信用评价"}
    bad = gql(api, """{ inspectionDraw(asOf: "2026-06-01", scheme: "无此体系") { seed } }""")
    assert codes(bad) == ["BAD_USER_INPUT"]


def test_search_by_code_plate_and_fuzzy_name_within_scope(api):
    q = """query($t: String!, $kind: SubjectKind) { search(text: $t, kind: $kind) {
             edges { node { id name } } } }"""

    def names(text, key="suzhou", kind=None):
        return [e["node"]["name"] for e in gql(api, q, key=key, t=text, kind=kind)["data"]["search"]["edges"]]

    assert names("恒通危险品")[0] == "苏州恒通危险品运输有限公司"
    assert names("苏州恒通 危险品运输公司")[0] == "苏州恒通危险品运输有限公司"  # normalised, fuzzy
    assert names("苏E8G")[0] == "苏E8G520"
    assert names("苏E8G520", kind="ENTERPRISE") == []
    assert names(HENGTONG) == ["苏州恒通危险品运输有限公司"]
    assert names("杭州西湖旅游") == []  # outside Suzhou's scope
    assert names("杭州西湖旅游", key="hangzhou") == ["杭州西湖旅游客运有限公司"]
    assert names("张建国") == []  # people are found by resident ID number only


# -- errors, limits, GraphQL over HTTP ---------------------------------------------------------

@pytest.mark.parametrize("query, variables, code", [
    (SUBJECT, {"id": "not-an-id"}, "BAD_USER_INPUT"),
    (SUBJECT, {"id": "91320506MA1MKT3P0X"}, "BAD_USER_INPUT"),  # wrong check character
    (SUBJECT, {"id": "Region:320500"}, "BAD_USER_INPUT"),
    (SUBJECT, {"id": "Nope:x"}, "BAD_USER_INPUT"),
    ("""query($id: ID!) { subject(id: $id) { penalties(after: "bm90LWEtY3Vyc29y") {
        totalCount } } }""", {"id": HENGTONG}, "BAD_USER_INPUT"),
    ("""query($id: ID!) { subject(id: $id) { penalties(after: "%%%") { totalCount } } }""",
     {"id": HENGTONG}, "BAD_USER_INPUT"),
    ("""{ sharedWatchlist(after: "WyJwZW5hbHRpZXMiLDBd") { edges { cursor } } }""", {},
     "BAD_USER_INPUT"),  # a penalties cursor given to the watchlist
    ("""query($d: Date!) { gradeDistribution(asOf: $d) { population } }""", {"d": "2026-02-30"},
     "BAD_USER_INPUT"),
    ("""{ gradeDistribution(region: "999999") { population } }""", {}, "BAD_USER_INPUT"),
    ("""{ gradeDistribution(scheme: "no such scheme") { population } }""", {}, "BAD_USER_INPUT"),
    ("""{ sharedWatchlist(listKind: "坏名单") { edges { cursor } } }""", {}, "BAD_USER_INPUT"),
    ("""{ related(subjectId: "91320506MA1MKT3P0P", depth: 9) { totalCount } }""", {},
     "BAD_USER_INPUT"),
    ("""{ gradeDistribution(region: "320200") { population } }""", {}, "FORBIDDEN"),
    ("""{ subject(id: "91320506MA1MKT3P0P") { name """, {}, "GRAPHQL_PARSE_FAILED"),
    ("""{ subject(id: "91320506MA1MKT3P0P") { noSuchField } }""", {}, "GRAPHQL_VALIDATION_FAILED"),
])
def test_errors_carry_a_code_and_never_a_traceback(api, query, variables, code):
    r = post(api, query, **variables)
    assert r.status_code == 200
    body = r.json()
    assert codes(body) == [code], body
    assert "Traceback" not in r.text and 'File "' not in r.text


def test_page_size_is_capped(api):
    q = """query($n: Int) { sharedWatchlist(asOf: "2026-06-01", first: $n) { edges { cursor } } }"""
    assert codes(gql(api, q, n=101)) == ["BAD_USER_INPUT"]
    assert codes(gql(api, q, n=0)) == ["BAD_USER_INPUT"]
    assert len(gql(api, q, n=100)["data"]["sharedWatchlist"]["edges"]) > 3
    sub = """query($id: ID!) { subject(id: $id) { vehicles(first: 1000) { totalCount } } }"""
    assert codes(gql(api, sub, id=HENGTONG)) == ["BAD_USER_INPUT"]


def test_depth_alias_and_token_limits(api):
    deep = ("{ subject(id: \"91320506MA1MKT3P0P\") { vehicles { edges { node { owners { edges { "
            "node { vehicles { edges { node { owners { edges { node { vehicles { edges { node { "
            "id } } } } } } } } } } } } } } } } }")
    body = post(api, deep).json()
    assert codes(body) == ["GRAPHQL_VALIDATION_FAILED"] and "depth" in body["errors"][0]["message"]
    aliases = "{ " + " ".join(f"a{i}: me {{ agency }}" for i in range(16)) + " }"
    body = post(api, aliases).json()
    assert codes(body) == ["GRAPHQL_VALIDATION_FAILED"] and "aliases" in body["errors"][0]["message"]
    assert "data" in post(api, "{ " + " ".join(f"a{i}: me {{ agency }}" for i in range(15))
                          + " }").json()
    tokens = "{ me { " + " ".join(["agency"] * 2100) + " } }"
    assert codes(post(api, tokens).json()) == ["GRAPHQL_PARSE_FAILED"]


def test_graphql_over_http_get_post_status_codes_and_media_types(api):
    url = f"{api['base']}/graphql"
    auth = {"authorization": f"Bearer {api['tokens']['suzhou']}"}
    # GET runs queries; the default media type is application/json
    r = httpx.get(url, params={"query": "query($r: String) { gradeDistribution(region: $r) { region } }",
                               "variables": json.dumps({"r": "320500"})}, headers=auth, timeout=10)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    assert r.json() == {"data": {"gradeDistribution": {"region": "320500"}}}
    # application/graphql-response+json when asked for
    r = httpx.get(url, params={"query": "{ me { region } }"},
                  headers={**auth, "accept": "application/graphql-response+json"}, timeout=10)
    assert r.headers["content-type"].startswith("application/graphql-response+json")
    # a mutation over GET is 405
    r = httpx.get(url, params={"query": 'mutation { removeListEntry(input: {entryId: "x", '
                                        'removedOn: "2026-01-01"}) { id } }'},
                  headers=auth, timeout=10)
    assert r.status_code == 405 and r.headers["allow"] == "POST"
    # request errors: 400 with graphql-response+json (and no data), 200 with application/json
    bad = {"query": "{ me { nope } }"}
    r = httpx.post(url, json=bad, headers={**auth, "accept": "application/graphql-response+json"},
                   timeout=10)
    assert r.status_code == 400 and "data" not in r.json()
    r = httpx.post(url, json=bad, headers={**auth, "accept": "application/json"}, timeout=10)
    assert r.status_code == 200 and codes(r.json()) == ["GRAPHQL_VALIDATION_FAILED"]
    # field errors are 200 with data
    r = httpx.post(url, json={"query": '{ subject(id: "x") { id } }'},
                   headers={**auth, "accept": "application/graphql-response+json"}, timeout=10)
    assert r.status_code == 200 and r.json()["data"] == {"subject": None}
    # wrong media types and bodies
    assert httpx.post(url, content=b"{ me { region } }", headers={
        **auth, "content-type": "application/graphql"}, timeout=10).status_code == 415
    assert httpx.post(url, content=b"{not json", headers={
        **auth, "content-type": "application/json"}, timeout=10).status_code == 400
    assert httpx.post(url, json=["not", "an", "object"], headers=auth, timeout=10).status_code == 400
    assert httpx.post(url, json={"query": "{ me { region } }"},
                      headers={**auth, "accept": "text/plain"}, timeout=10).status_code == 406
    assert httpx.put(url, json={"query": "{ me { region } }"}, headers=auth,
                     timeout=10).status_code == 405
    assert httpx.post(url, json={"query": "x" * 200_000}, headers=auth, timeout=10).status_code == 413
    r = httpx.post(url, json={"query": "query A { me { region } }", "operationName": "B"},
                   headers={**auth, "accept": "application/graphql-response+json"}, timeout=10)
    assert r.status_code == 400 and codes(r.json()) == ["BAD_USER_INPUT"]


def test_graphiql_is_served_without_a_cdn(api):
    r = httpx.get(f"{api['base']}/graphql", headers={"accept": "text/html"}, timeout=10)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "/static/vendor/graphiql.min.js" in r.text
    for cdn in ("unpkg.com", "jsdelivr", "cdnjs", "esm.sh", "http://", "https://"):
        assert cdn not in r.text
    for asset in ("graphiql.min.js", "graphiql.min.css", "react.production.min.js",
                  "react-dom.production.min.js", "echarts.min.js", "cytoscape.min.js"):
        assert httpx.get(f"{api['base']}/static/vendor/{asset}", timeout=10).status_code == 200


def test_a_request_over_the_time_limit_is_stopped_with_a_timeout_error(api, monkeypatch):
    from api import query

    slowed(monkeypatch, query, "q_recognized_grade", 1.5)
    server = Server(api["store"], replace(api["settings"], request_timeout=0.3), api["access"])
    hurried = {**api, "base": server.base}
    try:
        started = time.monotonic()
        body = gql(hurried, '{ recognizedGrade(subjectId: "%s") { found } }' % HENGTONG)
        assert codes(body) == ["TIMEOUT"] and body["data"] is None
        assert time.monotonic() - started < 1.2
        assert gql(hurried, "{ me { region } }")["data"]["me"]["region"] == "320500"
    finally:
        server.stop()


def test_discipline_answers_can_hide_the_subjects_a_key_may_not_see(api):
    """The resolver hands discipline_out the subjects outside the key's scope: measures
    still bind the asker's subject, but no id, record key or decision number names them."""
    from api.answers import HIDDEN, discipline_out
    from queries.rules.discipline import discipline

    [rep] = api["store"].neighbours([f"Enterprise:{HENGTONG}"],
                                    rel_types=["LEGAL_REPRESENTATIVE_OF"]).edges
    r = discipline(api["store"], rep.src, "2026-06-01")  # the legal representative
    hidden = frozenset({f"Enterprise:{HENGTONG}"})
    shown = discipline_out(r, hidden)
    assert len(shown.measures) == len(r.measures) > 0
    text = repr(shown)
    assert HENGTONG not in text and HIDDEN in text
    assert all(m.trigger.decision_no is None for m in shown.measures
               if m.trigger.subject_id == HIDDEN)
    assert HENGTONG in repr(discipline_out(r))
    lead = discipline(api["store"], f"Enterprise:{SHUNDA}", "2026-06-01")
    shown = discipline_out(lead, hidden | {rep.src})
    assert len(shown.leads) == 1 and HENGTONG not in repr(shown) and rep.src not in repr(shown)


def test_a_key_of_a_basin_authority_sees_what_its_jurisdiction_covers(api):
    """Rule 19: 长江航务管理局 (its key's region: Wuhan, 420100) serves the Yangtze provinces
    (#19 "沿江各省（市）10 余家交通运输主管部门"), so its key sees a Nantong firm and asks about
    Nantong; a Wuhan bureau's key does neither; a Hangzhou firm stays outside."""
    tokens = {name: api["access"].create_key(agency, "420100", "regulator")[1]
              for name, agency in (("cja", "长江航务管理局"), ("wuhan", "武汉市交通运输局"))}
    asker = {**api, "tokens": tokens}
    nantong = "91320612MA1W3C6H4T"  # 南通通达物流: graded by Nantong, no Yangtze record
    assert gql(asker, SUBJECT, "cja", id=nantong)["data"]["subject"]["name"] == "南通通达物流有限公司"
    assert codes(gql(asker, SUBJECT, "wuhan", id=nantong)) == ["FORBIDDEN"]
    assert codes(gql(asker, SUBJECT, "cja", id=HANGZHOU_FIRM)) == ["FORBIDDEN"]
    q = """query($r: String) { sharedWatchlist(region: $r, asOf: "2026-06-01", listKind: "重点监管") {
             edges { node { subjectId } } } }"""
    seen = [e["node"]["subjectId"] for e in gql(asker, q, "cja", r="320600")["data"][
        "sharedWatchlist"]["edges"]]
    assert "Vessel:CN20120456128" in seen  # Nantong's own list, seen by the basin authority
    assert codes(gql(asker, q, "wuhan", r="320600")) == ["FORBIDDEN"]
    assert codes(gql(asker, q, "cja", r="330100")) == ["FORBIDDEN"]
