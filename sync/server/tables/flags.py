"""The back office's second-look tables (issue 13; console/photo_hash.py, flags.py,
audit_sample.py).

- `photo_hashes`: one 64-bit perceptual hash (pHash) per face-photo FILE (by its SHA-256, so a
  photo on many applications is decoded once), split into four 16-bit bands, each indexed: a
  near-duplicate search probes the bands (multi-index hashing), never every photo.
- `photo_queue`: face-photo files waiting to be hashed (filled as keys are derived, and once
  by a backfill over older keys), so finding work is an indexed read, never an anti-join over
  every application.
- `photo_near`: the pairs of different files found within the distance threshold, both ways,
  so the `similar_photo` flag is a plain correlated EXISTS a queue can filter on.
- `kiosk_override_stats`: per kiosk, applications and photo overrides over the last N days,
  recomputed every few minutes; `flagged` = the share is past the setting's threshold.
- `audit_samples`: decided applications drawn for a supervisor's second review, and the
  review (agree / disagree + note) once made.
- `console_flags`: which applications carry which flag now, kept equal to `flags.clause`
  by every change that can turn one on or off (`flags.mark`: new keys and their phone, photo
  and near-photo mates, new near pairs, a kiosk's override share crossing the line, a clerk's
  photo override). Why a table: a queue filtered on a flag must not evaluate the flag's
  correlated EXISTS on every application in scope (issue 13 "Scale").
- `flag_counts`: the queue counts (tables/queue_counts.py) per flag, kept in the same
  transactions, so a flag filter's counts sum a few hundred rows too.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Float, Index, Integer, String, Table, Text

from sync.server import db
from sync.server.db import metadata
from sync.server.tables import NEW_INDEXES
from sync.server.tables.clerk import clerk_events

photo_hashes = Table(
    "photo_hashes",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("phash", BigInteger),  # signed 64-bit; NULL: the file could not be decoded
    Column("b0", Integer),
    Column("b1", Integer),
    Column("b2", Integer),
    Column("b3", Integer),
    Column("computed_at", Float, nullable=False),
    Index("ix_photo_hashes_b0", "b0"),
    Index("ix_photo_hashes_b1", "b1"),
    Index("ix_photo_hashes_b2", "b2"),
    Index("ix_photo_hashes_b3", "b3"),
)

photo_queue = Table(
    "photo_queue",
    metadata,
    Column("sha256", String(64), primary_key=True),
)

photo_near = Table(
    "photo_near",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("other", String(64), primary_key=True),
    Column("distance", Integer, nullable=False),
)

kiosk_override_stats = Table(
    "kiosk_override_stats",
    metadata,
    Column("device_id", String(36), primary_key=True),
    Column("applications", Integer, nullable=False),
    Column("overrides", Integer, nullable=False),
    Column("flagged", Integer, nullable=False),  # 1: share and count past the setting
    Column("computed_at", Float, nullable=False),
)

audit_samples = Table(
    "audit_samples",
    metadata,
    Column("registration_id", String(36), primary_key=True),
    Column("commune_code", String(12), nullable=False),
    Column("decided_status", String(32), nullable=False),
    Column("decided_by", String(200), nullable=False),  # status_history.actor of the decision
    Column("decided_at", Float, nullable=False),
    Column("verdict", String(16)),  # NULL: waiting; "agree" or "disagree"
    Column("note", Text, nullable=False, default=""),
    Column("reviewer", String(200)),
    Column("reviewed_at", Float),
    Index("ix_audit_samples_waiting", "verdict", "decided_at"),
)

console_flags = Table(
    "console_flags",
    metadata,
    Column("flag", String(20), primary_key=True),
    Column("registration_id", String(36), primary_key=True),
    # copied from the facts as they change (queue_counts.after), so a flag's queue page walks
    # this index in due-date order like `ix_console_facts_list`, over that flag's rows only
    Column("ministry", String(32)),
    Column("status", String(40)),
    Column("commune_code", String(16)),
    Column("due_at", Float),
    Column("submitted_at", Float),
    Index("ix_console_flags_registration", "registration_id"),
    Index(
        "ix_console_flags_list",
        "flag",
        "ministry",
        "status",
        "due_at",
        "submitted_at",
        "registration_id",
        postgresql_include=["commune_code"],
    ),
)

flag_counts = Table(
    "flag_counts",
    metadata,
    Column("flag", String(20), primary_key=True),
    Column("ministry", String(32), primary_key=True),
    Column("commune_code", String(16), primary_key=True),
    Column("service_id", String(200), primary_key=True),
    Column("status", String(40), primary_key=True),
    Column("assignee", String(16), primary_key=True),
    Column("due_day", Integer, primary_key=True),
    Column("n", Integer, nullable=False),
)

# The kiosks' registrations of a kiosk whose override share crossed the line are marked again;
# a clerk's photo overrides are read since the last look (`flags.refresh`).
NEW_INDEXES.extend(
    [
        Index("ix_registrations_device", db.registrations.c.device_id),
        Index("ix_clerk_events_kind_received", clerk_events.c.kind, clerk_events.c.received_at),
    ]
)
