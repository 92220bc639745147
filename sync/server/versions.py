"""`PUT /v1/registrations/{id}/versions/{n}`: supplements, version n of a registration.

After upload a clerk's correction or the paper the ministry asked for ("needs papers") is not a
new registration: it is version n+1 of the same id, with only what changed and any new pages
(uploaded by tus first). The server keeps every version whole; idempotency holds per (id, n):
the same content answers the original receipt, other content is a 409, and so is an n that
skips one. A supplement to a `needs_papers` application moves it back to `in_review` (a status
change in the history and the feed, with `protocol.SUPPLEMENT_NOTE`), and officers see
"supplement arrived" (`supplement_arrived`) until they next change its status. A device acts
only on its own commune's registrations; a purged one answers 410, a decided one 409.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictInt
from sqlalchemy import ColumnElement, Connection, Engine, func, select
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from sync import protocol as p
from sync.protocol.capture_checks import without_checks
from sync.server import db, keys
from sync.server.auth import Device, Signed, device_is_active
from sync.server.context import Context, Ctx
from sync.server.errors import ApiError, json_body
from sync.server.feed import append_change
from sync.server.registrations import AttachmentIn, RegId, _missing
from sync.server.tables import flags as kept_flags
from sync.server.tables import queue_counts, timing_rollup
from sync.server.tables.clerk import registration_tombstones, registration_versions

router = APIRouter(prefix="/v1/registrations", tags=["clerk"])
STAFF_PATTERN = r"^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|technician)$"
VersionNo = Annotated[int, Path(ge=2, le=p.REGISTRATION_VERSION_MAX, description="n >= 2")]


class SupplementIn(BaseModel):
    model_config = ConfigDict(extra="allow")  # more keys are kept and hashed, as in commits
    version: StrictInt = Field(ge=2, le=p.REGISTRATION_VERSION_MAX)
    base_version: StrictInt = Field(ge=1, le=p.REGISTRATION_VERSION_MAX)
    answers: dict[str, Any] = Field(
        default_factory=dict, max_length=p.SUPPLEMENT_ANSWERS_MAX, description="changed only"
    )
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=200)
    staff_id: str = Field(pattern=STAFF_PATTERN)
    at: str = Field(min_length=1, max_length=40, description="RFC 3339, the kiosk's clock")


class SupplementOut(BaseModel):
    id: str
    version: int
    status: str = Field(description="the registration's status after this supplement")
    received_at: str
    content_sha256: str
    signature: str = Field(description="server key over canonical JSON of the other fields")


@dataclass(frozen=True)
class Held:
    """A registration as the clerk endpoints need it."""

    id: str
    commune_code: str
    app_number: str
    service_id: str
    form_version: str
    status: str
    status_at: float
    version: int  # the newest version the server holds (the commit's, or a supplement's)


def rfc3339(ts: float) -> str:
    return p.format_date(datetime.fromtimestamp(ts, UTC))


def content_sha256(doc: Any) -> str:
    return hashlib.sha256(p.canonical_json(doc)).hexdigest()


def held_version(conn: Connection, reg_id: str, commit_body: str) -> int:
    newest = conn.execute(
        select(func.max(registration_versions.c.version)).where(
            registration_versions.c.registration_id == reg_id
        )
    ).scalar()
    if newest is not None:
        return int(newest)
    committed = json.loads(commit_body).get("version", 1)
    return committed if isinstance(committed, int) else 1


def registration_for(conn: Connection, device: Device, reg_id: str) -> Held:
    """The registration a device may act on, or the refusal: revoked 401, purged 410, unknown
    404, another commune's 403. Call inside the write transaction, after `db.lock_feed`."""
    if not device_is_active(conn, device.id):
        raise ApiError(401, "device_revoked", "This device was revoked by the ministry.")
    regs = db.registrations
    row = conn.execute(
        select(
            regs.c.id,
            regs.c.commune_code,
            regs.c.app_number,
            regs.c.service_id,
            regs.c.form_version,
            regs.c.status,
            regs.c.status_at,
            regs.c.body,
        ).where(regs.c.id == reg_id)
    ).first()
    if row is None:
        gone = conn.execute(
            select(registration_tombstones.c.commune_code).where(
                registration_tombstones.c.id == reg_id
            )
        ).first()
        if gone is not None and gone.commune_code == device.commune_code:
            raise ApiError(410, p.ERR_PURGED, "This application was purged on the server.")
        raise ApiError(404, p.ERR_UNKNOWN_REGISTRATION, "No registration with this id.")
    if row.commune_code != device.commune_code:
        raise ApiError(
            403,
            p.ERR_WRONG_COMMUNE,
            f"This registration belongs to commune {row.commune_code}; this device is "
            f"enrolled for {device.commune_code}.",
        )
    return Held(
        id=row.id,
        commune_code=row.commune_code,
        app_number=row.app_number,
        service_id=row.service_id,
        form_version=row.form_version,
        status=row.status,
        status_at=float(row.status_at),
        version=held_version(conn, reg_id, row.body),
    )


