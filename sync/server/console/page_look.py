"""What a queue or application page does before it reads: one statement that says which
upkeep has work, then only that upkeep (issue 13 "Scale").

Each upkeep step used to read its own "done" marker or setting on every page, about eight
round trips of ~0.5 ms of server CPU each (plus PostgreSQL's) that almost always found
nothing to do. `prepare` asks all of it at once, from the database, on every page, so nothing
is cached between pages and two server processes see each other's writes at once:

- the photo hashes (photo_hash.py): the backfill's marker and whether files wait in the queue;
- the kiosks' override counts (flags.refresh_override_stats): when they were last recounted;
- a clerk's photo overrides (flags.mark_clerk_overrides): whether one received since this
  process last looked (less the margin) still lacks its `override` flag;
- new registrations without facts or keys (queue_fill.py): the same indexed look as
  `queue_fill.refresh_in`, from the time this process last found none missing;
- the published catalogs' count, the key of `scope.services`' cache (`Look.catalogs`).

When a part says there is work, the step runs as before (re-reading what it needs). The queue
and application pages read the look beside their session, in the same statement (page_start.py:
`ask`, `columns`, then `act`); `prepare` reads it alone.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Engine, Float, bindparam, exists, false, func, or_, select

from sync.server import db
from sync.server.console import flags, photo_hash, queue_fill
from sync.server.media import MediaStore
from sync.server.tables.clerk import clerk_events
from sync.server.tables.console_more import console_keys
from sync.server.tables.flags import console_flags, photo_queue

_clerk_seen: dict[str, float] = {}  # engine URL -> the clerk marker this process last read


@dataclass(frozen=True)
class Look:
    catalogs: int  # published catalogs now (scope.services re-reads them when it changes)
    filled: bool  # no registration lacks its facts or keys: the page need not look again


def _setting(key: str) -> ColumnElement[str | None]:
    s = db.settings
    return select(s.c.value).where(s.c.key == key).scalar_subquery()


def _number(value: str | None) -> float:
    try:
        return float(value or 0)
    except ValueError:
        return 0.0


@dataclass(frozen=True)
class Ask:
    """What this process knows before the look: its floors (None: not known yet)."""

    key: str  # the engine's URL
    started: float
    clerk_floor: float | None
    fill_floor: float | None

    @property
    def shape(self) -> tuple[bool, bool]:
        """Which floors are known: the look's columns (`columns`) differ by them."""
        return self.clerk_floor is not None, self.fill_floor is not None

    @property
    def params(self) -> dict[str, float]:
        params = {}
        if self.clerk_floor is not None:
            params["clerk_floor"] = self.clerk_floor - flags.CLERK_MARGIN_S
        if self.fill_floor is not None:
            params["fill_floor"] = self.fill_floor - queue_fill.FILL_MARGIN_S
        return params


LOOK = ("backfill", "queued", "stats_at", "clerk_at", "unflagged", "missing", "catalogs")


@functools.cache
def columns(clerk: bool, fill: bool) -> tuple[Any, ...]:
    """The look's columns (labelled `look_…`, to select alone or beside a page's own: see
    page_start.py), built once per shape (`Ask.shape`: with or without the clerk and fill
    parts, as this process may not know their floors yet); the floors are bound parameters."""
    regs, docs = db.registrations, db.documents
    unflagged: ColumnElement[bool] = false()
    if clerk:  # a clerk's override since the floor without its flag
        unflagged = exists().where(
            clerk_events.c.kind == "photo_override",
            clerk_events.c.received_at >= bindparam("clerk_floor", type_=Float),
            ~exists().where(
                console_flags.c.flag == "override",
                console_flags.c.registration_id == clerk_events.c.registration_id,
            ),
        )
    missing: ColumnElement[bool] = false()
    if fill:  # as queue_fill._none_missing
        missing = exists().where(
            regs.c.received_at >= bindparam("fill_floor", type_=Float),
            or_(
                ~exists().where(db.console_facts.c.registration_id == regs.c.id),
                ~exists().where(console_keys.c.registration_id == regs.c.id),
            ),
        )
    parts: tuple[ColumnElement[Any], ...] = (
        _setting(photo_hash.BACKFILL),
        exists().where(photo_queue.c.sha256.is_not(None)),
        _setting(flags.STATS_AT),
        _setting(flags.CLERK_SEEN),
        unflagged,
        missing,
        select(func.count()).select_from(docs).where(docs.c.kind == "catalog").scalar_subquery(),
    )
    return tuple(part.label(f"look_{name}") for part, name in zip(parts, LOOK, strict=True))


@functools.cache
def _statement(clerk: bool, fill: bool) -> Any:
    return select(*columns(clerk, fill))


def ask(engine: Engine) -> Ask:
    key = str(engine.url)
    return Ask(key, db.now(), _clerk_seen.get(key), queue_fill.filled_since(key))


def prepare(engine: Engine, store: MediaStore) -> Look:
    """The upkeep a page needs before it reads flags, facts and catalogs (see the module)."""
    asked = ask(engine)
    with db.reading(engine) as conn:
        row = conn.execute(_statement(*asked.shape), asked.params).one()
    return act(engine, store, asked, row._mapping)


def act(engine: Engine, store: MediaStore, asked: Ask, values: Mapping[Any, Any]) -> Look:
    """The upkeep the look's `values` (read with `columns(*asked.shape)`) call for, then the
    Look."""
    key, started = asked.key, asked.started
    clerk_floor, fill_floor = asked.clerk_floor, asked.fill_floor
    backfill, queued, stats_at, clerk_at, unflagged_now, missing_now, catalogs = (
        values[f"look_{name}"] for name in LOOK
    )
    if backfill != "done" or queued:
        photo_hash.refresh(engine, store)
    if not 0 <= started - _number(stats_at) < flags.STATS_EVERY_S:
        flags.refresh_override_stats(engine)
    seen = _number(clerk_at)
    if (
        clerk_floor is None
        or unflagged_now
        or seen < clerk_floor  # the marker went back: the floor above may have missed some
        or not 0 <= started - seen < flags.CLERK_MARGIN_S
    ):
        flags.mark_clerk_overrides(engine)  # it may move the marker on: later than `seen`
    _clerk_seen[key] = seen
    filled = fill_floor is not None and not missing_now and queue_fill.clean(key, started)
    return Look(catalogs=int(catalogs or 0), filled=filled)
