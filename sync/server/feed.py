"""The change feed (`GET /v1/changes`) and the snapshot a kiosk takes when its cursor is too old.

Entries carry a monotonic `seq`; writers hold `db.lock_feed` until commit so seqs become visible
in order. Old entries are compacted after the retention period; the lowest seq still answerable is
kept as `feed_floor`, and a cursor below it gets 410 `cursor_expired`. A commune's own entries
(`status`, `staff`) carry its code and reach only its kiosks; national ones (`catalog`,
`gazetteer`) carry none. The snapshot holds the commune's statuses and its whole staff roster.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from fastapi import Path as PathParam
from sqlalchemy import Connection, Engine, func, or_, select
from starlette.concurrency import run_in_threadpool

from sync import protocol as p
from sync.server import db
from sync.server.auth import Device, Signed
from sync.server.context import Ctx
from sync.server.errors import ApiError

router = APIRouter(prefix="/v1", tags=["feed"])
MAX_LIMIT = 1000


def append_change(conn: Connection, kind: str, commune: str | None, payload: dict[str, Any]) -> int:
    """Add one feed entry inside the caller's transaction; returns its seq."""
    db.lock_feed(conn)
    result = conn.execute(
        db.changes.insert().values(
            kind=kind,
            commune_code=commune,
            payload=json.dumps(payload, ensure_ascii=False),
            at=db.now(),
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def _floor(conn: Connection) -> int:
    return int(db.get_setting(conn, "feed_floor", "0") or 0)


def _head(conn: Connection) -> int:
    """The newest seq; never below the floor, even when compaction emptied the table."""
    newest = conn.execute(select(func.max(db.changes.c.seq))).scalar()
    return max(int(newest or 0), _floor(conn))


def _parse_cursor(since: str | None) -> int:
    if since in (None, ""):
        return 0
    try:
        return p.parse_uint(since)
    except ValueError as exc:
        raise ApiError(
            400, "bad_cursor", "since must be a cursor returned by this server."
        ) from exc


def read_changes(engine: Engine, device: Device, since: int, limit: int) -> dict[str, Any]:
    with db.reading(engine) as conn:
        if since < _floor(conn):
            raise ApiError(
                410,
                p.ERR_CURSOR_EXPIRED,
                "This cursor is older than the retained feed; fetch /v1/snapshot.",
            )
        head = _head(conn)
        if since > head:  # not a cursor this feed issued (e.g. the server db was rebuilt)
            raise ApiError(
                410,
                p.ERR_CURSOR_EXPIRED,
                "This cursor is not from this server's feed; fetch /v1/snapshot.",
            )
        rows = conn.execute(
            select(db.changes)
            .where(db.changes.c.seq > since)
            .where(db.changes.c.seq <= head)
            .where(  # national entries, and this commune's own (status, staff)
                or_(
                    db.changes.c.commune_code.is_(None),
                    db.changes.c.commune_code == device.commune_code,
                )
            )
            .order_by(db.changes.c.seq)
            .limit(limit + 1)
        ).all()
    more = len(rows) > limit
    rows = rows[:limit]
    changes = [{"seq": r.seq, "kind": r.kind, **json.loads(r.payload)} for r in rows]
    nxt = rows[-1].seq if more else head
    return {"changes": changes, "next": str(nxt), "more": more}


@router.get("/changes", summary="change feed for this device's commune")
async def changes(
    ctx: Ctx,
    req: Signed,
    since: Annotated[str | None, Query(max_length=20)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
) -> dict[str, Any]:
    cursor = _parse_cursor(since)
    return await run_in_threadpool(read_changes, ctx.engine, req.device, cursor, limit)


def snapshot(engine: Engine, device: Device) -> dict[str, Any]:
    from sync.server import staff  # staff.py appends to this feed: import it late

    with db.reading(engine) as conn:
        head = _head(conn)
        regs = conn.execute(
            select(
                db.registrations.c.id,
                db.registrations.c.app_number,
                db.registrations.c.status,
                db.registrations.c.status_note,
                db.registrations.c.status_at,
            )
            .where(db.registrations.c.commune_code == device.commune_code)
            .order_by(db.registrations.c.id)
        ).all()
        roster = [staff.wire(r) for r in staff.roster(conn, device.commune_code)]
        catalog_version = db.get_setting(conn, "catalog_version")
        gazetteer_version = db.get_setting(conn, "gazetteer_version")
    statuses = [
        {
            "registration_id": r.id,
            "app_number": r.app_number,
            "status": r.status,
            "note": r.status_note,
            "at": _rfc3339(r.status_at),
        }
        for r in regs
    ]
    return {
        "statuses": statuses,
        "staff": roster,
        "catalog_version": catalog_version,
        "gazetteer_version": gazetteer_version,
        "next": str(head),
    }


@router.get("/snapshot", summary="current state when the cursor expired")
async def get_snapshot(ctx: Ctx, req: Signed) -> dict[str, Any]:
    return await run_in_threadpool(snapshot, ctx.engine, req.device)


def compact(engine: Engine, retention_s: float) -> int:
    """Drop entries older than the retention; raise the floor to the newest dropped seq."""
    cutoff = db.now() - retention_s
    with engine.begin() as conn:
        db.lock_feed(conn)
        newest_old = conn.execute(
            select(func.max(db.changes.c.seq)).where(db.changes.c.at < cutoff)
        ).scalar()
        if newest_old is None:
            return 0
        gone = conn.execute(db.changes.delete().where(db.changes.c.seq <= newest_old)).rowcount
        if newest_old > _floor(conn):
            db.set_setting(conn, "feed_floor", str(newest_old))
        return int(gone)


def _rfc3339(ts: float) -> str:
    from datetime import UTC, datetime

    return p.format_date(datetime.fromtimestamp(ts, UTC))


def _document(engine: Engine, kind: str, version: str) -> str:
    from sync.server import catalog

    with db.reading(engine) as conn:
        body = catalog.fetch(conn, kind, version)
    if body is None:
        raise ApiError(404, "unknown_version", f"No {kind} version {version!r} is published.")
    return body


@router.get("/catalog/{version}", summary="a published catalog version")
async def get_catalog(
    version: Annotated[str, PathParam(max_length=100)], ctx: Ctx, req: Signed
) -> Response:
    body = await run_in_threadpool(_document, ctx.engine, "catalog", version)
    return Response(body.encode("utf-8"), media_type="application/json")


@router.get("/gazetteer/{version}", summary="a published gazetteer version")
async def get_gazetteer(
    version: Annotated[str, PathParam(max_length=100)], ctx: Ctx, req: Signed
) -> Response:
    body = await run_in_threadpool(_document, ctx.engine, "gazetteer", version)
    return Response(body.encode("utf-8"), media_type="application/json")
