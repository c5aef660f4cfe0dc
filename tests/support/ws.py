"""A graphql-transport-ws client for the tests: one real WebSocket connection to the
served API, operations sent and messages read as the protocol has them."""

from __future__ import annotations

import asyncio
import json

import websockets

WS_PROTOCOL = "graphql-transport-ws"


class WsClient:
    """``async with WsClient(port, token) as ws``: connected and acknowledged."""

    def __init__(self, port: int, token: str | None, lang: str | None = "en"):
        self.port, self.token, self.lang = port, token, lang  # lang: None for none given
        self.ws = None

    async def __aenter__(self) -> "WsClient":
        self.ws = await websockets.connect(f"ws://127.0.0.1:{self.port}/graphql",
                                           subprotocols=[WS_PROTOCOL])
        payload = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        if self.lang:
            payload["lang"] = self.lang
        await self.ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        ack = json.loads(await asyncio.wait_for(self.ws.recv(), 5))
        assert ack["type"] == "connection_ack", ack
        return self

    async def __aexit__(self, *exc) -> None:
        await self.ws.close()

    async def send(self, op_id: str, query: str, **variables) -> None:
        await self.ws.send(json.dumps({"id": op_id, "type": "subscribe",
                                       "payload": {"query": query, "variables": variables}}))

    async def recv(self, timeout: float = 5.0) -> dict:
        return json.loads(await asyncio.wait_for(self.ws.recv(), timeout))

    async def result(self, query: str, op_id: str = "1", **variables) -> dict:
        """A query's or mutation's one result (its ``next`` payload, or the ``error``
        message's payload as ``{"errors": ...}``), after which ``complete`` comes."""
        await self.send(op_id, query, **variables)
        msg = await self.recv()
        assert msg["id"] == op_id, msg
        if msg["type"] == "error":
            return {"errors": msg["payload"]}
        assert msg["type"] == "next", msg
        done = await self.recv()
        assert done == {"id": op_id, "type": "complete"}, done
        return msg["payload"]
