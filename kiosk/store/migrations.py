"""Schema migrations (sqlite-utils `Migrations`), from day one.

Each migration runs in its own transaction together with its record in `_sqlite_migrations`;
`PRAGMA user_version` mirrors the count so a technician can read the version with any tool.
Never edit an applied migration: add a new one, and keep an old database file in
`tests/core/fixtures/old_db_v<N>/` whose upgrade is tested.
"""

from __future__ import annotations

import sqlite3

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("sala-store")

_V1 = """
CREATE TABLE registrations (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    service_id TEXT NOT NULL,
    form_version TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN
        ('draft','submitted','uploading','accepted','decided','purged')),
    locale TEXT NOT NULL,
    commune_code TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    answers BLOB,                -- AES-GCM(answers key, canonical JSON), aad = id
    app_number TEXT UNIQUE,
    submitted_at TEXT,
    fee_khr INTEGER,
    content_sha256 TEXT,         -- kept in the tombstone after purge
    server_status TEXT,
    status_note TEXT,
    status_at TEXT,
    server_receipt TEXT,
    last_sync_error TEXT,
    decided_at TEXT,
    purged_at TEXT
);
CREATE INDEX registrations_state ON registrations(state, seq);
CREATE TABLE attachments (
    registration_id TEXT NOT NULL REFERENCES registrations(id) ON DELETE CASCADE,
    field_id TEXT NOT NULL,
    page INTEGER NOT NULL DEFAULT 0,
    kind TEXT NOT NULL CHECK (kind IN ('photo','document')),
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    mime TEXT NOT NULL,
    checks TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (registration_id, field_id, page)
);
CREATE INDEX attachments_sha256 ON attachments(sha256);
CREATE TABLE receipts (
    registration_id TEXT PRIMARY KEY REFERENCES registrations(id) ON DELETE CASCADE,
    app_number TEXT NOT NULL UNIQUE,
    verification_code TEXT NOT NULL,
    service_id TEXT NOT NULL,
    form_version TEXT NOT NULL,
    commune_code TEXT NOT NULL,
    fee_khr INTEGER NOT NULL,
    submitted_at TEXT NOT NULL,
    processing_days INTEGER
);
CREATE TABLE outbox (
    registration_id TEXT PRIMARY KEY REFERENCES registrations(id) ON DELETE CASCADE,
    queued_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    last_attempt_at TEXT,
    last_error TEXT
);
CREATE TABLE uploads (
    registration_id TEXT NOT NULL REFERENCES registrations(id) ON DELETE CASCADE,
    sha256 TEXT NOT NULL,
    url TEXT NOT NULL,
    "offset" INTEGER NOT NULL,
    size INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (registration_id, sha256)
);
CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT INTO counters (name, value) VALUES ('app_number', 0);
CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE audit (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    details TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
"""

_V2 = """
CREATE TABLE status_history (
    id INTEGER PRIMARY KEY,
    registration_id TEXT NOT NULL REFERENCES registrations(id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    note TEXT,
    at TEXT,
    feed_seq INTEGER,
    received_at TEXT NOT NULL
);
CREATE INDEX status_history_reg ON status_history(registration_id, id);
-- Search tokens: keyed-hash n-grams of names, phone and app number (see search.py); rowid is
-- registrations.seq. detail=none: only "has token" queries are needed, and it is smallest.
CREATE VIRTUAL TABLE search_tokens USING fts5(tokens, detail=none);
"""

_V3 = """
-- Rows whose answers no longer decrypt (a flipped bit): NULL when sound, else why and when.
-- They are skipped by the queue, the outbox and search, and named by `sala status`/self-test.
ALTER TABLE registrations ADD COLUMN damaged TEXT;
-- Numbers a registration was printed with before the server made it take another
-- (`app_number_taken`): the printed receipt still finds it.
CREATE TABLE app_number_aliases (
    app_number TEXT PRIMARY KEY,
    registration_id TEXT NOT NULL REFERENCES registrations(id) ON DELETE CASCADE,
    replaced_at TEXT NOT NULL
);
"""

