"""Officer actions: bearer tokens (stored hashed) and status changes that flow into the feed."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Request
from pydantic import BaseModel, Field
from sqlalchemy import Engine, select
from starlette.concurrency import run_in_threadpool

from sync import protocol as p
from sync.server import catalog, db
from sync.server.context import Ctx
from sync.server.errors import ApiError
from sync.server.feed import append_change
from sync.server.registrations import RegId

router = APIRouter(prefix="/v1", tags=["officers"])
STATUSES = tuple(p.STATUS_TRANSITIONS)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def make_token(engine: Engine, name: str) -> str:
    token = "sala_off_" + secrets.token_urlsafe(32)
    with engine.begin() as conn:
        conn.execute(
            db.officers.insert().values(
                token_hash=_hash(token), name=name[:200], created_at=db.now()
            )
        )
    return token


def officer_name(engine: Engine, authorization: str | None) -> str:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(
            401,
            p.ERR_UNAUTHORIZED,
            "An officer token is required (Authorization: Bearer <token>).",
            headers={"WWW-Authenticate": "Bearer"},
        )
    with db.reading(engine) as conn:
        row = conn.execute(
            select(db.officers).where(db.officers.c.token_hash == _hash(token.strip()))
        ).first()
    if row is None or row.revoked_at is not None:
        raise ApiError(
            401,
            p.ERR_UNAUTHORIZED,
            "This officer token is not valid.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return str(row.name)


def change_status(engine: Engine, reg_id: str, status: str, note: str, actor: str) -> int:
    """Move a registration to `status` if the move is allowed; returns the feed seq."""
    if status not in p.STATUS_TRANSITIONS:
        raise ApiError(
            422, "bad_status", f"Unknown status {status!r}; one of {', '.join(STATUSES)}."
        )
    regs = db.registrations
    with engine.begin() as conn:
        row = conn.execute(
            select(regs.c.status, regs.c.app_number, regs.c.commune_code).where(regs.c.id == reg_id)
        ).first()
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
        conn.execute(
            db.status_history.insert().values(
                registration_id=reg_id, status=status, note=note, actor=actor, at=now
            )
        )
    return seq


class StatusIn(BaseModel):
    status: str = Field(description="one of " + ", ".join(STATUSES), max_length=40)
    note: str = Field(default="", max_length=2000)


@router.post("/registrations/{registration_id}/status", summary="officer: set a status")
async def post_status(
    registration_id: RegId,
    ctx: Ctx,
    body: Annotated[StatusIn, Body()],
    authorization: Annotated[str | None, Header()] = None,
) -> dict[str, Any]:
    name = await run_in_threadpool(officer_name, ctx.engine, authorization)
    seq = await run_in_threadpool(
        change_status, ctx.engine, registration_id, body.status, body.note, f"officer:{name}"
    )
    return {"registration_id": registration_id, "status": body.status, "seq": seq}


async def _publish(
    kind: str, request: Request, ctx: Ctx, authorization: str | None
) -> dict[str, str]:
    await run_in_threadpool(officer_name, ctx.engine, authorization)
    raw = await request.body()

    def work() -> str:
        with ctx.engine.begin() as conn:
            return catalog.publish(conn, kind, raw)

    try:
        version = await run_in_threadpool(work)
    except FileExistsError as exc:
        raise ApiError(409, "already_published", str(exc)) from exc
    except ValueError as exc:
        raise ApiError(422, "bad_document", str(exc)) from exc
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
