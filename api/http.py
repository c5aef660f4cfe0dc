"""GraphQL over HTTP (https://graphql.github.io/graphql-over-http/), with the key check and
the audit log in front of it.

* ``GET /graphql?query=...&variables=...&operationName=...`` runs queries; a mutation over
  GET is 405 (Allow: POST).  A browser's plain GET (Accept: text/html, no query) gets
  GraphiQL.
* ``POST /graphql`` with ``Content-Type: application/json`` and a JSON object body runs
  queries and mutations; another media type is 415, a body that is not JSON (or nests
  deeper than :data:`api.limits.MAX_NESTING`) 400, one too large 413, each with a
  ``BAD_USER_INPUT`` error.
* Responses are ``application/graphql-response+json`` when the client accepts it, else
  ``application/json``; a client accepting neither gets 406.  With
  ``application/graphql-response+json`` a request error (the document does not parse or
  validate, or the variables do not fit) is 400 and has no ``data``; with
  ``application/json`` every well-formed request is answered 200.
* Without a valid key, 401 with ``WWW-Authenticate: Bearer``.
* Each request has ``CREDITKB_REQUEST_TIMEOUT`` seconds; then a ``TIMEOUT`` error.
* Every operation is audited (:mod:`api.audit`), and so is a request of a valid key that
  never became one (a body that is not JSON, ...).
"""

from __future__ import annotations

import asyncio
import json
import time
from importlib import resources

from graphql import OperationType as GqlOperationType
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from api.context import RequestContext, Services
from api.errors import (
    BAD_USER_INPUT, TIMEOUT, UNAUTHENTICATED, BadInput, format_error, is_request_error,
    plain_error,
)
from api.limits import MAX_BODY, check_nesting, parse_json
from api.schema import graphql_schema
from graph_model import i18n

GRAPHQL_RESPONSE = "application/graphql-response+json"
#: The whole request is stopped this long after its deadline, should nothing it waits for
#: have given up by then (reads and heavy work give up at the deadline itself, saying what).
BACKSTOP_S = 0.25
JSON = "application/json"


