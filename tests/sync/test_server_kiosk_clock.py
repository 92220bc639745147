"""Review finding 7: a kiosk's wrong clock (a dead RTC's 1970, a clock years ahead, a year-1
time that overflows in UTC) no longer makes an application overdue by decades, never due, or
breaks the queue page: the server counts days from the submission clamped to [received - 90
days, received] (sync/server/kiosk_clock.py), while the commit keeps what the kiosk sent.
Facts made before the rule are clamped once by `reclamp`, their counts and rollups moved with
them. A real server process receiving a real kiosk's commits; SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, select

from sync.server import db, kiosk_clock
from sync.server.console import application, queue, timing_numbers
from sync.server.console.accounts import Account
from sync.server.tables import queue_counts, timing_rollup
from tests.sync.catalog_docs import valid_catalog
from tests.sync.clerk_wire import committed
from tests.sync.conftest import KNOWN_SERVICE, Kiosk, ServerProcess, backend_url
from tests.sync.console_accounts import console_account
from tests.sync.test_server_queue_counts import _ago, _exact, _flags_exact

pytestmark = pytest.mark.server
PROMISED = 3
DAY = 86400.0
BOUND = kiosk_clock.OFFLINE_MAX_DAYS
WRONG = {
    "dead_rtc": "1970-01-01T00:05:00+00:00",
    "ahead": "2099-06-01T08:00:00+07:00",
    "year_one": "0001-01-01T00:00:00+01:00",  # before year 1 in UTC: OverflowError
    "not_a_time": "yesterday",
}


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    doc = valid_catalog("kiosk-clock-1", [KNOWN_SERVICE], processing_days=PROMISED)
    proc = ServerProcess(tmp_path_factory.mktemp("server"), backend_url(request), catalog=doc)
    yield proc.start()
    proc.stop()


def test_the_rule() -> None:
    received = 1_800_000_000.0
    assert kiosk_clock.clamped(received - 3600, received) == received - 3600
    assert kiosk_clock.clamped(received + 10, received) == received
    assert kiosk_clock.clamped(0.0, received) == received - BOUND * DAY
    assert kiosk_clock.clamped(received - BOUND * DAY, received) == received - BOUND * DAY


def _rows(engine: Engine, account: Account) -> dict[str, dict[str, Any]]:
    page = queue.load(engine, account, queue.Filters.parse({"size": "100"}))
    return {str(r["id"]): r for r in page.rows}


def _received(engine: Engine, reg_id: str) -> tuple[float, str]:
    regs = db.registrations
    with engine.connect() as conn:
        row = conn.execute(select(regs.c.received_at, regs.c.body).where(regs.c.id == reg_id)).one()
    return float(row.received_at), str(json.loads(row.body)["submitted_at"])


def _all_exact(engine: Engine) -> None:
    _exact(engine)
    _flags_exact(engine)  # the flags' copies of submitted_at / due_at too
    timing_numbers.prepare(engine)
    with engine.connect() as conn:
        assert timing_rollup.stored(conn) == timing_rollup.recount(conn)


def test_wrong_kiosk_clocks_give_sane_days_left(server: ServerProcess) -> None:
    engine = db.make_engine(server.db_url)
    kiosk = Kiosk(server).enrol()
    try:
        boss = console_account(engine, "supervisor")
        ids = {name: committed(kiosk, submitted_at=text) for name, text in WRONG.items()}
        ids["right"] = committed(kiosk, submitted_at=_ago(1))
        rows = _rows(engine, boss)  # the page works (year one used to raise OverflowError)
        left = {name: rows[reg_id]["days_left"] for name, reg_id in ids.items()}
        assert BOUND - PROMISED <= -left["dead_rtc"] < BOUND - PROMISED + 1  # not 20,000 days
        for name in ("ahead", "year_one", "not_a_time"):  # counted from the arrival
            assert PROMISED - 1 < left[name] <= PROMISED, name
        assert PROMISED - 2 < left["right"] <= PROMISED - 1  # a right clock: as sent
        counts = queue.load(engine, boss, queue.Filters.parse({})).counts
        assert counts["overdue"] == 1 and counts["new"] == len(ids)
        for name, text in WRONG.items():  # the commit keeps what the kiosk sent
            assert _received(engine, ids[name])[1] == text
        received, _sent = _received(engine, ids["dead_rtc"])
        detail = application.load(engine, boss, ids["dead_rtc"])
        assert detail.facts.submitted_at == received - BOUND * DAY

        for name in ("dead_rtc", "ahead"):  # decided: days to the decision are sane too
            application.act(engine, boss, ids[name], "start_review", {})
            application.act(engine, boss, ids[name], "approve", {})
        timing_numbers.prepare(engine)
        days = timing_rollup.timing_days
        with engine.connect() as conn:
            found = dict(
                conn.execute(
                    select(days.c.registration_id, days.c.days).where(
                        days.c.registration_id.in_([ids["dead_rtc"], ids["ahead"]])
                    )
                ).all()
            )
        assert BOUND - 1 < found[ids["dead_rtc"]] < BOUND + 1
        assert 0 <= found[ids["ahead"]] < 1
        _all_exact(engine)
    finally:
        kiosk.close()
        engine.dispose()


def test_facts_made_before_the_rule_are_clamped_once(server: ServerProcess) -> None:
    """Facts as the server made them before (unclamped) are put right by `reclamp`, with the
    counts and rollups they feed; a second run (or a second server) finds nothing to do."""
    engine = db.make_engine(server.db_url)
    kiosk = Kiosk(server).enrol()
    facts = db.console_facts
    try:
        boss = console_account(engine, "supervisor")
        old, ahead = committed(kiosk, submitted_at=_ago(0)), committed(kiosk, submitted_at=_ago(0))
        _rows(engine, boss)  # facts made (and counted) now
        timing_numbers.prepare(engine)
        application.act(engine, boss, old, "start_review", {})
        application.act(engine, boss, old, "approve", {})
        stale = [old, ahead]
        with engine.begin() as conn:  # as an older server computed them from a wrong clock,
            counted = queue_counts.before(conn, stale)  # and counted them (as writers do)
            timed = timing_rollup.before(conn, stale)
            for reg_id, sent in ((old, 1.0), (ahead, 4.0e9)):
                conn.execute(
                    facts.update()
                    .where(facts.c.registration_id == reg_id)
                    .values(submitted_at=sent, due_at=sent + PROMISED * DAY)
                )
            queue_counts.after(conn, stale, counted)
            timing_rollup.after(conn, stale, timed)
            conn.execute(db.settings.delete().where(db.settings.c.key == kiosk_clock.READY_KEY))
        _all_exact(engine)  # the kept rows count the stale facts

        assert kiosk_clock.reclamp(engine) >= 2
        assert kiosk_clock.reclamp(engine) == 0  # once per process: no read at all
        kiosk_clock._ready.clear()  # as another server process starting would
        assert kiosk_clock.reclamp(engine) == 0  # once per database
        rows = _rows(engine, boss)
        for reg_id in (old, ahead):
            received, _sent = _received(engine, reg_id)
            with engine.connect() as conn:
                sub, due = conn.execute(
                    select(facts.c.submitted_at, facts.c.due_at).where(
                        facts.c.registration_id == reg_id
                    )
                ).one()
            assert received - BOUND * DAY <= sub <= received
            assert due == pytest.approx(sub + PROMISED * DAY)
        assert PROMISED - 1 < rows[ahead]["days_left"] <= PROMISED
        _all_exact(engine)
    finally:
        kiosk.close()
        engine.dispose()
