"""ASGI guard in front of the app: body size limits and load shedding.

A declared 2 GB body is refused before a byte of it is read; a chunked body is counted as it
streams. When more requests are in flight than the server is sized for, new ones get
`503` + `Retry-After` (the kiosks' backoff honours it) instead of queueing until they time out.
"""

from __future__ import annotations

import json
import random
from typing import Any

from sync.protocol import parse_uint
from sync.server.errors import ApiError

Scope = dict[str, Any]
# Routes that take a big body and check their own, smaller cap as it streams, answering with a
# page of their own: the back office's USB bundle upload (console/usb_upload.py, 256 MB).
LARGE_BODIES = {"/console/usb": 320 << 20}


class Limits:
    def __init__(
        self, app: Any, *, max_upload: int, max_json: int = 16 << 20, max_in_flight: int = 256
    ) -> None:
        self.app = app
        self.max_upload = max_upload
        self.max_json = max_json
        self.max_in_flight = max_in_flight
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        if path.startswith("/v1/uploads"):
            limit = self.max_upload
        else:
            limit = LARGE_BODIES.get(path, self.max_json)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _reply(
                send,
                413,
                "too_large",
                f"The body is {declared} bytes; the limit here is {limit} bytes.",
                {"Tus-Max-Size": str(self.max_upload), "Connection": "close"},
            )
            return
        if self.in_flight >= self.max_in_flight and path != "/v1/ping":
            retry = str(random.randint(2, 10))
            await _reply(
                send,
                503,
                "busy",
                "The server is busy; retry after the given delay.",
                {"Retry-After": retry},
            )
            return
        seen = 0

        async def counted() -> Any:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise ApiError(
                        413, "too_large", f"The body is over the limit of {limit} bytes."
                    )
            return message

        # A request stops counting when its last response byte is handed over, not when the
        # handler returns: a client that has read a whole response must find its slot free.
        finished = False

        async def counted_send(message: Any) -> None:
            nonlocal finished
            if (
                message["type"] == "http.response.body"
                and not message.get("more_body")
                and not finished
            ):
                finished = True
                self.in_flight -= 1
            await send(message)

        self.in_flight += 1
        try:
            await self.app(scope, counted, counted_send)
        finally:
            if not finished:
                self.in_flight -= 1


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return parse_uint(value.decode("latin-1"))
            except ValueError:
                return None
    return None


async def _reply(send: Any, status: int, code: str, message: str, headers: dict[str, str]) -> None:
    body = json.dumps({"error": code, "message": message}).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
