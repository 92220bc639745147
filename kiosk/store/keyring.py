"""Finding, creating and unwrapping the data key of one data dir (see crypto.py for the scheme).

The wrapped key is kept twice: in the database (authoritative: it sits in the same file as the
answers it encrypts) and in `keyring.json` (so a technician can back it up, and a database
restored without it still opens). First-time creation happens under the database write lock,
so two processes starting together on an empty data dir agree on one key.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from kiosk.store import crypto
from kiosk.store.db import DB_FILE, write_tx
from sync.protocol import canonical_text

KEYRING_SETTING = "_keyring"


def _read_ring(conn: sqlite3.Connection, ring_path: Path) -> dict[str, Any] | None:
    row = conn.execute("SELECT value FROM settings WHERE key = ?", (KEYRING_SETTING,)).fetchone()
    if row is not None:
        ring: dict[str, Any] = json.loads(row[0])
        return ring
    try:
        loaded = json.loads(ring_path.read_text("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise crypto.KeyLocked(
            f"The key file {ring_path} is unreadable ({exc}). Restore it "
            "from the backup of this data dir."
        ) from None
    return loaded if isinstance(loaded, dict) else None


def _mirror(conn: sqlite3.Connection, ring: dict[str, Any], now_iso: str) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO settings (key, value, updated_at) VALUES (?,?,?)",
        (KEYRING_SETTING, canonical_text(ring), now_iso),
    )


def open_keys(
    conn: sqlite3.Connection, data_dir: Path, passphrase: str | None, secret_dir: Path, now_iso: str
) -> crypto.Keys:
    """The purpose keys for this data dir; creates the data key on first use.
    Raises KeyLocked with what to do when the key cannot be opened."""
    ring_path = data_dir / crypto.KEYRING_FILE
    db_path = data_dir / DB_FILE
    ring = _read_ring(conn, ring_path)
    if ring is None:
        with write_tx(conn, db_path):
            ring = _read_ring(conn, ring_path)  # another process may have just made it
            if ring is None:
                if conn.execute("SELECT 1 FROM registrations LIMIT 1").fetchone() is not None:
                    raise crypto.KeyLocked(
                        f"The key file {ring_path} is missing and the database holds "
                        "registrations. Restore keyring.json from the backup of this data dir."
                    )
                secret = crypto.machine_secret(secret_dir, create=True)
                assert secret is not None
                ring, _ = crypto.new_keyring(secret, passphrase)
                crypto.write_private(ring_path, crypto.dump_ring(ring))
                _mirror(conn, ring, now_iso)
    secret = crypto.machine_secret(secret_dir, create=False)
    if secret is None:
        raise crypto.KeyLocked(
            f"The machine secret {secret_dir / crypto.MACHINE_SECRET_FILE} is missing, so the "
            f"data in {data_dir} cannot be opened. Restore it from the technician backup.",
            message_key="store.secret_missing",
        )
    data_key = crypto.unwrap(ring, secret, passphrase, data_dir)
    try:
        on_disk = json.loads(ring_path.read_text("utf-8"))
    except (OSError, ValueError):
        on_disk = None
    if on_disk != ring:
        crypto.write_private(ring_path, crypto.dump_ring(ring))
    stored = conn.execute("SELECT value FROM settings WHERE key = ?", (KEYRING_SETTING,)).fetchone()
    if stored is None or json.loads(stored[0]) != ring:
        with write_tx(conn, db_path):
            _mirror(conn, ring, now_iso)
    return crypto.Keys.derive(data_key)
