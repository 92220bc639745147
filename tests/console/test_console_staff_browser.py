"""Commune staff and USB bundles in Debian's Chromium, no JavaScript of ours: a supervisor adds a
clerk (the one-time code page), disables one through the confirmation page, uploads a kiosk's
bundle and downloads the return bundle; each page in km and en at 1366×768 and on a tablet,
with no sideways scrolling and no serious axe finding (screenshots to $SALA_SHOTS/console).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sync.protocol import usb as fmt
from tests.console.conftest import Console
from tests.console.test_console_axe import axe_violations, serious
from tests.console.test_console_browser import (
    DESKTOP,
    TABLET,
    new_page,
    shoot,
    sign_in,
    to_lang,
)
from tests.sync.conftest import Kiosk, registration_doc
from tests.sync.test_server_usb_import import make_bundle

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def world(console: Console) -> Iterator[dict[str, Any]]:
    console.add_account("sb_sup", role="supervisor", ministry="interior", jurisdiction="12")
    kiosk = Kiosk(console.server, label="Chbar Ampov hall").enrol(commune="120101")
    yield {"kiosk": kiosk}
    kiosk.close()


_problems: list[str] = []


def fits(page: Any, shots: Path, name: str) -> None:
    """At both sizes: no sideways scrolling, and a screenshot; axe's serious and critical
    findings are collected (the pages with a one-time code or a result exist only after a
    POST, so test_console_axe.py cannot reach them by URL)."""
    _problems.extend(serious(page, name))
    for size, label in ((DESKTOP, "1366x768"), (TABLET, "tablet")):
        page.set_viewport_size(size)
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"], name
        shoot(page, shots, f"{name}-{label}")
    page.set_viewport_size(DESKTOP)


def test_staff_pages_in_the_browser(
    browser: Any, console: Console, world: Any, shots: Path
) -> None:
    page = new_page(browser, "km")
    sign_in(page, console, "sb_sup")
    page.click("nav a[href='/console/staff']")
    page.wait_for_url("**/console/staff")
    page.fill("#commune-filter", "120101")
    page.click("form.staff-filter button[type=submit]")
    page.wait_for_url("**commune=120101")
    for n, (km, en) in enumerate((("ចាន់ សុភា", "CHAN SOPHEA"), ("ម៉ៅ ស្រីនាង", "MAO SREYNEANG"))):
        page.fill("#name_km", km)
        page.fill("#name_en", en)
        page.select_option("#role", "supervisor" if n else "clerk")
        page.click("form.staff-add button[type=submit]")
        page.wait_for_selector(".big-code")
        assert len(page.inner_text(".big-code").replace(" ", "")) == 6
        if n == 0:
            fits(page, shots, "staff-code-km")
            page.emulate_media(media="print")
            shoot(page, shots, "staff-code-print-km")
            page.emulate_media(media="screen")
        page.goto(f"{console.url}/console/staff?commune=120101")
    for lang in ("km", "en"):
        to_lang(page, lang)
        fits(page, shots, f"staff-{lang}")
    page.click("a[href$='/disable'] >> nth=0")
    page.wait_for_url("**/disable")
    fits(page, shots, "staff-disable-confirm-en")
    to_lang(page, "km")
    fits(page, shots, "staff-disable-confirm-km")
    to_lang(page, "en")
    page.click("form[action$='/disable'] button[type=submit]")
    page.wait_for_url("**done=disabled")
    assert page.locator(".alert.ok").count() == 1
    assert page.locator("tr.revoked").count() == 1
    page.click("form[action$='/reset'] button >> nth=0")
    page.wait_for_selector(".big-code")
    fits(page, shots, "staff-code-en")
    page.emulate_media(media="print")
    assert page.locator("header.top").is_hidden()  # the slip prints without the menu
    shoot(page, shots, "staff-code-print-en")
    page.emulate_media(media="screen")
    page.context.close()
    assert not _problems, "\n".join(_problems)


def test_usb_page_in_the_browser(
    browser: Any, console: Console, world: Any, shots: Path, tmp_path: Path
) -> None:
    kiosk = world["kiosk"]
    rid = str(uuid.uuid4())
    bundle = tmp_path / "sala-export.salabundle"
    doc = registration_doc(kiosk, service=("birth_certificate_copy", "1"))
    bundle.write_bytes(make_bundle(kiosk, [(rid, doc)], []))
    page = new_page(browser, "km")
    sign_in(page, console, "sb_sup")
    page.click("nav a[href='/console/usb']")
    page.wait_for_url("**/console/usb")
    for lang in ("km", "en"):
        to_lang(page, lang)
        fits(page, shots, f"usb-{lang}")
    for lang in ("km", "en"):
        to_lang(page, lang)
        page.set_input_files("#bundle", str(bundle))
        page.click("form.usb-form button[type=submit]")
        page.wait_for_selector(".usb-result")
        expected = "1" if lang == "km" else "0"  # the second upload: nothing new
        assert page.inner_text(".n-created") == expected
        fits(page, shots, f"usb-result-{lang}")
    with page.expect_download() as info:
        page.click("a[href*='/console/usb/returns/']")
    saved = tmp_path / "back.salareturn"
    info.value.save_as(saved)
    parsed = fmt.parse(saved.read_bytes())
    fmt.check_signature(parsed, kiosk.server_public_key)
    page.set_input_files("#bundle", str(saved))  # a return bundle is not for the server
    page.click("form.usb-form button[type=submit]")
    page.wait_for_selector(".alert.error")
    assert "return bundle" in page.inner_text(".alert.error")
    fits(page, shots, "usb-error-en")
    to_lang(page, "km")  # the page a post shows: posted again, in Khmer
    page.set_input_files("#bundle", str(saved))
    page.click("form.usb-form button[type=submit]")
    page.wait_for_selector(".alert.error")
    fits(page, shots, "usb-error-km")
    page.context.close()
    assert not _problems, "\n".join(_problems)


def test_fleet_and_error_pages_have_headers_and_a_heading(
    browser: Any, console: Console, world: Any, shots: Path
) -> None:
    """Two lesser axe findings fixed: the fleet table's last header named (`empty-table-header`)
    and an error page with its h1 (`page-has-heading-one`); the revoke confirmation passes."""
    console.add_account("sb_root", role="admin", ministry="*", jurisdiction="all")
    page = new_page(browser, "en")
    sign_in(page, console, "sb_root", lang="en")
    found: dict[str, set[str]] = {}
    for path in ("/console/fleet", "/console/applications/00000000-0000-4000-8000-000000000000"):
        page.goto(f"{console.url}{path}")
        found[path] = {v["id"] for v in axe_violations(page)}
    assert "empty-table-header" not in found["/console/fleet"]
    assert "page-has-heading-one" not in found[next(p for p in found if "applications" in p)]
    page.goto(f"{console.url}/console/fleet")
    page.click(f"a[href='/console/fleet/{world['kiosk'].device_id}/revoke']")
    page.wait_for_url("**/revoke")
    fits(page, shots, "fleet-revoke-confirm-en")
    to_lang(page, "km")
    fits(page, shots, "fleet-revoke-confirm-km")
    page.context.close()
    assert not _problems, "\n".join(_problems)
