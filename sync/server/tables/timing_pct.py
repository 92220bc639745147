"""Exact median and p90 days per commune, kept with every change (issue 13 "Scale":
dashboards p95 <= 1 s at a million applications).

The performance page grouped by commune wants a median and a p90 for each of a ministry's
1,661 communes: read from the histogram that is several thousand index seeks (0.4-0.5 s for
the country at a million applications). A commune holds a few hundred decided applications,
so its two numbers are cheap to work out again whenever one of them changes; the page then
reads one row per commune.

`timing_pct`: one row per (ministry, commune, service) and one per (ministry, commune) over
all its services (`service_id` = `ALL_SERVICES`): decided applications, median and p90 of
`timing_days.days`, as PostgreSQL's `percentile_cont` gives them (`percentile`). Only
communes with decided applications have rows. `timing_rollup.after` calls `refresh` with the
communes whose `timing_days` rows it changed; `timing_rollup.ensure` calls `ensure` (counted
afresh once per database, `READY_KEY`).

Two writers of one commune: each takes the commune's advisory lock (in code order, no
deadlock) after changing `timing_days` and before reading it again; PostgreSQL's READ
COMMITTED reads with a new snapshot after the wait, so the second sees the first's committed
rows and the last one to write has counted both.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Float,
    Integer,
    String,
    Table,
    select,
    text,
    tuple_,
)

from sync.server import db

ALL_SERVICES = ""  # the commune's row over all its ministry's services
READY_KEY = "console.timing_pct.1"
LOCK = 72015  # advisory lock class: (LOCK, crc32 of ministry:commune)
BATCH = 5000  # rows per INSERT
_LOCK_ALL = text("SELECT count(pg_advisory_xact_lock(:c, k)) FROM unnest(CAST(:ks AS int[])) k")

timing_pct = Table(
    "timing_pct",
    db.metadata,
    Column("ministry", String(32), primary_key=True),
    Column("commune_code", String(16), primary_key=True),
    Column("service_id", String(200), primary_key=True),
    Column("n", Integer, nullable=False),
    Column("median", Float, nullable=False),  # days, submission at the kiosk -> decision
    Column("p90", Float, nullable=False),
)

Commune = tuple[str, str]  # (ministry, commune_code)


def percentile(values: list[float], q: float) -> float | None:
    """PostgreSQL's `percentile_cont`: linear interpolation between the closest ranks."""
    if not values:
        return None
    xs = sorted(values)
    pos = q * (len(xs) - 1)
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def _lock_key(ministry: str, commune: str) -> int:
    k = zlib.crc32(f"{ministry}:{commune}".encode())
    return k - (1 << 32) if k >= 1 << 31 else k


def _rows(found: Iterable[Any]) -> list[dict[str, Any]]:
    """The table's rows from (ministry, commune, service, days) rows."""
    groups: dict[tuple[str, str, str], list[float]] = {}
    for ministry, commune, service, days in found:
        d = float(days)
        groups.setdefault((ministry, commune, service), []).append(d)
        groups.setdefault((ministry, commune, ALL_SERVICES), []).append(d)
    return [
        {
            "ministry": m,
            "commune_code": c,
            "service_id": s,
            "n": len(values),
            "median": percentile(values, 0.5),
            "p90": percentile(values, 0.9),
        }
        for (m, c, s), values in sorted(groups.items())
    ]


def _insert(conn: Connection, rows: list[dict[str, Any]]) -> None:
    for i in range(0, len(rows), BATCH):
        conn.execute(timing_pct.insert(), rows[i : i + BATCH])


def refresh(conn: Connection, days: Table, communes: Iterable[Commune]) -> None:
    """Work these communes' rows out again from `days` (`timing_days`, after a change to it
    in this transaction)."""
    wanted = sorted(set(communes))
    if not wanted:
        return
    if conn.dialect.name == "postgresql":
        keys = sorted({_lock_key(m, c) for m, c in wanted})
        conn.execute(_LOCK_ALL, {"c": LOCK, "ks": keys})
    pct = timing_pct.c
    found = conn.execute(
        select(days.c.ministry, days.c.commune_code, days.c.service_id, days.c.days).where(
            tuple_(days.c.ministry, days.c.commune_code).in_(wanted)
        )
    ).all()
    conn.execute(timing_pct.delete().where(tuple_(pct.ministry, pct.commune_code).in_(wanted)))
    _insert(conn, _rows(found))


def fill(conn: Connection, days: Table) -> None:
    """Count every commune afresh (under `timing_rollup.ensure`'s table lock)."""
    conn.execute(timing_pct.delete())
    found = conn.execute(
        select(days.c.ministry, days.c.commune_code, days.c.service_id, days.c.days)
    )
    _insert(conn, _rows(found))
    db.set_setting(conn, READY_KEY, "done")


def is_ready(conn: Connection) -> bool:
    return db.get_setting(conn, READY_KEY) is not None


def recount_rows(found: Iterable[tuple[Any, ...]]) -> set[tuple[Any, ...]]:
    """The rows a full count makes of these (ministry, commune, service, days) rows (for
    tests: `timing_rollup.recount`)."""
    return {tuple(r.values()) for r in _rows(found)}


def stored(conn: Connection) -> set[tuple[Any, ...]]:
    return {tuple(r) for r in conn.execute(select(timing_pct))}
