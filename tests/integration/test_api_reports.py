"""Credit reports and the public lookup over real HTTP (issue 18), on the demo data in each
store (embedded, and the Neo4j test server): the report is scoped, masked by role, issued
once and audited; a printed report verifies at /verify without a key, a tampered one does
not; /p/<code> shows a firm's public view, with a code that cannot be guessed from the
USCC, and is rate-limited per client."""

from __future__ import annotations

import hashlib
import json

import httpx
import pytest

from api.public import RateLimit
from queries.reports.public import lookup_code
from tests.integration.test_api_writes import SECRET, api  # noqa: F401  (the demo in each store)
from tests.support.api import codes, gql

REPORT = """query($s: ID!, $region: String, $on: Date) {
  creditReport(subjectId: $s, region: $region, asOf: $on) {
    number subjectId region asOf storeVersion sha256 contentSha256 json verifyPath html } }"""
VERIFY = """query($n: String!, $h: String!) { verifyReport(number: $n, sha256: $h) {
  number genuine current asOf issuedOn explanation } }"""
HENGTONG = "Enterprise:91320506MA1MKT3P0P"
DRIVER_RIC = "320583199209270735"  # 周勇, of 苏州恒通


def test_credit_report_verify_and_the_public_pages(api):
    base = api["base"]
    first = gql(api, REPORT, s=HENGTONG, on="2026-08-01")["data"]["creditReport"]
    again = gql(api, REPORT, s=HENGTONG, on="2026-08-01")["data"]["creditReport"]
    assert first == again  # byte-identical, issued once
    assert hashlib.sha256(first["json"].encode()).hexdigest() == first["sha256"]
    doc = json.loads(first["json"])
    assert doc["report"]["number"] == first["number"] and doc["grades"]["recognised"]["grade"] == "D"
    assert "苏州恒通危险品运输有限公司" in first["html"] and first["number"] in first["html"]
    # asked in English (gql's default): English labels around the same report; in Chinese
    # the same number, hash and JSON, Chinese labels
    assert "Credit report" in first["html"] and "信用报告" not in first["html"]
    zh = gql(api, REPORT, accept_language="zh-CN", s=HENGTONG,
             on="2026-08-01")["data"]["creditReport"]
    assert (zh["number"], zh["sha256"], zh["json"]) == (first["number"], first["sha256"],
                                                         first["json"])
    assert "信用报告" in zh["html"] and "Credit report" not in zh["html"]
    loads = [i.file for i in api["store"].loads()]
    assert loads.count("graphql:creditReport") == 1
    wrote = [e for e in api["access"].audit() if e.operation == "creditReport"]
    assert f"CreditReport:{first['number']}" in wrote[0].subjects and HENGTONG in wrote[0].subjects

    # a viewer's report masks the driver's name; another city's key gets what an unknown
    # subject gets
    viewer = json.loads(gql(api, REPORT, "viewer", s=DRIVER_RIC, on="2026-08-01")
                        ["data"]["creditReport"]["json"])
    assert viewer["subject"]["name"] == "周*" and viewer["subject"]["personal_data_masked"]
    assert DRIVER_RIC not in json.dumps(viewer, ensure_ascii=False)
    taihu, nobody = "Enterprise:91320211MA1Y4E9K0R", "Enterprise:91320211MA1Y4E9K0X"
    assert codes(gql(api, REPORT, "hangzhou", s=taihu)) == ["FORBIDDEN"]
    assert codes(gql(api, REPORT, "hangzhou", s=nobody)) == ["FORBIDDEN"]

    # verifyReport and /verify: genuine and current; a tampered copy is not genuine
    v = gql(api, VERIFY, n=first["number"], h=first["sha256"])["data"]["verifyReport"]
    assert (v["genuine"], v["current"], v["asOf"]) == (True, True, "2026-08-01")
    tampered = hashlib.sha256(first["json"].replace('"D"', '"A"').encode()).hexdigest()
    assert not gql(api, VERIFY, n=first["number"], h=tampered)["data"]["verifyReport"]["genuine"]
    page = httpx.get(base + first["verifyPath"], timeout=10)  # Chinese by default
    assert page.status_code == 200 and "真实有效，且仍为最新" in page.text
    assert '<html lang="zh-CN">' in page.text and "genuine" not in page.text
    page = httpx.get(base + first["verifyPath"] + "&lang=en", timeout=10)
    assert "genuine and current" in page.text and "still current" in page.text
    bad = httpx.get(f"{base}/verify/{first['number']}?sha256={tampered}", timeout=10,
                    headers={"accept-language": "en-GB,en;q=0.9"})
    assert "not genuine" in bad.text and '<html lang="en">' in bad.text
    got = httpx.get(base + first["verifyPath"], headers={"accept": "application/json"}, timeout=10)
    assert got.json()["genuine"] is True

    # /p/<code>: the public view, no key, no personal data, no penalty
    code = lookup_code("91320506MA1MKT3P0P", SECRET)
    pub = httpx.get(f"{base}/p/{code}", headers={"accept": "application/json"}, timeout=10)
    assert pub.status_code == 200
    view = pub.json()
    assert (view["name"], view["grade"], view["region_code"]) == (
        "苏州恒通危险品运输有限公司", "D", "320506")
    assert [x["list_kind"] for x in view["lists"]] == ["严重失信"]  # not 重点监管: not public
    text = httpx.get(f"{base}/p/{code}", timeout=10).text
    assert "苏州恒通" in text and "张" not in text and "罚" not in text
    assert "统一社会信用代码" in text and "公开名单" in text
    english = httpx.get(f"{base}/p/{code}?lang=en", timeout=10).text
    assert "Unified social credit code" in english and "公开名单" not in english
    assert "苏州恒通" in english and "严重失信" in english  # the data is the same
    red = httpx.get(f"{base}/p/{lookup_code('91320411250183647M', SECRET)}",
                    headers={"accept": "application/json"}, timeout=10).json()
    assert red["grade"] == "AA" and [x["list_kind"] for x in red["lists"]] == ["红名单"]
    # the USCC alone, a wrong tag and a firm that is not there: one answer
    wrong_tag = httpx.get(f"{base}/p/91320506MA1MKT3P0P-AAAAAAAAAAAA", timeout=10)
    bare = httpx.get(f"{base}/p/91320506MA1MKT3P0P", timeout=10)
    missing = httpx.get(f"{base}/p/{lookup_code('91320211MA1Y4E9K0X', SECRET)}", timeout=10)
    assert wrong_tag.status_code == bare.status_code == missing.status_code == 404
    assert wrong_tag.text == bare.text == missing.text
    # as JSON too: one answer, in the reader's language (Chinese unless asked otherwise)
    as_json = [httpx.get(f"{base}/p/{c}", headers={"accept": "application/json", **h}, timeout=10)
               for c in ("91320506MA1MKT3P0P", lookup_code("91320211MA1Y4E9K0X", SECRET))
               for h in ({}, {"accept-language": "en"})]
    assert [r.status_code for r in as_json] == [404] * 4
    assert as_json[0].json() == as_json[2].json() == {"error": "查询码无效或企业不存在。"}
    assert as_json[1].json() == as_json[3].json() == {
        "error": "The code is not valid, or there is no such firm."}


def test_the_public_pages_are_rate_limited_per_client(api):
    code = lookup_code("91320411250183647M", SECRET)
    with httpx.Client(timeout=10) as client:
        got = [client.get(f"{api['base']}/p/{code}") for _ in range(200)]
    answers = [r.status_code for r in got]
    # the default, 20 a second in bursts of 40: 200 requests within a few seconds meet 429
    assert answers[:30] == [200] * 30 and 429 in answers
    refused = next(r for r in got if r.status_code == 429)
    assert refused.text == "请求过于频繁，请一秒后再试。\n" and refused.headers["retry-after"] == "1"
    # the bucket: a client's burst, then its rate; another client is not held back
    limit = RateLimit(10)
    assert all(limit.allow("a", now=0.0) for _ in range(20)) and not limit.allow("a", now=0.0)
    assert limit.allow("b", now=0.0)
    assert limit.allow("a", now=0.1) and not limit.allow("a", now=0.1)
