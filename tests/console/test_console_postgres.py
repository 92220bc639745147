"""The back office on PostgreSQL, over plain HTTP against a real `sala server` (no browser: the
flows are test_console_browser's, on SQLite): sign-in with TOTP, every queue's count equal to a
recount of what the queue lists, an application page and its audited view, request papers then
approve reaching the kiosk's feed, an admin refused outside their jurisdiction, a reset password
changed before anything, and a session's idle end and sign-out.

On PostgreSQL the reads autocommit (`db.reading`) and the queue counts come from the kept rows
(queue_sums.py) plus the day edges, so each count is checked against the rows the queue lists
and against the full count a date filter asks for.
"""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import text as sql

from sync.server.console.i18n import t
from sync.server.console.queue import PAGE_SIZE_MAX, QUEUES
from tests.console.conftest import (
    CATALOG,
    PASSWORD,
    SESSION_COOKIE,
    Console,
    form_csrf,
    sign_in_http,
)
from tests.console.seed import csrf_of, listed, submit
from tests.sync.conftest import Kiosk, ServerProcess
from tests.sync.pg import PgCluster

pytestmark = [pytest.mark.postgres, pytest.mark.server]

# name → (commune, service, days before now, actions the officer takes)
PLAN: dict[str, tuple[str, str, float, tuple[str, ...]]] = {
    "fresh": ("120101", "birth_certificate_copy", 0.2, ()),  # due in 2.8 days
    "soon": ("120101", "birth_certificate_copy", 1.5, ()),  # due in 1.5 days
    "late": ("120201", "birth_certificate_copy", 10.0, ()),  # 7 days past its promise
    "review": ("120101", "birth_certificate_copy", 0.5, ("start_review",)),
    "papers": ("120201", "birth_certificate_copy", 0.5, ("start_review", "request_papers")),
    "approved": ("120101", "birth_certificate_copy", 0.5, ("start_review", "approve")),
    "ready": ("120101", "birth_certificate_copy", 0.5, ("start_review", "approve", "ready")),
    "rejected": ("120201", "birth_certificate_copy", 5.0, ("start_review", "reject")),
    "far": ("170101", "birth_certificate_copy", 10.0, ()),  # another province
    "trade": ("120101", "business_registration", 10.0, ()),  # another ministry
}
# what officer `pgo` (Interior, province 12) finds in each queue
EXPECTED: dict[str, set[str]] = {
    "new": {"fresh", "soon", "late"},
    "mine": {"review", "papers", "approved"},
    "in_review": {"review"},
    "needs_papers": {"papers"},
    "supplement": set(),
    "due_soon": {"soon"},
    "overdue": {"late"},
    "approved": {"approved"},
    "ready": {"ready"},
    "decided": {"approved", "ready", "rejected"},
}
FORM = {
    "reason": "Not eligible.",
    "note_km": "សូម\u200bយក\u200bសៀវភៅ\u200bគ្រួសារ\u200bមក",
    "note_en": "Please bring the family book",
    "place": "Commune hall",
    "date": "2026-12-20",
}


