"""The back office in a real browser (Debian's Chromium through Playwright) against a real
`sala-server`: sign-in with TOTP, the queue, one application, a request for papers, an approval
and pick-up, each reaching the kiosk's feed; refusals in the officer's language; screenshots of
every page in Khmer and English at 1366×768.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sync.server.console.i18n import t
from tests.console.conftest import PASSWORD, SHOT_NAMES, XSS, Console, one_language_only
from tests.sync.conftest import Kiosk

pytestmark = pytest.mark.slow
DESKTOP = {"width": 1366, "height": 768}
TABLET = {"width": 820, "height": 1180}


@pytest.fixture(scope="module")
def world(console: Console) -> Iterator[dict[str, Any]]:
    """Accounts (made by the CLI) and one application committed by a signing kiosk."""
    console.add_account("admin", role="admin", ministry="*", jurisdiction="all")
    console.add_account("dara", role="officer", ministry="interior", jurisdiction="12")
    console.add_account("sophea", role="officer", ministry="interior", jurisdiction="12")
    console.add_account("chenda", role="supervisor", ministry="interior", jurisdiction="12")
    console.add_account("vanna", role="officer", ministry="commerce", jurisdiction="all")
    kiosk = Kiosk(console.server, label="Chbar Ampov hall").enrol()
    reg_id, doc = console.submit(kiosk, name_latin=XSS)
    yield {"kiosk": kiosk, "reg_id": reg_id, "doc": doc}
    kiosk.close()


def new_page(browser: Any, lang: str = "km", viewport: dict[str, int] = DESKTOP) -> Any:
    context = browser.new_context(viewport=viewport, locale="km-KH" if lang == "km" else "en-US")
    page = context.new_page()
    page.set_default_timeout(15000)
    return page


def sign_in(page: Any, console: Console, username: str, lang: str = "km") -> None:
    page.goto(f"{console.url}/console/")
    assert "/console/signin" in page.url
    if page.get_attribute("html", "lang") != lang:
        page.click("a.lang")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.fill("#totp", console.code(username))
    page.click("form[action='/console/signin'] button[type=submit]")
    page.wait_for_url("**/console/queue")


def shoot(page: Any, shots: Path, name: str) -> None:
    """A PNG to look at, written when `SALA_SHOTS` names a folder (the suite's own checks, such
    as no sideways scrolling, run at every size either way; PNGs cost seconds each). The name
    is recorded either way: the `shots` fixture checks each page was shot in km and en."""
    SHOT_NAMES.append(name)
    if not os.environ.get("SALA_SHOTS"):
        return
    page.evaluate("document.fonts.ready")
    page.screenshot(path=str(shots / f"{name}.png"), full_page=False)


def to_lang(page: Any, lang: str) -> None:
    """The page again in `lang`, through its language link (a GET of the same address)."""
    if page.get_attribute("html", "lang") != lang:
        page.click("a.lang")
        page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == lang


def feed(kiosk: Kiosk, reg_id: str) -> list[dict[str, Any]]:
    r = kiosk.request("GET", "/v1/changes?since=0&limit=1000")
    assert r.status_code == 200, r.text
    return [c for c in r.json()["changes"] if c.get("registration_id") == reg_id]


def test_review_request_papers_approve_ready_reach_the_kiosk(
    browser: Any, console: Console, world: dict[str, Any], shots: Path
) -> None:
    reg_id, doc, kiosk = world["reg_id"], world["doc"], world["kiosk"]
    page = new_page(browser)
    sign_in(page, console, "dara")
    # the queue: counts per queue, the new application listed, Khmer from the served font
    new = page.locator("a.queue", has_text="ថ្មី")
    assert new.locator(".count").inner_text() == "1"
    assert page.evaluate("document.fonts.check('16px \"Sala Khmer\"', 'ថ្មី')")
    fonts = page.evaluate(
        "[...document.fonts].filter(f => f.status === 'loaded').map(f => f.family)"
    )
    assert any("Sala Khmer" in f for f in fonts), fonts
    shoot(page, shots, "queue-km")
    to_lang(page, "en")
    shoot(page, shots, "queue-en")
    to_lang(page, "km")
    page.click(f"text={doc['app_number']}")
    page.wait_for_url(f"**/console/applications/{reg_id}")
    # answers with the catalog's labels and display values; the XSS payload is inert text
    body = page.inner_text("main")
    assert "គោត្តនាម និង\u200bនាម" in body or "គោត្តនាម" in body
    assert "កូន\u200bរបស់\u200bខ្ញុំ" in body  # for_whom=child, shown with its Khmer label
    assert XSS in body
    assert page.evaluate("window.__xss") is None
    # the photo and the page are served through the authorised media route
    widths = page.eval_on_selector_all(".pages-grid img", "imgs => imgs.map(i => i.naturalWidth)")
    assert widths == [160, 300], widths
    shoot(page, shots, "application-km")
    page.click("button:has-text('ចាប់ផ្ដើម\u200bពិនិត្យ')")
    page.wait_for_url("**?done=1")
    assert "កំពុង\u200bពិនិត្យ" in page.inner_text(".meta")
    page.fill("#note_km", "សូម​យក​សៀវភៅ​គ្រួសារ​មក")
    page.fill("#note_en", "Please bring the family book")
    page.click("form:has(#note_km) button[type=submit]")
    page.wait_for_url("**?done=1")
    page.click("button:has-text('ចាប់ផ្ដើម\u200bពិនិត្យ')")
    page.wait_for_url("**?done=1")
    page.click("form:has(input[value=approve]) button")
    page.wait_for_url("**?done=1")
    page.fill("#place", "Chbar Ampov commune hall")
    page.fill("#date", "2026-12-20")
    page.click("form:has(#place) button")
    page.wait_for_url("**?done=1")
    history = page.inner_text("section:has(h2:has-text('ប្រវត្តិ')) table")
    assert "Please bring the family book" in history
    shoot(page, shots, "application-done-km")
    to_lang(page, "en")
    assert "?done=1" in page.url
    shoot(page, shots, "application-done-en")
    # every decision reached the kiosk's commune through the signed feed, in order
    entries = feed(kiosk, reg_id)
    assert [e["status"] for e in entries] == [
        "received",
        "in_review",
        "needs_papers",
        "in_review",
        "approved",
        "ready_for_pickup",
    ]
    assert entries[2]["note"] == "សូម​យក​សៀវភៅ​គ្រួសារ​មក / Please bring the family book"
    assert entries[5]["note"] == "Chbar Ampov commune hall · 2026-12-20"
    page.context.close()


def test_refusals_in_the_officers_language(
    browser: Any, console: Console, world: dict[str, Any], shots: Path
) -> None:
    page = new_page(browser)
    page.goto(f"{console.url}/console/signin")
    page.fill("#username", "dara")
    page.fill("#password", "wrong password!")
    page.fill("#totp", "000000")
    page.click("form[action='/console/signin'] button")
    assert "ឈ្មោះ\u200bអ្នក\u200bប្រើ ពាក្យ\u200bសម្ងាត់" in page.inner_text(".alert")
    shoot(page, shots, "signin-refused-km")
    page.click("a.lang")
    page.fill("#username", "dara")
    page.fill("#password", PASSWORD)
    page.fill("#totp", "123456")  # right password, wrong code
    page.click("form[action='/console/signin'] button")
    assert page.inner_text(".alert") == "The username, password or code is not right."
    shoot(page, shots, "signin-refused-en")
    # an officer of another ministry: 403 on an Interior application, nothing listed
    page = new_page(browser, "en")
    sign_in(page, console, "vanna", lang="en")
    assert page.locator("table.list").count() == 0
    response = page.goto(f"{console.url}/console/applications/{world['reg_id']}")
    assert response.status == 403
    assert "belongs to another ministry" in page.inner_text(".alert")
    shoot(page, shots, "forbidden-en")
    # a POST without the CSRF token is refused with a message, and nothing changes
    response = page.request.post(
        f"{console.url}/console/applications/{world['reg_id']}/act",
        form={"action": "approve"},
    )
    assert response.status == 403
    assert "This form has expired" in response.text()
    to_lang(page, "km")
    assert t("other_ministry", "km") in page.inner_text(".alert")
    shoot(page, shots, "forbidden-km")
    page.context.close()


def test_admin_makes_an_officer_who_enrols_totp(
    browser: Any, console: Console, world: dict[str, Any], shots: Path
) -> None:
    import pyotp

    page = new_page(browser, "en")
    sign_in(page, console, "admin", lang="en")
    page.click("text=Officers")
    shoot(page, shots, "officers-en")
    page.fill("#username", "bopha")
    page.fill("#display_name", "Bopha Sok")
    page.fill("#password", PASSWORD)
    page.select_option("#role", "supervisor")
    page.select_option("#ministry", "mpwt")
    page.fill("#jurisdiction", "12")
    page.click("form[action='/console/officers'] button[type=submit]")
    assert page.locator(".qr svg").count() == 1
    uri = page.inner_text(".mono")
    console.secrets["bopha"] = pyotp.parse_uri(uri).secret
    shoot(page, shots, "officer-created-en")
    page.click("a.lang")
    shoot(page, shots, "officers-km")
    page.fill("#username", "bopha2")  # the page a post shows, in Khmer: a second account
    page.fill("#display_name", "Bopha Chan")
    page.fill("#password", PASSWORD)
    page.fill("#jurisdiction", "12")
    page.click("form[action='/console/officers'] button[type=submit]")
    assert page.locator(".qr svg").count() == 1
    shoot(page, shots, "officer-created-km")
    # an admin sees the application but has no decision buttons
    page.goto(f"{console.url}/console/applications/{world['reg_id']}")
    assert page.locator("section.actions").count() == 0
    page.context.close()
    # the admin typed the password: Bopha chooses her own before anything else
    fresh = new_page(browser, "km")
    fresh.goto(f"{console.url}/console/")
    fresh.fill("#username", "bopha")
    fresh.fill("#password", PASSWORD)
    fresh.fill("#totp", console.code("bopha"))
    fresh.click("form[action='/console/signin'] button[type=submit]")
    fresh.wait_for_url("**/console/password")
    fresh.fill("#current", PASSWORD)
    fresh.fill("#new", "bopha's own password")
    fresh.fill("#again", "bopha's own password")
    fresh.click("form[action='/console/password'] button[type=submit]")
    fresh.wait_for_url("**done=1")
    fresh.goto(f"{console.url}/console/queue")
    assert "/console/queue" in fresh.url
    assert "Bopha Sok" in fresh.inner_text("header")
    fresh.context.close()


def test_screenshots_of_every_page_in_both_languages(
    browser: Any, console: Console, world: dict[str, Any], shots: Path
) -> None:
    for lang in ("km", "en"):
        page = new_page(browser, lang)
        page.goto(f"{console.url}/console/signin")
        if lang == "en":
            page.click("a.lang")
        shoot(page, shots, f"signin-{lang}")
        sign_in(page, console, "sophea", lang=lang)
        page.click("a.queue:has-text('Decided')" if lang == "en" else "a.queue >> nth=-1")
        page.wait_for_url("**queue=decided**")  # swapped in place by htmx (no page load)
        shoot(page, shots, f"queue-decided-{lang}")
        page.goto(f"{console.url}/console/applications/{world['reg_id']}")
        shoot(page, shots, f"application-{lang}")
        page.context.close()
    tablet = new_page(browser, "km", TABLET)
    sign_in(tablet, console, "chenda")
    shoot(tablet, shots, "queue-tablet-km")
    width = tablet.evaluate("document.documentElement.scrollWidth")
    assert width <= TABLET["width"], width  # no sideways scrolling on a tablet
    to_lang(tablet, "en")
    shoot(tablet, shots, "queue-tablet-en")
    width = tablet.evaluate("document.documentElement.scrollWidth")
    assert width <= TABLET["width"], width
    tablet.context.close()
    print(f"\nconsole screenshots: {shots}")


def test_a_page_shot_in_one_language_is_named() -> None:
    """What the `shots` fixture reports after a module (conftest.one_language_only)."""
    taken = ["fleet-revoked-en", "dashboards-km-1366x768", "dashboards-en-1366x768", "queue-km"]
    assert one_language_only(taken) == ["fleet-revoked-km", "queue-en"]
    assert one_language_only(["signin-en", "signin-km", "no-language"]) == ["no-language"]
