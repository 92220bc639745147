"""The clerk half of the store that the sync client and the end of day read: queued staff
events, supplements and signed day summaries, and the day's counts (kiosk/store/clerk.py
mixes it in; see its docstring)."""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.i18n import CAMBODIA
from kiosk.model import Attachment, MediaRef
from kiosk.store import crypto
from kiosk.store.clerk_rows import (
    DayCounts,
    EndOfDay,
    PendingEvent,
    PendingSupplement,
    event_from_row,
)
from kiosk.store.db import write_tx
from kiosk.store.errors import NotFound
from sync.protocol import canonical_json

# The staff id of what the kiosk does by itself (the grace-days release): the nil UUID, as
# the wire wants a staff id of UUID shape on every event.
KIOSK_STAFF = "00000000-0000-0000-0000-000000000000"


class ClerkReportsMixin:
    """Read by the sync client and the end of day; relies on the attributes Store sets up."""

    _conn: sqlite3.Connection
    _lock: threading.RLock
    _path: Path
    _keys: crypto.Keys
    audit: Any

    if TYPE_CHECKING:

        def _now(self) -> datetime: ...
        def _guard(self) -> Any: ...

    # -- for the sync client (sync/client/clerk_push.py) -------------------------------------
    def events_pending(self, *, limit: int = 100) -> list[PendingEvent]:
        """Unsent staff events of records the server has (accepted or decided), oldest first."""
        with self._guard():
            rows = self._conn.execute(
                "SELECT e.id, e.registration_id, e.kind, e.staff_id, e.at, e.day, e.service_id, "
                "e.amount_riel, e.data, e.sent_at, e.refused FROM staff_events e "
                "JOIN registrations r ON r.id = e.registration_id "
                "WHERE e.sent_at IS NULL AND r.state IN ('accepted', 'decided') "
                "AND r.problem IS NULL ORDER BY e.seq LIMIT ?",
                (limit,),
            ).fetchall()
            return [PendingEvent(event_from_row(self._keys.answers, r)) for r in rows]

    def mark_event_sent(self, event_id: str, refused: str | None = None) -> None:
        with self._lock, write_tx(self._conn, self._path):
            self._conn.execute(
                "UPDATE staff_events SET sent_at = ?, refused = ? WHERE id = ?",
                (self._now().isoformat(), refused, event_id),
            )

    def supplements_pending(self, *, limit: int = 50) -> list[PendingSupplement]:
        """Unsent supplements, oldest first, with their new pages' attachment rows."""
        with self._guard():
            rows = self._conn.execute(
                "SELECT v.registration_id, v.version, v.wire_version, v.staff_id, v.at, "
                "v.changes FROM registration_versions v JOIN registrations r "
                "ON r.id = v.registration_id WHERE v.kind = 'supplement' AND v.sent_at IS NULL "
                "AND r.problem IS NULL AND r.state != 'purged' ORDER BY v.at, v.version LIMIT ?",
                (limit,),
            ).fetchall()
            out = []
            for reg_id, version, wire, staff_id, at, blob in rows:
                changes = _open(self._keys.answers, blob, version_aad(reg_id, version))
                pages = [
                    Attachment(
                        p["field_id"],
                        "document",
                        MediaRef(p["sha256"], p["size"], p["mime"]),
                        page=p["page"],
                    )
                    for p in changes.get("pages", [])
                ]
                new = {k: v[1] for k, v in changes.get("answers", {}).items()}
                out.append(PendingSupplement(reg_id, version, wire, staff_id, at, new, pages))
            return out

    def mark_supplement_sent(self, reg_id: str, version: int) -> None:
        with self._lock, write_tx(self._conn, self._path):
            self._conn.execute(
                "UPDATE registration_versions SET sent_at = ? WHERE registration_id = ? "
                "AND version = ?",
                (self._now().isoformat(), reg_id, version),
            )

    # -- end of day ------------------------------------------------------------------------
    def day_counts(self, day: date) -> DayCounts:
        start, end = day_bounds(day)
        d = day.isoformat()
        with self._guard():
            q = self._conn.execute
            taken = q(
                "SELECT state, COUNT(*), SUM(problem IS NOT NULL) FROM registrations "
                "WHERE submitted_at >= ? AND submitted_at < ? GROUP BY state",
                (start, end),
            ).fetchall()
            by_kind = dict(
                q(
                    "SELECT kind, COUNT(*) FROM staff_events WHERE day = ? AND NOT "
                    "(kind = 'originals_checked' AND staff_id = ?) GROUP BY kind",
                    (d, KIOSK_STAFF),
                ).fetchall()
            )
            supplements = q(
                "SELECT COUNT(*) FROM registration_versions WHERE day = ? AND kind = 'supplement'",
                (d,),
            ).fetchone()[0]
            fees = q(
                "SELECT service_id, staff_id, amount_riel FROM staff_events "
                "WHERE day = ? AND kind = 'fee_received'",
                (d,),
            ).fetchall()
            signed = q(
                "SELECT revision, signed_by, signed_at FROM end_of_day WHERE day = ? "
                "ORDER BY revision DESC LIMIT 1",
                (d,),
            ).fetchone()
        states = {s: n for s, n, _ in taken}
        return DayCounts(
            taken=sum(states.values()),
            originals_checked=int(by_kind.get("originals_checked", 0)),
            sent=states.get("accepted", 0) + states.get("decided", 0),
            waiting=states.get("submitted", 0) + states.get("uploading", 0),
            problems=sum(int(p or 0) for _, _, p in taken),
            supplements=int(supplements),
            handovers=int(by_kind.get("collected", 0)),
            fees=[(s, c, int(a)) for s, c, a in fees],
            signed=None if signed is None else (int(signed[0]), signed[1], signed[2]),
        )

    def save_end_of_day(self, day: date, body: dict[str, Any], signed_by: str) -> int:
        """Store a signed summary as the day's next revision; returns the revision."""
        with self._lock, write_tx(self._conn, self._path):
            row = self._conn.execute(
                "SELECT MAX(revision) FROM end_of_day WHERE day = ?", (day.isoformat(),)
            ).fetchone()
            revision = int(row[0] or 0) + 1
            body = {**body, "revision": revision}
            self._conn.execute(
                "INSERT INTO end_of_day (day, revision, body, signed_by, signed_at) "
                "VALUES (?,?,?,?,?)",
                (
                    day.isoformat(),
                    revision,
                    canonical_json(body).decode(),
                    signed_by,
                    body["signed_at"],
                ),
            )
            self.audit.append(
                signed_by, "clerk.end_of_day_signed", day.isoformat(), {"revision": revision}
            )
            return revision

    def end_of_day_pending(self) -> list[EndOfDay]:
        with self._guard():
            rows = self._conn.execute(
                "SELECT day, revision, body FROM end_of_day WHERE sent_at IS NULL "
                "ORDER BY day, revision"
            ).fetchall()
        return [EndOfDay(d, r, json.loads(b)) for d, r, b in rows]

    def mark_end_of_day_sent(self, day: str, revision: int, refused: str | None = None) -> None:
        with self._lock, write_tx(self._conn, self._path):
            self._conn.execute(
                "UPDATE end_of_day SET sent_at = ?, refused = ? WHERE day = ? AND revision = ?",
                (self._now().isoformat(), refused, day, revision),
            )


def day_bounds(day: date) -> tuple[str, str]:
    """A Cambodian day as UTC ISO bounds [start, end) for comparing stored timestamps."""
    start = datetime.combine(day, dtime(0), CAMBODIA).astimezone(UTC)
    return start.isoformat(), (start + timedelta(days=1)).isoformat()


def event_aad(event_id: str) -> bytes:
    return f"sala/event/{event_id}".encode("ascii")


def version_aad(reg_id: str, version: int) -> bytes:
    return f"sala/version/{reg_id}/{version}".encode("ascii")


def _open(aead: Any, blob: bytes, aad: bytes) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(crypto.open_sealed(aead, blob, aad))
    return result


def version_changes(store: Any, reg_id: str, version: int) -> dict[str, Any]:
    """The sealed changes of one version (old and new values), for the application view."""
    row = store._conn.execute(
        "SELECT changes FROM registration_versions WHERE registration_id = ? AND version = ?",
        (reg_id, version),
    ).fetchone()
    if row is None:
        raise NotFound(f"No version {version} of {reg_id}.")
    return _open(store._keys.answers, row[0], version_aad(reg_id, version))
