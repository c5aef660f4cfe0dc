"""Loading what agencies really send: formats, profiles, corrections, provenance, entity
resolution, data-quality findings and bad input."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import openpyxl
import pandas as pd
import pytest

from graph_model.store.embedded.store import EmbeddedStore
from loaders.errors import LoadError
from loaders.load import ensure_regions, load_paths
from loaders.write import RowsRefused, amend_records, write_rows
from tests.support.files import code, rid

SECRET = "test-secret"


FIRM_A, FIRM_B, FIRM_C = code("91320505MA1MQ7X08"), code("91320211MA1Y4E9K0"), code("91320412MA1P5L2U4")
REP = rid("32050520010101123")
FIRMS = (
    "统一社会信用代码,企业名称,注册地区划代码,法定代表人姓名,法定代表人身份证号,联系电话\n"
    f"{FIRM_A},苏州甲运输有限公司,320505,张三,{REP},0512-6528 1234\n"
    f"{FIRM_B},无锡乙物流有限责任公司,320211,,,\n"
    f"{FIRM_C},常州乙物流有限公司,320412,,,\n"
)
PENALTY_HEAD = "处罚决定书文号,对象类型,对象代码,违法行为,处罚决定日期,处罚机关,处罚机关区划代码,失信程度,状态\n"


@pytest.fixture
def store(tmp_path):
    s = EmbeddedStore(str(tmp_path / "store"))
    yield s
    s.close()


def write(tmp_path, name, text, encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def firm(store, code_):
    return store.get_nodes([f"Enterprise:{code_}"])[f"Enterprise:{code_}"]


# -- formats -------------------------------------------------------------------------

def test_utf8_bom_and_gb18030_files_give_the_same_graph(tmp_path, store):
    load_paths(store, [write(tmp_path, "a.csv", "\ufeff" + FIRMS)], SECRET)
    other = EmbeddedStore(str(tmp_path / "other"))
    load_paths(other, [write(tmp_path, "b.csv", FIRMS, "gb18030")], SECRET)
    assert firm(store, FIRM_A).props["name"] == firm(other, FIRM_A).props["name"] == "苏州甲运输有限公司"
    assert (store.count_nodes(), store.count_edges()) == (other.count_nodes(), other.count_edges())


def test_excel_file_with_excel_dates_loads(tmp_path, store):
    load_paths(store, [write(tmp_path, "f.csv", FIRMS)], SECRET)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(PENALTY_HEAD.strip().split(","))
    ws.append(["苏交罚〔2024〕1号", "企业", FIRM_A, "超载", pd.Timestamp("2024-03-05").to_pydatetime(),
               "苏州市交通运输局", 320500, "一般", "有效"])
    wb.save(tmp_path / "p.xlsx")
    [s] = load_paths(store, [tmp_path / "p.xlsx"], SECRET)
    assert s.kind == "penalties" and s.rows_loaded == 1
    penalty = store.get_nodes(["Penalty:苏交罚〔2024〕1号"])["Penalty:苏交罚〔2024〕1号"]
    assert penalty.props["decision_date"] == "2024-03-05" and penalty.props["agency_region"] == "320500"


def test_excel_with_several_sheets_or_an_uncomputed_formula_is_refused(tmp_path, store):
    wb = openpyxl.Workbook()
    wb.active.append(["统一社会信用代码", "企业名称", "注册地区划代码"])
    wb.active.append([FIRM_A, "甲", "320505"])
    other = wb.create_sheet("2024")
    other.append(["统一社会信用代码", "企业名称", "注册地区划代码"])
    other.append([FIRM_B, "乙", "320211"])
    wb.save(tmp_path / "two.xlsx")
    with pytest.raises(LoadError, match="2 sheets with data"):
        load_paths(store, [tmp_path / "two.xlsx"], SECRET)
    wb = openpyxl.Workbook()
    wb.active.append(["统一社会信用代码", "企业名称", "注册地区划代码"])
    wb.active.append([FIRM_A, "=CONCATENATE(\"苏州\",\"甲\")", "320505"])
    wb.save(tmp_path / "formula.xlsx")  # openpyxl stores formulas without computed values
    with pytest.raises(LoadError, match="cell B2 .* formula"):
        load_paths(store, [tmp_path / "formula.xlsx"], SECRET)
    assert store.count_nodes("Enterprise") == 0


@pytest.mark.parametrize("content, message", [
    (b"", "the file is empty"),
    ("统一社会信用代码,企业名称,注册地区划代码\n".encode(), "header but no data rows"),
    (b"\xff\xfe\x00\x81\x30" * 50, "neither UTF-8 nor GB18030"),
])
def test_unreadable_files_are_refused_with_a_clear_message(tmp_path, store, content, message):
    p = tmp_path / "bad.csv"
    p.write_bytes(content)
    with pytest.raises(LoadError, match=message) as err:
        load_paths(store, [p], SECRET, kind="enterprises")
    assert str(p) in str(err.value)


def test_a_files_load_id_is_the_digest_of_its_bytes_and_kind_whatever_its_format(tmp_path):
    """plan() has each file digested (in a thread): the same id as reading the file
    again, so a file loaded before is still known."""
    import hashlib

    from loaders.load import plan

    wb = openpyxl.Workbook()
    wb.active.append(PENALTY_HEAD.strip().split(","))
    wb.active.append(["苏交罚〔2024〕1号", "企业", FIRM_A, "超载", "2024-03-05", "苏州市交通运输局",
                      "320500", "一般", "有效"])
    wb.save(tmp_path / "p.xlsx")
    paths = [write(tmp_path, "a.csv", "\ufeff" + FIRMS), write(tmp_path, "b.csv", FIRMS, "gb18030"),
             tmp_path / "p.xlsx"]
    planned = plan(paths)
    assert [(p.path.name, p.kind) for p in planned] == [
        ("a.csv", "enterprises"), ("b.csv", "enterprises"), ("p.xlsx", "penalties")]
    assert [p.load_id for p in planned] == [
        hashlib.sha256(p.kind.encode() + p.path.read_bytes()).hexdigest()[:16] for p in planned]
    assert len({p.load_id for p in planned}) == 3
    with pytest.raises(LoadError, match="cannot tell which kind") as err:
        plan([paths[0], write(tmp_path, "c.csv", "甲,乙\n1,2\n")])
    assert "c.csv" in str(err.value)


ONE_PENALTY = f"苏交罚〔2024〕1号,企业,{FIRM_A},超载,2024-03-05,苏州市交通运输局,320500,一般,有效\n"


def test_the_plan_does_not_wait_for_the_digests_which_come_in_load_order(tmp_path, monkeypatch):
    """The load ids are taken in a thread while the files before them load: plan() returns
    with every file read and checked, its digests still to come, the first file's first."""
    import threading

    import loaders.load as load_module

    go, order = threading.Event(), []
    real = load_module.load_id_of

    def slow(path, kind):
        assert go.wait(10)
        order.append(path.name)
        return real(path, kind)

    monkeypatch.setattr(load_module, "load_id_of", slow)
    penalties = write(tmp_path, "a.csv", PENALTY_HEAD + ONE_PENALTY)
    firms = write(tmp_path, "b.csv", FIRMS)
    planned = load_module.plan([penalties, firms])
    assert [p.path.name for p in planned] == ["b.csv", "a.csv"]
    assert not any(p.digest.done() for p in planned)
    go.set()
    assert [p.load_id for p in planned] == [real(firms, "enterprises"), real(penalties, "penalties")]
    assert order == ["b.csv", "a.csv"]


