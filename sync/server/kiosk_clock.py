"""The kiosk's clock as the server counts days from it (issue 13: promised dates, overdue,
processing-time medians count from the submission at the kiosk, not from the upload).

A kiosk's `submitted_at` is data from a machine in a rural hall: a dead RTC reads 1970 or
2000, a wrong one reads next year. The commit keeps it exactly as sent (`registrations.body`);
only where the server derives due dates and day counts (`console_facts.submitted_at`, from
which `due_at`, the queues' overdue and the dashboards' days come) it uses `clamped`: never
after the server received the commit, never more than `OFFLINE_MAX_DAYS` before it.

Why 90 days: the protocol has no offline allowance of its own (a kiosk syncs whenever it can,
over the network or a USB stick, and nothing refuses an old commit), so the bound is the
longest a rural kiosk can plausibly hold an application unsent: a whole rainy season without
a connection or a technician's visit. Older claims are far likelier a wrong clock than a real
wait, and an application that truly waited longer still shows as long overdue.

Facts made before this rule are clamped once by `reclamp` (a database's existing data). The
hall-hours flag reads the kiosk's time of day as sent (console/flags.py): not a day count.
"""

from __future__ import annotations

from sqlalchemy import Engine, or_, select, text

from sync.server import db
from sync.server.tables import queue_counts, timing_rollup

DAY_S = 86400.0
OFFLINE_MAX_DAYS = 90  # sync/PROTOCOL.md "Commit", ARCHITECTURE.md "Sync"
READY_KEY = "console.facts_clamped"  # `reclamp` has run on this database
RECLAMP_LOCK = 72016  # PostgreSQL advisory lock (72014, 72015: timing_rollup, timing_pct)
BATCH = 1000
_ready: set[str] = set()  # engine URLs this process has seen reclamped (then a no-op)


def clamped(submitted_at: float, received_at: float) -> float:
    """The kiosk's submission time (epoch seconds) as the server counts from it: within
    [received_at - OFFLINE_MAX_DAYS, received_at]."""
    return min(received_at, max(submitted_at, received_at - OFFLINE_MAX_DAYS * DAY_S))


def reclamp(engine: Engine) -> int:
    """Facts made before `clamped` existed from a wrong kiosk clock, counted again once per
    database (`READY_KEY` remembers it): each one's submission clamped and its promised date
    moved by as much, with the queue and flag counts and the processing-time rollup moved in
    the same transaction (their `before`/`after`, as every writer does). The commits' bodies
    keep what the kiosks sent. Cheap to call before every page, like the tables' `ensure`.
    Returns how many facts changed."""
    key = engine.url.render_as_string()
    if key in _ready:
        return 0
    regs, facts = db.registrations, db.console_facts
    received = regs.c.received_at
    changed = 0
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":  # two servers starting: one does it
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": RECLAMP_LOCK})
        if db.get_setting(conn, READY_KEY) == "done":
            _ready.add(key)
            return 0
        rows = conn.execute(
            select(facts.c.registration_id, facts.c.submitted_at, facts.c.due_at, received)
            .join(regs, regs.c.id == facts.c.registration_id)
            .where(
                or_(
                    facts.c.submitted_at > received,
                    facts.c.submitted_at < received - OFFLINE_MAX_DAYS * DAY_S,
                )
            )
            .order_by(facts.c.registration_id)
        ).all()
        for at in range(0, len(rows), BATCH):
            batch = rows[at : at + BATCH]
            ids = [r.registration_id for r in batch]
            counted = queue_counts.before(conn, ids)  # the order decisions.py locks in
            timed = timing_rollup.before(conn, ids)
            for r in batch:
                now = clamped(r.submitted_at, r.received_at)
                due = None if r.due_at is None else r.due_at + (now - r.submitted_at)
                conn.execute(
                    facts.update()
                    .where(facts.c.registration_id == r.registration_id)
                    .values(submitted_at=now, due_at=due)
                )
            queue_counts.after(conn, ids, counted)
            timing_rollup.after(conn, ids, timed)
            changed += len(batch)
        db.set_setting(conn, READY_KEY, "done")
    _ready.add(key)
    return changed
