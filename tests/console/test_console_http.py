"""The back office's guards over plain HTTP (no browser needed): lockouts with their numbers,
sessions (cookie flags, idle timeout, sign-out), CSRF, the assignment lock, scope by ministry
and jurisdiction, media names, page-size caps, the audit, and the CLI's refusals.
"""

from __future__ import annotations

import sqlite3
import subprocess
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.console.conftest import (
    CATALOG,
    PASSWORD,
    Console,
    form_csrf,
    sign_in_http,
)
from tests.sync.conftest import ROOT, Kiosk, ServerProcess


@pytest.fixture(scope="module")
def world(console: Console) -> Iterator[dict[str, Any]]:
    for name, role, ministry, where in (
        ("kosal", "officer", "interior", "12"),
        ("nary", "officer", "interior", "1201"),
        ("rith", "supervisor", "interior", "12"),
        ("far", "officer", "interior", "13"),  # another province
        ("trade", "officer", "commerce", "all"),
        ("lock1", "officer", "interior", "12"),
        ("replay", "officer", "interior", "12"),
        ("audit", "admin", "*", "all"),
    ):
        # one by the command itself: the rest are made by the function it calls
        cli = name == "kosal"
        console.add_account(name, role=role, ministry=ministry, jurisdiction=where, cli=cli)
    kiosk = Kiosk(console.server).enrol()
    apps = [console.submit(kiosk)[0] for _ in range(3)]
    yield {"kiosk": kiosk, "apps": apps}
    kiosk.close()


def db(console: Console) -> sqlite3.Connection:
    return sqlite3.connect(console.server.data_dir / "server.db")


def page_csrf(client: httpx.Client) -> str:
    return form_csrf(client.get("/console/queue").text)


def test_session_cookie_flags_headers_and_idle_timeout(console: Console, world: Any) -> None:
    client = sign_in_http(console, "kosal")
    cookie = next(c for c in client.cookies.jar if c.name == "sala_console")
    assert cookie.path == "/console"
    assert cookie.has_nonstandard_attr("HttpOnly")
    r = client.get("/console/queue")
    assert r.status_code == 200
    assert "script-src 'self';" in r.headers["content-security-policy"]  # vendored htmx only
    assert r.headers["cache-control"] == "no-store"
    # 15 minutes idle: the next request finds the session over and asks to sign in again
    with db(console) as conn:
        conn.execute("UPDATE console_sessions SET seen_at = seen_at - 901")
    r = client.get("/console/queue")
    assert r.status_code == 303 and r.headers["location"] == "/console/signin?ended=1"
    assert "(១៥ នាទី" in client.get(r.headers["location"]).text  # "… ended (15 minutes idle …"


def test_signin_needs_the_forms_token_and_set_cookie_is_strict(console: Console) -> None:
    client = httpx.Client(base_url=console.url)
    r = client.post(
        "/console/signin", data={"csrf": "x", "username": "kosal", "password": PASSWORD}
    )
    assert r.status_code == 403
    assert "ទម្រង់\u200bនេះ\u200bផុត\u200bសុពលភាព" in r.text  # Khmer first
    page = client.get("/console/signin")
    assert "samesite=strict" in page.headers["set-cookie"].lower()
    assert "httponly" in page.headers["set-cookie"].lower()


def test_account_lockout_after_5_failures_for_15_minutes(console: Console, world: Any) -> None:
    client = httpx.Client(base_url=console.url, cookies={"sala_lang": "en"})
    for attempt in range(6):
        csrf = form_csrf(client.get("/console/signin").text)
        code = console.code("lock1") if attempt == 5 else "000000"
        password = "wrong password!" if attempt < 5 else PASSWORD
        r = client.post(
            "/console/signin",
            data={"csrf": csrf, "username": "lock1", "password": password, "totp": code},
        )
        assert r.status_code == 401
    assert "Too many failed attempts (5). Try again in 15 minutes." in r.text
    # an unknown username locks the same way: lockout says nothing about who exists
    with db(console) as conn:
        conn.execute("DELETE FROM console_signin_failures")  # the address's count, for others


def test_source_address_lockout_after_20_failures(tmp_path: Any) -> None:
    server = ServerProcess(tmp_path / "s", args=("--catalog", str(CATALOG))).start()
    try:
        client = httpx.Client(base_url=server.url, cookies={"sala_lang": "en"})
        for i in range(21):
            csrf = form_csrf(client.get("/console/signin").text)
            # a new X-Forwarded-For each time changes nothing: no --trusted-proxy was named
            # (test_console_trusted_proxy.py has one)
            r = client.post(
                "/console/signin",
                headers={"X-Forwarded-For": f"10.9.0.{i + 1}"},
                data={"csrf": csrf, "username": f"nobody{i}", "password": "x" * 12},
            )
        assert r.status_code == 401
        assert "from this computer (20)" in r.text
    finally:
        server.stop()


def test_totp_code_cannot_be_replayed(console: Console, world: Any) -> None:
    code = console.code("replay")
    sign_in_http(console, "replay", code)
    client = httpx.Client(base_url=console.url, cookies={"sala_lang": "en"})
    csrf = form_csrf(client.get("/console/signin").text)
    r = client.post(
        "/console/signin",
        data={"csrf": csrf, "username": "replay", "password": PASSWORD, "totp": code},
    )
    assert r.status_code == 401 and "not right" in r.text