def test_a_file_gone_before_its_turn_is_refused_naming_it_after_the_files_before_it(tmp_path, store,
                                                                                    monkeypatch):
    import threading

    import loaders.load as load_module

    firms = write(tmp_path, "b.csv", FIRMS)
    penalties = write(tmp_path, "a.csv", PENALTY_HEAD + ONE_PENALTY)
    go, real = threading.Event(), load_module.load_id_of

    def after_the_plan(path, kind):  # the penalties' digest waits until the file is gone
        if path == penalties:
            assert go.wait(10)
        return real(path, kind)

    monkeypatch.setattr(load_module, "load_id_of", after_the_plan)
    real_plan = load_module.plan

    def plan_then_delete(*args, **kwargs):
        planned = real_plan(*args, **kwargs)
        penalties.unlink()
        go.set()
        return planned

    monkeypatch.setattr(load_module, "plan", plan_then_delete)
    done = []
    with pytest.raises(LoadError, match="cannot be read again") as err:
        load_paths(store, [firms, penalties], SECRET, on_file=done.append)
    assert str(penalties) in str(err.value)
    assert [s.kind for s in done] == ["enterprises"] and store.count_nodes("Enterprise") > 0


def test_a_profile_maps_an_agency_layout_without_code(tmp_path, store):
    load_paths(store, [write(tmp_path, "f.csv", FIRMS)], SECRET)
    wuxi = ("案件编号,当事人类型,当事人证件号码,当事人名称,案由,处罚种类,罚没金额（元）,决定日期,执法机构,执法机构区划,信用影响,案件状态\n"
            f"锡交执罚〔2025〕8号,企业,{FIRM_B},,超限运输,罚款,\"5,000\",2025/04/01,无锡市交通运输综合行政执法支队,320200,一般,有效\n")
    [s] = load_paths(store, [write(tmp_path, "wuxi.csv", wuxi)], SECRET)
    assert s.profile == "无锡交通执法案件导出" and s.kind == "penalties" and s.rows_loaded == 1
    p = store.get_nodes(["Penalty:锡交执罚〔2025〕8号"])["Penalty:锡交执罚〔2025〕8号"]
    assert p.props["fine"] == 5000 and p.props["decision_date"] == "2025-04-01"
    assert [x.agency for x in store.loads()][-1] == "无锡市交通运输综合行政执法支队"



def test_a_profile_naming_a_header_twice_is_refused(tmp_path, store):
    """Plain YAML would keep the second mapping of 案件编号 and load every row wrongly."""
    profile = tmp_path / "p.yaml"
    profile.write_text("kind: penalties\ncolumns:\n  案件编号: decision_no\n  案由: violation\n"
                       "  案件编号: violation\n", encoding="utf-8")
    with pytest.raises(LoadError, match=r"key '案件编号' is given twice \(lines 3 and 5\)"):
        load_paths(store, [write(tmp_path, "x.csv", FIRMS)], SECRET, profile=str(profile))


