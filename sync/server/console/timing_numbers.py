"""Processing-time numbers from the small tables (tables/timing_rollup.py): the performance
page's rows and the dashboards' decisions per day, without reading one row per application of
the scope (issue 13 "Scale": dashboards p95 <= 1 s at a million applications).

`prepare` brings the tables up to date before a page reads: the facts of new registrations
(`queue.refresh`), the rollup made once (`timing_rollup.ensure`), new facts rolled in, and
older history's decisions copied (`catch_up`). Filters the rollup does not key (status, a
flag, submission dates) go the per-application way (performance.py, dashboards.py): the same
numbers, read the slow way.

Medians and p90s stay exact (`percentile_cont`'s): a histogram locates each rank's bucket of
days, then one index seek per rank reads the value (`_percentiles`). At a million applications
the country's page reads about 30,000 histogram rows and a few seeks per group, where sorting
its 670,000 decided rows took 0.6-1.9 s.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Connection,
    Engine,
    Float,
    Integer,
    String,
    and_,
    bindparam,
    case,
    func,
    select,
    text,
    true,
)
from sqlalchemy.exc import IntegrityError

from sync import protocol as p
from sync.server import db
from sync.server.clerk_events import catalog_fee
from sync.server.console import queue, queue_sums, scope
from sync.server.console.accounts import ALL, Account
from sync.server.tables import queue_counts, timing_pct, timing_rollup
from sync.server.tables import timing as _timing  # noqa: F401  (console_facts.decided_at)

DECISIONS = (p.ServerStatus.APPROVED.value, p.ServerStatus.REJECTED.value)
PAPERS = p.ServerStatus.NEEDS_PAPERS.value
CURSOR = "console_timing_history_id"  # settings key: the last status_history id copied
_catching = threading.Lock()
ICT_OFFSET_S = 7 * 3600  # Cambodia has no daylight saving (scope.ICT)
QUANTILES = (0.5, 0.9)  # median and p90
SMALL = 20_000  # decided applications up to which a scope's percentiles are sorted


@dataclass
class Row:
    key: str
    received: int
    decided: int
    median: float | None  # days, submission at the kiosk → first decision
    p90: float | None
    within: int  # decided no later than the promised date
    overdue: int
    papers: int  # ever set needs_papers
    fees: int  # riel
    fee_unknown: int
    promised: float | None  # days, when the whole group has one promise

    @property
    def within_share(self) -> float | None:
        return self.within / self.decided if self.decided else None

    @property
    def papers_share(self) -> float | None:
        return self.papers / self.received if self.received else None


percentile = timing_pct.percentile  # kept here for its callers


def catch_up(conn: Connection, moves: bool = True) -> int:
    """Copy first decisions and paper requests from the status history rows added since the
    last look (a cursor on the history's id, in `settings`) into `console_facts`; returns the
    rows read. Decisions made since this table existed are already there (written with the
    decision, `timing_rollup.record`), so this fills older history; the registrations it
    changes are moved in the rollup like any writer's. Nothing new costs one look at the
    history's primary key. Idempotent, so two server processes (or a retried range) do no
    harm. Read again next time: a history row whose registration has no facts yet (the queues
    add them first, `queue.refresh`), and the rows of the last `queue.FILL_MARGIN_S` (on
    PostgreSQL an id is taken before the feed's lock, so a lower id can become visible after a
    higher one; a transaction is never open that long). `moves=False`: the rollup is being
    counted afresh by the caller (`timing_rollup.ensure`), nothing to move."""
    hist, facts = db.status_history, db.console_facts
    last = int(db.get_setting(conn, CURSOR, "0") or 0)
    top = int(conn.execute(select(func.max(hist.c.id))).scalar() or 0)
    if top <= last or not _catching.acquire(blocking=False):
        return 0
    try:
        with conn.begin_nested():  # a savepoint: a clash below leaves the page's transaction
            pg = conn.dialect.name == "postgresql"
            if pg and not conn.execute(text("SELECT pg_try_advisory_xact_lock(72013)")).scalar():
                return 0  # another server process is at it: read what is there
            span = and_(hist.c.id > last, hist.c.id <= top, hist.c.status.in_((*DECISIONS, PAPERS)))
            new = (
                select(
                    hist.c.registration_id.label("rid"),
                    func.min(case((hist.c.status.in_(DECISIONS), hist.c.at))).label("dec"),
                    func.max(case((hist.c.status == PAPERS, 1), else_=0)).label("pap"),
                )
                .where(span)
                .group_by(hist.c.registration_id)
                .subquery()
            )
            differs = (
                (facts.c.decided_at.is_(None) & new.c.dec.is_not(None))
                | (new.c.dec < facts.c.decided_at)
                | ((new.c.pap == 1) & func.coalesce(facts.c.papers, 0).is_distinct_from(1))
            )
            changed = (
                [
                    r[0]
                    for r in conn.execute(
                        select(new.c.rid)
                        .join(facts, facts.c.registration_id == new.c.rid)
                        .where(differs)
                    )
                ]
                if moves
                else []
            )
            seen = timing_rollup.before(conn, changed)
            conn.execute(
                facts.update()
                .where(facts.c.registration_id == new.c.rid)
                .values(
                    decided_at=case(
                        (facts.c.decided_at.is_(None), new.c.dec),
                        (new.c.dec < facts.c.decided_at, new.c.dec),
                        else_=facts.c.decided_at,
                    ),
                    papers=case((new.c.pap == 1, 1), else_=facts.c.papers),
                )
            )
            timing_rollup.after(conn, changed, seen)
            orphan = conn.execute(
                select(func.min(hist.c.id))
                .select_from(
                    hist.outerjoin(facts, facts.c.registration_id == hist.c.registration_id)
                )
                .where(span, facts.c.registration_id.is_(None))
            ).scalar()
            settled = conn.execute(  # rows older than the margin: any before them are visible
                select(func.max(hist.c.id)).where(
                    hist.c.id > last, hist.c.id <= top, hist.c.at < db.now() - queue.FILL_MARGIN_S
                )
            ).scalar()
            cursor = min(int(settled or last), top if orphan is None else int(orphan) - 1)
            db.set_setting(conn, CURSOR, str(max(cursor, last)))
    except IntegrityError:
        pass  # another server process wrote the cursor meanwhile: it did the same work
    finally:
        _catching.release()
    return top - last


def prepare(engine: Engine) -> None:
    """Bring the facts and the rollup up to date before a page reads them."""
    queue.refresh_in(engine)  # facts of new registrations, as the queues do
    timing_rollup.ensure(engine, lambda conn: catch_up(conn, moves=False))
    with engine.begin() as conn:
        while timing_rollup.roll_in(conn) == timing_rollup.ROLL_BATCH:
            pass
        catch_up(conn)


def keyed(f: queue.Filters) -> bool:
    """Whether the rollup answers these filters (area and service only)."""
    return not (f.flag or f.status or f.date_from or f.date_to)


def _scope(account: Account, f: queue.Filters, table: Any) -> list[ColumnElement[bool]]:
    """The account's scope and the filters over `table` (keyed by commune, or by province
    when `_by_province` chose the province histogram)."""
    area = table.c.commune_code if "commune_code" in table.c else table.c.province
    out = [scope.visible(account, table.c.ministry, area)]
    for code in (f.commune, f.district, f.province):
        if code:
            out.append(scope.within(area, code))
            break
    if f.service:
        out.append(table.c.service_id == f.service)
    return out


def _key(table: Any, group: str) -> ColumnElement[Any]:
    """The grouping's column of `table` (a province histogram keys no commune)."""
    if group == "service":
        return table.c.service_id  # type: ignore[no-any-return]
    if group == "ministry":
        return table.c.ministry  # type: ignore[no-any-return]
    if group == "commune":
        return table.c.commune_code  # type: ignore[no-any-return]
    if "province" in table.c:  # timing_days keeps it (its index), as the province histogram
        return table.c.province  # type: ignore[no-any-return]
    return func.substr(table.c.commune_code, 1, 2)


