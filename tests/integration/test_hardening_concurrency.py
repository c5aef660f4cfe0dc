"""Issue 11's concurrency findings over real HTTP on 127.0.0.1: heavy work runs apart from
light reads, with its own limits, computed once per question and store version, and a
request past its deadline gets TIMEOUT, never a silent stall.  (The figures at scale 1 are
bench/api_load.py's.)"""

from __future__ import annotations

import asyncio
import os
import statistics
import threading
import time
from dataclasses import replace

import httpx
import pytest

import api.heavy
from tests.integration.test_api import HENGTONG
from tests.support.api import Server, codes, demo_keys, gql, slowed

CLUSTERS = '{ clusters(asOf: "2026-10-31") { totalCount } }'
DISTRIBUTION = 'query($d: Date) { gradeDistribution(asOf: $d) { graded ungraded } }'
LIGHT = 'query($id: ID!) { subject(id: $id) { id name } }'


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    state = demo_keys(tmp_path_factory.mktemp("concurrency") / "store")
    yield state
    state["store"].close()


def serve(demo, **options):
    settings = replace(demo["settings"], request_timeout=options.pop("timeout", 10.0))
    srv = Server(demo["store"], settings, demo["access"], **options)
    return srv, {**demo, "base": srv.base}


async def _ask_all(api, query, n, key="suzhou", **variables):
    async with httpx.AsyncClient(base_url=api["base"], timeout=30, headers={
            "authorization": f"Bearer {api['tokens'][key]}"}) as client:
        async def one():
            t = time.monotonic()
            r = await client.post("/graphql", json={"query": query, "variables": variables})
            return time.monotonic() - t, r.json()
        return await asyncio.gather(*(one() for _ in range(n)))


def test_heavy_work_runs_in_processes_of_its_own_once_for_all_asking_with_a_timeout(demo):
    """Eight investigators ask the same heavy question at once, with a deadline shorter than
    starting a worker process: all eight get TIMEOUT at their deadline; the one computation
    goes on in a worker process, and asking again finds its answer."""
    srv, api = serve(demo, timeout=0.5)
    heavy = srv.app.state.heavy
    try:
        answers = asyncio.run(_ask_all(api, CLUSTERS, 8))
        for took, body in answers:
            assert codes(body) == ["TIMEOUT"] and took < 2.0, (took, body)
        assert answers[0][1]["errors"][0]["message"] == "clusters超过时限，仍在后台计算，请稍后再次查询"
        deadline = time.monotonic() + 60
        while heavy.computed < 1:
            assert time.monotonic() < deadline, "the computation did not finish"
            time.sleep(0.1)
        body = gql(api, CLUSTERS, accept_language="zh-CN")  # the language the eight asked in
        assert body["data"]["clusters"]["totalCount"] == 0
        assert heavy.computed == 1  # one computation for nine questions
        # the computation ran in another process, with its own store
        pids = {p.pid for p in heavy.lanes["heavy"].pool._processes.values()}
        assert pids and os.getpid() not in pids
    finally:
        srv.stop()


def test_at_most_two_heavy_computations_run_at_once_and_light_reads_never_wait_behind_them(
        demo, monkeypatch):
    running, most = [0], [0]
    lock = threading.Lock()
    real = api.heavy.TASKS["grade_distribution"]

    def slow(store, *args):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        try:
            time.sleep(1.0)
            return real(store, *args)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setitem(api.heavy.TASKS, "grade_distribution", slow)
    srv, api_ = serve(demo, timeout=2.5, heavy_processes=0)  # threads: the patch applies
    try:
        async def scenario():
            days = [f"2026-0{m}-01" for m in range(1, 7)]  # six questions, each computed
            heavy = asyncio.gather(*(_ask_all(api_, DISTRIBUTION, 1, d=d) for d in days))
            await asyncio.sleep(0.2)
            light = []
            async with httpx.AsyncClient(base_url=api_["base"], timeout=30, headers={
                    "authorization": f"Bearer {api_['tokens']['suzhou']}"}) as client:
                for _ in range(30):
                    t = time.monotonic()
                    r = await client.post("/graphql", json={"query": LIGHT,
                                                            "variables": {"id": HENGTONG}})
                    light.append(time.monotonic() - t)
                    assert r.json()["data"]["subject"]["id"] == f"Enterprise:{HENGTONG}"
            return [a for batch in await heavy for a in batch], light

        heavy, light = asyncio.run(scenario())
    finally:
        srv.stop()
    assert most[0] == 2
    # two slots, one second each: 2 answered in ~1 s, 2 in ~2 s, 2 past the 2.5 s deadline
    outcomes = sorted("TIMEOUT" if codes(body) else "ok" for _, body in heavy)
    assert outcomes == ["TIMEOUT", "TIMEOUT", "ok", "ok", "ok", "ok"]
    assert all(took < 3.3 for took, _ in heavy)
    assert statistics.median(light) < 0.1 and max(light) < 1.0, light


