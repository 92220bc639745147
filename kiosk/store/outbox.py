"""What the sync client asks of the store: the outbox, tus upload state, results, the feed.

Kept apart from the citizen journey (store.py) so each file fits in a head; `Store` mixes it in.
"""

from __future__ import annotations

import contextlib
import random
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.model import FINAL_STATUSES, Registration, ServerStatus, State
from kiosk.store.db import write_tx
from kiosk.store.errors import NotFound, WrongState, translate_sqlite
from kiosk.store.registrations import REG_COLUMNS
from sync.protocol import canonical_text

# Full-jitter exponential backoff (PROTOCOL.md "Errors"): base 2 s, cap 10 min.
BACKOFF_BASE_S = 2.0
BACKOFF_CAP_S = 600.0
FEED_CURSOR = "sync.feed_cursor"
LAST_SUCCESS = "sync.last_success"
LAST_ERROR = "sync.last_error"
_FINAL_SQL = ",".join(f"'{s.value}'" for s in sorted(FINAL_STATUSES))
FEED_ENTRY = {"catalog": "feed.catalog", "gazetteer": "feed.gazetteer"}


@dataclass(frozen=True)
class OutboxItem:
    registration: Registration
    attempts: int
    next_attempt_at: datetime | None


@dataclass(frozen=True)
class UploadState:
    url: str
    offset: int
    size: int


