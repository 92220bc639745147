"""Who may see what: the owning ministry of each service, the published catalogs' labels and
promised days, and the per-registration facts the queues filter on.

The ministry of a service is server data (`service_ministry`, seeded by migration 4 from
`db.SERVICE_MINISTRIES`), not a catalog field: the kiosk's catalog format stays as it is, and a
ministry can take over a service without a new catalog. A service with no owner shows in no
ministry's queue but an all-ministries account's (`*`).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, false, func, or_, select

from sync import protocol as p
from sync.server import db
from sync.server.catalog import lock_owners
from sync.server.console.accounts import ALL, Account
from sync.server.kiosk_clock import clamped  # due dates and day counts count from it
from sync.server.tables import queue_counts

DAY = 86400.0
UNOWNED = "unowned"
ICT = timezone(timedelta(hours=7), "ICT")  # Cambodia, no daylight saving
FACTS_BATCH = 2000

_catalog_cache: dict[str, tuple[int, dict[tuple[str, str], dict[str, Any]]]] = {}


def services(
    conn: Connection, catalogs: int | None = None
) -> dict[tuple[str, str], dict[str, Any]]:
    """(service id, version) → the service object, over every published catalog (a kiosk may
    still be on an older one); newer publications win. Re-read only when one was added
    (`catalogs`: their count, if the page has just read it: page_look.py)."""
    docs = db.documents
    count = catalogs
    if count is None:
        count = int(
            conn.execute(
                select(func.count()).select_from(docs).where(docs.c.kind == "catalog")
            ).scalar()
            or 0
        )
    key = str(conn.engine.url)
    cached = _catalog_cache.get(key)
    if cached and cached[0] == count:
        return cached[1]
    found: dict[tuple[str, str], dict[str, Any]] = {}
    rows = conn.execute(
        select(docs.c.body).where(docs.c.kind == "catalog").order_by(docs.c.published_at)
    )
    for body in rows.scalars():
        try:
            items = json.loads(body).get("services", [])
        except (ValueError, AttributeError):
            continue
        for svc in items.values() if isinstance(items, dict) else items:
            if isinstance(svc, dict) and "id" in svc:
                found[(str(svc["id"]), str(svc.get("version", "")))] = svc
    _catalog_cache[key] = (count, found)
    return found


def service_names(conn: Connection, catalogs: int | None = None) -> dict[str, dict[str, str]]:
    """service id → {"km": …, "en": …} (the newest version's name)."""
    names: dict[str, dict[str, str]] = {}
    for (sid, _version), svc in services(conn, catalogs).items():
        name = svc.get("name")
        names[sid] = name if isinstance(name, dict) else {"km": sid, "en": sid}
    return names


def ministries(conn: Connection) -> dict[str, str]:
    rows = conn.execute(select(db.service_ministry.c.service_id, db.service_ministry.c.ministry))
    return {r.service_id: r.ministry for r in rows}


def submitted_at(body: str, fallback: float) -> float:
    """The kiosk's submission time in a committed body (epoch seconds), else `fallback`."""
    try:
        text = json.loads(body).get("submitted_at", "")
        return p.parse_date(text).timestamp() if isinstance(text, str) else fallback
    except (ValueError, AttributeError, TypeError, OverflowError):  # year 1 with an offset
        return fallback


def refresh_facts(conn: Connection) -> int:
    """Add facts for registrations that have none yet (new since the last look): ministry,
    submission time at the kiosk and the promised date. Returns how many were added."""
    regs, facts = db.registrations, db.console_facts
    rows = conn.execute(
        select(regs.c.id, regs.c.service_id, regs.c.form_version, regs.c.body, regs.c.received_at)
        .outerjoin(facts, facts.c.registration_id == regs.c.id)
        .where(facts.c.registration_id.is_(None))
        .limit(FACTS_BATCH)
    ).all()
    if not rows:
        return 0
    lock_owners(conn, change=False)  # an owner change at this moment waits, or is seen
    owners = ministries(conn)
    catalog = services(conn)
    days_of = {sid: svc.get("processing_days") for (sid, _v), svc in catalog.items()}
    before = queue_counts.before(conn, [r.id for r in rows])  # none: no facts yet

    for r in rows:
        svc = catalog.get((r.service_id, r.form_version))
        days = (svc or {}).get("processing_days", days_of.get(r.service_id))
        submitted = clamped(submitted_at(r.body, r.received_at), r.received_at)
        due = submitted + float(days) * DAY if isinstance(days, int | float) else None
        conn.execute(
            facts.insert().values(
                registration_id=r.id,
                ministry=owners.get(r.service_id, UNOWNED),
                submitted_at=submitted,
                due_at=due,
            )
        )
    queue_counts.after(conn, [r.id for r in rows], before)  # now in the queue counts
    return len(rows)


def visible(
    account: Account,
    ministry: ColumnElement[str] | None = None,
    commune: ColumnElement[str] | None = None,
) -> ColumnElement[bool]:
    """The WHERE clause for this account's ministry and jurisdiction (over facts + regs, or
    over the given columns, e.g. of the queue counts)."""
    ministry = db.console_facts.c.ministry if ministry is None else ministry
    commune = db.registrations.c.commune_code if commune is None else commune
    clauses: list[ColumnElement[bool]] = []
    if account.ministry != ALL:
        clauses.append(ministry == account.ministry)
    if ALL not in account.jurisdiction:
        codes = [c for c in account.jurisdiction if c.isdigit()]
        clauses.append(or_(*(within(commune, c) for c in codes)) if codes else false())
    return clauses[0] if len(clauses) == 1 else (clauses[0] & clauses[1]) if clauses else ~false()


def within(column: ColumnElement[str], code: str) -> ColumnElement[bool]:
    """`column` starts with the digits `code`, as a range the column's index can serve (a
    bound `LIKE :code || '%'` is opaque to the planner: it scans every registration)."""
    return and_(column >= code, column < code[:-1] + chr(ord(code[-1]) + 1))


def day(ts: float | None) -> str:
    """A date as officers read it (YYYY-MM-DD, Cambodia time, UTC+7)."""
    if ts is None:
        return "—"
    return datetime.fromtimestamp(ts, ICT).strftime("%Y-%m-%d")


def stamp(ts: float | None) -> str:
    if ts is None:
        return "—"
    return datetime.fromtimestamp(ts, ICT).strftime("%Y-%m-%d %H:%M")