@pytest.fixture(scope="module")
def pg(pg_cluster: PgCluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    url = pg_cluster.create_database(f"sala_{uuid.uuid4().hex[:12]}")
    server = ServerProcess(tmp_path_factory.mktemp("console-pg"), url, ("--catalog", str(CATALOG)))
    server.start()
    try:
        yield Console(server)
    finally:
        server.stop()


@pytest.fixture(scope="module")
def world(pg: Console) -> Iterator[dict[str, Any]]:
    """The accounts, and PLAN's applications committed by signing kiosks and decided through
    the console's own forms by `pgo`."""
    for name, role, where in (
        ("pgo", "officer", "12"),
        ("pgo17", "officer", "17"),
        ("pga17", "admin", "17"),
        ("pgm", "officer", "12"),
        ("pge", "officer", "12"),
    ):
        pg.add_account(name, role=role, ministry="interior", jurisdiction=where)
    communes = {c for c, *_ in PLAN.values()}
    kiosks = {c: Kiosk(pg.server, label=f"hall {c}").enrol(commune=c) for c in communes}
    now = datetime.now(UTC)
    ids: dict[str, str] = {}
    for name, (commune, service, days, _actions) in PLAN.items():
        at = (now - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")
        ids[name] = submit(kiosks[commune], name=name.upper(), at=at, service=service)[0]
    officer = pg.signed_in("pgo")  # the sign-in form with a TOTP code (sign_in_http)
    csrf = csrf_of(officer)
    for name, (*_where, actions) in PLAN.items():
        for action in actions:
            r = officer.post(
                f"/console/applications/{ids[name]}/act",
                data={"csrf": csrf, "action": action, **FORM},
            )
            assert r.status_code == 303, (name, action, r.text[-400:])
    yield {"ids": ids, "kiosks": kiosks}
    for kiosk in kiosks.values():
        kiosk.close()


def rows(console: Console, query: str, **params: Any) -> list[Any]:
    """The server's PostgreSQL database read here (sqlite3 cannot reach it)."""
    with console.server.engine() as engine, engine.connect() as conn:
        return list(conn.execute(sql(query), params))


def audit(console: Console, action: str, subject: str) -> list[tuple[str, str]]:
    """(officer, outcome) of each audit row of `action` on `subject`, oldest first."""
    found = rows(
        console,
        "SELECT officer, outcome FROM officer_audit WHERE action = :a AND subject = :s ORDER BY id",
        a=action,
        s=subject,
    )
    return [(r.officer, r.outcome) for r in found]


def shown_counts(page: str) -> dict[str, int]:
    """Each queue's count as the queue page shows it (its tab's `id` and `.count`)."""
    found = re.findall(
        r'id="tab-(\w+)" class="queue[^"]*"[^>]*>\s*<span class="name">[^<]*</span>\s*'
        r'<span class="count">(\d+)</span>',
        page,
    )
    return {q: int(n) for q, n in found}


def test_sign_in_with_totp_and_every_queue_count_is_a_recount(pg: Console, world: Any) -> None:
    # a wrong code is refused, in the officer's language, and audited
    client = httpx.Client(base_url=pg.url, timeout=30, cookies={"sala_lang": "en"})
    data = {"csrf": form_csrf(client.get("/console/signin").text), "username": "pgo"}
    r = client.post("/console/signin", data={**data, "password": PASSWORD, "totp": "000000"})
    assert r.status_code == 401 and t("bad_credentials", "en") in html.unescape(r.text)
    outcomes = [o for _who, o in audit(pg, "console_signin", "pgo")]
    assert outcomes[:2] == ["ok", "refused:bad_credentials"], outcomes  # the fixture's, then this
    officer = pg.signed_in("pgo")
    name_of = {reg: name for name, reg in world["ids"].items()}
    page = officer.get("/console/queue").text
    counts = shown_counts(page)
    assert set(counts) == set(QUEUES), counts
    # a date filter asks for the full count (every application), not the kept counts
    since = (datetime.now(UTC) - timedelta(days=30)).strftime("%Y-%m-%d")
    full = shown_counts(officer.get(f"/console/queue?date_from={since}").text)
    for q in QUEUES:
        r = officer.get(f"/console/queue?queue={q}&size={PAGE_SIZE_MAX}")
        assert r.status_code == 200, (q, r.text[-300:])
        recount = {name_of[reg] for reg in listed(r.text)}
        assert counts[q] == len(recount) == full[q], (q, counts[q], full[q], recount)
        assert recount == EXPECTED[q], (q, recount)


def test_an_application_page_records_who_viewed_it(pg: Console, world: Any) -> None:
    reg = world["ids"]["review"]
    officer = pg.signed_in("pgo")
    before = audit(pg, "console_view", reg)
    r = officer.get(f"/console/applications/{reg}")
    assert r.status_code == 200
    assert "REVIEW" in r.text  # the answers, as committed
    me = f"console:pgo#{pg.ids['pgo']}"  # the audit's name for a console account
    assert audit(pg, "console_view", reg) == [*before, (me, "ok")]
    page = officer.get(f"/console/applications/{reg}").text
    viewers = page.split(t("who_viewed", "km"), 1)[1]  # the page's last table
    times = len(before) + 2
    assert f"<tr><td>{me}</td><td>{times}</td>" in viewers, viewers[:600]


def test_request_papers_then_approve_reach_the_kiosk_feed(pg: Console, world: Any) -> None:
    kiosk = Kiosk(pg.server, label="Sangkat hall 17").enrol(commune="170102")
    try:
        reg, _number = submit(kiosk, name="FEED CASE")
        officer = pg.signed_in("pgo17")
        csrf = csrf_of(officer)
        for action in ("start_review", "request_papers", "start_review", "approve"):
            r = officer.post(
                f"/console/applications/{reg}/act", data={"csrf": csrf, "action": action, **FORM}
            )
            assert r.status_code == 303, (action, r.text[-400:])
        got = kiosk.request("GET", "/v1/changes?since=0&limit=1000")
        assert got.status_code == 200, got.text
        entries = [c for c in got.json()["changes"] if c.get("registration_id") == reg]
        statuses = [e["status"] for e in entries]
        assert statuses == ["received", "in_review", "needs_papers", "in_review", "approved"]
        assert entries[2]["note"] == f"{FORM['note_km']} / {FORM['note_en']}"
        history = rows(
            pg,
            "SELECT status FROM status_history WHERE registration_id = :r ORDER BY id",
            r=reg,
        )
        assert [h.status for h in history] == statuses
    finally:
        kiosk.close()


def test_an_admin_outside_their_jurisdiction_is_refused(pg: Console, world: Any) -> None:
    admin = pg.signed_in("pga17")
    admin.cookies.set("sala_lang", "en", path="/console")
    reg = world["ids"]["fresh"]  # commune 120101: province 12
    r = admin.get(f"/console/applications/{reg}")
    assert r.status_code == 403 and "outside your jurisdiction" in html.unescape(r.text)
    target = pg.ids["pgo"]
    assert f"/officers/{target}/" not in admin.get("/console/officers").text  # not listed
    before = rows(pg, "SELECT * FROM console_officers WHERE id = :i", i=target)
    csrf = form_csrf(admin.get("/console/officers").text)
    for action in ("disable", "reset-password"):
        r = admin.post(f"/console/officers/{target}/{action}", data={"csrf": csrf})
        assert r.status_code == 404 and t("oa_not_yours", "en") in html.unescape(r.text), action
    assert rows(pg, "SELECT * FROM console_officers WHERE id = :i", i=target) == before
    assert pg.signed_in("pgo").get("/console/queue").status_code == 200  # still signed in


def test_a_reset_password_is_changed_before_anything(pg: Console, world: Any) -> None:
    from sync.server.console import account_admin

    target = pg.ids["pgm"]
    with pg.server.engine() as engine:  # what `sala server officer reset-password` runs
        temporary = account_admin.reset_password(engine, None, target)
    officer = httpx.Client(base_url=pg.url, timeout=30, cookies={"sala_lang": "en"})
    data = {"csrf": form_csrf(officer.get("/console/signin").text), "username": "pgm"}
    data.update(password=temporary, totp=pg.code("pgm"))
    assert officer.post("/console/signin", data=data).status_code == 303
    reg = world["ids"]["fresh"]
    for path in ("/console/queue", f"/console/applications/{reg}"):
        r = officer.get(path)
        assert r.status_code == 303 and r.headers["location"] == "/console/password", path
    csrf = form_csrf(officer.get("/console/password").text)
    history = "SELECT count(*) AS n FROM status_history WHERE registration_id = :r"
    n = rows(pg, history, r=reg)[0].n
    r = officer.post(
        f"/console/applications/{reg}/act", data={"csrf": csrf, "action": "start_review"}
    )
    assert r.status_code == 403 and t("oa_must_change", "en") in html.unescape(r.text)
    assert rows(pg, history, r=reg)[0].n == n  # nothing changed
    own = {"csrf": csrf, "current": temporary, "new": "pgm's own password", "again": ""}
    own["again"] = own["new"]
    assert officer.post("/console/password", data=own).status_code == 303
    assert officer.get("/console/queue").status_code == 200
    reset = rows(pg, "SELECT password_reset_at FROM console_officers WHERE id = :i", i=target)
    assert reset[0].password_reset_at is None


def test_a_session_ends_when_idle_and_on_sign_out(pg: Console, world: Any) -> None:
    idle = sign_in_http(pg, "pge")
    idle.cookies.set("sala_lang", "en", path="/console")
    assert idle.get("/console/queue").status_code == 200
    with pg.server.engine() as engine, engine.begin() as conn:  # 15 minutes and a second ago
        conn.execute(
            sql(
                "UPDATE console_sessions SET seen_at = seen_at - 901 "
                "WHERE officer_id = :i AND ended_at IS NULL"
            ),
            {"i": pg.ids["pge"]},
        )
    r = idle.get("/console/queue")
    assert r.status_code == 303 and r.headers["location"] == "/console/signin?ended=1"
    assert "15 minutes" in idle.get(r.headers["location"]).text
    # sign-out: the session's row ends, and its cookie opens nothing
    officer = pg.signed_in("pgo")
    token = officer.cookies[SESSION_COOKIE]
    r = officer.post("/console/signout", data={"csrf": csrf_of(officer)})
    assert r.status_code == 200
    assert officer.get("/console/queue").status_code == 303
    left = httpx.Client(base_url=pg.url, timeout=30)
    left.cookies.set(SESSION_COOKIE, token, path="/console")
    assert left.get("/console/queue").status_code == 303
    ended = rows(
        pg,
        "SELECT count(*) AS n FROM console_sessions WHERE officer_id = :i AND ended_at IS NULL",
        i=pg.ids["pgo"],
    )
    assert ended[0].n == 0
    assert audit(pg, "console_signout", "pgo")[-1] == (f"console:pgo#{pg.ids['pgo']}", "ok")
