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
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Table,
    and_,
    case,
    exists,
    false,
    func,
    or_,
    select,
    union_all,
)

from sync import protocol as p
from sync.server import db, officers
from sync.server.console import flags, queue_sums, scope
from sync.server.console.accounts import ALL, Account
from sync.server.console.queue_fill import FILL_MARGIN_S as FILL_MARGIN_S  # re-exported
from sync.server.console.queue_fill import refresh as refresh
from sync.server.console.queue_fill import refresh_in as refresh_in
from sync.server.tables import queue_counts, queue_totals
from sync.server.tables.console_more import console_keys
from sync.server.tables.flags import SUPPLEMENT, console_flags, flag_counts

S = p.ServerStatus
OPEN = (S.RECEIVED.value, S.IN_REVIEW.value, S.NEEDS_PAPERS.value)
DECIDED = (S.APPROVED.value, S.REJECTED.value, S.READY_FOR_PICKUP.value, S.COLLECTED.value)
DUE_SOON_S = queue_sums.DUE_SOON_S
QUEUES = (
    "new",
    "mine",
    "in_review",
    "needs_papers",
    "supplement",  # a supplement arrived since the last status change (tables/flags.py)
    "due_soon",
    "overdue",
    "approved",
    "ready",
    "decided",
)
# The statuses each queue lists (a page of several is merged from each one's index order).
STATUSES: dict[str, tuple[str, ...]] = {
    "new": (S.RECEIVED.value,),
    "mine": (*OPEN, S.APPROVED.value),
    "in_review": (S.IN_REVIEW.value,),
    "needs_papers": (S.NEEDS_PAPERS.value,),
    "supplement": OPEN,  # the statuses that take a supplement (protocol.SUPPLEMENT_STATUSES)
    "due_soon": OPEN,
    "overdue": OPEN,
    "approved": (S.APPROVED.value,),
    "ready": (S.READY_FOR_PICKUP.value,),
    "decided": DECIDED,
}
REG_COLUMNS = ("id", "app_number", "service_id", "commune_code", "status", "received_at")
PAGE_SIZE = 25
PAGE_SIZE_MAX = 100


@dataclass
class Filters:
    queue: str = "new"
    province: str = ""
    district: str = ""
    commune: str = ""
    service: str = ""
    status: str = ""
    flag: str = ""
    date_from: str = ""  # YYYY-MM-DD, submission at the kiosk, Cambodia time
    date_to: str = ""
    q: str = ""  # application number (or its start), a name, or a phone number
    page: int = 1
    size: int = PAGE_SIZE

    @classmethod
    def parse(cls, params: dict[str, str]) -> Filters:
        """From query parameters; anything malformed is dropped, never an error page."""

        def digits(name: str, n: int) -> str:
            v = params.get(name, "").strip()
            return v if p.is_ascii_digits(v, n) else ""

        def number(name: str, default: int, top: int) -> int:
            v = params.get(name, "")
            return (
                min(max(int(v), 1), top) if v.isascii() and v.isdigit() and len(v) < 7 else default
            )

        def date(name: str) -> str:
            v = params.get(name, "").strip()
            return v if _day_start(v) is not None else ""

        queue = params.get("queue", "new")
        status = params.get("status", "")
        flag = params.get("flag", "")
        return cls(
            queue=queue if queue in QUEUES else "new",
            province=digits("province", 2),
            district=digits("district", 4),
            commune=digits("commune", 6),
            service=params.get("service", "")[:200],
            status=status if status in p.STATUS_TRANSITIONS else "",
            flag=flag if flag in flags.FLAGS else "",
            date_from=date("date_from"),
            date_to=date("date_to"),
            q=params.get("q", "").strip()[:40],
            page=number("page", 1, 100000),
            size=number("size", PAGE_SIZE, PAGE_SIZE_MAX),
        )

    def query(self, **changes: Any) -> dict[str, str]:
        """These filters (with `changes`) as query parameters for a link."""
        values = {**self.__dict__, **changes}
        return {k: str(v) for k, v in values.items() if v not in ("", None) and k != "size"}