class SyncStoreMixin:
    """Sync-client half of `Store`; relies on the attributes Store sets up."""

    _conn: sqlite3.Connection
    _lock: threading.RLock
    _path: Path
    _search: Any
    audit: Any
    commune_code: str

    def kiosk_number(self) -> int:
        raise NotImplementedError

    def _rows_to_regs(self, rows: list[Any]) -> list[Registration]:
        raise NotImplementedError

    def _now(self) -> datetime:
        raise NotImplementedError

    @contextlib.contextmanager
    def _guard(self) -> Iterator[None]:
        """The store lock, with SQLite errors on reads turned into StoreError (disk, damage)."""
        with self._lock:
            try:
                yield
            except sqlite3.Error as exc:
                err = translate_sqlite(exc, self._path)
                if err is None:
                    raise
                raise err from exc

    def _put_setting(self, key: str, value: Any) -> None:
        raise NotImplementedError

    if TYPE_CHECKING:  # StaffStoreMixin (kiosk/store/staff.py), later in Store's bases

        def _apply_staff_page(self, entries: list[dict[str, Any]]) -> None: ...

    def get_setting(self, key: str, default: Any = None) -> Any:
        raise NotImplementedError

    def _state_of(self, reg_id: str) -> State:
        row = self._conn.execute(
            "SELECT state FROM registrations WHERE id = ?", (reg_id,)
        ).fetchone()
        if row is None:
            raise NotFound(f"No registration {reg_id}.")
        return State(row[0])

    def outbox(self, *, limit: int = 100) -> list[OutboxItem]:
        """Registrations waiting to go up (submitted or uploading), oldest first."""
        with self._guard():
            rows = self._conn.execute(
                f"SELECT {', '.join('r.' + c.strip() for c in REG_COLUMNS.split(','))}, "
                "o.attempts, o.next_attempt_at FROM outbox o "
                "JOIN registrations r ON r.id = o.registration_id "
                "WHERE r.state IN ('submitted', 'uploading') AND r.damaged IS NULL "
                "ORDER BY o.queued_at, r.seq LIMIT ?",
                (limit,),
            ).fetchall()
            # A damaged row is marked and left out; the others still go up.
            regs = {reg.id: reg for reg in self._rows_to_regs([r[:-2] for r in rows])}
            return [
                OutboxItem(regs[r[1]], r[-2], datetime.fromisoformat(r[-1]) if r[-1] else None)
                for r in rows
                if r[1] in regs
            ]

    def outbox_count(self) -> int:
        """How many registrations wait to go up, without decrypting them (for status lines)."""
        with self._guard():
            row = self._conn.execute(
                "SELECT COUNT(*) FROM outbox o JOIN registrations r ON r.id = o.registration_id "
                "WHERE r.state IN ('submitted', 'uploading') AND r.damaged IS NULL"
            ).fetchone()
            return int(row[0])

    def upload_state(self, reg_id: str, sha256: str) -> UploadState | None:
        with self._guard():
            row = self._conn.execute(
                'SELECT url, "offset", size FROM uploads WHERE registration_id = ? AND sha256 = ?',
                (reg_id, sha256),
            ).fetchone()
            return UploadState(row[0], row[1], row[2]) if row else None

    def save_upload_state(self, reg_id: str, sha256: str, url: str, offset: int) -> None:
        """Remember where a tus upload is, so a restart resumes instead of re-sending."""
        with self._lock, write_tx(self._conn, self._path):
            row = self._conn.execute(
                "SELECT size FROM attachments WHERE registration_id = ? AND sha256 = ? LIMIT 1",
                (reg_id, sha256),
            ).fetchone()
            if row is None:
                raise NotFound(f"Registration {reg_id} has no attachment {sha256}.")
            self._conn.execute(
                'INSERT OR REPLACE INTO uploads (registration_id, sha256, url, "offset", size, '
                "updated_at) VALUES (?,?,?,?,?,?)",
                (reg_id, sha256, url, offset, row[0], self._now().isoformat()),
            )

    def mark_uploading(self, reg_id: str) -> None:
        with self._lock, write_tx(self._conn, self._path):
            state = self._state_of(reg_id)
            if state not in (State.SUBMITTED, State.UPLOADING):
                raise WrongState(f"Registration {reg_id} is {state}, not waiting to upload.")
            self._conn.execute(
                "UPDATE registrations SET state = 'uploading', updated_at = ? WHERE id = ?",
                (self._now().isoformat(), reg_id),
            )

    def mark_accepted(self, reg_id: str, server_receipt: dict[str, Any]) -> None:
        """Store the server's signed receipt and take the registration out of the outbox."""
        with self._lock, write_tx(self._conn, self._path):
            state = self._state_of(reg_id)
            now = self._now().isoformat()
            if state in (State.SUBMITTED, State.UPLOADING):
                self._conn.execute(
                    "UPDATE registrations SET state = 'accepted', server_receipt = ?, "
                    "last_sync_error = NULL, updated_at = ? WHERE id = ?",
                    (canonical_text(server_receipt), now, reg_id),
                )
                # A decision that came down the feed before this receipt: decided only now,
                # once the server has acknowledged what this kiosk sent.
                self._conn.execute(
                    "UPDATE registrations SET state = 'decided', decided_at = ? "
                    f"WHERE id = ? AND server_status IN ({_FINAL_SQL})",
                    (now, reg_id),
                )
            elif state in (State.ACCEPTED, State.DECIDED):
                self._conn.execute(
                    "UPDATE registrations SET server_receipt = ? WHERE id = ?",
                    (canonical_text(server_receipt), reg_id),
                )
            else:
                raise WrongState(f"Registration {reg_id} is {state}; it cannot be accepted.")
            self._conn.execute("DELETE FROM outbox WHERE registration_id = ?", (reg_id,))
            self._conn.execute("DELETE FROM uploads WHERE registration_id = ?", (reg_id,))
            self._put_setting(LAST_SUCCESS, now)

    def record_sync_error(self, reg_id: str, message: str) -> None:
        """Count a failed attempt and schedule the next one with full-jitter backoff."""
        with self._lock, write_tx(self._conn, self._path):
            self._state_of(reg_id)
            now = self._now()
            row = self._conn.execute(
                "SELECT attempts FROM outbox WHERE registration_id = ?", (reg_id,)
            ).fetchone()
            attempts = (row[0] if row else 0) + 1
            delay = random.uniform(0, min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** min(attempts, 20)))
            if row is not None:
                self._conn.execute(
                    "UPDATE outbox SET attempts = ?, last_error = ?, last_attempt_at = ?, "
                    "next_attempt_at = ? WHERE registration_id = ?",
                    (
                        attempts,
                        message,
                        now.isoformat(),
                        (now + timedelta(seconds=delay)).isoformat(),
                        reg_id,
                    ),
                )
            self._conn.execute(
                "UPDATE registrations SET last_sync_error = ? WHERE id = ?", (message, reg_id)
            )
            self._put_setting(
                LAST_ERROR, {"at": now.isoformat(), "message": message, "registration_id": reg_id}
            )

    def apply_changes(self, changes: list[dict[str, Any]], cursor: str) -> None:
        """Apply a page of the change feed and save its cursor in the same transaction."""
        with self._lock, write_tx(self._conn, self._path):
            now = self._now().isoformat()
            staff: list[dict[str, Any]] = []
            for ch in changes:
                kind = ch.get("kind")
                if kind == "status":
                    self._apply_status(ch, now)
                elif kind == "staff":
                    staff.append(ch)
                elif kind in FEED_ENTRY:
                    self._put_setting(FEED_ENTRY[str(kind)], ch)
            if staff:  # the roster: checked as a whole, all or nothing (kiosk/staff/roster.py)
                self._apply_staff_page(staff)
            self._put_setting(FEED_CURSOR, cursor)
            self._put_setting(LAST_SUCCESS, now)

    def _apply_status(self, ch: dict[str, Any], now: str) -> None:
        # By registration id ONLY: an application number can be another kiosk's (numbers
        # printed before kiosk numbers existed repeat across a commune's kiosks).
        row = self._conn.execute(
            "SELECT id, state FROM registrations WHERE id = ?", (str(ch.get("registration_id")),)
        ).fetchone()
        if row is None:
            return  # another kiosk's registration in this commune: nothing to show here
        reg_id, state = row[0], State(row[1])
        status = str(ch.get("status"))
        self._conn.execute(
            "INSERT INTO status_history (registration_id, status, note, at, feed_seq, "
            "received_at) VALUES (?,?,?,?,?,?)",
            (reg_id, status, ch.get("note"), ch.get("at"), ch.get("seq"), now),
        )
        self._conn.execute(
            "UPDATE registrations SET server_status = ?, status_note = ?, status_at = ?, "
            "updated_at = ? WHERE id = ?",
            (status, ch.get("note"), ch.get("at"), now, reg_id),
        )
        # Only what the server acknowledged (its receipt is stored) becomes decided and leaves
        # the outbox; an unacknowledged one keeps its outbox row and is decided by
        # mark_accepted once its commit returns.
        if status in {s.value for s in FINAL_STATUSES} and state is State.ACCEPTED:
            self._conn.execute(
                "UPDATE registrations SET state = 'decided', decided_at = ? WHERE id = ?",
                (now, reg_id),
            )
            # The server has it and decided: nothing is left to send.
            self._conn.execute("DELETE FROM outbox WHERE registration_id = ?", (reg_id,))
            self._conn.execute("DELETE FROM uploads WHERE registration_id = ?", (reg_id,))

    def renumber(self, reg_id: str) -> str:
        """Give a registration a new application number from this kiosk's own range, after
        the server refused its number as another device's (`app_number_taken`: two kiosks
        made the same legacy or provisional number). The printed number stays an alias, so
        the citizen's receipt still finds it here. Returns the new number."""
        from kiosk.store.appnumber import format_app_number

        with self._lock, write_tx(self._conn, self._path):
            row = self._conn.execute(
                "SELECT seq, state, app_number FROM registrations WHERE id = ?", (reg_id,)
            ).fetchone()
            if row is None:
                raise NotFound(f"No registration {reg_id}.")
            seq, state, old = row
            if old is None or State(state) not in (State.SUBMITTED, State.UPLOADING):
                raise WrongState(f"Registration {reg_id} is {state}; only unsent ones renumber.")
            number = self._conn.execute(
                "UPDATE counters SET value = value + 1 WHERE name = 'app_number' RETURNING value"
            ).fetchone()[0]
            new = format_app_number(self.commune_code, number, self.kiosk_number())
            now = self._now().isoformat()
            self._conn.execute(
                "INSERT OR IGNORE INTO app_number_aliases (app_number, registration_id, "
                "replaced_at) VALUES (?,?,?)",
                (old, reg_id, now),
            )
            self._conn.execute(
                "UPDATE registrations SET app_number = ?, updated_at = ? WHERE id = ?",
                (new, now, reg_id),
            )
            tokens = self._conn.execute(
                "SELECT tokens FROM search_tokens WHERE rowid = ?", (seq,)
            ).fetchone()
            extra = self._search.doc({}, new)
            self._conn.execute(
                "INSERT OR REPLACE INTO search_tokens (rowid, tokens) VALUES (?,?)",
                (seq, f"{tokens[0]} {extra}" if tokens else extra),
            )
            self.audit.append("kiosk", "renumbered", reg_id, {"from": old, "to": new})
        return str(new)

    def feed_cursor(self) -> str | None:
        value = self.get_setting(FEED_CURSOR)
        return str(value) if value is not None else None

    def acknowledged_codes(
        self, *, after_seq: int = 0, limit: int = 100
    ) -> list[tuple[int, str, str]]:
        """(seq, registration id, receipt verification code) of registrations the server
        acknowledged (a receipt is held, purged ones too), by seq after `after_seq`: the
        batches of the code backfill (`sync/client/code_backfill.py`)."""
        with self._guard():
            rows = self._conn.execute(
                "SELECT r.seq, r.id, c.verification_code FROM registrations r "
                "JOIN receipts c ON c.registration_id = r.id "
                "WHERE r.server_receipt IS NOT NULL AND r.seq > ? ORDER BY r.seq LIMIT ?",
                (after_seq, limit),
            ).fetchall()
        return [(int(seq), str(reg_id), str(code)) for seq, reg_id, code in rows]

    def status_history(self, reg_id: str) -> list[tuple[ServerStatus | str, str | None, str]]:
        """(status, note, at) in the order they arrived."""
        with self._guard():
            rows = self._conn.execute(
                "SELECT status, note, at FROM status_history WHERE registration_id = ? ORDER BY id",
                (reg_id,),
            ).fetchall()
        out: list[tuple[ServerStatus | str, str | None, str]] = []
        for status, note, at in rows:
            try:
                out.append((ServerStatus(status), note, at))
            except ValueError:
                out.append((status, note, at))
        return out
