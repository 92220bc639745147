"""Schema migrations: a fresh database, an idempotent re-open, and kept v1/v2 files upgraded."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from kiosk.model import State, parse_qr_payload
from kiosk.store import Store, validate_app_number
from kiosk.store.db import DB_FILE
from kiosk.store.migrations import SCHEMA_VERSION, applied, migrate
from tests.core.conftest import ManualClock

FIXTURES = Path(__file__).parent / "fixtures"
ALL = [
    "m001_initial",
    "m002_status_history_and_search",
    "m003_damaged_rows_and_number_aliases",
    "m004_staff",
    "m005_clerk",
]


def test_fresh_database_records_its_version(data_dir: Path, clock: ManualClock) -> None:
    Store.open(data_dir, commune_code="120101", clock=clock).close()
    conn = sqlite3.connect(data_dir / DB_FILE)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert applied(conn) == ALL
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_migrating_again_changes_nothing(data_dir: Path, clock: ManualClock) -> None:
    Store.open(data_dir, commune_code="120101", clock=clock).close()
    conn = sqlite3.connect(data_dir / DB_FILE, isolation_level=None)
    schema = conn.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall()
    assert migrate(conn) == SCHEMA_VERSION
    assert conn.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall() == schema
    assert conn.execute("SELECT COUNT(*) FROM _sqlite_migrations").fetchone()[0] == len(ALL)
    conn.close()
    with Store.open(data_dir, commune_code="120101", clock=clock) as s:
        assert s.counts_by_state()[State.DRAFT] == 0


def test_v1_database_file_is_upgraded_with_its_data(tmp_path: Path, clock: ManualClock) -> None:
    old = tmp_path / "old"
    shutil.copytree(FIXTURES / "old_db_v1", old)
    conn = sqlite3.connect(old / DB_FILE)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    conn.close()
    with Store.open(old, commune_code="120101", clock=clock, secret_dir=old) as s:
        reg = s.get("0190f0c2-7a3e-7c1d-9b2a-1c2d3e4f5a6b")
        assert reg.state is State.SUBMITTED and reg.answers["name_km"] == "សុខ ដារា"
        assert validate_app_number(reg.app_number or "")
        assert s.receipt(reg.id).processing_days == 7
        assert [r.id for r in s.search("ដារា")] == [reg.id]  # indexed on upgrade
        assert s.search("ចាន់") == []  # drafts are not indexed
        assert s.get("0190f0c2-8b4f-7d2e-8c3b-2d3e4f5a6b7c").answers == {"name_km": "ចាន់"}
        assert [i.registration.id for i in s.outbox()] == [reg.id]
        assert s.feed_cursor() == "c9"
        assert s.audit.verify() is None
        assert s.status_history(reg.id) == []
        new = s.create_draft("s", "1", "km")
        assert s.submit(new.id, {}, [], fee_khr=0).app_number.split("-")[-2] == "00002"
    conn = sqlite3.connect(old / DB_FILE)
    assert (
        applied(conn) == ALL and conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    )
    conn.close()


V2_WAITING = "0190f0c2-7a3e-7c1d-9b2a-1c2d3e4f5a70"
V2_ACCEPTED = "0190f0c2-7a3e-7c1d-9b2a-1c2d3e4f5a71"


def test_v2_database_keeps_its_printed_numbers_and_gets_kiosk_numbers(
    tmp_path: Path, clock: ManualClock
) -> None:
    """Numbers printed before kiosk numbers existed still find their application (number,
    typed digits, search, QR); new ones carry the kiosk number given at enrolment."""
    old = tmp_path / "old"
    shutil.copytree(FIXTURES / "old_db_v2", old)
    (old / "config.json").write_text('{"kiosk_number": 7}', "utf-8")
    with Store.open(old, commune_code="120101", clock=clock, secret_dir=old) as s:
        waiting = s.get(V2_WAITING)
        printed = waiting.app_number or ""
        assert printed.count("-") == 2 and validate_app_number(printed)  # legacy CCCCCC-NNNNN-D
        assert s.by_app_number(printed) == waiting
        assert s.by_app_number(printed.replace("-", " ")) == waiting
        assert [r.id for r in s.search(printed.replace("-", "")[4:11])] == [V2_WAITING]
        qr = parse_qr_payload(s.receipt(V2_WAITING).qr_payload)
        assert qr is not None and s.by_app_number(qr[0]) == waiting
        assert [i.registration.id for i in s.outbox()] == [V2_WAITING]
        assert s.get(V2_ACCEPTED).state is State.ACCEPTED and s.damaged() == []
        assert s.audit.verify() is None
        new = s.create_draft("s", "1", "km")
        number = s.submit(new.id, {}, [], fee_khr=0).app_number
        assert number.startswith("120101-07-00003-") and validate_app_number(number)
        assert s.by_app_number(number).id == new.id  # type: ignore[union-attr]
        renamed = s.renumber(V2_WAITING)  # the server said another kiosk has that number
        assert renamed.startswith("120101-07-00004-")
        assert s.by_app_number(printed) == s.get(V2_WAITING)  # the receipt still finds it
        assert [r.id for r in s.search(printed.replace("-", "")[4:11])] == [V2_WAITING]
    conn = sqlite3.connect(old / DB_FILE)
    assert (
        applied(conn) == ALL and conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    )
    conn.close()
