"""Opening the SQLite file safely: header and integrity checks, pragmas, write transactions.

WAL + `synchronous=FULL` means a transaction that returned from COMMIT survives a power cut;
`BEGIN IMMEDIATE` takes the write lock up front so two connections never deadlock on upgrade.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from kiosk.store.errors import (
    StoreCorrupt,
    StoreError,
    StoreFull,
    StoreReadOnly,
    translate_os,
    translate_sqlite,
)

DB_FILE = "sala.db"
SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 10_000


def check_writable(data_dir: Path) -> None:
    """Prove the data dir can be written by writing a probe (os.access lies for root).
    A full disk is not refused here: reading still works, and each save reports StoreFull."""
    # One name per process and thread: two threads opening the store at once (the UI and a
    # worker) would otherwise delete each other's probe and report a failed disk.
    probe = data_dir / f".write-probe-{os.getpid()}-{threading.get_ident()}"
    try:
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(probe, "wb") as f:
            f.write(b"ok")
        probe.unlink()
    except OSError as exc:
        with contextlib.suppress(OSError):
            probe.unlink()
        err = translate_os(exc, data_dir)
        if isinstance(err, StoreFull):
            return
        if isinstance(err, StoreReadOnly):
            raise StoreReadOnly(
                f"The data dir {data_dir} is read-only ({exc.strerror}). Remount the disk "
                "read-write or fix its permissions, or start Sala with --data-dir pointing to a "
                "writable folder."
            ) from exc
        raise err from exc


def keep_corrupt_copy(path: Path, now: datetime) -> Path:
    """Copy a damaged database (and its WAL) aside for the technician; the original stays.
    A kiosk restarting in a loop makes one copy, not one per start."""
    st = path.stat()
    for old in sorted(path.parent.glob(f"{path.stem}.corrupt-*{path.suffix}")):
        with contextlib.suppress(OSError):
            o = old.stat()
            if (o.st_size, o.st_mtime_ns) == (st.st_size, st.st_mtime_ns):
                return old
    stamp = now.strftime("%Y%m%dT%H%M%S")
    copy = path.with_name(f"{path.stem}.corrupt-{stamp}{path.suffix}")
    with contextlib.suppress(OSError):
        shutil.copy2(path, copy)
        for ext in ("-wal", "-shm"):
            side = path.with_name(path.name + ext)
            if side.exists():
                shutil.copy2(side, copy.with_name(copy.name + ext))
    return copy


def _corrupt(path: Path, now: datetime, why: str) -> StoreCorrupt:
    copy = keep_corrupt_copy(path, now)
    return StoreCorrupt(
        f"The database {path} is damaged ({why}). Sala will not write over it. A copy was kept "
        f"at {copy}. Restore the latest backup of the data dir, or move the damaged file away "
        "to start empty, then start Sala again.",
        path=str(path),
        copy=str(copy),
    )


def damaged(path: Path, now: datetime, exc: BaseException) -> StoreCorrupt:
    """Anything that fails to open a file that is there is damage: a copy is kept and the
    technician gets the store.corrupt message, never a raw codec error."""
    return _corrupt(path, now, f"{type(exc).__name__}: {exc}")


def _to_wal(conn: sqlite3.Connection) -> str:
    """Switch a database to WAL. The switch needs an exclusive lock and SQLite can answer
    "database is locked" at once, without waiting on busy_timeout, while another process is
    creating or switching the same new file (the UI and the sync command starting together):
    retry for up to the busy timeout."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            return str(conn.execute("PRAGMA journal_mode=WAL").fetchone()[0])
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def connect(path: Path, now: datetime) -> sqlite3.Connection:
    """Open (or create) the database: header check, pragmas, quick_check. Raises StoreError."""
    if path.exists() and path.stat().st_size > 0:
        with open(path, "rb") as f:
            header = f.read(len(SQLITE_HEADER))
        if header != SQLITE_HEADER:
            raise _corrupt(path, now, "the file does not start with the SQLite header")
    try:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise (translate_sqlite(exc, path) or StoreError(str(exc))) from exc
    try:
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        mode = _to_wal(conn)
        if str(mode).lower() != "wal":
            raise StoreError(f"SQLite refused WAL mode for {path} (got {mode}).")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        # Purged or replaced rows are zeroed, not left in free pages for a disk copy to find.
        conn.execute("PRAGMA secure_delete=ON")
        result = [r[0] for r in conn.execute("PRAGMA quick_check")]
    except sqlite3.Error as exc:
        conn.close()
        err = translate_sqlite(exc, path)
        if isinstance(err, StoreCorrupt):
            raise _corrupt(path, now, str(exc)) from exc
        if isinstance(err, StoreReadOnly):
            raise StoreReadOnly(
                f"The database {path} cannot be written ({exc}). Remount the disk read-write or "
                "fix the file's permissions."
            ) from exc
        raise (err or StoreError(str(exc))) from exc
    except (ValueError, LookupError, OverflowError) as exc:
        # A damaged schema page: SQLite hands Python text that is not UTF-8.
        conn.close()
        raise damaged(path, now, exc) from exc
    if result != ["ok"]:
        conn.close()
        raise _corrupt(path, now, "; ".join(result[:3]))
    return conn


@contextlib.contextmanager
def write_tx(conn: sqlite3.Connection, path: object) -> Iterator[sqlite3.Connection]:
    """One IMMEDIATE transaction; sqlite3 errors become StoreError, everything rolls back."""
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as exc:
        raise (translate_sqlite(exc, path) or StoreError(str(exc))) from exc
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException as exc:
        if conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
        if isinstance(exc, sqlite3.Error):
            err = translate_sqlite(exc, path)
            if err is not None:
                raise err from exc
        raise
