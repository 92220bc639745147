"""Issue 13 "Scale": the queue counts (sync/server/tables/queue_counts.py) stay equal to a
recount of the applications after a mix of everything that moves one between queues: kiosk
commits before and after the counts were first made, officers' decisions (HTTP and console),
bulk start-review and reassignment, a request for papers answered by a kiosk's supplement, and
a purge; and a queue page's counts read from them equal the full count. The same for the kept
flags (`console_flags`, equal to `flags.clause` evaluated on every application) and their
counts (`flag_counts`): a phone or photo shared later, a clerk's photo override, a kiosk
crossing the override share, decisions and a purge. SQLite and PostgreSQL, each with a real
server process receiving the kiosk's commits."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from sync import protocol as p
from sync.server import db
from sync.server.console import application, bulk, flags, queue, timing_numbers
from sync.server.console.accounts import Account
from sync.server.tables import queue_counts, queue_totals
from sync.server.tables.console_more import console_keys
from sync.server.tables.flags import console_flags, flag_counts, supplement_arrived
from tests.sync.catalog_docs import valid_catalog
from tests.sync.clerk_wire import committed, event_doc, move, put_event, put_version, supplement_doc
from tests.sync.conftest import (
    KNOWN_SERVICE,
    Kiosk,
    ServerProcess,
    backend_url,
    registration_doc,
)
from tests.sync.console_accounts import console_account

S = p.ServerStatus
DAY = 86400.0
PROMISED_DAYS = 3
CATALOG = valid_catalog("queue-counts-1", [KNOWN_SERVICE], processing_days=PROMISED_DAYS)


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


def _engine(server: ServerProcess) -> Engine:
    return db.make_engine(server.db_url)


def _ago(days: float) -> str:
    """A kiosk submission time `days` before now (a promised date lands before, near or
    after now, so due soon and overdue both have applications on their edge days)."""
    return p.format_date(datetime.fromtimestamp(db.now() - days * DAY, UTC))


def _table(engine: Engine, qc: Any = queue_counts.queue_counts) -> dict[tuple[Any, ...], int]:
    with engine.connect() as conn:
        rows = conn.execute(select(qc).where(qc.c.n != 0)).all()
    return {tuple(r[:-1]): int(r[-1]) for r in rows}


def _recount(engine: Engine, flagged: bool = False) -> dict[tuple[Any, ...], int]:
    with engine.connect() as conn:
        rows = conn.execute(queue_counts._grouped(conn, None, flagged)).all()
    return {tuple(r[:-1]): int(r[-1]) for r in rows}


def _narrow_exact(engine: Engine) -> None:
    """The queue page's narrow rows (tables/queue_totals.py: per district, no assignee, open
    statuses' due days) equal the same rows derived from a recount of every application."""
    recount = {**_recount(engine), **_recount(engine, flagged=True)}
    want: dict[Any, dict[tuple[Any, ...], int]] = {}
    for table, key, n in queue_totals.derived(recount):
        want.setdefault(table.name, {})[key] = n
    for table in (queue_totals.queue_totals, queue_totals.queue_due, queue_totals.queue_mine):
        assert _table(engine, table) == want.get(table.name, {}), table.name


def _supplements_kept_and_true(engine: Engine) -> tuple[set[str], set[str]]:
    """The kept "supplement arrived" rows, and the registrations the rule holds for now."""
    regs, kept = db.registrations, console_flags
    with engine.connect() as conn:
        have = conn.execute(
            select(kept.c.registration_id).where(kept.c.flag == flags.SUPPLEMENT)
        ).scalars()
        true = conn.execute(select(regs.c.id).where(supplement_arrived(regs))).scalars()
        return set(have), set(true)


def _exact(engine: Engine) -> None:
    assert _table(engine) == _recount(engine)
    assert _table(engine, flag_counts) == _recount(engine, flagged=True)
    have, true = _supplements_kept_and_true(engine)
    assert have == true
    _narrow_exact(engine)


def _flags_kept_and_true(engine: Engine) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """(flag, registration) kept in `console_flags`, and as `flags.clause` finds them now,
    over the registrations there are (a purged one keeps its keys, not its flags)."""
    regs, kept = db.registrations, console_flags
    with engine.connect() as conn:
        have = {
            (r.flag, r.registration_id)
            for r in conn.execute(
                select(kept.c.flag, kept.c.registration_id).join(
                    regs, regs.c.id == kept.c.registration_id
                )
            )
        }
        true = {
            (flag, reg_id)
            for flag in flags.FLAGS
            for reg_id in conn.execute(
                select(console_keys.c.registration_id)
                .join(regs, regs.c.id == console_keys.c.registration_id)
                .where(flags.clause(flag))
            ).scalars()
        }
    return {x for x in have if x[0] != flags.SUPPLEMENT}, true  # its own check: `_exact`