def conflict(code: str, message: str, **extra: Any) -> ApiError:
    """A 409 whose body may carry `status` (ApiError's own `status` is the HTTP code)."""
    error = ApiError(409, code, message)
    error.extra.update(extra)
    return error


def check_staff(conn: Connection, device: Device, staff_id: str) -> None:
    """403 `staff_wrong_commune` for staff the server knows in another commune. Unknown staff
    are taken: a clerk a supervisor added on the kiosk may act before the roster change
    reaches the server, and a disabled one acted before being disabled."""
    from sync.server import staff

    person = staff.get(conn, staff_id) if staff_id != "technician" else None
    if person is not None and person.commune_code != device.commune_code:
        raise ApiError(
            403, "staff_wrong_commune", f"Staff member {staff_id} is of another commune."
        )


def set_status(conn: Connection, held: Held, status: str, note: str, actor: str, now: float) -> int:
    """A status change by a kiosk (supplement, hand-over): history row and feed entry, in the
    caller's transaction; a status that moved meanwhile is a 409 (nothing written). Only the
    moves `protocol.STATUS_TRANSITIONS` allows (needs_papers -> in_review, ready_for_pickup ->
    collected), like an officer's; decisions.change_status runs its own transaction, and
    these must commit with the supplement or event that caused them."""
    if status not in p.STATUS_TRANSITIONS.get(p.ServerStatus(held.status), frozenset()):
        raise conflict(
            p.ERR_STATUS_FORBIDS,
            f"A registration in {held.status!r} cannot move to {status!r}.",
            status=held.status,
        )
    regs = db.registrations
    before = queue_counts.before(conn, [held.id])  # the back office's queue counts follow
    updated = conn.execute(
        regs.update()
        .where(regs.c.id == held.id)
        .where(regs.c.status == held.status)
        .values(status=status, status_note=note, status_at=now)
    )
    if updated.rowcount != 1:
        raise ApiError(409, p.ERR_STATUS_FORBIDS, "The status changed meanwhile; try again.")
    queue_counts.after(conn, [held.id], before)
    conn.execute(
        db.status_history.insert().values(
            registration_id=held.id, status=status, note=note, actor=actor[:200], at=now
        )
    )
    return append_change(
        conn,
        "status",
        held.commune_code,
        {
            "registration_id": held.id,
            "app_number": held.app_number,
            "status": status,
            "note": note,
            "at": rfc3339(now),
        },
    )


def _refuse_or_retry(
    conn: Connection, reg_id: str, n: int, content: str, doc: dict[str, Any]
) -> dict[str, Any] | None:
    """The stored answer when (id, n) was received with this content; 409 when with other."""
    old = conn.execute(
        select(registration_versions.c.content_sha256, registration_versions.c.answer)
        .where(registration_versions.c.registration_id == reg_id)
        .where(registration_versions.c.version == n)
    ).first()
    if old is None:
        return None
    if old.content_sha256 in (content, content_sha256(without_checks(doc))):
        answer: dict[str, Any] = json.loads(old.answer)  # the same, or as sent before checks
        return answer
    raise ApiError(
        409,
        p.ERR_VERSION_CONFLICT,
        f"Version {n} of this registration was already received with other content; "
        "nothing was changed.",
        current_version=held_version_of(conn, reg_id),
    )


