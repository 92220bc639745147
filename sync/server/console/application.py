"""One application: what an officer sees of it, and what they may do with it.

Status moves go through `decisions.change_status`, the function behind the officers' API, so each
is checked against the protocol's transitions and the officer's jurisdiction, audited, and put in
the feed for the commune's kiosks. This module adds what the console knows and the API does not:
the owning ministry, and the assignment lock (only the assignee decides; the first to start a
review takes the application; a supervisor reassigns).
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, func, select
from sqlalchemy.exc import IntegrityError

from sync import protocol as p
from sync.server import db, decisions, officers
from sync.server.console import application_extra, flags, notes, queue, scope
from sync.server.console.accounts import Account
from sync.server.errors import ApiError
from sync.server.media import MediaStore, is_sha256
from sync.server.tables import queue_counts

S = p.ServerStatus
NOTE_MAX = 1000
INLINE_MIMES = {"image/jpeg", "image/png", "image/webp", "application/pdf"}


class Refused(Exception):
    """An action or a view the console refuses; `code` is an i18n key, `status` the HTTP one."""

    def __init__(self, status: int, code: str) -> None:
        super().__init__(code)
        self.status = status
        self.code = code


# The assignee the application page shows (with `_read(page=True)`).
ASSIGNEE = (
    db.console_assignments.c.officer_id,
    db.console_assignments.c.assigned_at,
    db.console_assignments.c.assigned_by,
    db.console_officers.c.username,
    db.console_officers.c.display_name,
)


@dataclass
class Detail:
    row: Any
    doc: dict[str, Any]
    service: dict[str, Any] | None
    ministry: str
    facts: Any
    assignee: Any
    device: Any
    history: list[Any]
    answers: list[dict[str, Any]]
    attachments: list[dict[str, Any]]
    flags: list[str]
    viewers: list[Any]
    more: application_extra.Extra | None = None  # checks, counter record, supplements


def _get(conn: Connection, account: Account, reg_id: str) -> tuple[Any, Any]:
    """The registration and its facts, or Refused: 404 if unknown, 403 if out of scope."""
    row, fact, _values = _read(conn, account, reg_id)
    return row, fact


def _part(values: Any, prefix: str, columns: Any, present: str) -> Any:
    """The `columns` read as `prefix`+name in `values`, as one object (None if `present`'s
    value is NULL: an outer join found nothing)."""
    if values[prefix + present] is None:
        return None
    return SimpleNamespace(**{c.name: values[prefix + c.name] for c in columns})


@functools.cache
def _row_statement(page: bool) -> Any:
    """`_read`'s statement, built once (on first use, after every table module has added
    its columns): building it cost more CPU than running it."""
    regs, facts = db.registrations, db.console_facts
    columns: list[Any] = [regs, *(c.label(f"facts_{c.name}") for c in facts.c)]
    source = regs.outerjoin(facts, facts.c.registration_id == regs.c.id)
    if page:
        asg, off, dev = db.console_assignments, db.console_officers, db.devices
        source = (
            source.outerjoin(asg, asg.c.registration_id == regs.c.id)
            .outerjoin(off, off.c.id == asg.c.officer_id)
            .outerjoin(dev, dev.c.id == regs.c.device_id)
        )
        columns += [
            *(c.label(f"asg_{c.name}") for c in ASSIGNEE),
            off.c.id.label("asg_officer"),
            *(c.label(f"dev_{c.name}") for c in dev.c),
            flags.listed(regs.c.id).label("page_flags"),
        ]
    return select(*columns).select_from(source).where(regs.c.id == bindparam("reg_id"))


def _read(
    conn: Connection, account: Account, reg_id: str, page: bool = False
) -> tuple[Any, Any, Any]:
    """`_get`, and the row's values: with `page`, also the assignee (`asg_…`), the kiosk
    (`dev_…`) and the flags (`page_flags`) the application page shows, in the same round
    trip (a page makes several; each one counts)."""
    regs, facts = db.registrations, db.console_facts
    found = conn.execute(_row_statement(page), {"reg_id": reg_id}).first()
    if found is None:
        raise Refused(404, "not_found")
    values = found._mapping
    row = SimpleNamespace(**{c.name: values[c.name] for c in regs.c})
    fact = (
        SimpleNamespace(**{c.name: values[f"facts_{c.name}"] for c in facts.c})
        if values["facts_registration_id"] is not None
        else None
    )
    ministry = fact.ministry if fact is not None else scope.ministries(conn).get(row.service_id, "")
    if not account.owns(ministry):
        raise Refused(403, "other_ministry")
    if not account.covers(row.commune_code):
        raise Refused(403, "outside_jurisdiction")
    return row, fact, values


def _answers(doc: dict[str, Any], service: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Each answer with the catalog's km/en label and display value when the catalog has it."""
    answers = doc.get("answers")
    if not isinstance(answers, dict):
        return []
    fields = {f.get("id"): f for f in (service or {}).get("fields", []) if isinstance(f, dict)}
    out: list[dict[str, Any]] = []
    for key, value in answers.items():
        spec = fields.get(key, {})
        label = spec.get("label") if isinstance(spec.get("label"), dict) else {"km": key, "en": key}
        shown: dict[str, str] = {"km": _text(value), "en": _text(value)}
        for option in spec.get("options", []) or []:
            if (
                isinstance(option, dict)
                and option.get("value") == value
                and isinstance(option.get("label"), dict)
            ):
                shown = {k: str(v) for k, v in option["label"].items()}
        out.append({"id": key, "label": label, "value": shown})
    return out


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def load(
    engine: Engine, account: Account, reg_id: str, filled: bool = False, catalogs: int | None = None
) -> Detail:
    """Everything the application page shows; the view is audited. `filled` and `catalogs`:
    what the page has just read (page_look.py), not asked again."""
    flags.ensure(engine)  # the kept flags are read below (once per database: a no-op after)
    with engine.begin() as conn:
        if not filled:
            queue.refresh(conn)
        try:
            row, fact, values = _read(conn, account, reg_id, page=True)
        except Refused as exc:
            officers.record(
                conn, account.as_token_officer(), "console_view", reg_id, f"refused:{exc.code}"
            )
            raise
        officers.record(conn, account.as_token_officer(), "console_view", reg_id, "ok")
    with db.reading(engine) as conn:
        doc = json.loads(row.body)
        service = scope.services(conn, catalogs).get((row.service_id, row.form_version))
        # the assignee (held by an officer who exists) and the kiosk, read with the row
        assignee = _part(values, "asg_", ASSIGNEE, "officer")
        device = _part(values, "dev_", db.devices.c, "id")
        history = list(conn.execute(_history_statement(), {"reg_id": reg_id}))
        found = flags.parse(values["page_flags"])
        viewers = who_viewed(conn, reg_id)
        more = application_extra.read(conn, row, doc, service, _answers)
    attachments = [
        a
        for a in doc.get("attachments", [])
        if isinstance(a, dict) and is_sha256(str(a.get("sha256", "")))
    ]
    return Detail(
        row,
        doc,
        service,
        fact.ministry if fact else "",
        fact,
        assignee,
        device,
        history,
        _answers(doc, service),
        attachments,
        found,
        viewers,
        more,
    )