def test_rows_written_by_hand_are_checked_and_loaded_like_a_file(tmp_path, store):
    load_paths(store, [write(tmp_path, "f.csv", FIRMS)], SECRET)
    row = {"list_kind": "重点关注", "subject_kind": "企业", "subject_id": FIRM_A,
           "listed_on": "2025-03-01", "agency": "苏州市交通运输局", "agency_region": "320500"}
    [entry] = write_rows(store, SECRET, "list_entries", [row], agency="苏州市交通运输局",
                         source="graphql:addListEntry")
    assert entry.label == "ListEntry" and entry.props["subject_uid"] == f"Enterprise:{FIRM_A}"
    added = store.loads()[-1]
    assert (added.file, added.agency, added.rows_loaded) == (
        "graphql:addListEntry", "苏州市交通运输局", 1)
    with pytest.raises(RowsRefused, match="list_kind: not one of 重点监管"):
        write_rows(store, SECRET, "list_entries", [{**row, "list_kind": "黑名单"}],
                   agency=None, source="graphql:addListEntry")
    with pytest.raises(RowsRefused, match="removed_on"):
        amend_records(store, "list_entries", [entry.key], {"removed_on": "2025-02-30"},
                      agency=None, source="graphql:removeListEntry")
    [ended] = amend_records(store, "list_entries", [entry.key], {"removed_on": "2025-06-01"},
                            agency="苏州市交通运输局", source="graphql:removeListEntry")
    assert ended.props["removed_on"] == "2025-06-01" and ended.props["listed_on"] == "2025-03-01"
    store.undo_load(store.loads()[-1].load_id)
    assert "removed_on" not in store.get_nodes([entry.uid])[entry.uid].props

# -- idempotence, corrections, provenance --------------------------------------------

def test_a_corrected_file_updates_exactly_what_it_names(tmp_path, store):
    load_paths(store, [write(tmp_path, "f.csv", FIRMS)], SECRET)
    before_b = firm(store, FIRM_B).props
    fixed = ("统一社会信用代码,企业名称,注册地区划代码,联系电话\n"
             f"{FIRM_A},苏州甲运输有限公司,320505,0512-00000000\n")
    load_paths(store, [write(tmp_path, "fix.csv", fixed)], SECRET)
    assert firm(store, FIRM_A).props["phone"] == "0512-00000000"
    assert firm(store, FIRM_A).props["name"] == "苏州甲运输有限公司"
    after_b = dict(firm(store, FIRM_B).props)
    assert after_b == dict(before_b)


def test_one_subject_from_three_agencies_is_one_node_with_three_sources(tmp_path, store):
    for i, agency in enumerate(["苏州", "无锡", "常州"]):
        text = f"统一社会信用代码,企业名称,注册地区划代码\n{FIRM_A},苏州甲运输有限公司,320505\n" + "\n" * i
        load_paths(store, [write(tmp_path, f"{i}.csv", text)], SECRET, agency=agency)
    assert store.count_nodes("Enterprise") == 1
    sources = firm(store, FIRM_A).props["_sources"]
    loads = {x.load_id: x for x in store.loads()}
    assert len(sources) == 3
    assert sorted(loads[s.split("#")[0]].agency for s in sources) == ["常州", "无锡", "苏州"]
    assert all(s.endswith("#2") for s in sources)


def test_undo_of_a_load_restores_the_store(tmp_path, store):
    [first] = load_paths(store, [write(tmp_path, "f.csv", FIRMS)], SECRET)
    before = store.count_nodes(), store.count_edges(), dict(firm(store, FIRM_A).props)
    text = PENALTY_HEAD + f"苏交罚〔2024〕1号,企业,{FIRM_A},超载,2024-01-02,苏州市交通运输局,320500,一般,有效\n"
    [pen] = load_paths(store, [write(tmp_path, "p.csv", text)], SECRET)
    assert store.count_nodes("Penalty") == 1
    store.undo_load(pen.load_id)
    assert (store.count_nodes(), store.count_edges(), dict(firm(store, FIRM_A).props)) == before
    [again] = load_paths(store, [tmp_path / "p.csv"], SECRET)  # undone: may be loaded anew
    assert again.skipped is None and store.count_nodes("Penalty") == 1


# -- entity resolution ---------------------------------------------------------------

def test_a_firm_named_without_its_code_is_linked_when_the_match_is_unique(tmp_path, store):
    load_paths(store, [write(tmp_path, "f.csv", FIRMS)], SECRET)
    vehicles = ("车牌号码,所属企业名称,所在地区划代码\n"
                "苏E11111,苏州甲运输有限责任公司,320505\n"     # a company-form variant
                "苏E22222,苏州 甲运输有限公司,320505\n"        # a stray space
                "苏E33333,苏州丙运输有限公司,320505\n")        # nobody
    [s] = load_paths(store, [write(tmp_path, "v.csv", vehicles)], SECRET, max_bad_fraction=1)
    owned = store.neighbours([f"Enterprise:{FIRM_A}"], rel_types=["OWNS"]).edges
    assert sorted(e.dst for e in owned) == ["Vehicle:苏E11111", "Vehicle:苏E22222"]
    [reject] = s.rejects.to_dict("records")
    assert reject["row"] == 4 and reject["column"] == "owner_name"
    assert "no enterprise with this name" in reject["reason"]


def test_an_ambiguous_name_is_reported_not_guessed(tmp_path, store):
    twins = ("统一社会信用代码,企业名称,注册地区划代码\n"
             f"{FIRM_B},江南乙物流有限公司,320211\n{FIRM_C},江南乙物流有限责任公司,320412\n")
    load_paths(store, [write(tmp_path, "f.csv", twins)], SECRET)
    text = ("处罚决定书文号,对象类型,对象名称,违法行为,处罚决定日期,处罚机关,处罚机关区划代码\n"
            "苏交罚〔2024〕9号,企业,江南乙物流有限公司,超载,2024-01-02,苏州市交通运输局,320500\n")
    [s] = load_paths(store, [write(tmp_path, "p.csv", text)], SECRET, max_bad_fraction=1)
    assert s.rows_loaded == 0
    assert "2 enterprises have this name" in s.rejects.iloc[0]["reason"]
    assert FIRM_B in s.rejects.iloc[0]["reason"] and FIRM_C in s.rejects.iloc[0]["reason"]


