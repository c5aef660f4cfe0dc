"""List admission over the GraphQL API (real HTTP, the demo data on disk): the demo stories
of #18 (江海通达8 keeps the green fast lane, 江海通达9 loses it by its detention) and #10 (the
coach intercepted twice), a region's review proposing removals and never listing, scoped and
audited like the neighbouring fields."""

from __future__ import annotations

import pytest

from graph_model.settings import Settings
from queries.access.state import AccessStore
from tests.support.api import KEYS, SECRET, Server, codes, gql
from tests.support.demo import demo_store

GREEN_LANE, DETAINED, VIOLATED = "CN20181025637", "CN20190318822", "CN20170912453"
COACH = "苏D52671F"
ADMISSION = """query($id: ID!, $kind: AdmissionListKind!, $on: Date) {
  listAdmission(subjectId: $id, listKind: $kind, asOf: $on) {
    subjectId decision listKind entryId
    conditions { code met detail evidence breaking basis { kind case quote } } } }"""
REVIEW = """query($kind: AdmissionListKind!, $region: String, $on: Date) {
  admissionReview(listKind: $kind, region: $region, asOf: $on) {
    region checked admit { subjectId } remove { subjectId entryId
      conditions { code met breaking } } } }"""


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    path = tmp_path_factory.mktemp("api-admission") / "store"
    store = demo_store(path, SECRET)
    access = AccessStore(str(path))
    tokens = {name: access.create_key(*spec)[1] for name, spec in KEYS.items()}
    tokens["changzhou"] = access.create_key("常州市交通运输局", "320400", "regulator")[1]
    srv = Server(store, Settings(store=str(path), secret=SECRET), access)
    yield {"base": srv.base, "tokens": tokens, "access": access}
    srv.stop()
    store.close()


def admission(api, subject, kind, on, key="suzhou"):
    body = gql(api, ADMISSION, key, id=subject, kind=kind, on=on)
    assert "errors" not in body, body
    return body["data"]["listAdmission"]


def test_the_green_lane_ship_qualifies_and_the_detained_one_does_not(api):
    kept = admission(api, GREEN_LANE, "GREEN_FAST_LANE", "2026-10-01")
    assert kept["decision"] == "ADMIT" and kept["listKind"] == "守信激励"
    assert kept["entryId"] == f"ListEntry:守信激励|Vessel:{GREEN_LANE}|320585|2024-07-01"
    calls = next(c for c in kept["conditions"] if c["code"] == "port_calls_1y")
    # 14 calls at 太仓港 from 2025-11-06 to 2026-09-27; the call at 南通港 does not count.
    assert len(calls["evidence"]) == 14 and all("|320585|" in e for e in calls["evidence"])
    assert calls["basis"] == {"kind": "CASE", "case": 18,
                              "quote": "将一年内在太仓港累计作业不少于12艘次的守信集装箱船舶"}
    lost = admission(api, DETAINED, "GREEN_FAST_LANE", "2026-10-01")
    assert lost["decision"] == "REFUSE"
    assert [(c["code"], c["breaking"]) for c in lost["conditions"] if not c["met"]] == [
        ("no_detention_2y", ["Inspection:太仓海安检〔2026〕0207号"])]
    # Before its detention of 2026-08-18 it qualified (13 calls from 2025-09-20).
    assert admission(api, DETAINED, "GREEN_FAST_LANE", "2026-08-17")["decision"] == "ADMIT"


def test_the_coach_intercepted_twice_joins_the_whitelist(api):
    got = admission(api, COACH, "VEHICLE_WHITELIST", "2026-10-01", key="changzhou")
    assert got["decision"] == "ADMIT"
    assert next(c for c in got["conditions"] if c["code"] == "intercepted_twice")["evidence"] == [
        "Inspection:常交执拦〔2026〕0088号", "Inspection:常交执拦〔2026〕0311号"]
    # Before the second interception (2026-07-22), once is not enough.
    assert admission(api, COACH, "VEHICLE_WHITELIST", "2026-07-21", key="changzhou")[
        "decision"] == "REFUSE"


