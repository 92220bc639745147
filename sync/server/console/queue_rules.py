"""The work queues' rules: their names, the statuses each lists, the filters an officer sets,
and each queue's condition over the facts (or the kept flags that copy them), shared by the
counts (queue.py), the pages (queue_rows.py) and the kept sums (queue_sums.py).

"New" and "Assigned to me" read the assignee copied onto the facts and kept flags
(`console_facts.assignee`, "" when nobody holds it; tables/queue_counts.py keeps it with the
status), so their pages walk an index in due order like every other queue's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, exists

from sync import protocol as p
from sync.server import db
from sync.server.console import flags, scope
from sync.server.console.accounts import Account
from sync.server.tables.console_more import console_keys
from sync.server.tables.flags import SUPPLEMENT, console_flags

S = p.ServerStatus
OPEN = (S.RECEIVED.value, S.IN_REVIEW.value, S.NEEDS_PAPERS.value)
DECIDED = (S.APPROVED.value, S.REJECTED.value, S.READY_FOR_PICKUP.value, S.COLLECTED.value)
DUE_SOON_S = 2 * scope.DAY  # "due soon": due within two days from now
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


def _queue_clause(
    name: str, me: str, now: float, facts: Table | None = None
) -> ColumnElement[bool]:
    """The queue's rule over the facts (or the kept flags, which copy them). Only the asked
    rule is built: a page asks for several, and each expression costs CPU to make and key."""
    t = db.console_facts if facts is None else facts
    held = t.c.assignee  # the assignment, copied (tables/queue_counts.py): "" for nobody
    status = t.c.status  # the registration's, copied (tables/queue_counts.py)
    rules: dict[str, Callable[[], ColumnElement[bool]]] = {
        "new": lambda: and_(status == S.RECEIVED.value, held == ""),
        "mine": lambda: and_(held == me, status.in_(STATUSES["mine"])),
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