def _day_start(text: str) -> float | None:
    """Midnight (Cambodia time) starting the day `text` (YYYY-MM-DD); None if not a date."""
    if not (len(text) == 10 and p.is_ascii_digits(text.replace("-", ""), 8)):
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=scope.ICT).timestamp()
    except ValueError:
        return None


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


def _queue_clause(
    name: str, me: str, now: float, facts: Table | None = None
) -> ColumnElement[bool]:
    """The queue's rule over the facts (or the kept flags, which copy them). Only the asked
    rule is built: a page asks for several, and each expression costs CPU to make and key."""
    t = db.console_facts if facts is None else facts
    asg = db.console_assignments
    status = t.c.status  # the registration's, copied (tables/queue_counts.py)
    rules: dict[str, Callable[[], ColumnElement[bool]]] = {
        "new": lambda: and_(status == S.RECEIVED.value, asg.c.officer_id.is_(None)),
        "mine": lambda: and_(asg.c.officer_id == me, status.in_((*OPEN, S.APPROVED.value))),
        "in_review": lambda: status == S.IN_REVIEW.value,
        "needs_papers": lambda: status == S.NEEDS_PAPERS.value,
        "supplement": lambda: _supplement(t),
        "due_soon": lambda: and_(
            status.in_(OPEN), t.c.due_at >= now, t.c.due_at < now + DUE_SOON_S
        ),
        "overdue": lambda: and_(status.in_(OPEN), t.c.due_at < now),
        "approved": lambda: status == S.APPROVED.value,
        "ready": lambda: status == S.READY_FOR_PICKUP.value,
        "decided": lambda: status.in_(DECIDED),
    }
    return rules[name]()


def _supplement(facts: Table) -> ColumnElement[bool]:
    """The application (of the facts, or of kept flag rows) has its "supplement arrived" row."""
    sup = console_flags.alias("supplement_rows")
    return exists().where(
        sup.c.flag == SUPPLEMENT, sup.c.registration_id == facts.c.registration_id
    )


def _base(account: Account, lean: bool = False) -> Any:
    """The joined tables and the account's scope. `lean` leaves out the assignee's name and
    the flag keys, which counts need only when a flag filter is set (fewer joins per row)."""
    regs, facts, asg = db.registrations, db.console_facts, db.console_assignments
    joined = regs.join(facts, facts.c.registration_id == regs.c.id).outerjoin(
        asg, asg.c.registration_id == regs.c.id
    )
    if not lean:
        joined = joined.outerjoin(
            db.console_officers, db.console_officers.c.id == asg.c.officer_id
        ).outerjoin(console_keys, console_keys.c.registration_id == regs.c.id)
    return joined, scope.visible(account, commune=facts.c.commune_code)


