"""The back office's per-application keys for flags and search (issue 13, console/flags.py).

Why a table and not a query over the JSON body: the same-phone and same-photo flags compare
every application with every other, and a search by name or phone must not parse a million
bodies. The keys are derived from the committed body once (a body never changes), filled
lazily like `console_facts`, and indexed.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, Index, Integer, String, Table, Text

from sync.server.db import metadata

console_keys = Table(
    "console_keys",
    metadata,
    Column("registration_id", String(36), primary_key=True),
    Column("phone", String(20)),  # digits, +855 written as 0; NULL: no phone answered
    Column("person", String(300), nullable=False),  # name + date of birth, or "?" + the id
    Column("photo", String(64)),  # sha256 of the face photo; NULL: none
    Column("names", Text, nullable=False),  # lower-cased names, for the search
    Column("outside_hours", Integer, nullable=False),  # 1: submitted outside the hall's hours
    Column("overrides", Integer, nullable=False),  # capture-check overrides in the body
    Column("computed_at", Float, nullable=False),
    Index("ix_console_keys_phone", "phone"),
    Index("ix_console_keys_photo", "photo"),
)
