"""What keeps one bad spot from becoming a dead kiosk: damaged rows, WAL wipes, file modes.

- A registration whose answers no longer decrypt (a flipped bit) is *marked* (`damaged`
  column, schema v3), left out of the queue, the outbox and search, written to the audit and
  the technician's log, and recorded as a sync error on its outbox row; the other rows carry on.
- After an idle wipe or a retention purge the WAL is checkpointed and truncated: otherwise the
  old pages (decryptable answers, plaintext server notes) stay in `sala.db-wal` all day.
- The data dir, the database and its side files are made 0700/0600 on every open, also when
  the dir already existed (as after `sala enrol`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import stat
import threading
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kiosk.model import Registration
from kiosk.store.db import DB_FILE, write_tx
from kiosk.store.errors import StoreError
from kiosk.store.registrations import REG_COLUMNS, rows_to_registrations

log = logging.getLogger(__name__)

DAMAGED_SETTING = "store.damaged"  # {"count", "last": {...}} for `sala status`
VERIFY_BATCH = 200
_PRIVATE_DIR = 0o700
_PRIVATE_FILE = 0o600


def secure_permissions(data_dir: Path, media_dir: Path) -> None:
    """Owner-only modes on the data dir, the database and its WAL/SHM, and the media tree."""
    paths = [(data_dir, _PRIVATE_DIR), (media_dir, _PRIVATE_DIR)]
    paths += [(data_dir / (DB_FILE + ext), _PRIVATE_FILE) for ext in ("", "-wal", "-shm")]
    if media_dir.is_dir():
        paths += [(p, _PRIVATE_DIR) for p in media_dir.iterdir() if p.is_dir()]
    for path, mode in paths:
        with contextlib.suppress(FileNotFoundError, PermissionError):
            if stat.S_IMODE(path.stat().st_mode) != mode:
                os.chmod(path, mode)


class HealthMixin:
    """Damaged-row bookkeeping and WAL wiping for `Store`; relies on what Store sets up."""

    _conn: sqlite3.Connection
    _lock: threading.RLock
    _path: Path
    _keys: Any
    audit: Any
    vault: Any

    if TYPE_CHECKING:  # provided by Store and SyncStoreMixin

        def _now(self) -> datetime: ...
        def _guard(self) -> contextlib._GeneratorContextManager[None]: ...
        def _put_setting(self, key: str, value: Any) -> None: ...

    def _rows_to_regs(self, rows: list[Any]) -> list[Registration]:
        """Decode rows; damaged ones are marked and left out (see module docstring)."""
        aead: AESGCM = self._keys.answers
        bad: list[tuple[str, str]] = []
        regs = rows_to_registrations(self._conn, aead, rows, bad)
        if bad:
            self._mark_damaged(bad)
        return regs

    def _mark_damaged(self, bad: list[tuple[str, str]]) -> None:
        with self._lock:
            if self._conn.in_transaction:
                self._write_damaged(bad)
                return
            try:
                with write_tx(self._conn, self._path):
                    self._write_damaged(bad)
            except Exception as exc:  # a full or read-only disk: still skip the rows
                log.error("could not mark damaged registrations %s: %s", bad, exc)

    def _write_damaged(self, bad: list[tuple[str, str]]) -> None:
        now = self._now().isoformat()
        for reg_id, why in bad:
            row = self._conn.execute(
                "SELECT damaged, app_number FROM registrations WHERE id = ?", (reg_id,)
            ).fetchone()
            if row is None or row[0] is not None:
                continue
            log.error("registration %s (%s) is damaged and is skipped: %s", reg_id, row[1], why)
            reason = f"{now} {why}"
            self._conn.execute(
                "UPDATE registrations SET damaged = ?, last_sync_error = ? WHERE id = ?",
                (reason, f"damaged: {why}", reg_id),
            )
            self._conn.execute(
                "UPDATE outbox SET last_error = ?, last_attempt_at = ? WHERE registration_id = ?",
                (f"damaged: {why}", now, reg_id),
            )
            self.audit.append("kiosk", "damaged", reg_id, {"app_number": row[1], "why": why})
            count = self._conn.execute(
                "SELECT COUNT(*) FROM registrations WHERE damaged IS NOT NULL"
            ).fetchone()[0]
            last = {"at": now, "registration_id": reg_id, "app_number": row[1], "why": why}
            self._put_setting(DAMAGED_SETTING, {"count": count, "last": last})
            self._put_setting(
                "sync.last_error",
                {"at": now, "message": f"damaged: {why}", "registration_id": reg_id},
            )

    def damaged(self) -> list[tuple[str, str | None, str]]:
        """(id, app number, why) of every registration marked damaged, oldest first."""
        with self._guard():
            rows = self._conn.execute(
                "SELECT id, app_number, damaged FROM registrations WHERE damaged IS NOT NULL "
                "ORDER BY seq"
            ).fetchall()
        return [(r[0], r[1], r[2]) for r in rows]

    def verify_rows(self) -> list[str]:
        """Decrypt every registration (self-test); returns the ids that do not decode, marked."""
        last = 0
        while True:
            with self._guard():
                rows = self._conn.execute(
                    f"SELECT {REG_COLUMNS} FROM registrations WHERE seq > ? AND state != 'purged' "
                    "ORDER BY seq LIMIT ?",
                    (last, VERIFY_BATCH),
                ).fetchall()
                if not rows:
                    break
                self._rows_to_regs(rows)
            last = rows[-1][0]
        return [reg_id for reg_id, _, _ in self.damaged()]

    def checkpoint(self) -> bool:
        """`wal_checkpoint(TRUNCATE)`; False if a reader kept it from finishing (it is tried
        again after the next wipe, and SQLite checkpoints on its own too)."""
        with self._lock:
            try:
                busy = self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            except sqlite3.Error as exc:
                log.warning("WAL checkpoint failed: %s", exc)
                return False
        return not busy

    def verify_media(self, *, limit: int | None = None) -> list[str]:
        """sha256 of attached media that are missing or do not decrypt to their hash, newest
        attachments first (`limit` of them, or all)."""
        with self._guard():
            shas = [
                r[0]
                for r in self._conn.execute(
                    "SELECT sha256 FROM attachments GROUP BY sha256 ORDER BY MAX(rowid) DESC "
                    "LIMIT ?",
                    (-1 if limit is None else limit,),
                )
            ]
        bad = []
        for sha in shas:
            try:
                self.vault.get(sha)
            except StoreError:
                bad.append(sha)
        return bad

    def integrity_check(self) -> list[str]:
        """`PRAGMA integrity_check` rows (["ok"] when healthy)."""
        with self._guard():
            return [r[0] for r in self._conn.execute("PRAGMA integrity_check")]
