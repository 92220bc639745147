"""The clerk station's tables (issue 12): supplements, counter events, end-of-day reports, and
the tombstones of purged registrations.

Each keeps what a kiosk sent whole (canonical JSON) with its hash and the server's answer, so a
retry gets the same answer and other content under the same key is a 409.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Float, Index, Integer, String, Table, Text

from sync.server.db import metadata

registration_versions = Table(  # supplements: version n >= 2 of a registration (versions.py)
    "registration_versions",
    metadata,
    Column("registration_id", String(36), primary_key=True),
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("device_id", String(36), nullable=False),
    Column("staff_id", String(36), nullable=False),
    Column("content_sha256", String(64), nullable=False),
    Column("body", Text, nullable=False),  # canonical JSON, exactly what the kiosk sent
    Column("answer", Text, nullable=False),  # canonical JSON of the 201 body
    Column("received_at", Float, nullable=False),
)

clerk_events = Table(  # what clerks did at the counter, by the kiosk's event id (clerk_events.py)
    "clerk_events",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("registration_id", String(36), nullable=False),
    Column("device_id", String(36), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("staff_id", String(36), nullable=False),
    Column("at", String(40), nullable=False),  # the kiosk's time, as sent
    Column("content_sha256", String(64), nullable=False),
    Column("body", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("received_at", Float, nullable=False),
    Index("ix_clerk_events_registration", "registration_id", "kind"),
)

end_of_day_reports = Table(  # signed day summaries, one per (device, date, revision)
    "end_of_day_reports",
    metadata,
    Column("device_id", String(36), primary_key=True),
    Column("day", String(10), primary_key=True),  # YYYY-MM-DD, the kiosk's Cambodia date
    Column("revision", Integer, primary_key=True, autoincrement=False),
    Column("commune_code", String(6), nullable=False),
    Column("kiosk_number", Integer),
    Column("signed_by", String(36), nullable=False),
    Column("fees_total", BigInteger, nullable=False),  # riel, the report's own sum
    Column("content_sha256", String(64), nullable=False),
    Column("body", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("received_at", Float, nullable=False),
    Index("ix_end_of_day_commune_day", "commune_code", "day"),
)

registration_tombstones = Table(  # purged registrations: the id answers 410, not 404
    "registration_tombstones",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("commune_code", String(6), nullable=False),
    Column("content_sha256", String(64), nullable=False),
    Column("status", String(32), nullable=False),
    Column("purged_at", Float, nullable=False),
    Column("purged_by", String(200), nullable=False),
)
