"""Processing times kept small (issue 13 "Scale": dashboards p95 <= 1 s at a million
applications): the performance page and the dashboards read these instead of one row per
application of the scope.

- `timing_rollup`: one row per (ministry, commune, service, form version, promised days)
  with received, decided, decided within the promise, ever needed papers, and rejected (the
  fee due is the catalog's fee of the key's service and version times the applications not
  rejected, so it is worked out when read). About 10,000 rows at a million applications.
- `timing_days`: one narrow row per decided application (its days from the submission at the
  kiosk to the decision, when, and whether rejected), for exact percentiles (days are not
  whole numbers, so no histogram alone gives today's median and p90) and the decisions per
  day.
- `timing_hist`, `timing_hist_province` (`HISTS`): decided applications per area, service
  and bucket of days: where a percentile's rank falls (which bucket, which rank within it),
  so it is read with one index seek, not by sorting the whole scope (timing_numbers.py).

Only applications whose facts are rolled in (`console_facts.rolled` = 1) count. New facts
(`scope.refresh_facts`) start unrolled and `roll_in` adds them before a page reads (a partial
index finds them). Every writer that changes what counts calls `before(conn, ids)` and
`after(conn, ids, seen)` around its change, in its own transaction: decisions.change_status
(which also writes `decided_at` / `papers` with `record`), the purge (versions.py), and the
console's `catch_up` of older history. A kiosk's own status moves (needs papers -> in review,
ready -> collected) change nothing here. Databases from before (or seeded directly) are
counted once by `ensure`, in SQL, under a table lock; `settings` remembers it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Engine,
    Float,
    Index,
    Integer,
    Numeric,
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

from sync import protocol as p
from sync.server import db
from sync.server.tables import NEW_COLUMNS, NEW_INDEXES, timing_pct

S = p.ServerStatus
DECISIONS = (S.APPROVED.value, S.REJECTED.value)
NO_PROMISE = -1.0
READY_KEY = "console.timing_rollup.2"  # .2: with timing_hist (counted afresh)
ROLL_BATCH = 5000
KEYS = ("ministry", "commune_code", "service_id", "form_version", "promised")
SUMS = ("received", "decided", "within", "papers", "rejected")

timing_rollup = Table(
    "timing_rollup",
    db.metadata,
    Column("ministry", String(32), primary_key=True),
    Column("commune_code", String(16), primary_key=True),
    Column("service_id", String(200), primary_key=True),
    Column("form_version", String(100), primary_key=True),
    Column("promised", Float, primary_key=True),  # days, to 6 places; -1: no promised date
    *(Column(name, Integer, nullable=False) for name in SUMS),
)
timing_days = Table(
    "timing_days",
    db.metadata,
    Column("registration_id", String(36), primary_key=True),
    Column("ministry", String(32), nullable=False),
    Column("commune_code", String(16), nullable=False),
    Column("service_id", String(200), nullable=False),
    Column("days", Float, nullable=False),  # submission at the kiosk -> first decision
    Column("decided_at", Float, nullable=False),
    Column("rejected", Integer, nullable=False),
    # Decisions per day by date.
    Index(
        "ix_timing_days_decided",
        "ministry",
        "decided_at",
        postgresql_include=["commune_code", "service_id", "rejected"],
    ),
    Index("ix_timing_days_decided_all", "decided_at"),
)
timing_days.append_column(Column("province", String(2)))  # the commune code's first two digits
NEW_COLUMNS.append((timing_days, ("province",)))
_d = timing_days.c
# A group's rows in order of days, per grouping: a percentile's rank is one index seek
# (timing_numbers.py); in commune order, the sort way's rows of a scope too.
NEW_INDEXES.extend(
    Index(
        f"ix_timing_days_{name}_days",
        _d.ministry,
        *([] if column is None else [column]),
        _d.days,
        postgresql_include=[c for c in ("commune_code", "service_id") if c not in keys],
    )
    for name, column, keys in (
        ("ministry", None, ()),
        ("service", _d.service_id, ("service_id",)),
        ("province", _d.province, ()),
        ("commune", _d.commune_code, ("commune_code",)),
    )
)


class Hist(NamedTuple):
    """A histogram of `timing_days`: decided applications per (ministry, area, service,
    bucket), a bucket being `floor(days * scale)`, `scale` a power of two so that the bucket
    `b` starts exactly at `days >= b / scale` (a seek in the index above)."""

    table: Table
    area: str  # the `timing_days` column it keys: commune_code or province
    scale: int


def _hist_table(name: str, area: str, size: int) -> Table:
    return Table(
        name,
        db.metadata,
        Column("ministry", String(32), primary_key=True),
        Column(area, String(size), primary_key=True),
        Column("service_id", String(200), primary_key=True),
        Column("bucket", Integer, primary_key=True),
        Column("n", Integer, nullable=False),
    )


# Per commune, whole days (about 70,000 rows at a million applications): any scope, and the
# grouping by commune. Per province, 45-minute buckets (about 35,000): the country's and the
# provinces' scopes, whose whole days hold tens of thousands of applications each.
BY_COMMUNE = Hist(_hist_table("timing_hist", "commune_code", 16), "commune_code", 1)
BY_PROVINCE = Hist(_hist_table("timing_hist_province", "province", 2), "province", 32)
HISTS = (BY_COMMUNE, BY_PROVINCE)
db.console_facts.append_column(Column("rolled", Integer))  # 1: counted in the tables above
NEW_COLUMNS.append((db.console_facts, ("rolled",)))
_facts = db.console_facts.c
NEW_INDEXES.append(
    Index(
        "ix_console_facts_unrolled",
        _facts.registration_id,
        postgresql_where=_facts.rolled.is_(None),
        sqlite_where=_facts.rolled.is_(None),
    )
)
_ready: set[str] = set()  # engine URLs whose rollup this process has seen backfilled


def _promised(conn: Connection) -> ColumnElement[Any]:
    """Promised days (due less submission) to 6 places, so float noise makes no extra rows."""
    days = (_facts.due_at - _facts.submitted_at) / 86400.0
    if conn.dialect.name == "postgresql":
        rounded: ColumnElement[Any] = cast(func.round(cast(days, Numeric), 6), Float)
    else:
        rounded = func.round(days, 6)
    return func.coalesce(rounded, literal(NO_PROMISE))


def _joined() -> Any:
    regs = db.registrations
    return regs.join(db.console_facts, _facts.registration_id == regs.c.id)


def _counted(where: ColumnElement[bool] | None) -> list[ColumnElement[bool]]:
    return [_facts.rolled == 1, *([] if where is None else [where])]


def _grouped(conn: Connection, where: ColumnElement[bool] | None) -> Any:
    """The rollup rows of the rolled-in registrations matching `where` (all when None)."""
    regs = db.registrations
    cols = (_facts.ministry, regs.c.commune_code, regs.c.service_id, regs.c.form_version)
    promised = _promised(conn)
    decided = _facts.decided_at.is_not(None)
    sums = (
        func.count(),
        func.coalesce(func.sum(case((decided, 1), else_=0)), 0),
        func.coalesce(func.sum(case((_facts.decided_at <= _facts.due_at, 1), else_=0)), 0),
        func.coalesce(func.sum(func.coalesce(_facts.papers, 0)), 0),
        func.coalesce(func.sum(case((regs.c.status == S.REJECTED.value, 1), else_=0)), 0),
    )
    return (
        select(*cols, promised, *sums)
        .select_from(_joined())
        .where(*_counted(where))
        .group_by(*cols, promised)
    )


def bucket(conn: Connection, days: ColumnElement[Any], scale: int) -> ColumnElement[int]:
    """`floor(days * scale)` (PostgreSQL's CAST rounds, SQLite's truncates: negative days, a
    kiosk clock ahead, are floored too)."""
    x = days * scale
    if conn.dialect.name == "postgresql":
        return cast(func.floor(x), Integer)
    whole = cast(x, Integer)
    return whole - case((x < whole, 1), else_=0)


def _days(conn: Connection, where: ColumnElement[bool] | None) -> Any:
    """The `timing_days` rows of the decided, rolled-in registrations matching `where`."""
    regs = db.registrations
    days = (_facts.decided_at - _facts.submitted_at) / 86400.0
    return (
        select(
            regs.c.id,
            _facts.ministry,
            regs.c.commune_code,
            regs.c.service_id,
            days,
            _facts.decided_at,
            case((regs.c.status == S.REJECTED.value, 1), else_=0),
            func.substr(regs.c.commune_code, 1, 2),
        )
        .select_from(_joined())
        .where(*_counted(where), _facts.decided_at.is_not(None))
    )


DAYS_COLUMNS = (
    "registration_id",
    "ministry",
    "commune_code",
    "service_id",
    "days",
    "decided_at",
    "rejected",
    "province",
)


def _rows(conn: Connection, ids: list[str]) -> dict[tuple[Any, ...], tuple[int, ...]]:
    if not ids:
        return {}
    found = conn.execute(_grouped(conn, db.registrations.c.id.in_(ids))).all()
    return {tuple(r[: len(KEYS)]): tuple(int(x) for x in r[len(KEYS) :]) for r in found}


def _add(
    conn: Connection,
    deltas: dict[tuple[Any, ...], list[int]],
    table: Table = timing_rollup,
    keys: tuple[str, ...] = KEYS,
    sums: tuple[str, ...] = SUMS,
) -> None:
    """Upsert the changed rows in key order (no deadlock between two writers)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    for key in sorted(k for k, v in deltas.items() if any(v)):
        values = dict(zip(sums, deltas[key], strict=True))
        stmt = dialect.insert(table).values(**dict(zip(keys, key, strict=True)), **values)
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=list(keys),
                set_={s: table.c[s] + stmt.excluded[s] for s in sums},
            )
        )


