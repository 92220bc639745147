"""How many applications each work queue holds, kept exact as applications move (issue 13
"Scale": a queue page at a million applications sums a few hundred rows here instead of
counting every application in the officer's scope).

One row per (ministry, commune, service, status, assignee, due day) with its count `n`. Only
applications with console facts count (as in the queues, which join `console_facts`). The due
day (`due_at // 86400`, UTC days) is kept only for open statuses (received, in review, needs
papers; -1 otherwise and when unknown): due soon / overdue sum whole days here, and the two
days the moving "now" cuts through are counted exactly from the facts' due-date index
(`queue.counts`).

Every writer that moves an application between queues calls `before(conn, ids)` and
`after(conn, ids, seen)` around its change, in its own transaction (the rows before come off,
the rows after go on, and the status is copied to the facts): decisions.change_status and its
assignment lock, the console's assignment (one at a time or in bulk), a kiosk's status change
(versions.set_status: supplements, hand-over) and a purge; `scope.refresh_facts` adds new
applications (kiosk commits and USB imports get their facts there). Applications counted
before this table existed (or seeded behind the server's back) are counted once by `ensure`,
in one INSERT … SELECT, before the first queue page of a database; `settings` remembers it.

The queue page itself reads narrower rows derived from these in the same `_add`
(tables/queue_totals.py: per district, without the assignee or past due days); these stay for
the dashboards' overdue per commune and service.

`after` also settles the kept "supplement arrived" row (tables/flags.py `settle_supplements`)
before it counts, so every status change clears it and the supplement writer sets it.

`before`/`after` keep the flag counts (tables/flags.py `flag_counts`: the same rows per flag an
application carries in `console_flags`) in the same breath, so a flag filter's counts are as
exact; `flags.mark` wraps its own changes of `console_flags` in them, and `flags.ensure`
backfills both once.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Engine,
    Index,
    Integer,
    String,
    Table,
    case,
    cast,
    func,
    literal,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite

from sync.server import db
from sync.server.tables import NEW_COLUMNS, NEW_INDEXES, queue_totals
from sync.server.tables.flags import console_flags, flag_counts, settle_supplements

TIMED = queue_totals.TIMED_STATUSES  # statuses with a due day
NO_DAY = -1
READY_KEY = "console.queue_counts"
KEYS = ("ministry", "commune_code", "service_id", "status", "assignee", "due_day")
FLAG_KEYS = ("flag", *KEYS)

queue_counts = Table(
    "queue_counts",
    db.metadata,
    Column("ministry", String(32), primary_key=True),
    Column("commune_code", String(16), primary_key=True),
    Column("service_id", String(200), primary_key=True),
    Column("status", String(40), primary_key=True),
    Column("assignee", String(16), primary_key=True),  # "" when nobody holds it
    Column("due_day", Integer, primary_key=True),
    Column("n", Integer, nullable=False),
)
# A queue page lists from the facts alone, in due-date order, so the status and commune are
# copied there (kept by `after`, like the counts) and one index serves "this ministry and status
# by due date" with the commune checked in the index (PostgreSQL INCLUDE): a page walks the
# index in order and joins the registrations for its own rows only.
db.console_facts.append_column(Column("status", String(40)))
db.console_facts.append_column(Column("commune_code", String(16)))
NEW_COLUMNS.append((db.console_facts, ("status", "commune_code")))
# The assignee is copied too ("" when nobody holds it; db._v10 fills it for older facts), so
# "New" (nobody's) and "Assigned to me" walk `ix_console_facts_assignee` in due-date order
# instead of checking every application of the area against the assignments.
db.console_facts.append_column(Column("assignee", String(16)))
NEW_COLUMNS.append((db.console_facts, ("assignee",)))
_facts = db.console_facts.c
NEW_INDEXES.extend(
    [
        Index(
            "ix_console_facts_assignee",
            _facts.assignee,
            _facts.ministry,
            _facts.status,
            _facts.due_at,
            _facts.submitted_at,
            _facts.registration_id,
            postgresql_include=["commune_code"],
        ),
        Index(
            "ix_console_facts_list",
            _facts.ministry,
            _facts.status,
            _facts.due_at,
            _facts.submitted_at,
            _facts.registration_id,
            postgresql_include=["commune_code"],
        ),
        # Due soon / overdue on their edge days read the facts by due date; an all-ministries
        # account has no ministry to lead `ix_console_facts_ministry_due` with.
        Index("ix_console_facts_due", _facts.due_at),
        # A ministry's counts (a headquarters account sees every commune: ~100k rows at a
        # million applications) read from the index alone, not the whole table.
        Index(
            "ix_queue_counts_scope",
            queue_counts.c.ministry,
            queue_counts.c.commune_code,
            postgresql_include=["service_id", "status", "assignee", "due_day", "n"],
        ),
    ]
)
_ready: set[str] = set()  # engine URLs whose counts this process has seen backfilled


def due_day(conn: Connection, due_at: ColumnElement[Any]) -> ColumnElement[int]:
    """`due_at // 86400` as an integer (PostgreSQL's CAST rounds, SQLite's truncates)."""
    day = due_at / 86400.0
    return cast(func.floor(day) if conn.dialect.name == "postgresql" else day, Integer)


def _grouped(conn: Connection, where: ColumnElement[bool] | None, flagged: bool = False) -> Any:
    """The count rows of the registrations matching `where` (all when None); `flagged`: the
    flag counts' rows (the flag first), one per flag an application carries."""
    regs, facts, asg = db.registrations, db.console_facts, db.console_assignments
    timed = regs.c.status.in_(TIMED) & facts.c.due_at.is_not(None)
    cols = (
        *([console_flags.c.flag] if flagged else []),
        facts.c.ministry,
        regs.c.commune_code,
        regs.c.service_id,
        regs.c.status,
        func.coalesce(asg.c.officer_id, literal("")),
        case((timed, due_day(conn, facts.c.due_at)), else_=literal(NO_DAY)),
    )
    joined = regs.join(facts, facts.c.registration_id == regs.c.id).outerjoin(
        asg, asg.c.registration_id == regs.c.id
    )
    if flagged:
        joined = joined.join(console_flags, console_flags.c.registration_id == regs.c.id)
    query = select(*cols, func.count()).select_from(joined)
    return (query if where is None else query.where(where)).group_by(*cols)


