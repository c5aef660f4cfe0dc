"""The creditkb command as a user runs it: real processes, real files, real HTTP."""

from __future__ import annotations

import subprocess

import httpx
import pytest

from tests.support.api import free_port
from tests.support.cli import CREDITKB, run, wait_for_health


def test_help_lists_the_commands(tmp_path):
    out = run("--help", cwd=tmp_path)
    assert out.returncode == 0
    for command in ("demo", "load", "serve", "generate", "keys", "audit"):
        assert command in out.stdout


def test_demo_prints_a_key_per_agency_and_serves_graphql_on_loopback(tmp_path):
    port = free_port()
    proc = subprocess.Popen([*CREDITKB, "demo", "--store", str(tmp_path / "s"), "--port", str(port)],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        keys = {}
        while len(keys) < 7:
            line = proc.stdout.readline()
            assert line, proc.communicate()
            if line.startswith("  ") and "ckb_" in line:
                agency, region, role, token = line.split()
                keys[(region, role)] = token
        assert ("320500", "regulator") in keys and ("320000", "investigator") in keys
        wait_for_health(proc, port)
        url = f"http://127.0.0.1:{port}/graphql"
        query = '{ subject(id: "91320506MA1MKT3P0P") { __typename name regionCode } }'
        assert httpx.post(url, json={"query": query}, timeout=10).status_code == 401
        r = httpx.post(url, json={"query": query}, timeout=10,
                       headers={"authorization": f"Bearer {keys[('320500', 'regulator')]}"})
        assert r.json() == {"data": {"subject": {"__typename": "Enterprise",
                                                 "name": "苏州恒通危险品运输有限公司",
                                                 "regionCode": "320506"}}}
        # 苏州通利 (C, on Suzhou's key-supervision list) is not Hangzhou's to see; 苏州恒通's
        # serious-dishonesty designation binds nationwide (rule 19), so Hangzhou sees it
        other = query.replace("91320506MA1MKT3P0P", "91320506MA1XJ8R49P")
        r = httpx.post(url, json={"query": other}, timeout=10,
                       headers={"authorization": f"Bearer {keys[('330100', 'regulator')]}"})
        assert r.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert "echarts.min.js" in httpx.get(f"http://127.0.0.1:{port}/", timeout=10).text
    finally:
        proc.terminate()
        proc.wait(10)


def test_keys_are_created_listed_revoked_and_only_their_hash_is_kept(tmp_path):
    store = ["--store", str(tmp_path / "s")]
    out = run("keys", "create", "--agency", "苏州市交通运输局", "--region", "320500",
              "--role", "regulator", *store, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    key_id = out.stdout.split()[1]
    token = out.stdout.strip().split()[-1]
    assert token.startswith("ckb_") and len(token) > 40
    db = (tmp_path / "s" / "access.sqlite3").read_bytes()
    assert token.encode() not in db  # only the hash is stored
    listing = run("keys", "list", *store, cwd=tmp_path).stdout
    assert key_id in listing and "active" in listing and token not in listing
    assert run("keys", "revoke", key_id, *store, cwd=tmp_path).returncode == 0
    assert "revoked" in run("keys", "list", *store, cwd=tmp_path).stdout
    bad = run("keys", "create", "--agency", "x", "--region", "999999", "--role", "regulator",
              *store, cwd=tmp_path)
    assert bad.returncode == 1 and "999999" in bad.stderr and len(bad.stderr.splitlines()) == 1
    missing = run("keys", "revoke", "key_nope", *store, cwd=tmp_path)
    assert missing.returncode == 1 and "no key 'key_nope'" in missing.stderr
    # in Chinese when LANG says so
    zh = {"LANG": "zh_CN.UTF-8"}
    missing = run("keys", "revoke", "key_nope", *store, cwd=tmp_path, env=zh)
    assert missing.returncode == 1 and "无密钥 'key_nope'" in missing.stderr
    bad = run("keys", "create", "--agency", "x", "--region", "999999", "--role", "regulator",
              *store, cwd=tmp_path, env=zh)
    assert bad.returncode == 1 and "地区 '999999' 不是已知的六位行政区划代码" in bad.stderr
    assert run("audit", *store, cwd=tmp_path).stdout.strip() == "no audit entries"


def test_serve_with_two_workers_answers_with_keys(tmp_path):
    store = str(tmp_path / "s")
    assert run("demo", "--store", store, "--no-serve", cwd=tmp_path).returncode == 0
    out = run("keys", "create", "--agency", "无锡市交通运输局", "--region", "320200",
              "--role", "regulator", "--store", store, cwd=tmp_path)
    token = out.stdout.strip().split()[-1]
    port = free_port()
    proc = subprocess.Popen([*CREDITKB, "serve", "--store", store, "--port", str(port),
                             "--workers", "2"], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        wait_for_health(proc, port)
        with httpx.Client(headers={"authorization": f"Bearer {token}"}) as client:
            for _ in range(6):  # several connections: both workers answer
                r = client.post(f"http://127.0.0.1:{port}/graphql", timeout=10,
                                json={"query": '{ me { agency } subject(id: "苏BD05227") { name } }'},
                                headers={"connection": "close"})
                assert r.json() == {"data": {"me": {"agency": "无锡市交通运输局"},
                                             "subject": {"name": "苏BD05227"}}}
    finally:
        proc.terminate()
        proc.wait(20)
    audit = run("audit", "--store", store, "--subject", "Vehicle:苏BD05227", cwd=tmp_path)
    assert audit.stdout.count("Vehicle:苏BD05227") == 6


def test_load_reports_each_file_and_writes_rejects(tmp_path):
    data = tmp_path / "in"
    data.mkdir()
    (data / "vehicles.csv").write_text(
        "车牌号码,车辆类型,所在地区划代码\n苏E12345,客车,320505\n苏E1234,客车,320505\n", encoding="utf-8")
    out = run("load", str(data), "--store", str(tmp_path / "s"), "--max-bad", "0.5", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "2 rows read, 1 loaded, 1 rejected" in out.stdout
    rejects = (tmp_path / "creditkb-rejects" / "vehicles.rejects.csv").read_text(encoding="utf-8-sig")
    assert "苏E1234" in rejects and ",3,车牌号码," in rejects  # the file's own header


def test_loads_lists_reloads_are_no_ops_and_undo_takes_a_load_back(tmp_path):
    data = tmp_path / "vehicles.csv"
    data.write_text("车牌号码,车辆类型,所在地区划代码\n苏E12345,客车,320505\n", encoding="utf-8")
    store = ["--store", str(tmp_path / "s")]
    assert run("load", str(data), *store, "--agency", "苏州市交通运输局", cwd=tmp_path).returncode == 0
    again = run("load", str(data), *store, cwd=tmp_path)
    assert "nothing to do: already loaded as load" in again.stdout
    listing = run("loads", *store, cwd=tmp_path).stdout.splitlines()
    assert len(listing) == 1 and "committed" in listing[0] and "苏州市交通运输局" in listing[0]
    load_id = listing[0].split()[0]
    undo = run("loads", "undo", load_id, *store, cwd=tmp_path)
    assert undo.returncode == 0 and "1 nodes" in undo.stdout
    assert "undone" in run("loads", *store, cwd=tmp_path).stdout
    twice = run("loads", "undo", load_id, *store, cwd=tmp_path)
    assert twice.returncode == 1 and "already undone" in twice.stderr


@pytest.mark.parametrize("args, message", [
    (["load", "missing.csv"], "missing.csv: no such file"),
    (["serve", "--store", "redis://x"], "unknown store URL 'redis://x'"),
])
def test_failures_are_one_clear_line_and_nonzero(tmp_path, args, message):
    out = run(*args, cwd=tmp_path, env={"CREDITKB_STORE": str(tmp_path / "s")})
    assert out.returncode == 1
    lines = [x for x in out.stderr.splitlines() if not x.startswith("creditkb: warning")]
    assert len(lines) == 1 and lines[0].startswith("creditkb: error: ") and message in lines[0]


def test_unreadable_store_path_is_one_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    out = run("load", "x.csv", "--store", str(blocker / "store"), cwd=tmp_path)
    assert out.returncode == 1 and "cannot create the store directory" in out.stderr


def test_a_file_that_is_not_a_store_is_refused_and_left_alone(tmp_path):
    store = tmp_path / "s"
    store.mkdir()
    (store / "graph.sqlite3").write_bytes(b"precious bytes, not a database" * 100)
    out = run("load", "x.csv", "--store", str(store), cwd=tmp_path)
    assert out.returncode == 1 and "file is not a database" in out.stderr
    assert (store / "graph.sqlite3").read_bytes() == b"precious bytes, not a database" * 100


def test_reminders_are_listed_and_issued_once(tmp_path):
    """#2: Suzhou reminds its taxi fined in Wuxi; a second issue repeats nothing."""
    store = ["--store", str(tmp_path / "s")]
    assert run("demo", *store, "--no-serve", cwd=tmp_path).returncode == 0
    listed = run("reminders", "list", "--region", "320500", "--as-of", "2024-06-01", *store, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "无锡交罚〔2024〕0000233号" in listed.stdout and "HOME" in listed.stdout
    first = run("reminders", "issue", "--region", "320500", "--as-of", "2024-06-01", *store, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "issued 1 reminders" in first.stdout
    again = run("reminders", "issue", "--region", "320500", "--as-of", "2024-06-01", *store, cwd=tmp_path)
    assert "nothing to issue" in again.stdout and "(0 not issued)" in again.stdout
    assert "reminders issue --region 320500" in run("loads", *store, cwd=tmp_path).stdout


def test_the_objection_queue_oldest_deadline_first_with_the_figures_of_13(tmp_path):
    """#13, #19: 长江航务管理局's open objection to a ship's colour, due 10 days after filing
    (the scheme's local default), overdue by 2026-11-01; Wuxi upheld a driver's appeal."""
    store = ["--store", str(tmp_path / "s")]
    assert run("demo", *store, "--no-serve", cwd=tmp_path).returncode == 0
    queue = run("objections", "--region", "420100", "--as-of", "2026-11-01", *store, cwd=tmp_path)
    assert queue.returncode == 0, queue.stderr
    assert "CJYY2026-0019  核查中  due 2026-10-22  OVERDUE" in queue.stdout
    assert "420100 on 2026-11-01: 1 objections" in queue.stdout
    stats = run("objections", "--region", "320200", "--stats", "--from", "2026-01-01",
                "--to", "2026-12-31", *store, cwd=tmp_path)
    assert "filed 1, not accepted 0, upheld 1, corrected 0" in stats.stdout, stats.stderr
    assert "median days to decide 14" in stats.stdout
    # in Chinese when LANG says so: the case's words and dates
    zh = {"LANG": "zh_CN.UTF-8"}
    queue = run("objections", "--region", "420100", "--as-of", "2026-11-01", *store, cwd=tmp_path,
                env=zh)
    assert "CJYY2026-0019  核查中  办理期限2026年10月22日  已逾期" in queue.stdout, queue.stderr
    assert "420100 截至2026年11月1日：共1件异议" in queue.stdout
    stats = run("objections", "--region", "320200", "--stats", "--from", "2026-01-01",
                "--to", "2026-12-31", *store, cwd=tmp_path, env=zh)
    assert "提出1件，不予受理0件，维持1件，更正0件" in stats.stdout, stats.stderr
    assert "办结用时中位数14天" in stats.stdout
