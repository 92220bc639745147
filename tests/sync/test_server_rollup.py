"""Issue 13 "Scale": the processing-time rollup (sync/server/tables/timing_rollup.py) stays
equal to a recount after kiosk commits before and after it was first made, officers' decisions
(HTTP and console), a request for papers answered by a kiosk's supplement, a purge, and
history written behind its back (caught up from the status history); and the performance
page's numbers read from it equal the ones counted application by application, for every
grouping and the area and service filters, as do the dashboards' decisions per day. SQLite
and PostgreSQL, each with a real server process receiving the kiosk's commits."""

from __future__ import annotations

import dataclasses
import hashlib
import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, select

from sync import protocol as p
from sync.server import db
from sync.server.console import (
    application,
    dashboards,
    performance,
    queue,
    scope,
    timing_numbers,
)
from sync.server.console.accounts import Account
from sync.server.console.timing_numbers import percentile
from sync.server.tables import timing_pct, timing_rollup
from tests.sync.catalog_docs import valid_catalog
from tests.sync.clerk_wire import committed, move, put_version, supplement_doc
from tests.sync.conftest import KNOWN_SERVICE, Kiosk, ServerProcess, backend_url
from tests.sync.console_accounts import console_account

S = p.ServerStatus
DAY = 86400.0
CATALOG = valid_catalog("rollup-1", [KNOWN_SERVICE], processing_days=3)


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


def _exact(engine: Engine) -> None:
    """After the page's own preparation, both tables equal a full recount."""
    timing_numbers.prepare(engine)
    with engine.connect() as conn:
        kept, counted = timing_rollup.stored(conn), timing_rollup.recount(conn)
    assert kept == counted


def _same_numbers(engine: Engine, account: Account, **filters: str) -> int:
    """The rollup's rows equal the per-application ones, for every grouping, for the account
    and for the same account within its applications' one ministry (whose communes read the
    kept percentiles, tables/timing_pct.py); returns how many applications the filters hold."""
    f = queue.Filters.parse(filters)
    assert timing_numbers.keyed(f)
    timing_numbers.prepare(engine)
    total = 0
    with db.reading(engine) as conn:
        for who in (account, dataclasses.replace(account, ministry=scope.UNOWNED)):
            for group in performance.GROUPS:
                fast = timing_numbers.rows(conn, who, f, group)
                per_reg = performance._per_registration(conn, who, f, group)
                pg = conn.dialect.name == "postgresql"
                slow = (
                    performance._in_sql(conn, per_reg)
                    if pg
                    else performance._in_python(conn, per_reg)
                )
                assert sorted(fast, key=lambda r: r.key) == sorted(slow, key=lambda r: r.key), (
                    who.ministry,
                    group,
                )
                total = sum(r.received for r in fast)
    return total


def _per_day_both_ways(engine: Engine, account: Account) -> list[tuple[str, int, int]]:
    """Decisions per day from the narrow rows equal the history's (a date filter that holds
    every application takes the history's way)."""
    fast = dashboards.numbers(engine, account, queue.Filters.parse({})).per_day
    slow = dashboards.numbers(engine, account, queue.Filters.parse({"date_from": "2000-01-01"}))
    assert fast == slow.per_day
    return fast


def test_rollup_equals_a_recount_and_the_per_application_numbers(server: ServerProcess) -> None:
    engine = db.make_engine(server.db_url)
    kiosk = Kiosk(server).enrol()
    try:
        officer, boss = console_account(engine, "officer"), console_account(engine, "supervisor")
        early = [committed(kiosk, submitted_at=_ago(d)) for d in (6, 5, 4.5, 2)]
        _exact(engine)  # the first look counts them once
        assert _same_numbers(engine, boss) == 4

        late = [committed(kiosk, submitted_at=_ago(d)) for d in (1.5, 0.5)]
        application.act(engine, officer, early[0], "start_review", {})
        application.act(engine, officer, early[0], "approve", {})
        application.act(engine, officer, early[1], "start_review", {})
        application.act(
            engine, officer, early[1], "request_papers", {"note_km": "ឯកសារ", "note_en": "Papers"}
        )
        token = server.officer_token()
        move(server, token, early[2], S.IN_REVIEW, S.REJECTED, note="Not eligible")
        _exact(engine)  # new facts rolled in, decisions moved with their writers
        assert _same_numbers(engine, boss) == 6
        assert _same_numbers(engine, boss, commune=kiosk.commune, service=KNOWN_SERVICE[0]) == 6
        assert _same_numbers(engine, boss, province="25") == 0

        page = b"\xff\xd8 the family book page " + uuid.uuid4().bytes
        attachment = {
            "field_id": "family_book",
            "kind": "document",
            "page": 0,
            "sha256": hashlib.sha256(page).hexdigest(),
            "size": len(page),
            "mime": "image/jpeg",
            "upload": kiosk.upload(page),
        }
        answer = put_version(kiosk, early[1], 2, supplement_doc(2, {}, [attachment]))
        assert answer.status_code == 201 and answer.json()["status"] == S.IN_REVIEW
        application.act(engine, officer, early[1], "approve", {})
        application.act(engine, officer, early[0], "ready", {"place": "Hall", "date": "2026-12-24"})
        server.cli("purge-registration", early[2])
        _exact(engine)
        assert _same_numbers(engine, boss) == 5
        days = _per_day_both_ways(engine, boss)
        assert sum(a for _d, a, _r in days) == 2 and sum(r for _d, _a, r in days) == 0

        # History written behind the writers' back (by a tool, or a server of the version
        # before): `catch_up` copies it to the facts and moves the rollup with it.
        with engine.begin() as conn:
            for status in (S.NEEDS_PAPERS, S.APPROVED):
                conn.execute(
                    db.status_history.insert().values(
                        registration_id=late[1], status=status.value, actor="t", at=db.now()
                    )
                )
        _exact(engine)
        assert _same_numbers(engine, boss) == 5
        days = _per_day_both_ways(engine, boss)
        assert sum(a for _d, a, _r in days) == 3

        # A database whose rollup was never made: counted afresh, the same.
        with engine.begin() as conn:
            before = timing_rollup.stored(conn)
            conn.execute(db.settings.delete().where(db.settings.c.key == timing_rollup.READY_KEY))
            conn.execute(timing_rollup.timing_rollup.delete())
            conn.execute(timing_rollup.timing_days.delete())
            conn.execute(
                db.console_facts.update().values(rolled=None, decided_at=None, papers=None)
            )
            db.set_setting(conn, timing_numbers.CURSOR, "0")
        timing_rollup._ready.clear()
        _exact(engine)
        with engine.connect() as conn:
            assert timing_rollup.stored(conn) == before
            decided = conn.execute(
                select(db.console_facts.c.registration_id).where(
                    db.console_facts.c.decided_at.is_not(None)
                )
            ).scalars()
            assert set(decided) == {early[0], early[1], early[2], late[1]}  # purged: uncounted
        assert _same_numbers(engine, boss) == 5
    finally:
        kiosk.close()
        engine.dispose()