def who_viewed(conn: Connection, reg_id: str) -> list[Any]:
    """Who opened this application or its pages (from the officers' audit), last first."""
    return list(conn.execute(_viewers_statement(), {"reg_id": reg_id}))


@functools.cache
def _history_statement() -> Any:
    hist = db.status_history  # built once, as `_row_statement`
    return (
        select(hist)
        .where(hist.c.registration_id == bindparam("reg_id"))
        .order_by(hist.c.at, hist.c.id)
    )


@functools.cache
def _viewers_statement() -> Any:
    a = db.officer_audit  # built once, as `_row_statement`
    return (
        select(
            a.c.officer,
            func.count().label("times"),
            func.min(a.c.at).label("first_at"),
            func.max(a.c.at).label("last_at"),
        )
        .where(
            a.c.subject == bindparam("reg_id"),
            a.c.action.in_(("console_view", "console_media")),
            a.c.outcome == "ok",
        )
        .group_by(a.c.officer)
        .order_by(func.max(a.c.at).desc())
        .limit(50)
    )


def media(
    engine: Engine, store: MediaStore, account: Account, reg_id: str, sha256: str
) -> tuple[Path, str]:
    """The file of one of this registration's attachments and the type to serve it as. The
    name is checked as 64 hex digits AND as listed by the registration: no other file, no path."""
    if not is_sha256(sha256):
        raise Refused(404, "not_found")
    with db.reading(engine) as conn:
        row, _fact = _get(conn, account, reg_id)
        listed = application_extra.attachment_named(conn, row, sha256)  # commit or supplement
    if listed is None or not store.has(sha256):
        raise Refused(404, "not_found")
    mime = listed.mime
    with engine.begin() as conn:
        officers.record(
            conn, account.as_token_officer(), "console_media", reg_id, "ok", detail=sha256
        )
    return store.media_path(sha256), mime if mime in INLINE_MIMES else "application/octet-stream"


def assignee_of(conn: Connection, reg_id: str, lock: bool = False) -> str | None:
    asg = db.console_assignments
    query = select(asg.c.officer_id).where(asg.c.registration_id == reg_id)
    found = conn.execute(query.with_for_update() if lock else query).scalar()
    return None if found is None else str(found)


