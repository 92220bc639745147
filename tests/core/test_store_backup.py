"""The store is copied before a new version's migrations run (kiosk/store/backup.py): the copy
is taken only when the schema moves, keeps the last two, restores to a store whose unsent
applications are readable and still in the outbox, and a copy that cannot be made stops the
migration with nothing changed."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from kiosk.model import State
from kiosk.store import Store
from kiosk.store.backup import BACKUP_DIR, backups, restore
from kiosk.store.db import DB_FILE
from kiosk.store.errors import StoreError
from kiosk.store.migrations import SCHEMA_VERSION
from tests.core.conftest import ManualClock

FIXTURES = Path(__file__).parent / "fixtures"
UNSENT = "0190f0c2-7a3e-7c1d-9b2a-1c2d3e4f5a6b"  # submitted, waiting to upload, in old_db_v1


def _version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()


@pytest.fixture
def old(tmp_path: Path) -> Path:
    d = tmp_path / "old"
    shutil.copytree(FIXTURES / "old_db_v1", d)
    return d


def test_no_backup_for_a_new_store_or_one_already_current(
    data_dir: Path, clock: ManualClock
) -> None:
    for _ in range(2):
        with Store.open(data_dir, commune_code="120101", clock=clock):
            pass
    assert backups(data_dir) == []


def test_backup_before_migration_is_taken_and_restorable(old: Path, clock: ManualClock) -> None:
    with Store.open(old, commune_code="120101", clock=clock, secret_dir=old) as s:
        assert s.get(UNSENT).state is State.SUBMITTED
        s.create_draft("s", "1", "km")  # a change made after the upgrade
    (copy,) = backups(old)
    assert _version(copy) == 1 and _version(old / DB_FILE) == SCHEMA_VERSION
    assert oct((old / BACKUP_DIR).stat().st_mode & 0o777) == "0o700"
    assert oct(copy.stat().st_mode & 0o777) == "0o600"

    restore(old, copy)  # the technician's way back, kiosk stopped
    assert _version(old / DB_FILE) == 1
    with Store.open(old, commune_code="120101", clock=clock, secret_dir=old) as s:
        reg = s.get(UNSENT)  # sealed answers open with the same machine secret
        assert reg.answers["name_km"] == "សុខ ដារា"
        assert [i.registration.id for i in s.outbox()] == [UNSENT]  # still sendable
    assert len(backups(old)) == 2  # migrated again: a second copy


def test_only_the_last_two_backups_are_kept(old: Path, clock: ManualClock) -> None:
    for _ in range(3):
        with Store.open(old, commune_code="120101", clock=clock, secret_dir=old):
            pass
        restore(old, backups(old)[-1])
        clock.advance(seconds=5)
    kept = backups(old)
    assert len(kept) == 2 and all(_version(k) == 1 for k in kept)


def test_no_backup_no_migration(old: Path, clock: ManualClock) -> None:
    (old / BACKUP_DIR).write_bytes(b"")  # the backup dir cannot be made
    with pytest.raises(StoreError, match="Nothing was changed"):
        Store.open(old, commune_code="120101", clock=clock, secret_dir=old)
    assert _version(old / DB_FILE) == 1