def test_legal_representative_becomes_a_person_linked_to_the_firm(tmp_path, store):
    load_paths(store, [write(tmp_path, "f.csv", FIRMS)], SECRET)
    [edge] = store.neighbours([f"Enterprise:{FIRM_A}"], rel_types=["LEGAL_REPRESENTATIVE_OF"]).edges
    person = store.get_nodes([edge.src])[edge.src]
    assert person.props["name"] == "张三" and REP not in repr(person)


# -- data quality (DOMAIN.md rule 12) -------------------------------------------------

def test_a_contradicting_decision_number_is_rejected_and_exact_duplicates_loaded_once(tmp_path, store):
    load_paths(store, [write(tmp_path, "f.csv", FIRMS)], SECRET)
    text = PENALTY_HEAD + (
        f"苏交罚〔2024〕1号,企业,{FIRM_A},超载,2024-01-02,苏州市交通运输局,320500,一般,有效\n"
        f"苏交罚〔2024〕1号,企业,{FIRM_A},超载,2024-01-02,苏州市交通运输局,320500,一般,有效\n"
        f"苏交罚〔2024〕2号,企业,{FIRM_A},超载,2024-01-02,苏州市交通运输局,320500,一般,有效\n"
        f"苏交罚〔2024〕2号,企业,{FIRM_B},超速,2024-02-02,苏州市交通运输局,320500,一般,有效\n")
    [s] = load_paths(store, [write(tmp_path, "p.csv", text)], SECRET, max_bad_fraction=1)
    # The first row of a decision number is kept; a later one that contradicts it is not.
    assert store.count_nodes("Penalty") == 2
    stored = store.get_nodes(["Penalty:苏交罚〔2024〕2号"])["Penalty:苏交罚〔2024〕2号"]
    assert stored.props["subject_uid"] == f"Enterprise:{FIRM_A}"
    kinds = {f.kind: f for f in s.findings}
    assert kinds["duplicate_rows"].rows == (2, 3)
    assert kinds["conflicting_decision_no"].rows == (5,)
    assert list(s.rejects["row"]) == [5] and "in row 4, which was kept" in s.rejects.iloc[0]["reason"]


def test_revoked_penalty_still_repaired_and_unknown_subjects_are_findings(tmp_path, store):
    load_paths(store, [write(tmp_path, "f.csv", FIRMS)], SECRET)
    text = PENALTY_HEAD + (
        f"苏交罚〔2024〕1号,企业,{FIRM_A},超载,2024-01-02,苏州市交通运输局,320500,一般,有效\n"
        f"苏交罚〔2024〕3号,企业,{code('91320505MA1MQ7X99')},超载,2024-01-02,苏州市交通运输局,320500,一般,有效\n")
    [s] = load_paths(store, [write(tmp_path, "p.csv", text)], SECRET, max_bad_fraction=1)
    assert [f.kind for f in s.findings] == ["unknown_subject"] and s.findings[0].rows == (3,)
    repairs = "处罚决定书文号,修复方式,修复日期\n苏交罚〔2024〕1号,承诺,2024-06-01\n"
    load_paths(store, [write(tmp_path, "r.csv", repairs)], SECRET)
    revoke = PENALTY_HEAD + f"苏交罚〔2024〕1号,企业,{FIRM_A},超载,2024-01-02,苏州市交通运输局,320500,一般,撤销\n"
    [s] = load_paths(store, [write(tmp_path, "p2.csv", revoke)], SECRET)
    assert [f.kind for f in s.findings] == ["revoked_referenced"]
    assert store.get_nodes(["Penalty:苏交罚〔2024〕1号"])["Penalty:苏交罚〔2024〕1号"].props["status"] == "撤销"


def penalty_row(no, firm=FIRM_A, violation="超载", day="2024-01-02", status="有效", kind="企业"):
    return f"{no},{kind},{firm},{violation},{day},苏州市交通运输局,320500,一般,{status}\n"


@pytest.mark.parametrize("chunk_rows,first_piece", [(2, 20_000), (5, 1)],
                         ids=["chunks-of-2", "first-chunk-cut"])
def test_decision_numbers_are_compared_within_and_across_chunks(tmp_path, store, monkeypatch,
                                                                 chunk_rows, first_piece):
    import loaders.load
    import loaders.read

    monkeypatch.setattr(loaders.read, "CHUNK_ROWS", chunk_rows)
    monkeypatch.setattr(loaders.load, "FIRST_PIECE", first_piece)  # 5 rows: 1 + 4
    load_paths(store, [write(tmp_path, "f.csv", FIRMS)], SECRET)
    rows = [("1号", "超载"), ("2号", "超载"),   # chunk 1
            ("1号", "超载"), ("3号", "超载"),   # chunk 2: row 4 repeats row 2
            ("3号", "超速"), ("4号", "超载"),   # chunk 3: row 6 contradicts row 5
            ("4号", "超载"), ("4号", "超速"),   # chunk 4: rows 8 and 9 repeat row 7
            ("5号", "超载"), ("5号", "超载"),   # chunk 5: row 11 repeats row 10
            ("5号", "超限"), ("6号", "超载")]   # chunk 6: row 12 contradicts row 10
    text = PENALTY_HEAD + "".join(penalty_row(f"苏交罚〔2024〕{no}", violation=v) for no, v in rows)
    [s] = load_paths(store, [write(tmp_path, "p.csv", text)], SECRET, max_bad_fraction=1)
    kinds = {f.kind: f for f in s.findings}
    assert kinds["duplicate_rows"].rows == (2, 4, 7, 8, 10, 11)
    assert kinds["duplicate_rows"].message.startswith("6 rows repeat")
    assert kinds["conflicting_decision_no"].rows == (6, 9, 12)
    assert list(s.rejects["row"]) == [6, 9, 12]
    assert [r.split(" in ")[1] for r in s.rejects["reason"]] == [
        "row 5, which was kept", "row 7, which was kept", "row 10, which was kept"]
    assert (s.rows_loaded, s.rows_rejected) == (9, 3)
    assert store.count_nodes("Penalty") == 6
    third = store.get_nodes(["Penalty:苏交罚〔2024〕3号"])["Penalty:苏交罚〔2024〕3号"]
    assert third.props["violation"] == "超载"


