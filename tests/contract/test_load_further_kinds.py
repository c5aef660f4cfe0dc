"""The further kinds of the exchange format (EXCHANGE_FORMAT.md "Further kinds": accidents,
inspections, monitoring alarms, port calls, complaints, reviews, point entries, fine
payments, objections) loaded from files into every store adapter: what a load promises
for every kind (rejects, idempotence, corrections, provenance, undo), on the embedded
store always and on Neo4j whenever NEO4J_URI is set."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from graph_model.identifiers import protect_ric
from graph_model.schema import schema
from loaders.load import load_paths
from tests.support.files import FIRM, FIRM2, FIRMS, rid, write

SECRET = "test-secret"
PLATE, VESSEL, DECISION = "苏E12345", "CN20181025637", "苏交罚〔2024〕1号"
STUDENT = rid("32050219900101123")  # a driving-school student who reviews the school
SUBJECT_FILES = {
    "enterprises.csv": FIRMS,
    "vehicles.csv": f"车牌号码,车辆类型,所属企业统一社会信用代码,所在地区划代码\n{PLATE},客车,{FIRM},320505\n",
    "vessels.csv": f"船舶识别号,船名,船舶类型,船舶所有人统一社会信用代码,船籍港区划代码\n"
                   f"{VESSEL},江海通达8,集装箱船,{FIRM},320585\n",
    "penalties.csv": f"处罚决定书文号,对象类型,对象代码,违法行为,罚款金额,处罚决定日期,处罚机关,处罚机关区划代码\n"
                     f"{DECISION},企业,{FIRM},超限运输,5000,2024-01-02,苏州市交通运输局,320500\n",
}
SZ = "苏州市交通运输局,320500"


@dataclass(frozen=True)
class Case:
    head: str
    rows: str  # two rows: the first is corrected, the second stays as it was
    corrected: str  # the first row again, one value changed
    uid: str  # the first row's record
    prop: str
    before: object
    after: object
    subject: str | None  # the uid it is about (a fine payment is about none: it PAYS)
    bad: str  # a row refused
    column: str
    reason: str


CASES = {
    "fine_payments": Case(
        "处罚决定书文号,缴款日期,缴款金额,缴款凭证号\n",
        f"{DECISION},2024-01-20,5000,R001\n{DECISION},2024-01-25,\"1,200.5\",\n",
        f"{DECISION},2024-01-20,4800,R001\n",
        f"FinePayment:{DECISION}|2024-01-20|R001", "amount", 5000, 4800, None,
        "苏交罚〔2024〕9号,2024-01-20,100,R009\n", "decision_no", "unknown Penalty"),
    "accidents": Case(
        "事故编号,对象类型,对象代码,事故日期,事故等级,死亡人数,受伤人数,责任认定,认定机关,认定机关区划代码\n",
        f"SG2024001,企业,{FIRM},2024-03-01,较大,3,5,主要责任,苏州市应急管理局,320500\n"
        f"SG2024002,车辆,{PLATE},2024-03-09,一般,0,1,次要责任,苏州市公安局交通警察支队,320500\n",
        f"SG2024001,企业,{FIRM},2024-03-01,较大,4,5,主要责任,苏州市应急管理局,320500\n",
        "Accident:SG2024001", "deaths", 3, 4, f"Enterprise:{FIRM}",
        f"SG2024003,企业,{FIRM},2024-03-02,一般,-1,0,无责任,{SZ}\n", "deaths", "whole number"),
    "inspections": Case(
        "检查编号,对象类型,对象代码,检查日期,检查类型,检查结果,缺陷数,地点,检查机关,检查机关区划代码\n",
        f"JC1,车辆,{PLATE},2024-04-01,布控拦截,合格,0,G2京沪高速苏州段,苏州市交通运输综合行政执法支队,320500\n"
        f"JC2,船舶,{VESSEL},2024-04-03,船舶安全检查,缺陷,2,太仓港,太仓海事局,320585\n",
        f"JC1,车辆,{PLATE},2024-04-01,布控拦截,违法,0,G2京沪高速苏州段,苏州市交通运输综合行政执法支队,320500\n",
        "Inspection:JC1", "result", "合格", "违法", f"Vehicle:{PLATE}",
        f"JC3,车辆,{PLATE},2024-04-05,布控拦截,通过,0,,{SZ}\n", "result", "not one of 合格"),
    "monitoring_alarms": Case(
        "告警编号,对象代码,告警类型,发生时间,处置结果,监测机关,监测机关区划代码\n",
        f"GJ1,{PLATE},超速,2024-05-01 08:15:00,已处置,{SZ}\nGJ2,{PLATE},疲劳驾驶,2024/05/02 3:15,误报,{SZ}\n",
        f"GJ1,{PLATE},超速,2024-05-01 08:15:00,转立案,{SZ}\n",
        "MonitoringAlarm:GJ1", "outcome", "已处置", "转立案", f"Vehicle:{PLATE}",
        f"GJ3,{PLATE},超速,2024-05-01 25:15:00,已处置,{SZ}\n", "occurred_at", "not a date and time"),
    "port_calls": Case(
        "船舶识别号,港口,港口区划代码,到港日期,离港日期,作业类型\n",
        f"{VESSEL},太仓港,320585,2024-06-01,,装货\n{VESSEL},太仓港,320585,2024-06-09,2024-06-10,卸货\n",
        f"{VESSEL},太仓港,320585,2024-06-01,2024-06-02,装卸\n",
        f"PortCall:Vessel:{VESSEL}|320585|2024-06-01", "operation", "装货", "装卸",
        f"Vessel:{VESSEL}",
        f"{VESSEL},太仓港,320585,2024-06-12,2024-06-11,装货\n", "departed_on", "before 到港日期"),
    "complaints": Case(
        "投诉编号,对象类型,对象代码,投诉日期,类别,核查结果,受理机关,受理机关区划代码\n",
        f"TS1,企业,{FIRM},2024-07-01,服务质量,核查中,{SZ}\nTS2,车辆,{PLATE},2024-07-02,拒载,不属实,{SZ}\n",
        f"TS1,企业,{FIRM},2024-07-01,服务质量,属实,{SZ}\n",
        "Complaint:TS1", "finding", "核查中", "属实", f"Enterprise:{FIRM}",
        f"TS3,企业,{FIRM},2024-07-03,服务质量,真,{SZ}\n", "finding", "not one of 属实"),
    "reviews": Case(
        "评价编号,对象类型,对象代码,评价人类型,评价人,指标,得分,满分,评价日期,项目,评价机关,评价机关区划代码\n",
        f"PJ1,企业,{FIRM},学员,{STUDENT},教学质量,4,5,2024-08-01,,{SZ}\n"
        f"PJ2,企业,{FIRM},建设单位,{FIRM2},履约评价,88,100,2024-08-02,S228改建工程,{SZ}\n",
        f"PJ1,企业,{FIRM},学员,{STUDENT},教学质量,4.5,5,2024-08-01,,{SZ}\n",
        "Review:PJ1", "score", 4, 4.5, f"Enterprise:{FIRM}",
        f"PJ3,企业,{FIRM},学员,{STUDENT},教学质量,6,5,2024-08-03,,{SZ}\n", "max_score", "below 得分"),
    "point_entries": Case(
        "记录编号,对象类型,对象代码,计分体系,行为代码,行为描述,分值,发生日期,有效期止,记分机关,记分机关区划代码\n",
        f"JF1,车辆,{PLATE},驾驶员记分,A01,超速,-10,2024-09-01,2025-08-31,{SZ}\n"
        f"JF2,企业,{FIRM},企业记分,B02,安全培训到位,5,2024-09-02,2025-09-01,{SZ}\n",
        f"JF1,车辆,{PLATE},驾驶员记分,A01,超速,-5,2024-09-01,2025-08-31,{SZ}\n",
        "PointEntry:JF1", "points", -10, -5, f"Vehicle:{PLATE}",
        f"JF3,车辆,{PLATE},驾驶员记分,A01,超速,-5,2024-09-01,2024-08-31,{SZ}\n", "valid_to",
        "before 发生日期"),
    "objections": Case(
        "异议编号,对象类型,对象代码,异议记录,提出日期,异议理由,处理状态,办结日期,处理机关,处理机关区划代码\n",
        f"YY1,企业,{FIRM},{DECISION},2024-10-01,罚款已缴纳,受理,,{SZ}\n"
        f"YY2,车辆,{PLATE},JF1,2024-10-02,非本人驾驶,核查中,,{SZ}\n",
        f"YY1,企业,{FIRM},{DECISION},2024-10-01,罚款已缴纳,维持,2024-10-20,{SZ}\n",
        "Objection:YY1", "status", "受理", "维持", f"Enterprise:{FIRM}",
        f"YY3,企业,{FIRM},{DECISION},2024-10-05,,维持,2024-10-01,{SZ}\n", "closed_on",
        "before 提出日期"),
}
KINDS = list(CASES)


@pytest.fixture
def loaded(store, tmp_path):
    """The store with the subjects and the penalty the records name."""
    folder = tmp_path / "subjects"
    for name, text in SUBJECT_FILES.items():
        write(folder, name, text)
    assert sum(s.rows_rejected for s in load_paths(store, [folder], SECRET)) == 0
    return store


def record(store, uid: str):
    return store.get_nodes([uid]).get(uid)


def test_the_cases_cover_every_further_kind():
    from loaders.kinds import kinds

    further = list(kinds())[list(kinds()).index("commitments") + 1:]
    # jurisdictions give agencies their reach (Agency nodes, no records about a subject):
    # tests/unit/test_loaders_rules.py loads them
    # reminders and credit reports are creditkb's own (tests/unit/test_rules_reminders.py
    # and tests/unit/test_reports.py write them)
    assert sorted(further) == sorted([*KINDS, "jurisdictions", "reminders", "credit_reports"])


@pytest.mark.parametrize("kind", KINDS)
def test_a_file_of_each_kind_loads_as_records_about_its_subject(loaded, tmp_path, kind):
    case = CASES[kind]
    store = loaded
    [s] = load_paths(store, [write(tmp_path, f"{kind}.csv", case.head + case.rows)], SECRET)
    assert (s.kind, s.rows_read, s.rows_loaded, s.rows_rejected) == (kind, 2, 2, 0)
    label = schema().label(case.uid.partition(":")[0])
    assert store.count_nodes(label.name) == 2
    rec = record(store, case.uid)
    assert rec.props[case.prop] == case.before
    assert [x.split("#")[1] for x in rec.props["_sources"]] == ["2"]
    if case.subject:
        assert rec.props["subject_uid"] == case.subject
        about = store.records_about([case.subject], [label.name])[case.subject]
        assert case.uid in [n.uid for n in about]
        # records stay out of the traversal graph
        assert all(e.type in schema().graph_rel_types() for e in store.neighbours([case.subject]).edges)
    else:
        assert store.count_edges("PAYS") == 2
    issued = label.name in schema().rel("ISSUED_BY").from_labels
    assert store.count_edges("ISSUED_BY") >= 1 + 2 * issued  # the penalty's, and each record's


@pytest.mark.parametrize("kind", KINDS)
def test_reloading_changes_nothing_a_correction_updates_and_undo_takes_each_back(
        loaded, tmp_path, kind):
    case = CASES[kind]
    store = loaded
    label = case.uid.partition(":")[0]
    first = write(tmp_path, f"{kind}.csv", case.head + case.rows)
    [one] = load_paths(store, [first], SECRET)
    other_uid = next(n.uid for n in store.iter_nodes(label) if n.uid != case.uid)
    state = (store.count_nodes(), store.count_edges(), record(store, case.uid).props,
             record(store, other_uid).props)
    [again] = load_paths(store, [first], SECRET)
    assert again.skipped and "already loaded" in again.skipped
    assert (store.count_nodes(), store.count_edges(), record(store, case.uid).props,
            record(store, other_uid).props) == state
    [fix] = load_paths(store, [write(tmp_path, f"{kind}-fix.csv", case.head + case.corrected)],
                       SECRET)
    fixed = record(store, case.uid)
    assert fixed.props[case.prop] == case.after
    assert sorted(x.split("#")[0] for x in fixed.props["_sources"]) == sorted([one.load_id,
                                                                               fix.load_id])
    assert record(store, other_uid).props == state[3]  # what the correction does not name
    assert store.count_nodes(label) == 2
    store.undo_load(fix.load_id)
    assert record(store, case.uid).props == state[2]
    store.undo_load(one.load_id)
    assert store.count_nodes(label) == 0
    assert (store.count_nodes("Enterprise"), store.count_nodes("Penalty")) == (2, 1)


@pytest.mark.parametrize("kind", KINDS)
def test_a_bad_row_is_reported_with_file_row_column_value_and_reason(loaded, tmp_path, kind):
    case = CASES[kind]
    store = loaded
    path = write(tmp_path, f"{kind}.csv", case.head + case.rows + case.bad)
    [s] = load_paths(store, [path], SECRET, max_bad_fraction=0.5)
    assert (s.rows_loaded, s.rows_rejected) == (2, 1)
    [reject] = s.rejects.to_dict("records")
    assert (reject["file"], reject["row"], reject["column"]) == (str(path), 4, case.column)
    assert case.reason in reject["reason"], reject
    assert store.count_nodes(case.uid.partition(":")[0]) == 2


def test_a_reviewer_who_is_a_person_is_kept_as_a_keyed_hash_only(loaded, tmp_path):
    store = loaded
    case = CASES["reviews"]
    mistyped = STUDENT[:-1] + ("0" if STUDENT[-1] != "0" else "1")
    digits = "913202141358742660"  # a firm's USCC of digits only: the form of an ID number
    path = write(tmp_path, "reviews.csv", case.head + case.rows
                 + f"PJ8,企业,{FIRM},建设单位,{digits},履约评价,90,100,2024-08-03,,{SZ}\n"
                 + f"PJ9,企业,{FIRM},学员,{mistyped},教学质量,3,5,2024-08-03,,{SZ}\n")
    [s] = load_paths(store, [path], SECRET, max_bad_fraction=0.5)
    [reject] = s.rejects.to_dict("records")
    assert (reject["row"], reject["column"]) == (5, "evaluator") and mistyped not in str(reject)
    assert "neither a valid USCC nor a valid resident ID number" in reject["reason"]
    assert record(store, "Review:PJ8").props["evaluator_id"] == digits
    student, firm = record(store, "Review:PJ1").props, record(store, "Review:PJ2").props
    assert student["evaluator_hash"] == protect_ric(STUDENT, SECRET)[0]
    assert student["evaluator_masked"] == STUDENT[:6] + "********" + STUDENT[-4:]
    assert "evaluator_id" not in student and STUDENT not in repr(student)
    assert firm["evaluator_id"] == FIRM2 and "evaluator_hash" not in firm
    if hasattr(store, "db_path"):  # the embedded store's files hold no clear number
        for f in Path(store.db_path).parent.iterdir():
            if f.is_file():
                assert STUDENT.encode() not in f.read_bytes(), f


def test_an_alarm_is_about_a_vehicle_only(loaded, tmp_path):
    head = "告警编号,对象类型,对象代码,告警类型,发生时间,处置结果\n"
    path = write(tmp_path, "alarms.csv", head + f"GJ1,车辆,{PLATE},超速,2024-05-01 08:15:00,已处置\n"
                                                f"GJ2,企业,{FIRM},超速,2024-05-01 08:16:00,已处置\n")
    [s] = load_paths(loaded, [path], SECRET, max_bad_fraction=0.5)
    [reject] = s.rejects.to_dict("records")
    assert reject["row"] == 3 and "about a 车辆 (vehicle) only" in reject["reason"]
    assert loaded.count_nodes("MonitoringAlarm") == 1


def test_a_number_repeated_with_other_content_is_rejected_naming_the_row_kept(loaded, tmp_path):
    case = CASES["accidents"]
    first = case.rows.splitlines()[0]
    path = write(tmp_path, "accidents.csv", case.head + case.rows + first + "\n"
                 + first.replace(",3,5,", ",5,5,") + "\n")
    [s] = load_paths(loaded, [path], SECRET, max_bad_fraction=0.5)
    kinds = {f.kind: f for f in s.findings}
    assert kinds["duplicate_rows"].rows == (2, 4)
    assert kinds["conflicting_number"].rows == (5,)
    [reject] = s.rejects.to_dict("records")
    assert reject["column"] == "accident_no" and "in row 2, which was kept" in reject["reason"]
    assert record(loaded, "Accident:SG2024001").props["deaths"] == 3