def held_version_of(conn: Connection, reg_id: str) -> int:
    body = conn.execute(
        select(db.registrations.c.body).where(db.registrations.c.id == reg_id)
    ).scalar()
    return held_version(conn, reg_id, body or "{}")


def supplement(
    ctx: Context, device: Device, reg_id: str, n: int, doc: dict[str, Any]
) -> tuple[int, dict[str, Any]]:
    """Store version `n`; returns (HTTP status, body) or raises ApiError."""
    if doc["version"] != n or doc["base_version"] != n - 1:
        raise ApiError(
            422,
            "invalid_request",
            f"The body must say version {n} and base_version {n - 1}, as the path does.",
        )
    try:
        p.parse_date(doc["at"])
    except ValueError as exc:
        raise ApiError(422, "invalid_request", "at must be an RFC 3339 timestamp.") from exc
    content = content_sha256(doc)
    for attempt in range(2):
        try:
            return _supplement_once(ctx, device, reg_id, n, doc, content)
        except IntegrityError:  # the same (id, n) stored concurrently: answer as a retry would
            if attempt:
                raise
    raise AssertionError("unreachable")


def _supplement_once(
    ctx: Context, device: Device, reg_id: str, n: int, doc: dict[str, Any], content: str
) -> tuple[int, dict[str, Any]]:
    with ctx.engine.begin() as conn:
        db.lock_feed(conn)  # one writer: two kiosks sending version n are served in turn
        held = registration_for(conn, device, reg_id)
        again = _refuse_or_retry(conn, reg_id, n, content, doc)
        if again is not None:
            return 200, again
        check_staff(conn, device, doc["staff_id"])
        if n != held.version + 1:
            raise ApiError(
                409,
                p.ERR_VERSION_CONFLICT,
                f"The server holds version {held.version}; the next supplement is version "
                f"{held.version + 1}, not {n}.",
                current_version=held.version,
            )
        if held.status not in p.SUPPLEMENT_STATUSES:
            raise conflict(
                p.ERR_STATUS_FORBIDS,
                f"This application is {held.status}: it was decided, so it takes no supplement.",
                status=held.status,
            )
        missing = _missing(conn, ctx, device, doc.get("attachments", []))
        if missing:
            raise ApiError(
                409,
                p.ERR_ATTACHMENTS_MISSING,
                f"{len(missing)} attachment(s) are not fully uploaded by this device "
                "with the declared SHA-256 and size.",
                missing=missing,
            )
        now = db.now()
        status = held.status
        if held.status == p.ServerStatus.NEEDS_PAPERS:
            status = p.ServerStatus.IN_REVIEW.value
            note = p.SUPPLEMENT_NOTE.format(version=n)
            set_status(conn, held, status, note, f"device:{device.id} staff:{doc['staff_id']}", now)
        receipt = {
            "id": reg_id,
            "version": n,
            "status": status,
            "received_at": rfc3339(now),
            "content_sha256": content,
        }
        answer = {**receipt, "signature": keys.sign_json(ctx.key, receipt)}
        seen = queue_counts.before(conn, [reg_id])  # into the "supplement arrived" queue
        conn.execute(
            registration_versions.insert().values(
                registration_id=reg_id,
                version=n,
                device_id=device.id,
                staff_id=doc["staff_id"],
                content_sha256=content,
                body=p.canonical_text(doc),
                answer=p.canonical_text(answer),
                received_at=now,
            )
        )
        queue_counts.after(conn, [reg_id], seen)
    return 201, answer


# --- for the back office and the CLI ------------------------------------------------------------


def versions_of(conn: Connection, reg_id: str) -> list[dict[str, Any]]:
    """Every supplement of a registration, oldest first: version, received_at (epoch s),
    device_id, staff_id and the body as sent (answers changed, attachments, at)."""
    rows = conn.execute(
        select(registration_versions)
        .where(registration_versions.c.registration_id == reg_id)
        .order_by(registration_versions.c.version)
    ).all()
    return [
        {
            "version": r.version,
            "received_at": float(r.received_at),
            "device_id": r.device_id,
            "staff_id": r.staff_id,
            "body": json.loads(r.body),
        }
        for r in rows
    ]


