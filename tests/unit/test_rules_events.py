"""Event rules (DOMAIN.md rules 2, 16; cases #4, #10, #11, #18) on small hand-built graphs,
every store: accident vetoes per scheme, the events that end incentive-list effects, and the
#10 alarm colour codes."""

from __future__ import annotations

import pytest

from graph_model.store.port import Node
from queries.rules.events import alarm_code, event_rules, events_of, load_event_rules, veto
from queries.rules.incentives import ENDING_LABELS, incentive_end, incentive_ending_events
from queries.rules.rulefile import DataFileError
from queries.rules.watchlist import shared_watchlist
from tests.support.graph import KUNSHAN, SUZHOU, GraphBuilder

SUZHOU_Q = "苏州市道路运输企业分类分级评价"
FUJIAN = "交通建设市场信用考核"
TAICANG = "320585"


def accident(g, no, subject, occurred_on, level="一般", liability="主要责任", deaths=0):
    return g.record("Accident", no, subject, occurred_on=occurred_on, level=level,
                    liability=liability, deaths=deaths, injuries=0, agency_region=SUZHOU,
                    agency="苏州市公安局交通警察支队")


def inspection(g, no, subject, inspected_on, result="合格", kind="船舶安全检查", region=TAICANG):
    return g.record("Inspection", no, subject, inspected_on=inspected_on, kind=kind,
                    result=result, agency_region=region, agency=f"{region}局")


def _records(store, uid):
    return store.records_about([uid], ["Accident", "Evaluation"])[uid]


def _quarter(records):
    return next(n for n in records if n.label == "Evaluation")


def test_a_liability_accident_with_deaths_sets_the_suzhou_grade_to_d(store):
    # #4 "对发生有责亡人事故的，直接定为 D 级": whatever the score, D, naming the accident.
    g = GraphBuilder(store)
    firm = g.firm("KSSD", KUNSHAN)
    g.grade(firm, "A", SUZHOU, "2026-10-01", "2026-12-31", scheme=SUZHOU_Q)
    fatal = accident(g, "苏公交认〔2026〕0915号", firm, "2026-09-14", deaths=1)
    g.commit()
    found = veto(_records(store, firm), _quarter(_records(store, firm)), "2026-11-01")
    assert (found.grade, found.accident, found.rule) == ("D", fatal, "suzhou_fatal_accident")
    assert found.basis.quote == "对发生有责亡人事故的，直接定为 D 级"
    # Before the accident, no veto; an accident before the quarter's window neither.
    assert veto(_records(store, firm), _quarter(_records(store, firm)), "2026-09-13") is None


@pytest.mark.parametrize("liability,deaths,vetoed", [
    ("主要责任", 1, True), ("次要责任", 2, True),  # 有责: any share of liability
    ("无责任", 3, False),  # deaths without liability: not 有责
    ("全部责任", 0, False),  # liability without deaths: not 亡人
])
def test_only_liability_and_deaths_together_veto_under_case_4(store, liability, deaths, vetoed):
    g = GraphBuilder(store)
    firm = g.firm("F", KUNSHAN)
    g.grade(firm, "A", SUZHOU, "2026-10-01", "2026-12-31", scheme=SUZHOU_Q)
    accident(g, "ACC", firm, "2026-08-20", liability=liability, deaths=deaths)
    g.commit()
    assert (veto(_records(store, firm), _quarter(_records(store, firm)), "2026-10-15")
            is not None) is vetoed


