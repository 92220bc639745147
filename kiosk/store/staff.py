"""What the staff side (kiosk/staff/) asks of the store: accounts, lock state, the roster from
the feed and the queue of local changes for the server. `Store` mixes it in.

Names and verifiers are sealed with the answers key (AES-GCM, aad `sala/staff/<id>`), so a
copy of the data dir alone holds no staff name and no PIN verifier to brute-force. The rules
(who may do what, the lockout) live in kiosk/staff/; this file only keeps rows consistent.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.model import new_id
from kiosk.store import crypto
from kiosk.store.db import write_tx
from sync.protocol import canonical_json

if TYPE_CHECKING:
    from kiosk.staff.roster import RosterEntry, RosterResult

ROSTER_ERROR = "staff.roster_error"  # setting: the last refused roster page (seq, field, at)
_ROW_SQL = (
    "SELECT s.id, s.role, s.status, s.version, s.origin, s.sealed, "
    "COALESCE(a.failures, 0), COALESCE(a.locks, 0), a.locked_until "
    "FROM staff s LEFT JOIN staff_attempts a ON a.staff_id = s.id"
)


@dataclass(frozen=True)
class StaffRow:
    """One account as stored, verifiers included: for kiosk/staff only, never a screen."""

    id: str
    role: str
    status: str
    version: int
    origin: str
    name_km: str
    name_en: str
    pin: str | None = None
    first_code: str | None = None
    unlock: str | None = None
    used: frozenset[str] = field(default_factory=frozenset)  # consumed one-time codes
    failures: int = 0
    locks: int = 0
    locked_until: datetime | None = None


@dataclass(frozen=True)
class StaffChange:
    """A supervisor's local change, as queued for `POST /v1/staff-changes`."""

    id: str
    staff_id: str
    action: str
    by: str
    at: str
    detail: dict[str, Any]
    sent_at: str | None


def _aad(staff_id: str) -> bytes:
    return f"sala/staff/{staff_id}".encode()


def _change_aad(change_id: str) -> bytes:
    return f"sala/staff-change/{change_id}".encode()


