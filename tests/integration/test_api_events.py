"""The further kinds' records over the GraphQL API (real HTTP, the demo data on disk): a
subject's accidents, inspections, alarms, port calls, complaints, reviews, point entries and
objections, and a penalty's fine payments, as cursor connections; in scope like the other
records, a reviewer's id masked for keys that may not read it, every read audited."""

from __future__ import annotations

import pytest

from graph_model.settings import Settings
from queries.access.state import AccessStore
from tests.support.api import KEYS, SECRET, Server, codes, gql, post
from tests.support.demo import DEMO, demo_store

HENGTONG_TRUCK = "苏E8G520"
SISTER = "91320583MA1N2Q7D2B"  # 昆山顺达: the accident with a death
GREEN_LANE, DETAINED = "CN20181025637", "CN20190318822"
COACH = "苏D52671F"
LONGCHENG = "91320411250183647M"  # 常州龙城旅游客运: reviewed by passengers
YELLOW_SHIP = "CN20120456128"
SERIOUS = "苏州交罚〔2025〕0001234号"
PAGE = "pageInfo { hasNextPage endCursor } totalCount"


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    path = tmp_path_factory.mktemp("api-events") / "store"
    store = demo_store(path, SECRET)
    settings = Settings(store=str(path), secret=SECRET)
    access = AccessStore(str(path))
    tokens = {name: access.create_key(*spec)[1] for name, spec in KEYS.items()}
    tokens["changzhou"] = access.create_key("常州市交通运输局", "320400", "regulator")[1]
    srv = Server(store, settings, access)
    yield {"base": srv.base, "tokens": tokens, "access": access}
    srv.stop()
    store.close()


def records(api, field: str, subject: str, fields: str, key="suzhou", **page):
    args = "".join(f", {k}: {v!r}".replace("'", '"') for k, v in page.items())
    r = gql(api, f"""query($id: ID!) {{ subject(id: $id) {{ {field}(first: 100{args}) {{
                     edges {{ cursor node {{ id {fields} }} }} {PAGE} }} }} }}""", key, id=subject)
    assert "errors" not in r, r
    return r["data"]["subject"][field]


def test_a_vehicles_alarms_newest_first_in_pages(api):
    got = records(api, "alarms", HENGTONG_TRUCK, "alarmNo kind occurredAt outcome agency "
                                                 "agencyRegion subjectId")
    nodes = [e["node"] for e in got["edges"]]
    assert got["totalCount"] == 3 and [n["occurredAt"] for n in nodes] == [
        "2026-06-12 09:30:08", "2026-06-11 14:05:52", "2025-05-03 02:41:17"]
    assert nodes[2] == {"id": "MonitoringAlarm:SZJK20250503001187", "alarmNo": "SZJK20250503001187",
                        "kind": "疲劳驾驶", "occurredAt": "2025-05-03 02:41:17", "outcome": "转立案",
                        "agency": "苏州市交通运输局", "agencyRegion": "320500",
                        "subjectId": f"Vehicle:{HENGTONG_TRUCK}"}
    first = gql(api, f"""query($id: ID!) {{ subject(id: $id) {{ alarms(first: 2) {{
                  edges {{ node {{ alarmNo }} }} {PAGE} }} }} }}""", id=HENGTONG_TRUCK)
    page1 = first["data"]["subject"]["alarms"]
    assert page1["pageInfo"]["hasNextPage"] and len(page1["edges"]) == 2
    rest = records(api, "alarms", HENGTONG_TRUCK, "alarmNo", after=page1["pageInfo"]["endCursor"])
    assert [e["node"]["alarmNo"] for e in rest["edges"]] == ["SZJK20250503001187"]
    assert not rest["pageInfo"]["hasNextPage"]


def test_a_ships_port_calls_and_inspections(api):
    calls = records(api, "portCalls", GREEN_LANE, "port portRegion arrivedOn departedOn operation")
    at_taicang = [e["node"] for e in calls["edges"] if e["node"]["portRegion"] == "320585"]
    assert calls["totalCount"] == 15 and len(at_taicang) == 14
    assert calls["edges"][0]["node"]["arrivedOn"] == "2026-09-27"  # newest first
    detained = records(api, "inspections", DETAINED, "kind result defects inspectedOn agency")
    [node] = [e["node"] for e in detained["edges"]]
    assert (node["kind"], node["result"], node["defects"], node["inspectedOn"]) == (
        "船舶安全检查", "滞留", 5, "2026-08-18")


def test_an_accident_with_a_death_and_a_coach_intercepted_twice(api):
    [acc] = [e["node"] for e in records(api, "accidents", SISTER,
                                        "occurredOn level deaths injuries liability")["edges"]]
    assert acc == {"id": "Accident:苏公交认〔2026〕0915号", "occurredOn": "2026-09-14", "level": "一般",
                   "deaths": 1, "injuries": 2, "liability": "主要责任"}
    stops = records(api, "inspections", COACH, "kind result", key="jiangsu")
    assert [(e["node"]["kind"], e["node"]["result"]) for e in stops["edges"]] == [
        ("布控拦截", "合格"), ("布控拦截", "合格")]


