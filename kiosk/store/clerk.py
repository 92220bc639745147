"""What the clerk station asks of the store (kiosk/clerk/): queues, versions, staff events.

Kept apart from the citizen journey and the sync half; `Store` mixes it in BEFORE
`SyncStoreMixin`, so the outbox here holds back applications waiting for their originals
check and the sync worker's claim (a lease on the outbox row) keeps a correction from
racing an upload: the worker claims a record with the `updated_at` it read, a correction
is refused while a claim holds, and a claim on a record changed since it was read fails.
Sync problems are a state of the record (`problem` column), no longer a settings list.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.i18n import cambodia_today
from kiosk.model import Attachment, Registration, State
from kiosk.store import crypto
from kiosk.store.clerk_reports import (
    KIOSK_STAFF,
    ClerkReportsMixin,
    day_bounds,
    event_aad,
    version_aad,
)
from kiosk.store.clerk_rows import (
    EVENT_KINDS,
    ClerkRecord,
    DayCounts,
    EndOfDay,
    StaffEvent,
    VersionRow,
    event_from_row,
)
from kiosk.store.db import write_tx
from kiosk.store.errors import NotFound, WrongState
from kiosk.store.registrations import clean_answers, encrypt_answers
from sync.protocol import canonical_json

__all__ = ["EVENT_KINDS", "KIOSK_STAFF", "ClerkRecord", "ClerkStoreMixin", "DayCounts", "EndOfDay"]

GRACE_SETTING = "clerk.originals_grace_days"
GRACE_DAYS_DEFAULT = 3
CLAIM_LEASE = timedelta(minutes=10)  # a crashed worker's claim ends by itself
_OPEN = "r.state IN ('submitted', 'uploading') AND r.damaged IS NULL"
_LIVE = "r.state NOT IN ('draft', 'purged') AND r.damaged IS NULL"


@dataclass(frozen=True)
class QueueSql:
    """WHERE clause (over `registrations r`) and its arguments for one clerk queue."""

    where: str
    args: tuple[Any, ...]


class ClerkStoreMixin(ClerkReportsMixin):
    """Clerk half of `Store`; relies on the attributes Store sets up."""

    _conn: sqlite3.Connection
    _lock: threading.RLock
    _path: Path
    _keys: crypto.Keys
    _search: Any
    audit: Any
    data_dir: Path
    _originals_given: dict[str, str] | None = None  # from ClerkDesk's catalog
    _originals_rules: dict[str, str] | None = None  # from the data dir's catalog
    _originals_stamp: float | None = None

    if TYPE_CHECKING:

        def _now(self) -> datetime: ...
        def _select(self, where: str, args: tuple[Any, ...]) -> list[Registration]: ...
        def get_setting(self, key: str, default: Any = None) -> Any: ...
        def _state_of(self, reg_id: str) -> State: ...
        def _guard(self) -> Any: ...

    # -- the catalog's originals rule -----------------------------------------------------
    def set_originals_rules(self, rules: Mapping[str, str]) -> None:
        """service id -> "before_upload" | "at_pickup" | "none", from the catalog in use."""
        self._originals_given = dict(rules)

    def originals_rules(self) -> dict[str, str]:
        """The rules given, else those of the data dir's catalog (installed or bundled; read
        again when a new catalog is installed, e.g. by the sync worker's own Store)."""
        if self._originals_given is not None:
            return self._originals_given
        from kiosk.catalog.manager import INSTALLED_NAME, CatalogManager

        installed = self.data_dir / "catalog" / INSTALLED_NAME
        try:
            stamp: float | None = installed.stat().st_mtime
        except OSError:
            stamp = None
        if self._originals_rules is None or stamp != self._originals_stamp:
            catalog = CatalogManager(self.data_dir).current()
            self._originals_rules = {s.id: s.originals_check for s in catalog.services.values()}
            self._originals_stamp = stamp
        return self._originals_rules

    def _before_upload(self) -> list[str]:
        return sorted(k for k, v in self.originals_rules().items() if v == "before_upload")

    def grace_days(self) -> int:
        value = self.get_setting(GRACE_SETTING, GRACE_DAYS_DEFAULT)
        return value if isinstance(value, int) and value >= 0 else GRACE_DAYS_DEFAULT

    def _held_sql(self) -> QueueSql:
        services = self._before_upload()
        marks = ",".join("?" * len(services)) or "NULL"
        return QueueSql(
            f"{_OPEN} AND r.originals IS NULL AND r.service_id IN ({marks})", tuple(services)
        )

    # -- the outbox: held applications, claims -------------------------------------------
    def outbox(self, *, limit: int = 100) -> list[Any]:
        """As `SyncStoreMixin.outbox`, without applications waiting for their originals
        check; those past the grace days are released first, flagged "originals not
        checked" (an `originals_checked` event with `unchecked_sent`)."""
        self.release_unchecked()
        held = self._held_sql()
        with self._guard():
            ids = {
                r[0]
                for r in self._conn.execute(
                    f"SELECT r.id FROM registrations r WHERE {held.where}", held.args
                )
            }
        items = super().outbox(limit=limit + len(ids))  # type: ignore[misc]
        return [i for i in items if i.registration.id not in ids][:limit]

    def release_unchecked(self) -> int:
        """Send-anyway after the grace days: returns how many were released."""
        held = self._held_sql()
        cutoff = (self._now() - timedelta(days=self.grace_days())).isoformat()
        sql = f"SELECT r.id, r.service_id FROM registrations r WHERE {held.where} AND "
        sql += "r.submitted_at <= ?"
        with self._guard():  # a read first: the outbox is read far more often than this writes
            if not self._conn.execute(sql, (*held.args, cutoff)).fetchall():
                return 0
        with self._lock, write_tx(self._conn, self._path):
            rows = self._conn.execute(sql, (*held.args, cutoff)).fetchall()
            for reg_id, service_id in rows:
                self._set_originals(reg_id, "unchecked_sent")
                data = {"checks": [], "unchecked_sent": True}
                self.add_event(reg_id, "originals_checked", KIOSK_STAFF, service_id, data)
                self.audit.append("kiosk", "clerk.originals_unchecked_sent", reg_id, {})
        return len(rows)

    def _set_originals(self, reg_id: str, value: str) -> None:
        self._conn.execute(
            "UPDATE registrations SET originals = ?, originals_at = ? WHERE id = ?",
            (value, self._now().isoformat(), reg_id),
        )

    def mark_uploading(self, reg_id: str, *, seen: datetime | None = None) -> None:
        """The sync worker's claim: state uploading, a lease on the outbox row. `seen` (the
        `updated_at` the worker read) must still be current, else WrongState: the record was
        corrected since, and the next round reads it again."""
        with self._lock, write_tx(self._conn, self._path):
            row = self._conn.execute(
                "SELECT state, updated_at FROM registrations WHERE id = ?", (reg_id,)
            ).fetchone()
            if row is None:
                raise NotFound(f"No registration {reg_id}.")
            if row[0] not in (State.SUBMITTED.value, State.UPLOADING.value):
                raise WrongState(f"Registration {reg_id} is {row[0]}, not waiting to upload.")
            if seen is not None and datetime.fromisoformat(row[1]) != seen:
                raise WrongState(f"Registration {reg_id} changed since it was read.")
            self._conn.execute(
                "UPDATE registrations SET state = 'uploading' WHERE id = ?", (reg_id,)
            )
            self._conn.execute(
                "UPDATE outbox SET claimed_until = ? WHERE registration_id = ?",
                ((self._now() + CLAIM_LEASE).isoformat(), reg_id),
            )

    def record_sync_error(self, reg_id: str, message: str) -> None:
        """As the sync half, and the claim ends (a clerk may correct it now)."""
        super().record_sync_error(reg_id, message)  # type: ignore[misc]
        with self._lock, write_tx(self._conn, self._path):
            self._conn.execute(
                "UPDATE outbox SET claimed_until = NULL WHERE registration_id = ?", (reg_id,)
            )

    def version_of(self, reg_id: str) -> int:
        """The local version of a record's answers (1 until a clerk corrects it)."""
        with self._guard():
            row = self._conn.execute(
                "SELECT version FROM registrations WHERE id = ?", (reg_id,)
            ).fetchone()
        if row is None:
            raise NotFound(f"No registration {reg_id}.")
        return int(row[0])

    def claimed(self, reg_id: str) -> bool:
        row = self._conn.execute(
            "SELECT claimed_until FROM outbox WHERE registration_id = ?", (reg_id,)
        ).fetchone()
        return bool(row and row[0] and row[0] > self._now().isoformat())

    # -- sync problems ----------------------------------------------------------------------
    def problem_ids(self) -> set[str]:
        with self._guard():
            return {
                r[0]
                for r in self._conn.execute(
                    "SELECT id FROM registrations WHERE problem IS NOT NULL"
                )
            }

    def mark_problem(self, reg_id: str, code: str, message_key: str) -> None:
        """Put the record into the problems state (never retried alone; a clerk looks)."""
        with self._lock, write_tx(self._conn, self._path):
            self._conn.execute(
                "UPDATE registrations SET problem = ?, problem_key = ?, problem_at = ? "
                "WHERE id = ?",
                (code, message_key, self._now().isoformat(), reg_id),
            )
            self.audit.append("kiosk", "clerk.sync_problem", reg_id, {"code": code})

    def clear_problem(self, reg_id: str, staff_id: str) -> None:
        with self._lock, write_tx(self._conn, self._path):
            self._conn.execute(
                "UPDATE registrations SET problem = NULL, problem_key = NULL, problem_at = NULL "
                "WHERE id = ?",
                (reg_id,),
            )
            self.audit.append(staff_id, "clerk.problem_cleared", reg_id, {})

    # -- queues -----------------------------------------------------------------------------
    def queue_sql(self, which: str, day: date) -> QueueSql:
        """The clerk queues (kiosk.clerk.Queue values) as SQL over `registrations r`."""
        if which == "originals":
            return self._held_sql()
        if which == "needs_papers":
            return QueueSql(f"{_LIVE} AND r.server_status = 'needs_papers'", ())
        if which == "supplement":
            return QueueSql(
                f"{_LIVE} AND r.id IN (SELECT registration_id FROM registration_versions "
                "WHERE kind = 'supplement' AND sent_at IS NULL)",
                (),
            )
        if which == "pickup":
            return QueueSql(
                f"{_LIVE} AND r.server_status = 'ready_for_pickup' AND r.collected_at IS NULL",
                (),
            )
        if which == "problems":
            return QueueSql(f"{_LIVE} AND r.problem IS NOT NULL", ())
        if which == "today":
            start, end = day_bounds(day)
            return QueueSql(f"{_LIVE} AND r.submitted_at >= ? AND r.submitted_at < ?", (start, end))
        raise ValueError(f"unknown queue {which!r}")

    def queue_count(self, which: str, day: date) -> int:
        q = self.queue_sql(which, day)
        with self._guard():
            row = self._conn.execute(
                f"SELECT COUNT(*) FROM registrations r WHERE {q.where}", q.args
            ).fetchone()
        return int(row[0])

    def queue_page(self, which: str, day: date, *, limit: int, offset: int) -> list[Registration]:
        """Newest first."""
        q = self.queue_sql(which, day)
        with self._guard():
            seqs = [
                r[0]
                for r in self._conn.execute(
                    f"SELECT r.seq FROM registrations r WHERE {q.where} "
                    "ORDER BY r.seq DESC LIMIT ? OFFSET ?",
                    (*q.args, limit, offset),
                )
            ]
            if not seqs:
                return []
            marks = ",".join("?" * len(seqs))
            return self._select(f"seq IN ({marks}) ORDER BY seq DESC", tuple(seqs))

    def sync_flags(self, reg_ids: list[str]) -> dict[str, str]:
        """A queue page's sync states beyond the kiosk state: id -> "problem" | "held" |
        "sending" (absent: nothing special)."""
        if not reg_ids:
            return {}
        marks = ",".join("?" * len(reg_ids))
        held = self._held_sql()
        now = self._now().isoformat()
        with self._guard():
            rows = self._conn.execute(
                f"SELECT r.id, r.problem IS NOT NULL, r.id IN (SELECT r.id FROM registrations r "
                f"WHERE {held.where} AND r.id IN ({marks})), "
                "COALESCE(o.claimed_until > ?, 0) FROM registrations r LEFT JOIN outbox o "
                f"ON o.registration_id = r.id WHERE r.id IN ({marks})",
                (*held.args, *reg_ids, now, *reg_ids),
            ).fetchall()
        out: dict[str, str] = {}
        for reg_id, problem, is_held, sending in rows:
            if problem:
                out[reg_id] = "problem"
            elif is_held:
                out[reg_id] = "held"
            elif sending:
                out[reg_id] = "sending"
        return out

    def clerk_record(self, reg_id: str) -> ClerkRecord:
        """The clerk's columns of a record, its versions and its staff events."""
        with self._guard():
            row = self._conn.execute(
                "SELECT version, assisted_by, originals, originals_at, collected_at, problem, "
                "problem_key, problem_at, state, service_id FROM registrations WHERE id = ?",
                (reg_id,),
            ).fetchone()
            if row is None:
                raise NotFound(f"No registration {reg_id}.")
            events = [
                event_from_row(self._keys.answers, r)
                for r in self._conn.execute(
                    "SELECT id, registration_id, kind, staff_id, at, day, service_id, "
                    "amount_riel, data, sent_at, refused FROM staff_events "
                    "WHERE registration_id = ? ORDER BY seq",
                    (reg_id,),
                )
            ]
            versions = [
                VersionRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6])
                for r in self._conn.execute(
                    "SELECT version, kind, wire_version, staff_id, at, sent_at, refused "
                    "FROM registration_versions WHERE registration_id = ? ORDER BY version",
                    (reg_id,),
                )
            ]
            held = self._held_sql()
            is_held = (
                self._conn.execute(
                    f"SELECT 1 FROM registrations r WHERE {held.where} AND r.id = ?",
                    (*held.args, reg_id),
                ).fetchone()
                is not None
            )
            return ClerkRecord(
                version=row[0],
                assisted_by=row[1],
                originals=row[2],
                originals_at=row[3],
                collected_at=row[4],
                problem=row[5],
                problem_key=row[6],
                problem_at=row[7],
                claimed=self.claimed(reg_id),
                held=is_held,
                events=events,
                versions=versions,
            )

    def set_assisted_by(self, reg_id: str, staff_id: str) -> None:
        """Mark an application as made with a clerk's help (the draft or the submitted one)."""
        with self._lock, write_tx(self._conn, self._path):
            state = self._state_of(reg_id)
            if state is State.PURGED:
                raise WrongState(f"Registration {reg_id} is purged.")
            self._conn.execute(
                "UPDATE registrations SET assisted_by = ? WHERE id = ?", (staff_id, reg_id)
            )
            self.audit.append(staff_id, "clerk.assisted", reg_id, {})

    # -- writes made by ClerkDesk (each in one transaction with its audit entry) ------------
    def add_event(
        self,
        reg_id: str,
        kind: str,
        staff_id: str,
        service_id: str,
        data: dict[str, Any],
        *,
        amount_riel: int | None = None,
    ) -> StaffEvent:
        """Queue a staff event for the server (inside the caller's transaction if open)."""
        from kiosk.model import new_id

        if kind not in EVENT_KINDS:
            raise ValueError(f"unknown staff event {kind!r}")
        now = self._now()
        event = StaffEvent(
            new_id(),
            reg_id,
            kind,
            staff_id,
            now.isoformat(),
            cambodia_today(now).isoformat(),
            service_id,
            amount_riel,
            data,
            None,
            None,
        )
        sealed = crypto.seal(self._keys.answers, canonical_json(data), event_aad(event.id))
        self._conn.execute(
            "INSERT INTO staff_events (id, registration_id, kind, staff_id, at, day, "
            "service_id, amount_riel, data) VALUES (?,?,?,?,?,?,?,?,?)",
            (
                event.id,
                reg_id,
                kind,
                staff_id,
                event.at,
                event.day,
                service_id,
                amount_riel,
                sealed,
            ),
        )
        return event

    @contextlib.contextmanager
    def clerk_tx(self) -> Iterator[None]:
        """One write transaction under the store lock (for ClerkDesk's multi-step writes)."""
        with self._lock, write_tx(self._conn, self._path):
            yield

    def record_originals_checked(
        self, reg_id: str, staff_id: str, checks: list[dict[str, Any]], pages: list[Attachment]
    ) -> StaffEvent:
        with self.clerk_tx():
            service_id = self._service_of(reg_id)
            self._append_pages(reg_id, pages)
            self._set_originals(reg_id, "checked")
            data = {"checks": checks, "unchecked_sent": False}
            event = self.add_event(reg_id, "originals_checked", staff_id, service_id, data)
            self.audit.append(
                staff_id,
                "clerk.originals_checked",
                reg_id,
                {
                    "documents": len(checks),
                    "seen": sum(1 for c in checks if c["seen"]),
                    "photos": len(pages),
                    "event": event.id,
                },
            )
            return event

    def _service_of(self, reg_id: str) -> str:
        row = self._conn.execute(
            "SELECT service_id FROM registrations WHERE id = ?", (reg_id,)
        ).fetchone()
        if row is None:
            raise NotFound(f"No registration {reg_id}.")
        return str(row[0])

    def _append_pages(self, reg_id: str, pages: list[Attachment]) -> list[dict[str, Any]]:
        """New pages after the field's last one (the vault keeps media an attachment names);
        returns their attachment refs."""
        out: list[dict[str, Any]] = []
        for a in pages:
            row = self._conn.execute(
                "SELECT MAX(page) FROM attachments WHERE registration_id = ? AND field_id = ?",
                (reg_id, a.field_id),
            ).fetchone()
            page = 0 if row[0] is None else int(row[0]) + 1
            self._conn.execute(
                "INSERT INTO attachments (registration_id, field_id, page, kind, sha256, size, "
                "mime, checks) VALUES (?,?,?,?,?,?,?,?)",
                (
                    reg_id,
                    a.field_id,
                    page,
                    "document",
                    a.media.sha256,
                    a.media.size,
                    a.media.mime,
                    "{}",
                ),
            )
            out.append(
                {
                    "field_id": a.field_id,
                    "page": page,
                    "sha256": a.media.sha256,
                    "size": a.media.size,
                    "mime": a.media.mime,
                }
            )
        return out

    def new_version(
        self,
        reg_id: str,
        *,
        kind: str,
        staff_id: str,
        answers: dict[str, Any],
        changes: dict[str, Any],
        pages: list[Attachment],
        searchable_fields: Collection[str] | None,
    ) -> tuple[int, int | None]:
        """Write answers as a new version (correction or supplement) in the caller's
        transaction; returns (local version, wire version of a supplement)."""
        row = self._conn.execute(
            "SELECT seq, version, app_number, updated_at FROM registrations WHERE id = ?",
            (reg_id,),
        ).fetchone()
        seq, version, app_number = int(row[0]), int(row[1]) + 1, row[2]
        # updated_at always moves (even if the clock did not): the sync worker's claim
        # compares it with what it read
        stamp = max(self._now(), datetime.fromisoformat(row[3]) + timedelta(microseconds=1))
        # The commit carried the version it was sent at (corrections before upload count),
        # so a supplement's n on the wire is its local version.
        wire = version if kind == "supplement" else None
        now = self._now()
        clean = clean_answers(answers)
        self._conn.execute(
            "UPDATE registrations SET answers = ?, version = ?, updated_at = ? WHERE id = ?",
            (
                encrypt_answers(self._keys.answers, reg_id, clean),
                version,
                stamp.isoformat(),
                reg_id,
            ),
        )
        changes = {**changes, "pages": self._append_pages(reg_id, pages)}
        sealed = crypto.seal(
            self._keys.answers, canonical_json(changes), version_aad(reg_id, version)
        )
        self._conn.execute(
            "INSERT INTO registration_versions (registration_id, version, kind, wire_version, "
            "staff_id, at, day, changes) VALUES (?,?,?,?,?,?,?,?)",
            (
                reg_id,
                version,
                kind,
                wire,
                staff_id,
                now.isoformat(),
                cambodia_today(now).isoformat(),
                sealed,
            ),
        )
        self._conn.execute(
            "INSERT OR REPLACE INTO search_tokens (rowid, tokens) VALUES (?,?)",
            (seq, self._search.doc(clean, app_number, searchable_fields)),
        )
        return version, wire

    def seal_note(self, data: dict[str, Any], reg_id: str, version: int) -> str:
        """Personal data for an audit entry, sealed with the answers key (base64): the audit
        is plaintext and goes to the server, so old and new values travel only like this."""
        import base64

        aad = f"sala/audit/{reg_id}/{version}".encode("ascii")
        blob = crypto.seal(self._keys.answers, canonical_json(data), aad)
        return base64.b64encode(blob).decode("ascii")

    def set_attachment_checks(self, reg_id: str, field_id: str, checks: dict[str, Any]) -> None:
        self._conn.execute(
            "UPDATE attachments SET checks = ? WHERE registration_id = ? AND field_id = ?",
            (canonical_json(checks).decode(), reg_id, field_id),
        )

    def mark_collected(self, reg_id: str) -> None:
        self._conn.execute(
            "UPDATE registrations SET collected_at = ? WHERE id = ?",
            (self._now().isoformat(), reg_id),
        )
