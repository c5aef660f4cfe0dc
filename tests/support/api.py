"""The API as its tests reach it: the app served by uvicorn on a free loopback port, the
demo agencies' keys, and GraphQL requests over real HTTP."""

from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager

import httpx
import uvicorn

from api.app import create_app

SECRET = "api-test-secret"
KEYS = {
    "suzhou": ("苏州市交通运输局", "320500", "regulator"),
    "wuxi": ("无锡市交通运输局", "320200", "regulator"),
    "hangzhou": ("杭州市交通运输局", "330100", "regulator"),
    "jiangsu": ("江苏省交通运输厅", "320000", "investigator"),
    "viewer": ("苏州市交通运输局", "320500", "viewer"),
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """uvicorn serving the app in a thread of this process, on a free loopback port."""

    def __init__(self, store, settings, access, **options):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.app = create_app(store, settings, access, **options)
        self.server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=self.port,
                                                    log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.02)

    def stop(self):
        self.server.should_exit = True
        self.thread.join(10)


def demo_keys(path, keys=None) -> dict:
    """The demo data in a new embedded store at ``path``, with a key for each of ``keys``
    (default :data:`KEYS`): store, access state, tokens by name, and settings."""
    from graph_model.settings import Settings
    from queries.access.state import AccessStore
    from tests.support.demo import demo_store

    store = demo_store(path, SECRET)
    access = AccessStore(str(path))
    tokens = {name: access.create_key(*spec)[1] for name, spec in (keys or KEYS).items()}
    return {"store": store, "access": access, "tokens": tokens, "path": path,
            "settings": Settings(store=str(path), secret=SECRET)}


def slowed(monkeypatch, module, name: str, seconds: float) -> None:
    """``module.name`` made ``seconds`` slower (a sleep before the real call)."""
    real = getattr(module, name)

    def slow(*args, **kwargs):
        time.sleep(seconds)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, slow)


def post(api, query, key="suzhou", accept=None, accept_language="en", **variables):
    """POST ``query`` with ``key``'s token (``api``: the base URL and the tokens), asking
    for answers in ``accept_language`` (English: the tests that compare messages compare
    English ones; None sends no Accept-Language, so the answer is in Chinese)."""
    headers = {"authorization": f"Bearer {api['tokens'][key]}"} if key else {}
    if accept:
        headers["accept"] = accept
    if accept_language:
        headers["accept-language"] = accept_language
    return httpx.post(f"{api['base']}/graphql", json={"query": query, "variables": variables},
                      headers=headers, timeout=20)


def gql(api, query, key="suzhou", accept_language="en", **variables):
    """The JSON answer of a request that must be answered 200, and never with a traceback."""
    r = post(api, query, key, accept_language=accept_language, **variables)
    assert r.status_code == 200, r.text
    assert "Traceback" not in r.text
    return r.json()


def codes(body) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


@contextmanager
def demo_api(tmp_path_factory, name: str, **extra_keys):
    """The demo data on disk served on loopback, with a key for each of :data:`KEYS` and
    ``extra_keys`` (name -> (agency, region, role)): yields ``{"base", "tokens", "access"}``."""
    from graph_model.settings import Settings
    from queries.access.state import AccessStore
    from tests.support.demo import demo_store

    path = tmp_path_factory.mktemp(name) / "store"
    store = demo_store(path, SECRET)
    access = AccessStore(str(path))
    tokens = {k: access.create_key(*spec)[1] for k, spec in {**KEYS, **extra_keys}.items()}
    srv = Server(store, Settings(store=str(path), secret=SECRET), access)
    try:
        yield {"base": srv.base, "tokens": tokens, "access": access}
    finally:
        srv.stop()
        store.close()