def test_a_stored_penalty_given_another_subject_or_date_is_a_changed_record(tmp_path, store):
    load_paths(store, [write(tmp_path, "f.csv", FIRMS)], SECRET)
    first = PENALTY_HEAD + (penalty_row("苏交罚〔2024〕1号") + penalty_row("苏交罚〔2024〕2号")
                            + penalty_row("苏交罚〔2024〕3号")
                            + penalty_row("苏交罚〔2024〕4号", firm=REP, kind="人员"))
    [s] = load_paths(store, [write(tmp_path, "p1.csv", first)], SECRET)
    assert s.findings == []
    again = PENALTY_HEAD + (penalty_row("苏交罚〔2024〕1号", firm=FIRM_B)       # another subject
                            + penalty_row("苏交罚〔2024〕2号", day="2024-03-04")  # another date
                            + penalty_row("苏交罚〔2024〕3号", violation="超限")  # same subject, date
                            + penalty_row("苏交罚〔2024〕4号", firm=REP, kind="人员", violation="超限")
                            + penalty_row("苏交罚〔2024〕5号"))                   # not stored before
    [s] = load_paths(store, [write(tmp_path, "p2.csv", again)], SECRET)
    assert [(f.kind, f.rows) for f in s.findings] == [("changed_record", (2, 3))]
    assert s.findings[0].message.startswith("2 stored penalt(y/ies)")
    moved = store.get_nodes(["Penalty:苏交罚〔2024〕1号"])["Penalty:苏交罚〔2024〕1号"]
    assert moved.props["subject_uid"] == f"Enterprise:{FIRM_B}"


def test_a_repair_of_a_revoked_penalty_is_a_finding(tmp_path, store):
    load_paths(store, [write(tmp_path, "f.csv", FIRMS)], SECRET)
    penalties = PENALTY_HEAD + (penalty_row("苏交罚〔2024〕1号", status="撤销")
                                + penalty_row("苏交罚〔2024〕2号"))
    load_paths(store, [write(tmp_path, "p.csv", penalties)], SECRET)
    repairs = ("处罚决定书文号,修复方式,修复日期\n苏交罚〔2024〕2号,承诺,2024-06-01\n"
               "苏交罚〔2024〕1号,承诺,2024-06-01\n苏交罚〔2024〕1号,闭环,2024-07-01\n")
    [s] = load_paths(store, [write(tmp_path, "r.csv", repairs)], SECRET)
    assert [(f.kind, f.rows, f.message) for f in s.findings] == [
        ("revoked_referenced", (3, 4), "2 repair(s) of a revoked penalty")]
    assert s.rows_loaded == 3


# -- big files and crashes -----------------------------------------------------------

def test_a_runs_subject_files_hand_the_topology_over_once_before_its_records(tmp_path, store,
                                                                            monkeypatch):
    """Each subject file adds much of the traversal graph: its topology is built once,
    after the last of them and before the records (Store.topology_deferred), not once per
    file; every traversal answers as before."""
    from graph_model.store.embedded import store as store_module
    from tests.unit.test_topology_log import counting_builds
    from tests.unit.test_topology_patch import traversals
    ensure_regions(store)
    monkeypatch.setattr(store_module, "PATCH_MIN", 0)  # each file as large as a fresh load's
    monkeypatch.setattr(store_module, "PATCH_SHARE", 0)
    built = counting_builds(store, monkeypatch)
    vehicles = "车牌号码,车辆类型,所在地区划代码,所属企业统一社会信用代码\n" + "".join(
        f"苏E{i:05d},货车,320505,{FIRM_A}\n" for i in range(40))
    at = {}
    load_paths(store, [write(tmp_path, "f.csv", FIRMS), write(tmp_path, "v.csv", vehicles),
                       write(tmp_path, "p.csv", PENALTY_HEAD + penalty_row("苏交罚1号"))], SECRET,
               on_file=lambda s: at.setdefault(s.kind, store.topology_generation()))
    # (the penalties file, after the block, hands its own over as before)
    assert at["enterprises"] < at["vehicles"] and built[0] == at["vehicles"]
    assert at["enterprises"] not in built
    assert {e.dst for e in store.neighbours([f"Enterprise:{FIRM_A}"], rel_types=["OWNS"]).edges} \
        == {f"Vehicle:苏E{i:05d}" for i in range(40)}
    uids = [n.uid for label in ("Enterprise", "Vehicle", "Person") for n in store.iter_nodes(label)]
    fresh = EmbeddedStore(store.location)
    try:
        fresh._topology = fresh._build_topology(fresh.topology_generation(), save=False)
        assert traversals(store, uids) == traversals(fresh, uids)
    finally:
        fresh.close()


