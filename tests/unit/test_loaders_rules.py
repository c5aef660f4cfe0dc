"""What a load checks for the credit rules (issue 13): repairs before the minimum publication
period or of the wrong mode (rule 17), the ``jurisdictions`` kind (rule 19), and the home
region penalties carry (rule 18)."""

from __future__ import annotations

import pytest

from graph_model.store.embedded.store import EmbeddedStore
from loaders.load import Checks, load_paths
from loaders.write import RowsRefused, write_rows
from queries.rules.jurisdiction import NATIONAL, jurisdictions
from queries.rules.repair import penalty_state, row_rules
from tests.support.files import FIRM, FIRM2, FIRMS, write

SECRET = "test-secret"
PENALTIES = (
    "处罚决定书文号,对象类型,对象代码,违法行为,处罚决定日期,处罚机关,处罚机关区划代码,失信程度\n"
    f"苏交罚1号,企业,{FIRM},车辆超载,2024-01-02,苏州市交通运输局,320500,一般\n"
    f"锡交罚2号,企业,{FIRM},未按规定配备船员,2024-01-02,无锡市交通运输局,320200,一般\n")
REPAIRS = (
    "处罚决定书文号,修复方式,修复日期,整改证明\n"
    "苏交罚1号,承诺,2024-03-01,\n"         # row 2: inside the three months
    "锡交罚2号,承诺,2024-06-01,\n"         # row 3: a lasting state, by commitment
    "锡交罚2号,闭环,2024-06-02,\n"         # row 4: a closed loop without evidence
    "苏交罚1号,承诺,2024-06-01,\n"         # row 5: as the rules say
    "锡交罚2号,闭环,2024-06-03,船员配备证明\n")  # row 6: as the rules say


@pytest.fixture
def store(tmp_path):
    s = EmbeddedStore(str(tmp_path / "store"))
    load_paths(s, [write(tmp_path, "f.csv", FIRMS)], SECRET)
    load_paths(s, [write(tmp_path, "p.csv", PENALTIES)], SECRET)
    yield s
    s.close()


def test_a_repair_breaking_the_window_or_the_mode_is_rejected_naming_why(tmp_path, store, english):
    """#2: a repair only after the minimum publication period; #12 "违法状态继续、需要采取积极
    行为改正违法行为的，要求以'闭环模式'纠正"."""
    [s] = load_paths(store, [write(tmp_path, "r.csv", REPAIRS)], SECRET, max_bad_fraction=1,
                     checks=Checks(row_rules()))
    assert (s.rows_loaded, s.rows_rejected) == (2, 3)
    got = [(r.row, r.column) for r in s.rejects.itertuples()]
    assert got == [(2, "repaired_on"), (3, "evidence"), (3, "mode"), (4, "evidence")]
    reasons = dict(zip(got, s.rejects["reason"]))
    assert "minimum publication period (2024-04-02" in reasons[(2, "repaired_on")]
    assert "未按规定配备船员 calls for a closed-loop repair" in reasons[(3, "mode")]
    assert reasons[(4, "evidence")].startswith("a closed-loop repair (闭环) needs its rectification evidence")
    assert store.count_nodes("Repair") == 2
    assert penalty_state(store, "锡交罚2号", "2024-06-03").repair.evidence == "船员配备证明"


def test_kept_leniently_a_breaking_repair_is_a_finding_and_never_counts(tmp_path, store, english):
    [s] = load_paths(store, [write(tmp_path, "r.csv", REPAIRS)], SECRET,
                     checks=Checks(row_rules(), lenient=True))
    assert (s.rows_loaded, s.rows_rejected) == (5, 0)
    [finding] = s.findings
    assert (finding.kind, finding.rows) == ("rule_broken", (2, 3, 4))
    early = penalty_state(store, "苏交罚1号", "2024-05-01")
    assert (early.state, early.repair) == ("repairable", None)  # the early repair: refused
    assert "minimum publication period" in early.refused[0].reasons[0]
    assert penalty_state(store, "苏交罚1号", "2024-06-01").state == "repaired"


