"""The work queue's partial updates (vendored htmx, sync/server/console/partials.py) in Debian's
Chromium against a real `sala-server`: tabs, filters, search and pages (and the dashboards'
filters) swap the results in place and push the address, showing what a whole load of that
address shows; without
JavaScript the same links and forms load whole pages; the CSP stays `script-src 'self'` with
no violation; an ended session during a swap lands on the whole sign-in page.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sync.server.console.i18n import t
from tests.console.conftest import SESSION_COOKIE, Console
from tests.console.seed import audit, db, kiosk_at, last_week, submit
from tests.sync.conftest import ROOT, Kiosk

pytestmark = pytest.mark.slow
CONSOLE = ROOT / "sync" / "server" / "console"
VENDOR = CONSOLE / "static" / "vendor"
DESKTOP = {"width": 1366, "height": 768}
MON, SAT = last_week(0), last_week(5)
MANY = 27  # more than a page (25): the pager shows


@pytest.fixture(scope="module")
def world(console: Console) -> Iterator[dict[str, Any]]:
    console.add_account("ann", role="officer", ministry="interior", jurisdiction="12")
    console.add_account("bob", role="officer", ministry="interior", jurisdiction="12")
    console.add_account("sam", role="supervisor", ministry="interior", jurisdiction="12")
    kiosk = Kiosk(console.server, label="Chbar Ampov").enrol(commune="120101")
    monday = [submit(kiosk, name="SOK DARA", at=kiosk_at(MON, "09:00"))[0] for _ in range(MANY)]
    saturday = [submit(kiosk, name="KEO MEAS", at=kiosk_at(SAT, "10:00"))[0] for _ in range(3)]
    yield {"monday": monday, "saturday": saturday}
    kiosk.close()


def rows(html: str) -> list[str]:
    """Registration ids linked from the queue's table, in order."""
    return re.findall(r'href="/console/applications/([0-9a-f-]{36})"', html)


def chart_texts(html: str) -> list[str]:
    """The SVG charts' titles, labels and numbers, in order."""
    return re.findall(r"<(?:title|text)\b[^>]*>([^<]*)</", html)


class Watched:
    """A browser page on `username`'s queue, counting whole-page loads and CSP complaints."""

    def __init__(self, browser: Any, console: Console, username: str, lang: str, js: bool) -> None:
        self.context = browser.new_context(
            viewport=DESKTOP, java_script_enabled=js, locale="km-KH" if lang == "km" else "en-US"
        )
        self.page = self.context.new_page()
        self.page.set_default_timeout(15000)
        self.loads = 0
        self.complaints: list[str] = []
        self.page.on("load", lambda _page: self._loaded())
        self.page.on("console", lambda m: self._said(m.type, m.text))
        self.page.on("pageerror", lambda e: self.complaints.append(f"pageerror: {e}"))
        self.page.on("response", lambda r: self._answered(r.status, r.url))
        console.open_signed_in(self.page, username, lang)
        self.http = console.signed_in(username)
        self.http.cookies.set("sala_lang", lang, path="/console")

    def _loaded(self) -> None:
        self.loads += 1

    def _said(self, kind: str, text: str) -> None:
        # a failed load is counted by `_answered`; the one it cannot see is /favicon.ico,
        # which Chromium fetches for itself (the console has none)
        failed_load = text.startswith("Failed to load resource")
        if (kind == "error" and not failed_load) or "Content Security Policy" in text:
            self.complaints.append(text)

    def _answered(self, status: int, url: str) -> None:
        if status >= 400:
            self.complaints.append(f"{status} {url}")

    def whole_load_rows(self) -> list[str]:
        """The rows a whole load of the address the browser shows gives (same session)."""
        r = self.http.get(self.page.url)
        assert r.status_code == 200, r.text[-300:]
        return rows(r.text)

    def settled(self) -> list[str]:
        self.page.wait_for_selector("#queue-view:not(.htmx-request)", state="attached")
        return rows(self.page.content())

    def close(self) -> None:
        self.http.close()
        self.context.close()


@pytest.fixture()
def watched(browser: Any, console: Console, world: Any) -> Iterator[list[Watched]]:
    made: list[Watched] = []
    yield made
    for w in made:
        w.close()