def _flags_exact(engine: Engine) -> set[tuple[str, str]]:
    have, true = _flags_kept_and_true(engine)
    assert have == true
    assert _table(engine, flag_counts) == _recount(engine, flagged=True)
    _narrow_exact(engine)
    facts, kept, regs = db.console_facts, console_flags, db.registrations
    copied = ("ministry", "status", "commune_code", "due_at", "submitted_at")
    with engine.connect() as conn:  # the copies a flag's listing orders by equal the facts'
        rows = conn.execute(
            select(*(kept.c[c] for c in copied), *(facts.c[c] for c in copied), regs.c.status)
            .join(facts, facts.c.registration_id == kept.c.registration_id)
            .join(regs, regs.c.id == kept.c.registration_id)
        ).all()
    assert all(tuple(r[:5]) == tuple(r[5:10]) and r[1] == r[10] for r in rows)
    return have


def _stale_facts(engine: Engine) -> list[Any]:
    """Facts whose copied status, commune or assignee differs from their registration's and
    assignment's, and kept flags whose copies differ from their facts'."""
    regs, facts, asg, kept = (
        db.registrations,
        db.console_facts,
        db.console_assignments,
        console_flags,
    )
    held = func.coalesce(asg.c.officer_id, "")
    with engine.connect() as conn:
        rows = conn.execute(
            select(facts.c.registration_id)
            .join(regs, regs.c.id == facts.c.registration_id)
            .outerjoin(asg, asg.c.registration_id == facts.c.registration_id)
            .where(
                (facts.c.status.is_(None))
                | (facts.c.status != regs.c.status)
                | (facts.c.commune_code != regs.c.commune_code)
                | (facts.c.assignee.is_(None))
                | (facts.c.assignee != held)
            )
        )
        copies = conn.execute(
            select(kept.c.registration_id)
            .join(facts, facts.c.registration_id == kept.c.registration_id)
            .where(
                (kept.c.assignee.is_(None))
                | (kept.c.assignee != facts.c.assignee)
                | (kept.c.status != facts.c.status)
            )
        )
        return [*rows, *copies]


def _page_counts(engine: Engine, account: Account, **filters: str) -> tuple[dict[str, int], ...]:
    """A page's counts from the queue counts, and the same counted application by application
    (a submission-date filter that holds every application forces the full count)."""
    fast = queue.load(engine, account, queue.Filters.parse(filters)).counts
    full = queue.load(engine, account, queue.Filters.parse({**filters, "date_from": "2000-01-01"}))
    return fast, full.counts


def _overdue_exact(engine: Engine, account: Account) -> None:
    """Overdue per service (dashboards) and per service, ministry and province (processing
    times), which a whole-country account reads from the district rows (queue_sums.
    overdue_days), equal a count of the open applications past their promised date."""
    regs, facts = db.registrations, db.console_facts
    with db.reading(engine) as conn:
        now = db.now()
        rows = conn.execute(
            select(regs.c.service_id, facts.c.ministry, regs.c.commune_code)
            .join(facts, facts.c.registration_id == regs.c.id)
            .where(facts.c.status.in_(queue.OPEN), facts.c.due_at < now)
        ).all()
        by_service = queue.overdue_by(conn, account, queue.Filters(), now, "service_id")
        per = {
            g: timing_numbers._overdue(conn, account, queue.Filters(), g)
            for g in ("service", "ministry", "province")
        }
    assert rows, "no application is overdue: nothing was compared"
    want: dict[str, dict[str, int]] = {"service": {}, "ministry": {}, "province": {}}
    for service, ministry, commune in rows:
        for g, key in (("service", service), ("ministry", ministry), ("province", commune[:2])):
            want[g][key] = want[g].get(key, 0) + 1
    assert dict(by_service or []) == want["service"]
    assert per == want


def test_counts_equal_a_recount_after_every_kind_of_move(server: ServerProcess) -> None:
    engine = _engine(server)
    kiosk = Kiosk(server).enrol()
    try:
        officer, boss = console_account(engine, "officer"), console_account(engine, "supervisor")
        ages = (5, 3.02, 2.98, 2, 1.5, 1, 0.9, 0)  # due 2 days ago .. in 3 days
        early = [committed(kiosk, submitted_at=_ago(d)) for d in ages[:4]]
        fast, full = _page_counts(engine, boss)  # the first page backfills the counts
        _exact(engine)
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
        _exact(engine)

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
        assert _supplements_kept_and_true(engine) == ({early[1]}, {early[1]})
        application.act(engine, officer, early[0], "approve", {})
        application.act(engine, officer, early[0], "ready", {"place": "Hall", "date": "2026-12-24"})
        move(server, token, early[3], S.IN_REVIEW, S.REJECTED, note="Not eligible")
        server.cli("purge-registration", early[3])

        _exact(engine)
        assert _stale_facts(engine) == []
        _overdue_exact(engine, boss)
        fast, full = _page_counts(engine, officer)
        assert fast == full and fast["mine"] == 2 and fast["ready"] == 1  # early[1], late[1]
        listed = {  # the pages walk the copied assignee's index: the same applications
            name: {r["id"] for r in queue.load(engine, who, queue.Filters(queue=name)).rows}
            for name, who in (("mine", officer), ("new", officer))
        }
        assert listed == {"mine": {early[1], late[1]}, "new": set(late[2:])}
        boss_mine = queue.load(engine, boss, queue.Filters(queue="mine")).rows
        assert [r["id"] for r in boss_mine] == [late[0]]  # the reassigned one
        assert fast["supplement"] == 1  # early[1]: its papers came, the officer did not act yet
        fast, full = _page_counts(engine, boss, queue="overdue", province=kiosk.commune[:2])
        assert fast == full and fast["decided"] == 1  # the purged one is gone
        for narrow in ({"district": kiosk.commune[:4]}, {"status": S.IN_REVIEW}):
            fast, full = _page_counts(engine, officer, **narrow)  # the district rows, filtered
            assert fast == full and fast["mine"] >= 1
        with engine.connect() as conn:
            gone = conn.execute(
                select(db.registrations.c.id).where(db.registrations.c.id == early[3])
            ).first()
        assert gone is None
    finally:
        kiosk.close()
        engine.dispose()


