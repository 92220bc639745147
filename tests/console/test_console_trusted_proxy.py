"""Whose address is the source of a sign-in: X-Forwarded-For and X-Forwarded-Proto are believed
only from the proxies named with `--trusted-proxy` (test_console_http.py's source lockout
shows them ignored otherwise). Without it, a client behind the TCP
round-robin proxy of the scale-out set-up (or any client on the server's own host) could name a
new source address with every guess and never meet the per-source lockout."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.console.conftest import CATALOG, form_csrf
from tests.sync.conftest import ServerProcess

pytestmark = pytest.mark.server

SOURCE_LOCKED = "from this computer (20)"


def _fail(client: httpx.Client, n: int, forwarded_for: str) -> httpx.Response:
    """One wrong sign-in, the proxy's header naming `forwarded_for` (plain http: a Secure
    cookie would not come back over it)."""
    headers = {"X-Forwarded-For": forwarded_for}
    csrf = form_csrf(client.get("/console/signin", headers=headers).text)
    return client.post(
        "/console/signin",
        headers=headers,
        data={"csrf": csrf, "username": f"nobody{n}", "password": "x" * 12},
    )


def _signin_cookie(client: httpx.Client) -> str:
    page = client.get("/console/signin", headers={"X-Forwarded-Proto": "https"})
    return page.headers["set-cookie"].lower()


def test_a_trusted_proxy_gives_each_officer_their_own_address(tmp_path: Path) -> None:
    args = ("--catalog", str(CATALOG), "--trusted-proxy", "127.0.0.1")
    server = ServerProcess(tmp_path / "s", args=args).start()
    try:
        client = httpx.Client(base_url=server.url, cookies={"sala_lang": "en"}, timeout=30)
        for i in range(20):
            assert SOURCE_LOCKED not in _fail(client, i, "10.9.0.1").text
        assert SOURCE_LOCKED in _fail(client, 50, "10.9.0.1").text
        # another office behind the same proxy is not locked out by the first one's guesses
        other = _fail(client, 51, "10.9.0.2")
        assert other.status_code == 401 and SOURCE_LOCKED not in other.text
        assert "; secure" in _signin_cookie(client)  # TLS ended at the proxy
    finally:
        server.stop()


def test_without_a_trusted_proxy_forwarded_https_makes_no_secure_cookie(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "s", args=("--catalog", str(CATALOG))).start()
    try:
        client = httpx.Client(base_url=server.url, timeout=30)
        assert "; secure" not in _signin_cookie(client)
    finally:
        server.stop()
