"""A queue page's counts from the narrow kept rows (tables/queue_totals.py), issue 13 "Scale".

A headquarters account's page sums its ministry's rows per district (a few thousand) instead
of per commune, assignee and due day. What those rows cannot answer is left to the caller
(console/queue.py `counts`): the two days "now" cuts through (from the facts' due-date
index), and scopes or filters finer than a district or on submission dates (counted
application by application: `answerable` says which).

"Supplement arrived" is the kept `SUPPLEMENT` row's totals (tables/flags.py; `queue_totals`
keeps every kept row's counts, flag or not); with a flag filter as well, the two kept rows'
intersection is counted from the supplement's rows (`supplement`: the few applications
waiting for an officer after a supplement, read by the flags' list index).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, exists, func, literal, select, union_all
from sqlalchemy.sql.functions import Function

from sync.server import db
from sync.server.console import scope
from sync.server.console.accounts import ALL, Account
from sync.server.console.queue_rules import DECIDED, DUE_SOON_S, OPEN, Filters, S
from sync.server.tables.flags import SUPPLEMENT, console_flags
from sync.server.tables.queue_totals import EVERY, queue_due, queue_mine, queue_totals

BY_STATUS = {  # queues that are one status or several, whoever holds them
    "in_review": (S.IN_REVIEW.value,),
    "needs_papers": (S.NEEDS_PAPERS.value,),
    "approved": (S.APPROVED.value,),
    "ready": (S.READY_FOR_PICKUP.value,),
    "decided": DECIDED,
}
NO_DAY = -1


def answerable(account: Account, f: Filters) -> bool:
    """Whether the district rows answer this scope and these filters: no commune (in the
    jurisdiction or the filters) and no submission dates."""
    communes = any(len(c) > 4 for c in account.jurisdiction if c != ALL)
    return not (f.date_from or f.date_to or f.commune or communes)


def _where(
    account: Account, f: Filters, t: Any, flag: str | None = None
) -> list[ColumnElement[bool]]:
    """The scope and filters over the narrow rows of `flag` (by default the flag filter's, or
    every application's)."""
    chosen = (f.flag or EVERY) if flag is None else flag
    out = [t.c.flag == chosen, scope.visible(account, t.c.ministry, t.c.district)]
    for code in (f.district, f.province):
        if code:
            out.append(scope.within(t.c.district, code))
            break
    if f.service:
        out.append(t.c.service_id == f.service)
    if f.status:
        out.append(t.c.status == f.status)
    return out


def sums(conn: Connection, account: Account, f: Filters, now: float) -> dict[str, int]:
    """Every queue's count, with due soon and overdue on whole days only (strictly
    after / before the two edge days the caller counts from the facts). One statement: the
    per-status totals, the due days (two index ranges: the unknown due day, and today on,
    never the past days' rows), the officer's own and "supplement arrived" (without a flag
    filter), each a part of a UNION ALL of (part, status, number, n) rows."""
    t, d, m = queue_totals, queue_due, queue_mine
    today, last = int(now // scope.DAY), int((now + DUE_SOON_S) // scope.DAY)
    scoped = _where(account, f, d)
    parts = [
        select(literal("t"), t.c.status, t.c.assigned, func.sum(t.c.n))
        .where(*_where(account, f, t))
        .group_by(t.c.status, t.c.assigned),
        select(literal("d"), literal(""), d.c.due_day, func.sum(d.c.n))
        .where(*scoped, d.c.due_day >= today)
        .group_by(d.c.due_day),
        select(literal("d"), literal(""), d.c.due_day, func.sum(d.c.n))
        .where(*scoped, d.c.due_day == NO_DAY)
        .group_by(d.c.due_day),
        select(literal("m"), literal(""), literal(0), func.sum(m.c.n)).where(
            m.c.assignee == account.id, *_where(account, f, m)
        ),
    ]
    if not f.flag:
        parts.append(
            select(literal("s"), literal(""), literal(0), func.sum(t.c.n)).where(
                *_where(account, f, t, SUPPLEMENT)
            )
        )
    per: dict[tuple[str, int], int] = {}
    days: dict[int, int] = {}
    mine = sup = 0
    for part, status, number, n in conn.execute(union_all(*parts)):
        if part == "t":
            per[(str(status), int(number))] = int(n or 0)
        elif part == "d":
            days[int(number)] = int(n or 0)
        elif part == "m":
            mine = int(n or 0)
        else:
            sup = int(n or 0)
    unknown = days.pop(NO_DAY, 0)
    open_total = sum(n for (status, _a), n in per.items() if status in OPEN)
    later = sum(n for day, n in days.items() if day >= today)  # today included
    out = {
        "new": per.get((S.RECEIVED.value, 0), 0),
        "mine": mine,
        "supplement": supplement(conn, account, f) if f.flag else sup,
        "due_soon": sum(n for day, n in days.items() if today < day < last),
        "overdue": open_total - unknown - later,
    }
    for name, statuses in BY_STATUS.items():
        out[name] = sum(n for (status, _a), n in per.items() if status in statuses)
    return out


def supplement(conn: Connection, account: Account, f: Filters) -> int:
    """The "supplement arrived" queue's count: its kept rows' totals, or with a flag filter
    the supplement rows that carry that flag too (the scope and filters as in `_where`)."""
    if not f.flag:
        t = queue_totals
        n = conn.execute(select(func.sum(t.c.n)).where(*_where(account, f, t, SUPPLEMENT)))
        return int(n.scalar() or 0)
    sup, also, regs = console_flags, console_flags.alias("also_flagged"), db.registrations
    where = [
        sup.c.flag == SUPPLEMENT,
        sup.c.status.is_not(None),  # copied from the facts: none yet, not in the queues
        scope.visible(account, sup.c.ministry, sup.c.commune_code),
        exists().where(also.c.flag == f.flag, also.c.registration_id == sup.c.registration_id),
    ]
    for code in (f.district, f.province):
        if code:
            where.append(scope.within(sup.c.commune_code, code))
            break
    if f.status:
        where.append(sup.c.status == f.status)
    source: Any = sup
    if f.service:
        source = sup.join(regs, regs.c.id == sup.c.registration_id)
        where.append(regs.c.service_id == f.service)
    return int(conn.execute(select(func.count()).select_from(source).where(*where)).scalar() or 0)


def overdue_days(
    conn: Connection, account: Account, f: Filters, now: float, by: str
) -> dict[str, int] | None:
    """Overdue on whole days before today per `by` ("service_id", "ministry", "district" or
    "province"), from the district rows as `sums` counts the queue: the open applications less
    those due today or later or with no due day (the caller adds today's edge from the facts).
    For the whole country only (no area in the scope or filters: where a ministry has ~165k
    commune rows); None otherwise, and when these rows cannot answer (`answerable`): the
    caller sums the commune rows, which are fewer and read by their index in an area."""
    if not answerable(account, f) or ALL not in account.jurisdiction or f.province or f.district:
        return None
    t, d = queue_totals, queue_due
    tk, dk = _by(t, by), _by(d, by)
    out: dict[str, int] = {}
    for k, n in conn.execute(
        select(tk, func.sum(t.c.n)).where(*_where(account, f, t), t.c.status.in_(OPEN)).group_by(tk)
    ):
        out[str(k)] = int(n or 0)
    scoped, today = _where(account, f, d), int(now // scope.DAY)
    later = conn.execute(  # two index ranges, as in `sums`: never the past days' rows
        union_all(
            select(dk, func.sum(d.c.n)).where(*scoped, d.c.due_day >= today).group_by(dk),
            select(dk, func.sum(d.c.n)).where(*scoped, d.c.due_day == NO_DAY).group_by(dk),
        )
    )
    for k, n in later:
        out[str(k)] = out.get(str(k), 0) - int(n or 0)
    return {k: n for k, n in out.items() if n}


def _by(t: Any, by: str) -> ColumnElement[Any] | Function[Any]:
    return func.substr(t.c.district, 1, 2) if by == "province" else t.c[by]