def test_the_review_proposes_removals_and_lists_nothing(api):
    body = gql(api, REVIEW, kind="GREEN_FAST_LANE", region="320585", on="2026-10-01")
    assert "errors" not in body, body
    r = body["data"]["admissionReview"]
    assert r["admit"] == [] and r["checked"] == 3
    assert [x["subjectId"] for x in r["remove"]] == [f"Vessel:{VIOLATED}", f"Vessel:{DETAINED}"]
    # A proposal: the entry is still open afterwards.
    assert admission(api, DETAINED, "GREEN_FAST_LANE", "2026-10-01")["entryId"]


def test_out_of_scope_and_wrong_role_are_refused_and_audited(api):
    # Hangzhou cannot see the Changzhou coach: the answer of a subject that is not there.
    hidden = gql(api, ADMISSION, "hangzhou", id=COACH, kind="VEHICLE_WHITELIST", on="2026-10-01")
    missing = gql(api, ADMISSION, "hangzhou", id="苏D99999", kind="VEHICLE_WHITELIST",
                  on="2026-10-01")
    assert codes(hidden) == codes(missing) == ["FORBIDDEN"]
    assert hidden["errors"][0]["message"] == missing["errors"][0]["message"]
    # A region outside the key's jurisdiction, and a viewer, may not review.
    assert codes(gql(api, REVIEW, "hangzhou", kind="GREEN_FAST_LANE", region="320585")) == ["FORBIDDEN"]
    assert codes(gql(api, REVIEW, "viewer", kind="GREEN_FAST_LANE", region="320585")) == ["FORBIDDEN"]
    # A region of the key's that neither holds nor lies in 太仓 does not keep the list.
    wrong = gql(api, REVIEW, kind="GREEN_FAST_LANE", region="320506", on="2026-10-01")
    assert codes(wrong) == ["BAD_USER_INPUT"] and "kept in 320585" in wrong["errors"][0]["message"]
    # A subject of another kind than the list takes is the caller's error.
    assert codes(gql(api, ADMISSION, id=COACH, kind="GREEN_FAST_LANE")) == ["BAD_USER_INPUT"]
    key_id = api["access"].authenticate(api["tokens"]["hangzhou"]).key_id
    entries = api["access"].audit(key_id=key_id)
    assert [(e.operation, e.outcome) for e in entries][:3] == [
        ("listAdmission", "forbidden"), ("listAdmission", "forbidden"), ("admissionReview", "forbidden")]
    # An allowed review is audited with the subjects it names (its own review: the test
    # must not depend on another test having run first).
    assert "errors" not in gql(api, REVIEW, kind="GREEN_FAST_LANE", region="320585", on="2026-10-01")
    suzhou = api["access"].authenticate(api["tokens"]["suzhou"]).key_id
    review = [e for e in api["access"].audit(key_id=suzhou)
              if e.operation == "admissionReview" and e.outcome == "ok"][-1]
    assert f"Vessel:{DETAINED}" in review.subjects


def test_a_vetoed_grade_names_the_accident(api):
    # #4 "对发生有责亡人事故的，直接定为 D 级": 昆山顺达's A of 2026 Q4 is D in Suzhou.
    body = gql(api, """{ recognizedGrade(subjectId: "91320583MA1N2Q7D2B", region: "320500",
                       asOf: "2026-11-01", scheme: "苏州市道路运输企业分类分级评价") {
                       grade veto { grade insteadOf accidentId occurredOn rule basis { case quote } } } }""")
    assert "errors" not in body, body
    g = body["data"]["recognizedGrade"]
    assert g == {"grade": "D", "veto": {
        "grade": "D", "insteadOf": "A", "accidentId": "Accident:苏公交认〔2026〕0915号",
        "occurredOn": "2026-09-14", "rule": "suzhou_fatal_accident",
        "basis": {"case": 4, "quote": "对发生有责亡人事故的，直接定为 D 级"}}}
