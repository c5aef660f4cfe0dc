"""Errors the API answers with: every GraphQL error carries ``extensions.code`` and never a
traceback.

Codes: ``BAD_USER_INPUT`` (a malformed id, cursor, date, region, page size, ... or input
the rules refuse), ``NOT_FOUND``, ``FORBIDDEN`` (outside the key's scope or role; a subject
outside the scope and a subject that does not exist get the same answer),
``UNAUTHENTICATED`` (no key, unknown or revoked key), ``GRAPHQL_PARSE_FAILED``,
``GRAPHQL_VALIDATION_FAILED`` (including the depth, alias and token limits),
``TIMEOUT`` (the per-request time limit) and ``INTERNAL_SERVER_ERROR`` (a bug: the message
says only that, with an id to find the traceback in the server log).
"""

from __future__ import annotations

import asyncio
import logging
import secrets

from graphql import GraphQLError

from graph_model.errors import CreditKBError, DataError, ForbiddenError, UserError
from graph_model.i18n import message

log = logging.getLogger("creditkb.api")

BAD_USER_INPUT = "BAD_USER_INPUT"
NOT_FOUND = "NOT_FOUND"
FORBIDDEN = "FORBIDDEN"
UNAUTHENTICATED = "UNAUTHENTICATED"
PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
TIMEOUT = "TIMEOUT"
INTERNAL = "INTERNAL_SERVER_ERROR"

#: The one answer for a subject outside the scope and a subject that does not exist (the
#: msgid of its sentence: the same in every request of one language).
OUT_OF_SCOPE = "error.out_of_scope"


class ApiError(CreditKBError):
    code = INTERNAL

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class BadInput(ApiError, UserError):
    code = BAD_USER_INPUT


class NotFound(ApiError, UserError):
    code = NOT_FOUND


class Forbidden(ApiError, ForbiddenError):
    code = FORBIDDEN


class Unauthenticated(ApiError, ForbiddenError):
    code = UNAUTHENTICATED


class Timeout(ApiError):
    """The operation passed its deadline (``CREDITKB_REQUEST_TIMEOUT``): what it waited for
    (a store read, a heavy computation, a free slot for one) was given up."""

    code = TIMEOUT


def out_of_scope() -> Forbidden:
    return Forbidden(message(OUT_OF_SCOPE))


def classify(error: GraphQLError) -> tuple[str, str]:
    """(code, message) for one error of an execution result (worked out once per error: a
    bug is logged once, with one reference, however often its error is looked at)."""
    known = getattr(error, "_creditkb", None)
    if known is None:
        known = error._creditkb = _classify(error)
    return known


def stamp(error: GraphQLError) -> GraphQLError:
    """The error as every transport shows it: its message as :func:`classify` words it and
    ``extensions.code`` (what a WebSocket message carries, made of ``error.formatted``)."""
    code, message = classify(error)
    error.message = message
    error.extensions = {**(error.extensions or {}), "code": code}
    return error


def _classify(error: GraphQLError) -> tuple[str, str]:
    original = error.original_error
    if original is None:
        msg = error.message
        if msg.startswith("Syntax Error"):
            return PARSE_FAILED, msg
        if msg.startswith("Variable '$") or any(x in msg for x in (
                "got invalid value", "cannot represent", "Expected value of type")):
            return BAD_USER_INPUT, msg
        return VALIDATION_FAILED, msg
    if isinstance(original, ApiError):
        return original.code, original.message
    if isinstance(original, GraphQLError):  # raised by a limit or by graphql-core itself
        return classify(original)
    if isinstance(original, (TimeoutError, asyncio.TimeoutError)):
        return TIMEOUT, message("error.timeout")
    if isinstance(original, ForbiddenError):
        return FORBIDDEN, str(original)
    if isinstance(original, (UserError, DataError, ValueError)):
        # queries/ and the identifier registry explain bad input in their messages.
        return BAD_USER_INPUT, str(original)
    ref = secrets.token_hex(4)
    log.error("internal error %s in %s", ref, error.path, exc_info=original)
    return INTERNAL, message("error.internal", ref=ref)


def format_error(error: GraphQLError) -> dict:
    """The error as it goes out: message, locations, path and ``extensions.code``."""
    code, message = classify(error)
    out: dict = {"message": message}
    if error.locations:
        out["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    if error.path:
        out["path"] = list(error.path)
    out["extensions"] = {"code": code}
    return out


def is_request_error(error: GraphQLError) -> bool:
    """A parse, validation or variable error: the operation never ran."""
    return error.path is None and classify(error)[0] in (PARSE_FAILED, VALIDATION_FAILED,
                                                          BAD_USER_INPUT)


def plain_error(code: str, message: str) -> dict:
    return {"message": message, "extensions": {"code": code}}