def test_fujian_grades_c_after_a_liability_accident_and_d_after_a_fatal_one(store):
    # #11 "安全生产事故报告认定为责任事故的，直接考核定级为 C、D 级", read as the scoring
    # scheme fj_construction reads it; a grade creditkb computed keeps its own vetoes.
    g = GraphBuilder(store)
    a, b, c, d = (g.firm(k, "350100") for k in ("FA", "FB", "FC", "FD"))
    for firm in (a, b, c):
        g.grade(firm, "AA", "350000", "2026-01-01", "2026-12-31", scheme=FUJIAN)
    g.node("Evaluation", "computed", subject_uid=d, scheme=FUJIAN, grade="AA",
           agency_region="350000", valid_from="2026-01-01", valid_to="2026-12-31",
           computed_by="creditkb score fj_construction")
    g.rel("ABOUT", "Evaluation:computed", d)
    accident(g, "FJ-1", a, "2026-03-01", liability="同等责任")
    accident(g, "FJ-2", b, "2026-03-01", liability="同等责任")
    accident(g, "FJ-3", b, "2026-05-01", level="较大", liability="主要责任", deaths=2)
    accident(g, "FJ-4", c, "2026-03-01", level="重大", liability="次要责任")
    accident(g, "FJ-5", d, "2026-03-01", liability="全部责任", deaths=1)
    g.grade(a, "A", SUZHOU, "2026-01-01", "2026-12-31")  # another scheme: no veto of its own
    g.commit()
    recs = store.records_about([a, b, c, d], ["Accident", "Evaluation"])

    def ev(uid, scheme):
        return next(n for n in recs[uid] if n.props.get("scheme") == scheme)

    assert veto(recs[a], ev(a, FUJIAN), "2026-06-01").grade == "C"
    assert veto(recs[b], ev(b, FUJIAN), "2026-06-01").accident == "Accident:FJ-3"  # the worse
    assert veto(recs[b], ev(b, FUJIAN), "2026-06-01").grade == "D"
    assert veto(recs[c], ev(c, FUJIAN), "2026-06-01") is None  # minor liability: not 责任事故 here
    assert veto(recs[d], ev(d, FUJIAN), "2026-06-01") is None  # computed: its scheme's vetoes
    assert veto(recs[a], ev(a, "道路运输经营者信用评价"), "2026-06-01") is None


def test_detentions_and_graded_accidents_end_incentive_effects(store):
    # #18 "“绿色快航”船舶发生违法行为、安检滞留等失信行为一律退出激励名单".
    assert set(ENDING_LABELS) == {"Penalty", "Inspection", "Accident"}
    g = GraphBuilder(store)
    ok, detained, crashed, clean = (g.vessel(v) for v in (
        "CN20000000001", "CN20000000002", "CN20000000003", "CN20000000004"))
    for v in (ok, detained, crashed, clean):
        g.listed(v, "守信激励", TAICANG, "2025-10-01")
    inspection(g, "I-1", ok, "2026-03-01", "缺陷")  # defects are not a detention
    inspection(g, "I-2", detained, "2026-08-18", "滞留")
    accident(g, "A-1", crashed, "2026-06-01", liability="次要责任")
    accident(g, "A-2", clean, "2026-06-01", liability="无责任")  # no liability: no exit
    g.commit()
    recs = store.records_about([ok, detained, crashed, clean], list(ENDING_LABELS))
    ends = {v: incentive_ending_events(recs.get(v, ())) for v in (ok, detained, crashed, clean)}
    assert ends[ok] == [] and ends[clean] == []
    assert [(str(e.day), e.kind, e.record) for e in ends[detained]] == [
        ("2026-08-18", "detention", "Inspection:I-2")]
    assert [e.kind for e in ends[crashed]] == ["liability_graded_accident"]
    import datetime as dt
    assert incentive_end(dt.date(2025, 10, 1), None, ends[detained]).record == "Inspection:I-2"
    # The watchlist drops the detained ship's entry from its day (rule 16).
    before = shared_watchlist(store, TAICANG, "2026-08-17", "守信激励")
    after = shared_watchlist(store, TAICANG, "2026-08-18", "守信激励")
    assert detained in [e.subject for e in before.entries]
    assert detained not in [e.subject for e in after.entries]
    assert ok in [e.subject for e in after.entries] and clean in [e.subject for e in after.entries]


