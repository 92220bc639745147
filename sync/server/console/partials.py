"""What the console does differently for htmx's partial updates (progressive enhancement).

The queue's filters, tabs and pager ask htmx (static/vendor/README.md) for the very same full
page and swap in only its results region (`hx-select`), so a partial answer carries the page's
security headers and audit (a search is audited either way), and without JavaScript every
link and form works as a whole page. What a swap cannot do is follow a redirect: the browser's
request follows it unseen, and htmx would swap the sign-in page (or nothing) into the results.
So, for a GET that htmx made, this ASGI middleware turns a redirect (an ended session, a
password to change) into `HX-Redirect`, which htmx answers with a whole-page navigation, and
gives an error answer `HX-Redirect` to the same address, so the officer sees the error page in
their language instead of a click that does nothing.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PREFIX = "/console/"


def from_htmx(scope: Scope) -> bool:
    """A GET htmx made for a swap (history restores are whole pages: the config reloads)."""
    if scope.get("method") != "GET" or not str(scope.get("path", "")).startswith(PREFIX):
        return False
    headers: list[tuple[bytes, bytes]] = scope.get("headers", [])
    names = {name: value for name, value in headers if name.startswith(b"hx-")}
    return names.get(b"hx-request") == b"true" and b"hx-history-restore-request" not in names


def whole_page(message: Message, scope: Scope) -> Message:
    """The response start `message` so that htmx navigates the whole page where a swap would
    mislead: a redirect goes to its target, an error page is loaded at the same address."""
    status: int = message["status"]
    headers: list[tuple[bytes, bytes]] = list(message.get("headers", []))
    if 300 <= status < 400:
        target = next((v for k, v in headers if k == b"location"), None)
        if target is None:
            return message
        kept = [(k, v) for k, v in headers if k != b"location"]
        # 200: a 3xx would be followed by the browser before htmx could see the header
        return {**message, "status": 200, "headers": [*kept, (b"hx-redirect", target)]}
    if status >= 400:
        query: bytes = scope.get("query_string", b"")
        here = str(scope.get("path", "")).encode() + (b"?" + query if query else b"")
        return {**message, "headers": [*headers, (b"hx-redirect", here)]}
    return message


class Partials:
    """Pure ASGI (no per-request task, unlike BaseHTTPMiddleware): other requests pass through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not from_htmx(scope):
            await self.app(scope, receive, send)
            return

        async def send_whole(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = whole_page(message, scope)
            await send(message)

        await self.app(scope, receive, send_whole)


def install(app: FastAPI) -> None:
    """Called by web.install, while the app is being built (middleware cannot come later)."""
    app.add_middleware(Partials)