def test_answers_the_same_for_everyone_are_kept_until_the_store_changes(demo):
    srv, api = serve(demo)
    heavy = srv.app.state.heavy
    try:
        first = gql(api, DISTRIBUTION, d="2026-10-31")["data"]
        assert gql(api, DISTRIBUTION, "viewer", d="2026-10-31")["data"] == first
        assert heavy.computed == 1
        # a write moves the store's version on
        add = """mutation { addListEntry(input: {subjectId: "苏E8G520", listKind: "重点关注",
                   listedOn: "2026-11-20"}) { id } }"""
        assert "errors" not in gql(api, add)
        gql(api, DISTRIBUTION, d="2026-10-31")
        assert heavy.computed == 2
    finally:
        srv.stop()


def test_todays_whole_graph_answers_are_precomputed_at_start(demo):
    srv, api = serve(demo, precompute=True)
    try:
        deadline = time.monotonic() + 60
        while not httpx.get(f"{api['base']}/health", timeout=10).json()["precomputed"]:
            assert time.monotonic() < deadline, "nothing was precomputed"
            time.sleep(0.2)
        assert srv.app.state.heavy.computed == 1
        # kept on disk for the other processes, of this API worker and of the others
        shared = {p.name.split("-")[0] for p in (demo["path"] / "answers").glob("*.pickle")}
        assert {"whole_clusters", "whole_shells"} <= shared
        assert "errors" not in gql(api, "{ clusters { totalCount } successorShells { totalCount } }")
    finally:
        srv.stop()


def test_many_clients_past_their_deadline_all_get_timeout_never_a_stall(demo, monkeypatch):
    import api.query

    slowed(monkeypatch, api.query, "q_recognized_grade", 0.5)
    srv, api_ = serve(demo, timeout=1.0)
    try:
        started = time.monotonic()
        answers = asyncio.run(_ask_all(
            api_, 'query($id: ID!) { recognizedGrade(subjectId: $id) { found } }', 60, id=HENGTONG))
        took = time.monotonic() - started
    finally:
        srv.stop()
    # eight threads, half a second each: about sixteen are answered within the second
    ok = [b for _, b in answers if "errors" not in b]
    late = [b for _, b in answers if codes(b) == ["TIMEOUT"]]
    assert len(ok) + len(late) == 60 and 8 <= len(ok) <= 24
    assert max(t for t, _ in answers) < 2.5 and took < 3.0


def test_a_write_that_answered_timeout_is_never_made_later(tmp_path):
    """An API write waiting for the store's write lock (another process's load holds it)
    past its deadline answers TIMEOUT, and stays unwritten when the lock comes free: a
    client told TIMEOUT may write again.  A write that gets the lock in time is made."""
    import sqlite3

    from tests.integration.test_api_writes import ADD

    state = demo_keys(tmp_path / "store")
    srv, api_ = serve(state, timeout=1.0)
    uid = "ListEntry:重点监管|Vehicle:苏BD05227|320200|2026-11-02"
    lock = sqlite3.connect(os.path.join(state["path"], "graph.sqlite3"), isolation_level=None)
    try:
        lock.execute("BEGIN IMMEDIATE")  # as a load's transaction holds it
        started = time.monotonic()
        body = gql(api_, ADD, "wuxi", s="苏BD05227", kind="重点监管", on="2026-11-02")
        assert codes(body) == ["TIMEOUT"] and time.monotonic() - started < 2.5, body
        assert "not made" in body["errors"][0]["message"]
        time.sleep(0.5)
        lock.execute("ROLLBACK")  # the lock comes free while the write still waits for it
        time.sleep(2.0)  # (SQLite's busy wait retries within this)
        assert state["store"].get_nodes([uid]) == {}
        body = gql(api_, ADD, "wuxi", s="苏BD05227", kind="重点监管", on="2026-11-02")
        assert "errors" not in body, body
        assert body["data"]["addListEntry"]["id"] == uid
        assert set(state["store"].get_nodes([uid])) == {uid}
    finally:
        lock.close()
        srv.stop()
        state["store"].close()
