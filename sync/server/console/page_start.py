"""What a queue or application page reads first, in one round trip: its session and the
upkeep look (issue 13 "Scale").

Why together: each was a statement of its own on every page, with its own connection from
the pool, ~0.25 ms of server CPU and a PostgreSQL round trip each. Read together, nothing
else changes: the session is checked (`accounts.live_session`) and refused pages stop
before any upkeep runs (`Start.look`); the look is as fresh as before, so two server
processes still see each other's writes at once.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from sync.server import db
from sync.server.console import accounts, page_look
from sync.server.console.accounts import Session
from sync.server.console.page_look import Ask, Look
from sync.server.media import MediaStore


@functools.cache
def _statement(clerk: bool, fill: bool) -> Any:
    """The session's statement with the look's columns beside it, built once per shape."""
    return accounts.session_statement().add_columns(*page_look.columns(clerk, fill))


@dataclass(frozen=True)
class Start:
    session: Session | None  # None: no live session (the page sends to sign-in)
    asked: Ask
    values: Any  # the look's values, read with the session

    def look(self, engine: Engine, store: MediaStore) -> Look:
        """The upkeep the look calls for (page_look.act): only once the session is accepted."""
        return page_look.act(engine, store, self.asked, self.values)


def read(engine: Engine, token: str | None) -> Start:
    """The live session behind `token`, as `accounts.session_for`, and the page's look."""
    asked = page_look.ask(engine)
    hashed = accounts.token_hash(token)
    if hashed is None:
        return Start(None, asked, None)
    now = db.now()
    with db.reading(engine) as conn:
        row = conn.execute(_statement(*asked.shape), {"token_hash": hashed, **asked.params}).first()
    session = accounts.live_session(engine, row, now)
    return Start(session, asked, row._mapping if session is not None and row else None)
