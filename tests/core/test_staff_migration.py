"""Schema v4 (staff tables) on a fresh store and on the kept v3 database file."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from kiosk.model import State
from kiosk.staff import StaffDesk, StaffSession
from kiosk.store import Store, validate_app_number
from kiosk.store.db import DB_FILE
from kiosk.store.migrations import SCHEMA_VERSION, applied
from tests.core.conftest import ManualClock
from tests.core.test_staff_support import CHEAP, CLERK, CLERK_PIN, standard_roster

FIXTURES = Path(__file__).parent / "fixtures"
V3_WAITING = "0190f0c2-7a3e-7c1d-9b2a-1c2d3e4f5a80"
V3_ACCEPTED = "0190f0c2-7a3e-7c1d-9b2a-1c2d3e4f5a81"
STAFF_TABLES = {"staff", "staff_attempts", "staff_changes"}


def _tables(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        conn.close()


def test_v3_database_file_gets_the_staff_tables_and_keeps_its_data(
    tmp_path: Path, clock: ManualClock
) -> None:
    old = tmp_path / "old"
    shutil.copytree(FIXTURES / "old_db_v3", old)
    conn = sqlite3.connect(old / DB_FILE)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 3
    conn.close()
    assert not STAFF_TABLES & _tables(old / DB_FILE)
    (old / "config.json").write_text('{"kiosk_number": 3}', "utf-8")
    with Store.open(old, commune_code="120101", clock=clock, secret_dir=old) as s:
        waiting = s.get(V3_WAITING)
        assert waiting.state is State.SUBMITTED and waiting.answers["name_km"] == "សុខ ដារា"
        assert s.get(V3_ACCEPTED).state is State.ACCEPTED
        assert s.by_app_number("120101-00001-2") == waiting  # its alias still finds it
        assert [i.registration.id for i in s.outbox()] == [V3_WAITING]
        assert s.feed_cursor() == "42" and s.audit.verify() is None
        assert s.staff_rows() == [] and s.staff_changes_pending() == []
        s.apply_changes(standard_roster(), "43")
        desk = StaffDesk(s, clock=clock, params=CHEAP)
        assert isinstance(desk.sign_in(CLERK, CLERK_PIN), StaffSession)
        new = s.create_draft("s", "1", "km")
        number = s.submit(new.id, {}, [], fee_khr=0).app_number
        assert number.startswith("120101-03-00003-") and validate_app_number(number)
        assert s.audit.verify() is None
    conn = sqlite3.connect(old / DB_FILE)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 5
    assert applied(conn)[-1] == "m005_clerk"
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    conn.close()
    assert _tables(old / DB_FILE) >= STAFF_TABLES


def test_staff_tables_refuse_unknown_words(store: Store) -> None:
    conn = store._conn
    for sql in (
        "INSERT INTO staff VALUES ('x', 'admin', 'active', 1, 'roster', x'00', 't')",
        "INSERT INTO staff VALUES ('x', 'clerk', 'gone', 1, 'roster', x'00', 't')",
        "INSERT INTO staff_changes (id, staff_id, action, by_staff, at, detail) "
        "VALUES ('c', 's', 'delete', 'b', 't', x'00')",
    ):
        try:
            conn.execute(sql)
        except sqlite3.IntegrityError:
            continue
        raise AssertionError(sql)
