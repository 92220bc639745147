"""Flags for a second look (same phone or face photo on different people, outside the hall's
hours, photo-check overrides) in the queues and on the application page; who viewed it; and
the assignment lock under concurrent decisions (the check and the write in one transaction),
on SQLite and PostgreSQL.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from sync.server import db as server_db
from sync.server import decisions
from sync.server.errors import ApiError
from sync.server.officers import Officer
from tests.console.conftest import CATALOG, Console, png, sign_in_http
from tests.console.seed import csrf_of, kiosk_at, last_week, listed, submit
from tests.sync.conftest import Kiosk, ServerProcess
from tests.sync.pg import PgCluster

SUNDAY_EVENING = kiosk_at(last_week(6), "19:00")  # Cambodia time, yesterday at the latest


@pytest.fixture(scope="module")
def world(console: Console) -> Iterator[dict[str, Any]]:
    console.add_account("ann", role="officer", ministry="interior", jurisdiction="12")
    console.add_account("sam", role="supervisor", ministry="interior", jurisdiction="12")
    kiosk = Kiosk(console.server, label="Chbar Ampov").enrol(commune="120101")
    shared = png(60, 80, (10, 200, 30))
    apps = {
        "broker_a": submit(kiosk, name="SOK DARA", phone="012 777 888"),
        "broker_b": submit(kiosk, name="CHAN THY", phone="+85512777888"),
        "same_1": submit(kiosk, name="KEO MEAS", phone="097 000 111"),
        "same_2": submit(kiosk, name="keo  meas", phone="097000111"),  # the same person
        "photo_a": submit(kiosk, name="LIM NA", photo=shared),
        "photo_b": submit(kiosk, name="MAO SA", photo=shared),
        "override": submit(kiosk, name="PHAL RA", override="glasses_glare"),
        "late": submit(kiosk, name="NOV VY", at=SUNDAY_EVENING),
        "plain": submit(kiosk, name="HENG LY", phone="011 222 333"),
    }
    yield {k: v[0] for k, v in apps.items()}
    kiosk.close()


def test_flags_in_queues_and_on_the_application(console: Console, world: Any) -> None:
    ann = sign_in_http(console, "ann")
    ann.cookies.set("sala_lang", "en", path="/console")

    def flagged(flag: str) -> set[str]:
        return listed(ann.get("/console/queue", params={"flag": flag}).text)

    assert flagged("same_phone") == {world["broker_a"], world["broker_b"]}
    assert flagged("same_photo") == {world["photo_a"], world["photo_b"]}
    assert flagged("override") == {world["override"]}
    assert flagged("outside_hours") == {world["late"]}
    html = ann.get(f"/console/applications/{world['broker_a']}").text
    assert "Same phone" in html and "also on applications of other people" in html
    html = ann.get(f"/console/applications/{world['plain']}").text
    assert 'class="flag' not in html
    queue = ann.get("/console/queue", params={"queue": "new", "size": "100"}).text
    row = queue.split(f'id="pick-{world["late"]}"')[1].split("</tr>")[0]
    assert "Outside hours" in row


def test_who_viewed_lists_each_officer_from_the_audit(console: Console, world: Any) -> None:
    reg = world["same_1"]  # not opened by anyone before
    ann, sam = sign_in_http(console, "ann"), sign_in_http(console, "sam")
    sam.cookies.set("sala_lang", "en", path="/console")
    ann.get(f"/console/applications/{reg}")
    ann.get(f"/console/applications/{reg}")
    section = sam.get(f"/console/applications/{reg}").text.split("Who viewed it")[1]
    assert f"console:ann#{console.ids['ann']}</td><td>2<" in section
    assert f"console:sam#{console.ids['sam']}</td><td>1<" in section


def test_the_lock_is_checked_inside_the_decision(console: Console, world: Any) -> None:
    """decisions.change_status refuses a decider who does not hold the application, in the
    same transaction as the write (not a read before it)."""
    reg = world["override"]
    sam = sign_in_http(console, "sam")
    r = sam.post(
        f"/console/applications/{reg}/assign", data={"csrf": csrf_of(sam), "to": console.ids["ann"]}
    )
    assert r.status_code == 303
    engine = server_db.make_engine(console.server.db_url)
    try:
        sam_officer = Officer(console.ids["sam"], "console:sam", "decide", ("12",))
        with pytest.raises(ApiError) as refused:
            decisions.change_status(
                engine, reg, "in_review", "", "", sam_officer, assignee=console.ids["sam"]
            )
        assert refused.value.code == "not_assignee"
        with server_db.reading(engine) as conn:
            status = conn.execute(
                select(server_db.registrations.c.status).where(server_db.registrations.c.id == reg)
            ).scalar()
        assert status == "received"
    finally:
        engine.dispose()


def _status(console: Console, reg: str) -> str:
    engine = server_db.make_engine(console.server.db_url)
    try:
        regs = server_db.registrations
        with server_db.reading(engine) as conn:
            return str(conn.execute(select(regs.c.status).where(regs.c.id == reg)).scalar())
    finally:
        engine.dispose()


def _race(console: Console) -> None:
    """Two officers deciding while a supervisor hands the application back and forth: in the
    audit's order, every decision is by the officer holding it at that moment."""
    for name, role in (("raa", "officer"), ("rbb", "officer"), ("rss", "supervisor")):
        console.add_account(name, role=role, ministry="interior", jurisdiction="12")
    kiosk = Kiosk(console.server).enrol(commune="120101")
    reg, _number = submit(kiosk)
    kiosk.close()
    clients = {n: sign_in_http(console, n) for n in ("raa", "rbb", "rss")}
    tokens = {n: csrf_of(c) for n, c in clients.items()}
    r = clients["rss"].post(
        f"/console/applications/{reg}/assign",
        data={"csrf": tokens["rss"], "to": console.ids["raa"]},
    )
    assert r.status_code == 303
    start, rounds, bad = threading.Barrier(3), 12, []

    def officer(name: str) -> None:
        start.wait()
        for _ in range(rounds):
            for action in ("start_review", "request_papers"):
                r = clients[name].post(
                    f"/console/applications/{reg}/act",
                    data={"csrf": tokens[name], "action": action, "note_en": "Bring the book."},
                )
                if r.status_code not in (303, 409):
                    bad.append((name, action, r.status_code))

    def supervisor() -> None:
        start.wait()
        jitter = random.Random(reg)
        for i in range(rounds * 2):
            # a random pause: at an even beat, each hand-over could land just before the new
            # holder's every post, and the race would decide nothing (seen under load)
            time.sleep(jitter.uniform(0.0, 0.05))
            to = console.ids["rbb" if i % 2 == 0 else "raa"]
            r = clients["rss"].post(
                f"/console/applications/{reg}/assign", data={"csrf": tokens["rss"], "to": to}
            )
            if r.status_code != 303:
                bad.append(("rss", "assign", r.status_code))

    threads = [
        threading.Thread(target=f, args=a)
        for f, a in ((officer, ("raa",)), (officer, ("rbb",)), (supervisor, ()))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not bad, bad
    # the last hand-over was to raa: the holder decides once more, so the check below never
    # passes on no decision at all
    action = "request_papers" if _status(console, reg) == "in_review" else "start_review"
    r = clients["raa"].post(
        f"/console/applications/{reg}/act",
        data={"csrf": tokens["raa"], "action": action, "note_en": "Bring the book."},
    )
    assert r.status_code == 303, r.text[-400:]
    engine = server_db.make_engine(console.server.db_url)
    try:
        a = server_db.officer_audit
        with server_db.reading(engine) as conn:
            rows = conn.execute(
                select(a.c.action, a.c.token_id, a.c.detail, a.c.outcome)
                .where(a.c.subject == reg, a.c.outcome == "ok")
                .where(a.c.action.in_(("console_assign", "status")))
                .order_by(a.c.id)
            ).all()
            history = (
                conn.execute(
                    select(server_db.status_history.c.status).where(
                        server_db.status_history.c.registration_id == reg
                    )
                )
                .scalars()
                .all()
            )
    finally:
        engine.dispose()
    holder, decided = None, 0
    for action, token_id, detail, _outcome in rows:
        if action == "console_assign":
            holder = detail
        else:
            assert token_id == holder, (token_id, holder)
            decided += 1
    assert decided == len([h for h in history if h != "received"]) >= 1


def test_two_officers_deciding_at_once_sqlite(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "race", args=("--catalog", str(CATALOG))).start()
    try:
        _race(Console(server))
    finally:
        server.stop()


@pytest.mark.postgres
def test_two_officers_deciding_at_once_postgres(pg_cluster: PgCluster, tmp_path: Path) -> None:
    url = pg_cluster.create_database(f"sala_{uuid.uuid4().hex[:12]}")
    server = ServerProcess(tmp_path / "race-pg", url, args=("--catalog", str(CATALOG))).start()
    try:
        _race(Console(server))
    finally:
        server.stop()


@pytest.mark.slow
def test_flags_and_viewers_in_the_browser(
    browser: Any, console: Console, world: Any, shots: Path
) -> None:
    from tests.console.test_console_browser import new_page, sign_in

    for lang in ("km", "en"):
        page = new_page(browser, lang)
        sign_in(page, console, "sam", lang=lang)
        page.select_option("select[name=flag]", "same_phone")
        page.click("form.filters button[type=submit]")
        page.wait_for_url("**flag=same_phone**")  # swapped in place by htmx (no page load)
        assert page.locator("table.list tbody tr").count() == 2
        assert page.locator("table.list .flag.f-same_phone").count() == 2
        sizes(page, shots, f"queue-flags-{lang}")
        page.goto(f"{console.url}/console/applications/{world['broker_b']}")
        assert page.locator(".flags .f-same_phone").count() == 1
        viewers = page.inner_text("section:last-of-type table")
        assert "console:sam" in viewers
        sizes(page, shots, f"application-flags-{lang}")
        page.context.close()


def sizes(page: Any, shots: Path, name: str) -> None:
    """Screenshots at the office PC, a wide screen and a portrait screen; never sideways."""
    from tests.console.test_console_browser import shoot

    for w, h in ((1366, 768), (1920, 1080), (1080, 1920)):
        page.set_viewport_size({"width": w, "height": h})
        assert page.evaluate("document.documentElement.scrollWidth") <= w, (name, w)
        shoot(page, shots, f"{name}-{w}x{h}")
    page.set_viewport_size({"width": 1366, "height": 768})
