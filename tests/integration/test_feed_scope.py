"""What each key hears on the live feed is what its reads show (issue 15, item 4: "filtered
by each key's scope"), on every store: a partner's load of penalties about every firm and
vehicle of the demo data reaches each city's ``recordChanges`` subscriptions for exactly
the subjects that city's ``subject`` read answers (own, shared by an agreement or
nationwide, linked), and for no other; a city with nothing of its own hears only those.
Real server, real WebSockets, two subscriptions per key (they share one judgement)."""

from __future__ import annotations

import asyncio

import pytest

from loaders.load import load_paths
from queries.access.state import AccessStore
from tests.support.api import KEYS, SECRET, Server, codes, gql
from tests.support.demo import load_demo
from tests.support.stores import KINDS, neo4j_settings, open_empty
from tests.support.ws import WsClient

PENALTIES = "处罚决定书文号,对象类型,对象代码,违法行为,处罚类别,罚款金额,处罚决定日期,处罚机关,处罚机关区划代码,失信程度,状态\n"
RECORDS = """subscription { recordChanges(kinds: ["Penalty"]) {
  position changes { kind subjectId record { ... on Penalty { decisionNo } } } } }"""
SUBJECT = """query($id: ID!) { subject(id: $id) { id } }"""
CITIES = {"suzhou": "320500", "wuxi": "320200", "hangzhou": "330100", "fuzhou": "350100"}
QUIET_S = 4.0


@pytest.fixture(params=KINDS)
def api(request, tmp_path):
    path = tmp_path / "store"
    settings = neo4j_settings(str(path), SECRET)
    store = load_demo(open_empty(request.param, path, settings), SECRET)
    access = AccessStore(str(path))
    keys = {**KEYS, "fuzhou": ("福州市交通运输局", "350100", "regulator")}
    tokens = {name: access.create_key(*spec)[1] for name, spec in keys.items()}
    srv = Server(store, settings, access)
    yield {"base": srv.base, "port": srv.port, "tokens": tokens, "store": store, "path": tmp_path}
    srv.stop()
    store.close()


def guangzhou_penalties(store, path) -> dict[str, str]:
    """A file of penalties by Guangzhou's bureau (no partner of anyone here), one about each
    firm and vehicle of the store: decision number -> the subject's uid."""
    rows, about = [], {}
    for label, kind in (("Enterprise", "企业"), ("Vehicle", "车辆")):
        for n, node in enumerate(store.iter_nodes(label)):
            no = f"穗交罚〔2026〕{label[0]}{n:05d}号"
            rows.append(f"{no},{kind},{node.key},超限运输,罚款,1000,2026-11-02,"
                        f"广州市交通运输局,440100,一般,有效\n")
            about[no] = node.uid
    path.write_text(PENALTIES + "".join(rows), encoding="utf-8")
    return about


def test_each_key_hears_of_exactly_the_subjects_its_reads_show(api):
    csv = api["path"] / "guangzhou.csv"
    about = guangzhou_penalties(api["store"], csv)

    async def scenario() -> dict[str, set[str]]:
        subs = {name: [await WsClient(api["port"], api["tokens"][name]).__aenter__()
                       for _ in range(2)] for name in CITIES}
        for clients in subs.values():
            for ws in clients:
                await ws.send("1", RECORDS)
        await asyncio.sleep(1.0)  # each subscription has read its starting position
        [summary] = await asyncio.to_thread(load_paths, api["store"], [csv], SECRET)
        assert summary.rows_rejected == 0 and summary.rows_loaded == len(about)

        async def hear(ws) -> set[str]:
            got = {}
            while True:  # until the feed has been quiet a while
                try:
                    msg = await ws.recv(QUIET_S)
                except asyncio.TimeoutError:
                    break
                assert msg["type"] == "next" and "errors" not in msg["payload"], msg
                for c in msg["payload"]["data"]["recordChanges"]["changes"]:
                    got[c["record"]["decisionNo"]] = c["subjectId"]
                    assert about[c["record"]["decisionNo"]] == c["subjectId"]
            await ws.__aexit__()
            return set(got.values())

        found = await asyncio.gather(*(hear(ws) for clients in subs.values() for ws in clients))
        heard = {}
        for name, (first, second) in zip(subs, zip(found[::2], found[1::2])):
            assert first == second  # both subscriptions alike
            heard[name] = first
        return heard

    heard = asyncio.run(scenario())
    subjects = sorted(set(about.values()))
    for name in CITIES:
        shown = set()
        for uid in subjects:
            body = gql(api, SUBJECT, name, id=uid)
            if body["data"]["subject"] is not None:
                shown.add(uid)
            else:
                assert codes(body) == ["FORBIDDEN"], body
        assert heard[name] == shown, name
        if name != "fuzhou":  # each city sees some of the subjects, not all
            assert shown and shown != set(subjects)
    # firms registered elsewhere are Wuxi's to hear only through an agreement, a nationwide
    # list or a link: some are
    assert {u for u in heard["wuxi"] if u.startswith("Enterprise:")
            and not u.startswith("Enterprise:913202")}
    assert "Enterprise:91320508137219580W" not in heard["hangzhou"]  # 苏州姑苏: not Hangzhou's
