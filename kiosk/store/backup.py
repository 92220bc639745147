"""A copy of the database before a new version's migrations run (README "Updates").

`Store.open` calls `backup_before_migration` when the schema on disk is older than the code's:
the first start of an updated kiosk. SQLite's online backup API copies a consistent snapshot
into `<data dir>/backups/` (0700 dir, 0600 files; the last KEEP are kept). The copy holds the
same sealed fields and wrapped data key as the database, so it opens with the same machine
secret and nothing in it is readable without it. If the copy cannot be made, nothing is
migrated: the updater's health check then puts the previous release back, which still reads
the untouched database.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from datetime import datetime
from pathlib import Path

from kiosk.durable import fsync_dir
from kiosk.store.db import DB_FILE
from kiosk.store.errors import StoreError
from kiosk.store.migrations import SCHEMA_VERSION

BACKUP_DIR = "backups"
KEEP = 2


def schema_on_disk(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def backups(data_dir: Path) -> list[Path]:
    """The kept copies, oldest first (their names sort by time)."""
    return sorted((Path(data_dir) / BACKUP_DIR).glob("sala-v*.db"))


def backup_before_migration(conn: sqlite3.Connection, data_dir: Path, now: datetime) -> Path | None:
    """Copy the database if migrations are about to change it; the copy's path, or None when
    there is nothing to protect (a new database, or one already at the code's schema)."""
    on_disk = schema_on_disk(conn)
    if on_disk == 0 or on_disk >= SCHEMA_VERSION:
        return None
    directory = Path(data_dir) / BACKUP_DIR
    stem = f"sala-v{on_disk}-{now:%Y%m%dT%H%M%S%f}"
    dest = directory / f"{stem}.db"
    for n in range(1, 100):  # the same instant twice (a restored copy migrated again)
        if not dest.exists():
            break
        dest = directory / f"{stem}-{n:02d}.db"
    tmp = dest.with_name(dest.name + ".part")
    try:
        directory.mkdir(mode=0o700, exist_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.close(fd)
        target = sqlite3.connect(tmp)
        try:
            conn.backup(target)
            target.execute("PRAGMA journal_mode=DELETE")
        finally:
            target.close()
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        tmp.replace(dest)
        fsync_dir(directory)
    except (OSError, sqlite3.Error) as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise StoreError(
            f"Could not back up {DB_FILE} before upgrading its schema from {on_disk} to "
            f"{SCHEMA_VERSION}: {exc}. Nothing was changed."
        ) from exc
    for old in backups(data_dir)[:-KEEP]:
        old.unlink(missing_ok=True)
    return dest


def restore(data_dir: Path, backup: Path) -> None:
    """Put a backup back as the database (the kiosk must be stopped): the technician's way
    back after an update went wrong (README "Updates")."""
    db = Path(data_dir) / DB_FILE
    for side in ("-wal", "-shm"):
        Path(str(db) + side).unlink(missing_ok=True)
    source = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    tmp = db.with_name(db.name + ".restore")
    try:
        target = sqlite3.connect(tmp)
        try:
            source.backup(target)
        finally:
            target.close()
    finally:
        source.close()
    os.chmod(tmp, 0o600)
    tmp.replace(db)
    fsync_dir(db.parent)
