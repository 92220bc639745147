"""The officers a supervisor may hand an application to (the queue's bulk "assign to" and the
application page's "reassign" lists), read on each of a supervisor's pages (issue 13 "Scale").

Why not `accounts.list_accounts`: that reads every account of every ministry with all its
columns (~1 ms of server CPU per page with a hundred accounts); this reads only the enabled
non-admins of the given ministries, and only the columns an `Account` holds. The pages still
apply their own rules (`web.py`) to what this returns: the SQL only leaves out rows they drop.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Engine, bindparam, select

from sync.server import db
from sync.server.console.accounts import ALL, Account, _account


@functools.cache
def _statement(some: bool) -> Any:
    """Built once per shape (on first use, after every table module added its columns)."""
    o = db.console_officers
    query = select(o.c.id, o.c.username, o.c.display_name, o.c.role, o.c.ministry, o.c.jurisdiction)
    query = query.where(o.c.disabled_at.is_(None), o.c.role != "admin")
    if some:
        query = query.where(o.c.ministry.in_(bindparam("ministries", expanding=True)))
    return query.order_by(o.c.username)


def of(engine: Engine, ministry: str | None) -> list[Account]:
    """Enabled non-admin accounts of `ministry` or of all ministries (`*`), by username;
    every ministry's when `ministry` is None."""
    params = {} if ministry is None else {"ministries": [ALL, ministry]}
    with db.reading(engine) as conn:
        rows = conn.execute(_statement(ministry is not None), params).all()
    return [_account(r) for r in rows]
