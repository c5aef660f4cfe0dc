"""The HTTP application: GraphQL at /graphql (GET and POST per GraphQL over HTTP, WebSocket
for subscriptions, GraphiQL for a browser), the regulators' dashboard at /, its static
files at /static, and a health check at /health."""

from __future__ import annotations

import json
import logging
from contextlib import asynccontextmanager
from importlib import metadata, resources

from fastapi import FastAPI, HTTPException
from fastapi.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket
from strawberry.exceptions import ConnectionRejectionError
from strawberry.fastapi import GraphQLRouter

from queries.access.state import AccessStore
from api.context import RequestContext, Services
from api.heavy import HeavyWork
from api.http import GraphQLHTTP, bearer_token
from api.limits import parse_json
from api.public import mount_public
from api.schema import graphql_schema
from api.subscription import EventHub
from graph_model import i18n
from graph_model.personal_data import redact_text
from graph_model.settings import Settings
from graph_model.store.port import Store
from graph_model.store.secret import check_secret

log = logging.getLogger("creditkb.api")
__version__ = metadata.version("creditkb")  # pyproject.toml's, as installed

def _redacted(record: logging.LogRecord) -> logging.LogRecord:
    """``record`` with what could be a resident ID number masked in its message and its
    traceback (formatted here, as a handler would)."""
    message = record.getMessage()
    clean = redact_text(message)
    if clean != message:
        record.msg, record.args = clean, None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redact_text(record.exc_text)
    return record


def redact_logs() -> None:
    """Every log line of this process, whichever library writes it (uvicorn's access log
    quotes a GET's URL, an error quotes its input), goes out with resident ID numbers
    masked: the record factory masks them as each line is made (installed once)."""
    make = logging.getLogRecordFactory()
    if getattr(make, "redacts", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        return _redacted(make(*args, **kwargs))

    factory.redacts = True
    logging.setLogRecordFactory(factory)


class _WebSocketRouter(GraphQLRouter):
    """strawberry's router, used for its WebSocket protocols only (HTTP is api.http)."""

    def __init__(self, access: AccessStore, **kwargs):
        super().__init__(graphql_schema, graphql_ide=None, **kwargs)
        self.access = access

    def decode_json(self, data: str | bytes):
        """A WebSocket message, within the size and nesting limits of a request body (a
        message beyond them is not JSON to the protocol, which closes with 4400)."""
        try:
            return parse_json(data, "message")
        except Exception as exc:  # noqa: BLE001 - what the protocols catch as "not JSON"
            raise json.JSONDecodeError(str(exc), "", 0) from None

    async def on_ws_connect(self, context: RequestContext):
        params = context.connection_params if isinstance(context.connection_params, dict) else {}
        # The connection's language (its operations run in tasks made from here): its
        # `lang` parameter, else the handshake's Accept-Language, else Chinese.
        i18n.set_language(i18n.normalize(params.get("lang")) or i18n.negotiate(
            context.ws_headers.get("accept-language") if context.ws_headers is not None
            else None))
        header = params.get("Authorization") or params.get("authorization")
        if not header and context.ws_headers is not None:
            header = context.ws_headers.get("authorization")
        key = self.access.authenticate(bearer_token(header))
        if key is None:
            raise ConnectionRejectionError({"message": "an API key is needed",
                                            "extensions": {"code": "UNAUTHENTICATED"}})
        context.key = key
        return {"agency": key.agency, "region": key.region, "role": key.role}


def create_app(store: Store, settings: Settings, access: AccessStore | None = None, *,
               precompute: bool = False, heavy_processes: int | None = None) -> FastAPI:
    """The application over ``store``; keys and audit in ``access`` (default: the access
    state beside the store, see :func:`queries.access.state.state_dir`).  ``precompute``:
    compute today's whole-graph answers at start and whenever the store settles after a
    change (:mod:`api.heavy`; ``creditkb serve`` does); ``heavy_processes``: worker
    processes of each lane of heavy work (default :data:`api.heavy.LANES`'s; 0: threads)."""
    check_secret(store, settings.secret)  # lookups hash resident IDs as the loads did
    redact_logs()
    access = access or AccessStore.for_settings(settings)
    hub = EventHub(access, store)
    heavy = HeavyWork(store, settings, processes=heavy_processes,
                      enabled_cache=settings.answer_cache)
    services = Services.build(store, settings, access, hub, heavy)

    @asynccontextmanager
    async def lifespan(app):
        if precompute:
            heavy.start_watching()
        yield
        await hub.close()
        await heavy.close()

    app = FastAPI(title="creditkb", version=__version__, lifespan=lifespan, docs_url=None,
                  redoc_url=None, openapi_url=None)
    app.state.store, app.state.access, app.state.settings = store, access, settings
    app.state.heavy = heavy
    endpoint = GraphQLHTTP(services)
    app.add_api_route("/graphql", endpoint, methods=["GET", "POST", "PUT", "DELETE", "PATCH"],
                      include_in_schema=False)

    async def ws_context(websocket: WebSocket) -> RequestContext:
        # the connection's: each operation gets its own (RequestContext.for_operation)
        ctx = RequestContext(services, None, transport="ws", websocket=websocket,
                             connection=True)
        ctx.ws_headers = websocket.headers
        return ctx

    # strawberry's router serves the WebSocket protocols; its HTTP routes are shadowed by
    # api.http's, registered above.
    app.include_router(_WebSocketRouter(access, context_getter=ws_context), prefix="/graphql")

    static = resources.files("api").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")

    @app.get("/", include_in_schema=False)
    def dashboard() -> HTMLResponse:
        return HTMLResponse(static.joinpath("index.html").read_text(encoding="utf-8"))

    @app.get("/i18n/{lang}.json", include_in_schema=False)
    def words(lang: str) -> dict:
        """The dashboard's words in ``lang`` (zh-CN or en), from the message catalogue."""
        if lang not in i18n.LANGUAGES:
            raise HTTPException(404)
        return i18n.messages(lang, "dashboard", "common")

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(status_code=204)

    mount_public(app, store, settings)  # /p/<code> and /verify/<number>, without a key

    @app.get("/health")
    def health() -> dict:
        return {"status": "ok", "version": __version__, "store": type(store).__name__,
                "nodes": store.count_nodes(), "precomputed": heavy.precomputed}

    return app


def app_from_env() -> FastAPI:
    """The application for one worker process of ``creditkb serve --workers N``: the store
    and settings from the environment, as the parent process set them."""
    from graph_model.store import open_store

    settings = Settings.from_env()
    return create_app(open_store(settings=settings), settings, precompute=True)
