"""The admins' settings page and `sala server settings`, against a real `sala-server`: each
second-look setting saved from a plain form, refused values explained in Khmer and English with
nothing saved, every change audited, non-admins refused; new hall hours flag the applications
received after them; and the page in Chromium (km and en, 1366×768, axe).
"""

from __future__ import annotations

import html
import json
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sync.server.console.i18n import t
from tests.console.conftest import Console, form_csrf, sign_in_http
from tests.console.seed import audit, kiosk_at, last_week, listed, submit
from tests.console.test_console_browser import new_page, sign_in
from tests.console.test_console_officer_pages import look, to_lang
from tests.sync.conftest import ROOT, Kiosk


@pytest.fixture(scope="module")
def world(console: Console) -> Iterator[dict[str, Any]]:
    for name, role, ministry in (
        ("set_admin", "admin", "*"),
        ("set_sup", "supervisor", "interior"),
        ("set_browser", "admin", "*"),
    ):
        console.add_account(name, role=role, ministry=ministry)
    kiosk = Kiosk(console.server, label="Tuol Sangke hall").enrol()
    admin = sign_in_http(console, "set_admin")
    yield {"kiosk": kiosk, "admin": admin, "csrf": form_csrf(admin.get("/console/settings").text)}
    kiosk.close()


def saved(console: Console, key: str) -> Any:
    with sqlite3.connect(console.server.data_dir / "server.db") as conn:
        row = conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    return json.loads(row[0]) if row else None


def post(world: Any, name: str, lang: str = "en", **data: str) -> httpx.Response:
    client: httpx.Client = world["admin"]
    client.cookies.set("sala_lang", lang, path="/console")
    return client.post(f"/console/settings/{name}", data={"csrf": world["csrf"], **data})


def test_each_setting_is_saved_and_audited(console: Console, world: Any) -> None:
    r = post(world, "audit_share", share="5", communes="120101 10\n\n120102=0.5")
    assert r.status_code == 303 and r.headers["location"] == "/console/settings?done=audit_share"
    assert saved(console, "console.audit_share") == {
        "share": 0.05,
        "communes": {"120101": 0.1, "120102": 0.005},
    }
    days = {f"day{d}": "1" for d in (0, 1, 2, 3, 4, 5)}
    r = post(world, "hall_hours", open="07:30", close="16:30", **days)
    assert r.status_code == 303
    assert saved(console, "console.hall_hours") == {
        "days": [0, 1, 2, 3, 4, 5],
        "open": "07:30",
        "close": "16:30",
    }
    r = post(world, "override_share", o_days="14", o_share="30", o_min="10")
    assert r.status_code == 303
    assert saved(console, "console.override_share") == {"days": 14, "share": 0.3, "min": 10}
    page = world["admin"].get("/console/settings?done=override_share").text
    assert "Saved: Many photo overrides from one kiosk." in page
    assert 'value="07:30"' in page and 'name="day5" value="1" checked' in page
    assert "120101 10\n120102 0.5" in page
    rows = audit(console, "console_setting")
    assert [s for _w, s, _o in rows] == [
        "console.audit_share",
        "console.hall_hours",
        "console.override_share",
    ]
    assert all(w.startswith("console:set_admin#") for w, _s, _o in rows)


@pytest.mark.parametrize(
    ("name", "fields", "code", "values"),
    [
        ("audit_share", {"share": "150", "communes": ""}, "set_bad_percent", {"value": "150"}),
        ("audit_share", {"share": "2", "communes": "12010 5"}, "set_bad_commune_line", {"line": 1}),
        ("hall_hours", {"open": "07:00", "close": "17:00"}, "set_bad_days", {}),
        (
            "hall_hours",
            {"day0": "1", "open": "17:00", "close": "07:00"},
            "set_open_after_close",
            {},
        ),
        ("hall_hours", {"day0": "1", "open": "7am", "close": "17:00"}, "set_bad_time", {}),
        (
            "override_share",
            {"o_days": "0", "o_share": "25", "o_min": "20"},
            "set_bad_days_back",
            {"n": 365},
        ),
        (
            "override_share",
            {"o_days": "x", "o_share": "25", "o_min": "2"},
            "set_bad_whole",
            {"value": "x / 2"},
        ),
    ],
)
def test_refused_values_are_explained_and_nothing_is_saved(
    console: Console, world: Any, name: str, fields: dict[str, str], code: str, values: Any
) -> None:
    key = f"console.{name}"
    before, audits = saved(console, key), len(audit(console, "console_setting"))
    for lang in ("km", "en"):
        r = post(world, name, lang=lang, **fields)
        assert r.status_code == 422
        assert t(code, lang, **values) in html.unescape(r.text), lang
        assert 'role="alert"' in r.text
    assert saved(console, key) == before
    assert len(audit(console, "console_setting")) == audits