def vehicle_rows(n: int, bad_last: bool) -> str:
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    rows = [f"苏{letters[i % 24]}{i // 24 % 100000:05d},客车,320505" for i in range(n)]
    if bad_last:
        rows[-1] = "苏E1,客车,320505"
    return "车牌号码,车辆类型,所在地区划代码\n" + "\n".join(rows) + "\n"


def test_a_large_file_with_one_bad_row_at_the_end_names_it(tmp_path, store):
    p = write(tmp_path, "big.csv", vehicle_rows(200_000, bad_last=True))
    [s] = load_paths(store, [p], SECRET)
    assert (s.rows_read, s.rows_loaded, s.rows_rejected) == (200_000, 199_999, 1)
    assert s.rejects.iloc[0]["row"] == 200_001 and s.rejects.iloc[0]["value"] == "苏E1"
    with pytest.raises(LoadError, match=r"big.csv: 1 of 200000 rows are bad.*row 200001, 车牌号码"):
        load_paths(EmbeddedStore(str(tmp_path / "strict")), [p], SECRET, max_bad_fraction=0)


def test_a_loader_killed_mid_load_keeps_whole_files_only(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "enterprises.csv").write_text(FIRMS, encoding="utf-8")
    (folder / "vehicles.csv").write_text(vehicle_rows(300_000, bad_last=False), encoding="utf-8")
    store_path = tmp_path / "s"
    proc = subprocess.Popen([sys.executable, "-m", "creditkb.cli", "load", str(folder),
                             "--store", str(store_path)], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "CREDITKB_SECRET": SECRET})
    line = proc.stdout.readline()
    assert "enterprises" in line, line  # the first file is committed ...
    time.sleep(1.0)  # ... and the second is being read, checked or written
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    store = EmbeddedStore(str(store_path))
    try:
        assert store.integrity_check() == "ok"
        assert store.count_nodes("Enterprise") == 3
        assert store.count_nodes("Vehicle") in (0, 300_000)
        assert [x.kind for x in store.loads()] in (["enterprises"], ["enterprises", "vehicles"])
    finally:
        store.close()


# -- validation ----------------------------------------------------------------------

VEHICLES = (
    "车牌号码,车牌颜色,车辆类型,所属企业统一社会信用代码,所在地区划代码\n"
    f"苏E12345,黄,危险货物运输车,{FIRM_A},320505\n"
    f"苏EIO345,黄,危险货物运输车,{FIRM_A},320505\n"
    f"苏E23456,黄,危险货物运输车,{FIRM_A},999999\n"
)


def test_bad_rows_are_reported_with_file_row_column_value_reason(tmp_path, store):
    load_paths(store, [write(tmp_path, "e.csv", FIRMS)], SECRET)
    [s] = load_paths(store, [write(tmp_path, "v.csv", VEHICLES)], SECRET, max_bad_fraction=1.0)
    assert (s.rows_read, s.rows_loaded, s.rows_rejected) == (3, 1, 2)
    rejects = s.rejects.set_index("row")
    assert rejects.loc[3, "column"] == "plate" and rejects.loc[3, "value"] == "苏EIO345"
    assert rejects.loc[4, "column"] == "region_code" and "unknown region" in rejects.loc[4, "reason"]
    assert set(rejects["file"]) == {str(tmp_path / "v.csv")}
    assert [e.dst for e in store.neighbours([f"Enterprise:{FIRM_A}"], rel_types=["OWNS"]).edges] == \
        ["Vehicle:苏E12345"]


def test_above_the_bad_row_threshold_nothing_of_the_file_is_committed(tmp_path, store):
    load_paths(store, [write(tmp_path, "e.csv", FIRMS)], SECRET)
    with pytest.raises(LoadError, match="2 of 3 rows are bad"):
        load_paths(store, [write(tmp_path, "v.csv", VEHICLES)], SECRET, max_bad_fraction=0.5)
    assert store.count_nodes("Vehicle") == 0 and store.count_nodes("Enterprise") == 3


def test_english_headers_are_the_same_columns(tmp_path, store):
    text = FIRMS.replace("统一社会信用代码,企业名称", "uscc,Name")
    [s] = load_paths(store, [write(tmp_path, "e.csv", text)], SECRET)
    assert s.kind == "enterprises" and s.rows_loaded == 3


def test_missing_required_column_refuses_the_file(tmp_path, store):
    text = "企业名称,注册地区划代码\n甲,320505\n"
    with pytest.raises(LoadError, match="missing required column.*统一社会信用代码"):
        load_paths(store, [write(tmp_path, "e.csv", text)], SECRET, kind="enterprises")


def test_a_file_loaded_in_several_chunks_is_still_one_load(tmp_path, store, monkeypatch):
    import loaders.read

    monkeypatch.setattr(loaders.read, "CHUNK_ROWS", 2)
    load_paths(store, [write(tmp_path, "f.csv", FIRMS)], SECRET)
    text = PENALTY_HEAD + "".join(
        f"苏交罚〔2024〕{i}号,企业,{FIRM_A},超载,2024-01-02,苏州市交通运输局,320500,一般,有效\n"
        for i in range(1, 6)) + f"苏交罚〔2024〕1号,企业,{FIRM_B},超速,2024-01-02,苏州市交通运输局,320500,一般,有效\n"
    [s] = load_paths(store, [write(tmp_path, "p.csv", text)], SECRET, max_bad_fraction=1)
    assert (s.rows_read, s.rows_loaded, s.rows_rejected) == (6, 5, 1)
    assert "in row 2, which was kept" in s.rejects.iloc[0]["reason"]  # seen two chunks before
    [load] = [x for x in store.loads() if x.kind == "penalties"]
    assert (load.rows_read, load.rows_loaded, load.rows_rejected) == (6, 5, 1)
    with pytest.raises(LoadError, match="1 of 6 rows are bad"):
        load_paths(store, [write(tmp_path, "p2.csv", text.replace("超载", "超限"))], SECRET,
                   max_bad_fraction=0)
    assert {x.file for x in store.loads()} == {str(tmp_path / "f.csv"), str(tmp_path / "p.csv")}
    assert store.count_nodes("Penalty") == 5


