"""Pages anyone may open without a key: a firm's public view at ``/p/<code>`` (#14, the
merchant lookup code a QR code carries; :mod:`queries.reports.public`) and the check of a
printed credit report at ``/verify/<number>?sha256=<hash>``.

Both are rate-limited per client (a token bucket per client address in each worker
process: ``CREDITKB_PUBLIC_RATE`` requests a second, bursts of twice that) and answered
from a cache kept per store version and day, so a scan storm costs dictionary look-ups.
A code that does not check and a firm that is not there get one answer (404, one body).
Public pages name no person and no penalty; they carry no key, so they are not in the audit
log (which records keys' operations), but every refusal of the rate limit is logged.
They speak the reader's language as the API decides it (``?lang=``, else
``Accept-Language``, else Chinese), their words from the message catalogue (``public.*``).
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

from api.report_render import day_text
from graph_model import i18n, regions as _regions
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


_PAGE = """<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>
<style>body{{font-family:"Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif;margin:2em;
max-width:36em}}.grade{{font-size:3em;font-weight:bold}}td{{padding:.2em 1em .2em 0}}</style>
</head><body>{body}</body></html>"""


def _language(request: Request) -> str:
    """The page's language: ``?lang=``, else Accept-Language, else Chinese (as the
    GraphQL endpoint decides it)."""
    return (i18n.normalize(request.query_params.get("lang"))
            or i18n.negotiate(request.headers.get("accept-language")))


def _page(title: str, body: str, lang: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(_PAGE.format(lang=lang, title=html.escape(title), body=body),
                        status_code=status,
                        headers={"cache-control": "public, max-age=60",
                                 "content-language": lang, "vary": "Accept-Language"})


def _view_page(v, lang: str) -> str:
    e = html.escape

    def t(msgid: str, **params) -> str:
        return e(i18n.message(msgid, lang, **params))

    region = f"{_regions.name_of(v.region_code) or ''} {v.region_code or ''}".strip()
    grade = (f'<div class="grade">{e(v.grade)}</div><p>{e(v.scheme or "")} · '
             f'{e(v.grade_issued_by or "")} · '
             f'{t("public.valid_to", day=day_text(v.grade_valid_to, lang))}</p>'
             if v.grade else f'<p>{t("public.no_grade")}</p>')
    lists = "".join(f"<li>{e(x.list_kind)} ({e(day_text(x.listed_on, lang))}, "
                    f"{e(x.agency or '')})</li>" for x in v.lists) or f'<li>{t("public.none")}</li>'
    return (f'<h1>{e(v.name)}</h1><table><tr><td>{t("public.uscc")}</td><td>{e(v.uscc)}</td></tr>'
            f'<tr><td>{t("public.region")}</td><td>{e(region)}</td></tr>'
            f'<tr><td>{t("public.as_of")}</td><td>{e(day_text(v.as_of, lang))}</td></tr></table>'
            f'<h2>{t("public.grade")}</h2>{grade}<h2>{t("public.lists")}</h2><ul>{lists}</ul>')


def _verify_in(lang: str, store, number: str, sha256: str):
    """:func:`verify_report` with its explanation (or refusal) in ``lang``."""
    with i18n.use_language(lang):
        return verify_report(store, number, sha256)


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
        return Response(i18n.message("public.too_many", _language(request)) + "\n",
                        status_code=429, headers={"retry-after": "1",
                                                  "content-type": "text/plain; charset=utf-8"})

    @app.get("/p/{code}", include_in_schema=False)
    async def lookup(code: str, request: Request) -> Response:
        refused = limited(request)
        if refused is not None:
            return refused
        day = dt.date.today()
        as_json, lang = _wants_json(request), _language(request)
        key = (store.version(), day, code, as_json, lang)
        found = cache.get(key)
        if found is None:
            v = await run_in_threadpool(public_view, store, code, settings.secret, day)
            if v is None:
                found = (404, {"error": i18n.message("public.not_found", lang)} if as_json else
                         f"<h1>{html.escape(i18n.message('public.not_found_title', lang))}"
                         f"</h1><p>{html.escape(i18n.message('public.not_found', lang))}</p>")
            else:
                found = (200, plain(v) if as_json else _view_page(v, lang))
            cache.put(key, found)
        status, body = found
        if as_json:
            return JSONResponse(body, status_code=status)
        return _page(i18n.message("public.lookup.title", lang), body, lang, status)

    @app.get("/verify/{number}", include_in_schema=False)
    async def verify(number: str, request: Request, sha256: str = "") -> Response:
        refused = limited(request)
        if refused is not None:
            return refused
        lang = _language(request)
        # the explanation is worded in the reader's language: one answer per language
        key = (store.version(), dt.date.today(), "verify", number, sha256, lang)
        found = cache.get(key)
        if found is None:
            try:
                v = await run_in_threadpool(_verify_in, lang, store, number, sha256)
                found = (200, plain(v))
            except InvalidInput as exc:
                found = (400, {"error": str(exc)})
            cache.put(key, found)
        status, body = found
        if _wants_json(request):
            return JSONResponse(body, status_code=status)
        e = html.escape
        title = i18n.message("public.verify.title", lang)
        if status != 200:
            text = f"<h1>{e(title)}</h1><p>{e(body['error'])}</p>"
        else:
            verdict = i18n.message("public.verify.current" if body["current"] else
                                   "public.verify.changed" if body["genuine"] else
                                   "public.verify.not_genuine", lang)
            dates = i18n.message("public.verify.dates", lang, as_of=day_text(body["as_of"], lang),
                                 issued_on=day_text(body["issued_on"], lang))
            text = (f"<h1>{e(title)}</h1>"
                    f"<p>{e(i18n.message('public.verify.number', lang, number=number))}</p>"
                    f"<p id=\"verdict\"><strong>{e(verdict)}</strong></p>"
                    f"<p>{e(dates)}</p><p>{e(body['explanation'])}</p>")
        return _page(title, text, lang, status)
