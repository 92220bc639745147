"""One page of a work queue: read from an index in due-date order, the page's own rows joined
to the registrations afterwards (issue 13 "Scale": nothing sorts every matching application)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import Connection, Table, exists, select, union_all

from sync.server import db
from sync.server.console import flags, scope
from sync.server.console.accounts import ALL, Account
from sync.server.console.queue_rules import (
    REG_COLUMNS,
    STATUSES,
    Filters,
    _filters,
    _queue_clause,
)
from sync.server.tables.flags import SUPPLEMENT, console_flags


def _listed(source: Any, facts: Table) -> Any:
    """The columns of a page's rows, from `source` ordered by `facts` (or the kept flags)."""
    regs, asg = db.registrations, db.console_assignments
    return select(
        *(regs.c[name] for name in REG_COLUMNS),
        facts.c.submitted_at,
        facts.c.due_at,
        asg.c.officer_id,
    ).select_from(source)


def _areas(account: Account, f: Filters) -> list[str]:
    """The commune-code prefixes a page lists from: each jurisdiction code narrowed by the area
    filter ("" = the whole country); none when the filter is outside the jurisdiction."""
    area = f.commune or f.district or f.province
    codes = [c for c in account.jurisdiction if c.isdigit()]
    if ALL in account.jurisdiction:
        codes = [""]
    out = {
        area if area.startswith(c) else c for c in codes if c.startswith(area) or area.startswith(c)
    }
    # a code inside another one of the jurisdiction (12 and 1201) is listed once, by the wider
    return sorted(a for a in out if not any(a != b and a.startswith(b) for b in out))


def _page_rows(conn: Connection, account: Account, f: Filters, now: float) -> list[Any]:
    """One page of a queue, from an index in due-date order, joining the page's rows only: the
    facts' (`ix_console_facts_list`), or with a flag the kept flags' copy of them
    (`ix_console_flags_list`, that flag's rows only); "New" and "Assigned to me" by the
    copied assignee (`ix_console_facts_assignee`, `ix_console_flags_assignee`). Each status
    and each area of the scope (a province, district or commune: `_areas`) is its own ordered
    read, limited to the page's end, and the page is their merge: a district's rows are sought
    by commune (`ix_console_facts_commune_list`), never found by walking the whole ministry's,
    and nothing sorts every matching application. The ordered reads carry the index's columns
    only (read index-only); the page's own rows are joined to the wide registrations and the
    assignee after the merge (`_joined`)."""
    regs = db.registrations
    t = console_flags if f.flag or f.queue == "supplement" else db.console_facts
    source: Any = t
    if f.service:  # the one filter on the registrations themselves (`_filters`)
        source = t.join(regs, regs.c.id == t.c.registration_id)
    if f.queue == "supplement":  # its kept rows, any flag filter checked on each
        also = console_flags.alias("also_flagged")
        cond = [*_filters(replace(f, flag=""), t), t.c.flag == SUPPLEMENT]
        if f.flag:
            cond.append(
                exists().where(also.c.flag == f.flag, also.c.registration_id == t.c.registration_id)
            )
    else:  # "new" and "mine" on the copied assignee: `ix_console_facts_assignee`'s order
        cond = [*_filters(f, t), _queue_clause(f.queue, account.id, now, t)]
    if account.ministry != ALL:
        cond.append(t.c.ministry == account.ministry)
    order = (
        t.c.due_at.asc().nulls_last(),  # PostgreSQL's index order: no sort needed
        t.c.submitted_at,
        t.c.registration_id,
    )
    # the index's own columns only (read index-only); the assignee is joined to the page's rows
    keys = (t.c.registration_id, t.c.submitted_at, t.c.due_at)
    skip = (f.page - 1) * f.size
    statuses = [s for s in STATUSES[f.queue] if not f.status or s == f.status]
    parts = [
        select(*keys)
        .select_from(source)
        .where(*cond, t.c.status == status, *([scope.within(t.c.commune_code, a)] if a else []))
        .order_by(*order)
        for status in statuses
        for a in _areas(account, f)
    ]
    if not parts:
        return []
    if len(parts) == 1:
        return _joined(conn, parts[0].offset(skip).limit(f.size).subquery())
    tops = union_all(*(select(q.limit(skip + f.size).subquery()) for q in parts)).subquery()
    merged = (
        select(tops)
        .order_by(tops.c.due_at.asc().nulls_last(), tops.c.submitted_at, tops.c.registration_id)
        .offset(skip)
        .limit(f.size)
    )
    return _joined(conn, merged.subquery())


def _joined(conn: Connection, top: Any) -> list[Any]:
    """A page's rows (`top`: registration id, submitted, due) with their registrations'
    columns and the assignee, in the page's order."""
    regs, asg, off = db.registrations, db.console_assignments, db.console_officers
    query = (
        select(
            *(regs.c[name] for name in REG_COLUMNS),
            top.c.submitted_at,
            top.c.due_at,
            asg.c.officer_id,
            off.c.username.label("assignee"),
            flags.listed(regs.c.id).label("flags"),
        )
        .select_from(
            top.join(regs, regs.c.id == top.c.registration_id)
            .outerjoin(asg, asg.c.registration_id == top.c.registration_id)
            .outerjoin(off, off.c.id == asg.c.officer_id)
        )
        .order_by(top.c.due_at.asc().nulls_last(), top.c.submitted_at, top.c.registration_id)
    )
    return list(conn.execute(query).all())
