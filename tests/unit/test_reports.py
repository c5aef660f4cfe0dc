"""Credit reports (issue 18) on the demo data set, on each store: the sections come from
the rules' answers (the stories of creditkb/demo/README.md), the viewer's role masks, the
same question gives byte-identical JSON, and an issued report verifies while a tampered
one does not."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from loaders.write import write_rows
from graph_model.i18n import use_language
from queries.dates import InvalidInput
from queries.reports import HIDDEN, Viewer, credit_report
from queries.reports.issued import report_row, verify_report
from queries.rules.discipline import carried, discipline
from tests.unit.test_rules_demo import SECRET, demo, person  # noqa: F401  (the demo in each store)

SXCT = "“苏锡常通”信用交通一体化联动发展框架协议"
DISHONEST = "Enterprise:91320506MA1MKT3P0P"  # 苏州恒通, 严重失信
SISTER = "Enterprise:91320583MA1N2Q7D2B"  # 昆山顺达, same legal representative
TAIHU = "Enterprise:91320211MA1Y4E9K0R"  # 无锡太湖, repaired penalty
DAY = dt.date(2026, 8, 1)
SUZHOU, WUXI, HANGZHOU = "320500", "320200", "330100"


ZHANG = "320402198403120353"  # 张建国, legal representative of both firms
ZHOU = "320583199209270735"  # 周勇, driver of 苏州恒通, registered in 320506


def report(store, subject=DISHONEST, region=SUZHOU, day=DAY, role="regulator", key_region=None):
    return credit_report(store, subject, region, day, Viewer(key_region or region, role))


def test_the_dishonest_firms_report_follows_discipline_through_its_legal_representative(demo):
    r = report(demo).doc
    own = {m["trigger"]["list_kind"] for m in r["discipline"]["measures"]}
    assert "严重失信" in own  # its own measures, from its 2025-06-20 designation
    related = {p["subject"]["id"]: p for p in r["related"]["shown"]}
    zhang = related[person(ZHANG)]
    assert zhang["path"][0]["type"] == "LEGAL_REPRESENTATIVE_OF"
    carried = zhang["from_this_subject"]["measures"]
    assert carried and {m["rule"] for m in carried} == {"legal_representative"}
    assert {m["strength"] for m in carried} == {"RESTRICT"}
    # the path runs from the list entry about the firm to the firm, then to 张建国
    path = carried[0]["path"]
    assert [h["type"] for h in path] == ["ABOUT", "LEGAL_REPRESENTATIVE_OF"]
    assert path[0]["from"].startswith("ListEntry:严重失信|" + DISHONEST)
    assert path[-1]["from"] == person(ZHANG) and path[-1]["to"] == DISHONEST
    # the sister firm is a lead through 张建国, no measure (rule 15, #9)
    sister = related[SISTER]
    assert [s["type"] for s in sister["path"]] == ["LEGAL_REPRESENTATIVE_OF"] * 2
    assert sister["from_this_subject"]["measures"] == []
    lead = sister["from_this_subject"]["leads"][0]
    assert lead["nodes"][-2:] == [person(ZHANG), SISTER]
    # and the sister firm's own report names the same lead
    own_leads = report(demo, SISTER).doc["discipline"]["leads"]
    assert [x["trigger"]["subject_id"] for x in own_leads] == [DISHONEST]
    assert person(ZHANG) in own_leads[0]["nodes"]


def test_what_a_subject_carries_is_what_its_related_subjects_discipline_says(demo):
    """carried() walks forward once; discipline() of each target walks back: the same
    measures and leads, with the same paths, for every subject it reaches."""
    out = carried(demo, DISHONEST, DAY, SUZHOU)
    assert person(ZHANG) in out and SISTER in out
    for target, got in out.items():
        want = discipline(demo, target, DAY, SUZHOU)
        mine = ([m for m in want.measures if m.trigger.subject == DISHONEST],
                [x for x in want.leads if x.trigger.subject == DISHONEST])
        assert (list(got.measures), list(got.leads)) == mine, target
    assert carried(demo, TAIHU, DAY, WUXI) == {}  # nothing it carries: no trigger


def test_the_grade_recognised_in_wuxi_names_the_agreement(demo):
    g = report(demo, region=WUXI).doc["grades"]
    assert g["found"] and g["recognised"]["grade"] == "D"
    assert g["recognised"]["basis"] == "AGREEMENT"
    assert g["recognised"]["agreement"]["name"] == SXCT
    assert g["recognised"]["issuing_region"] == SUZHOU
    # in Suzhou the same grade counts by its own jurisdiction
    assert report(demo).doc["grades"]["recognised"]["counted_by"] == "own jurisdiction"


def test_the_repaired_penalty_shows_its_dates(demo):
    pens = report(demo, TAIHU, WUXI).doc["penalties"]
    p = next(p for p in pens if p["decision_no"] == "无锡交罚〔2023〕0000456号")
    assert (p["state"], p["counts"]) == ("repaired", False)
    assert (p["decision_date"], p["minimum_end"], p["maximum_end"]) == (
        "2023-06-12", "2023-09-12", "2024-06-12")
    assert p["repair"]["repaired_on"] == "2023-10-20" and p["repair"]["mode"] == "闭环"
    assert "锡交整〔2023〕112号" in p["repair"]["evidence"]
    assert p["effect_until"] == "2023-10-20"
    # before the repair it was repairable, with no repair shown
    before = report(demo, TAIHU, WUXI, dt.date(2023, 10, 1)).doc["penalties"][0]
    assert (before["state"], before["repair"]) == ("repairable", None)


def test_lists_objections_events_and_scores_come_from_the_records(demo):
    r = report(demo).doc
    kinds = {(e["list_kind"], e["in_force"]) for e in r["lists"]}
    assert kinds == {("严重失信", True), ("重点监管", True)}
    assert r["penalties"][0]["decision_no"] == "苏州交罚〔2025〕0001234号"
    assert r["penalties"][0]["state"] in ("published", "repairable")
    assert any(e["kind"] == "violation" for e in r["events"])
    ship = "Vessel:CN20120456128"  # 黄码 contested with 长江航务管理局 (#13, #19)
    ob = report(demo, ship, "320600", dt.date(2026, 11, 1)).doc
    assert [(o["status"], o["filed_on"]) for o in ob["objections"]] == [("核查中", "2026-10-12")]
    # lock points (#13): the ledger's entries line by line
    lock = report(demo, "Vessel:CN20150873419", "320600", dt.date(2026, 6, 30)).doc["scores"]
    gx = next(s for s in lock if s["scheme"] == "gx_lock_points")
    assert gx["score"] == 470 and any(e["points"] == -20 for e in gx["entries"])


def test_a_viewers_report_masks_what_the_viewer_may_not_see(demo):
    driver = person(ZHOU)
    regulator = report(demo, driver).doc["subject"]
    viewer = report(demo, driver, role="viewer").doc["subject"]
    assert regulator["name"] == "周勇" and not regulator["personal_data_masked"]
    assert viewer["name"] == "周*" and viewer["personal_data_masked"]
    assert viewer["properties"]["cert_no"] != regulator["properties"]["cert_no"]
    assert "0735" not in json.dumps(viewer, ensure_ascii=False)
    # in the firm's report too, the driver's name reads masked to a viewer
    shown = {p["subject"]["id"]: p["subject"]["name"]
             for p in report(demo, role="viewer").doc["related"]["shown"]}
    assert shown[driver] == "周*"
    # a key that may not see the subject gets what an unknown subject gets
    with pytest.raises(InvalidInput) as outside:
        report(demo, "Enterprise:91320211MA1Y4E9K0R", HANGZHOU)
    with pytest.raises(InvalidInput) as unknown:
        report(demo, "Enterprise:91320211MA1Y4E9K0X", HANGZHOU)
    assert (str(outside.value).replace("91320211MA1Y4E9K0R", "<id>")
            == str(unknown.value).replace("91320211MA1Y4E9K0X", "<id>"))


def test_paths_through_subjects_outside_the_scope_read_hidden():
    from queries.reports.report import _path

    class Scope:
        def shown(self, uid):
            return HIDDEN if uid == "Enterprise:B" else uid

    trigger = type("T", (), {"record": "ListEntry:x|Enterprise:B", "subject": "Enterprise:B"})
    hop = type("H", (), {"src": "ListEntry:x|Enterprise:B", "type": "ABOUT", "dst": "Enterprise:B"})
    item = type("I", (), {"trigger": trigger, "path": [hop], "nodes": [hop.src, hop.dst]})
    assert _path(item, Scope())["nodes"] == [HIDDEN, HIDDEN]


def test_the_same_question_gives_byte_identical_json_and_hash(demo):
    a, b = report(demo), report(demo)
    assert a.json == b.json and a.sha256 == b.sha256 and a.number == b.number
    assert json.loads(a.json)["report"]["number"] == a.number
    # canonical: sorted keys, no spaces, ISO dates
    assert a.json.startswith('{"commitments":') and ", " not in a.json[:200]
    other = report(demo, day=dt.date(2026, 8, 2))
    assert other.number != a.number and other.sha256 != a.sha256


def test_a_report_asked_in_english_is_the_chinese_one_and_verifies_in_either(demo):
    """The report's JSON does not depend on the language it is asked in (its sentences are
    zh-CN's, recorded in its header): the same number and bytes over Accept-Language: en,
    and a copy issued in one language verifies as current asked in the other."""
    day = dt.date(2026, 10, 1)
    with use_language("en"):
        english = report(demo, DISHONEST, WUXI, day)
    chinese = report(demo, DISHONEST, WUXI, day)
    assert english.json == chinese.json and english.number == chinese.number
    assert json.loads(chinese.json)["report"]["language"] == "zh-CN"
    assert chinese.doc["grades"]["explanation"].startswith("截至2026年10月1日")
    write_rows(demo, SECRET, "credit_reports", [report_row(english, day)], agency=None,
               source="test")
    with use_language("en"):
        v = verify_report(demo, chinese.number, chinese.sha256)
        assert (v.genuine, v.current) == (True, True)
        assert v.explanation.startswith("genuine, and still current")
    v = verify_report(demo, chinese.number, chinese.sha256)
    assert (v.genuine, v.current) == (True, True) and v.explanation.startswith("报告真实，且仍为最新")


def test_an_issued_report_verifies_and_a_tampered_one_does_not(demo):
    r = report(demo, TAIHU, WUXI, dt.date(2026, 9, 1))
    assert not r.issued and not verify_report(demo, r.number, r.sha256).genuine
    write_rows(demo, SECRET, "credit_reports", [report_row(r, dt.date(2026, 9, 1))],
               agency="无锡市交通运输局", source="test")
    again = report(demo, TAIHU, WUXI, dt.date(2026, 9, 1))
    assert again.issued and again.json == r.json  # the store changed (the record), not the report
    v = verify_report(demo, r.number, r.sha256)
    assert (v.genuine, v.current, v.as_of) == (True, True, dt.date(2026, 9, 1))
    # a copy with one grade changed has another hash: not genuine
    doc = json.loads(r.json)
    doc["grades"]["recognised"]["grade"] = "AA"
    from queries.reports import canonical_json, sha256_hex
    tampered = sha256_hex(canonical_json(doc))
    assert not verify_report(demo, r.number, tampered).genuine
    assert not verify_report(demo, r.number.replace("CR-", "CR-1"), r.sha256).genuine
    with pytest.raises(InvalidInput):
        verify_report(demo, r.number, "not a hash")


def test_a_report_stops_being_current_when_its_records_change(demo):
    day = dt.date(2026, 9, 1)
    r = report(demo, SISTER, SUZHOU, day)
    write_rows(demo, SECRET, "credit_reports", [report_row(r, day)], agency=None, source="test")
    assert verify_report(demo, r.number, r.sha256).current
    rows = write_rows(demo, SECRET, "list_entries", [{
        "list_kind": "重点关注", "subject_kind": "企业", "subject_id": "91320583MA1N2Q7D2B",
        "listed_on": "2026-08-20", "reason": "test", "agency": "苏州市交通运输局",
        "agency_region": SUZHOU}], agency="苏州市交通运输局", source="test: a new entry")
    try:
        v = verify_report(demo, r.number, r.sha256)
        assert (v.genuine, v.current) == (True, False)
        assert report(demo, SISTER, SUZHOU, day).number != r.number
    finally:
        demo.undo_load([x for x in demo.loads() if x.file == "test: a new entry"][-1].load_id)
    assert rows and verify_report(demo, r.number, r.sha256).current  # undone: current again