_V4 = """
-- Staff accounts (kiosk/staff/): the roster from the change feed and the kiosk's own clerks.
-- Names and verifiers are in `sealed` (AES-GCM with the answers key, aad 'sala/staff/<id>'),
-- never in plaintext. `version` is the server's (0: made here, not yet confirmed).
CREATE TABLE staff (
    id TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('clerk','supervisor','technician')),
    status TEXT NOT NULL CHECK (status IN ('active','disabled')),
    version INTEGER NOT NULL,
    origin TEXT NOT NULL CHECK (origin IN ('roster','local')),
    sealed BLOB NOT NULL,
    updated_at TEXT NOT NULL
);
-- Wrong-PIN counting: failures since the last lock or success, locks since the last success
-- or unlock (each lock lasts twice the one before, up to an hour).
CREATE TABLE staff_attempts (
    staff_id TEXT PRIMARY KEY REFERENCES staff(id) ON DELETE CASCADE,
    failures INTEGER NOT NULL DEFAULT 0,
    locks INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    last_attempt_at TEXT
);
-- A supervisor's local changes, queued for the server (POST /v1/staff-changes) until sent.
-- `detail` is sealed too (aad 'sala/staff-change/<id>'): it can hold a name or a verifier.
CREATE TABLE staff_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    staff_id TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('add','disable','reset_pin','unlock')),
    by_staff TEXT NOT NULL,
    at TEXT NOT NULL,
    detail BLOB NOT NULL,
    sent_at TEXT,
    refused TEXT          -- the server's refusal code: set aside (sent_at too), never re-sent
);
CREATE INDEX staff_changes_unsent ON staff_changes(sent_at, seq);
"""

_V5 = """
-- The clerk station (kiosk/clerk/, kiosk/store/clerk.py). `version`: the local version of the
-- answers (a correction before upload makes a new one); `assisted_by`: the clerk who helped.
ALTER TABLE registrations ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE registrations ADD COLUMN assisted_by TEXT;
-- Originals: NULL not checked, 'checked', or 'unchecked_sent' (sent after the grace days).
ALTER TABLE registrations ADD COLUMN originals TEXT;
ALTER TABLE registrations ADD COLUMN originals_at TEXT;
ALTER TABLE registrations ADD COLUMN collected_at TEXT;
-- A sync problem a clerk must look at (was the `sync.flagged` setting): code, reason key, when.
ALTER TABLE registrations ADD COLUMN problem TEXT;
ALTER TABLE registrations ADD COLUMN problem_key TEXT;
ALTER TABLE registrations ADD COLUMN problem_at TEXT;
-- The sync worker's claim on a record it is sending: no correction until it ends or expires.
ALTER TABLE outbox ADD COLUMN claimed_until TEXT;
CREATE INDEX registrations_submitted_at ON registrations(submitted_at)
    WHERE submitted_at IS NOT NULL;
CREATE INDEX registrations_server_status ON registrations(server_status, seq)
    WHERE server_status IS NOT NULL;
CREATE INDEX registrations_problem ON registrations(seq) WHERE problem IS NOT NULL;
CREATE INDEX registrations_unchecked ON registrations(service_id, seq)
    WHERE originals IS NULL AND state IN ('submitted', 'uploading');
-- Corrections (before upload) and supplements (after): what changed, sealed with the answers
-- key (aad 'sala/version/<id>/<n>'). A supplement's `wire_version` is its n on the wire.
CREATE TABLE registration_versions (
    registration_id TEXT NOT NULL REFERENCES registrations(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('correction', 'supplement')),
    wire_version INTEGER,
    staff_id TEXT NOT NULL,
    at TEXT NOT NULL,
    day TEXT NOT NULL,
    changes BLOB NOT NULL,
    sent_at TEXT,
    refused TEXT,
    PRIMARY KEY (registration_id, version)
);
CREATE INDEX registration_versions_unsent ON registration_versions(kind, sent_at);
CREATE INDEX registration_versions_day ON registration_versions(day, kind);
-- Staff events for the server (PUT /v1/registrations/{id}/events/{event_id}); `data` sealed
-- (aad 'sala/event/<id>'). `amount_riel` in the clear for the day's fee totals.
CREATE TABLE staff_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    registration_id TEXT NOT NULL REFERENCES registrations(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN
        ('originals_checked', 'collected', 'fee_received', 'photo_override')),
    staff_id TEXT NOT NULL,
    at TEXT NOT NULL,
    day TEXT NOT NULL,
    service_id TEXT NOT NULL,
    amount_riel INTEGER,
    data BLOB NOT NULL,
    sent_at TEXT,
    refused TEXT
);
CREATE INDEX staff_events_unsent ON staff_events(sent_at, seq);
CREATE INDEX staff_events_reg ON staff_events(registration_id, seq);
CREATE INDEX staff_events_day ON staff_events(day, kind);
-- Signed end-of-day summaries (PUT /v1/end-of-day/{date}/{revision}).
CREATE TABLE end_of_day (
    day TEXT NOT NULL,
    revision INTEGER NOT NULL,
    body TEXT NOT NULL,
    signed_by TEXT NOT NULL,
    signed_at TEXT NOT NULL,
    sent_at TEXT,
    refused TEXT,
    PRIMARY KEY (day, revision)
);
-- Purging a record (retention) removes the clerk's sealed details with its answers; the
-- counts, kinds, times and fee amounts stay for the day's totals.
CREATE TRIGGER clerk_purge AFTER UPDATE OF state ON registrations
WHEN NEW.state = 'purged'
BEGIN
    UPDATE registration_versions SET changes = X'' WHERE registration_id = NEW.id;
    UPDATE staff_events SET data = X'' WHERE registration_id = NEW.id;
END;
-- The old flag list becomes the record's state.
UPDATE registrations SET problem = 'conflict', problem_key = 'clerk.core.problem.conflict',
    problem_at = (SELECT updated_at FROM settings WHERE key = 'sync.flagged')
    WHERE id IN (SELECT j.value FROM settings s, json_each(s.value) j
                 WHERE s.key = 'sync.flagged' AND json_valid(s.value));
DELETE FROM settings WHERE key = 'sync.flagged';
"""