def test_a_files_chunks_ask_the_store_about_each_subject_once(tmp_path, store, monkeypatch):
    """Chunks naming the same subjects read each one once a file (whether it is stored and
    its region), and every chunk gets the answers a read of its own would give: regions
    kept, a subject not stored rejected in each row naming it."""
    import loaders.read

    monkeypatch.setattr(loaders.read, "CHUNK_ROWS", 2)
    load_paths(store, [write(tmp_path, "f.csv", FIRMS.split(f"{FIRM_C},")[0])], SECRET)
    asked = []
    for name in ("node_props", "existing"):
        monkeypatch.setattr(store, name, lambda uids, *a, _read=getattr(store, name): (
            asked.extend(uids := list(uids)) or _read(uids, *a)))
    subjects = [FIRM_A, FIRM_B, FIRM_C, FIRM_A, FIRM_B, FIRM_A, FIRM_C]
    text = PENALTY_HEAD + "".join(
        f"苏交罚〔2024〕{i}号,企业,{s},超载,2024-01-02,苏州市交通运输局,320500,一般,有效\n"
        for i, s in enumerate(subjects, 1))
    [s] = load_paths(store, [write(tmp_path, "p.csv", text)], SECRET, max_bad_fraction=1)
    subject_reads = sorted(u for u in asked if u.startswith("Enterprise:"))
    assert subject_reads == sorted(f"Enterprise:{f}" for f in (FIRM_A, FIRM_B, FIRM_C))
    assert (s.rows_loaded, s.rows_rejected) == (5, 2)
    assert s.rejects["row"].tolist() == [4, 8]
    assert set(s.rejects["reason"]) == {"unknown Enterprise (not loaded before)"}
    regions = {p.props["decision_no"]: p.props["subject_region"] for p in store.find_nodes("Penalty")}
    assert regions == {f"苏交罚〔2024〕{i}号": {FIRM_A: "320505", FIRM_B: "320211"}[s]
                       for i, s in enumerate(subjects, 1) if s != FIRM_C}


def test_a_chunks_checks_run_with_the_collector_paused(tmp_path, store):
    """The checks of a chunk (its row rules among them) run with Python's cyclic garbage
    collector off, and it is on again once the load is done: the rows they keep are not
    walked by collection after collection."""
    import gc

    from loaders.load import Checks

    seen = []

    def rule(_store, rows):
        seen.append(gc.isenabled())
        return [[] for _ in rows]

    load_paths(store, [write(tmp_path, "f.csv", FIRMS)], SECRET)
    text = PENALTY_HEAD + f"苏交罚〔2024〕1号,企业,{FIRM_A},超载,2024-01-02,苏州市交通运输局,320500,一般,有效\n"
    assert gc.isenabled()
    [s] = load_paths(store, [write(tmp_path, "p.csv", text)], SECRET,
                     checks=Checks({"penalties": rule}))
    assert s.rows_loaded == 1 and seen == [False]
    assert gc.isenabled()


def test_a_rule_naming_its_columns_gets_rows_of_those_columns_and_its_rejects_name_them(
        tmp_path, store):
    """A row rule that says which columns it reads (``columns``) gets each row with just
    those (the others are not boxed for it), and what it finds is rejected as before."""
    from loaders.load import Checks

    seen = []

    def rule(_store, rows):
        seen.extend(rows)
        return [[("violation", "too fast")] if r["violation"] == "超速" else [] for r in rows]

    rule.columns = ("decision_no", "violation", "not_a_column")
    load_paths(store, [write(tmp_path, "f.csv", FIRMS)], SECRET)
    text = PENALTY_HEAD + "".join(
        f"苏交罚〔2024〕{i}号,企业,{FIRM_A},{v},2024-01-02,苏州市交通运输局,320500,一般,有效\n"
        for i, v in enumerate(["超载", "超速", "超载"], 1))
    [s] = load_paths(store, [write(tmp_path, "p.csv", text)], SECRET, max_bad_fraction=0.5,
                     checks=Checks({"penalties": rule}))
    assert seen == [{"decision_no": f"苏交罚〔2024〕{i}号", "violation": v}
                    for i, v in enumerate(["超载", "超速", "超载"], 1)]
    assert s.rows_loaded == 2
    assert s.rejects[["row", "column", "reason"]].values.tolist() == [[3, "violation", "too fast"]]


