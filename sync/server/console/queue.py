"""The work queues: their definitions, counts, filters, search and pages.

Every query runs over `registrations` joined with `console_facts` (ministry, kiosk submission
time, promised date) and the assignment, always under `scope.visible(account)`, so an officer
never counts or lists another ministry's or jurisdiction's applications.

At scale (issue 13): the counts come from the narrow kept rows per district (queue_sums.py,
tables/queue_totals.py, kept in the writers' transactions) unless a commune or date filter
needs each application; a flag filter reads the kept flags (`console_flags`, see
flags.mark), not the flag's EXISTS; and a page is listed from the facts' copied status in
due-date order (`ix_console_facts_list`), a queue of several statuses or areas as the merge
of each one's first rows (`STATUSES`, `_areas`), never by sorting every matching application.

"Supplement arrived" is the kept `SUPPLEMENT` row (tables/flags.py: a supplement since the last
status change, cleared by the officer's next one), counted and listed like a flag's queue: its
page walks `ix_console_flags_list` over that row alone, a flag filter checked per row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Table,
    and_,
    case,
    false,
    func,
    null,
    or_,
    select,
    union_all,
)

from sync.server import db, officers
from sync.server.console import flags, queue_sums, scope
from sync.server.console.accounts import ALL, Account
from sync.server.console.queue_fill import FILL_MARGIN_S as FILL_MARGIN_S  # re-exported
from sync.server.console.queue_fill import refresh as refresh
from sync.server.console.queue_fill import refresh_in as refresh_in
from sync.server.console.queue_rows import _areas as _areas
from sync.server.console.queue_rows import _listed, _page_rows
from sync.server.console.queue_rules import (  # re-exported: the queues' rules live there
    DECIDED as DECIDED,
)
from sync.server.console.queue_rules import (
    DUE_SOON_S as DUE_SOON_S,
)
from sync.server.console.queue_rules import (
    OPEN as OPEN,
)
from sync.server.console.queue_rules import (
    PAGE_SIZE as PAGE_SIZE,
)
from sync.server.console.queue_rules import (
    PAGE_SIZE_MAX as PAGE_SIZE_MAX,
)
from sync.server.console.queue_rules import (
    QUEUES as QUEUES,
)
from sync.server.console.queue_rules import (
    STATUSES as STATUSES,
)
from sync.server.console.queue_rules import (
    Filters as Filters,
)
from sync.server.console.queue_rules import (
    S as S,
)
from sync.server.console.queue_rules import (
    _base as _base,
)
from sync.server.console.queue_rules import (
    _day_start as _day_start,
)
from sync.server.console.queue_rules import (
    _filters as _filters,
)
from sync.server.console.queue_rules import (
    _queue_clause as _queue_clause,
)
from sync.server.tables import queue_counts, queue_totals
from sync.server.tables.flags import console_flags, flag_counts


@dataclass
class Page:
    counts: dict[str, int]
    rows: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0
    communes: list[str] = field(default_factory=list)
    services: list[str] = field(default_factory=list)

    @property
    def provinces(self) -> list[str]:
        return sorted({c[:2] for c in self.communes})

    @property
    def districts(self) -> list[str]:
        return sorted({c[:4] for c in self.communes})


def _table(f: Filters) -> Table:
    """The counts that answer these filters: the flag's (`flag_counts`) or the queues'."""
    return flag_counts if f.flag else queue_counts.queue_counts


def _counted(account: Account, f: Filters) -> list[ColumnElement[bool]] | None:
    """The counts' rows (`_table`) for this scope and filters; None when a filter needs each
    application (the submission dates), which only the full count can answer."""
    if f.date_from or f.date_to:
        return None
    qc = _table(f)
    out = [scope.visible(account, qc.c.ministry, qc.c.commune_code)]
    if f.flag:
        out.append(qc.c.flag == f.flag)
    for code in (f.commune, f.district, f.province):
        if code:
            out.append(scope.within(qc.c.commune_code, code))
            break
    if f.service:
        out.append(qc.c.service_id == f.service)
    if f.status:
        out.append(qc.c.status == f.status)
    return out


def _count_clause(name: str, me: str, now: float, qc: Table | None = None) -> ColumnElement[bool]:
    """`_queue_clause` over the counts' rows (`qc`, the queue counts by default), with due
    soon / overdue on whole due days strictly before or after today (the two days "now" cuts
    are counted by `_edges`)."""
    t = queue_counts.queue_counts if qc is None else qc
    status, today = t.c.status, int(now // scope.DAY)
    rules: dict[str, Callable[[], ColumnElement[bool]]] = {  # only the asked one is built
        "new": lambda: and_(status == S.RECEIVED.value, t.c.assignee == ""),
        "mine": lambda: and_(t.c.assignee == me, status.in_((*OPEN, S.APPROVED.value))),
        "in_review": lambda: status == S.IN_REVIEW.value,
        "needs_papers": lambda: status == S.NEEDS_PAPERS.value,
        "supplement": lambda: false(),  # not in these rows: queue_sums.supplement counts it
        "due_soon": lambda: and_(
            status.in_(OPEN),
            t.c.due_day > today,
            t.c.due_day < int((now + DUE_SOON_S) // scope.DAY),
        ),
        "overdue": lambda: and_(
            status.in_(OPEN), t.c.due_day > queue_counts.NO_DAY, t.c.due_day < today
        ),
        "approved": lambda: status == S.APPROVED.value,
        "ready": lambda: status == S.READY_FOR_PICKUP.value,
        "decided": lambda: status.in_(DECIDED),
    }
    return rules[name]()


def _edges(now: float, facts: Table | None = None) -> ColumnElement[bool]:
    """The applications due on the two days "now" cuts: today (overdue before now, due soon
    after) and the day due soon ends in; read through the facts' (or kept flags') index."""
    due = (db.console_facts if facts is None else facts).c.due_at
    today, last = now // scope.DAY, (now + DUE_SOON_S) // scope.DAY
    return and_(
        # the one range both days lie in (implied by the OR below): the planner seeks it in
        # the list index after the ministry and status (an OR of two ranges it cannot), instead
        # of reading every open row of the area (~50k for a province, 24 ms at a million)
        due >= today * scope.DAY,
        due < (last + 1) * scope.DAY,
        or_(
            and_(due >= today * scope.DAY, due < (today + 1) * scope.DAY),
            and_(due >= last * scope.DAY, due < (last + 1) * scope.DAY),
        ),
    )


def counts(conn: Connection, account: Account, f: Filters, now: float) -> dict[str, int]:
    """Every queue's count within the filters: from the narrow kept counts (queue_sums.py, a
    few thousand rows for a whole ministry) plus the edge days of the timed queues, or by
    counting every application when a filter needs it."""
    if not queue_sums.answerable(account, f):
        joined, scoped = _base(account, lean=not f.flag)
        sums = [
            func.coalesce(func.sum(case((_queue_clause(q, account.id, now), 1), else_=0)), 0)
            for q in QUEUES
        ]
        # the registrations' commune too: a commune's scope is read through its index
        regs = db.registrations
        narrow = [scope.visible(account, commune=regs.c.commune_code)]
        if f.commune:
            narrow.append(scope.within(regs.c.commune_code, f.commune))
        totals = conn.execute(
            select(*sums).select_from(joined).where(scoped, *narrow, *_filters(f))
        )
        return dict(zip(QUEUES, (int(x) for x in totals.one()), strict=True))
    out = queue_sums.sums(conn, account, f, now)
    timed = ("due_soon", "overdue")
    # from the facts (with a flag, its kept rows) alone unless a service is chosen: the list
    # index answers it
    t = console_flags if f.flag and not f.service else db.console_facts
    edge = [
        func.coalesce(func.sum(case((_queue_clause(q, "", now, t), 1), else_=0)), 0) for q in timed
    ]
    joined, _scoped = _base(account, lean=True)
    edges = conn.execute(
        select(*edge)
        .select_from(joined if f.service else t)
        .where(
            scope.visible(account, t.c.ministry, t.c.commune_code),
            *_filters(f, t),
            _edges(now, t),
            t.c.status.in_(OPEN),
        )
    )
    for q, n in zip(timed, edges.one(), strict=True):
        out[q] += int(n)
    return out


def overdue_by(
    conn: Connection, account: Account, f: Filters, now: float, by: str
) -> list[tuple[str, int]] | None:
    """Overdue applications per `by` ("service_id" or "commune_code"), most first, from the
    kept counts; None when a filter needs every application (the caller counts them). Per
    service for the whole country from the district rows (queue_sums.overdue_days: a few
    thousand for a ministry, not its ~165k commune rows)."""
    where = _counted(account, f)
    if where is None:
        return None
    regs, qc = db.registrations, _table(f)
    found = _overdue_edge(conn, account, f, now, regs.c[by])  # today's, from the facts
    days = queue_sums.overdue_days(conn, account, f, now, by) if by == "service_id" else None
    if days is not None:
        for key, n in days.items():
            found[key] = found.get(key, 0) + n
    else:  # an area's (or per commune: only the commune rows hold it)
        _overdue_rows(conn, where, qc, now, by, found)
    return sorted(((k, n) for k, n in found.items() if n), key=lambda kn: (-kn[1], kn[0]))


def _overdue_edge(
    conn: Connection, account: Account, f: Filters, now: float, key: Any
) -> dict[str, int]:
    """Overdue per `key` among the applications due today (read through the facts)."""
    joined, scoped = _base(account, lean=True)
    rows = conn.execute(
        select(key, func.count())
        .select_from(joined)
        .where(scoped, *_filters(f), _edges(now), _queue_clause("overdue", "", now))
        .group_by(key)
    ).all()
    return {str(k): int(n or 0) for k, n in rows}


def _overdue_rows(
    conn: Connection,
    where: list[ColumnElement[bool]],
    qc: Table,
    now: float,
    by: str,
    into: dict[str, int],
) -> None:
    """Add the whole past days' overdue per `by` from the commune rows."""
    rows = conn.execute(
        select(qc.c[by], func.sum(qc.c.n))
        .where(*where, _count_clause("overdue", "", now, qc))
        .group_by(qc.c[by])
    ).all()
    for key, n in rows:
        into[str(key)] = into.get(str(key), 0) + int(n or 0)