def hist_keys(hist: Hist) -> tuple[str, ...]:
    return ("ministry", hist.area, "service_id", "bucket")


def _counted_days(conn: Connection, hist: Hist) -> Any:
    """The histogram as `timing_days` makes it."""
    cols = [_d.ministry, _d[hist.area], _d.service_id, bucket(conn, _d.days, hist.scale)]
    return select(*cols, func.count()).group_by(*cols)


def _hist(conn: Connection, hist: Hist, ids: list[str]) -> dict[tuple[Any, ...], int]:
    """The histogram counts of these registrations' `timing_days` rows."""
    found = conn.execute(_counted_days(conn, hist).where(_d.registration_id.in_(ids))).all()
    return {tuple(r[:-1]): int(r[-1]) for r in found}


def before(conn: Connection, ids: Iterable[str]) -> dict[tuple[Any, ...], tuple[int, ...]]:
    """Read before a change to these registrations (status, decision, papers, deletion); hand
    the result to `after` in the same transaction. On PostgreSQL their facts are locked first,
    so a concurrent `roll_in` waits for this change and counts it once; `_hold` first, so an
    `ensure` under way finishes before, or waits for, this change."""
    wanted = sorted(set(ids))
    if wanted and conn.dialect.name == "postgresql":
        _hold(conn)
        conn.execute(
            select(_facts.registration_id)
            .where(_facts.registration_id.in_(wanted))
            .order_by(_facts.registration_id)
            .with_for_update()
        ).all()
    return _rows(conn, wanted)


