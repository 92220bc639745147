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

`console_flags` also keeps one row that is not a second-look flag: `SUPPLEMENT` ("supplement
arrived", the work queue of that name): a supplement received at or after the application's
last status change (`versions.supplement_arrived`, the rule the CLI and the kiosk's papers
follow: the supplement's own move out of needs papers has its time, an officer's next status
change clears it). `settle_supplements` sets it in `queue_counts.after`, which every writer
already calls around a change (the supplement writer around its version row too), so the
queue's counts and pages come from the flag machinery, exact and indexed.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import (
    BigInteger,
    Column,
    ColumnElement,
    Connection,
    Float,
    Index,
    Integer,
    String,
    Table,
    Text,
    exists,
    select,
)

from sync.server import db
from sync.server.db import metadata
from sync.server.tables import NEW_COLUMNS, NEW_INDEXES
from sync.server.tables.clerk import clerk_events, registration_versions

SUPPLEMENT = "supplement"  # the kept row of "supplement arrived" (not a second-look flag)

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
    Column("assignee", String(16)),  # "" when nobody holds it (db._v10 fills older rows)
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

NEW_COLUMNS.append((console_flags, ("assignee",)))
# The kiosks' registrations of a kiosk whose override share crossed the line are marked again;
# a clerk's photo overrides are read since the last look (`page_look.prepare`).
NEW_INDEXES.extend(
    [
        Index("ix_registrations_device", db.registrations.c.device_id),
        Index("ix_clerk_events_kind_received", clerk_events.c.kind, clerk_events.c.received_at),
        # "New" and "Assigned to me" with a flag walk that flag's rows of the assignee by due date
        Index(
            "ix_console_flags_assignee",
            *(
                console_flags.c[name]
                for name in (
                    "flag",
                    "assignee",
                    "ministry",
                    "status",
                    "due_at",
                    "submitted_at",
                    "registration_id",
                )
            ),
            postgresql_include=["commune_code"],
        ),
        # a district's or commune's page of one flag seeks its area (tables/scale.py)
        Index(
            "ix_console_flags_commune_list",
            *(
                console_flags.c[name]
                for name in (
                    "flag",
                    "commune_code",
                    "ministry",
                    "status",
                    "due_at",
                    "submitted_at",
                    "registration_id",
                )
            ),
        ),
    ]
)


def supplement_arrived(regs: Table) -> ColumnElement[bool]:
    """SQL for `versions.supplement_arrived` over `regs` (the registrations or an alias): a
    supplement received at or after the last status change."""
    v = registration_versions
    return exists().where(v.c.registration_id == regs.c.id, v.c.received_at >= regs.c.status_at)


def settle_supplements(conn: Connection, ids: Sequence[str]) -> None:
    """Make the `SUPPLEMENT` rows of these registrations what `supplement_arrived` says now
    (called by `queue_counts.after` before it counts them, so the flag counts follow)."""
    if not ids:
        return
    regs, kept = db.registrations, console_flags
    due = set(
        conn.execute(
            select(regs.c.id).where(regs.c.id.in_(ids), supplement_arrived(regs))
        ).scalars()
    )
    have = set(
        conn.execute(
            select(kept.c.registration_id).where(
                kept.c.flag == SUPPLEMENT, kept.c.registration_id.in_(ids)
            )
        ).scalars()
    )
    if have - due:
        conn.execute(
            kept.delete().where(
                kept.c.flag == SUPPLEMENT, kept.c.registration_id.in_(sorted(have - due))
            )
        )
    db.insert_ignore(
        conn, kept, [{"flag": SUPPLEMENT, "registration_id": r} for r in sorted(due - have)]
    )