def test_with_the_rules_a_repairs_penalties_are_read_once_for_every_check(tmp_path, store, english,
                                                                          monkeypatch):
    """The dangling check, the revoked-penalty finding and the repair rules read a chunk's
    penalties once between them (loaders.reads), and still each say what they said."""
    revoked = ("处罚决定书文号,对象类型,对象代码,违法行为,处罚决定日期,处罚机关,处罚机关区划代码,状态\n"
               f"苏交罚3号,企业,{FIRM},车辆超载,2023-01-02,苏州市交通运输局,320500,撤销\n")
    load_paths(store, [write(tmp_path, "p2.csv", revoked)], SECRET)
    asked = []
    for name in ("existing", "node_props", "find_nodes"):
        def spy(*args, _real=getattr(store, name), _name=name, **kw):
            uids = list(args[0]) if _name != "find_nodes" else args
            asked.append((_name, [u for u in uids if str(u).startswith("Penalty:")]))
            return _real(uids, *args[1:], **kw) if _name != "find_nodes" else _real(*args, **kw)
        monkeypatch.setattr(store, name, spy)
    repairs = REPAIRS + "苏交罚3号,承诺,2024-06-01,\n" + "苏交罚9号,承诺,2024-06-01,\n"
    [s] = load_paths(store, [write(tmp_path, "r.csv", repairs)], SECRET, max_bad_fraction=1,
                     checks=Checks(row_rules()))
    got = [(r.row, r.column) for r in s.rejects.itertuples()]
    assert got == [(2, "repaired_on"), (3, "evidence"), (3, "mode"), (4, "evidence"),
                   (8, "decision_no")]
    assert "unknown Penalty" in s.rejects.iloc[-1]["reason"]
    assert [(f.kind, f.rows) for f in s.findings] == [("unknown_subject", (8,)),
                                                      ("revoked_referenced", (7,))]
    assert (s.rows_loaded, s.rows_rejected) == (3, 4)
    penalty_reads = [(name, uids) for name, uids in asked if uids]
    assert penalty_reads == [("node_props", ["Penalty:苏交罚1号", "Penalty:苏交罚3号",
                                             "Penalty:苏交罚9号", "Penalty:锡交罚2号"])]


def test_a_written_repair_is_checked_like_a_loaded_one(store, english):
    row = {"decision_no": "苏交罚1号", "mode": "承诺", "repaired_on": "2024-03-01",
           "agency": "苏州市交通运输局", "agency_region": "320500"}
    with pytest.raises(RowsRefused, match="repaired_on: before the end of the minimum"):
        write_rows(store, SECRET, "repairs", [row], agency="苏州市交通运输局", source="test",
                   rules=row_rules())
    [repair] = write_rows(store, SECRET, "repairs", [{**row, "repaired_on": "2024-04-02"}],
                          agency="苏州市交通运输局", source="test", rules=row_rules())
    assert repair.props["repaired_on"] == "2024-04-02"


def test_penalties_carry_their_subjects_home_region(store):
    home = store.get_nodes(["Penalty:锡交罚2号"])["Penalty:锡交罚2号"].props
    assert (home["agency_region"], home["subject_region"]) == ("320200", "320505")


JURISDICTIONS = (
    "机关名称,机关代码,层级,管辖区划代码,生效日期\n"
    "交通运输部,100000,全国,100000,2019-01-01\n"
    "长江航务管理局,CJHY,流域,310000;320000;420000,2023-12-01\n"
    "长江海事局,CJMSA,流域,320000;999999,2023-12-01\n"   # row 4: not a region
    "某局,X1,国家级,320000,\n")                          # row 5: not a level


def test_jurisdictions_go_onto_the_agencies_they_name(tmp_path, store):
    """EXCHANGE_FORMAT.md jurisdictions (#8, #19): national agencies (100000) bind everywhere,
    a basin authority in the regions it lists."""
    [s] = load_paths(store, [write(tmp_path, "j.csv", JURISDICTIONS)], SECRET, max_bad_fraction=1)
    assert s.kind == "jurisdictions" and (s.rows_loaded, s.rows_rejected) == (2, 2)
    assert [(r.row, r.column) for r in s.rejects.itertuples()] == [(4, "regions"), (5, "level")]
    cja = store.get_nodes(["Agency:CJHY|长江航务管理局"])["Agency:CJHY|长江航务管理局"].props
    assert (cja["level"], cja["regions"], cja["effective_from"]) == (
        "流域", ["310000", "320000", "420000"], "2023-12-01")
    jur = jurisdictions(store)
    assert jur.of("长江航务管理局").binds("320506") and not jur.of("长江航务管理局").binds("330100")
    assert jur.of("交通运输部").regions == (NATIONAL,) and jur.of("交通运输部").binds("650100")
    # 100000 stands for the nation in a jurisdiction only, never as a record's region
    bad = PENALTIES.splitlines()[0] + f"\n部罚1号,企业,{FIRM2},超载,2024-01-02,交通运输部,100000,一般\n"
    [p] = load_paths(store, [write(tmp_path, "p2.csv", bad)], SECRET, max_bad_fraction=1)
    assert list(p.rejects["column"]) == ["agency_region"]