def _filters(f: Filters, facts: Table | None = None) -> list[ColumnElement[bool]]:
    """The filters over the facts, or over the kept flags (`facts=console_flags`, which copy
    them, in a flag's listing)."""
    regs, facts = db.registrations, db.console_facts if facts is None else facts
    out: list[ColumnElement[bool]] = []
    for code in (f.commune, f.district, f.province):
        if code:
            out.append(scope.within(facts.c.commune_code, code))
            break
    if f.service:
        out.append(regs.c.service_id == f.service)
    if f.status:
        out.append(facts.c.status == f.status)
    cf = console_flags
    if f.flag and facts is cf:
        out.append(cf.c.flag == f.flag)
    elif f.flag:  # the kept flags (flags.mark), equal to `flags.clause`: an index, not EXISTS
        out.append(
            exists().where(cf.c.flag == f.flag, cf.c.registration_id == facts.c.registration_id)
        )
    start, end = _day_start(f.date_from), _day_start(f.date_to)
    if start is not None:
        out.append(facts.c.submitted_at >= start)
    if end is not None:
        out.append(facts.c.submitted_at < end + scope.DAY)
    return out


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
    communes = conn.execute(
        select(devices.c.commune_code).where(where).distinct().limit(500)
    ).scalars()
    services = conn.execute(select(owners.c.service_id, owners.c.ministry)).all()
    return list(communes), [s for s, m in services if account.owns(m)][:200]


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
    (`ix_console_flags_list`, that flag's rows only). Each status and each area of the scope
    (a province, district or commune: `_areas`) is its own ordered read, limited to the page's
    end, and the page is their merge: a district's rows are sought by commune
    (`ix_console_facts_commune_list`), never found by walking the whole ministry's, and
    nothing sorts every matching application. The ordered reads carry the index's columns and
    the assignee only; the page's own rows are joined to the wide registrations after the
    merge (`_joined`): an area's read sorts its rows, and joined first each of them (thousands
    for a province) was fetched from the registrations before the sort."""
    regs, asg = db.registrations, db.console_assignments
    t = console_flags if f.flag or f.queue == "supplement" else db.console_facts
    source = t.outerjoin(asg, asg.c.registration_id == t.c.registration_id)
    if f.service:  # the one filter on the registrations themselves (`_filters`)
        source = source.join(regs, regs.c.id == t.c.registration_id)
    if f.queue == "supplement":  # its kept rows, any flag filter checked on each
        also = console_flags.alias("also_flagged")
        cond = [*_filters(replace(f, flag=""), t), t.c.flag == SUPPLEMENT]
        if f.flag:
            cond.append(
                exists().where(also.c.flag == f.flag, also.c.registration_id == t.c.registration_id)
            )
    else:
        cond = [*_filters(f, t), _queue_clause(f.queue, account.id, now, t)]
    if account.ministry != ALL:
        cond.append(t.c.ministry == account.ministry)
    order = (
        t.c.due_at.asc().nulls_last(),  # PostgreSQL's index order: no sort needed
        t.c.submitted_at,
        t.c.registration_id,
    )
    keys = (t.c.registration_id, t.c.submitted_at, t.c.due_at, asg.c.officer_id)
    skip = (f.page - 1) * f.size
    statuses = [s for s in STATUSES[f.queue] if not f.status or s == f.status]
    if f.queue == "mine":
        # Read from the officer's own assignments (`console_assignments.officer_id`'s index), not
        # from every status and area in due order: an officer holds a few thousand at most,
        # while a province's open applications that are someone else's would all be walked
        # (with a flag filter, the flag's kept rows of those).
        areas = _areas(account, f)
        if not areas or not statuses:
            return []
        mine = asg.join(t, t.c.registration_id == asg.c.registration_id)
        if f.service:
            mine = mine.join(regs, regs.c.id == t.c.registration_id)
        inside = [] if "" in areas else [or_(*(scope.within(t.c.commune_code, a) for a in areas))]
        query = select(*keys).select_from(mine).where(*cond, t.c.status.in_(statuses), *inside)
        return _joined(conn, query.order_by(*order).offset(skip).limit(f.size).subquery())
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
    """A page's rows (`top`: registration id, submitted, due, officer id) with their
    registrations' columns and the assignee's name, in the page's order."""
    regs, off = db.registrations, db.console_officers
    query = (
        select(
            *(regs.c[name] for name in REG_COLUMNS),
            *(top.c[name] for name in ("submitted_at", "due_at", "officer_id")),
            off.c.username.label("assignee"),
            flags.listed(regs.c.id).label("flags"),
        )
        .select_from(
            top.join(regs, regs.c.id == top.c.registration_id).outerjoin(
                off, off.c.id == top.c.officer_id
            )
        )
        .order_by(top.c.due_at.asc().nulls_last(), top.c.submitted_at, top.c.registration_id)
    )
    return list(conn.execute(query).all())


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
