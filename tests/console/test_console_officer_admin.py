"""Admins manage officers, over plain HTTP against a real `sala-server` and its CLI: disable
and enable (sessions end at once), a new password shown once, a new authenticator enrolled
after the password, ending sessions; scope by the admin's ministry, never one's own account or
the last enabled admin; CSRF on every post; each action audited. The browser flows, axe and
screenshots are in test_console_officer_pages.py.
"""

from __future__ import annotations

import html
import re
import subprocess
from collections.abc import Iterator
from typing import Any

import httpx
import pyotp
import pytest

from tests.console.conftest import PASSWORD, Console, form_csrf, sign_in_http, totp_code
from tests.console.seed import audit
from tests.sync.conftest import ROOT


@pytest.fixture(scope="module")
def world(console: Console) -> Iterator[dict[str, Any]]:
    """Accounts (each signs in at most twice per test: a TOTP step works once, so a third
    sign-in within a minute waits for the next step)."""
    for name, role, ministry in (
        ("root", "admin", "*"),
        ("iadmin", "admin", "interior"),
        ("oa_int", "officer", "interior"),
        ("oa_int2", "officer", "interior"),
        ("oa_int3", "officer", "interior"),
        ("oa_com", "officer", "commerce"),
        ("oa_sup", "supervisor", "interior"),
    ):
        console.add_account(name, role=role, ministry=ministry)
    yield {}


def qr_secret(page: str) -> str:
    uri = re.search(r'<p class="mono">([^<]+)</p>', page)
    assert uri, page[-1500:]
    return str(pyotp.parse_uri(html.unescape(uri.group(1))).secret)


_signed_in: dict[str, httpx.Client] = {}


def admin_client(console: Console, name: str, lang: str = "en") -> tuple[httpx.Client, str]:
    """One session per admin for the whole module (signing in costs a fresh TOTP step)."""
    client = _signed_in.get(name)
    if client is None or client.get("/console/queue").status_code != 200:
        client = _signed_in[name] = sign_in_http(console, name)
    client.cookies.set("sala_lang", lang, path="/console")
    return client, form_csrf(client.get("/console/officers").text)


def try_sign_in(console: Console, name: str, password: str = PASSWORD, code: str = "") -> int:
    client = httpx.Client(base_url=console.url, timeout=30)
    csrf = form_csrf(client.get("/console/signin").text)
    data = {"csrf": csrf, "username": name, "password": password, "totp": code}
    data["totp"] = data["totp"] or console.code(name)
    return client.post("/console/signin", data=data).status_code


def cli(console: Console, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*console.server._base(), *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )


def test_disable_ends_sessions_at_once_and_enable_lets_them_back(
    console: Console, world: Any
) -> None:
    officer = sign_in_http(console, "oa_int")
    assert officer.get("/console/queue").status_code == 200
    admin, csrf = admin_client(console, "iadmin")
    target = console.ids["oa_int"]
    confirm = admin.get(f"/console/officers/{target}/disable")
    assert confirm.status_code == 200 and "Disable Oa_Int Officer?" in confirm.text
    assert f'action="/console/officers/{target}/disable"' in confirm.text
    # without the CSRF token: refused, nothing changes
    r = admin.post(f"/console/officers/{target}/disable", data={})
    assert r.status_code == 403 and "This form has expired" in r.text
    assert officer.get("/console/queue").status_code == 200
    r = admin.post(f"/console/officers/{target}/disable", data={"csrf": csrf})
    assert r.status_code == 303
    page = admin.get(r.headers["location"]).text
    assert "is disabled and all its sessions have ended" in page
    assert officer.get("/console/queue").status_code == 303  # the session is over at once
    code = console.code("oa_int")  # a refused sign-in does not use up its code's step
    assert try_sign_in(console, "oa_int", code=code) == 401  # right password, a fresh code
    r = admin.post(f"/console/officers/{target}/disable", data={"csrf": csrf})
    assert r.status_code == 409 and "is already disabled" in r.text
    r = admin.post(f"/console/officers/{target}/enable", data={"csrf": csrf})
    assert r.status_code == 303
    assert try_sign_in(console, "oa_int", code=code) == 303
    outcomes = [(s, o) for _who, s, o in audit(console, "console_officer_disable")]
    assert ("oa_int", "ok") in outcomes
    assert any(o == "refused:oa_already_disabled" for _s, o in outcomes)
    assert ("oa_int", "ok") in [(s, o) for _w, s, o in audit(console, "console_officer_enable")]


