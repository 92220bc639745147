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
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Float, Index, Integer, String, Table, Text

from sync.server.db import metadata

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