def test_csrf_and_roles(console: Console, world: Any) -> None:
    r = world["admin"].post("/console/settings/hall_hours", data={"day0": "1"})
    assert r.status_code == 403
    supervisor = sign_in_http(console, "set_sup")
    supervisor.cookies.set("sala_lang", "en", path="/console")
    assert supervisor.get("/console/settings").status_code == 403
    r = supervisor.post(
        "/console/settings/audit_share",
        data={"csrf": form_csrf(supervisor.get("/console/queue").text), "share": "50"},
    )
    assert r.status_code == 403 and "For administrators only" in r.text
    assert "/console/settings" not in supervisor.get("/console/queue").text  # not in the menu
    assert (
        world["admin"].post("/console/settings/nope", data={"csrf": world["csrf"]}).status_code
        == 404
    )


def test_new_hall_hours_flag_applications_received_after_them(console: Console, world: Any) -> None:
    kiosk = world["kiosk"]
    supervisor = sign_in_http(console, "set_sup")
    monday = kiosk_at(last_week(0), "09:00")  # Cambodia time; within the server's clamp
    before, _ = submit(kiosk, at=monday)
    assert before not in listed(supervisor.get("/console/queue?flag=outside_hours").text)
    assert before in listed(supervisor.get("/console/queue").text)  # its flags derived now
    r = post(world, "hall_hours", open="07:00", close="17:00", day6="1")  # Sundays only
    assert r.status_code == 303
    after, _ = submit(kiosk, at=monday)
    flagged = listed(supervisor.get("/console/queue?flag=outside_hours").text)
    assert after in flagged and before not in flagged


def test_the_cli_shows_and_sets_with_the_same_checks(console: Console, world: Any) -> None:
    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        base = console.server._base()
        return subprocess.run(
            [*base, "settings", *args], capture_output=True, text=True, cwd=ROOT, timeout=60
        )

    r = cli("set", "override_share", '{"days": 30, "share": 0.25, "min": 20}')
    assert r.returncode == 0, r.stderr
    assert json.loads(cli("show").stdout)["override_share"] == {
        "days": 30,
        "share": 0.25,
        "min": 20,
    }
    r = cli("set", "hall_hours", '{"days": [], "open": "07:00", "close": "17:00"}')
    assert r.returncode == 2 and "Choose at least one day" in r.stderr and "ជ្រើស" in r.stderr
    assert [w for w, s, _o in audit(console, "console_setting")][-1] == "cli"


@pytest.mark.slow
def test_the_settings_page_in_the_browser(
    browser: Any, console: Console, world: Any, shots: Path
) -> None:
    page = new_page(browser, "km")
    sign_in(page, console, "set_browser")
    page.click("nav a[href='/console/settings']")
    page.wait_for_url("**/console/settings")
    problems: list[str] = []
    for lang in ("km", "en"):
        to_lang(page, lang)
        problems += look(page, shots, f"settings-{lang}")
    page.fill("#share", "101")
    page.click("form[action$='/audit_share'] button[type=submit]")
    page.wait_for_selector(".alert.error")
    assert "not a percent" in page.inner_text("#audit_share .alert.error")
    assert page.input_value("#share") == "101"  # what was typed is kept
    problems += look(page, shots, "settings-error-en")
    page.goto(f"{console.url}/console/settings")  # the same refusal, in Khmer
    to_lang(page, "km")
    page.fill("#share", "101")
    page.click("form[action$='/audit_share'] button[type=submit]")
    page.wait_for_selector(".alert.error")
    assert page.input_value("#share") == "101"
    problems += look(page, shots, "settings-error-km")
    page.fill("#share", "3")
    page.click("form[action$='/audit_share'] button[type=submit]")
    page.wait_for_url("**done=audit_share")
    assert page.locator(".alert.ok").count() == 1
    page.uncheck("input[name=day6]")
    page.check("input[name=day0]")
    page.fill("#open", "06:45")
    page.click("form[action$='/hall_hours'] button[type=submit]")
    page.wait_for_url("**done=hall_hours")
    for lang in ("en", "km"):
        to_lang(page, lang)
        problems += look(page, shots, f"settings-saved-{lang}")
    page.context.close()
    assert saved(console, "console.audit_share")["share"] == 0.03
    assert saved(console, "console.hall_hours")["open"] == "06:45"
    assert not problems, "\n".join(problems)


def test_the_json_form_is_checked_into_the_readers_shape() -> None:
    """What `sala server settings set` accepts is what the readers (flags, audit_sample) use."""
    from sync.server.console import server_settings as ss

    assert ss.from_json("audit_share", '{"share": 0.02, "communes": {"120101": 0.1}}') == {
        "share": 0.02,
        "communes": {"120101": 0.1},
    }
    assert ss.from_json("hall_hours", '{"days": [5, 0, 0], "open": "06:00", "close": "12:00"}') == {
        "days": [0, 5],
        "open": "06:00",
        "close": "12:00",
    }
    for name, text, code in (
        ("audit_share", '{"share": 2}', "set_bad_percent"),
        ("audit_share", '{"share": 0.1, "communes": {"12": 0.5}}', "set_bad_commune_line"),
        ("hall_hours", '{"days": [7], "open": "06:00", "close": "12:00"}', "set_bad_days"),
        ("override_share", '{"days": 30, "share": 0.25}', "set_bad_json"),
        ("override_share", "[]", "set_bad_json"),
        ("nothing", "{}", "set_unknown"),
    ):
        with pytest.raises(ss.SettingError) as refused:
            ss.from_json(name, text)
        assert refused.value.code == code, (name, text)
