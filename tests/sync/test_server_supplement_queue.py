"""Issue 13 "Work queues": "Supplement arrived" holds the applications whose citizen brought the
requested papers (a kiosk's supplement since the last status change) until the officer acts,
with an exact count, oldest due first like the other queues. Real server processes on SQLite
and PostgreSQL receive the kiosk's commits and supplements; the counts equal a recount, and a
database whose flags were made before these rows were kept gets them once (the backfill)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, select

from sync import protocol as p
from sync.server import db
from sync.server.console import application, flags, queue
from sync.server.console.accounts import Account
from sync.server.tables import queue_counts, queue_totals
from sync.server.tables.flags import console_flags, flag_counts, supplement_arrived
from tests.console.conftest import Console, sign_in_http
from tests.sync.catalog_docs import valid_catalog
from tests.sync.clerk_wire import committed, put_version, supplement_doc
from tests.sync.conftest import KNOWN_SERVICE, Kiosk, ServerProcess, backend_url
from tests.sync.console_accounts import console_account

S = p.ServerStatus
DAY = 86400.0
CATALOG = valid_catalog("supplement-queue-1", [KNOWN_SERVICE], processing_days=3)
NARROW = (queue_totals.queue_totals, queue_totals.queue_due, queue_totals.queue_mine)
PAPERS = {"note_km": "សូម​យក​សៀវភៅ​គ្រួសារ​មក", "note_en": "Please bring the family book"}


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    proc = ServerProcess(
        tmp_path_factory.mktemp("server"), backend_url(request), catalog=CATALOG
    ).start()
    yield proc
    proc.stop()


def _ago(days: float) -> str:
    return p.format_date(datetime.fromtimestamp(db.now() - days * DAY, UTC))


def _page(engine: Engine, account: Account, **filters: str) -> queue.Page:
    return queue.load(engine, account, queue.Filters.parse({"queue": "supplement", **filters}))


def _counted(engine: Engine, account: Account, **filters: str) -> int:
    """The queue's count from the kept rows, checked against the same count made application
    by application (a submission-date filter that holds every application forces it)."""
    fast = _page(engine, account, **filters)
    full = _page(engine, account, **filters, date_from="2000-01-01")
    assert fast.counts == full.counts and fast.total == full.total
    assert [r["id"] for r in fast.rows] == [r["id"] for r in full.rows]
    return fast.counts["supplement"]


def _recounted(engine: Engine) -> None:
    """Kept rows equal the rule over every registration; flag counts and the page's narrow
    rows equal a recount."""
    regs, kept = db.registrations, console_flags
    with engine.connect() as conn:
        have = set(
            conn.execute(
                select(kept.c.registration_id).where(kept.c.flag == flags.SUPPLEMENT)
            ).scalars()
        )
        true = set(conn.execute(select(regs.c.id).where(supplement_arrived(regs))).scalars())
        counted = {
            tuple(r[:-1]): int(r[-1])
            for r in conn.execute(select(flag_counts).where(flag_counts.c.n != 0))
        }
        recount = {
            tuple(r[:-1]): int(r[-1])
            for r in conn.execute(queue_counts._grouped(conn, None, flagged=True))
        }
        plain = {tuple(r[:-1]): int(r[-1]) for r in conn.execute(queue_counts._grouped(conn, None))}
        narrow = {
            t.name: {tuple(r[:-1]): int(r[-1]) for r in conn.execute(select(t).where(t.c.n != 0))}
            for t in NARROW
        }
    assert have == true
    assert counted == recount
    want: dict[str, dict[tuple[Any, ...], int]] = {t.name: {} for t in NARROW}
    for table, key, n in queue_totals.derived({**plain, **recount}):
        want[table.name][key] = n
    assert narrow == want


def _supplement(kiosk: Kiosk, reg_id: str, n: int = 2) -> Any:
    answer = put_version(kiosk, reg_id, n, supplement_doc(n, {"phone": "012 999 000"}, []))
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_supplement_queue_follows_papers_and_the_officer(server: ServerProcess) -> None:
    engine = db.make_engine(server.db_url)
    kiosk = Kiosk(server).enrol()
    try:
        officer = console_account(engine, "officer")
        older, newer, untouched = (committed(kiosk, submitted_at=_ago(d)) for d in (2, 1, 0.5))
        assert _counted(engine, officer) == 0  # the first page makes the counts
        for reg_id in (older, newer):
            application.act(engine, officer, reg_id, "start_review", {})
            application.act(engine, officer, reg_id, "request_papers", PAPERS)
        assert _counted(engine, officer) == 0  # asked, not yet brought

        assert _supplement(kiosk, newer)["status"] == S.IN_REVIEW  # the newer one first
        assert _counted(engine, officer) == 1
        assert _supplement(kiosk, older)["status"] == S.IN_REVIEW
        page = _page(engine, officer)
        assert page.counts["supplement"] == 2 == page.total
        assert [r["id"] for r in page.rows] == [older, newer]  # oldest due first
        assert all(flags.SUPPLEMENT not in r["flags"] for r in page.rows)  # a queue, no badge
        assert _counted(engine, officer, status=S.IN_REVIEW) == 2
        assert _counted(engine, officer, status=S.RECEIVED) == 0
        assert _counted(engine, officer, district=kiosk.commune[:4]) == 2
        assert _counted(engine, officer, commune=kiosk.commune) == 2
        assert _counted(engine, officer, flag="same_phone") <= 2  # both ways alike
        _recounted(engine)

        application.act(engine, officer, older, "approve", {})  # the officer acts: it leaves
        assert _counted(engine, officer) == 1
        assert [r["id"] for r in _page(engine, officer).rows] == [newer]
        application.act(engine, officer, newer, "request_papers", PAPERS)  # asks again
        assert _counted(engine, officer) == 0
        _recounted(engine)
        assert _supplement(kiosk, newer, 3)["status"] == S.IN_REVIEW  # brought again
        # a clerk's correction to an application no officer took yet arrives as well
        assert _supplement(kiosk, untouched)["status"] == S.RECEIVED
        assert _counted(engine, officer) == 2
        assert _page(engine, officer, page="2", size="1").rows[0]["id"] == untouched
        _recounted(engine)
    finally:
        kiosk.close()
        engine.dispose()


def test_a_database_from_before_gets_its_rows_once(server: ServerProcess) -> None:
    engine = db.make_engine(server.db_url)
    kiosk = Kiosk(server).enrol()
    try:
        officer = console_account(engine, "officer")
        reg_id = committed(kiosk, submitted_at=_ago(1))
        application.act(engine, officer, reg_id, "start_review", {})
        application.act(engine, officer, reg_id, "request_papers", PAPERS)
        _supplement(kiosk, reg_id)
        before = _counted(engine, officer)
        assert before >= 1
        with engine.begin() as conn:  # as a server from before kept them left the tables
            supplement = flags.SUPPLEMENT
            conn.execute(console_flags.delete().where(console_flags.c.flag == supplement))
            conn.execute(flag_counts.delete().where(flag_counts.c.flag == supplement))
            for table in NARROW:
                conn.execute(table.delete().where(table.c.flag == supplement))
            conn.execute(db.settings.delete().where(db.settings.c.key == flags.SUPPLEMENT_READY))
        flags._flags_ready.clear()  # a new server process: it looks at the setting again
        assert _counted(engine, officer) == before
        _recounted(engine)
        with engine.connect() as conn:
            assert db.get_setting(conn, flags.SUPPLEMENT_READY) == "done"
    finally:
        kiosk.close()
        engine.dispose()


def test_the_console_page_lists_it_until_the_officer_acts(server: ServerProcess) -> None:
    engine = db.make_engine(server.db_url)
    kiosk = Kiosk(server).enrol()
    console = Console(server)
    console.add_account("papers", ministry="*", jurisdiction="*")
    client = sign_in_http(console, "papers")
    try:
        officer = console_account(engine, "officer")
        reg_id = committed(kiosk, submitted_at=_ago(1))
        application.act(engine, officer, reg_id, "start_review", {})
        application.act(engine, officer, reg_id, "request_papers", PAPERS)
        with engine.connect() as conn:
            number = conn.execute(
                select(db.registrations.c.app_number).where(db.registrations.c.id == reg_id)
            ).scalar_one()
        listed = client.get("/console/queue", params={"queue": "supplement"})
        assert listed.status_code == 200 and number not in listed.text
        _supplement(kiosk, reg_id)
        listed = client.get("/console/queue", params={"queue": "supplement", "lang": "en"})
        assert listed.status_code == 200 and number in listed.text
        application.act(engine, officer, reg_id, "approve", {})
        listed = client.get("/console/queue", params={"queue": "supplement"})
        assert listed.status_code == 200 and number not in listed.text
    finally:
        client.close()
        kiosk.close()
        engine.dispose()