def test_tabs_filters_search_and_pages_swap_in_place(
    browser: Any, console: Console, world: Any, watched: list[Watched]
) -> None:
    w = Watched(browser, console, "ann", "km", js=True)
    watched.append(w)
    page = w.page
    config = page.evaluate(
        "[typeof htmx, htmx.version, htmx.config.historyCacheSize, htmx.config.allowEval,"
        " htmx.config.selfRequestsOnly, htmx.config.includeIndicatorStyles]"
    )
    assert config == ["object", "2.0.11", 0, False, True, False]
    page.evaluate("window.__marker = 'still here'")
    loads = w.loads
    first = w.settled()
    assert len(first) == 25 and first == w.whole_load_rows()

    # the next page: the table and the address change, the document does not
    page.click("#page-next")
    page.wait_for_url(re.compile(r"[?&]page=2"))
    second = w.settled()
    assert len(second) == MANY + 3 - 25 and not set(second) & set(first)
    assert second == w.whole_load_rows()
    assert page.locator("#queue-view").count() == 1  # swapped, not nested
    assert page.evaluate("window.__marker") == "still here" and w.loads == loads

    # a filter from the form: Saturday's applications only, on page 1 again
    page.fill("input[name=date_from]", SAT.isoformat())
    page.click("#apply-filters")
    page.wait_for_url(re.compile(r"date_from=" + SAT.isoformat()))
    filtered = w.settled()
    assert set(filtered) == set(world["saturday"]) and filtered == w.whole_load_rows()
    assert page.input_value("input[name=date_from]") == SAT.isoformat()

    # a tab: nothing is assigned to ann; its count and `aria-current` follow
    page.click("#tab-mine")
    page.wait_for_url(re.compile(r"queue=mine"))
    assert w.settled() == [] == w.whole_load_rows()
    assert page.get_attribute("#tab-mine", "aria-current") == "page"
    assert page.get_attribute("#tab-new", "aria-current") is None

    # a search: swapped like the rest, and audited once, as a whole page is
    searches = len(audit(console, "console_search"))
    page.fill("#q", "KEO")
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r"[?&]q=KEO"))
    found = w.settled()
    assert len(audit(console, "console_search")) == searches + 1
    assert set(found) == set(world["saturday"]) and found == w.whole_load_rows()
    # the header's language link names the address now shown (swapped out of band)
    assert "q%3DKEO" in (page.get_attribute("#lang-link", "href") or "")
    assert page.evaluate("window.__marker") == "still here" and w.loads == loads

    # Back: the tab before, from the server (no history cache keeps citizens' data)
    assert page.evaluate("sessionStorage.getItem('htmx-history-cache')") is None
    page.go_back()
    page.wait_for_url(re.compile(r"queue=mine"))
    page.wait_for_load_state()
    assert w.settled() == [] and "queue=mine" in page.url
    page.go_back()
    page.wait_for_url(re.compile(r"date_from="))
    page.wait_for_load_state()
    assert set(w.settled()) == set(world["saturday"])
    assert not w.complaints, w.complaints


def test_the_dashboards_area_filter_swaps_in_place(
    browser: Any, console: Console, world: Any, watched: list[Watched]
) -> None:
    w = Watched(browser, console, "sam", "en", js=True)
    watched.append(w)
    page = w.page
    page.goto(f"{console.url}/console/dashboards")
    page.evaluate("window.__marker = 'still here'")
    loads = w.loads
    page.fill("input[name=area]", "120101")
    page.fill("input[name=date_from]", SAT.isoformat())
    page.click("#apply-filters")
    page.wait_for_url(re.compile(r"area=120101"))
    page.wait_for_selector("#dash-view:not(.htmx-request)", state="attached")
    assert page.evaluate("window.__marker") == "still here" and w.loads == loads
    # the charts' labels and numbers are those of a whole load of the address
    shown = chart_texts(page.inner_html("#dash-view"))
    whole = w.http.get(page.url)
    assert whole.status_code == 200
    assert page.locator("svg.chart").count() == whole.text.count('<svg class="chart"') >= 2
    assert shown and shown == chart_texts(whole.text.split("<body")[1])
    assert shown[shown.index(t("q_new", "en")) + 1] == "3"  # Saturday's three in that commune
    csv = page.get_attribute("a[download]", "href") or ""
    assert "commune=120101" in csv and "date_from=" + SAT.isoformat() in csv
    assert not w.complaints, w.complaints


def test_without_javascript_the_same_links_and_forms_load_whole_pages(
    browser: Any, console: Console, world: Any, watched: list[Watched]
) -> None:
    w = Watched(browser, console, "ann", "en", js=False)
    watched.append(w)
    page, loads = w.page, w.loads
    page.click("#page-next")
    page.wait_for_url(re.compile(r"[?&]page=2"))
    page.wait_for_load_state()
    assert (
        rows(page.content()) == w.whole_load_rows() and len(rows(page.content())) == MANY + 3 - 25
    )
    page.fill("input[name=date_from]", SAT.isoformat())
    page.click("#apply-filters")
    page.wait_for_url(re.compile(r"date_from=" + SAT.isoformat()))
    page.wait_for_load_state()
    assert set(rows(page.content())) == set(world["saturday"])
    assert rows(page.content()) == w.whole_load_rows()
    assert w.loads == loads + 2  # each one a whole page


