"""The live feed from loads (issue 15, item 4), as a regulator's dashboard meets it: real
``creditkb serve`` processes (one of them with two workers) on the demo store, real
WebSockets, and ``creditkb load`` / ``creditkb loads undo`` committing in processes of
their own.  A subscriber hears within seconds what another process committed, resumes
from its last position without missing anything, and hears nothing outside its key's
scope."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from tests.support.api import free_port
from tests.support.cli import CREDITKB, run, wait_for_health
from tests.support.ws import WsClient

ROOT = Path(__file__).resolve().parents[2]
#: the processes import this tree's code, whatever is installed
ENV = {"PYTHONPATH": str(ROOT), "CREDITKB_SECRET": "feed-test-secret"}
PENALTIES = "处罚决定书文号,对象类型,对象代码,违法行为,处罚类别,罚款金额,处罚决定日期,处罚机关,处罚机关区划代码,失信程度,状态\n"
GUSU = "91320508137219580W"  # 苏州姑苏出租汽车有限公司, registered in Suzhou
RECORDS = """subscription($after: String) { recordChanges(kinds: ["Penalty"], after: $after) {
  position changes { position at change kind region subjectId
    record { ... on Penalty { decisionNo agencyRegion } } subject { name } } } }"""
WATCH = """subscription { watchlistChanges { position change basis entry { id agencyRegion } } }"""
DELIVERY_S = 5.0


def penalty(no: str, subject: str = GUSU) -> str:
    return PENALTIES + f"{no},企业,{subject},未按规定落实动态监控,罚款,3000,2026-11-02," \
                       f"苏州市交通运输局,320500,一般,有效\n"


class Feed:
    """The demo store, keys, and two server processes over it."""

    def __init__(self, tmp: Path):
        self.tmp, self.store = tmp, str(tmp / "store")
        out = run("demo", "--store", self.store, "--no-serve", cwd=tmp, env=ENV)
        assert out.returncode == 0, out.stderr
        self.tokens = {name: self.key(agency, region) for name, agency, region in (
            ("suzhou", "苏州市交通运输局", "320500"), ("hangzhou", "杭州市交通运输局", "330100"))}
        self.procs, self.ports = [], []
        for workers in ("2", "1"):
            port = free_port()
            proc = subprocess.Popen([*CREDITKB, "serve", "--store", self.store, "--port", str(port),
                                     "--workers", workers], cwd=tmp, env={**os.environ, **ENV},
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            self.procs.append(proc)
            self.ports.append(port)
        for proc, port in zip(self.procs, self.ports):
            wait_for_health(proc, port)

    def key(self, agency: str, region: str) -> str:
        out = run("keys", "create", "--agency", agency, "--region", region, "--role", "regulator",
                  "--store", self.store, cwd=self.tmp, env=ENV)
        assert out.returncode == 0, out.stderr
        return out.stdout.strip().split()[-1]

    def load(self, name: str, text: str, **env) -> float:
        """``creditkb load`` of one file in a process of its own; when it had committed."""
        path = self.tmp / name
        path.write_text(text, encoding="utf-8")
        out = run("load", str(path), "--store", self.store, cwd=self.tmp, env={**ENV, **env})
        assert out.returncode == 0, out.stdout + out.stderr
        return time.monotonic()

    def last_load(self) -> str:
        out = run("loads", "list", "--store", self.store, cwd=self.tmp, env=ENV)
        return out.stdout.strip().splitlines()[-1].split()[0]

    def stop(self):
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            proc.wait(20)


@pytest.fixture(scope="module")
def feed(tmp_path_factory):
    f = Feed(tmp_path_factory.mktemp("feed"))
    yield f
    f.stop()


async def subscribed(port: int, token: str, query: str, **variables) -> WsClient:
    ws = await WsClient(port, token).__aenter__()
    await ws.send("1", query, **variables)
    return ws


async def next_event(ws: WsClient, field: str, timeout: float = DELIVERY_S) -> dict:
    msg = await ws.recv(timeout)
    assert msg["type"] == "next" and "errors" not in msg["payload"], msg
    return msg["payload"]["data"][field]


def test_subscribers_on_every_server_process_hear_a_cli_load_within_seconds(feed):
    async def scenario():
        # three Suzhou subscriptions on each server (two of them on a two-worker server),
        # and Hangzhou's, which may not hear of a Suzhou firm's penalty
        suzhou = [await subscribed(port, feed.tokens["suzhou"], RECORDS)
                  for port in feed.ports for _ in range(3)]
        hangzhou = [await subscribed(port, feed.tokens["hangzhou"], RECORDS) for port in feed.ports]
        await asyncio.sleep(1.0)  # each subscription has read its starting position
        committed = await asyncio.to_thread(feed.load, "p1.csv", penalty("苏交罚〔2026〕0000901号"))
        for ws in suzhou:
            batch = await next_event(ws, "recordChanges")
            assert time.monotonic() - committed < DELIVERY_S
            [change] = batch["changes"]  # the penalty; not the firm the file names
            assert int(batch["position"]) >= int(change["position"])
            assert change["change"] == "WRITTEN" and change["kind"] == "Penalty"
            assert change["record"] == {"decisionNo": "苏交罚〔2026〕0000901号", "agencyRegion": "320500"}
            assert change["subjectId"] == f"Enterprise:{GUSU}"
            assert change["subject"] == {"name": "苏州姑苏出租汽车有限公司"}
            assert int(change["position"]) > 0
        for ws in hangzhou:
            with pytest.raises(asyncio.TimeoutError):
                await ws.recv(timeout=1.5)
        for ws in suzhou + hangzhou:
            await ws.__aexit__()

    asyncio.run(scenario())
    # each subscription's start and each delivery are in the audit log
    out = run("audit", "--store", feed.store, "--agency", "苏州市交通运输局", "--json",
              cwd=feed.tmp, env=ENV)
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    feed_rows = [r for r in rows if "recordChanges" in json.dumps(r, ensure_ascii=False)]
    assert len(feed_rows) == 6 + 6, feed_rows  # 6 starts, 6 events sent


def test_a_watchlist_entry_loaded_by_a_partner_reaches_the_shared_watchlist_feed(feed):
    entries = "名单类型,对象类型,对象代码,列入日期,移出日期,列入原因,认定机关,认定机关区划代码\n" \
              "重点监管,车辆,苏BD05227,2026-11-02,,机场违规揽客,无锡市交通运输局,320200\n"

    async def scenario():
        suzhou = await subscribed(feed.ports[1], feed.tokens["suzhou"], WATCH)
        hangzhou = await subscribed(feed.ports[1], feed.tokens["hangzhou"], WATCH)
        await asyncio.sleep(1.0)
        await asyncio.to_thread(feed.load, "l1.csv", entries)
        change = await next_event(suzhou, "watchlistChanges")
        assert change["change"] == "ADDED" and change["basis"] == "AGREEMENT"
        assert change["entry"]["id"] == "ListEntry:重点监管|Vehicle:苏BD05227|320200|2026-11-02"
        with pytest.raises(asyncio.TimeoutError):  # Hangzhou shares no agreement with Wuxi
            await hangzhou.recv(timeout=1.5)
        # the load is taken back: the partner city hears that the entry went
        out = await asyncio.to_thread(run, "loads", "undo", feed.last_load(), "--store",
                                      feed.store, cwd=feed.tmp, env=ENV)
        assert out.returncode == 0, out.stderr
        change = await next_event(suzhou, "watchlistChanges")
        assert change["change"] == "REMOVED"
        for ws in (suzhou, hangzhou):
            await ws.__aexit__()

    asyncio.run(scenario())


def test_a_subscriber_that_reconnects_from_its_last_position_misses_nothing(feed):
    async def scenario():
        ws = await subscribed(feed.ports[0], feed.tokens["suzhou"], RECORDS)
        await asyncio.sleep(1.0)
        await asyncio.to_thread(feed.load, "p2.csv", penalty("苏交罚〔2026〕0000902号"))
        first = await next_event(ws, "recordChanges")
        assert [c["record"]["decisionNo"] for c in first["changes"]] == ["苏交罚〔2026〕0000902号"]
        await ws.__aexit__()  # the dashboard goes offline ...
        # ... while two more files are loaded
        await asyncio.to_thread(feed.load, "p3.csv", penalty("苏交罚〔2026〕0000903号"))
        await asyncio.to_thread(feed.load, "p4.csv", penalty("苏交罚〔2026〕0000904号"))
        ws = await subscribed(feed.ports[1], feed.tokens["suzhou"], RECORDS,
                              after=first["position"])
        missed = []
        while len(missed) < 2:  # one stretch of the log or two
            missed += (await next_event(ws, "recordChanges"))["changes"]
        assert [m["record"]["decisionNo"] for m in missed] == ["苏交罚〔2026〕0000903号",
                                                               "苏交罚〔2026〕0000904号"]
        assert int(first["position"]) < int(missed[0]["position"]) < int(missed[1]["position"])
        with pytest.raises(asyncio.TimeoutError):  # and nothing twice
            await ws.recv(timeout=1.0)
        await ws.__aexit__()

    asyncio.run(scenario())


def test_a_position_the_log_no_longer_holds_is_an_error_with_its_code(feed):
    async def scenario():
        # a writer keeping only the newest entry trims everything before it
        await asyncio.to_thread(feed.load, "p5.csv", penalty("苏交罚〔2026〕0000905号"),
                                CREDITKB_CHANGES_KEPT="1")
        ws = await subscribed(feed.ports[0], feed.tokens["suzhou"], RECORDS, after="1")
        msg = await ws.recv()
        assert msg["type"] == "error" or "errors" in msg.get("payload", {}), msg
        errors = msg["payload"] if msg["type"] == "error" else msg["payload"]["errors"]
        assert errors[0]["extensions"]["code"] == "FEED_POSITION_EXPIRED"
        await ws.__aexit__()
        ws = await subscribed(feed.ports[0], feed.tokens["suzhou"], RECORDS, after="x1")
        msg = await ws.recv()
        errors = msg["payload"] if msg["type"] == "error" else msg["payload"]["errors"]
        assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
        await ws.__aexit__()

    asyncio.run(scenario())
