"""The API over real HTTP on 127.0.0.1: health, and a first subject query."""

from __future__ import annotations

import socket
import threading
import time

import httpx
import pandas as pd
import pytest
import uvicorn

from api.app import create_app
from creditkb.settings import Settings
from creditkb.stores.embedded import EmbeddedStore
from graph_model.identifiers import protect_ric

SECRET = "api-test-secret"
FIRM = "91320505MA1MQ7X08B"
RIC = "320505200101011236"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("api") / "store")
    store = EmbeddedStore(path)
    person_hash, masked = protect_ric(RIC, SECRET)
    with store.transaction() as tx:
        tx.upsert_nodes("Enterprise", pd.DataFrame({"uscc": [FIRM], "name": ["苏州甲运输有限公司"],
                                                    "region_code": ["320505"]}))
        tx.upsert_nodes("Person", pd.DataFrame({"id_hash": [person_hash], "id_masked": [masked],
                                                "name": ["张三"]}))
    settings = Settings(store=path, secret=SECRET)
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(store, settings), host="127.0.0.1", port=port,
                                        log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)
    store.close()


def gql(base, query, **variables):
    r = httpx.post(f"{base}/graphql", json={"query": query, "variables": variables}, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


SUBJECT = """query($id: ID!) { subject(id: $id) { __typename id key name regionCode
                                                 properties } }"""


def test_health(server):
    r = httpx.get(f"{server}/health", timeout=10)
    assert r.status_code == 200 and r.json()["status"] == "ok" and r.json()["nodes"] == 2


def test_subject_by_bare_uscc_and_by_node_id(server):
    by_code = gql(server, SUBJECT, id=FIRM)["data"]["subject"]
    assert by_code["__typename"] == "Enterprise" and by_code["name"] == "苏州甲运输有限公司"
    assert by_code["id"] == f"Enterprise:{FIRM}" and by_code["regionCode"] == "320505"
    assert gql(server, SUBJECT, id=f"Enterprise:{FIRM}")["data"]["subject"] == by_code


def test_person_found_by_resident_id_but_never_shown_in_clear(server):
    result = gql(server, SUBJECT, id=RIC)["data"]["subject"]
    assert result["__typename"] == "Person" and result["name"] == "张三"
    assert RIC not in str(result) and result["properties"]["id_masked"] == "320505********1236"


def test_unknown_subject_is_null_and_a_malformed_id_is_an_error(server):
    wrong_check = gql(server, SUBJECT, id="91320505MA1MQ7X08C")
    assert wrong_check["data"]["subject"] is None
    assert "91320505MA1MQ7X08C" in wrong_check["errors"][0]["message"]
    unknown = gql(server, SUBJECT, id="Vehicle:苏E99999")
    assert unknown["data"]["subject"] is None and "errors" not in unknown
    bad = gql(server, SUBJECT, id="not-an-id")
    assert bad["data"]["subject"] is None
    assert "not-an-id" in bad["errors"][0]["message"]