def test_provinces_are_named_in_both_languages(server: ServerProcess) -> None:
    """The performance page names provinces (the MEF's 25), a code it does not know stays."""
    engine = db.make_engine(server.db_url)
    rows = [
        timing_numbers.Row(k, 1, 0, None, None, 0, 0, 0, 0, 0, None) for k in ("12", "17", "99")
    ]
    try:
        with db.reading(engine) as conn:
            en = performance.labels_of(conn, "province", rows, "en")
            km = performance.labels_of(conn, "province", rows, "km")
    finally:
        engine.dispose()
    assert en == {"12": "12 Phnom Penh", "17": "17 Siemreap", "99": "99"}
    assert km["12"] == "12 រាជធានីភ្នំពេញ" and km["17"] == "17 សៀមរាប"


def test_percentiles_from_the_histogram_equal_the_sorted_ones(server: ServerProcess) -> None:
    """Many decided rows over days, with ties, whole and half days and a negative one (a kiosk
    clock ahead): the histogram's way gives exactly the sorted way's median and p90 (on
    PostgreSQL its `percentile_cont`), for every grouping and with area and service filters."""
    engine = db.make_engine(server.db_url)
    rng = random.Random(13)
    days_t = timing_rollup.timing_days
    made: list[dict[str, Any]] = [
        {
            "registration_id": f"pct-{i:04d}",
            "ministry": rng.choice(("pct_a", "pct_b")),
            "commune_code": rng.choice(("120101", "120102", "170301")),
            "service_id": rng.choice(("pct.one", "pct.two")),
            "days": rng.choice((-0.25, 1.5, 3.0, 3.0, round(rng.uniform(0, 12), 3), rng.random())),
            "decided_at": 1.0,
            "rejected": 0,
        }
        for i in range(400)
    ]
    for row in made:
        row["province"] = row["commune_code"][:2]
    boss = console_account(engine, "supervisor")
    try:
        with engine.begin() as conn:
            conn.execute(days_t.insert(), made)
            for h in timing_rollup.HISTS:
                counted = timing_rollup._counted_days(conn, h).where(
                    days_t.c.ministry.like("pct_%")
                )
                keys = [*timing_rollup.hist_keys(h), "n"]
                conn.execute(h.table.insert().from_select(keys, counted))
            timing_pct.refresh(conn, days_t, {(r["ministry"], r["commune_code"]) for r in made})
        with db.reading(engine) as conn:
            for filters in ({}, {"province": "12"}, {"service": "pct.two", "commune": "170301"}):
                f = queue.Filters.parse(filters)
                for who in (boss, dataclasses.replace(boss, ministry="pct_b")):
                    for group in performance.GROUPS:
                        fast = timing_numbers._percentiles(conn, who, f, group, small=0)
                        slow = timing_numbers._sorted_percentiles(conn, who, f, group)
                        assert fast == slow, (filters, who.ministry, group)
                        assert fast, (filters, who.ministry, group)
            everyone = timing_numbers._percentiles(
                conn, boss, queue.Filters.parse({}), "ministry", small=0
            )
        for ministry in ("pct_a", "pct_b"):
            values = [float(r["days"]) for r in made if r["ministry"] == ministry]
            assert everyone[ministry] == (percentile(values, 0.5), percentile(values, 0.9))
    finally:
        with engine.begin() as conn:
            conn.execute(days_t.delete().where(days_t.c.registration_id.like("pct-%")))
            for h in timing_rollup.HISTS:
                conn.execute(h.table.delete().where(h.table.c.ministry.like("pct_%")))
            pct = timing_pct.timing_pct
            conn.execute(pct.delete().where(pct.c.ministry.like("pct_%")))
        engine.dispose()
