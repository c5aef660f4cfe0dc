"""The one audit path: every GraphQL operation leaves its row in the audit log, whatever
carried it and however it ended.

:class:`Audit` is a schema extension, so it sees every operation the schema runs: a query
or mutation over HTTP (``Schema.execute``), a query, mutation or subscription over
WebSocket (``Schema.stream``), each subscription event (``on_stream_result``), an operation
refused before it ran (a validation error) and one stopped at its deadline.  What goes into
a row is :mod:`queries.access.audit`'s; where it is kept, :mod:`queries.access.state`'s.

Requests refused before any operation runs (no key: 401, a body that is not JSON) are not
operations of a key; the HTTP endpoint records the latter itself (:mod:`api.http`).
"""

from __future__ import annotations

import asyncio
from typing import AsyncIterator

from graphql import ExecutionResult as GraphQLExecutionResult, GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from api.context import RequestContext, audit_soon
from api.errors import Unauthenticated, classify

#: What a WebSocket connection is closed with when its key is revoked (README).
REVOKED_CLOSE = (4403, "API key revoked")


def _operation_type(execution_context) -> OperationType | None:
    try:
        return execution_context.operation_type
    except Exception:  # noqa: BLE001 - not parsed (a syntax error): no type
        return None


def _errors(execution_context) -> list[GraphQLError]:
    result = execution_context.result
    errors = getattr(result, "errors", None) or execution_context.pre_execution_errors or []
    return list(errors)


def close_revoked(ctx: RequestContext) -> None:
    """Close the WebSocket an operation of a revoked key came over, once what is being
    sent is sent (REVOKED_CLOSE)."""
    ws = ctx.websocket
    if ws is None:
        return

    async def close():
        await asyncio.sleep(0.05)  # after the operation's error and "complete"
        try:
            await ws.close(code=REVOKED_CLOSE[0], reason=REVOKED_CLOSE[1])
        except RuntimeError:  # closed already
            pass

    asyncio.get_running_loop().create_task(close())


class Audit(SchemaExtension):
    """Writes the audit row of each operation (and of each event of a subscription)."""

    def _ctx(self) -> RequestContext | None:
        ctx = self.execution_context.context
        return ctx if isinstance(ctx, RequestContext) else None

    async def on_execute(self) -> AsyncIterator[None]:
        ctx = self._ctx()
        if ctx is not None:
            kind = _operation_type(self.execution_context)
            ctx.audit.kind = {OperationType.MUTATION: "write",
                              OperationType.SUBSCRIPTION: "subscribe"}.get(kind, "read")
            if kind is not OperationType.SUBSCRIPTION:
                ctx.start_deadline()
                if ctx.revoked:  # over WebSocket: the key was revoked since it connected
                    self.execution_context.result = GraphQLExecutionResult(None, [GraphQLError(
                        "the API key was revoked", original_error=Unauthenticated(
                            "the API key was revoked"))])
                    close_revoked(ctx)
        yield

    async def on_operation(self) -> AsyncIterator[None]:
        ctx = self._ctx()
        try:
            yield
        except asyncio.CancelledError:  # an HTTP request's deadline; a client's "complete"
            if self._unrecorded(ctx):
                audit_soon(ctx.flush_audit, ["TIMEOUT" if ctx.transport == "http" else "CANCELLED"])
            raise
        except GeneratorExit:  # over WebSocket, the stream closed after its first result
            if self._unrecorded(ctx):  # (an error before execution)
                await ctx.record(_errors(self.execution_context))
            raise
        except Exception:  # no operation to run (no query, a subscription over HTTP, ...)
            if self._unrecorded(ctx):
                audit_soon(ctx.flush_audit, ["BAD_USER_INPUT"])
            raise
        if self._unrecorded(ctx):
            await ctx.record(_errors(self.execution_context))

    def _unrecorded(self, ctx: RequestContext | None) -> bool:
        """Whether the operation ends with a row still to write (and it is now claimed): a
        subscription's start and events have theirs, an ended one has nothing left."""
        if ctx is None or ctx.audited:
            return False
        if _operation_type(self.execution_context) is OperationType.SUBSCRIPTION \
                and not ctx.audit.operations and not ctx.audit.denied:
            return False
        ctx.audited = True
        return True

    async def on_stream_result(self, result) -> AsyncIterator[None]:
        yield
        ctx = self._ctx()
        if ctx is None or _operation_type(self.execution_context) is not OperationType.SUBSCRIPTION:
            return
        # one row per event sent (what its answer read), and one for a failed start
        await audit_soon(ctx.flush_audit, [classify(e)[0] for e in (result.errors or [])])
