"""The officer-management pages in Debian's Chromium, no JavaScript of ours: an admin disables
and enables an officer through the confirmation page, makes a new password (shown once) and a
new authenticator, which the officer enrols from the sign-in page's menu and then signs in;
the officer changes the password. Each page in km and en at 1366×768 and on a tablet, with
no sideways scrolling and no serious axe finding (screenshots to $SALA_SHOTS/console).
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest

from tests.console.conftest import PASSWORD, Console, totp_code
from tests.console.test_console_axe import serious
from tests.console.test_console_browser import DESKTOP, TABLET, new_page, shoot, sign_in, to_lang

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def world(console: Console) -> Iterator[dict[str, Any]]:
    for name, role, ministry in (
        ("pg_root", "admin", "*"),
        ("pg_off", "officer", "interior"),
        ("pg_sup", "supervisor", "interior"),
    ):
        console.add_account(name, role=role, ministry=ministry)
    yield {}


def look(page: Any, shots: Path, name: str) -> list[str]:
    """axe's serious and critical findings, no sideways scrolling at 1366×768 and on a tablet,
    and a screenshot of each."""
    problems = serious(page, name)
    for size, label in ((DESKTOP, "1366x768"), (TABLET, "tablet")):
        page.set_viewport_size(size)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > size["width"]:
            problems.append(f"{name}: {width}px wide at {label}")
        shoot(page, shots, f"{name}-{label}")
    page.set_viewport_size(DESKTOP)
    return problems


def _row(page: Any, username: str) -> Any:
    return page.locator("table.officers tbody tr", has_text=username)


def _reset_password(page: Any, console: Console, lang: str, shots: Path) -> tuple[str, list[str]]:
    page.goto(f"{console.url}/console/officers")
    to_lang(page, lang)
    _row(page, "pg_off").locator("a[href$='/reset-password']").click()
    page.wait_for_url("**/reset-password")
    found = look(page, shots, f"officer-reset-password-confirm-{lang}")
    page.click("form[action$='/reset-password'] button[type=submit]")
    page.wait_for_selector(".temp-password")
    found += look(page, shots, f"officer-new-password-{lang}")
    return page.inner_text(".temp-password").replace("\n", ""), found


def test_officer_pages_in_the_browser(
    browser: Any, console: Console, world: Any, shots: Path
) -> None:
    problems: list[str] = []
    page = new_page(browser, "km")
    sign_in(page, console, "pg_root")
    page.click("nav a[href='/console/officers']")
    page.wait_for_url("**/console/officers")
    for lang in ("km", "en"):
        to_lang(page, lang)
        problems += look(page, shots, f"officers-{lang}")
    # disable, through the confirmation page, then enable again
    _row(page, "pg_off").locator("a[href$='/disable']").click()
    page.wait_for_url("**/disable")
    problems += look(page, shots, "officer-disable-confirm-en")
    to_lang(page, "km")
    problems += look(page, shots, "officer-disable-confirm-km")
    page.click("form[action$='/disable'] button[type=submit]")
    page.wait_for_url("**done=disable**")
    assert page.locator(".alert.ok").count() == 1
    assert "revoked" in (_row(page, "pg_off").get_attribute("class") or "")
    problems += look(page, shots, "officers-disabled-km")
    to_lang(page, "en")
    problems += look(page, shots, "officers-disabled-en")
    _row(page, "pg_off").locator("form[action$='/enable'] button").click()
    page.wait_for_url("**done=enable**")
    assert _row(page, "pg_off").locator("a[href$='/disable']").count() == 1
    # a new password, shown once (in each language: the page exists only after the post)
    _first, found = _reset_password(page, console, "km", shots)
    temporary, more = _reset_password(page, console, "en", shots)
    problems += found + more
    # a new authenticator for the supervisor
    page.goto(f"{console.url}/console/officers")
    _row(page, "pg_sup").locator("a[href$='/reset-totp']").click()
    page.wait_for_url("**/reset-totp")
    # in Khmer first: each post makes a new authenticator, and the English one is enrolled
    to_lang(page, "km")
    problems += look(page, shots, "officer-reset-totp-confirm-km")
    page.click("form[action$='/reset-totp'] button[type=submit]")
    page.wait_for_selector("#new-totp svg")
    problems += look(page, shots, "officer-new-totp-km")
    page.goto(f"{console.url}/console/officers")
    to_lang(page, "en")
    _row(page, "pg_sup").locator("a[href$='/reset-totp']").click()
    page.wait_for_url("**/reset-totp")
    problems += look(page, shots, "officer-reset-totp-confirm-en")
    page.click("form[action$='/reset-totp'] button[type=submit]")
    page.wait_for_selector("#new-totp svg")  # shown once, to the admin, to hand over
    problems += look(page, shots, "officer-new-totp-en")
    secret = pyotp.parse_uri(html.unescape(page.inner_text("#new-totp + p.mono"))).secret
    page.goto(f"{console.url}/console/officers")
    assert "New authenticator to enrol" in _row(page, "pg_sup").inner_text()
    problems += look(page, shots, "officers-totp-reset-en")
    to_lang(page, "km")
    problems += look(page, shots, "officers-totp-reset-km")
    page.context.close()

    # the supervisor, given the QR, enrols it from the sign-in page's menu and is signed in
    page = new_page(browser, "km")
    page.goto(f"{console.url}/console/signin")
    page.click("nav a[href='/console/enrol']")
    page.wait_for_url("**/console/enrol")
    for lang in ("km", "en"):
        to_lang(page, lang)
        problems += look(page, shots, f"enrol-{lang}")
    page.fill("#username", "pg_sup")
    page.fill("#password", PASSWORD)
    page.fill("#totp", totp_code(secret))
    page.click("form[action='/console/enrol'] button[type=submit]")
    page.wait_for_url("**/console/queue")
    assert "Pg_Sup Officer" in page.inner_text("header")
    page.context.close()

    # the officer signs in with the new password and changes it
    page = new_page(browser, "en")
    page.goto(f"{console.url}/console/signin")
    to_lang(page, "en")
    page.fill("#username", "pg_off")
    page.fill("#password", temporary)
    page.fill("#totp", console.code("pg_off"))
    page.click("form[action='/console/signin'] button[type=submit]")
    page.wait_for_url("**/console/password")  # a reset password is changed before anything
    problems += look(page, shots, "password-en")
    to_lang(page, "km")
    problems += look(page, shots, "password-km")
    to_lang(page, "en")
    page.fill("#current", temporary)
    page.fill("#new", "my new password here")
    page.fill("#again", "my new password there")
    page.click("form[action='/console/password'] button[type=submit]")
    page.wait_for_selector(".alert.error")
    problems += look(page, shots, "password-error-en")
    to_lang(page, "km")  # the page a post shows: posted again, in Khmer
    page.fill("#current", temporary)
    page.fill("#new", "my new password here")
    page.fill("#again", "my new password there")
    page.click("form[action='/console/password'] button[type=submit]")
    page.wait_for_selector(".alert.error")
    problems += look(page, shots, "password-error-km")
    page.fill("#current", temporary)
    page.fill("#new", "my new password here")
    page.fill("#again", "my new password here")
    page.click("form[action='/console/password'] button[type=submit]")
    page.wait_for_url("**done=1")
    to_lang(page, "km")
    problems += look(page, shots, "password-done-km")
    to_lang(page, "en")
    problems += look(page, shots, "password-done-en")
    page.context.close()
    assert not problems, "\n".join(problems)
