"""The partner API's tables (issue 13, sync/server/partner.py): keys and the audit of each use.

A key is stored only as the sha256 of its secret (keys are 256 random bits, so a plain hash is
enough; `id` is the public handle). Its token bucket lives on its own row, not in a process:
the server may run as two processes behind one proxy, and a bucket per process would give a
partner twice its rate. The bucket update and the audit row commit in one transaction.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, Index, Integer, String, Table, Text

from sync.server.db import metadata

partner_keys = Table(
    "partner_keys",
    metadata,
    Column("id", String(16), primary_key=True),  # public handle: `partner list|revoke`, audit
    Column("key_hash", String(64), nullable=False, unique=True),  # sha256 hex of the secret
    Column("name", String(200), nullable=False),  # the partner institution
    Column("ministries", Text, nullable=False),  # "*" or comma-separated ministry codes
    Column("services", Text, nullable=False),  # "*" or comma-separated service ids
    Column("jurisdiction", Text, nullable=False),  # "*" or province/district/commune codes
    Column("rights", Text, nullable=False),  # comma-separated: check, decisions
    Column("rate_per_minute", Float, nullable=False),  # the bucket's refill
    Column("burst", Integer, nullable=False),  # the bucket's size
    Column("tokens", Float, nullable=False),  # what is left in the bucket at `bucket_at`
    Column("bucket_at", Float, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("revoked_at", Float),
)

partner_audit = Table(  # every request with a partner key, answered or refused
    "partner_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", Float, nullable=False, index=True),
    Column("key_id", String(16)),  # NULL: no key, or one the server does not know
    Column("partner", String(200), nullable=False),
    Column("action", String(40), nullable=False),  # check | decisions | partner_add | …
    Column("subject", String(200), nullable=False),  # application number, cursor, key id
    Column("outcome", String(60), nullable=False),  # ok:<result> | refused:<error code>
    Column("detail", Text, nullable=False, default=""),  # source, X-Road-Client, X-Road-Id
    Index("ix_partner_audit_key_at", "key_id", "at"),
)