def after(
    conn: Connection, ids: Iterable[str], seen: dict[tuple[Any, ...], tuple[int, ...]]
) -> None:
    """After the change: the rows `before` saw come off, the rows now go on; the registrations'
    `timing_days` rows are written again and the histogram moves with them."""
    wanted = sorted(set(ids))
    if not wanted:
        return
    deltas = {k: list(v) for k, v in _rows(conn, wanted).items()}
    for key, old in seen.items():
        now = deltas.setdefault(key, [0] * len(SUMS))
        deltas[key] = [a - b for a, b in zip(now, old, strict=True)]
    _add(conn, deltas)
    gone = [_hist(conn, h, wanted) for h in HISTS]  # their histogram counts as they were
    conn.execute(timing_days.delete().where(timing_days.c.registration_id.in_(wanted)))
    conn.execute(
        timing_days.insert().from_select(
            list(DAYS_COLUMNS), _days(conn, db.registrations.c.id.in_(wanted))
        )
    )
    touched: set[tuple[str, str]] = set()  # (ministry, commune) whose days rows changed
    for h, was in zip(HISTS, gone, strict=True):
        moved = {k: [n] for k, n in _hist(conn, h, wanted).items()}
        for key, n in was.items():
            moved[key] = [moved.get(key, [0])[0] - n]
        _add(conn, moved, h.table, hist_keys(h), ("n",))
        if h is BY_COMMUNE:
            touched.update((k[0], k[1]) for k in (*was, *moved))
    timing_pct.refresh(conn, timing_days, touched)


def record(conn: Connection, reg_id: str, status: str, at: float) -> None:
    """A decision or a request for papers, written to the facts with the status change (the
    history's own copy; `catch_up` fills older history the same way)."""
    if status in DECISIONS:
        conn.execute(
            db.console_facts.update()
            .where(_facts.registration_id == reg_id, _facts.decided_at.is_(None))
            .values(decided_at=at)
        )
    elif status == S.NEEDS_PAPERS.value:
        conn.execute(
            db.console_facts.update().where(_facts.registration_id == reg_id).values(papers=1)
        )


