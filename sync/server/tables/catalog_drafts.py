"""Catalog uploads that passed the shared validator and wait for an admin to publish them
(issue 13, console/catalogs.py).

Why a table and not memory or a temp file: the preview and the publish are separate requests,
possibly to another server process behind the same database, and publishing must send the very
bytes that were checked and previewed. Publishing (or discarding) deletes the row; drafts older
than a week are dropped at the next upload.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, String, Table, Text

from sync.server.db import metadata

catalog_drafts = Table(
    "catalog_drafts",
    metadata,
    Column("id", String(32), primary_key=True),  # random, unguessable
    Column("version", String(100), nullable=False),
    Column("body", Text, nullable=False),  # the uploaded file, UTF-8, as checked
    Column("filename", String(200), nullable=False),
    Column("uploaded_by", String(200), nullable=False),
    Column("uploaded_at", Float, nullable=False),
)