def _assign(conn: Connection, reg_id: str, officer_id: str, by: Account) -> None:
    """Move the assignment in place (an UPDATE, so a decision holding the row FOR UPDATE in
    decisions._hold sees the new holder); a first assignment racing another one gets 409."""
    asg = db.console_assignments
    values = {"officer_id": officer_id, "assigned_at": db.now(), "assigned_by": by.label}
    before = queue_counts.before(conn, [reg_id])  # "new" and "mine" follow the assignee
    moved = conn.execute(asg.update().where(asg.c.registration_id == reg_id).values(**values))
    if moved.rowcount == 0:
        try:
            conn.execute(asg.insert().values(registration_id=reg_id, **values))
        except IntegrityError as exc:
            raise Refused(409, "not_assignee") from exc
    queue_counts.after(conn, [reg_id], before)


def assign(engine: Engine, account: Account, reg_id: str, to: str) -> None:
    """Take an unassigned application (officer or supervisor), or reassign it (supervisor) to
    an officer of the same ministry whose jurisdiction covers it."""
    with engine.begin() as conn:
        row, fact = _get(conn, account, reg_id)
        holder = assignee_of(conn, reg_id, lock=True)
        if account.role == "admin":
            raise Refused(403, "role_cannot_decide")
        if to != account.id or holder not in (None, account.id):
            if account.role != "supervisor":
                raise Refused(403, "only_supervisor_assigns")
            target = conn.execute(
                select(db.console_officers).where(db.console_officers.c.id == to)
            ).first()
            ministry = fact.ministry if fact else ""
            if (
                target is None
                or target.disabled_at is not None
                or target.role == "admin"
                or target.ministry not in ("*", ministry)
                or not Account(
                    target.id, "", "", "", "", tuple(target.jurisdiction.split(","))
                ).covers(row.commune_code)
            ):
                raise Refused(409, "bad_assignee")
        _assign(conn, reg_id, to, account)
        officers.record(conn, account.as_token_officer(), "console_assign", reg_id, "ok", detail=to)


ACTIONS = {
    "start_review": S.IN_REVIEW,
    "request_papers": S.NEEDS_PAPERS,
    "approve": S.APPROVED,
    "reject": S.REJECTED,
    "ready": S.READY_FOR_PICKUP,
}


def note_for(action: str, form: dict[str, str], service_id: str = "") -> str:
    """The note the kiosk shows the citizen; Refused(422) if a required part is missing.
    A chosen template (notes.py) comes first, in both languages, then what was typed."""

    def get(name: str) -> str:
        return " ".join(form.get(name, "").split())[:NOTE_MAX]

    kind = {"request_papers": "papers", "reject": "reject"}.get(action)
    picked = notes.text(kind, service_id, form.get("template", "")) if kind else None
    if kind and form.get("template") and picked is None:
        raise Refused(422, "unknown_template")
    if action == "request_papers":
        km, en = get("note_km"), get("note_en")
        if picked:
            km, en = (
                " ".join(x for x in (picked[0], km) if x),
                " ".join(x for x in (picked[1], en) if x),
            )
        if not (km or en):
            raise Refused(422, "note_required")
        return " / ".join(x for x in (km, en) if x)[: 2 * NOTE_MAX]
    if action == "reject":
        reason = get("reason")
        if picked:
            reason = " ".join(x for x in (f"{picked[0]} / {picked[1]}", reason) if x)
        if not reason:
            raise Refused(422, "reason_required")
        return reason[: 2 * NOTE_MAX]
    if action == "ready":
        place, date = get("place"), get("date")
        if not place or not p.is_ascii_digits(date.replace("-", ""), 8):
            raise Refused(422, "place_date_required")
        return f"{place} · {date}"
    return get("note")


def act(engine: Engine, account: Account, reg_id: str, action: str, form: dict[str, str]) -> int:
    """Do one action through decisions.change_status; returns the feed seq. Refused with an
    i18n code otherwise (the refusal is audited; nothing changes)."""
    if action not in ACTIONS:
        raise Refused(422, "unknown_action")
    officer = account.as_token_officer()
    try:
        if account.role not in ("officer", "supervisor"):
            raise Refused(403, "role_cannot_decide")
        with db.reading(engine) as conn:
            row, _fact = _get(conn, account, reg_id)
            holder = assignee_of(conn, reg_id)
        note = note_for(action, form, row.service_id)
        takes = action == "start_review" and holder is None
        if holder != account.id and not takes:  # early, clear answer; decisions._hold decides
            raise Refused(409, "not_assignee" if holder else "take_first")
        seq = decisions.change_status(
            engine, reg_id, ACTIONS[action].value, note, "", officer, assignee=account.id
        )
    except ApiError as exc:
        officers.record_refusal(engine, officer, f"console_{action}", reg_id, exc)
        raise Refused(exc.status, exc.code) from exc
    except Refused as exc:
        with engine.begin() as conn:
            officers.record(conn, officer, f"console_{action}", reg_id, f"refused:{exc.code}")
        raise
    return seq