def test_an_admin_manages_only_their_own_ministry(console: Console, world: Any) -> None:
    admin, csrf = admin_client(console, "iadmin")
    listing = admin.get("/console/officers").text
    assert "oa_int" in listing and "oa_com" not in listing and "root" not in listing
    other = console.ids["oa_com"]
    for path in (f"{other}/disable", f"{other}/reset-password"):
        assert admin.get(f"/console/officers/{path}").status_code == 404
    r = admin.post(f"/console/officers/{other}/disable", data={"csrf": csrf})
    assert r.status_code == 404
    r = admin.post(f"/console/officers/{console.ids['root']}/reset-password", data={"csrf": csrf})
    assert r.status_code == 404  # an all-ministries admin is not an Interior admin's either
    assert try_sign_in(console, "oa_com") == 303  # unchanged
    refused = [o for _w, s, o in audit(console, "console_officer_disable") if s == other]
    assert refused == ["refused:oa_not_yours", "refused:oa_not_yours"]
    # nor can they make an account of another ministry (or of all of them)
    for ministry in ("commerce", "*"):
        r = admin.post(
            "/console/officers",
            data={
                "csrf": csrf,
                "username": f"sneaky{len(ministry)}",
                "display_name": "Sneaky",
                "password": PASSWORD,
                "role": "admin",
                "ministry": ministry,
                "jurisdiction": "all",
            },
        )
        assert r.status_code == 403 and "only create accounts of your own ministry" in r.text
    assert f"sneaky{len('*')}" not in admin.get("/console/officers").text
    # the all-ministries admin sees everyone
    root, _ = admin_client(console, "root")
    assert "oa_com" in root.get("/console/officers").text


def test_not_ones_own_account_nor_the_last_enabled_admin(console: Console, world: Any) -> None:
    admin, csrf = admin_client(console, "iadmin", lang="km")
    me = console.ids["iadmin"]
    r = admin.post(f"/console/officers/{me}/disable", data={"csrf": csrf})
    assert r.status_code == 409
    assert "អ្នក\u200bមិន\u200bអាច\u200bធ្វើ\u200bការ\u200bនេះ\u200bលើ\u200bគណនី\u200bខ្លួនឯង" in r.text
    assert admin.get("/console/queue").status_code == 200  # still signed in
    # root disables iadmin; the CLI then cannot disable root, the last enabled admin
    root, root_csrf = admin_client(console, "root")
    r = root.post(f"/console/officers/{me}/disable", data={"csrf": root_csrf})
    assert r.status_code == 303
    assert admin.get("/console/queue").status_code == 303
    done = cli(console, "officer", "disable", "root")
    assert done.returncode == 1 and "last enabled admin" in done.stderr, done.stderr
    assert root.get("/console/queue").status_code == 200
    r = cli(console, "officer", "enable", "iadmin")
    assert r.returncode == 0 and "iadmin enabled" in r.stdout
    assert ("iadmin", "ok") in [(s, o) for w, s, o in audit(console, "console_officer_enable")]


def test_new_password_is_shown_once_and_the_officer_changes_it(
    console: Console, world: Any
) -> None:
    officer = sign_in_http(console, "oa_int2")
    admin, csrf = admin_client(console, "root")
    target = console.ids["oa_int2"]
    assert "A new password for" in admin.get(f"/console/officers/{target}/reset-password").text
    r = admin.post(f"/console/officers/{target}/reset-password", data={"csrf": csrf})
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    shown = re.search(r'class="big-code temp-password"[^>]*>([^<]+)<br>([^<]+)</p>', r.text)
    assert shown, r.text[-1500:]
    temporary = shown.group(1) + shown.group(2)
    assert re.fullmatch(r"([a-z2-9]{4}-){3}[a-z2-9]{4}", temporary)
    assert temporary not in admin.get("/console/officers").text  # shown once
    assert officer.get("/console/queue").status_code == 303  # its sessions ended
    assert try_sign_in(console, "oa_int2", code="000000") == 401  # the old password: no
    fresh = httpx.Client(base_url=console.url, timeout=30, cookies={"sala_lang": "en"})
    csrf_in = form_csrf(fresh.get("/console/signin").text)
    code = console.code("oa_int2")
    data = {"csrf": csrf_in, "username": "oa_int2", "password": temporary, "totp": code}
    assert fresh.post("/console/signin", data=data).status_code == 303
    # the officer changes it: a wrong current password, two that differ, then done
    mine = form_csrf(fresh.get("/console/password").text)
    for current, new, again, text in (
        ("not it at all", "a brand new secret", "a brand new secret", "current password is not"),
        (temporary, "a brand new secret", "another new secret", "two new passwords differ"),
        (temporary, "short", "short", "12 to 256 characters"),
    ):
        r = fresh.post(
            "/console/password",
            data={"csrf": mine, "current": current, "new": new, "again": again},
        )
        assert r.status_code == 422 and text in r.text, text
    data = {"csrf": mine, "current": temporary, "new": "my own secret now", "again": ""}
    data["again"] = data["new"]
    r = fresh.post("/console/password", data=data)
    assert r.status_code == 303
    assert "Your password is changed" in fresh.get(r.headers["location"]).text
    assert try_sign_in(console, "oa_int2", temporary, "000000") == 401
    # the new one is the password now: the form takes it as the current one
    data = {"csrf": mine, "current": "my own secret now", "new": "my own secret 2"}
    data["again"] = data["new"]
    assert fresh.post("/console/password", data=data).status_code == 303
    assert [o for _w, s, o in audit(console, "console_officer_password")] == ["ok"]
    own = [o for _w, s, o in audit(console, "console_own_password")]
    assert own.count("ok") == 2 and "refused:oa_wrong_current" in own


