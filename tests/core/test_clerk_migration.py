"""Migration m005: the old `sync.flagged` list becomes the problems state of each record, and
the clerk's queues are answered from indexes (no scan of every registration)."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path

from kiosk.store import Store
from kiosk.store.migrations import applied, migrate
from tests.core.conftest import ManualClock


def _row(conn: sqlite3.Connection, reg_id: str) -> None:
    conn.execute(
        "INSERT INTO registrations (id, service_id, form_version, state, locale, commune_code, "
        "created_at, updated_at) VALUES (?, 's', '1', 'submitted', 'km', '120101', "
        "'2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00')",
        (reg_id,),
    )


def test_flagged_setting_becomes_the_problem_state(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "old.db", isolation_level=None)
    migrate(conn, stop_before="m005_clerk")
    assert applied(conn)[-1] == "m004_staff"
    for reg_id in ("a", "b", "c"):
        _row(conn, reg_id)
    conn.execute(
        "INSERT INTO settings (key, value, updated_at) VALUES ('sync.flagged', ?, "
        "'2026-01-02T00:00:00+00:00')",
        (json.dumps(["a", "c", "gone"]),),
    )
    assert migrate(conn) == 5 and applied(conn)[-1] == "m005_clerk"
    rows = conn.execute(
        "SELECT id, problem, problem_key, problem_at FROM registrations ORDER BY id"
    )
    assert rows.fetchall() == [
        ("a", "conflict", "clerk.core.problem.conflict", "2026-01-02T00:00:00+00:00"),
        ("b", None, None, None),
        ("c", "conflict", "clerk.core.problem.conflict", "2026-01-02T00:00:00+00:00"),
    ]
    assert conn.execute("SELECT * FROM settings WHERE key = 'sync.flagged'").fetchall() == []
    conn.close()


def test_queues_use_indexes(store: Store, clock: ManualClock) -> None:
    store.set_originals_rules({"s": "before_upload"})
    day = date(2026, 3, 1)
    for which in ("originals", "needs_papers", "pickup", "problems", "today", "supplement"):
        q = store.queue_sql(which, day)
        plan = store._conn.execute(
            f"EXPLAIN QUERY PLAN SELECT r.seq FROM registrations r WHERE {q.where} "
            "ORDER BY r.seq DESC LIMIT 50",
            q.args,
        ).fetchall()
        text = " ".join(str(r[-1]) for r in plan)
        scans = [str(r[-1]) for r in plan if str(r[-1]).startswith(("SCAN", "SEARCH"))]
        assert scans and all("USING" in s for s in scans), (which, text)


def test_purge_removes_the_clerks_sealed_details(store: Store, clock: ManualClock) -> None:
    from kiosk.clerk import OriginalCheck
    from tests.core.test_clerk_support import RESIDENCE, accept, counter, jpeg, set_status, submit

    c = counter(store, clock)
    reg_id = submit(store, RESIDENCE, 0).registration_id
    c.desk.record_originals(reg_id, [OriginalCheck("residence_book", True, number="RB 123")])
    c.desk.record_fee(reg_id, 5000, "F-1")
    accept(store, reg_id)
    c.desk.supplement(reg_id, pages=[("residence_book", jpeg(4))])
    set_status(store, reg_id, "rejected")
    clock.advance(days=91)
    assert store.purge_due(retention_days=90) == 1
    conn = store._conn
    assert {r[0] for r in conn.execute("SELECT data FROM staff_events")} == {b""}
    assert {r[0] for r in conn.execute("SELECT changes FROM registration_versions")} == {b""}
    assert store.supplements_pending() == [] and store.events_pending() == []
    counts = store.day_counts(date(2026, 3, 1))
    assert counts.fees == [(RESIDENCE, c.session.staff_id, 5000)] and counts.supplements == 1
