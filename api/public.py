"""Pages anyone may open without a key: a firm's public view at ``/p/<code>`` (#14, the
merchant lookup code a QR code carries; :mod:`queries.reports.public`) and the check of a
printed credit report at ``/verify/<number>?sha256=<hash>``.

Both are rate-limited per client (a token bucket per client address in each worker
process: ``CREDITKB_PUBLIC_RATE`` requests a second, bursts of twice that) and answered
from a cache kept per store version and day, so a scan storm costs dictionary look-ups.
A code that does not check and a firm that is not there get one answer (404, one body).
Public pages name no person and no penalty; they carry no key, so they are not in the audit
log (which records keys' operations), but every refusal of the rate limit is logged.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import os
import time
from collections import OrderedDict

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from graph_model import regions as _regions
from queries.dates import InvalidInput
from queries.reports.canonical import plain
from queries.reports.issued import verify_report
from queries.reports.public import public_view

__all__ = ["mount_public", "RateLimit", "DEFAULT_RATE"]

log = logging.getLogger("creditkb.api.public")
#: Requests a second one client may make of the public pages (a local default: a person
#: scanning codes makes a few; set CREDITKB_PUBLIC_RATE for a kiosk or a load test).
DEFAULT_RATE = 20.0
CACHE_SIZE = 20_000


class RateLimit:
    """A token bucket per client: ``rate`` a second, bursts of ``2 * rate``."""

    def __init__(self, rate: float, clients: int = 50_000):
        self.rate, self.burst, self.clients = rate, 2 * rate, clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def allow(self, client: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.pop(client, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        allowed = tokens >= 1.0
        self._buckets[client] = (tokens - 1.0 if allowed else tokens, now)
        while len(self._buckets) > self.clients:
            self._buckets.popitem(last=False)
        return allowed


class _Cache:
    """Answers by (store version, day, key), the oldest dropped past :data:`CACHE_SIZE`."""

    def __init__(self):
        self._items: OrderedDict = OrderedDict()

    def get(self, key):
        found = self._items.get(key)
        if found is not None:
            self._items.move_to_end(key)
        return found

    def put(self, key, value):
        self._items[key] = value
        while len(self._items) > CACHE_SIZE:
            self._items.popitem(last=False)


_PAGE = """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>
<style>body{{font-family:"Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif;margin:2em;
max-width:36em}}.grade{{font-size:3em;font-weight:bold}}td{{padding:.2em 1em .2em 0}}</style>
</head><body>{body}</body></html>"""


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(_PAGE.format(title=html.escape(title), body=body), status_code=status,
                        headers={"cache-control": "public, max-age=60"})


def _view_page(v) -> str:
    e = html.escape
    region = f"{_regions.name_of(v.region_code) or ''} {v.region_code or ''}".strip()
    grade = (f'<div class="grade">{e(v.grade)}</div><p>{e(v.scheme or "")} · '
             f'{e(v.grade_issued_by or "")} · 有效期至 {e(str(v.grade_valid_to or ""))}</p>'
             if v.grade else "<p>本地区未认定信用等级 (no grade recognised)</p>")
    lists = "".join(f"<li>{e(x.list_kind)} ({e(str(x.listed_on))}, {e(x.agency or '')})</li>"
                    for x in v.lists) or "<li>无 (none)</li>"
    return (f"<h1>{e(v.name)}</h1><table><tr><td>统一社会信用代码</td><td>{e(v.uscc)}</td></tr>"
            f"<tr><td>注册地</td><td>{e(region)}</td></tr>"
            f"<tr><td>查询日期</td><td>{e(str(v.as_of))}</td></tr></table>"
            f"<h2>信用等级</h2>{grade}<h2>公开名单</h2><ul>{lists}</ul>")


def _wants_json(request: Request) -> bool:
    return "application/json" in (request.headers.get("accept") or "")


def mount_public(app: FastAPI, store, settings) -> None:
    """Add ``/p/{code}`` and ``/verify/{number}`` to ``app``."""
    rate = float(os.environ.get("CREDITKB_PUBLIC_RATE") or DEFAULT_RATE)
    limit = RateLimit(rate)
    cache = _Cache()

    def limited(request: Request) -> Response | None:
        client = request.client.host if request.client else "-"
        if limit.allow(client):
            return None
        log.warning("public page rate limit: %s refused", client)
        return Response("too many requests\n", status_code=429,
                        headers={"retry-after": "1", "content-type": "text/plain"})

    @app.get("/p/{code}", include_in_schema=False)
    async def lookup(code: str, request: Request) -> Response:
        refused = limited(request)
        if refused is not None:
            return refused
        day = dt.date.today()
        as_json = _wants_json(request)
        key = (store.version(), day, code, as_json)
        found = cache.get(key)
        if found is None:
            v = await run_in_threadpool(public_view, store, code, settings.secret, day)
            if v is None:
                found = (404, {"error": "no such firm"} if as_json else
                         "<h1>未找到 (not found)</h1><p>查询码无效或企业不存在。</p>")
            else:
                found = (200, plain(v) if as_json else _view_page(v))
            cache.put(key, found)
        status, body = found
        if as_json:
            return JSONResponse(body, status_code=status)
        return _page("信用查询", body, status)

    @app.get("/verify/{number}", include_in_schema=False)
    async def verify(number: str, request: Request, sha256: str = "") -> Response:
        refused = limited(request)
        if refused is not None:
            return refused
        key = (store.version(), dt.date.today(), "verify", number, sha256)
        found = cache.get(key)
        if found is None:
            try:
                v = await run_in_threadpool(verify_report, store, number, sha256)
                found = (200, plain(v))
            except InvalidInput as exc:
                found = (400, {"error": str(exc)})
            cache.put(key, found)
        status, body = found
        if _wants_json(request):
            return JSONResponse(body, status_code=status)
        e = html.escape
        if status != 200:
            text = f"<h1>报告核验</h1><p>{e(body['error'])}</p>"
        else:
            verdict = ("真实有效，且仍为最新 (genuine and current)" if body["current"] else
                       "真实，但内容已变更 (genuine, no longer current)" if body["genuine"] else
                       "无法核验：非本系统出具或已被改动 (not genuine)")
            text = (f"<h1>报告核验</h1><p>报告编号 {e(number)}</p>"
                    f"<p id=\"verdict\"><strong>{verdict}</strong></p>"
                    f"<p>报告基准日 {e(str(body['as_of'] or ''))} · 出具日期 "
                    f"{e(str(body['issued_on'] or ''))}</p><p>{e(body['explanation'])}</p>")
        return _page("报告核验", text, status)
