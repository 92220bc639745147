"""The queue and sync state straight from the database file: read-only, no key needed, so
`sala status`, the backlog check and the bundle work even when the data is locked."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

SYNC_SETTINGS = ("sync.last_success", "sync.last_error", "sync.feed_cursor", "sync.clock_offset")


def read_queue(data_dir: Path) -> dict[str, Any]:
    """Counts by state, the pending outbox and its oldest entry, sync settings, damaged rows.
    `{"exists": False}` without a database; sqlite3.Error/ValueError when it is damaged."""
    from kiosk.model import State
    from kiosk.store.db import DB_FILE

    path = data_dir / DB_FILE
    if not path.exists():
        return {"exists": False}
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        counts = dict.fromkeys((s.value for s in State), 0)
        counts.update(
            dict(
                conn.execute("SELECT state, COUNT(*) FROM registrations GROUP BY state").fetchall()
            )
        )
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        sound = " AND r.damaged IS NULL" if version >= 3 else ""
        pending, oldest = conn.execute(
            "SELECT COUNT(*), MIN(o.queued_at) FROM outbox o JOIN registrations r "
            "ON r.id = o.registration_id WHERE r.state IN ('submitted', 'uploading')" + sound
        ).fetchone()
        marks = ",".join("?" * len(SYNC_SETTINGS))
        settings = {
            k: json.loads(v)
            for k, v in conn.execute(
                f"SELECT key, value FROM settings WHERE key IN ({marks})", SYNC_SETTINGS
            )
        }
        rows: list[Any] = []
        if version >= 3:
            rows = conn.execute(
                "SELECT id, app_number, damaged FROM registrations WHERE damaged IS NOT NULL "
                "ORDER BY seq"
            ).fetchall()
    finally:
        conn.close()
    return {
        "exists": True,
        "damaged_rows": [{"id": r[0], "app_number": r[1], "why": r[2]} for r in rows],
        "schema_version": version,
        "counts": counts,
        "outbox_pending": pending,
        "outbox_oldest": oldest,
        "last_sync_success": settings.get("sync.last_success"),
        "last_sync_error": settings.get("sync.last_error"),
        "feed_cursor": settings.get("sync.feed_cursor"),
        "clock_offset": settings.get("sync.clock_offset"),
    }


def sync_errors(data_dir: Path, *, limit: int = 50) -> dict[str, Any]:
    """Recent error texts (raw: the bundle scrubs them): error settings and outbox rows."""
    from kiosk.store.db import DB_FILE

    path = data_dir / DB_FILE
    if not path.exists():
        return {"settings": {}, "outbox": []}
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        settings = {
            k: json.loads(v)
            for k, v in conn.execute(
                "SELECT key, value FROM settings WHERE key LIKE '%error%' "
                "OR key LIKE '%refused%' OR key = 'store.damaged'"
            )
        }
        outbox = [
            {
                "registration_id": r[0],
                "app_number": r[1],
                "attempts": r[2],
                "last_attempt_at": r[3],
                "last_error": r[4],
            }
            for r in conn.execute(
                "SELECT o.registration_id, r.app_number, o.attempts, o.last_attempt_at, "
                "o.last_error FROM outbox o LEFT JOIN registrations r ON r.id = o.registration_id "
                "WHERE o.last_error IS NOT NULL ORDER BY o.last_attempt_at DESC LIMIT ?",
                (limit,),
            )
        ]
    finally:
        conn.close()
    return {"settings": settings, "outbox": outbox}