def _person(kiosk: Kiosk, name: str, phone: str, photo: bytes, **extra: Any) -> str:
    """A commit with these answers and face photo (uploaded; the same bytes, the same file)."""
    attachment = {
        "field_id": "photo",
        "kind": "photo",
        "page": 0,
        "sha256": hashlib.sha256(photo).hexdigest(),
        "size": len(photo),
        "mime": "image/jpeg",
        "upload": kiosk.upload(photo),
        **({"checks": {"override": "glare"}} if extra.pop("override", False) else {}),
    }
    answers = {"name_latin": name, "date_of_birth": "1990-01-01", "phone": phone}
    reg_id = str(uuid.uuid4())
    doc = registration_doc(kiosk, answers=answers, **extra) | {"attachments": [attachment]}
    assert kiosk.commit(reg_id, doc).status_code == 201
    return reg_id


def test_flag_rows_equal_a_recount(server: ServerProcess) -> None:
    engine = _engine(server)
    kiosk = Kiosk(server).enrol()
    try:
        officer, boss = console_account(engine, "officer"), console_account(engine, "supervisor")
        face = b"\xff\xd8 a face " + uuid.uuid4().bytes
        a = _person(kiosk, "SOK DARA", "012 345 001", face, submitted_at=_ago(1))
        other = _person(kiosk, "KEO MEAS", "012 345 002", b"\xff\xd8 " + uuid.uuid4().bytes)
        _page_counts(engine, boss)  # the first page backfills the flags and their counts
        assert ("same_photo", a) not in _flags_exact(engine)

        b = _person(kiosk, "CHAN THY", "+85512345001", b"\xff\xd8 " + uuid.uuid4().bytes)
        c = _person(kiosk, "LIM NA", "099 000 111", face, override=True, submitted_at=_ago(0))
        fast, full = _page_counts(engine, boss, flag="same_phone")  # new keys mark the mates
        kept = _flags_exact(engine)
        assert {("same_phone", a), ("same_phone", b), ("same_photo", a), ("same_photo", c)} <= kept
        assert ("override", c) in kept and fast == full and fast["new"] == 2

        with engine.begin() as conn:  # a kiosk crosses a low override share: all its own
            db.set_setting(conn, "console.override_share", '{"days": 30, "share": 0.1, "min": 1}')
        assert flags.refresh_override_stats(engine, force=True)
        assert ("kiosk_overrides", other) in _flags_exact(engine)

        override = {"field_id": "photo", "reason": "glasses_glare"}
        clerk = put_event(kiosk, other, event_doc(p.ClerkEvent.PHOTO_OVERRIDE, override))
        assert clerk.status_code == 201, clerk.text
        flags.mark_clerk_overrides(engine)  # as every page does first
        assert ("override", other) in _flags_exact(engine)

        application.act(engine, officer, a, "start_review", {})  # flag counts follow moves
        bulk._review_all(engine, officer, [b, c])
        application.act(engine, officer, c, "reject", {"reason": "Not eligible"})
        fast, full = _page_counts(engine, officer, flag="same_photo")
        assert fast == full and fast["mine"] == 1 and fast["decided"] == 1
        _flags_exact(engine)
        assert _stale_facts(engine) == []  # the kept flags' copied assignee too
        mine = queue.load(engine, officer, queue.Filters(queue="mine", flag="same_photo")).rows
        assert [r["id"] for r in mine] == [a]
        server.cli("purge-registration", c)
        assert ("same_photo", a) in _flags_exact(engine)  # the purged one's keys remain
        fast, full = _page_counts(engine, boss, flag="same_photo", province=kiosk.commune[:2])
        assert fast == full and fast["in_review"] == 1 and fast["decided"] == 0
    finally:
        kiosk.close()
        engine.dispose()