def test_assignment_is_a_lock_and_a_supervisor_reassigns(console: Console, world: Any) -> None:
    app = world["apps"][0]
    kosal = sign_in_http(console, "kosal")
    csrf = page_csrf(kosal)
    r = kosal.post(
        f"/console/applications/{app}/act", data={"csrf": csrf, "action": "start_review"}
    )
    assert r.status_code == 303
    rith = sign_in_http(console, "rith")
    rith.cookies.set("sala_lang", "en", path="/console")
    csrf_r = page_csrf(rith)
    r = rith.post(f"/console/applications/{app}/act", data={"csrf": csrf_r, "action": "approve"})
    assert r.status_code == 409 and "assigned to another officer" in r.text
    # a reject without a reason is refused, and nothing changes
    r = kosal.post(f"/console/applications/{app}/act", data={"csrf": csrf, "action": "reject"})
    assert r.status_code == 422
    # the supervisor hands it to nary (district 1201 covers commune 120101); nary decides
    r = rith.post(
        f"/console/applications/{app}/assign", data={"csrf": csrf_r, "to": console.ids["nary"]}
    )
    assert r.status_code == 303
    r = kosal.post(f"/console/applications/{app}/act", data={"csrf": csrf, "action": "approve"})
    assert r.status_code == 409
    nary = sign_in_http(console, "nary")
    r = nary.post(
        f"/console/applications/{app}/act", data={"csrf": page_csrf(nary), "action": "approve"}
    )
    assert r.status_code == 303
    # a move the status does not allow: approved → approve again
    r = nary.post(
        f"/console/applications/{app}/act", data={"csrf": page_csrf(nary), "action": "approve"}
    )
    assert r.status_code == 409


def test_scope_by_ministry_and_jurisdiction(console: Console, world: Any) -> None:
    app = world["apps"][1]
    for name, code in (("far", "outside your jurisdiction"), ("trade", "another ministry")):
        client = sign_in_http(console, name)
        client.cookies.set("sala_lang", "en", path="/console")
        r = client.get(f"/console/applications/{app}")
        assert r.status_code == 403 and code in r.text
        r = client.get(f"/console/applications/{app}/media/{'0' * 64}")
        assert r.status_code == 403
        assert app not in client.get("/console/queue?queue=new").text
        r = client.post(
            f"/console/applications/{app}/act",
            data={"csrf": page_csrf(client), "action": "start_review"},
        )
        assert r.status_code == 403


def test_media_route_serves_only_listed_files(console: Console, world: Any) -> None:
    app = world["apps"][2]
    client = sign_in_http(console, "audit")
    html = client.get(f"/console/applications/{app}").text
    assert 'section class="card actions"' not in html  # an admin decides nothing
    listed = html.split(f"/console/applications/{app}/media/")[1][:64]
    r = client.get(f"/console/applications/{app}/media/{listed}")
    assert r.status_code == 200 and r.content.startswith(b"\x89PNG")
    assert r.headers["content-type"] == "image/png"
    for bad in ("..%2f..%2fserver_key.pem", "%2e%2e/%2e%2e/server.db", "f" * 64, listed[:-1]):
        r = client.get(f"/console/applications/{app}/media/{bad}")
        assert r.status_code == 404, bad
        assert b"PRIVATE KEY" not in r.content
    r = client.get("/console/applications/not-a-uuid")
    assert r.status_code in (404, 422)


def test_page_size_is_capped_and_search_is_audited(console: Console, world: Any) -> None:
    client = sign_in_http(console, "rith")
    r = client.get("/console/queue?queue=decided&size=100000&page=-3")
    assert r.status_code == 200
    number = world["kiosk"].commune
    assert client.get(f"/console/queue?q={number}").status_code == 200
    with db(console) as conn:
        actions = {a for (a,) in conn.execute("SELECT action || ':' || outcome FROM officer_audit")}
    for wanted in (
        "console_signin:ok",
        "console_signin:refused:bad_credentials",
        "console_view:ok",
        "console_search:ok",
        "status:ok",
        "console_assign:ok",
        "console_approve:refused:not_assignee",
    ):
        assert wanted in actions, (wanted, sorted(actions))


def test_signout_ends_the_session(console: Console, world: Any) -> None:
    client = sign_in_http(console, "trade")
    r = client.post("/console/signout", data={"csrf": page_csrf(client)})
    assert r.status_code == 200
    assert client.get("/console/queue").status_code == 303


def test_cli_refuses_weak_accounts(console: Console) -> None:
    def add(*args: str, password: str = PASSWORD) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*console.server._base(), "officer", "add", "--password-stdin", *args],
            input=password + "\n",
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=60,
        )

    base = ("--display-name", "X", "--ministry", "interior", "--jurisdiction", "12")
    r = add("--username", "boss", "--role", "admin", "--no-totp", *base)
    assert r.returncode == 2 and "second factor" in r.stderr
    r = add("--username", "short", "--role", "officer", *base, password="short")
    assert r.returncode == 2 and "12 to 256" in r.stderr
    r = add("--username", "kosal", "--role", "officer", *base)
    assert r.returncode == 2 and "taken" in r.stderr
