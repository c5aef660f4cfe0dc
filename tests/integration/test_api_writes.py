"""Writes through the API over real HTTP: list entries, repairs and commitments checked like
loaded rows and written by the key's own agency only; partners' changes reaching every
member city over the watchlistChanges subscription (WebSocket); the audit log of reads and
writes surviving a restart of the server.  On the demo data in each store (embedded, and
the Neo4j test server)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import pytest
import websockets

from queries.access.state import AccessStore
from tests.support.api import KEYS, SECRET, Server, codes, gql, post
from tests.support.demo import load_demo
from tests.support.stores import KINDS, neo4j_settings, open_empty

ADD = """mutation($s: ID!, $kind: String!, $on: Date!, $reason: String) {
  addListEntry(input: {subjectId: $s, listKind: $kind, listedOn: $on, reason: $reason}) {
    id listKind listedOn agency agencyRegion subject { id name } } }"""
REMOVE = """mutation($id: ID!, $on: Date!) { removeListEntry(input: {entryId: $id, removedOn: $on}) {
  id removedOn } }"""
WATCH = """subscription($region: String) { watchlistChanges(region: $region) { change basis
  countedBy region entry { id listKind agencyRegion } subject { id name } } }"""


@pytest.fixture(params=KINDS)
def api(request, tmp_path):
    path = tmp_path / "store"
    settings = neo4j_settings(str(path), SECRET)
    store = load_demo(open_empty(request.param, path, settings), SECRET)
    access = AccessStore(str(path))
    tokens = {name: access.create_key(*spec)[1] for name, spec in KEYS.items()}
    srv = Server(store, settings, access)
    state = {"base": srv.base, "port": srv.port, "tokens": tokens, "access": access,
             "store": store, "server": srv, "path": path, "settings": settings}
    yield state
    state["server"].stop()
    store.close()


class Subscriber:
    """A graphql-transport-ws client subscribed to watchlistChanges."""

    def __init__(self, port, token, region=None):
        self.port, self.token, self.region = port, token, region

    async def __aenter__(self):
        self.ws = await websockets.connect(f"ws://127.0.0.1:{self.port}/graphql",
                                           subprotocols=["graphql-transport-ws"])
        await self.ws.send(json.dumps({"type": "connection_init",
                                       "payload": {"Authorization": f"Bearer {self.token}"}}))
        ack = json.loads(await asyncio.wait_for(self.ws.recv(), 5))
        assert ack["type"] == "connection_ack", ack
        await self.ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {
            "query": WATCH, "variables": {"region": self.region}}}))
        await asyncio.sleep(0.8)  # the subscription is registered with the hub
        return self

    async def next(self, timeout=5.0):
        msg = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
        assert msg["type"] == "next", msg
        return msg["payload"]

    async def __aexit__(self, *exc):
        await self.ws.close()


def test_list_entries_reach_partner_cities_as_they_happen(api):
    async def scenario():
        async with Subscriber(api["port"], api["tokens"]["suzhou"]) as suzhou, \
                Subscriber(api["port"], api["tokens"]["hangzhou"]) as hangzhou:
            added = await asyncio.to_thread(gql, api, ADD, "wuxi", s="苏BD05227", kind="重点监管",
                                            on="2026-11-02", reason="机场违规揽客")
            entry = added["data"]["addListEntry"]
            assert entry["agency"] == "无锡市交通运输局" and entry["agencyRegion"] == "320200"
            change = (await suzhou.next())["data"]["watchlistChanges"]
            assert change["change"] == "ADDED" and change["entry"]["id"] == entry["id"]
            assert change["basis"] == "AGREEMENT" and change["subject"]["name"] == "苏BD05227"
            removed = await asyncio.to_thread(gql, api, REMOVE, "wuxi", id=entry["id"],
                                              on="2026-11-03")
            assert removed["data"]["removeListEntry"]["removedOn"] == "2026-11-03"
            change = (await suzhou.next())["data"]["watchlistChanges"]
            assert change["change"] == "REMOVED"
            # Hangzhou shares no agreement with Wuxi: it hears nothing of either
            with pytest.raises(asyncio.TimeoutError):
                await hangzhou.next(timeout=1.0)

    asyncio.run(scenario())
    # the new entry is on Suzhou's shared watchlist on the days it was in force
    q = """query($d: Date!) { sharedWatchlist(asOf: $d, listKind: "重点监管") {
             edges { node { id basis } } } }"""
    ids = [e["node"]["id"] for e in gql(api, q, d="2026-11-02")["data"]["sharedWatchlist"]["edges"]]
    assert "ListEntry:重点监管|Vehicle:苏BD05227|320200|2026-11-02" in ids
    ids = [e["node"]["id"] for e in gql(api, q, d="2026-11-03")["data"]["sharedWatchlist"]["edges"]]
    assert "ListEntry:重点监管|Vehicle:苏BD05227|320200|2026-11-02" not in ids


def test_a_subscription_needs_a_key(api):
    async def scenario():
        async with websockets.connect(f"ws://127.0.0.1:{api['port']}/graphql",
                                      subprotocols=["graphql-transport-ws"]) as ws:
            await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 5)
            assert closed.value.rcvd.code == 4403

    asyncio.run(scenario())


def test_writes_are_checked_like_loaded_rows_and_only_for_the_own_agency(api):
    # the loader's checks: an unknown list kind, a vehicle that is not stored
    bad_kind = gql(api, ADD, "wuxi", s="苏BD05227", kind="坏名单", on="2026-11-02")
    assert codes(bad_kind) == ["BAD_USER_INPUT"] and "list_kind" in bad_kind["errors"][0]["message"]
    assert codes(gql(api, ADD, "wuxi", s="苏B00000", kind="重点监管", on="2026-11-02")) == ["FORBIDDEN"]
    # a viewer or an investigator does not write
    assert codes(gql(api, ADD, "viewer", s="苏E8G520", kind="重点监管", on="2026-11-02")) == ["FORBIDDEN"]
    assert codes(gql(api, ADD, "jiangsu", s="苏E8G520", kind="重点监管", on="2026-11-02")) == ["FORBIDDEN"]
    # Suzhou cannot end Wuxi's entry; Wuxi can, not before it began
    wuxi_entry = "ListEntry:重点监管|Vehicle:苏BD05227|320200|2023-09-01"
    assert codes(gql(api, REMOVE, "suzhou", id=wuxi_entry, on="2026-11-01")) == ["FORBIDDEN"]
    assert codes(gql(api, REMOVE, "wuxi", id=wuxi_entry, on="2023-08-01")) == ["BAD_USER_INPUT"]
    # another agency's entry and one that is not there: one answer
    missing = gql(api, REMOVE, "wuxi", id=wuxi_entry.replace("2023-09-01", "2023-09-02"),
                  on="2026-11-01")
    assert missing == gql(api, REMOVE, "suzhou", id=wuxi_entry, on="2026-11-01")
    assert codes(missing) == ["FORBIDDEN"]
    assert codes(gql(api, REMOVE, "wuxi", id="not an entry", on="2026-11-01")) == ["BAD_USER_INPUT"]
    assert gql(api, REMOVE, "wuxi", id=wuxi_entry, on="2026-11-01")["data"]["removeListEntry"]
    # repairs (rules 17, 18): once the minimum period is over, in the mode the violation
    # calls for, by the deciding city, the subject's home city or an agreement partner
    repair = """mutation($no: String!, $on: Date!, $mode: String = "承诺", $evidence: String) {
                  recordRepair(input: {decisionNo: $no, mode: $mode, repairedOn: $on,
                  evidence: $evidence}) { id mode repairedOn agency agencyRegion evidence } }"""
    early = gql(api, repair, "wuxi", no="无锡交罚〔2024〕0000233号", on="2024-02-01")
    assert codes(early) == ["BAD_USER_INPUT"] and "minimum publication period" in early["errors"][0]["message"]
    # a penalty this key may not repair (another agreement's) and one that is not there:
    # one answer
    others = gql(api, repair, "hangzhou", no="无锡交罚〔2024〕0000233号", on="2024-06-01")
    assert others == gql(api, repair, "hangzhou", no="无锡交罚〔2099〕0000001号", on="2024-06-01")
    assert codes(others) == ["FORBIDDEN"]
    done = gql(api, repair, "wuxi", no="无锡交罚〔2024〕0000233号", on="2024-06-01")["data"]["recordRepair"]
    assert done == {"id": "Repair:无锡交罚〔2024〕0000233号|2024-06-01", "mode": "承诺",
                    "repairedOn": "2024-06-01", "agency": "无锡市交通运输局", "agencyRegion": "320200",
                    "evidence": None}
    again = gql(api, repair, "suzhou", no="无锡交罚〔2024〕0000233号", on="2024-07-01")  # its home city
    assert codes(again) == ["BAD_USER_INPUT"] and "already repaired" in again["errors"][0]["message"]
    # Changzhou's penalty for an unmarked dangerous-goods truck: a lasting state (#12), which
    # Suzhou, a partner of the 苏锡常通 agreement, may repair off-site (#3 异地修复).
    marks = "常州交罚〔2025〕0000150号"
    wrong = gql(api, repair, "suzhou", no=marks, on="2025-07-01")
    assert codes(wrong) == ["BAD_USER_INPUT"] and "closed-loop" in wrong["errors"][0]["message"]
    bare = gql(api, repair, "suzhou", no=marks, on="2025-07-01", mode="闭环")
    assert codes(bare) == ["BAD_USER_INPUT"] and "evidence" in bare["errors"][0]["message"]
    off_site = gql(api, repair, "suzhou", no=marks, on="2025-07-01", mode="闭环",
                   evidence="标志悬挂整改照片及复查记录")["data"]["recordRepair"]
    assert (off_site["agencyRegion"], off_site["evidence"]) == ("320500", "标志悬挂整改照片及复查记录")
    # commitments; a person's by resident ID number only
    commit = """mutation($s: ID!, $due: Date) { recordCommitment(input: {subjectId: $s,
                  kind: "信用修复承诺", madeOn: "2026-11-01", dueOn: $due}) { id status agency } }"""
    made = gql(api, commit, "suzhou", s="91320506MA1XJ8R49P", due="2027-01-01")["data"]["recordCommitment"]
    assert made["status"] == "履约中" and made["agency"] == "苏州市交通运输局"
    assert codes(gql(api, commit, "suzhou", s="91320506MA1XJ8R49P", due="2026-01-01")) == ["BAD_USER_INPUT"]
    person = gql(api, commit, "suzhou", s="320583199209270735")["data"]["recordCommitment"]
    assert person["id"].startswith("Commitment:Person:")
    uid = gql(api, 'query($id: ID!) { subject(id: $id) { id } }', s=None,
              id="320583199209270735")["data"]["subject"]["id"]
    assert codes(gql(api, commit, "suzhou", s=uid)) == ["BAD_USER_INPUT"]
    # every write is a load of its own, by the key's agency, so it can be listed and undone
    writes = [x for x in api["store"].loads() if x.file.startswith("graphql:")]
    assert {x.file for x in writes} == {"graphql:removeListEntry", "graphql:recordRepair",
                                        "graphql:recordCommitment"}
    assert {x.agency for x in writes} == {"无锡市交通运输局", "苏州市交通运输局"}


def test_reads_and_writes_are_audited_and_the_log_survives_a_restart(api, tmp_path):
    gql(api, 'query($id: ID!) { subject(id: $id) { name } }', id="91320506MA1MKT3P0P")
    gql(api, 'query($id: ID!) { subject(id: $id) { name } }', "hangzhou", id="91320506MA1XJ8R49P")
    gql(api, ADD, "wuxi", s="苏BD05227", kind="重点监管", on="2026-11-05")
    suzhou_key = api["access"].authenticate(api["tokens"]["suzhou"]).key_id
    # restart: a new server process state on the same directory
    api["server"].stop()
    api["access"].close()
    access = AccessStore(str(api["path"]))
    api["server"] = Server(api["store"], api["settings"], access)
    api["base"] = api["server"].base
    entries = access.audit()
    read = [e for e in entries if e.key_id == suzhou_key and e.operation == "subject"]
    assert read and read[0].subjects == ("Enterprise:91320506MA1MKT3P0P",)
    assert read[0].agency == "苏州市交通运输局" and read[0].kind == "read" and read[0].outcome == "ok"
    denied = [e for e in entries if e.agency == "杭州市交通运输局"]
    assert denied[0].outcome == "forbidden" and denied[0].subjects == ("Enterprise:91320506MA1XJ8R49P",)
    wrote = [e for e in entries if e.operation == "addListEntry"]
    assert wrote[0].kind == "write" and "Vehicle:苏BD05227" in wrote[0].subjects
    assert all(e.at.endswith("+00:00") for e in entries)
    # `creditkb audit` reads the same log
    out = subprocess.run([sys.executable, "-m", "creditkb.cli", "audit", "--store",
                          str(api["path"]), "--agency", "苏州市交通运输局", "--json"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    lines = [json.loads(x) for x in out.stdout.splitlines()]
    assert any(x["operation"] == "subject" and x["subjects"] == ["Enterprise:91320506MA1MKT3P0P"]
               for x in lines)
    # and the server after the restart still audits
    post(api, 'query($id: ID!) { subject(id: $id) { name } }', id="苏E8G520")
    assert any(e.subjects == ("Vehicle:苏E8G520",) for e in access.audit(key_id=suzhou_key))
