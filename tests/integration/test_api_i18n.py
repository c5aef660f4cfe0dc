"""Chinese first over HTTP (issue 20): the same question asked with ``Accept-Language:
zh-CN`` and ``en`` gets the same data, its explanations, names and reasons in each
language; without the header, Chinese; ``?lang=`` for a client that cannot set headers.
An error keeps its ``extensions.code`` in both."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.support.api import codes, demo_api, gql, post
from tests.support.ws import WsClient

HENGTONG = "91320506MA1MKT3P0P"  # 苏州恒通, seriously dishonest, Suzhou
SHUNDA = "91320583MA1N2Q7D2B"  # 昆山顺达, same legal representative: a lead
TONGLI = "91320506MA1XJ8R49P"  # 苏州通利: C and on Suzhou's 重点监管 list
CHANGZHOU_AA = "91320411250183647M"  # 常州龙城旅游客运: AA in 常州, recognised by 苏锡常通
HANGZHOU_FIRM = "91330106143127092A"  # AA in 杭州, outside the agreement

GRADE = """query($id: ID!) { recognizedGrade(subjectId: $id, asOf: "2026-06-01") {
    found grade scheme validFrom validTo issuingAgency issuingRegion basis countedBy
    agreement { name } explanation excluded { evaluationId reason } } }"""
DISCIPLINE = """query($id: ID!) { discipline(subjectId: $id, asOf: "2026-08-01") {
    measureCodes
    measures { measure { code name strength } strength trigger { kind name recordId since }
               rule ruleName regions explanation }
    leads { trigger { kind name subjectId } rule ruleName nodes explanation } } }"""


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    with demo_api(tmp_path_factory, "i18n") as served:
        yield served


def _both(api, query, **variables):
    zh = gql(api, query, accept_language="zh-CN,zh;q=0.9,en;q=0.5", **variables)
    en = gql(api, query, accept_language="en-US,en;q=0.9", **variables)
    return zh, en


def _without(answer, *fields):
    """The answer with ``fields`` (the words for people) left out, wherever they are."""
    if isinstance(answer, dict):
        return {k: _without(v, *fields) for k, v in answer.items() if k not in fields}
    if isinstance(answer, list):
        return [_without(v, *fields) for v in answer]
    return answer


def test_recognized_grade_same_data_explained_in_each_language(api):
    zh, en = _both(api, GRADE, id=CHANGZHOU_AA)
    zh, en = zh["data"]["recognizedGrade"], en["data"]["recognizedGrade"]
    assert _without(zh, "explanation") == _without(en, "explanation")
    assert zh["grade"] == "AA" and zh["basis"] == "AGREEMENT"
    assert zh["explanation"] == (
        "截至2026年6月1日，该主体在苏州市（320500）适用的信用评价等级为AA（道路运输经营者信用评价，"
        "有效期2026年4月1日至2027年3月31日），由常州市交通运输局（320400）评定，"
        "依据“苏锡常通”信用交通一体化联动发展框架协议予以互认。")
    assert en["explanation"] == (
        "AA (道路运输经营者信用评价, valid 2026-04-01..2027-03-31) by 常州市交通运输局 320400, "
        "counted in 苏州市 (320500) on 2026-06-01 by the agreement "
        "“苏锡常通”信用交通一体化联动发展框架协议")


def test_an_excluded_grade_gives_its_reason_in_each_language(api):
    zh, en = _both(api, GRADE, id=HENGTONG)
    zh, en = zh["data"]["recognizedGrade"], en["data"]["recognizedGrade"]
    assert _without(zh, "explanation", "reason") == _without(en, "explanation", "reason")
    assert zh["grade"] == "D" and zh["excluded"]
    for zh_why, en_why in zip(zh["excluded"], en["excluded"]):
        assert zh_why["reason"].startswith("2026年6月1日不在有效期内（有效期")
        assert en_why["reason"].startswith("not valid on 2026-06-01 (valid ")


def test_discipline_same_measures_named_and_explained_in_each_language(api):
    zh, en = _both(api, DISCIPLINE, id=TONGLI)
    zh, en = zh["data"]["discipline"], en["data"]["discipline"]
    words = ("name", "ruleName", "explanation")
    assert _without(zh, *words) == _without(en, *words) and zh["measures"]
    tolerance = {lang: next(m for m in d["measures"]
                            if m["measure"]["code"] == "no_tolerance_processing")
                 for lang, d in (("zh", zh), ("en", en))}
    assert tolerance["zh"]["measure"]["name"] == "不适用容缺办理"
    assert tolerance["en"]["measure"]["name"] == "no processing with documents pending (容缺办理)"
    assert tolerance["zh"]["trigger"]["name"] == "信用评价等级"
    assert tolerance["zh"]["explanation"] == (
        "因信用评价等级（苏州市交通运输局，自2026年4月1日起），对该主体依法采取“不适用容缺办理”措施，"
        "适用地区：无锡市（320200）、常州市（320400）、苏州市（320500）、南通市（320600）。")
    assert tolerance["en"]["explanation"] == (
        "no processing with documents pending (容缺办理): on the subject itself, for a credit "
        "evaluation grade (苏州市交通运输局, since 2026-04-01); applies in 无锡市 (320200), "
        "常州市 (320400), 苏州市 (320500), 南通市 (320600)")


def test_a_lead_is_explained_in_each_language(api):
    zh, en = _both(api, DISCIPLINE, id=SHUNDA)
    [zh_lead], [en_lead] = zh["data"]["discipline"]["leads"], en["data"]["discipline"]["leads"]
    assert _without(zh_lead, "name", "ruleName", "explanation") == _without(
        en_lead, "name", "ruleName", "explanation")
    assert zh_lead["ruleName"] == "法定代表人担任法定代表人的其他企业"
    assert "列为调查线索，不据此采取惩戒措施" in zh_lead["explanation"]
    assert "列入严重失信主体名单" in zh_lead["explanation"]
    assert en_lead["explanation"].startswith("investigation lead: as another firm of the same "
                                             "legal representative, related to the subject of "
                                             "listed as seriously dishonest")


def test_chinese_without_accept_language_and_lang_for_clients_without_headers(api):
    plain = gql(api, GRADE, accept_language=None, id=CHANGZHOU_AA)["data"]["recognizedGrade"]
    assert plain["explanation"].startswith("截至2026年6月1日")
    r = httpx.post(f"{api['base']}/graphql?lang=en", timeout=20,
                   json={"query": GRADE, "variables": {"id": CHANGZHOU_AA}},
                   headers={"authorization": f"Bearer {api['tokens']['suzhou']}",
                            "accept-language": "zh-CN"})
    assert r.json()["data"]["recognizedGrade"]["explanation"].startswith("AA (")


def test_an_error_keeps_its_code_in_each_language(api):
    zh, en = _both(api, GRADE, id=HANGZHOU_FIRM)  # not Suzhou's
    assert codes(zh) == codes(en) == ["FORBIDDEN"]
    assert zh["errors"][0]["message"] == "本密钥权限范围内无此主体"
    assert en["errors"][0]["message"] == "no such subject within the scope of this key"
    zh = post(api, GRADE, key=None, accept_language="zh-CN", id=HENGTONG)
    en = post(api, GRADE, key=None, accept_language="en", id=HENGTONG)
    assert zh.status_code == en.status_code == 401
    assert codes(zh.json()) == codes(en.json()) == ["UNAUTHENTICATED"]
    assert zh.json()["errors"][0]["message"].startswith("须提供 API 密钥")
    q = """query { recognizedGrade(subjectId: "%s", region: "320200") { grade } }""" % HENGTONG
    zh, en = _both(api, q)
    assert codes(zh) == codes(en) == ["FORBIDDEN"]
    assert zh["errors"][0]["message"].startswith("地区320200不在本密钥管辖范围内")
    assert en["errors"][0]["message"].startswith("region 320200 is outside the jurisdiction")


def test_over_websocket_the_connection_says_its_language(api):
    port = int(api["base"].rsplit(":", 1)[1])

    async def ask(lang):
        async with WsClient(port, api["tokens"]["suzhou"], lang=lang) as ws:
            grade = await ws.result(GRADE, "1", id=CHANGZHOU_AA)
            refused = await ws.result(GRADE, "2", id=HANGZHOU_FIRM)
            return grade["data"]["recognizedGrade"]["explanation"], refused["errors"][0]

    (zh, zh_error), (en, en_error) = asyncio.run(ask(None)), asyncio.run(ask("en"))
    assert zh.startswith("截至2026年6月1日") and en.startswith("AA (")
    assert zh_error["extensions"]["code"] == en_error["extensions"]["code"] == "FORBIDDEN"
    assert zh_error["message"] == "本密钥权限范围内无此主体"