def test_a_new_authenticator_is_shown_once_to_the_admin_and_enrolled_by_a_code(
    console: Console, world: Any
) -> None:
    supervisor = sign_in_http(console, "oa_sup")
    old_secret = console.secrets["oa_sup"]
    admin, csrf = admin_client(console, "root")
    target = console.ids["oa_sup"]
    r = admin.post(f"/console/officers/{target}/reset-totp", data={"csrf": csrf})
    assert r.status_code == 200 and '<div class="qr" id="new-totp"><svg' in r.text
    assert "old authenticator no longer works" in html.unescape(r.text)
    assert r.headers["cache-control"] == "no-store"
    secret = qr_secret(r.text)  # shown once, to hand over in person
    assert secret != old_secret
    listing = admin.get("/console/officers").text
    assert "New authenticator to enrol" in listing and secret not in listing
    assert supervisor.get("/console/queue").status_code == 303
    # an old code is a failure like any other (the password alone tells nothing)
    assert try_sign_in(console, "oa_sup", code=totp_code(old_secret)) == 401
    enrol = httpx.Client(base_url=console.url, timeout=30, cookies={"sala_lang": "en"})
    pre = form_csrf(enrol.get("/console/enrol").text)
    for password, code in ((PASSWORD, ""), (PASSWORD, "000000"), ("wrong password!", "")):
        data = {"csrf": pre, "username": "oa_sup", "password": password, "totp": code}
        r = enrol.post("/console/enrol", data=data)
        assert r.status_code == 401 and 'class="qr"' not in r.text and secret not in r.text
        assert "The username, password or code is not right" in html.unescape(r.text)
        pre = form_csrf(r.text)
    data = {"csrf": pre, "username": "oa_sup", "password": PASSWORD, "totp": totp_code(secret)}
    r = enrol.post("/console/enrol", data=data)
    assert r.status_code == 303 and r.headers["location"] == "/console/queue"
    assert enrol.get("/console/queue").status_code == 200  # signed in
    console.secrets["oa_sup"] = secret
    assert "New authenticator to enrol" not in admin.get("/console/officers").text
    assert try_sign_in(console, "oa_sup") == 303
    outcomes = [o for _w, s, o in audit(console, "console_enrol")]
    assert outcomes.count("refused:bad_credentials") == 3 and outcomes[-1] == "ok"
    assert "shown" not in outcomes


def test_end_sessions_and_the_cli_for_a_locked_out_admin(console: Console, world: Any) -> None:
    officer = sign_in_http(console, "oa_int3")
    admin, csrf = admin_client(console, "root")
    target = console.ids["oa_int3"]
    r = admin.post(f"/console/officers/{target}/end-sessions", data={"csrf": csrf})
    assert r.status_code == 303
    page = html.unescape(admin.get(r.headers["location"]).text)
    assert "All of oa_int3's sessions have ended" in page
    assert officer.get("/console/queue").status_code == 303
    # the first admin, locked out by failed sign-ins and a lost phone, on the server's shell
    for _ in range(5):
        try_sign_in(console, "iadmin", "wrong password!", "000000")
    assert try_sign_in(console, "iadmin", code="000000") == 401  # locked
    r = cli(console, "officer", "reset-password", "iadmin")
    assert r.returncode == 0 and "shown once" in r.stderr
    temporary = r.stdout.strip()
    r = cli(console, "officer", "reset-totp", "iadmin")
    assert r.returncode == 0 and "shown once" in r.stderr
    secret = str(pyotp.parse_uri(r.stdout.strip()).secret)  # the operator hands it over
    enrol = httpx.Client(base_url=console.url, timeout=30)
    pre = form_csrf(enrol.get("/console/enrol").text)
    data = {"csrf": pre, "username": "iadmin", "password": temporary, "totp": totp_code(secret)}
    assert enrol.post("/console/enrol", data=data).status_code == 303
    assert enrol.get("/console/queue").headers["location"] == "/console/password"
    console.secrets["iadmin"] = secret
    r = cli(console, "officer", "end-sessions", console.ids["iadmin"])
    assert r.returncode == 0 and "1 session(s) ended" in r.stdout
    assert enrol.get("/console/queue").status_code == 303
    r = cli(console, "officer", "reset-password", "iadmin", "--password-stdin", stdin="short\n")
    assert r.returncode == 1 and "12 to 256" in r.stderr and "Nothing was changed" in r.stderr
    clis = [w for w, s, o in audit(console, "console_officer_password") if s == "iadmin"]
    assert clis == ["cli"]  # each CLI call costs a whole interpreter: no more of them here
    assert [w for w, s, o in audit(console, "console_officer_sessions")] == [
        "console:root#" + console.ids["root"],
        "cli",
    ]
