"""Processing times per ministry, province, commune and service: applications submitted at
known times before now are decided now through the console's own forms, so each group's
received, decided, median and p90 days, promise, overdue, needs-papers rate and fees due are
known exactly (to the seconds the test takes, far below the CSV's two decimals). The same
numbers on SQLite (Python percentiles) and on PostgreSQL (`percentile_cont`), within the
supervisor's ministry and jurisdiction and the page's filters.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.console.conftest import CATALOG, Console, sign_in_http
from tests.console.seed import audit, csrf_of, listed, submit
from tests.sync.conftest import Kiosk, ServerProcess
from tests.sync.pg import PgCluster

# name → (kiosk, service, days before now, actions taken now)
PLAN: dict[str, tuple[str, str, float, tuple[str, ...]]] = {
    "A1": ("a", "birth_certificate_copy", 1.0, ("start_review", "approve")),
    "A2": ("a", "birth_certificate_copy", 2.0, ("start_review", "reject")),
    "A3": ("a", "birth_certificate_copy", 5.0, ("start_review", "request_papers")),
    "A4": ("a", "birth_certificate_copy", 0.5, ()),
    "B1": ("b", "birth_certificate_copy", 4.0, ("start_review", "approve")),
    "B2": (
        "b",
        "birth_certificate_copy",
        6.0,
        ("start_review", "request_papers", "start_review", "approve", "ready"),
    ),
    "B3": ("b", "residence_certificate", 1.5, ("start_review", "approve")),
    "C1": ("c", "birth_certificate_copy", 3.5, ()),
    "S1": ("a", "business_registration", 8.0, ()),  # Commerce's
}
COMMUNES = {"a": "120101", "b": "120201", "c": "170101"}
FORM = {
    "reason": "Not eligible.",
    "note_km": "សូម​យក​សំបុត្រ​កំណើត​ដើម​មក។",
    "note_en": "Bring the original birth certificate.",
    "place": "Commune hall",
    "date": "2026-12-20",
}


def build(console: Console) -> dict[str, httpx.Client]:
    """The accounts, kiosks and applications of PLAN; returns a signed-in client per account."""
    for name, role, ministry, where in (
        ("off", "officer", "interior", "all"),
        ("sup", "supervisor", "interior", "all"),
        ("sup17", "supervisor", "interior", "17"),
        ("trade", "supervisor", "commerce", "all"),
        ("adm", "admin", "*", "all"),
    ):
        console.add_account(name, role=role, ministry=ministry, jurisdiction=where)
    kiosks = {k: Kiosk(console.server, label=k).enrol(commune=c) for k, c in COMMUNES.items()}
    now = datetime.now(UTC)
    ids = {}
    for name, (kiosk, service, days, _actions) in PLAN.items():
        at = (now - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")
        ids[name] = submit(kiosks[kiosk], name=name, at=at, service=service)[0]
    clients = {u: sign_in_http(console, u) for u in ("off", "sup", "sup17", "trade", "adm")}
    sup = clients["sup"]
    csrf = csrf_of(sup)
    for name, (_k, _s, _d, actions) in PLAN.items():
        for action in actions:
            r = sup.post(
                f"/console/applications/{ids[name]}/act",
                data={"csrf": csrf, "action": action, **FORM},
            )
            assert r.status_code == 303, (name, action, r.text[-400:])
    for k in kiosks.values():
        k.close()
    return clients


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    if request.param == "sqlite":
        console: Console = request.getfixturevalue("console")
        yield console, build(console)
        return
    cluster: PgCluster = request.getfixturevalue("pg_cluster")
    url = cluster.create_database(f"sala_{uuid.uuid4().hex[:12]}")
    server = ServerProcess(
        tmp_path_factory.mktemp("perf-pg"), url, args=("--catalog", str(CATALOG))
    )
    server.start()
    try:
        pg = Console(server)
        yield pg, build(pg)
    finally:
        server.stop()


def table(client: httpx.Client, **params: str) -> dict[str, dict[str, str]]:
    r = client.get("/console/performance.csv", params=params)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    return {row["key"]: row for row in rows}


def numbers(row: dict[str, str]) -> tuple[str, ...]:
    keys = ("received", "decided", "median_days", "p90_days", "promised_days")
    more = ("decided_within_promise", "overdue_now", "needs_papers", "fees_due_riel")
    return tuple(row[k] for k in (*keys, *more))


def test_per_service_exact_numbers(world: Any) -> None:
    _console, clients = world
    got = table(clients["sup"], group="service")
    assert set(got) == {"birth_certificate_copy", "residence_certificate"}  # not Commerce's
    # decided after 1, 2 (rejected), 4 and 6 days; A3 waits for papers, C1 and A3 are late
    birth = got["birth_certificate_copy"]
    assert numbers(birth) == ("7", "4", "3.00", "5.40", "3.00", "2", "2", "2", "24000")
    assert birth["needs_papers_rate"] == "0.2857" and birth["fee_unknown"] == "0"
    assert numbers(got["residence_certificate"]) == (
        *("1", "1", "1.50", "1.50", "2.00"),
        *("1", "0", "0", "5000"),
    )


def test_per_commune_province_and_ministry(world: Any) -> None:
    _console, clients = world
    sup = clients["sup"]
    communes = table(sup, group="commune")
    assert numbers(communes["120101"]) == ("4", "2", "1.50", "1.90", "3.00", "2", "1", "1", "12000")
    # two services with two promises: no one promised figure, the share within it instead
    assert numbers(communes["120201"]) == ("3", "3", "4.00", "5.60", "", "1", "0", "1", "13000")
    assert numbers(communes["170101"]) == ("1", "0", "", "", "3.00", "0", "1", "0", "4000")
    provinces = table(sup, group="province")
    assert numbers(provinces["12"]) == ("7", "5", "2.00", "5.20", "", "3", "1", "2", "25000")
    assert set(provinces) == {"12", "17"}
    ministry = table(sup, group="ministry")
    assert numbers(ministry["interior"]) == ("8", "5", "2.00", "5.20", "", "3", "2", "2", "29000")
    assert ministry["interior"]["needs_papers_rate"] == "0.2500"
    assert set(ministry) == {"interior"}


def test_filters_and_scope(world: Any) -> None:
    console, clients = world
    one = table(clients["sup"], group="service", area="120201")
    assert numbers(one["birth_certificate_copy"])[:4] == ("2", "2", "5.00", "5.80")
    assert table(clients["sup"], group="service", date_to="2026-01-01") == {}
    empty = clients["sup17"]
    empty.cookies.set("sala_lang", "en", path="/console")
    html = empty.get("/console/performance", params={"date_to": "2026-01-01"}).text
    assert "No applications within these filters." in html and "Nothing decided yet." in html
    # a supervisor of province 17 sees only C1; Commerce sees only its shop
    assert set(table(clients["sup17"], group="commune")) == {"170101"}
    trade = table(clients["trade"], group="ministry")
    assert set(trade) == {"commerce"}
    assert numbers(trade["commerce"]) == ("1", "0", "", "", "7.00", "0", "1", "0", "100000")
    html = clients["trade"].get("/console/performance", params={"group": "service"}).text
    assert "24,000" not in html and "birth_certificate_copy" not in html
    # an admin sees every ministry; an officer sees none of it
    assert set(table(clients["adm"], group="ministry")) == {"interior", "commerce"}
    off = clients["off"]
    off.cookies.set("sala_lang", "en", path="/console")
    for path in ("/console/performance", "/console/performance.csv"):
        r = off.get(path)
        assert r.status_code == 403 and "For supervisors only." in r.text
    if console.server.db_url.startswith("sqlite"):
        who = {w.split("#")[0] for w, _s, _o in audit(console, "console_performance")}
        assert {"console:sup", "console:trade", "console:sup17"} <= who


def test_page_table_and_chart(world: Any) -> None:
    _console, clients = world
    sup = clients["sup"]
    sup.cookies.set("sala_lang", "en", path="/console")
    html = sup.get("/console/performance", params={"group": "service", "area": "12"}).text
    assert "<script>" not in html and html.count("<svg") == 1  # no inline script
    assert 'href="/console/performance.csv?province=12&amp;group=service"' in html
    svg = html.split("<svg")[1].split("</svg>")[0]
    assert "Promised days: 3.0" in svg and "3.0 · 5.4" in svg  # bars' labels and the promise
    first = html.split('<th scope="row">')[1].split("</tr>")[0]  # most received first
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", first)]
    # province 12: A1 to A4, B1 and B2; decided after 1, 2, 4 and 6 days, two in time
    assert first.startswith("Birth certificate")
    assert cells == ["6", "4", "3.0", "5.4", "3.0", "50%", "1", "33%", "20,000"]
    assert 'class="late">1<' in first
    dash = sup.get("/console/dashboards", params={"area": "12"}).text
    assert 'href="/console/performance?province=12"' in dash  # the same filters carried over
    sup.cookies.set("sala_lang", "km", path="/console")
    km = sup.get("/console/performance", params={"group": "ministry"}).text
    assert "រយៈពេល\u200bដោះស្រាយ" in km and "ក្រសួង\u200bមហាផ្ទៃ" in km


@pytest.mark.slow
def test_performance_in_the_browser(browser: Any, world: Any, shots: Path) -> None:
    from tests.console.test_console_browser import new_page, shoot, sign_in

    console, _clients = world
    if not console.server.db_url.startswith("sqlite"):
        pytest.skip("screenshots once, on SQLite")
    page = new_page(browser, "km")
    sign_in(page, console, "sup")
    page.click("nav a[href='/console/dashboards']")
    page.click("a[href^='/console/performance']")
    page.wait_for_url("**/console/performance**")
    for lang in ("km", "en"):
        if page.get_attribute("html", "lang") != lang:
            page.click("a.lang")
            page.wait_for_url("**/console/performance**")
        for group in ("service", "commune"):
            page.select_option("select[name=group]", group)
            page.click("form.filters button[type=submit]")
            page.wait_for_url(f"**group={group}**")
            for w, h in ((1366, 768), (1080, 1920)):
                page.set_viewport_size({"width": w, "height": h})
                assert page.locator("svg.chart").count() == 1
                assert page.evaluate("document.documentElement.scrollWidth") <= w
                shoot(page, shots, f"performance-{group}-{lang}-{w}x{h}")
    page.context.close()


def test_a_later_decision_counts_on_the_next_view(world: Any) -> None:
    """Decisions after a first view reach the numbers (the history is read on from where the
    last view stopped, not from the start)."""
    _console, clients = world
    sup = clients["sup"]
    before = table(sup, group="service")["birth_certificate_copy"]
    assert before["decided"] == "4"
    csrf = csrf_of(sup)
    html = sup.get("/console/queue", params={"queue": "new", "province": "12"}).text
    (reg,) = listed(html)  # A4, submitted half a day ago (C1 is in province 17)
    for action in ("start_review", "approve"):
        r = sup.post(f"/console/applications/{reg}/act", data={"csrf": csrf, "action": action})
        assert r.status_code == 303, r.text[-400:]
    after = table(sup, group="service")["birth_certificate_copy"]
    # decided after 0.5, 1, 2, 4 and 6 days now
    assert numbers(after) == ("7", "5", "2.00", "5.20", "3.00", "3", "2", "2", "24000")


def test_catch_up_reads_late_and_orphan_history_again(tmp_path: Path) -> None:
    """The copy from the status history into the facts: a history row whose registration has
    no facts yet, and rows younger than the margin, are read again by the next look; reading
    a row twice changes nothing."""
    from sqlalchemy import select

    from sync.server import db
    from sync.server.console import performance, queue

    engine = db.make_engine(f"sqlite:///{tmp_path / 'server.db'}")
    db.migrate(engine)
    now, day = db.now(), 86400.0
    regs, facts, hist = db.registrations, db.console_facts, db.status_history

    def register(rid: str, with_facts: bool) -> None:
        with engine.begin() as c:
            c.execute(
                regs.insert().values(
                    id=rid,
                    device_id="d",
                    commune_code="120101",
                    service_id="s",
                    form_version="1",
                    app_number=rid,
                    content_sha256="x",
                    body="{}",
                    received_at=now - 9 * day,
                    status="received",
                    status_note="",
                    status_at=now,
                    receipt="{}",
                    signature="s",
                )
            )
            if with_facts:
                c.execute(
                    facts.insert().values(
                        registration_id=rid, ministry="m", submitted_at=now - 9 * day, due_at=now
                    )
                )

    def history(rid: str, status: str, at: float) -> None:
        with engine.begin() as c:
            c.execute(hist.insert().values(registration_id=rid, status=status, actor="t", at=at))

    def look() -> tuple[dict[str, tuple[Any, Any]], str | None]:
        with engine.begin() as c:
            performance.catch_up(c)
            got = {r.registration_id: (r.decided_at, r.papers) for r in c.execute(select(facts))}
            return got, db.get_setting(c, performance.CURSOR)

    old = now - 2 * day
    register("a", True)
    register("b", False)  # its facts come later, as queue.refresh adds them
    history("a", "needs_papers", old - day)
    history("a", "approved", old)
    history("b", "rejected", old + 60)
    got, cursor = look()
    assert got == {"a": (old, 1)}
    assert cursor == "2"  # b's row (id 3) waits for its facts
    with engine.begin() as c:
        c.execute(
            facts.insert().values(registration_id="b", ministry="m", submitted_at=old, due_at=now)
        )
    got, cursor = look()
    assert got["b"] == (old + 60, None) and cursor == "3"
    history("a", "ready_for_pickup", now)  # not a decision: the first one stays
    recent = now - queue.FILL_MARGIN_S / 2
    register("c", True)
    history("c", "approved", recent)
    got, cursor = look()
    assert got["c"] == (recent, None) and got["a"] == (old, 1)
    assert cursor == "3"  # rows of the last minutes are read again, harmlessly
    assert look()[0] == got
    engine.dispose()
