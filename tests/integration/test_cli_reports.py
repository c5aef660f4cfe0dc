"""``creditkb report`` and ``creditkb qr`` as real processes on the demo store (issue 18):
the same question twice gives the same bytes and is issued once; a PDF is written; the QR
code names the firm's public page; the HTML is worded in LANG's language or --lang's, the
JSON the same bytes in either."""

from __future__ import annotations

import json

from PIL import Image

from graph_model.settings import DEMO_SECRET
from queries.reports.public import lookup_code
from tests.support.cli import run


def test_report_json_html_pdf_and_the_qr_code(tmp_path):
    store = ["--store", str(tmp_path / "s")]
    env = {"CREDITKB_SECRET": ""}
    assert run("demo", *store, "--no-serve", cwd=tmp_path, env=env).returncode == 0
    ask = ["report", "91320506MA1MKT3P0P", "--region", "320200", "--as-of", "2026-08-01", *store]
    first, again = (run(*ask, cwd=tmp_path, env=env) for _ in range(2))
    assert first.returncode == 0, first.stderr
    assert first.stdout == again.stdout
    doc = json.loads(first.stdout)
    assert doc["grades"]["recognised"]["agreement"]["name"] == "“苏锡常通”信用交通一体化联动发展框架协议"
    loads = run("loads", *store, cwd=tmp_path, env=env).stdout
    assert loads.count(f"creditkb report {doc['report']['number']}") == 1
    pdf = run(*ask, "--format", "pdf", "--out", str(tmp_path / "r.pdf"), cwd=tmp_path, env=env)
    assert pdf.returncode == 0, pdf.stderr
    assert (tmp_path / "r.pdf").read_bytes()[:5] == b"%PDF-" and doc["report"]["number"] in pdf.stderr
    # the language: LANG's (Chinese for zh_CN) or --lang's for the page; the JSON is the same
    english = run(*ask, cwd=tmp_path, env={**env, "LANG": "C.UTF-8", "LC_ALL": ""})
    assert english.stdout == first.stdout
    zh = run(*ask, "--format", "html", cwd=tmp_path, env={**env, "LANG": "zh_CN.UTF-8",
                                                           "LC_ALL": ""})
    en = run(*ask, "--format", "html", "--lang", "en", cwd=tmp_path,
             env={**env, "LANG": "zh_CN.UTF-8", "LC_ALL": ""})
    assert zh.returncode == en.returncode == 0, zh.stderr + en.stderr
    assert "信用报告" in zh.stdout and "Credit report" not in zh.stdout
    assert "Credit report" in en.stdout and "信用报告" not in en.stdout
    assert doc["report"]["number"] in zh.stdout and doc["report"]["number"] in en.stdout
    no_out = run(*ask, "--format", "pdf", cwd=tmp_path, env=env)
    assert no_out.returncode == 1 and "needs --out" in no_out.stderr
    viewer = json.loads(run("report", "320583199209270735", "--region", "320500", "--as-of",
                            "2026-08-01", "--viewer-role", "viewer", *store, cwd=tmp_path,
                            env=env).stdout)
    assert viewer["subject"]["name"] == "周*"

    qr = run("qr", "91320411250183647M", "--out", str(tmp_path / "qr.png"), *store,
             "--base-url", "https://credit.example.cn", cwd=tmp_path, env=env)
    assert qr.returncode == 0, qr.stderr
    code = lookup_code("91320411250183647M", DEMO_SECRET)
    assert qr.stdout.strip() == f"https://credit.example.cn/p/{code}"
    img = Image.open(tmp_path / "qr.png")
    assert img.size[0] == img.size[1] >= 200  # a square code, printable
    unknown = run("qr", "91320211MA1Y4E9K0X", *store, cwd=tmp_path, env=env)
    assert unknown.returncode == 1 and "no enterprise" in unknown.stderr