def _hold(conn: Connection) -> None:
    """PostgreSQL: the rollup's writer lock before any facts row lock. `ensure` takes the
    table's EXCLUSIVE lock first too, so the two always lock in the same order (no deadlock)
    and a writer's `before` never reads across a backfill."""
    conn.execute(text("LOCK TABLE timing_rollup IN ROW EXCLUSIVE MODE"))


def roll_in(conn: Connection) -> int:
    """Count the facts added since the last look (a batch; returns how many). Each is marked
    rolled in the same statement that picks it, so two processes never count one twice."""
    if conn.dialect.name == "postgresql":
        _hold(conn)
        if not conn.execute(text("SELECT pg_try_advisory_xact_lock(72014)")).scalar():
            return 0  # another server process is rolling the same rows in: read what is there
    pending = (
        select(_facts.registration_id).where(_facts.rolled.is_(None)).limit(ROLL_BATCH)
    ).scalar_subquery()
    ids = [
        r[0]
        for r in conn.execute(
            db.console_facts.update()
            .where(_facts.registration_id.in_(pending), _facts.rolled.is_(None))
            .values(rolled=1)
            .returning(_facts.registration_id)
        )
    ]
    after(conn, ids, {})
    return len(ids)


def is_ready(conn: Connection) -> bool:
    return db.get_setting(conn, READY_KEY) is not None


def ensure(engine: Engine, catch_up: Callable[[Connection], Any]) -> None:
    """Count every application once if this database's rollup was never made: `catch_up`
    copies the history's decisions to the facts first, then one INSERT ... SELECT per table.
    PostgreSQL locks the rollup first, so writers wait and then add their own changes."""
    key = str(engine.url)
    if key in _ready:
        return
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("LOCK TABLE timing_rollup IN EXCLUSIVE MODE"))
        if not is_ready(conn):
            catch_up(conn)
            conn.execute(db.console_facts.update().where(_facts.rolled.is_(None)).values(rolled=1))
            conn.execute(timing_rollup.delete())
            conn.execute(timing_days.delete())
            conn.execute(timing_rollup.insert().from_select([*KEYS, *SUMS], _grouped(conn, None)))
            conn.execute(timing_days.insert().from_select(list(DAYS_COLUMNS), _days(conn, None)))
            for h in HISTS:
                conn.execute(h.table.delete())
                conn.execute(
                    h.table.insert().from_select([*hist_keys(h), "n"], _counted_days(conn, h))
                )
            db.set_setting(conn, READY_KEY, "done")
            timing_pct.fill(conn, timing_days)
        elif not timing_pct.is_ready(conn):  # a database counted before timing_pct
            timing_pct.fill(conn, timing_days)
    _ready.add(key)


Kept = tuple[set[tuple[Any, ...]], ...]


def recount(conn: Connection) -> Kept:
    """The tables as a full count would make them now (for tests): (rollup rows, days rows,
    each histogram's rows as those days rows make them, then the communes' percentiles)."""
    rollup = {
        (*r[: len(KEYS)], *(int(x) for x in r[len(KEYS) :]))
        for r in conn.execute(_grouped(conn, None))
    }
    days = {tuple(r) for r in conn.execute(_days(conn, None))}
    days_at, area_at = DAYS_COLUMNS.index("days"), DAYS_COLUMNS.index("province")
    hists = []
    for h in HISTS:
        counts: dict[tuple[Any, ...], int] = {}
        for r in days:
            area = r[area_at] if h.area == "province" else r[2]
            key = (r[1], area, r[3], math.floor(r[days_at] * h.scale))
            counts[key] = counts.get(key, 0) + 1
        hists.append({(*k, n) for k, n in counts.items()})
    pct = timing_pct.recount_rows((r[1], r[2], r[3], r[days_at]) for r in days)
    return (rollup, days, *hists, pct)


def stored(conn: Connection) -> Kept:
    """The tables as kept (rows that count nothing left out)."""
    rollup = {
        (*r[: len(KEYS)], *(int(x) for x in r[len(KEYS) :]))
        for r in conn.execute(select(*(timing_rollup.c[c] for c in (*KEYS, *SUMS))))
        if any(r[len(KEYS) :])
    }
    days = {tuple(r) for r in conn.execute(select(*(timing_days.c[c] for c in DAYS_COLUMNS)))}
    hists = [
        {tuple(r) for r in conn.execute(select(h.table).where(h.table.c.n != 0))} for h in HISTS
    ]
    return (rollup, days, *hists, timing_pct.stored(conn))
