"""Accessibility of the back office: axe-core (vendored in tests/console/vendor/, test-only) run
in Debian's Chromium on the sign-in page, a queue page and an application page, in Khmer and
English, against a real `sala-server`. Serious and critical violations fail the test, listed
with their rule, page and elements so the failure says what to fix.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.console.conftest import Console
from tests.console.test_console_browser import new_page, sign_in
from tests.sync.conftest import Kiosk

pytestmark = pytest.mark.slow
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
FAILING = ("serious", "critical")


@pytest.fixture(scope="module")
def world(console: Console) -> Iterator[dict[str, Any]]:
    console.add_account("axe_officer", role="officer", ministry="interior", jurisdiction="12")
    kiosk = Kiosk(console.server, label="Tonle Basak hall").enrol()
    reg_id, doc = console.submit(kiosk)
    yield {"reg_id": reg_id, "doc": doc}
    kiosk.close()


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Run axe on the page as it is (WCAG 2.x A/AA and best practices); injected through the
    DevTools protocol, so the console's Content-Security-Policy stays in force."""
    page.evaluate("document.fonts.ready")
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    found: list[dict[str, Any]] = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5),
            }));
        }"""
    )
    return found


def serious(page: Any, name: str) -> list[str]:
    return [
        f"{name}: {v['id']} ({v['impact']}) {v['help']} at {v['nodes']}"
        for v in axe_violations(page)
        if v["impact"] in FAILING
    ]


@pytest.mark.parametrize("lang", ["km", "en"])
def test_sign_in_queue_and_application_pages_pass_axe(
    browser: Any, console: Console, world: dict[str, Any], lang: str
) -> None:
    page = new_page(browser, lang)
    page.goto(f"{console.url}/console/signin")
    if page.get_attribute("html", "lang") != lang:
        page.click("a.lang")
    assert page.get_attribute("html", "lang") == lang
    problems = serious(page, f"signin-{lang}")
    # a refused sign-in shows an alert: the page with it must pass too
    page.fill("#username", "axe_officer")
    page.fill("#password", "not the password")
    page.fill("#totp", "000000")
    page.click("form[action='/console/signin'] button[type=submit]")
    page.wait_for_selector(".alert")
    problems += serious(page, f"signin-refused-{lang}")
    sign_in(page, console, "axe_officer", lang=lang)
    assert page.get_attribute("html", "lang") == lang
    problems += serious(page, f"queue-{lang}")
    page.goto(f"{console.url}/console/applications/{world['reg_id']}")
    page.wait_for_selector("main h1")
    problems += serious(page, f"application-{lang}")
    page.context.close()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang", ["km", "en"])
def test_every_other_console_page_passes_axe(
    browser: Any, console: Console, world: dict[str, Any], lang: str
) -> None:
    """Dashboards (supervisor), fleet and officers (admin), a search and an error page."""
    for username, role, ministry in (
        ("axe_chief", "supervisor", "interior"),
        ("axe_admin", "admin", "*"),
    ):
        if username not in console.ids:
            console.add_account(username, role=role, ministry=ministry, jurisdiction="all")
    pages = {
        "axe_chief": [
            "/console/dashboards",
            "/console/performance?group=commune",
            "/console/queue?queue=overdue",
            "/console/staff?commune=120101",
            "/console/usb",
        ],
        "axe_admin": [
            "/console/fleet",
            "/console/catalogs",
            "/console/catalogs/versions/2026.11.1",  # the bundled catalog's preview
            "/console/officers",
            "/console/queue?q=SOK",
            "/console/applications/00000000-0000-4000-8000-000000000000",
        ],
    }
    problems: list[str] = []
    for username, paths in pages.items():
        page = new_page(browser, lang)
        sign_in(page, console, username, lang=lang)
        for path in paths:
            page.goto(f"{console.url}{path}")
            problems += serious(page, f"{path} ({lang})")
        page.context.close()
    assert not problems, "\n".join(problems)


def test_axe_finds_what_it_should(browser: Any, console: Console) -> None:
    """The check itself works: a page with an unlabelled field and poor contrast fails it."""
    page = new_page(browser, "en")
    page.goto(f"{console.url}/console/signin")
    page.evaluate(
        """() => {
            const i = document.createElement('input');
            document.querySelector('main').appendChild(i);
            const p = document.createElement('p');
            p.textContent = 'faint';
            p.style.color = '#eeeeee';
            p.style.background = '#ffffff';
            document.querySelector('main').appendChild(p);
        }"""
    )
    ids = {v["id"] for v in axe_violations(page) if v["impact"] in FAILING}
    page.context.close()
    assert {"label", "color-contrast"} <= ids, ids
