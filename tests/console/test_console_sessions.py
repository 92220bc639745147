"""What the console's sessions and queue promise, against a real `sala-server`: a session ends
after its absolute lifetime (8 hours) even while it is used, the session cookie is Secure under
TLS, and a queue page never lists more than its cap however many rows are asked for.

The session is aged through its own row in the server's database (no sleeping, no clock mock):
`created_at` is what `accounts.session_for` compares with `ABSOLUTE_S`.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sync.server.console.accounts import ABSOLUTE_S, IDLE_S
from sync.server.console.queue import PAGE_SIZE_MAX
from tests.console.conftest import CATALOG, PASSWORD, Console, form_csrf, sign_in_http
from tests.console.seed import listed
from tests.sync.conftest import Kiosk, ServerProcess, registration_doc
from tests.sync.test_server_cli import _self_signed

pytestmark = pytest.mark.slow  # a TLS server of its own, and 101 applications committed


@pytest.fixture(scope="module")
def world(console: Console) -> Iterator[dict[str, Any]]:
    # one account per sign-in: a TOTP step is used once, so signing one account in again
    # within a minute waits for the next 30 s step
    for name in ("life", "life2", "plain", "pager"):
        console.add_account(name, role="officer", ministry="interior", jurisdiction="12")
    kiosk = Kiosk(console.server, label="Boeng Keng Kang hall").enrol()
    for _ in range(PAGE_SIZE_MAX + 1):  # one more than a page can hold
        doc = registration_doc(kiosk, service=("birth_certificate_copy", "1"))
        r = kiosk.commit(str(uuid.uuid4()), doc)
        assert r.status_code == 201, r.text
    yield {"kiosk": kiosk}
    kiosk.close()


def _db(console: Console) -> sqlite3.Connection:
    return sqlite3.connect(console.server.data_dir / "server.db")


def test_a_session_ends_after_its_absolute_lifetime_even_in_use(
    console: Console, world: Any
) -> None:
    client = sign_in_http(console, "life")
    client.cookies.set("sala_lang", "en", path="/console")
    assert client.get("/console/queue").status_code == 200
    # started 8 hours and a second ago, used a minute ago: not idle, but past its lifetime
    with _db(console) as conn:
        (officer_id,) = conn.execute(
            "SELECT id FROM console_officers WHERE username = 'life'"
        ).fetchone()
        conn.execute(
            "UPDATE console_sessions SET created_at = created_at - ?, seen_at = seen_at - 60 "
            "WHERE officer_id = ? AND ended_at IS NULL",
            (ABSOLUTE_S + 1, officer_id),
        )
    assert IDLE_S > 60
    r = client.get("/console/queue")
    assert r.status_code == 303 and r.headers["location"] == "/console/signin?ended=1"
    assert "8 hours" in client.get(r.headers["location"]).text
    # the row is ended for good: making it young again does not bring it back
    with _db(console) as conn:
        ended = conn.execute(
            "SELECT ended_at FROM console_sessions WHERE officer_id = ?", (officer_id,)
        ).fetchall()
        assert ended and all(e is not None for (e,) in ended)
        conn.execute(
            "UPDATE console_sessions SET created_at = created_at + ? WHERE officer_id = ?",
            (ABSOLUTE_S + 1, officer_id),
        )
    assert client.get("/console/queue").status_code == 303
    # a POST with the old cookie gets the sign-in page with the reason, and changes nothing
    r = client.post("/console/signout", data={"csrf": "whatever"})
    assert r.status_code == 401 and "Your session has ended" in r.text


def test_a_session_just_inside_its_lifetime_still_works(console: Console, world: Any) -> None:
    client = sign_in_http(console, "life2")
    with _db(console) as conn:
        conn.execute(
            "UPDATE console_sessions SET created_at = created_at - ? "
            "WHERE ended_at IS NULL AND officer_id = "
            "(SELECT id FROM console_officers WHERE username = 'life2')",
            (ABSOLUTE_S - 120,),
        )
    assert client.get("/console/queue").status_code == 200


def test_the_session_cookie_is_secure_under_tls(tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    server = ServerProcess(
        tmp_path / "tls",
        args=("--catalog", str(CATALOG), "--tls-cert", str(cert), "--tls-key", str(key)),
        ca=cert,
    ).start()
    try:
        tls = Console(server)
        tls.add_account("tlsuser", role="officer", ministry="interior", jurisdiction="12")
        client = httpx.Client(base_url=server.url, verify=server.verify, timeout=30)
        page = client.get("/console/signin")
        assert page.status_code == 200
        assert "secure" in page.headers["set-cookie"].lower()  # the sign-in form's token too
        r = client.post(
            "/console/signin",
            data={
                "csrf": form_csrf(page.text),
                "username": "tlsuser",
                "password": PASSWORD,
                "totp": tls.code("tlsuser"),
            },
        )
        assert r.status_code == 303, r.text[-300:]
        cookie = r.headers["set-cookie"].lower()
        assert cookie.startswith("sala_console=")
        for flag in ("secure", "httponly", "samesite=strict", "path=/console"):
            assert flag in cookie, (flag, cookie)
        assert client.get("/console/queue").status_code == 200
    finally:
        server.stop()


def test_the_session_cookie_is_not_marked_secure_over_plain_http(
    console: Console, world: Any
) -> None:
    """The same server code over http (a pilot on one PC): the flag follows the scheme."""
    client = httpx.Client(base_url=console.url, timeout=30)
    page = client.get("/console/signin")
    r = client.post(
        "/console/signin",
        data={
            "csrf": form_csrf(page.text),
            "username": "plain",
            "password": PASSWORD,
            "totp": console.code("plain"),
        },
    )
    assert r.status_code == 303
    assert "secure" not in r.headers["set-cookie"].lower()


def test_a_queue_page_lists_at_most_its_cap(console: Console, world: Any) -> None:
    client = sign_in_http(console, "pager")
    for size in ("100000", str(PAGE_SIZE_MAX + 1), "99999999"):
        html = client.get(f"/console/queue?queue=new&size={size}").text
        rows = listed(html)
        if len(size) < 7:
            assert len(rows) == PAGE_SIZE_MAX, (size, len(rows))  # capped, though 101 wait
        else:
            assert 0 < len(rows) < PAGE_SIZE_MAX  # a malformed size: the default page
        assert html.count("<tr>") - 1 == len(rows)  # one row per application (+ the header)
        rest = listed(client.get(f"/console/queue?queue=new&size={size}&page=2").text)
        assert rest and not rest & rows  # the rest is on the next page