class StaffStoreMixin:
    """Staff half of `Store`; relies on the attributes Store sets up."""

    _conn: sqlite3.Connection
    _lock: threading.RLock
    _path: Path
    _keys: crypto.Keys
    audit: Any
    commune_code: str

    if TYPE_CHECKING:  # provided by Store and SyncStoreMixin

        def _now(self) -> datetime: ...
        def _guard(self) -> contextlib._GeneratorContextManager[None]: ...
        def _put_setting(self, key: str, value: Any) -> None: ...

    @contextlib.contextmanager
    def staff_tx(self) -> Iterator[None]:
        """One write transaction under the store lock (joins an open one): a lock-state change
        and its audit entry, or a local change, its queue row and audit, commit together."""
        with self._lock:
            if self._conn.in_transaction:
                yield
                return
            with write_tx(self._conn, self._path):
                yield

    def staff_put_setting(self, key: str, value: Any) -> None:
        """Write a setting inside `staff_tx`, so it commits with its audit entry."""
        self._put_setting(key, value)

    # -- reading -----------------------------------------------------------------------------
    def _row(self, r: tuple[Any, ...]) -> StaffRow:
        secret = json.loads(crypto.open_sealed(self._keys.answers, r[5], _aad(r[0])))
        return StaffRow(
            id=r[0],
            role=r[1],
            status=r[2],
            version=r[3],
            origin=r[4],
            name_km=secret["name"]["km"],
            name_en=secret["name"]["en"],
            pin=secret.get("pin"),
            first_code=secret.get("first_code"),
            unlock=secret.get("unlock"),
            used=frozenset(secret.get("used", ())),
            failures=r[6],
            locks=r[7],
            locked_until=datetime.fromisoformat(r[8]) if r[8] else None,
        )

    def staff_rows(self) -> list[StaffRow]:
        """Every account on this kiosk, disabled ones too."""
        with self._guard():
            return [self._row(r) for r in self._conn.execute(_ROW_SQL + " ORDER BY s.id")]

    def staff_row(self, staff_id: str) -> StaffRow | None:
        with self._guard():
            r = self._conn.execute(_ROW_SQL + " WHERE s.id = ?", (staff_id,)).fetchone()
            return self._row(r) if r else None

    # -- writing (inside staff_tx) -----------------------------------------------------------
    def staff_write(self, row: StaffRow) -> None:
        """Insert or update an account (its lock state is kept)."""
        secret = {
            "name": {"km": row.name_km, "en": row.name_en},
            "pin": row.pin,
            "first_code": row.first_code,
            "unlock": row.unlock,
            "used": sorted(row.used),
        }
        sealed = crypto.seal(self._keys.answers, canonical_json(secret), _aad(row.id))
        self._conn.execute(
            "INSERT INTO staff (id, role, status, version, origin, sealed, updated_at) "
            "VALUES (?,?,?,?,?,?,?) ON CONFLICT (id) DO UPDATE SET role = excluded.role, "
            "status = excluded.status, version = excluded.version, origin = excluded.origin, "
            "sealed = excluded.sealed, updated_at = excluded.updated_at",
            (row.id, row.role, row.status, row.version, row.origin, sealed, self._iso()),
        )

    def staff_save_lock(
        self, staff_id: str, failures: int, locks: int, locked_until: datetime | None
    ) -> None:
        self._conn.execute(
            "INSERT OR REPLACE INTO staff_attempts (staff_id, failures, locks, locked_until, "
            "last_attempt_at) VALUES (?,?,?,?,?)",
            (
                staff_id,
                failures,
                locks,
                locked_until.isoformat() if locked_until else None,
                self._iso(),
            ),
        )

    def staff_queue_change(
        self, staff_id: str, action: str, by: str, detail: dict[str, Any]
    ) -> StaffChange:
        """Queue a local change for the server (sent later by the sync client)."""
        change = StaffChange(new_id(), staff_id, action, by, self._iso(), detail, None)
        sealed = crypto.seal(self._keys.answers, canonical_json(detail), _change_aad(change.id))
        self._conn.execute(
            "INSERT INTO staff_changes (id, staff_id, action, by_staff, at, detail) "
            "VALUES (?,?,?,?,?,?)",
            (change.id, staff_id, action, by, change.at, sealed),
        )
        return change

    # -- the queue for the server ------------------------------------------------------------
    def staff_changes_pending(self, *, limit: int = 100) -> list[StaffChange]:
        """Unsent local changes, oldest first."""
        with self._guard():
            rows = self._conn.execute(
                "SELECT id, staff_id, action, by_staff, at, detail, sent_at FROM staff_changes "
                "WHERE sent_at IS NULL ORDER BY seq LIMIT ?",
                (limit,),
            ).fetchall()
        return [
            StaffChange(
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                json.loads(crypto.open_sealed(self._keys.answers, r[5], _change_aad(r[0]))),
                r[6],
            )
            for r in rows
        ]

    def mark_staff_changes_sent(self, change_ids: list[str]) -> None:
        """The server took these (its endpoint is idempotent per change id)."""
        with self._lock, write_tx(self._conn, self._path):
            now = self._iso()
            self._conn.executemany(
                "UPDATE staff_changes SET sent_at = ? WHERE id = ? AND sent_at IS NULL",
                [(now, cid) for cid in change_ids],
            )

    def set_aside_staff_change(self, change_id: str, code: str) -> None:
        """The server refused this change (`code`, e.g. `staff_disabled`): it is not sent
        again, and the refusal is audited; the roster the server sends decides."""
        with self._lock, write_tx(self._conn, self._path):
            row = self._conn.execute(
                "SELECT staff_id, action FROM staff_changes WHERE id = ?", (change_id,)
            ).fetchone()
            if row is None:
                return
            self._conn.execute(
                "UPDATE staff_changes SET sent_at = COALESCE(sent_at, ?), refused = ? WHERE id = ?",
                (self._iso(), code, change_id),
            )
            self.audit.append(
                "server", "staff.change_refused", row[0], {"action": row[1], "code": code}
            )

    def _unsent_actions(self, staff_id: str) -> set[str]:
        return {
            r[0]
            for r in self._conn.execute(
                "SELECT action FROM staff_changes WHERE staff_id = ? AND sent_at IS NULL",
                (staff_id,),
            )
        }

    # -- the roster from the feed ------------------------------------------------------------
    def apply_staff_entries(self, entries: list[dict[str, Any]]) -> RosterResult:
        """Check every `staff` entry, then write the newer versions, in one transaction (or
        the caller's). RosterRefused, with nothing written, when any entry is bad."""
        from kiosk.staff.roster import RosterResult, parse_page

        checked = parse_page(entries, self.commune_code)
        with self.staff_tx():
            applied: list[str] = []
            for entry in checked:
                if self._write_roster_entry(entry):
                    applied.append(entry.id)
                    self.audit.append(
                        "server",
                        "staff.roster_changed",
                        entry.id,
                        {"version": entry.version, "role": entry.role, "status": entry.status},
                    )
            ignored = len(entries) - len(applied)
            if entries:
                seqs = [min(e.seq for e in checked), max(e.seq for e in checked)]
                self.audit.append(
                    "server",
                    "staff.roster_applied",
                    "staff",
                    {"applied": len(applied), "ignored": ignored, "seqs": seqs},
                )
        return RosterResult(tuple(applied), ignored)

    def _apply_staff_page(self, entries: list[dict[str, Any]]) -> None:
        """The feed's hook (called by apply_changes inside its transaction): a refused page is
        noted (setting + audit) and the last good roster stays; the cursor still moves on, as
        for a refused catalog, so one bad entry cannot stop status changes from arriving."""
        from kiosk.staff.errors import RosterRefused

        try:
            self.apply_staff_entries(entries)
        except RosterRefused as exc:
            note = {"seq": exc.params["seq"], "field": exc.params["field"], "reason": exc.reason}
            self._put_setting(ROSTER_ERROR, {**note, "at": self._iso()})
            self.audit.append("server", "staff.roster_refused", "staff", note)

    def _write_roster_entry(self, entry: RosterEntry) -> bool:
        """Write one checked entry if it is newer than what is held; True if written.

        One-time codes this kiosk already used stay used, even if a later version repeats
        them. While a local change is unsent, its effect stays: a local disable is not undone
        by a roster that has not heard of it yet, nor a local PIN reset."""
        from kiosk.staff.pins import verifier_id

        held = self.staff_row(entry.id)
        if held is not None and entry.version <= held.version:
            return False
        used = held.used if held is not None else frozenset()

        def fresh(v: str | None) -> str | None:
            return None if v is None or verifier_id(v) in used else v

        pin, first = entry.pin_verifier, fresh(entry.first_code_verifier)
        status = entry.status.value
        unsent = self._unsent_actions(entry.id) if held is not None else set()
        if held is not None and "disable" in unsent:
            status = "disabled"
        if held is not None and unsent & {"add", "reset_pin"}:
            pin, first = held.pin, held.first_code
        self.staff_write(
            StaffRow(
                id=entry.id,
                role=entry.role.value,
                status=status,
                version=entry.version,
                origin="roster",
                name_km=entry.name.km,
                name_en=entry.name.en,
                pin=pin,
                first_code=first,
                unlock=fresh(entry.unlock_verifier),
                used=used,
            )
        )
        return True

    def _iso(self) -> str:
        return self._now().isoformat()