def test_complaints_objections_and_point_entries(api):
    [c] = [e["node"] for e in records(api, "complaints", "苏E3T519", "category finding")["edges"]]
    assert c["finding"] == "属实"
    [ob] = [e["node"] for e in records(api, "objections", YELLOW_SHIP,
                                       "record filedOn status closedOn")["edges"]]
    assert ob["record"] == f"Vessel:{YELLOW_SHIP}|长江航运信用评价|420100|2026-10-01"
    assert (ob["status"], ob["closedOn"]) == ("核查中", None)
    points = records(api, "pointEntries", YELLOW_SHIP, "points validTo scheme")
    assert [e["node"]["points"] for e in points["edges"]] == [5, -10, -20]


def test_a_penaltys_fine_payments_and_records_by_node_id(api):
    r = gql(api, """query($id: ID!) { node(id: $id) { ... on Penalty { decisionNo fine
                    finePayments { edges { node { paidOn amount receiptNo decisionNo } }
                    totalCount } } } }""", id=f"Penalty:{SERIOUS}")
    pen = r["data"]["node"]
    assert pen["fine"] == 100000 and pen["finePayments"]["totalCount"] == 2
    assert [(p["node"]["paidOn"], p["node"]["amount"]) for p in pen["finePayments"]["edges"]] == [
        ("2025-06-10", 50000), ("2025-07-10", 50000)]
    uid = "MonitoringAlarm:SZJK20260611004520"
    assert gql(api, "query($id: ID!) { node(id: $id) { id ... on MonitoringAlarm { kind } } }",
               id=uid)["data"]["node"] == {"id": uid, "kind": "超速"}
    # another region's key: the same answer as for a record that does not exist (a
    # Changzhou coach's alarm: 苏E8G520's owner is seriously dishonest, which binds
    # nationwide, rule 19)
    theirs = "MonitoringAlarm:CZJK20260908000356"
    answers = {post(api, "query($id: ID!) { node(id: $id) { id } }", key="hangzhou", id=ref).content
               for ref in (theirs, "MonitoringAlarm:NO-SUCH-ALARM")}
    assert len(answers) == 1 and codes(post(api, "query($id: ID!) { node(id: $id) { id } }",
                                            key="hangzhou", id=theirs).json()) == ["FORBIDDEN"]


def test_a_reviewers_id_is_masked_unless_the_key_holds_the_review(api):
    fields = "evaluatorKind evaluatorId evaluatorMasked evaluatorHash score maxScore"
    by_key = {key: {e["node"]["id"]: e["node"] for e in
                    records(api, "reviews", LONGCHENG, fields, key=key)["edges"]}
              for key in ("changzhou", "suzhou", "jiangsu", "viewer")}
    assert all(len(v) == 4 for v in by_key.values())
    passenger = "Review:CZPJ2026-0001"
    assert by_key["changzhou"][passenger]["evaluatorMasked"] == "320404********8844"
    assert by_key["jiangsu"][passenger]["evaluatorMasked"] == "320404********8844"  # above it
    for key in ("suzhou", "viewer"):  # a partner city; a viewer never
        assert by_key[key][passenger]["evaluatorMasked"] == "320404************"
    assert by_key["viewer"]["Review:CZPJ2026-0004"]["evaluatorId"] == "常*******"
    assert by_key["changzhou"]["Review:CZPJ2026-0004"]["evaluatorId"] == "常州市交通运输局"
    hashes = {v[passenger]["evaluatorHash"] for v in by_key.values()}
    assert len(hashes) == 1 and len(hashes.pop()) == 64
    text = post(api, f"""query($id: ID!) {{ subject(id: $id) {{ reviews {{ edges {{ node {{
                {fields} }} }} }} }} }}""", key="changzhou", id=LONGCHENG).text
    with open(DEMO / "reviews.csv", encoding="utf-8") as fh:
        passengers = [line.split(",")[4] for line in fh.readlines()[1:] if ",乘客," in line]
    assert len(passengers) == 3 and not any(number in text for number in passengers)


def test_reading_a_subjects_records_is_audited(api):
    key_id = api["access"].authenticate(api["tokens"]["wuxi"]).key_id
    records(api, "pointEntries", "320281199303021955", "points", key="wuxi")
    [entry] = [e for e in api["access"].audit(key_id=key_id)]
    assert entry.kind == "read" and entry.outcome == "ok" and len(entry.subjects) == 1
    assert entry.subjects[0].startswith("Person:") and "320281199303021955" not in entry.subjects[0]


def test_a_page_of_subjects_with_their_events_costs_a_fixed_number_of_store_calls(tmp_path):
    from graph_model.store.embedded.store import EmbeddedStore
    from tests.integration.test_api_nplus1 import CountingStore, fleet, uscc

    inner = EmbeddedStore(str(tmp_path / "store"))
    for n in (3, 30):
        fleet(inner, uscc(n), n)
    store = CountingStore(inner)
    access = AccessStore(str(tmp_path / "store"))
    srv = Server(store, Settings(store=str(tmp_path / "store")), access)
    try:
        api = {"base": srv.base, "tokens": {"suzhou": access.create_key(
            "苏州市交通运输局", "320500", "regulator")[1]}}
        query = """query($id: ID!) { subject(id: $id) { vehicles(first: 100) { edges { node {
                   alarms { totalCount } inspections { totalCount } accidents { totalCount }
                   penalties { edges { node { finePayments { totalCount } } } } } } } } }"""
        counts = {}
        for n in (3, 30):
            gql(api, query, id=uscc(n))
            store.reset()
            body = gql(api, query, id=uscc(n))
            counts[n] = store.reset()
            assert len(body["data"]["subject"]["vehicles"]["edges"]) == n
        assert counts[3] == counts[30], counts
    finally:
        srv.stop()
        store.close()