Spot = tuple[int, int]  # (bucket, 0-based rank among that bucket's rows of the group)


def _spot(buckets: list[tuple[int, int]], rank: int) -> Spot:
    """Where the `rank`-th smallest value (0-based) of a group lies: its bucket and its rank
    within that bucket, from the group's (bucket, count) histogram in bucket order."""
    for b, n in buckets:
        if rank < n:
            return b, rank
        rank -= n
    raise ValueError("rank past the histogram")


def _histogram(account: Account, f: queue.Filters, group: str) -> timing_rollup.Hist:
    """The province histogram (fine buckets) when the scope and the grouping are whole
    provinces; the commune one (whole days) otherwise."""
    if group == "commune" or f.district or f.commune:
        return timing_rollup.BY_COMMUNE
    codes = [c for c in account.jurisdiction if c.isdigit()]
    whole = ALL in account.jurisdiction or all(len(c) == 2 for c in codes)
    return timing_rollup.BY_PROVINCE if whole else timing_rollup.BY_COMMUNE


def _percentiles(
    conn: Connection, account: Account, f: queue.Filters, group: str, small: int | None = None
) -> dict[str, tuple[float | None, float | None]]:
    """Median and p90 days per group, exact: PostgreSQL's `percentile_cont` (linear
    interpolation between the two closest ranks, `percentile`). A histogram says in which
    bucket of days, and at which rank within it, each of those ranks lies; then each value is
    one seek in the index of the group's rows in order of days (from the bucket's start,
    `OFFSET` the rank), instead of sorting every decided application of the scope. A small
    scope (at most `small` decided), and any on SQLite (a pilot's size), is sorted. The
    histogram and the rows must be one snapshot (`snapshot`), or the ranks may miss. One
    ministry's communes read their kept numbers (`_by_commune`)."""
    if group == "commune" and account.ministry != ALL:
        return _by_commune(conn, account, f)
    h, days = _histogram(account, f, group), timing_rollup.timing_days
    hist = h.table
    hk = _key(hist, group)
    counts: dict[str, list[tuple[int, int]]] = {}
    for g, b, n in conn.execute(
        select(hk, hist.c.bucket, func.sum(hist.c.n))
        .where(*_scope(account, f, hist))
        .group_by(hk, hist.c.bucket)
    ):
        if n:
            counts.setdefault(str(g), []).append((int(b), int(n)))
    total = sum(n for buckets in counts.values() for _b, n in buckets)
    if conn.dialect.name != "postgresql" or total <= (SMALL if small is None else small):
        return _sorted_percentiles(conn, account, f, group)
    plan: dict[str, list[tuple[float, Spot, Spot]]] = {}
    for g, buckets in counts.items():
        buckets.sort()
        last = sum(n for _b, n in buckets) - 1
        for q in QUANTILES:
            pos = q * last
            lo, hi = math.floor(pos), math.ceil(pos)
            plan.setdefault(g, []).append((pos - lo, _spot(buckets, lo), _spot(buckets, hi)))
    spots = sorted({(g, *at) for g, taken in plan.items() for _s, *ats in taken for at in ats})
    wanted = (
        func.unnest(
            bindparam("gs", [g for g, _b, _j in spots], type_=ARRAY(String)),
            bindparam("bs", [b for _g, b, _j in spots], type_=ARRAY(Integer)),
            bindparam("starts", [b / h.scale for _g, b, _j in spots], type_=ARRAY(Float)),
            bindparam("js", [j for _g, _b, j in spots], type_=ARRAY(Integer)),
        )
        .table_valued("g", "b", "start", "j")
        .render_derived()
    )
    seek = (  # exact: the scale is a power of two, so b / scale is the bucket's first value
        select(days.c.days.label("v"))
        .where(*_scope(account, f, days), _key(days, group) == wanted.c.g)
        .where(days.c.days >= wanted.c.start)
        .order_by(days.c.days)
        .offset(wanted.c.j)
        .limit(1)
        .lateral("seek")
    )
    found = {
        (str(g), int(b), int(j)): float(v)
        for g, b, j, v in conn.execute(
            select(wanted.c.g, wanted.c.b, wanted.c.j, seek.c.v).select_from(
                wanted.join(seek, true())
            )
        )
    }
    if len(found) < len(spots):  # the rows moved under a READ COMMITTED reader: sort them
        return _sorted_percentiles(conn, account, f, group)
    out: dict[str, tuple[float | None, float | None]] = {}
    for g, taken in plan.items():
        values = []
        for share, lo_at, hi_at in taken:
            a, b = found[(g, *lo_at)], found[(g, *hi_at)]
            values.append(a + (b - a) * share)
        out[g] = (values[0], values[1])
    return out