def test_each_reference_not_stored_is_rejected_naming_its_column(tmp_path, store):
    """A row naming a node not stored is rejected, whichever of its reference columns
    names it (the subject's, or one of the others, looked up together), and only such a
    row: a practitioner's employer, a plate they drive or a ship they serve on."""
    load_paths(store, [write(tmp_path, "e.csv", FIRMS)], SECRET)
    load_paths(store, [write(tmp_path, "v.csv", "".join(VEHICLES.splitlines(True)[:2]))], SECRET)
    people = [rid(f"32050520010101{i:03d}") for i in range(1, 5)]
    text = ("身份证号,姓名,所属企业统一社会信用代码,驾驶车辆,服务船舶\n"
            f"{people[0]},甲,{FIRM_A},苏E12345,\n"          # everything stored
            f"{people[1]},乙,{FIRM_A},苏E12345;苏E99999,\n"  # a plate not stored
            f"{people[2]},丙,{FIRM_B},,CN12345678901\n"      # a ship not stored
            f"{people[3]},丁,{code('91320505MA1MQ7X16')},,\n")  # an employer not stored
    [s] = load_paths(store, [write(tmp_path, "p.csv", text)], SECRET, max_bad_fraction=1)
    assert (s.rows_read, s.rows_loaded, s.rows_rejected) == (4, 1, 3)
    got = sorted(zip(s.rejects["row"], s.rejects["column"], s.rejects["reason"]))
    assert got == [(3, "plates", "unknown Vehicle (not loaded before)"),
                   (4, "vessel_ids", "unknown Vessel (not loaded before)"),
                   (5, "employer_uscc", "unknown Enterprise (not loaded before)")]
    names = {p.props.get("name") for p in store.find_nodes("Person")}
    assert "甲" in names and not names & {"乙", "丙", "丁"}


def test_relationship_dates_in_the_file_become_validity_on_the_edges(tmp_path, store):
    load_paths(store, [write(tmp_path, "f.csv", FIRMS)], SECRET)
    vessels = ("船舶识别号,船名,船舶所有人统一社会信用代码,所有起始日期,所有终止日期,船籍港区划代码\n"
               f"CN20180001234,江海1,{FIRM_A},2020-01-01,2024-02-29,320505\n")
    load_paths(store, [write(tmp_path, "s.csv", vessels)], SECRET)
    [edge] = store.neighbours(["Vessel:CN20180001234"], rel_types=["OWNS"]).edges
    assert edge.props["valid_from"] == "2020-01-01" and edge.props["valid_to"] == "2024-02-29"
    assert "owned_since" not in store.get_nodes(["Vessel:CN20180001234"])["Vessel:CN20180001234"].props
    people = ("身份证号,姓名,所属企业统一社会信用代码,入职日期\n"
              f"{REP},张三,{FIRM_B},2023/05/06\n")
    load_paths(store, [write(tmp_path, "p.csv", people)], SECRET)
    [job] = store.neighbours([f"Enterprise:{FIRM_B}"], rel_types=["EMPLOYED_BY"]).edges
    assert job.props["valid_from"] == "2023-05-06" and "valid_to" not in job.props


def test_the_summary_counts_a_records_subject_and_agency_as_relationships(tmp_path, store):
    load_paths(store, [write(tmp_path, "f.csv", FIRMS)], SECRET)
    pens = PENALTY_HEAD + (f"苏交罚〔2024〕1号,企业,{FIRM_A},超限运输,2024-03-01,苏州市交通运输局,320500,一般,有效\n"
                           f"苏交罚〔2024〕2号,企业,{FIRM_B},超限运输,2024-03-02,苏州市交通运输局,320500,一般,有效\n")
    [summary] = load_paths(store, [write(tmp_path, "p.csv", pens)], SECRET)
    # two penalties and their agency; ABOUT and ISSUED_BY of each, and the agency's LOCATED_IN
    assert (summary.nodes_written, summary.edges_written) == (3, 5)
    assert (store.count_edges("ABOUT"), store.count_edges("ISSUED_BY")) == (2, 2)


def test_a_files_first_chunk_is_prepared_before_its_transaction_waits_to_begin(tmp_path, store,
                                                                             monkeypatch):
    """The store may make a load wait before it begins (the embedded store finishes
    copying the last large commit's log first): the first chunk is read, checked and
    encoded before then, and the file loads as it would otherwise."""
    steps = []
    prepare, transaction = store.prepare_nodes, store.transaction
    monkeypatch.setattr(store, "prepare_nodes",
                        lambda *a, **k: steps.append("prepare") or prepare(*a, **k))
    monkeypatch.setattr(store, "transaction",
                        lambda load=None: steps.append(load and "begin") or transaction(load))
    [summary] = load_paths(store, [write(tmp_path, "firms.csv", FIRMS)], SECRET)
    assert steps.index("prepare") < steps.index("begin")
    assert summary.rows_loaded == 3 and firm(store, FIRM_B).props["name"] == "无锡乙物流有限责任公司"


def test_a_commit_before_the_files_transaction_begins_is_seen_by_every_chunk(tmp_path, store,
                                                                             monkeypatch):
    """A commit that comes after the first chunk was prepared and before the load's
    transaction begins (an API write, say) is seen as if every chunk were prepared inside
    it: here a firm written then is no longer an unknown subject."""
    load_paths(store, [write(tmp_path, "firms.csv", FIRMS.split(f"{FIRM_B},")[0])], SECRET)
    transaction = store.transaction

    def commit_first(load=None):
        if load is not None and load.kind == "penalties":
            monkeypatch.setattr(store, "transaction", transaction)
            write_rows(store, SECRET, "enterprises",
                       [{"uscc": FIRM_C, "name": "常州乙物流有限公司", "region_code": "320412"}],
                       agency=None, source="api")
        return transaction(load)

    monkeypatch.setattr(store, "transaction", commit_first)
    text = PENALTY_HEAD + f"常交罚〔2024〕1号,企业,{FIRM_C},超载,2024-01-02,常州市交通运输局,320400,一般,有效\n"
    [pen] = load_paths(store, [write(tmp_path, "p.csv", text)], SECRET)
    assert (pen.rows_loaded, pen.rows_rejected) == (1, 0)
    [penalty] = store.find_nodes("Penalty")
    assert penalty.props["subject_region"] == "320412"