def _choices(conn: Connection, account: Account) -> tuple[list[str], list[str]]:
    """The filters' communes (those with a kiosk in the jurisdiction) and services (the
    ministry's): read from the small devices and service_ministry tables, not from a DISTINCT
    over every application in scope."""
    devices, owners = db.devices, db.service_ministry
    codes = [c for c in account.jurisdiction if c.isdigit()]
    where = (
        ~false()
        if ALL in account.jurisdiction
        else or_(false(), *(scope.within(devices.c.commune_code, c) for c in codes))
    )
    near = select(devices.c.commune_code).where(where).distinct().limit(500).subquery()
    rows = conn.execute(  # one round trip: (code, None) for communes, (service, its ministry)
        union_all(
            select(near.c.commune_code, null().label("ministry")),
            select(owners.c.service_id, owners.c.ministry),
        )
    ).all()
    communes = [code for code, ministry in rows if ministry is None]
    services = [sid for sid, ministry in rows if ministry is not None and account.owns(ministry)]
    return communes, services[:200]


def load(engine: Engine, account: Account, f: Filters, filled: bool = False) -> Page:
    """Counts of every queue (within the filters) and one page of the chosen queue, or of the
    search results when `f.q` is set (the search is audited). `filled`: the page has just
    found no registration lacking facts or keys (page_look.py), so it does not look again."""
    regs, facts = db.registrations, db.console_facts
    now = db.now()
    queue_counts.ensure(engine)
    flags.ensure(engine)
    queue_totals.ensure(engine)  # summed from the two above, once per database
    if not filled:
        refresh_in(engine)
    if f.q:
        with engine.begin() as conn:
            officers.record(conn, account.as_token_officer(), "console_search", f.q, "ok")
    with db.reading(engine) as conn:
        joined, where = _base(account)
        extra = _filters(f)
        numbers = counts(conn, account, f, now)
        chosen = (
            or_(regs.c.app_number.startswith(f.q, autoescape=True), flags.search(f.q))
            if f.q
            else _queue_clause(f.queue, account.id, now)
        )
        cond = (where, *extra, chosen)
        skip = (f.page - 1) * f.size
        total = (
            int(conn.execute(select(func.count()).select_from(joined).where(*cond)).scalar() or 0)
            if f.q
            else numbers[f.queue]  # the same rows the queue's count just counted
        )
        if f.q:
            order = (facts.c.due_at.asc().nulls_last(), facts.c.submitted_at, regs.c.id)
            listed = _listed(joined, facts).add_columns(
                db.console_officers.c.username.label("assignee")  # joined by `_base`
            )
            rows = conn.execute(
                listed.where(*cond).order_by(*order).offset(skip).limit(f.size)
            ).all()
        else:
            # the count is exact: an empty queue or a page past its end reads no index
            rows = _page_rows(conn, account, f, now) if total > skip else []
        communes, svc = _choices(conn, account)
        page = Page(numbers, total=total, communes=sorted(communes), services=sorted(svc))
        found = flags.of(conn, [r.id for r in rows]) if f.q else {}  # a queue's rows carry them
    for r in rows:
        waiting = r.due_at is not None and r.status in OPEN
        left = (r.due_at - now) / scope.DAY if waiting else None
        page.rows.append(
            {
                **r._mapping,
                "days_left": left,
                "flags": found.get(r.id, []) if f.q else flags.parse(r.flags),
            }
        )
    return page
