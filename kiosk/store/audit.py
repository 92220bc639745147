"""The audit log: clerk and system actions, append-only and hash-chained.

Triggers refuse UPDATE and DELETE, and each entry's hash covers the previous hash and the
canonical entry, so an edit made with another tool shows up in `verify()` as the first broken
link. (Cutting entries off the END cannot be seen from the chain alone; see README.) Entries
are hashed by `sync.protocol.audit_entry_hash` (over `canonical_text`), which the ministry
server also uses to verify the uploaded chain.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kiosk.overrides import check_override_details
from kiosk.store.db import write_tx
from sync.protocol import AUDIT_GENESIS as GENESIS
from sync.protocol import audit_entry_hash as entry_hash
from sync.protocol import canonical_text

__all__ = ["GENESIS", "AuditEntry", "AuditLink", "AuditLog", "entry_hash"]  # formula: protocol


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: str
    actor: str
    action: str
    subject: str
    details: dict[str, Any]
    hash: str


@dataclass(frozen=True)
class AuditLink:
    """An entry exactly as stored, `details` as its canonical text: what the chain hashed,
    so the sync client can upload it without re-spelling anything (sync/client/audit_push.py)."""

    seq: int
    at: str
    actor: str
    action: str
    subject: str
    details: str
    prev_hash: str
    hash: str


class AuditLog:
    """Append and verify; shares the store's connection and lock."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        lock: threading.RLock,
        clock: Callable[[], datetime],
        path: object,
    ) -> None:
        self._conn = conn
        self._lock = lock
        self._clock = clock
        self._path = path

    def append(
        self, actor: str, action: str, subject: str, details: dict[str, Any] | None = None
    ) -> int:
        """Add one entry (inside the caller's transaction if one is open); returns its seq.
        An override's `reason` must be a code from kiosk.overrides (free text is refused)."""
        if "override" in action:
            check_override_details(details or {})
        with self._lock:
            if self._conn.in_transaction:
                return self._append(actor, action, subject, details or {})
            with write_tx(self._conn, self._path):
                return self._append(actor, action, subject, details or {})

    def _append(self, actor: str, action: str, subject: str, details: dict[str, Any]) -> int:
        row = self._conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = (row[0] + 1, row[1]) if row else (1, GENESIS)
        at = self._clock().isoformat()
        det = canonical_text(details)
        h = entry_hash(prev, seq, at, actor, action, subject, det)
        self._conn.execute(
            "INSERT INTO audit (seq, at, actor, action, subject, details, prev_hash, hash) "
            "VALUES (?,?,?,?,?,?,?,?)",
            (seq, at, actor, action, subject, det, prev, h),
        )
        return seq

    def verify(self) -> int | None:
        """The seq of the first entry whose link or content does not check out, else None."""
        with self._lock:
            prev = GENESIS
            expected_seq = 1
            cur = self._conn.execute(
                "SELECT seq, at, actor, action, subject, details, prev_hash, hash "
                "FROM audit ORDER BY seq"
            )
            for seq, at, actor, action, subject, details, prev_hash, h in cur:
                if seq != expected_seq or prev_hash != prev:
                    return int(seq)
                if entry_hash(prev, seq, at, actor, action, subject, details) != h:
                    return int(seq)
                prev = h
                expected_seq = seq + 1
            return None

    def entries(self, *, subject: str | None = None, limit: int = 100) -> list[AuditEntry]:
        """Newest first, optionally for one subject (e.g. a registration id)."""
        with self._lock:
            sql = "SELECT seq, at, actor, action, subject, details, hash FROM audit"
            args: tuple[Any, ...] = ()
            if subject is not None:
                sql += " WHERE subject = ?"
                args = (subject,)
            rows = self._conn.execute(sql + " ORDER BY seq DESC LIMIT ?", (*args, limit))
            return [AuditEntry(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), r[6]) for r in rows]

    def after(self, seq: int, *, limit: int = 1000) -> list[AuditLink]:
        """Entries with a seq above `seq`, oldest first, as stored (for the upload)."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT seq, at, actor, action, subject, details, prev_hash, hash FROM audit "
                "WHERE seq > ? ORDER BY seq LIMIT ?",
                (seq, limit),
            ).fetchall()
        return [AuditLink(*r) for r in rows]

    def head(self) -> int:
        """The newest entry's seq (0 for an empty log)."""
        with self._lock:
            row = self._conn.execute("SELECT MAX(seq) FROM audit").fetchone()
        return int(row[0] or 0)
