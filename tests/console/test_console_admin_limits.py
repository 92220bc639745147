"""The limits of an admin in the console, over plain HTTP against a real `sala-server`: no
jurisdiction wider than their own given out or managed, server-wide settings only for an
all-ministries admin, no peer admin taken over, a password someone else set changed before
anything else, a session's guesses at its own password counted like sign-ins, a new account's
refusals in the officer's language, and a reset authenticator's QR is shown once to the admin.

Each refusal: the officer's-language message, 403/422/401, and nothing changes (checked in the
database and its audit).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pyotp
import pytest

from sync.server.console.i18n import t
from tests.console.conftest import PASSWORD, Console, form_csrf, sign_in_http, totp_code
from tests.console.seed import audit, db, submit
from tests.sync.conftest import Kiosk


@pytest.fixture(scope="module")
def world(console: Console) -> Iterator[dict[str, Any]]:
    for name, role, ministry, where in (
        ("lim_root", "admin", "*", "all"),
        ("lim_adm12", "admin", "interior", "12"),
        ("lim_adm12b", "admin", "interior", "12"),
        ("lim_off12", "officer", "interior", "12"),
        ("lim_off01", "officer", "interior", "01"),
        ("lim_guess", "officer", "interior", "12"),
        ("lim_sup", "supervisor", "interior", "1201"),
    ):
        console.add_account(name, role=role, ministry=ministry, jurisdiction=where)
    kiosk = Kiosk(console.server, label="Limits hall").enrol()  # commune 120101
    reg_id, _number = submit(kiosk)
    yield {"reg": reg_id}
    kiosk.close()


_clients: dict[str, httpx.Client] = {}


def client(console: Console, name: str, lang: str) -> tuple[httpx.Client, str]:
    """One session per account for the module (a sign-in uses up a TOTP step)."""
    c = _clients.get(name)
    if c is None or c.get("/console/queue").status_code != 200:
        c = _clients[name] = sign_in_http(console, name)
    c.cookies.set("sala_lang", lang, path="/console")
    return c, form_csrf(c.get("/console/officers" if "adm" in name else "/console/queue").text)


def text(r: httpx.Response) -> str:
    return html.unescape(r.text)


def row(console: Console, username: str) -> Any:
    with db(console) as conn:
        return conn.execute(
            "SELECT password_hash, jurisdiction, disabled_at, password_reset_at, totp_secret "
            "FROM console_officers WHERE username = ?",
            (username,),
        ).fetchone()


def failures(console: Console, username: str) -> int:
    with db(console) as conn:
        sql = "SELECT count(*) FROM console_signin_failures WHERE username = ?"
        return int(conn.execute(sql, (username,)).fetchone()[0])


def new_account(c: httpx.Client, csrf: str, username: str, where: str, **more: str) -> Any:
    data = {
        "csrf": csrf,
        "username": username,
        "display_name": "New One",
        "password": PASSWORD,
        "role": "officer",
        "ministry": "interior",
        "jurisdiction": where,
        "no_totp": "1",
        **more,
    }
    return c.post("/console/officers", data=data)


def test_an_admin_gives_out_and_manages_only_their_own_jurisdiction(
    console: Console, world: Any
) -> None:
    admin, csrf = client(console, "lim_adm12", "km")
    far_before = row(console, "lim_off01")
    for where in ("all", "01", "12,0102"):
        r = new_account(admin, csrf, "lim_wide", where)
        assert r.status_code == 403, where
        assert t("oa_wider_jurisdiction", "km", where="12") in text(r)
    assert row(console, "lim_wide") is None
    refused = [(s, o) for _w, s, o in audit(console, "console_officer_add") if s == "lim_wide"]
    assert refused == [("lim_wide", "refused:oa_wider_jurisdiction")] * 3
    r = new_account(admin, csrf, "lim_narrow", "1201")  # within province 12: made
    assert r.status_code == 200 and "lim_narrow" in r.text
    assert row(console, "lim_narrow")[1] == "1201"
    assert row(console, "lim_narrow")[3] is not None  # the admin typed it: changed first
    assert t("oa_created_must_change", "km") in text(r)
    # a province-01 account of the same ministry is neither listed nor managed
    assert "lim_off01" not in admin.get("/console/officers").text
    far = console.ids["lim_off01"]
    assert admin.get(f"/console/officers/{far}/reset-password").status_code == 404
    for action in ("disable", "reset-password", "reset-totp"):
        r = admin.post(f"/console/officers/{far}/{action}", data={"csrf": csrf})
        assert r.status_code == 404 and t("oa_not_yours", "km") in text(r), action
    assert far_before[2] is None and row(console, "lim_off01") == far_before
    assert try_sign_in(console, "lim_off01") == 303  # unchanged
    # the all-ministries, nationwide admin manages it
    root, _ = client(console, "lim_root", "en")
    assert "lim_off01" in root.get("/console/officers").text


def test_a_new_accounts_refusals_are_in_the_officers_language(console: Console, world: Any) -> None:
    admin, csrf = client(console, "lim_adm12", "km")
    cases = (
        ({"username": "x"}, "acc_bad_username", {}),
        ({"jurisdiction": "12x"}, "acc_bad_jurisdiction", {"value": "12x"}),
        ({"role": "supervisor", "username": "lim_sup"}, "acc_taken", {"name": "lim_sup"}),
    )
    for lang in ("km", "en"):
        admin.cookies.set("sala_lang", lang, path="/console")
        for fields, code, values in cases:
            data = {"username": "lim_fresh", "jurisdiction": "12", **fields}
            r = new_account(admin, csrf, data.pop("username"), data.pop("jurisdiction"), **data)
            assert r.status_code == 422, (lang, code)
            assert t(code, lang, **values) in text(r), (lang, code)
            if lang == "km":
                assert "username:" not in r.text and "is taken" not in r.text
    assert row(console, "lim_fresh") is None and row(console, "x") is None


def test_only_an_all_ministries_admin_changes_server_wide_settings(
    console: Console, world: Any
) -> None:
    admin, csrf = client(console, "lim_adm12", "km")
    page = admin.get("/console/settings")
    assert page.status_code == 200 and t("set_all_only", "km") in text(page)
    assert "disabled>" in page.text and t("set_save", "km") not in page.text  # read-only
    audits = len(audit(console, "console_setting"))
    r = admin.post("/console/settings/audit_share", data={"csrf": csrf, "share": "0"})
    assert r.status_code == 403 and t("set_all_only_refused", "km") in text(r)
    with db(console) as conn:
        saved = conn.execute("SELECT value FROM settings WHERE key = 'console.audit_share'")
        assert saved.fetchone() is None  # nothing saved
    outcomes = [o for _w, _s, o in audit(console, "console_setting")]
    assert len(outcomes) == audits + 1 and outcomes[-1] == "refused:set_all_only"
    root, root_csrf = client(console, "lim_root", "en")
    r = root.post("/console/settings/audit_share", data={"csrf": root_csrf, "share": "4"})
    assert r.status_code == 303
    assert t("set_save", "en") in root.get("/console/settings").text


def test_no_admin_takes_over_a_peer_and_a_reset_password_is_changed_first(
    console: Console, world: Any
) -> None:
    admin, csrf = client(console, "lim_adm12", "en")
    peer = console.ids["lim_adm12b"]
    listing = admin.get("/console/officers").text
    assert t("oa_peer_admin", "en") in listing and f"/officers/{peer}/" not in listing
    before = row(console, "lim_adm12b")
    assert admin.get(f"/console/officers/{peer}/reset-password").status_code == 403
    for action in ("reset-password", "disable", "reset-totp", "end-sessions"):
        r = admin.post(f"/console/officers/{peer}/{action}", data={"csrf": csrf})
        assert r.status_code == 403 and t("oa_admin_needs_all", "en") in text(r), action
    assert row(console, "lim_adm12b") == before  # nothing changed
    refused = [o for _w, s, o in audit(console, "console_officer_reset_password") if s == peer]
    assert refused == ["refused:oa_admin_needs_all"] * 2  # the confirmation page and the post
    assert audit(console, "console_officer_password") == []
    # the all-ministries admin resets it; the owner must choose their own before anything
    root, root_csrf = client(console, "lim_root", "en")
    r = root.post(f"/console/officers/{peer}/reset-password", data={"csrf": root_csrf})
    shown = re.search(r'class="big-code temp-password"[^>]*>([^<]+)<br>([^<]+)</p>', r.text)
    assert r.status_code == 200 and shown, r.text[-1500:]
    temporary = shown.group(1) + shown.group(2)
    assert row(console, "lim_adm12b")[3] is not None
    owner = httpx.Client(base_url=console.url, timeout=30, cookies={"sala_lang": "km"})
    data = {"csrf": form_csrf(owner.get("/console/signin").text), "username": "lim_adm12b"}
    data.update(password=temporary, totp=console.code("lim_adm12b"))
    assert owner.post("/console/signin", data=data).status_code == 303
    for path in ("/console/queue", "/console/officers", "/console/settings"):
        r = owner.get(path)
        assert r.status_code == 303 and r.headers["location"] == "/console/password", path
    page = owner.get("/console/password")
    assert page.status_code == 200 and t("oa_must_change_intro", "km") in text(page)
    mine = form_csrf(page.text)
    r = new_account(owner, mine, "lim_by_temp", "12")
    assert r.status_code == 403 and t("oa_must_change", "km") in text(r)
    assert row(console, "lim_by_temp") is None
    same = {"csrf": mine, "current": temporary, "new": temporary, "again": temporary}
    r = owner.post("/console/password", data=same)
    assert r.status_code == 422 and t("oa_same_password", "km") in text(r)
    own = {**same, "new": "lim adm12b's own", "again": "lim adm12b's own"}
    assert owner.post("/console/password", data=own).status_code == 303
    assert owner.get("/console/queue").status_code == 200
    assert row(console, "lim_adm12b")[3] is None


def test_a_must_change_officer_decides_nothing(console: Console, world: Any) -> None:
    from sync.server.console import account_admin

    with console.server.engine() as engine:  # what `sala server officer reset-password` runs
        target = console.ids["lim_off12"]
        temporary = account_admin.reset_password(engine, None, target)
    officer = httpx.Client(base_url=console.url, timeout=30, cookies={"sala_lang": "en"})
    data = {"csrf": form_csrf(officer.get("/console/signin").text), "username": "lim_off12"}
    data.update(password=temporary, totp=console.code("lim_off12"))
    assert officer.post("/console/signin", data=data).status_code == 303
    reg = world["reg"]
    assert officer.get(f"/console/applications/{reg}").status_code == 303
    csrf = form_csrf(officer.get("/console/password").text)
    with db(console) as conn:
        sql = "SELECT count(*) FROM status_history WHERE registration_id = ?"
        history = conn.execute(sql, (reg,)).fetchone()[0]
    for path, form in (
        (f"/console/applications/{reg}/assign", {"to": target}),
        (f"/console/applications/{reg}/act", {"action": "start_review"}),
    ):
        r = officer.post(path, data={"csrf": csrf, **form})
        assert r.status_code == 403 and t("oa_must_change", "en") in text(r), path
    with db(console) as conn:
        assert conn.execute(sql, (reg,)).fetchone()[0] == history
        held = "SELECT count(*) FROM console_assignments WHERE registration_id = ?"
        assert conn.execute(held, (reg,)).fetchone()[0] == 0


def test_guesses_at_ones_own_password_count_like_sign_ins(console: Console, world: Any) -> None:
    guesser, csrf = client(console, "lim_guess", "en")
    before = row(console, "lim_guess")
    wrong = {"csrf": csrf, "current": "not my password", "new": "a new one here", "again": ""}
    wrong["again"] = wrong["new"]
    for n in range(1, 5):
        r = guesser.post("/console/password", data=wrong)
        assert r.status_code == 422 and t("oa_wrong_current", "en") in text(r)
        assert failures(console, "lim_guess") == n
    assert guesser.get("/console/queue").status_code == 200  # still signed in
    r = guesser.post("/console/password", data=wrong)  # the sign-in limit: the session ends
    assert r.status_code == 401
    assert "Too many failed attempts (5)" in text(r)
    assert guesser.get("/console/queue").status_code == 303
    assert row(console, "lim_guess") == before  # the password is unchanged
    assert try_sign_in(console, "lim_guess") == 401  # the account is locked, as after sign-ins
    outcomes = [o for _w, s, o in audit(console, "console_own_password") if s == "lim_guess"]
    assert outcomes == ["refused:oa_wrong_current"] * 5 + ["session_ended:locked_account"]


def test_a_reset_authenticator_is_handed_over_by_the_admin(console: Console, world: Any) -> None:
    admin, csrf = client(console, "lim_adm12", "en")
    old = console.secrets["lim_sup"]
    r = admin.post(f"/console/officers/{console.ids['lim_sup']}/reset-totp", data={"csrf": csrf})
    assert r.status_code == 200 and t("oa_new_totp_once", "en") in text(r)
    shown = re.search(r'id="new-totp">.*?<p class="mono">([^<]+)</p>', r.text, re.S)
    assert shown, r.text[-1500:]
    new = str(pyotp.parse_uri(html.unescape(shown.group(1))).secret)
    assert new != old and row(console, "lim_sup")[4] == new
    owner = httpx.Client(base_url=console.url, timeout=30, cookies={"sala_lang": "en"})
    data = {"csrf": form_csrf(owner.get("/console/signin").text), "username": "lim_sup"}
    data.update(password=PASSWORD, totp=totp_code(old))
    r = owner.post("/console/signin", data=data)  # the old authenticator: a plain failure
    assert r.status_code == 401 and t("bad_credentials", "en") in text(r)
    assert failures(console, "lim_sup") == 1
    outcomes = [o for _w, s, o in audit(console, "console_signin") if s == "lim_sup"]
    assert outcomes[-1] == "refused:bad_credentials"
    data.update(csrf=form_csrf(owner.get("/console/signin").text), totp=totp_code(new))
    r = owner.post("/console/signin", data=data)  # the QR the admin handed over
    assert r.status_code == 303 and r.headers["location"] != "/console/enrol"
    assert owner.get("/console/queue").status_code == 200
    assert failures(console, "lim_sup") == 0
    console.secrets["lim_sup"] = new


def try_sign_in(console: Console, name: str) -> int:
    c = httpx.Client(base_url=console.url, timeout=30)
    data = {"csrf": form_csrf(c.get("/console/signin").text), "username": name}
    data.update(password=PASSWORD, totp=console.code(name))
    return c.post("/console/signin", data=data).status_code