def _run(db: Database, sql: str, version: int) -> None:
    db.executescript(sql)
    db.execute(f"PRAGMA user_version={version}")


@migrations(name="m001_initial")
def m001_initial(db: Database) -> None:
    """Registrations, attachments, receipts, outbox, uploads, settings, append-only audit."""
    _run(db, _V1, 1)


@migrations(name="m002_status_history_and_search")
def m002_status_history_and_search(db: Database) -> None:
    """Status history from the change feed, and the search token index."""
    _run(db, _V2, 2)


@migrations(name="m003_damaged_rows_and_number_aliases")
def m003_damaged_rows_and_number_aliases(db: Database) -> None:
    """Mark undecryptable rows instead of failing every read; keep replaced app numbers."""
    _run(db, _V3, 3)


@migrations(name="m004_staff")
def m004_staff(db: Database) -> None:
    """Staff accounts from the roster, wrong-PIN lock state, local changes for the server."""
    _run(db, _V4, 4)


@migrations(name="m005_clerk")
def m005_clerk(db: Database) -> None:
    """Clerk station: versions, originals, staff events, end of day, sync problems as state."""
    _run(db, _V5, 5)


SCHEMA_VERSION = 5


def migrate(conn: sqlite3.Connection, *, stop_before: str | None = None) -> int:
    """Apply pending migrations; returns the schema version (PRAGMA user_version)."""
    db = Database(conn, execute_plugins=False)
    if migrations.pending(db):
        # One process migrates at a time: under the write lock the others find nothing
        # pending. Each migration still runs in its own savepoint with its record.
        conn.execute("BEGIN IMMEDIATE")
        try:
            migrations.apply(db, stop_before=stop_before)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def applied(conn: sqlite3.Connection) -> list[str]:
    """Names of applied migrations, oldest first."""
    return [m.name for m in migrations.applied(Database(conn, execute_plugins=False))]
