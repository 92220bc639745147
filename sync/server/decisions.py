"""Officer actions over HTTP: status changes that flow into the feed, and publishing documents.

Each request's token is checked by officers.py (role, jurisdiction, expiry) and every use,
allowed or refused, leaves a row in `officer_audit`; an allowed action and its row commit in one
transaction. `sala-server set-status` calls `change_status` directly, as the technician.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Request
from pydantic import BaseModel, Field
from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from sync import protocol as p
from sync.server import catalog, db, officers
from sync.server.context import Ctx
from sync.server.errors import ApiError
from sync.server.feed import append_change
from sync.server.officers import Officer
from sync.server.registrations import RegId
from sync.server.tables import queue_counts, timing_rollup

router = APIRouter(prefix="/v1", tags=["officers"])
STATUSES = tuple(p.STATUS_TRANSITIONS)


def change_status(
    engine: Engine,
    reg_id: str,
    status: str,
    note: str,
    actor: str,
    officer: Officer | None = None,
    *,
    assignee: str | None = None,
) -> int:
    """Move a registration to `status` if the move is allowed; returns the feed seq.

    With `officer`, the token must be allowed to decide in the registration's commune; the
    audit row commits with the change. Without one (the CLI) `actor` is audited instead.
    With `assignee` (the console's account id), the back office's assignment lock is checked
    in the same transaction as the write (see `_hold`), so two officers deciding at once, or a
    decision racing a reassignment, can never both win.
    """
    if status not in p.STATUS_TRANSITIONS:
        raise ApiError(
            422, "bad_status", f"Unknown status {status!r}; one of {', '.join(STATUSES)}."
        )
    regs = db.registrations
    with engine.begin() as conn:
        row = conn.execute(
            select(regs.c.status, regs.c.app_number, regs.c.commune_code).where(regs.c.id == reg_id)
        ).first()
        if officer is not None:
            officers.require(officer, "decide", row.commune_code if row is not None else "")
        if row is None:
            raise ApiError(404, "unknown_registration", "No registration with this id.")
        allowed = p.STATUS_TRANSITIONS.get(row.status, frozenset())
        if status not in allowed:
            options = ", ".join(sorted(allowed)) or "none (final status)"
            raise ApiError(
                409,
                "bad_transition",
                f"A registration in {row.status!r} cannot move to {status!r}; allowed: {options}.",
                current=row.status,
            )
        before = queue_counts.before(conn, [reg_id])  # the counts follow status and lock
        if assignee is not None:
            _hold(conn, reg_id, assignee, take=status == p.ServerStatus.IN_REVIEW.value)
        # The processing times lock the facts row: after the assignment, in the order an
        # assignment takes them (assignment row, then facts), so the two cannot deadlock.
        timed = timing_rollup.before(conn, [reg_id])
        now = db.now()
        at = p.format_date(datetime.fromtimestamp(now, UTC))
        seq = append_change(
            conn,
            "status",
            row.commune_code,
            {
                "registration_id": reg_id,
                "app_number": row.app_number,
                "status": status,
                "note": note,
                "at": at,
            },
        )
        updated = conn.execute(
            regs.update()
            .where(regs.c.id == reg_id)
            .where(regs.c.status == row.status)
            .values(status=status, status_note=note, status_at=now)
        )
        if updated.rowcount != 1:
            raise ApiError(409, "bad_transition", "The status changed meanwhile; try again.")
        queue_counts.after(conn, [reg_id], before)
        who = f"officer:{officer.label}" if officer else actor
        conn.execute(
            db.status_history.insert().values(
                registration_id=reg_id, status=status, note=note, actor=who[:200], at=now
            )
        )
        timing_rollup.record(conn, reg_id, status, now)
        timing_rollup.after(conn, [reg_id], timed)
        officers.record(conn, officer, "status", reg_id, "ok", detail=status, who=actor)
    return seq


def _hold(conn: Connection, reg_id: str, assignee: str, *, take: bool) -> None:
    """Only the assignee decides; starting a review takes an unassigned application.

    The assignment row is read FOR UPDATE (PostgreSQL; SQLite's BEGIN IMMEDIATE already
    serialises writers), so a reassignment waits for this decision or this decision sees it.
    Two officers taking the same application: one insert wins, the other gets 409.
    """
    asg = db.console_assignments
    holder = conn.execute(
        select(asg.c.officer_id).where(asg.c.registration_id == reg_id).with_for_update()
    ).scalar()
    if holder is None and take:
        try:
            conn.execute(
                asg.insert().values(
                    registration_id=reg_id,
                    officer_id=assignee,
                    assigned_at=db.now(),
                    assigned_by=f"take:{assignee}",
                )
            )
        except IntegrityError as exc:
            raise ApiError(409, "not_assignee", "Another officer took it meanwhile.") from exc
        return
    if holder is None:
        raise ApiError(409, "take_first", "Start the review first: that assigns it to you.")
    if holder != assignee:
        raise ApiError(409, "not_assignee", "Only the assigned officer decides.")


class StatusIn(BaseModel):
    status: str = Field(description="one of " + ", ".join(STATUSES), max_length=40)
    note: str = Field(default="", max_length=2000)


def _decide(engine: Engine, authorization: str | None, reg_id: str, body: StatusIn) -> int:
    officer = officers.authenticate(engine, authorization, "status", reg_id)
    try:
        return change_status(engine, reg_id, body.status, body.note, "", officer)
    except ApiError as exc:
        officers.record_refusal(engine, officer, "status", reg_id, exc)
        raise


@router.post("/registrations/{registration_id}/status", summary="officer: set a status")
async def post_status(
    registration_id: RegId,
    ctx: Ctx,
    body: Annotated[StatusIn, Body()],
    authorization: Annotated[str | None, Header()] = None,
) -> dict[str, Any]:
    seq = await run_in_threadpool(_decide, ctx.engine, authorization, registration_id, body)
    return {"registration_id": registration_id, "status": body.status, "seq": seq}


def _publish_now(engine: Engine, kind: str, authorization: str | None, raw: bytes) -> str:
    action = f"publish_{kind}"
    officer = officers.authenticate(engine, authorization, action, kind)
    try:
        officers.require(officer, "publish", None)
        with engine.begin() as conn:
            version = catalog.publish(conn, kind, raw)
            officers.record(conn, officer, action, version, "ok")
            return version
    except FileExistsError as exc:
        refusal = ApiError(409, "already_published", str(exc))
    except catalog.CatalogRefused as exc:  # what a kiosk would refuse: every problem, km and en
        refusal = ApiError(422, "bad_document", str(exc), problems=exc.problems())
    except ValueError as exc:
        refusal = ApiError(422, "bad_document", str(exc))
    except ApiError as exc:
        refusal = exc
    officers.record_refusal(engine, officer, action, kind, refusal)
    raise refusal


async def _publish(
    kind: str, request: Request, ctx: Ctx, authorization: str | None
) -> dict[str, str]:
    raw = await request.body()
    version = await run_in_threadpool(_publish_now, ctx.engine, kind, authorization, raw)
    return {"kind": kind, "version": version, "url": f"/v1/{kind}/{version}"}


@router.post("/catalog", status_code=201, summary="officer: publish a catalog version")
async def post_catalog(
    request: Request, ctx: Ctx, authorization: Annotated[str | None, Header()] = None
) -> dict[str, str]:
    return await _publish("catalog", request, ctx, authorization)


@router.post("/gazetteer", status_code=201, summary="officer: publish a gazetteer version")
async def post_gazetteer(
    request: Request, ctx: Ctx, authorization: Annotated[str | None, Header()] = None
) -> dict[str, str]:
    return await _publish("gazetteer", request, ctx, authorization)
