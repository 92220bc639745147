"""A back-office account made straight in the database, for server tests that call the
console's domain functions (queue counts, rollups) without signing in through the browser."""

from __future__ import annotations

import uuid

from sqlalchemy import Engine

from sync.server.console import accounts
from sync.server.console.accounts import Account


def console_account(engine: Engine, role: str) -> Account:
    """An account of `role` for every ministry and the whole country."""
    made, _secret = accounts.create(
        engine,
        username=f"{role}.{uuid.uuid4().hex[:8]}",
        display_name=role,
        password="correct horse battery",
        role=role,
        ministry="*",
        jurisdiction="*",
        created_by="test",
    )
    return made