def test_alarm_codes_of_a_quarter_raise_red_yellow_or_green(store):
    # #10: 红、黄、绿 codes from a quarter's alarms of a firm's vehicles (local thresholds).
    g = GraphBuilder(store)
    firm = g.firm("HN", "410100")
    vs = [g.vehicle(f"豫A0000{i}", "410100", firm) for i in range(2)]
    for i in range(12):  # 12 alarms on two vehicles: 6 per vehicle, yellow
        g.record("MonitoringAlarm", f"AL{i}", vs[i % 2], kind="超速",
                 occurred_at=f"2026-08-{i + 1:02d} 08:00:00", outcome="已处置")
    g.record("MonitoringAlarm", "AL-F", vs[0], kind="超速", occurred_at="2026-08-20 08:00:00",
             outcome="误报")  # a false alarm does not count
    g.record("MonitoringAlarm", "AL-OLD", vs[0], kind="超速", occurred_at="2026-01-20",
             outcome="转立案")  # outside the quarter
    g.commit()
    a = alarm_code(store, firm, "2026-09-30")
    assert (a.code, a.vehicles, a.alarms, a.cases) == ("黄码", 2, 12, 0)
    assert a.thresholds_basis.kind == "LOCAL_DEFAULT" and a.basis.case == 10
    assert alarm_code(store, firm, "2026-12-31").code == "绿码"  # the quarter has moved on
    assert alarm_code(store, vs[1], "2026-09-30").alarms == 6
    assert alarm_code(store, vs[0], "2026-01-31").code == "黄码"  # one alarm turned into a case


def test_events_of_reads_each_record_once_by_day():
    rules = event_rules()
    recs = [Node("Inspection:B", "Inspection", {"inspected_on": "2026-02-01", "result": "滞留",
                                                 "kind": "船舶安全检查"}),
            Node("Penalty:A", "Penalty", {"decision_date": "2026-01-01", "violation": "x"}),
            Node("Penalty:R", "Penalty", {"decision_date": "2026-01-01", "status": "撤销"})]
    assert [(e.record, e.kind) for e in events_of(recs, ["violation", "detention"], rules)] == [
        ("Penalty:A", "violation"), ("Inspection:B", "detention")]


def test_malformed_event_rules_are_clear_errors(tmp_path):
    from queries.rules.rulefile import read_yaml
    import yaml
    doc, _ = read_yaml(None, "events.yaml")
    bad = {**doc, "events": [*doc["events"], {"code": "x", "record": "Nope", "date": "d",
                                               "basis": {"case": 4, "quote": "q"}}]}
    path = tmp_path / "events.yaml"
    path.write_text(yaml.safe_dump(bad, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DataFileError, match="not a record label"):
        load_event_rules(path)
    no_basis = {**doc, "vetoes": [{**doc["vetoes"][0], "basis": None}]}
    path.write_text(yaml.safe_dump(no_basis, allow_unicode=True), encoding="utf-8")
    with pytest.raises(DataFileError, match="basis"):
        load_event_rules(path)


def test_a_vetoed_grade_is_what_recognition_and_discipline_act_on(store):
    # #4: the A of the quarter becomes D; discipline takes D's measures, the single answer and
    # the region's batch alike; recognition names the accident.
    from queries.rules.discipline import discipline, discipline_batch
    from queries.rules.recognition import recognized_grade

    g = GraphBuilder(store)
    firm = g.firm("KSSD", KUNSHAN)
    calm = g.firm("CALM", KUNSHAN)
    for f in (firm, calm):
        g.grade(f, "A", SUZHOU, "2026-10-01", "2026-12-31", scheme=SUZHOU_Q)
    fatal = accident(g, "苏公交认〔2026〕0915号", firm, "2026-09-14", deaths=1)
    accident(g, "苏公交认〔2026〕0916号", calm, "2026-09-14", deaths=0)
    g.commit()
    got = recognized_grade(store, firm, SUZHOU, "2026-11-01", SUZHOU_Q)
    assert (got.grade, got.veto.accident, got.veto.instead_of) == ("D", fatal, "A")
    assert recognized_grade(store, calm, SUZHOU, "2026-11-01", SUZHOU_Q).veto is None
    one = discipline(store, firm, "2026-11-01", SUZHOU)
    graded = [m for m in one.measures if m.trigger.kind.startswith("grade")
              or m.trigger.record.startswith("Evaluation:")]
    assert graded and all(m.trigger.grade == "D" for m in graded)
    assert discipline(store, calm, "2026-11-01", SUZHOU).measures == ()
    batch = discipline_batch(store, SUZHOU, "2026-11-01")
    assert batch[firm] == one and calm not in batch