def _rows(conn: Connection, ids: list[str]) -> dict[tuple[Any, ...], int]:
    """These registrations' count rows now, of both tables: key -> how many (a flag count's
    key has the flag first, one more part than a queue count's)."""
    if not ids:
        return {}
    out: dict[tuple[Any, ...], int] = {}
    for flagged in (False, True):
        found = conn.execute(_grouped(conn, db.registrations.c.id.in_(ids), flagged)).all()
        out.update({tuple(r[:-1]): int(r[-1]) for r in found})
    return out


def _add(conn: Connection, deltas: dict[tuple[Any, ...], int]) -> None:
    """Upsert the changed rows in key order: two transactions touching the same rows lock them
    in the same order, so they wait for each other and never deadlock."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    rows: list[tuple[Table, tuple[Any, ...], int]] = [
        (
            (flag_counts, key, deltas[key])
            if len(key) == len(FLAG_KEYS)
            else (queue_counts, key, deltas[key])
        )
        for key in sorted((k for k, n in deltas.items() if n), key=lambda k: (len(k), k))
    ]
    for table, key, n in (*rows, *queue_totals.derived(deltas)):  # the page's narrow rows too
        keys = [c.name for c in table.primary_key.columns]
        stmt = dialect.insert(table).values(**dict(zip(keys, key, strict=True)), n=n)
        conn.execute(
            stmt.on_conflict_do_update(index_elements=keys, set_={"n": table.c.n + stmt.excluded.n})
        )


def before(conn: Connection, ids: Iterable[str]) -> dict[tuple[Any, ...], int]:
    """Read before a change that may move these registrations between queues (status,
    assignee, new facts, deletion); hand the result to `after` in the same transaction."""
    return _rows(conn, sorted(set(ids)))


def after(conn: Connection, ids: Iterable[str], seen: dict[tuple[Any, ...], int]) -> None:
    """After the change: the rows `before` saw come off, the rows now go on, written once (an
    error in between writes nothing, and the caller's transaction rolls back)."""
    wanted = sorted(set(ids))
    settle_supplements(conn, wanted)  # "supplement arrived" follows the status and versions
    deltas = _rows(conn, wanted)
    for key, n in seen.items():
        deltas[key] = deltas.get(key, 0) - n
    _add(conn, deltas)
    if wanted:
        copy_status(conn, db.console_facts.c.registration_id.in_(wanted))
        copy_to_flags(conn, console_flags.c.registration_id.in_(wanted))
        gone = (
            ~select(db.registrations.c.id)
            .where(db.registrations.c.id == console_flags.c.registration_id)
            .exists()
        )
        conn.execute(
            console_flags.delete().where(console_flags.c.registration_id.in_(wanted), gone)
        )


def copy_status(conn: Connection, where: ColumnElement[bool]) -> None:
    """Copy the registrations' status and commune to their facts (NULL once one is purged),
    and the assignee ("" when nobody holds it)."""
    regs, facts, asg = db.registrations, db.console_facts, db.console_assignments
    of = regs.c.id == facts.c.registration_id
    held = select(asg.c.officer_id).where(asg.c.registration_id == facts.c.registration_id)
    conn.execute(
        facts.update()
        .where(where)
        .values(
            status=select(regs.c.status).where(of).scalar_subquery(),
            commune_code=select(regs.c.commune_code).where(of).scalar_subquery(),
            assignee=func.coalesce(held.scalar_subquery(), literal("")),
        )
    )


def backfill_assignee(conn: Connection) -> None:
    """Copy every application's assignee to its facts and kept flags once (db._v10: the rows
    made before the copy was kept; `after` keeps it from then on)."""
    facts, asg = db.console_facts, db.console_assignments
    held = select(asg.c.officer_id).where(asg.c.registration_id == facts.c.registration_id)
    conn.execute(facts.update().values(assignee=func.coalesce(held.scalar_subquery(), literal(""))))
    of = facts.c.registration_id == console_flags.c.registration_id
    conn.execute(
        console_flags.update().values(assignee=select(facts.c.assignee).where(of).scalar_subquery())
    )


COPIED = ("ministry", "status", "commune_code", "due_at", "submitted_at", "assignee")


def copy_to_flags(conn: Connection, where: ColumnElement[bool]) -> None:
    """Copy the facts a flag's queue page orders and scopes by to these kept flags."""
    facts = db.console_facts
    of = facts.c.registration_id == console_flags.c.registration_id
    conn.execute(
        console_flags.update()
        .where(where)
        .values({name: select(facts.c[name]).where(of).scalar_subquery() for name in COPIED})
    )


def ensure(engine: Engine) -> None:
    """Count every application once, if this database's counts were never made (a database
    from before this table, or one seeded directly), before a page reads them. PostgreSQL
    locks the table first, so writers wait for the backfill and then add their own moves."""
    key = str(engine.url)
    if key in _ready:
        return
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("LOCK TABLE queue_counts IN EXCLUSIVE MODE"))
        settings = db.settings
        done = conn.execute(select(settings.c.value).where(settings.c.key == READY_KEY)).first()
        if done is None:
            conn.execute(queue_counts.delete())  # moves written before the backfill: recounted
            conn.execute(queue_counts.insert().from_select([*KEYS, "n"], _grouped(conn, None)))
            conn.execute(settings.insert().values(key=READY_KEY, value="done"))
            copy_status(conn, db.console_facts.c.status.is_(None))  # facts from before
    _ready.add(key)
