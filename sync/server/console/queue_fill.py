"""Facts and keys for new registrations, filled before a queue or application page reads them
(issue 13 "Scale": `refresh` looks for missing ones by an index, not by reading every
registration on each page, nor on each server process's first page)."""

from __future__ import annotations

import threading

from sqlalchemy import Connection, Engine, exists, or_, select
from sqlalchemy.exc import IntegrityError

from sync.server import db
from sync.server.console import flags, scope
from sync.server.tables.console_more import console_keys

FILL_MARGIN_S = 600.0  # far longer than a commit's transaction: a late commit is still looked at
FILLED_KEY = "console.facts_filled_at"  # the database's copy of `_filled` (see `refresh`)
FILLED_EVERY_S = 60.0
_filled: dict[str, float] = {}  # engine URL -> when this process last found nothing to fill
_stored: dict[str, float] = {}  # engine URL -> the `FILLED_KEY` this process read or wrote
_filling = threading.Lock()


def refresh(conn: Connection) -> None:
    """Fill the facts and keys of new registrations (`scope.refresh_facts`,
    `flags.refresh_keys`) before a page reads them.

    Those two look for registrations without facts or keys by reading every registration (an
    anti-join, about a second at a million), so they run only when an indexed look at the
    registrations received since the last time nothing was missing (less `FILL_MARGIN_S`,
    for a commit that started earlier and ended later) finds one. That time is kept in this
    process and in the database (`FILLED_KEY`, written at most every `FILLED_EVERY_S`; every
    registration is inserted with `received_at` = now), so a new server process starts from
    it too: only a database that never had it runs the anti-join first. While another thread
    of this process fills, a page reads what is there.
    """
    key = str(conn.engine.url)
    started = db.now()
    if _none_missing(conn, key):
        _nothing_missing(conn, key, started)
        return
    if not _filling.acquire(blocking=False):
        return
    try:
        with conn.begin_nested():  # a savepoint: a clash below leaves the page's transaction
            facts = scope.refresh_facts(conn)
            keys = flags.refresh_keys(conn)
            if facts < scope.FACTS_BATCH and keys < flags.BATCH:
                _nothing_missing(conn, key, started)
    except IntegrityError:
        pass  # another server process filled the same rows meanwhile: they are there
    finally:
        _filling.release()


def refresh_in(engine: Engine) -> None:
    """`refresh`, with a write transaction only when the indexed look finds something to fill
    (or the stored time is due): most pages only read, in autocommit (db.reading)."""
    key, started = str(engine.url), db.now()
    with db.reading(engine) as conn:
        clean = _none_missing(conn, key)
    if clean and started - _stored.get(key, 0.0) < FILLED_EVERY_S:
        _filled[key] = started
        return
    with engine.begin() as conn:
        refresh(conn)


def filled_since(key: str) -> float | None:
    """When this process last found nothing missing (None: not yet), for page_look.py."""
    return _filled.get(key)


def clean(key: str, started: float) -> bool:
    """page_look.py found nothing missing since `filled_since`: True (remembered, as
    `refresh_in` does) unless the stored time is due, which `refresh_in` then writes."""
    if started - _stored.get(key, 0.0) < FILLED_EVERY_S:
        _filled[key] = started
        return True
    return False


def _none_missing(conn: Connection, key: str) -> bool:
    """Whether no registration received since the last time nothing was missing (less
    `FILL_MARGIN_S`) lacks facts or keys: an indexed look. False when that time is unknown."""
    regs = db.registrations
    since = _filled.get(key)
    if since is None:
        stored = db.get_setting(conn, FILLED_KEY)
        since = float(stored) if stored else None
        if since is not None:
            _stored[key] = since
    if since is None:
        return False
    missing = (
        select(regs.c.id)
        .where(
            regs.c.received_at >= since - FILL_MARGIN_S,
            or_(
                ~exists().where(db.console_facts.c.registration_id == regs.c.id),
                ~exists().where(console_keys.c.registration_id == regs.c.id),
            ),
        )
        .limit(1)
    )
    return conn.execute(missing).first() is None


def _nothing_missing(conn: Connection, key: str, started: float) -> None:
    """Remember that nothing received before `started` lacks facts or keys (`refresh`)."""
    _filled[key] = started
    if started - _stored.get(key, 0.0) >= FILLED_EVERY_S:
        db.set_setting(conn, FILLED_KEY, repr(started))
        _stored[key] = started