def _by_commune(
    conn: Connection, account: Account, f: queue.Filters
) -> dict[str, tuple[float | None, float | None]]:
    """Median and p90 per commune of one ministry, as kept (tables/timing_pct.py): one row
    per commune, where the histogram's way seeks a few times in each of 1,661."""
    pct = timing_pct.timing_pct
    where = _scope(account, f, pct)
    if not f.service:
        where.append(pct.c.service_id == timing_pct.ALL_SERVICES)
    found = conn.execute(select(pct.c.commune_code, pct.c.median, pct.c.p90).where(*where))
    return {str(c): (float(m), float(q)) for c, m, q in found}


def snapshot(conn: Connection) -> None:
    """Before a page's first read on PostgreSQL: REPEATABLE READ, so the histogram and the rows
    it points into are read as of one moment (SQLite's read transaction already is)."""
    if conn.dialect.name == "postgresql":
        conn.execution_options(isolation_level="REPEATABLE READ")


def _sorted_percentiles(
    conn: Connection, account: Account, f: queue.Filters, group: str
) -> dict[str, tuple[float | None, float | None]]:
    """The same numbers by sorting every decided row of the scope (PostgreSQL's
    `percentile_cont`, or `percentile` in Python on SQLite): the tests' yardstick."""
    days = timing_rollup.timing_days
    k, where = _key(days, group), _scope(account, f, days)
    if conn.dialect.name == "postgresql":
        conn.execute(text("SET LOCAL work_mem = '64MB'"))  # the sort stays in memory
        rows = conn.execute(
            select(
                k,
                func.percentile_cont(0.5).within_group(days.c.days),
                func.percentile_cont(0.9).within_group(days.c.days),
            )
            .where(*where)
            .group_by(k)
        ).all()
        return {str(g): (_float(m), _float(q)) for g, m, q in rows}
    found: dict[str, list[float]] = {}
    for g, d in conn.execute(select(k, days.c.days).where(*where)):
        found.setdefault(str(g), []).append(float(d))
    return {g: (percentile(v, 0.5), percentile(v, 0.9)) for g, v in found.items()}


