"""Supervisors' dashboards: counts per queue, overdue per service and commune, decisions per
day, as server-drawn SVG and as CSV with the same numbers, within the supervisor's ministry
and jurisdiction and the page's filters; officers are refused.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from tests.console.conftest import Console
from tests.console.seed import audit, cambodia_today, csrf_of, days_ago, submit
from tests.sync.conftest import Kiosk

# 09:00 in Cambodia 60 days ago: long past every promise here (a birth certificate copy is
# promised in 3 days, a business registration in 7) and within the server's 90-day clamp
LONG_AGO = days_ago(60)
SINCE = (cambodia_today() - timedelta(days=30)).isoformat()  # after LONG_AGO, before `fresh`
ICT = timezone(timedelta(hours=7))


@pytest.fixture(scope="module")
def world(console: Console) -> Iterator[dict[str, Any]]:
    for name, role, ministry, where in (
        ("off", "officer", "interior", "12"),
        ("sup", "supervisor", "interior", "12"),
        ("trade", "supervisor", "commerce", "all"),
        ("adm", "admin", "*", "all"),
    ):
        console.add_account(name, role=role, ministry=ministry, jurisdiction=where)
    a = Kiosk(console.server, label="Chbar Ampov").enrol(commune="120101")
    b = Kiosk(console.server, label="Tuol Kork").enrol(commune="120201")
    fresh = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    apps = [submit(a, name=f"OLD {i}", at=LONG_AGO)[0] for i in range(3)]
    apps.append(submit(b, name="OLD B", at=LONG_AGO)[0])
    apps.append(submit(a, name="NEW", at=fresh)[0])
    submit(a, name="SHOP", at=LONG_AGO, service="business_registration")
    sup = console.signed_in("sup")
    csrf = csrf_of(sup)
    for reg, decision in ((apps[0], "approve"), (apps[1], "reject")):
        for action in ("start_review", decision):
            r = sup.post(
                f"/console/applications/{reg}/act",
                data={"csrf": csrf, "action": action, "reason": "Not eligible."},
            )
            assert r.status_code == 303, r.text
    yield {"apps": apps}
    a.close()
    b.close()


def rows(client: Any, **params: str) -> dict[tuple[str, str], list[str]]:
    r = client.get("/console/dashboards.csv", params=params)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    table = list(csv.reader(io.StringIO(r.text)))
    assert table[0] == ["section", "key", "count", "approved", "rejected"]
    return {(s, k): rest for s, k, *rest in table[1:]}


def test_officers_are_refused(console: Console, world: Any) -> None:
    off = console.signed_in("off")
    off.cookies.set("sala_lang", "en", path="/console")
    for path in ("/console/dashboards", "/console/dashboards.csv"):
        r = off.get(path)
        assert r.status_code == 403 and "For supervisors only." in r.text
    assert "/console/dashboards" not in off.get("/console/queue").text


def test_csv_numbers_within_scope_and_filters(console: Console, world: Any) -> None:
    sup = console.signed_in("sup")
    got = rows(sup)
    today = datetime.now(ICT).strftime("%Y-%m-%d")
    assert got[("queue", "overdue")][0] == "2"
    assert got[("queue", "decided")][0] == "2"
    assert got[("overdue_service", "birth_certificate_copy")][0] == "2"
    assert ("overdue_service", "business_registration") not in got  # another ministry's
    assert got[("overdue_commune", "120101")][0] == "1"
    assert got[("overdue_commune", "120201")][0] == "1"
    assert got[("decisions_day", today)] == ["2", "1", "1"]
    assert len([k for k in got if k[0] == "decisions_day"]) == 30
    # the filters: one commune, then a date range with nothing in it
    one = rows(sup, commune="120201")
    assert [k for k in one if k[0] == "overdue_commune"] == [("overdue_commune", "120201")]
    assert one[("decisions_day", today)] == ["0", "0", "0"]
    assert rows(sup, date_from=SINCE)[("queue", "overdue")][0] == "0"
    # Commerce sees only its shop
    trade = rows(console.signed_in("trade"))
    assert trade[("overdue_service", "business_registration")][0] == "1"
    assert ("overdue_service", "birth_certificate_copy") not in trade
    assert {who.split("#")[0] for who, _s, _o in audit(console, "console_dashboard")} >= {
        "console:sup",
        "console:trade",
    }


def test_page_draws_the_same_numbers_as_svg(console: Console, world: Any) -> None:
    sup = console.signed_in("sup")
    sup.cookies.set("sala_lang", "en", path="/console")
    html = sup.get("/console/dashboards", params={"area": "12"}).text
    assert html.count("<svg") == 4
    assert "<script>" not in html  # no inline script (base.html loads the vendored htmx only)
    per_queue = html.split("Applications per queue")[2].split("</svg>")[0]
    assert ">Overdue</text>" in per_queue and ">2</text>" in per_queue
    assert 'href="/console/dashboards.csv?province=12"' in html
    # an admin sees every ministry's numbers
    adm = rows(console.signed_in("adm"))
    assert adm[("overdue_service", "business_registration")][0] == "1"


@pytest.mark.slow
def test_dashboards_in_the_browser(browser: Any, console: Console, world: Any, shots: Path) -> None:
    from tests.console.test_console_browser import new_page, shoot

    page = new_page(browser, "km")
    console.open_signed_in(page, "sup")  # the session of the HTTP tests above, in the browser
    page.click("nav a[href='/console/dashboards']")
    page.wait_for_url("**/console/dashboards")
    for lang in ("km", "en"):
        if page.get_attribute("html", "lang") != lang:
            page.click("a.lang")
            page.wait_for_url("**/console/dashboards")
        for w, h in ((1366, 768), (1920, 1080), (1080, 1920)):
            page.set_viewport_size({"width": w, "height": h})
            assert page.locator("svg.chart").count() == 4
            box = page.locator("svg.chart").first.bounding_box()
            assert box is not None and box["width"] > 200
            assert page.evaluate("document.documentElement.scrollWidth") <= w
            shoot(page, shots, f"dashboards-{lang}-{w}x{h}")
    page.context.close()