def bearer_token(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def negotiate(accept: str | None) -> str | None:
    """The response media type for an Accept header (None: nothing acceptable)."""
    if not accept or not accept.strip():
        return JSON
    best, best_q = None, 0.0
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        media, q = fields[0].lower(), 1.0
        for f in fields[1:]:
            if f.startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        if q <= 0:
            continue
        if media == GRAPHQL_RESPONSE:
            choice = GRAPHQL_RESPONSE
        elif media in (JSON, "application/*", "*/*"):
            choice = JSON
        else:
            continue
        # prefer the higher q; on a tie prefer application/graphql-response+json
        if q > best_q or (q == best_q and choice == GRAPHQL_RESPONSE):
            best, best_q = choice, q
    return best


def wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" in accept and not request.query_params.get("query")


def encode(body) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def respond(body, status: int, media: str, headers: dict | None = None) -> Response:
    return Response(encode(body), status_code=status, media_type=f"{media}; charset=utf-8",
                    headers=headers)


def graphiql_page() -> HTMLResponse:
    html = resources.files("api").joinpath("static/graphiql.html").read_text(encoding="utf-8")
    return HTMLResponse(html)


class GraphQLHTTP:
    def __init__(self, services: Services):
        self.services = services
        self.access = services.access

    async def __call__(self, request: Request) -> Response:
        # The answer's language: `?lang=` (for a client that cannot set headers), else
        # Accept-Language, else Chinese; carried by graph_model.i18n's context variable.
        i18n.set_language(i18n.normalize(request.query_params.get("lang"))
                          or i18n.negotiate(request.headers.get("accept-language")))
        method = request.method
        if method not in ("GET", "POST"):
            return Response("GraphQL is served over GET and POST", status_code=405,
                            headers={"Allow": "GET, POST"})
        if method == "GET" and wants_html(request):
            return graphiql_page()
        media = negotiate(request.headers.get("accept"))
        if media is None:
            return Response("Acceptable: application/graphql-response+json, application/json",
                            status_code=406)
        key = self.access.authenticate(bearer_token(request.headers.get("authorization")))
        if key is None:
            return respond({"errors": [plain_error(
                UNAUTHENTICATED, i18n.message("error.no_key"))]}, 401, media,
                {"WWW-Authenticate": 'Bearer realm="creditkb"'})

        timeout = self.services.settings.request_timeout
        ctx = RequestContext(self.services, key, deadline=time.monotonic() + timeout)
        params, problem = await self._params(request)
        if problem is not None:
            status, message = problem
            await ctx.record([BAD_USER_INPUT])
            return respond({"errors": [plain_error(BAD_USER_INPUT, message)]}, status, media)

        allowed = {OperationType.QUERY} if method == "GET" else {
            OperationType.QUERY, OperationType.MUTATION}
        try:
            result = await asyncio.wait_for(graphql_schema.execute(
                params["query"], variable_values=params["variables"], context_value=ctx,
                operation_name=params["operationName"], allowed_operation_types=allowed),
                timeout=timeout + BACKSTOP_S)
        except asyncio.TimeoutError:  # (audited as a TIMEOUT by api.audit)
            return respond({"data": None, "errors": [plain_error(
                TIMEOUT, i18n.message("error.timeout_after", seconds=timeout))]}, 200, media)
        except InvalidOperationTypeError as exc:
            if method == "GET" and exc.operation_type in (OperationType.MUTATION,
                                                         GqlOperationType.MUTATION):
                return respond({"errors": [plain_error(
                    BAD_USER_INPUT, i18n.message("error.mutation_get"))]}, 405, media,
                    {"Allow": "POST"})
            return respond({"errors": [plain_error(
                BAD_USER_INPUT, i18n.message("error.subscription_http"))]},
                400 if media == GRAPHQL_RESPONSE else 200, media)
        except (CannotGetOperationTypeError, MissingQueryError) as exc:
            message = (exc.as_http_error_reason() if isinstance(exc, CannotGetOperationTypeError)
                       else i18n.message("error.no_query"))
            return respond({"errors": [plain_error(BAD_USER_INPUT, message)]},
                           400 if media == GRAPHQL_RESPONSE else 200, media)
        errors = [format_error(e) for e in (result.errors or [])]
        if result.errors and result.data is None and all(is_request_error(e) for e in result.errors):
            return respond({"errors": errors}, 400 if media == GRAPHQL_RESPONSE else 200, media)
        body = {"data": result.data}
        if errors:
            body["errors"] = errors
        if result.extensions:
            body["extensions"] = result.extensions
        return respond(body, 200, media)

    async def _params(self, request: Request):
        """(params, None) or (None, (status, message))."""
        if request.method == "GET":
            q = request.query_params
            raw = {"query": q.get("query"), "operationName": q.get("operationName")}
            variables = q.get("variables")
            if variables:
                try:
                    raw["variables"] = parse_json(variables, "variables")
                except BadInput as exc:
                    return None, (400, exc.message)
        else:
            ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if ctype != JSON:
                return None, (415, i18n.message("error.content_type"))
            body = await self._body(request)
            if body is None:
                return None, (413, i18n.message("error.body_too_large", limit=MAX_BODY))
            try:
                raw = parse_json(body)
            except BadInput as exc:
                return None, (400, exc.message)
            if not isinstance(raw, dict):
                return None, (400, i18n.message("error.body_not_object"))
        query = raw.get("query")
        if not isinstance(query, str) or not query.strip():
            return None, (400, i18n.message("error.no_query"))
        if len(query) > MAX_BODY:
            return None, (413, i18n.message("error.query_too_long", limit=MAX_BODY))
        try:  # before graphql-core's parser, which recurses on brackets
            check_nesting(query, "query")
        except BadInput as exc:
            return None, (400, exc.message)
        variables = raw.get("variables")
        if variables is not None and not isinstance(variables, dict):
            return None, (400, i18n.message("error.variables_not_object"))
        name = raw.get("operationName")
        if name is not None and not isinstance(name, str):
            return None, (400, i18n.message("error.operation_name"))
        return {"query": query, "variables": variables, "operationName": name}, None

    @staticmethod
    async def _body(request: Request) -> bytes | None:
        """The body, read no further than :data:`MAX_BODY` bytes (None beyond)."""
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BODY:
            return None
        parts, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY:
                return None
            parts.append(chunk)
        return b"".join(parts)