def _float(v: Any) -> float | None:
    return None if v is None else float(v)


def _overdue(conn: Connection, account: Account, f: queue.Filters, group: str) -> dict[str, int]:
    """Overdue now per group: the kept counts' whole days plus the two edge days. For the whole
    country per service, ministry or province from the district rows (queue_sums.overdue_days,
    a few thousand for a ministry); per commune, or in an area, from the commune rows."""
    qc, now = queue_counts.queue_counts, db.now()
    out: dict[str, int] = {}
    by = {"service": "service_id", "ministry": "ministry", "province": "province"}.get(group)
    days = queue_sums.overdue_days(conn, account, f, now, by) if by else None
    if days is not None:
        rows: Any = list(days.items())
    else:
        where = queue._counted(account, f) or []
        k = _key(qc, group)
        rows = conn.execute(
            select(k, func.sum(qc.c.n))
            .where(*where, queue._count_clause("overdue", "", now))
            .group_by(k)
        ).all()
    joined, scoped = queue._base(account, lean=True)
    fk = {
        "service": db.registrations.c.service_id,
        "ministry": db.console_facts.c.ministry,
        "province": func.substr(db.console_facts.c.commune_code, 1, 2),
        "commune": db.console_facts.c.commune_code,
    }[group]
    edge = conn.execute(
        select(fk, func.count())
        .select_from(joined)
        .where(
            scoped, *queue._filters(f), queue._edges(now), queue._queue_clause("overdue", "", now)
        )
        .group_by(fk)
    ).all()
    for g, n in (*rows, *edge):
        out[str(g)] = out.get(str(g), 0) + int(n or 0)
    return out


def rows(conn: Connection, account: Account, f: queue.Filters, group: str) -> list[Row]:
    """The performance page's rows from the rollup (only when `keyed(f)`)."""
    roll = timing_rollup.timing_rollup
    k = _key(roll, group)
    sums = [func.sum(roll.c[s]) for s in timing_rollup.SUMS]
    found = conn.execute(
        select(k, roll.c.service_id, roll.c.form_version, roll.c.promised, *sums)
        .where(*_scope(account, f, roll))
        .group_by(k, roll.c.service_id, roll.c.form_version, roll.c.promised)
    ).all()
    known = set(scope.services(conn))
    fees: dict[tuple[str, str], int | None] = {}
    out: dict[str, Row] = {}
    promises: dict[str, list[float]] = {}
    for g, sid, version, promised, received, decided, within, papers, rejected in found:
        if not received:
            continue
        key = str(g)
        r = out.get(key) or out.setdefault(key, Row(key, 0, 0, None, None, 0, 0, 0, 0, 0, None))
        r.received += int(received)
        r.decided += int(decided)
        r.within += int(within)
        r.papers += int(papers)
        if (sid, version) not in fees:
            fees[sid, version] = (
                catalog_fee(conn, sid, version) if (sid, version) in known else None
            )
        fee, due = fees[sid, version], int(received) - int(rejected)
        if fee is None:
            r.fee_unknown += due
        else:
            r.fees += fee * due
        if promised != timing_rollup.NO_PROMISE:
            promises.setdefault(key, []).append(float(promised))
    overdue = _overdue(conn, account, f, group)
    taken = _percentiles(conn, account, f, group)
    for key, r in out.items():
        r.overdue = overdue.get(key, 0)
        r.median, r.p90 = taken.get(key, (None, None))
        one = promises.get(key, [])
        if one and max(one) - min(one) <= 1e-6:
            r.promised = round(min(one), 4)
    return list(out.values())


def per_day(
    conn: Connection, account: Account, f: queue.Filters, since: float
) -> list[tuple[float, int, int]]:
    """Decisions since `since` per Cambodia day: (the day's start, approved, rejected)."""
    days = timing_rollup.timing_days
    day = queue_counts.due_day(conn, days.c.decided_at + ICT_OFFSET_S)  # whole days, floored
    found = conn.execute(
        select(day, days.c.rejected, func.count())
        .where(*_scope(account, f, days), days.c.decided_at >= since)
        .group_by(day, days.c.rejected)
    ).all()
    out: dict[float, list[int]] = {}
    for d, rejected, n in found:
        start = float(d) * scope.DAY - ICT_OFFSET_S
        out.setdefault(start, [0, 0])[1 if rejected else 0] += int(n)
    return [(d, a, r) for d, (a, r) in out.items()]
