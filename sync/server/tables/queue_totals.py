"""The queue page's narrow counts (issue 13 "Scale"): per district, not per commune, assignee
and due day, so a headquarters page sums a few thousand rows instead of ~165k.

- `queue_totals`: one row per (flag, ministry, district, service, status, assigned) with its
  count `n`. `flag` is "" for every application, or one flag (`console_flags`) for a flag
  filter's counts; `assigned` is 1 when somebody holds the application ("new" is received and
  unassigned).
- `queue_due`: the open statuses' applications per (flag, ministry, due day, district,
  service, status); `due_day` is `due_at // 86400` (UTC days), -1 when unknown. A page reads
  only the rows of today and later (and -1): overdue on whole days is the open total less
  those, so past days' rows are never summed as time moves on.
- `queue_mine`: "assigned to me", per (flag, assignee, ministry, district, service, status)
  for the statuses that queue lists, so it is a few rows too, not a join per assignment.

The three are kept in the same breath as `queue_counts` and `flag_counts` (tables/queue_counts.py
`_add` derives their deltas from the same count rows, in the same transaction), and made once
per database by `ensure` (summed from those two tables, themselves exact), under a lock.
Scopes or filters finer than a district (a commune) are counted from the applications
(console/queue_pages.py).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Index,
    Integer,
    String,
    Table,
    case,
    func,
    literal,
    select,
    text,
)

from sync import protocol as p
from sync.server import db
from sync.server.tables import NEW_INDEXES

_S = p.ServerStatus
TIMED_STATUSES = (_S.RECEIVED.value, _S.IN_REVIEW.value, _S.NEEDS_PAPERS.value)  # with a due day
READY_KEY = "console.queue_totals"
TOTAL_KEYS = ("flag", "ministry", "district", "service_id", "status", "assigned")
DUE_KEYS = ("flag", "ministry", "due_day", "district", "service_id", "status")
MINE_KEYS = ("flag", "assignee", "ministry", "district", "service_id", "status")
MINE_STATUSES = (*TIMED_STATUSES, _S.APPROVED.value)  # the "assigned to me" queue's
EVERY = ""  # the `flag` of the rows counting every application

queue_totals = Table(
    "queue_totals",
    db.metadata,
    Column("flag", String(20), primary_key=True),
    Column("ministry", String(32), primary_key=True),
    Column("district", String(16), primary_key=True),
    Column("service_id", String(200), primary_key=True),
    Column("status", String(40), primary_key=True),
    Column("assigned", Integer, primary_key=True),
    Column("n", Integer, nullable=False),
    # read from the index alone (PostgreSQL INCLUDE): a ministry's rows in a district range
    Index(
        "ix_queue_totals_scope",
        "flag",
        "ministry",
        "district",
        postgresql_include=["service_id", "status", "assigned", "n"],
    ),
)

queue_due = Table(
    "queue_due",
    db.metadata,
    Column("flag", String(20), primary_key=True),
    Column("ministry", String(32), primary_key=True),
    Column("due_day", Integer, primary_key=True),
    Column("district", String(16), primary_key=True),
    Column("service_id", String(200), primary_key=True),
    Column("status", String(40), primary_key=True),
    Column("n", Integer, nullable=False),
    Index(
        "ix_queue_due_scope",
        "flag",
        "ministry",
        "due_day",
        postgresql_include=["district", "service_id", "status", "n"],
    ),
)
queue_mine = Table(
    "queue_mine",
    db.metadata,
    Column("flag", String(20), primary_key=True),
    Column("assignee", String(16), primary_key=True),
    Column("ministry", String(32), primary_key=True),
    Column("district", String(16), primary_key=True),
    Column("service_id", String(200), primary_key=True),
    Column("status", String(40), primary_key=True),
    Column("n", Integer, nullable=False),
)
# An area's due days (a province or district officer's page) seek the area first; the
# ministry-wide `ix_queue_due_scope` filtered ~17k rows of other areas out for a province.
NEW_INDEXES.append(
    Index(
        "ix_queue_due_area",
        queue_due.c.flag,
        queue_due.c.ministry,
        queue_due.c.district,
        queue_due.c.due_day,
        postgresql_include=["service_id", "status", "n"],
    )
)
_ready: set[str] = set()  # engine URLs whose totals this process has seen made


def derived(deltas: dict[tuple[Any, ...], int]) -> list[tuple[Table, tuple[Any, ...], int]]:
    """The totals' and due rows' deltas from the queue counts' deltas (key: ministry, commune,
    service, status, assignee, due day; a flag count's key has the flag first), in the order
    writers lock them: table, then key (so concurrent writers never deadlock)."""
    totals: dict[tuple[Any, ...], int] = {}
    due: dict[tuple[Any, ...], int] = {}
    mine: dict[tuple[Any, ...], int] = {}
    for key, n in deltas.items():
        if not n:
            continue
        flag, rest = (key[0], key[1:]) if len(key) == 7 else (EVERY, key)
        ministry, commune, service, status, assignee, day = rest
        district = str(commune)[:4]
        t = (flag, ministry, district, service, status, int(assignee != ""))
        totals[t] = totals.get(t, 0) + n
        if status in TIMED_STATUSES:
            d = (flag, ministry, day, district, service, status)
            due[d] = due.get(d, 0) + n
        if assignee and status in MINE_STATUSES:
            m = (flag, assignee, ministry, district, service, status)
            mine[m] = mine.get(m, 0) + n
    return [
        *((queue_totals, k, totals[k]) for k in sorted(totals) if totals[k]),
        *((queue_due, k, due[k]) for k in sorted(due) if due[k]),
        *((queue_mine, k, mine[k]) for k in sorted(mine) if mine[k]),
    ]


def _sums(source: Table, flagged: bool, into: Table) -> Any:
    """INSERT … SELECT rows summing `queue_counts` (or `flag_counts`) into one of ours."""
    c = source.c
    district = func.substr(c.commune_code, 1, 4)
    flag = c.flag if flagged else literal(EVERY)
    cols: tuple[Any, ...]
    where: list[Any] = []
    if into is queue_due:
        cols = (flag, c.ministry, c.due_day, district, c.service_id, c.status)
        where.append(c.status.in_(TIMED_STATUSES))
    elif into is queue_mine:
        cols = (flag, c.assignee, c.ministry, district, c.service_id, c.status)
        where.extend((c.assignee != "", c.status.in_(MINE_STATUSES)))
    else:
        assigned = case((c.assignee == "", 0), else_=1)
        cols = (flag, c.ministry, district, c.service_id, c.status, assigned)
    return select(*cols, func.sum(c.n)).where(*where).group_by(*cols).having(func.sum(c.n) != 0)


def ensure(engine: Engine) -> None:
    """Make the three tables once per database (the setting remembers it) from the queue and flag
    counts, which the caller has made first (`queue_counts.ensure`, `flags.ensure`).
    PostgreSQL locks the four tables in the writers' order, so a writer waits and then adds
    its own move to the made rows."""
    key = engine.url.render_as_string()
    if key in _ready:
        return
    from sync.server.tables.flags import flag_counts
    from sync.server.tables.queue_counts import queue_counts

    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(
                text(
                    "LOCK TABLE queue_counts, flag_counts, queue_totals, queue_due, queue_mine "
                    "IN EXCLUSIVE MODE"
                )
            )
        if db.get_setting(conn, READY_KEY) != "done":
            make(conn, queue_counts, flag_counts)
            db.set_setting(conn, READY_KEY, "done")
    _ready.add(key)


def make(conn: Connection, queue_counts: Table, flag_counts: Table) -> None:
    """Rebuild the three tables from the queue and flag counts (the caller holds the locks)."""
    for table, keys in ((queue_totals, TOTAL_KEYS), (queue_due, DUE_KEYS), (queue_mine, MINE_KEYS)):
        conn.execute(table.delete())
        for source, flagged in ((queue_counts, False), (flag_counts, True)):
            conn.execute(table.insert().from_select([*keys, "n"], _sums(source, flagged, table)))