def current_answers(conn: Connection, reg_id: str) -> dict[str, Any] | None:
    """The commit's answers with every supplement's changes applied in order (None: unknown)."""
    body = conn.execute(
        select(db.registrations.c.body).where(db.registrations.c.id == reg_id)
    ).scalar()
    if body is None:
        return None
    answers = dict(json.loads(body).get("answers", {}))
    for version in versions_of(conn, reg_id):
        answers.update(version["body"].get("answers", {}))
    return answers


def supplement_arrived(conn: Connection, reg_id: str) -> bool:
    """True while a supplement came after the registration's last status change: officers
    see "supplement arrived" until they next move it (the move the supplement itself made
    out of needs_papers has the same time, so it counts as arrived)."""
    newest = conn.execute(
        select(func.max(registration_versions.c.received_at)).where(
            registration_versions.c.registration_id == reg_id
        )
    ).scalar()
    if newest is None:
        return False
    status_at = conn.execute(
        select(db.registrations.c.status_at).where(db.registrations.c.id == reg_id)
    ).scalar()
    return status_at is not None and float(newest) >= float(status_at)


def supplement_arrived_clause() -> ColumnElement[bool]:
    """`supplement_arrived` as SQL over `db.registrations` (the console's queue keeps it as a
    flag row: tables/flags.py `settle_supplements`)."""
    return kept_flags.supplement_arrived(db.registrations)


def purge(engine: Engine, reg_id: str, actor: str, *, force: bool = False) -> bool:
    """Remove a registration's personal data from the server (row, supplements, event
    details); a tombstone keeps id, commune, hash and last status, so kiosks get 410 `purged`
    rather than 404. Uploaded media files are content-addressed and may be shared: they stay.
    Returns False when there is no such registration; ValueError when it is not in a final
    status (`protocol.FINAL_STATUSES`) and not `force`. Audited in `officer_audit`."""
    from sync.server import officers
    from sync.server.tables.clerk import clerk_events

    regs = db.registrations
    with engine.begin() as conn:
        db.lock_feed(conn)
        row = conn.execute(
            select(regs.c.commune_code, regs.c.content_sha256, regs.c.status).where(
                regs.c.id == reg_id
            )
        ).first()
        if row is None:
            return False
        if row.status not in p.FINAL_STATUSES and not force:
            raise ValueError(f"{reg_id} is {row.status}, not in a final status; --force purges.")
        conn.execute(
            registration_tombstones.insert().values(
                id=reg_id,
                commune_code=row.commune_code,
                content_sha256=row.content_sha256,
                status=row.status,
                purged_at=db.now(),
                purged_by=actor[:200],
            )
        )
        conn.execute(
            registration_versions.delete().where(registration_versions.c.registration_id == reg_id)
        )
        conn.execute(
            clerk_events.update()
            .where(clerk_events.c.registration_id == reg_id)
            .values(body="{}", answer="{}")
        )
        before = queue_counts.before(conn, [reg_id])
        timed = timing_rollup.before(conn, [reg_id])
        conn.execute(regs.delete().where(regs.c.id == reg_id))
        queue_counts.after(conn, [reg_id], before)  # out of the back office's queue counts
        timing_rollup.after(conn, [reg_id], timed)  # and its processing times
        officers.record(conn, None, "purge_registration", reg_id, "ok", who=actor)
    return True


@router.put(
    "/{registration_id}/versions/{version}",
    response_model=SupplementOut,
    responses={
        200: {"model": SupplementOut, "description": "already received (retry)"},
        201: {"model": SupplementOut, "description": "received"},
    },
    summary="clerk: send a supplement (version n >= 2, idempotent per (id, n))",
)
async def put_version(
    registration_id: RegId,
    version: VersionNo,
    ctx: Ctx,
    req: Signed,
    body: Annotated[SupplementIn, Body()],
) -> JSONResponse:
    doc = json_body(req.body)  # NaN, Infinity, lone surrogates: 400 bad_json
    del body  # validated shape only; the raw document is what gets hashed and stored
    status, out = await run_in_threadpool(
        supplement, ctx, req.device, registration_id, version, doc
    )
    return JSONResponse(out, status_code=status)
