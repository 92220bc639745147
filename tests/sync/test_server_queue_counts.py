"""Issue 13 "Scale": the queue counts (sync/server/tables/queue_counts.py) stay equal to a
recount of the applications after a mix of everything that moves one between queues: kiosk
commits before and after the counts were first made, officers' decisions (HTTP and console),
bulk start-review and reassignment, a request for papers answered by a kiosk's supplement, and
a purge; and a queue page's counts read from them equal the full count. SQLite and PostgreSQL,
each with a real server process receiving the kiosk's commits."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, select

from sync import protocol as p
from sync.server import db
from sync.server.console import accounts, application, bulk, queue
from sync.server.console.accounts import Account
from sync.server.tables import queue_counts
from tests.sync.clerk_wire import committed, move, put_version, supplement_doc
from tests.sync.conftest import KNOWN_SERVICE, Kiosk, ServerProcess
from tests.sync.pg import PgCluster

S = p.ServerStatus
DAY = 86400.0
PROMISED_DAYS = 3
CATALOG = {
    "version": "queue-counts-1",
    "services": [
        {"id": KNOWN_SERVICE[0], "version": KNOWN_SERVICE[1], "processing_days": PROMISED_DAYS}
    ],
}


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    url = None
    if request.param == "postgres":
        cluster: PgCluster = request.getfixturevalue("pg_cluster")
        url = cluster.create_database(f"sala_{uuid.uuid4().hex[:12]}")
    proc = ServerProcess(tmp_path_factory.mktemp("server"), url, catalog=CATALOG).start()
    yield proc
    proc.stop()


def _engine(server: ServerProcess) -> Engine:
    return db.make_engine(server.db_url)


def _ago(days: float) -> str:
    """A kiosk submission time `days` before now (a promised date lands before, near or
    after now, so due soon and overdue both have applications on their edge days)."""
    return p.format_date(datetime.fromtimestamp(db.now() - days * DAY, UTC))


def _table(engine: Engine) -> dict[tuple[Any, ...], int]:
    qc = queue_counts.queue_counts
    with engine.connect() as conn:
        rows = conn.execute(select(qc).where(qc.c.n != 0)).all()
    return {tuple(r[:-1]): int(r[-1]) for r in rows}


def _recount(engine: Engine) -> dict[tuple[Any, ...], int]:
    with engine.connect() as conn:
        rows = conn.execute(queue_counts._grouped(conn, None)).all()
    return {tuple(r[:-1]): int(r[-1]) for r in rows}


def _stale_facts(engine: Engine) -> list[Any]:
    """Facts whose copied status or commune differs from their registration's."""
    regs, facts = db.registrations, db.console_facts
    with engine.connect() as conn:
        rows = conn.execute(
            select(facts.c.registration_id)
            .join(regs, regs.c.id == facts.c.registration_id)
            .where(
                (facts.c.status.is_(None))
                | (facts.c.status != regs.c.status)
                | (facts.c.commune_code != regs.c.commune_code)
            )
        )
        return list(rows)


def _page_counts(engine: Engine, account: Account, **filters: str) -> tuple[dict[str, int], ...]:
    """A page's counts from the queue counts, and the same counted application by application
    (a submission-date filter that holds every application forces the full count)."""
    fast = queue.load(engine, account, queue.Filters.parse(filters)).counts
    full = queue.load(engine, account, queue.Filters.parse({**filters, "date_from": "2000-01-01"}))
    return fast, full.counts


def _account(engine: Engine, role: str) -> Account:
    made, _secret = accounts.create(
        engine,
        username=f"{role}.{uuid.uuid4().hex[:8]}",
        display_name=role,
        password="correct horse battery",
        role=role,
        ministry="*",
        jurisdiction="*",
        created_by="test",
    )
    return made


def test_counts_equal_a_recount_after_every_kind_of_move(server: ServerProcess) -> None:
    engine = _engine(server)
    kiosk = Kiosk(server).enrol()
    try:
        officer, boss = _account(engine, "officer"), _account(engine, "supervisor")
        ages = (5, 3.02, 2.98, 2, 1.5, 1, 0.9, 0)  # due 2 days ago .. in 3 days
        early = [committed(kiosk, submitted_at=_ago(d)) for d in ages[:4]]
        fast, full = _page_counts(engine, boss)  # the first page backfills the counts
        assert _table(engine) == _recount(engine)
        assert fast == full and fast["new"] == 4 and fast["overdue"] >= 1

        late = [committed(kiosk, submitted_at=_ago(d)) for d in ages[4:]]
        fast, full = _page_counts(engine, boss)  # new facts: counted as they are filled
        assert fast == full and fast["new"] == len(ages)
        assert fast["due_soon"] >= 1 and fast["overdue"] >= 1

        application.act(engine, officer, early[0], "start_review", {})  # takes it
        done, skipped = bulk._review_all(engine, officer, [early[1], late[0], late[1]])
        assert (done, skipped) == (3, 0)
        bulk._assign_all(engine, boss, [late[0]], boss.id)  # a supervisor's reassignment
        token = server.officer_token()
        move(server, token, early[2], S.IN_REVIEW)  # an HTTP decision: no assignee
        application.act(
            engine, officer, early[1], "request_papers", {"note_km": "ឯកសារ", "note_en": "Papers"}
        )
        assert _table(engine) == _recount(engine)

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
        application.act(engine, officer, early[0], "approve", {})
        application.act(engine, officer, early[0], "ready", {"place": "Hall", "date": "2026-12-24"})
        move(server, token, early[3], S.IN_REVIEW, S.REJECTED, note="Not eligible")
        server.cli("purge-registration", early[3])

        assert _table(engine) == _recount(engine)
        assert _stale_facts(engine) == []
        fast, full = _page_counts(engine, officer)
        assert fast == full and fast["mine"] == 2 and fast["ready"] == 1  # early[1], late[1]
        fast, full = _page_counts(engine, boss, queue="overdue", province=kiosk.commune[:2])
        assert fast == full and fast["decided"] == 1  # the purged one is gone
        with engine.connect() as conn:
            gone = conn.execute(
                select(db.registrations.c.id).where(db.registrations.c.id == early[3])
            ).first()
        assert gone is None
    finally:
        kiosk.close()
        engine.dispose()
