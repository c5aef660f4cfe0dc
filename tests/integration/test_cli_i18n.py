"""The command line in the user's language (issue 20): Chinese when LANG starts with zh,
English otherwise; a rejects report keeps a machine-readable reason_code beside the reason."""

from __future__ import annotations

import csv

from tests.support.cli import run

ZH = {"LANG": "zh_CN.UTF-8"}
VEHICLES = ("车牌号码,车辆类型,所在地区划代码\n苏E12345,客车,320505\n苏E1234,客车,320505\n"
            "苏E54321,客车,329999\n")


def _rejects(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_help_in_chinese_and_in_english(tmp_path):
    zh = run("--help", cwd=tmp_path, env=ZH)
    assert zh.returncode == 0
    assert zh.stdout.startswith("用法：creditkb")
    assert "载入交换格式文件或其所在文件夹" in zh.stdout and "显示本帮助并退出" in zh.stdout
    en = run("--help", cwd=tmp_path)
    assert en.stdout.startswith("usage: creditkb")
    assert "load exchange-format files or folders of them" in en.stdout
    sub = run("load", "--help", cwd=tmp_path, env=ZH)
    assert "错误行占比超过此值的文件整体拒收" in sub.stdout and "用法：用法" not in sub.stdout
    # the commands that came with objections and reports too
    for command, said in (("objections", "判断是否逾期所依据的日期"), ("report", "报告基准日"),
                          ("qr", "企业的统一社会信用代码或节点标识"), ("export", "导入的目标数据库")):
        zh = run(command, "--help", cwd=tmp_path, env=ZH)
        assert zh.returncode == 0 and zh.stdout.startswith("用法：creditkb"), zh.stderr
        assert said in zh.stdout, (command, zh.stdout)
    assert "the day the report describes" in run("report", "--help", cwd=tmp_path).stdout


def test_load_summary_and_rejects_in_chinese_with_reason_codes(tmp_path):
    data = tmp_path / "in"
    data.mkdir()
    (data / "vehicles.csv").write_text(VEHICLES, encoding="utf-8")
    out = run("load", str(data), "--store", str(tmp_path / "s"), "--max-bad", "0.9",
              cwd=tmp_path, env=ZH)
    assert out.returncode == 0, out.stderr
    assert "读取3行，载入1行，拒收2行" in out.stdout and "拒收明细见" in out.stdout
    assert "已载入1个文件" in out.stdout
    zh = _rejects(tmp_path / "creditkb-rejects" / "vehicles.rejects.csv")
    assert list(zh[0]) == ["file", "row", "column", "value", "reason_code", "reason"]
    assert [(r["row"], r["reason_code"]) for r in zh] == [("3", "plate_length"),
                                                          ("4", "unknown_region_code")]
    assert zh[0]["reason"].startswith("发牌机关代号后应为5位")
    assert zh[1]["reason"] == "无法识别的行政区划代码"
    # the same file in English: the same codes, the reasons in English
    out = run("load", str(data / "vehicles.csv"), "--store", str(tmp_path / "t"), "--max-bad",
              "0.9", "--rejects-dir", str(tmp_path / "en"), cwd=tmp_path)
    assert "3 rows read, 1 loaded, 2 rejected" in out.stdout
    en = _rejects(tmp_path / "en" / "vehicles.rejects.csv")
    assert [r["reason_code"] for r in en] == [r["reason_code"] for r in zh]
    assert en[1]["reason"] == "unknown region code"


def test_an_error_is_one_line_in_chinese(tmp_path):
    out = run("load", "missing.csv", cwd=tmp_path,
              env={**ZH, "CREDITKB_STORE": str(tmp_path / "s")})
    lines = [x for x in out.stderr.splitlines() if not x.startswith("creditkb：警告")]
    assert out.returncode == 1 and len(lines) == 1, out.stderr
    assert lines[0].startswith("creditkb：错误：") and "missing.csv" in lines[0]
    bad = run("load", cwd=tmp_path, env=ZH)
    assert bad.returncode == 2 and "creditkb load：错误：" in bad.stderr
