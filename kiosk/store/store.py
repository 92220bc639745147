"""`Store`: the kiosk's durable, encrypted record of every registration (ARCHITECTURE "Store").

One SQLite file (WAL, synchronous=FULL) plus the media vault. A submit writes the state, answers,
attachments, application number, receipt, outbox row, search tokens and audit entry in ONE
transaction, so the citizen is told "saved" only when all of it is on disk. Public methods take
one lock, so the UI's database worker and the sync thread can share an instance.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
from collections.abc import Callable, Collection
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from kiosk.model import Attachment, MediaRef, Receipt, Registration, State, new_id, utc_now
from kiosk.store import crypto
from kiosk.store.appnumber import (
    PROVISIONAL_KIOSK,
    format_app_number,
    normalise_app_number,
    verification_code,
)
from kiosk.store.audit import AuditLog
from kiosk.store.backup import backup_before_migration
from kiosk.store.clerk import ClerkStoreMixin
from kiosk.store.db import DB_FILE, check_writable, connect, damaged, write_tx
from kiosk.store.errors import (
    MediaMissing,
    NotFound,
    StoreCorrupt,
    StoreError,
    WrongState,
    translate_sqlite,
)
from kiosk.store.health import HealthMixin, secure_permissions
from kiosk.store.keyring import open_keys
from kiosk.store.migrations import migrate
from kiosk.store.outbox import SyncStoreMixin
from kiosk.store.registrations import (
    REG_COLUMNS,
    clean_answers,
    encrypt_answers,
    submission_sha256,
    write_attachments,
)
from kiosk.store.search import SearchIndex, fields_to_index, matches
from kiosk.store.staff import StaffStoreMixin
from kiosk.store.vault import MediaVault

MEDIA_DIR = "media"
ORPHAN_HOURS = 24.0  # media no attachment refers to are removed after this long
_SEARCH_READY = "_search_backfilled"


class Store(HealthMixin, ClerkStoreMixin, SyncStoreMixin, StaffStoreMixin):
    """See ARCHITECTURE.md "Store"; open with `Store.open(data_dir, commune_code=...)`."""

    vault: MediaVault
    audit: AuditLog

    def __init__(
        self,
        data_dir: Path,
        conn: sqlite3.Connection,
        keys: crypto.Keys,
        commune_code: str,
        clock: Callable[[], datetime],
        kiosk_number: int | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.commune_code = commune_code
        self._kiosk_number = kiosk_number
        self._conn = conn
        self._keys = keys
        self._clock = clock
        self._lock = threading.RLock()
        self._closed = False
        self._path = data_dir / DB_FILE
        self._search = SearchIndex(keys.search)
        self.vault = MediaVault(data_dir / MEDIA_DIR, keys.media)
        self.audit = AuditLog(conn, self._lock, self._now, self._path)

    # -- opening -----------------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        data_dir: Path,
        *,
        commune_code: str,
        clock: Callable[[], datetime] = utc_now,
        passphrase: str | None = None,
        secret_dir: Path | None = None,
        orphan_hours: float = ORPHAN_HOURS,
        kiosk_number: int | None = None,
    ) -> Store:
        """Open or create the store. Raises StoreReadOnly, StoreCorrupt, StoreFull, KeyLocked.

        `passphrase` defaults to $SALA_PASSPHRASE; `secret_dir` (where the machine secret lives)
        to $SALA_SECRET_DIR or the per-user config dir. `kiosk_number` (given at enrolment)
        defaults to the one in the data dir's config.json, read at each submit.
        """
        data_dir = Path(data_dir)
        if passphrase is None:
            passphrase = os.environ.get("SALA_PASSPHRASE") or None
        check_writable(data_dir)
        path = data_dir / DB_FILE
        conn = connect(path, clock())
        try:
            try:
                backup_before_migration(conn, data_dir, clock())  # only when the schema moves
                migrate(conn)
            except sqlite3.Error as exc:
                raise (translate_sqlite(exc, path) or StoreError(str(exc))) from exc
            except (ValueError, LookupError) as exc:  # damaged schema text, odd records
                raise damaged(path, clock(), exc) from exc
            secure_permissions(data_dir, data_dir / MEDIA_DIR)
            keys = open_keys(
                conn,
                data_dir,
                passphrase,
                secret_dir or crypto.default_secret_dir(),
                clock().astimezone(UTC).isoformat(),
            )
        except BaseException:
            conn.close()
            raise
        store = cls(data_dir, conn, keys, commune_code, clock, kiosk_number)
        try:
            store._backfill_search()
            store.sweep_orphans(older_than_hours=orphan_hours)
        except BaseException:
            store.close()
            raise
        return store

    def close(self) -> None:
        """Close the database; a second call does nothing."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            with contextlib.suppress(sqlite3.Error):
                self._conn.execute("PRAGMA optimize")
            self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- helpers -------------------------------------------------------------------------------
    def _now(self) -> datetime:
        return self._clock().astimezone(UTC)

    def kiosk_number(self) -> int:
        """The number the server gave this kiosk at enrolment, or 0 (provisional) before."""
        if self._kiosk_number is not None:
            return self._kiosk_number
        from kiosk.config import read_kiosk_number

        return read_kiosk_number(self.data_dir) or PROVISIONAL_KIOSK

    def _select(self, where: str, args: tuple[Any, ...]) -> list[Registration]:
        rows = self._conn.execute(
            f"SELECT {REG_COLUMNS} FROM registrations WHERE {where}", args
        ).fetchall()
        return self._rows_to_regs(rows)

    def _put_setting(self, key: str, value: Any) -> None:
        self._conn.execute(
            "INSERT OR REPLACE INTO settings (key, value, updated_at) VALUES (?,?,?)",
            (key, json.dumps(value, ensure_ascii=False), self._now().isoformat()),
        )

    def _backfill_search(self) -> None:
        """Index registrations submitted before the search table existed (schema v1)."""
        if self.get_setting(_SEARCH_READY):
            return
        with self._lock, write_tx(self._conn, self._path):
            rows = self._conn.execute(
                f"SELECT {REG_COLUMNS} FROM registrations WHERE state NOT IN "
                "('draft', 'purged') AND seq NOT IN (SELECT rowid FROM search_tokens)"
            ).fetchall()
            seqs = {row[1]: row[0] for row in rows}
            for reg in self._rows_to_regs(rows):
                self._conn.execute(
                    "INSERT INTO search_tokens (rowid, tokens) VALUES (?,?)",
                    (seqs[reg.id], self._search.doc(reg.answers, reg.app_number)),
                )
            self._put_setting(_SEARCH_READY, True)

    def _check_media(self, attachments: Collection[Attachment]) -> None:
        missing = [a.media.sha256 for a in attachments if not self.vault.has(a.media.sha256)]
        if missing:
            raise MediaMissing(
                f"Media not in the vault: {', '.join(missing)}. Take the photo or page again."
            )

    # -- citizen journey -------------------------------------------------------------------------
    def create_draft(self, service_id: str, form_version: str, locale: str) -> Registration:
        now = self._now()
        reg = Registration(
            id=new_id(),
            service_id=service_id,
            form_version=form_version,
            state=State.DRAFT,
            locale=locale,
            commune_code=self.commune_code,
            created_at=now,
            updated_at=now,
        )
        with self._lock, write_tx(self._conn, self._path):
            self._conn.execute(
                "INSERT INTO registrations (id, service_id, form_version, state, locale, "
                "commune_code, created_at, updated_at, answers) VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    reg.id,
                    service_id,
                    form_version,
                    State.DRAFT.value,
                    locale,
                    self.commune_code,
                    now.isoformat(),
                    now.isoformat(),
                    encrypt_answers(self._keys.answers, reg.id, {}),
                ),
            )
        return reg

    def save_draft(
        self, reg_id: str, answers: dict[str, Any], attachments: list[Attachment] | None = None
    ) -> None:
        """Autosave: answers (and attachments if given) replace what was saved before."""
        clean = clean_answers(answers)
        if attachments is not None:
            self._check_media(attachments)
        blob = encrypt_answers(self._keys.answers, reg_id, clean)
        with self._lock, write_tx(self._conn, self._path):
            state = self._state_of(reg_id)
            if state != State.DRAFT:
                raise WrongState(f"Registration {reg_id} is {state}; only drafts change.")
            self._conn.execute(
                "UPDATE registrations SET answers = ?, updated_at = ? WHERE id = ?",
                (blob, self._now().isoformat(), reg_id),
            )
            if attachments is not None:
                write_attachments(self._conn, reg_id, attachments)

    def discard_draft(self, reg_id: str) -> None:
        """Idle wipe: the draft, its answers and the media only it used are gone."""
        with self._guard():
            with write_tx(self._conn, self._path):
                row = self._conn.execute(
                    "SELECT state FROM registrations WHERE id = ?", (reg_id,)
                ).fetchone()
                if row is None:
                    return
                if row[0] != State.DRAFT.value:
                    raise WrongState(f"Registration {reg_id} is {row[0]}; only drafts go.")
                shas = [
                    r[0]
                    for r in self._conn.execute(
                        "SELECT DISTINCT sha256 FROM attachments WHERE registration_id = ?",
                        (reg_id,),
                    )
                ]
                self._conn.execute("DELETE FROM registrations WHERE id = ?", (reg_id,))
            for sha in shas:
                if not self._referenced(sha):
                    self.vault.delete(sha)
            self.checkpoint()  # the draft's old pages must not stay in the WAL

    def discard_stale_drafts(self, *, older_than_hours: float = 24.0) -> int:
        """Wipe drafts nobody touched for a while (a session cut off by a crash or power cut
        never reaches the idle wipe). Returns how many went."""
        cutoff = (self._now() - timedelta(hours=older_than_hours)).isoformat()
        with self._guard():
            ids = [
                r[0]
                for r in self._conn.execute(
                    "SELECT id FROM registrations WHERE state = 'draft' AND updated_at < ?",
                    (cutoff,),
                )
            ]
            for reg_id in ids:
                self.discard_draft(reg_id)
        return len(ids)

    def _referenced(self, sha256: str) -> bool:
        return (
            self._conn.execute(
                "SELECT 1 FROM attachments WHERE sha256 = ? LIMIT 1", (sha256,)
            ).fetchone()
            is not None
        )

    def add_media(self, data: bytes, mime: str) -> MediaRef:
        return self.vault.put(data, mime)

    def read_media(self, sha256: str) -> bytes:
        return self.vault.get(sha256)

    def submit(
        self,
        reg_id: str,
        answers: dict[str, Any],
        attachments: list[Attachment],
        *,
        fee_khr: int,
        processing_days: int | None = None,
        service: Any = None,
        searchable_fields: Collection[str] | None = None,
    ) -> Receipt:
        """Make the draft durable and give its receipt. Submitting twice returns the same
        receipt (a double tap or a retry after a crash never makes a second number).

        The clerk's search indexes exactly the `service`'s fields marked searchable in the
        catalog (or `searchable_fields`); with neither, the old naming convention."""
        if searchable_fields is None and service is not None:
            searchable_fields = fields_to_index(service)
        clean = clean_answers(answers)
        self._check_media(attachments)
        blob = encrypt_answers(self._keys.answers, reg_id, clean)
        with self._lock, write_tx(self._conn, self._path):
            row = self._conn.execute(
                "SELECT seq, state, service_id, form_version FROM registrations WHERE id = ?",
                (reg_id,),
            ).fetchone()
            if row is None:
                raise NotFound(f"No registration {reg_id}.")
            seq, state, service_id, form_version = row
            if state != State.DRAFT.value:
                existing = self._receipt(reg_id)
                if existing is None:
                    raise WrongState(f"Registration {reg_id} is {state}.")
                return existing
            number = self._conn.execute(
                "UPDATE counters SET value = value + 1 WHERE name = 'app_number' RETURNING value"
            ).fetchone()[0]
            app = format_app_number(self.commune_code, number, self.kiosk_number())
            now = self._now().isoformat()
            receipt = Receipt(
                registration_id=reg_id,
                app_number=app,
                verification_code=verification_code(self._keys.verification, reg_id),
                service_id=service_id,
                form_version=form_version,
                commune_code=self.commune_code,
                fee_khr=fee_khr,
                submitted_at=datetime.fromisoformat(now),
                processing_days=processing_days,
            )
            self._conn.execute(
                "UPDATE registrations SET state = 'submitted', answers = ?, app_number = ?, "
                "submitted_at = ?, fee_khr = ?, content_sha256 = ?, updated_at = ?, "
                "commune_code = ? WHERE id = ?",
                (
                    blob,
                    app,
                    now,
                    fee_khr,
                    submission_sha256(clean, attachments),
                    now,
                    self.commune_code,
                    reg_id,
                ),
            )
            write_attachments(self._conn, reg_id, attachments)
            self._conn.execute(
                "INSERT INTO receipts (registration_id, app_number, verification_code, "
                "service_id, form_version, commune_code, fee_khr, submitted_at, "
                "processing_days) VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    reg_id,
                    app,
                    receipt.verification_code,
                    service_id,
                    form_version,
                    self.commune_code,
                    fee_khr,
                    now,
                    processing_days,
                ),
            )
            self._conn.execute(
                "INSERT INTO outbox (registration_id, queued_at) VALUES (?,?)", (reg_id, now)
            )
            self._conn.execute(
                "INSERT OR REPLACE INTO search_tokens (rowid, tokens) VALUES (?,?)",
                (seq, self._search.doc(clean, app, searchable_fields)),
            )
            self.audit.append(
                "kiosk",
                "submitted",
                reg_id,
                {
                    "app_number": app,
                    "service_id": service_id,
                    "form_version": form_version,
                    "attachments": len(attachments),
                },
            )
        return receipt

    # -- reading ---------------------------------------------------------------------------------
    def get(self, reg_id: str) -> Registration:
        with self._guard():
            regs = self._select("id = ?", (reg_id,))
            if not regs:
                row = self._conn.execute(
                    "SELECT damaged FROM registrations WHERE id = ?", (reg_id,)
                ).fetchone()
        if not regs:
            if row is not None and row[0] is not None:
                raise StoreCorrupt(
                    f"Registration {reg_id} is damaged ({row[0]}); run `sala self-test`.",
                    message_key="store.row_damaged",
                )
            raise NotFound(f"No registration {reg_id}.")
        return regs[0]

    def _receipt(self, reg_id: str) -> Receipt | None:
        row = self._conn.execute(
            "SELECT registration_id, app_number, verification_code, service_id, form_version, "
            "commune_code, fee_khr, submitted_at, processing_days FROM receipts "
            "WHERE registration_id = ?",
            (reg_id,),
        ).fetchone()
        if row is None:
            return None
        return Receipt(
            registration_id=row[0],
            app_number=row[1],
            verification_code=row[2],
            service_id=row[3],
            form_version=row[4],
            commune_code=row[5],
            fee_khr=row[6],
            submitted_at=datetime.fromisoformat(row[7]),
            processing_days=row[8],
        )

    def receipt(self, reg_id: str) -> Receipt:
        with self._guard():
            found = self._receipt(reg_id)
        if found is None:
            raise NotFound(f"Registration {reg_id} has no receipt (not submitted).")
        return found

    def by_app_number(self, app_number: str) -> Registration | None:
        number = normalise_app_number(app_number)
        with self._guard():
            regs = self._select(
                "damaged IS NULL AND (app_number = ? OR id = (SELECT registration_id FROM "
                "app_number_aliases WHERE app_number = ?))",
                (number, number),
            )
        return regs[0] if regs else None

    def list_by_state(self, state: State, *, limit: int = 100) -> list[Registration]:
        """Oldest first: the order a clerk's queue is worked through."""
        with self._guard():
            return self._select(
                "state = ? AND damaged IS NULL ORDER BY seq LIMIT ?", (State(state).value, limit)
            )

    def counts_by_state(self) -> dict[State, int]:
        with self._guard():
            rows = self._conn.execute(
                "SELECT state, COUNT(*) FROM registrations GROUP BY state"
            ).fetchall()
        counts = dict.fromkeys(State, 0)
        counts.update({State(s): n for s, n in rows})
        return counts

    def search(self, query: str, *, limit: int = 50) -> list[Registration]:
        """Names (Khmer by any 2+ characters, Latin), phone or application number; newest
        first. Drafts are not indexed: they are the citizen's, not yet the clerk's."""
        expr = self._search.match(query)
        if expr is None:
            return []
        found: list[Registration] = []
        batch, offset, scanned = max(limit * 2, 20), 0, 0
        with self._guard():
            while len(found) < limit and scanned < 5000:
                seqs = [
                    r[0]
                    for r in self._conn.execute(
                        "SELECT rowid FROM search_tokens WHERE search_tokens MATCH ? "
                        "ORDER BY rowid DESC LIMIT ? OFFSET ?",
                        (expr, batch, offset),
                    )
                ]
                if not seqs:
                    break
                marks = ",".join("?" * len(seqs))
                regs = self._select(
                    f"seq IN ({marks}) AND damaged IS NULL ORDER BY seq DESC", tuple(seqs)
                )
                found.extend(r for r in regs if self._matches(query, r))
                offset += len(seqs)
                scanned += len(seqs)
        return found[:limit]

    # -- settings, retention -------------------------------------------------------------------
    def get_setting(self, key: str, default: Any = None) -> Any:
        with self._guard():
            row = self._conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def set_setting(self, key: str, value: Any) -> None:
        with self._lock, write_tx(self._conn, self._path):
            self._put_setting(key, value)

    def purge_due(self, *, retention_days: int) -> int:
        """Remove PII and media of registrations decided more than `retention_days` ago.
        A tombstone (id, app number, status, content hash, receipt) stays."""
        cutoff = (self._now() - timedelta(days=retention_days)).isoformat()
        with self._guard():
            with write_tx(self._conn, self._path):
                rows = self._conn.execute(
                    "SELECT id, seq FROM registrations WHERE state = 'decided' "
                    "AND decided_at IS NOT NULL AND decided_at <= ?",
                    (cutoff,),
                ).fetchall()
                shas: set[str] = set()
                now = self._now().isoformat()
                for reg_id, seq in rows:
                    shas.update(
                        r[0]
                        for r in self._conn.execute(
                            "SELECT sha256 FROM attachments WHERE registration_id = ?", (reg_id,)
                        )
                    )
                    self._conn.execute(
                        "DELETE FROM attachments WHERE registration_id = ?", (reg_id,)
                    )
                    self._conn.execute("DELETE FROM search_tokens WHERE rowid = ?", (seq,))
                    self._conn.execute(
                        "UPDATE status_history SET note = NULL WHERE registration_id = ?", (reg_id,)
                    )
                    self._conn.execute(
                        "UPDATE registrations SET state = 'purged', answers = NULL, "
                        "status_note = NULL, purged_at = ?, updated_at = ? WHERE id = ?",
                        (now, now, reg_id),
                    )
                    self.audit.append("kiosk", "purged", reg_id, {"retention_days": retention_days})
            for sha in shas:
                if not self._referenced(sha):
                    self.vault.delete(sha)
            if rows:
                self.checkpoint()  # purged answers and notes must not stay in the WAL
        return len(rows)

    def sweep_orphans(self, *, older_than_hours: float = ORPHAN_HOURS) -> int:
        """Delete vault files that no attachment row refers to, older than the given age."""
        with self._guard():
            return len(self.vault.sweep(self._referenced, older_than_s=older_than_hours * 3600))

    def _matches(self, query: str, reg: Registration) -> bool:
        """The exact check, also against numbers the registration was printed with before."""
        if matches(query, reg.answers, reg.app_number):
            return True
        old = self._conn.execute(
            "SELECT app_number FROM app_number_aliases WHERE registration_id = ?", (reg.id,)
        ).fetchall()
        return any(matches(query, {}, r[0]) for r in old)