def test_csp_allows_only_the_consoles_own_scripts(console: Console, world: Any) -> None:
    client = console.signed_in("ann")
    for path in ("/console/queue", "/console/signin"):
        csp = client.get(path).headers["content-security-policy"]
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
        assert directives["script-src"] == "'self'", csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert directives["style-src"] == "'self'" and directives["object-src"] == "'none'"
    # the page loads the vendored file, served as JavaScript, as the vendor README records it
    html = client.get("/console/queue").text
    src = re.findall(r'<script src="([^"]+)"', html)
    assert src == ["/console/static/vendor/htmx-2.0.11.min.js"]
    assert "<script>" not in html and "onclick=" not in html
    served = client.get(src[0])
    assert served.status_code == 200 and "javascript" in served.headers["content-type"]
    digest = hashlib.sha256(served.content).hexdigest()
    readme = (VENDOR / "README.md").read_text()
    assert "`htmx-2.0.11.min.js` | htmx 2.0.11" in readme and digest in readme
    licence = (VENDOR / "htmx.LICENSE").read_bytes()
    assert licence.startswith(b"Zero-Clause BSD") and hashlib.sha256(licence).hexdigest() in readme


def test_redirects_and_errors_of_a_swap_become_whole_page_loads(
    console: Console, world: Any
) -> None:
    """What the browser's request for a swap gets (the browser test below sees the result)."""
    client = console.signed_in("ann")
    htmx = {"HX-Request": "true", "HX-Current-URL": f"{console.url}/console/queue"}
    missing = "/console/applications/00000000-0000-4000-8000-000000000000"
    plain = client.get(missing)
    swap = client.get(missing, headers=htmx)
    assert plain.status_code == swap.status_code == 404
    assert "hx-redirect" not in plain.headers and swap.headers["hx-redirect"] == missing
    assert swap.headers["content-security-policy"] == plain.headers["content-security-policy"]
    ok = client.get("/console/queue?page=2", headers=htmx)
    assert ok.status_code == 200 and "hx-redirect" not in ok.headers
    assert rows(ok.text) == rows(client.get("/console/queue?page=2").text)
    # no session: a whole page would be redirected; a swap is told where to go instead
    anonymous = httpx.Client(base_url=console.url, timeout=30)
    r = anonymous.get("/console/queue?page=2", headers=htmx, follow_redirects=False)
    assert r.status_code == 200 and r.headers["hx-redirect"] == "/console/signin?ended=1"
    assert "location" not in r.headers and r.content == b""
    r = anonymous.get("/console/queue", follow_redirects=False)
    assert r.status_code == 303 and "hx-redirect" not in r.headers
    # a history restore is a whole page: left alone
    restore = {**htmx, "HX-History-Restore-Request": "true"}
    r = anonymous.get("/console/queue", headers=restore, follow_redirects=False)
    assert r.status_code == 303 and "hx-redirect" not in r.headers
    anonymous.close()


def test_a_session_ending_during_a_swap_shows_the_whole_sign_in_page(
    browser: Any, console: Console, world: Any, watched: list[Watched]
) -> None:
    w = Watched(browser, console, "bob", "km", js=True)
    watched.append(w)
    page = w.page
    page.evaluate("window.__marker = 'still here'")
    session = next(c["value"] for c in page.context.cookies() if c["name"] == SESSION_COOKIE)
    with db(console) as conn:  # 15 minutes idle, as test_console_http ends one
        conn.execute(
            "UPDATE console_sessions SET seen_at = seen_at - 901 WHERE token_hash = ?",
            (hashlib.sha256(session.encode()).hexdigest(),),
        )
    console.sessions.pop("bob", None)
    page.click("#page-next")
    page.wait_for_url("**/console/signin?ended=1")
    page.wait_for_load_state()
    assert page.evaluate("window.__marker") is None  # a whole page, not a swap
    assert page.locator("#queue-view").count() == 0
    assert page.locator("form[action='/console/signin'] #username").count() == 1
    assert t("session_ended", "km").split("(")[0].strip() in page.content()
    assert page.get_attribute("html", "lang") == "km"
    assert not [c for c in w.complaints if "Content Security Policy" in c], w.complaints


def test_vendored_files_are_package_data() -> None:
    """A `pip install '.[server]'` carries the script and its licence (pyproject.toml)."""
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '"static/vendor/*"' in pyproject
    assert sorted(p.name for p in VENDOR.iterdir()) == [
        "README.md",
        "htmx-2.0.11.min.js",
        "htmx.LICENSE",
    ]
    assert Path(CONSOLE / "templates" / "base.html").read_text().count("htmx-config") == 1
