"""`PUT /v1/end-of-day/{YYYY-MM-DD}/{revision}`: a kiosk's signed day summary.

Sala's end of day is signed on the kiosk by a supervisor's PIN and reviewed at the ministry:
applications taken, originals checked, sent / waiting / problems, supplements, hand-overs, and
fees by service and by clerk. A supervisor who re-signs a day after a late correction sends a
new revision; each (device, date, revision) is kept as sent, idempotently (same body 200,
other content 409). The list for the back office (`reports`) also gives the fees the server
recorded from that kiosk's `fee_received` events on that date, so a gap shows.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta, timezone
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictInt
from sqlalchemy import Connection, Engine, select
from starlette.concurrency import run_in_threadpool

from sync import protocol as p
from sync.server import db
from sync.server.auth import Device, Signed, device_is_active
from sync.server.context import Ctx
from sync.server.errors import ApiError, json_body
from sync.server.tables.clerk import clerk_events, end_of_day_reports
from sync.server.versions import STAFF_PATTERN, check_staff, content_sha256, rfc3339

router = APIRouter(prefix="/v1/end-of-day", tags=["clerk"])
DAY_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
Day = Annotated[str, Path(pattern=DAY_PATTERN, description="the kiosk's Cambodia date")]
Revision = Annotated[int, Path(ge=1, le=p.END_OF_DAY_REVISION_MAX)]
COUNT_MAX = 10**7
CAMBODIA = timezone(timedelta(hours=7))  # no daylight saving: a fixed offset is exact
_KEY = re.compile(r"[A-Za-z0-9_.:-]{1,200}")


class EndOfDayIn(BaseModel):
    model_config = ConfigDict(extra="allow")
    date: str = Field(pattern=DAY_PATTERN)
    revision: StrictInt = Field(ge=1, le=p.END_OF_DAY_REVISION_MAX)
    commune_code: str = Field(pattern=r"^[0-9]{6}$")
    kiosk_number: StrictInt | None = Field(
        ge=0, le=p.KIOSK_NUMBER_MAX, description="as the kiosk knows it; the server's counts"
    )
    taken: StrictInt = Field(ge=0, le=COUNT_MAX)
    originals_checked: StrictInt = Field(ge=0, le=COUNT_MAX)
    sent: StrictInt = Field(ge=0, le=COUNT_MAX)
    waiting: StrictInt = Field(ge=0, le=COUNT_MAX)
    problems: StrictInt = Field(ge=0, le=COUNT_MAX)
    supplements: StrictInt = Field(ge=0, le=COUNT_MAX)
    handovers: StrictInt = Field(ge=0, le=COUNT_MAX)
    fees_by_service: dict[str, StrictInt] = Field(max_length=500)
    fees_by_clerk: dict[str, StrictInt] = Field(max_length=500)
    signed_by: str = Field(pattern=STAFF_PATTERN)
    signed_at: str = Field(min_length=1, max_length=40)


class EndOfDayOut(BaseModel):
    date: str
    revision: int
    received_at: str


def _invalid(message: str) -> ApiError:
    return ApiError(422, p.ERR_END_OF_DAY_INVALID, message)


def _check(device: Device, day: str, revision: int, doc: dict[str, Any]) -> int:
    """Path and body agree, the report is this device's commune's, the fees add up; returns
    the total in riel. The body's `kiosk_number` is kept as sent, not checked: the server
    records the device's own number, and a day's account is not refused over a kiosk that
    has not learnt its number yet."""
    if doc["date"] != day or doc["revision"] != revision:
        raise _invalid(f"The body must say date {day} and revision {revision}, as the path does.")
    try:
        date.fromisoformat(day)
        p.parse_date(doc["signed_at"])
    except ValueError as exc:
        raise _invalid("date must be a real YYYY-MM-DD and signed_at RFC 3339.") from exc
    if doc["commune_code"] != device.commune_code:
        raise ApiError(
            403,
            p.ERR_WRONG_COMMUNE,
            f"This device is enrolled for commune {device.commune_code}, "
            f"not {doc['commune_code']}.",
        )
    totals = []
    for name in ("fees_by_service", "fees_by_clerk"):
        fees = doc[name]
        for key, riel in fees.items():
            if not _KEY.fullmatch(key) or not 0 <= riel <= 10**12:
                raise _invalid(f"{name}: {key[:40]!r} must be an id with riel 0 or more.")
        totals.append(sum(fees.values()))
    if totals[0] != totals[1]:
        raise _invalid(
            f"fees_by_service adds up to {totals[0]} riel but fees_by_clerk to {totals[1]}."
        )
    return int(totals[0])


def store(
    engine: Engine, device: Device, day: str, revision: int, doc: dict[str, Any]
) -> tuple[int, dict[str, Any]]:
    total = _check(device, day, revision, doc)
    content = content_sha256(doc)
    t = end_of_day_reports
    with engine.begin() as conn:
        db.lock_feed(conn)  # one writer per key on PostgreSQL too
        if not device_is_active(conn, device.id):
            raise ApiError(401, "device_revoked", "This device was revoked by the ministry.")
        old = conn.execute(
            select(t.c.content_sha256, t.c.answer)
            .where(t.c.device_id == device.id)
            .where(t.c.day == day)
            .where(t.c.revision == revision)
        ).first()
        if old is not None:
            if old.content_sha256 == content:
                answer: dict[str, Any] = json.loads(old.answer)
                return 200, answer
            raise ApiError(
                409,
                p.ERR_END_OF_DAY_CONFLICT,
                f"Revision {revision} of {day} was already received with other content; "
                "send a new revision.",
            )
        check_staff(conn, device, doc["signed_by"])
        now = db.now()
        answer = {"date": day, "revision": revision, "received_at": rfc3339(now)}
        conn.execute(
            t.insert().values(
                device_id=device.id,
                day=day,
                revision=revision,
                commune_code=device.commune_code,
                kiosk_number=device.kiosk_number,
                signed_by=doc["signed_by"],
                fees_total=total,
                content_sha256=content,
                body=p.canonical_text(doc),
                answer=p.canonical_text(answer),
                received_at=now,
            )
        )
    return 201, answer


def _server_fees(conn: Connection, device_id: str, day: str) -> int:
    """Riel of this device's fee events whose kiosk time falls on `day` in Cambodia."""
    rows = conn.execute(
        select(clerk_events.c.at, clerk_events.c.body)
        .where(clerk_events.c.device_id == device_id)
        .where(clerk_events.c.kind == p.ClerkEvent.FEE_RECEIVED.value)
    ).all()
    total = 0
    for r in rows:
        try:
            local = p.parse_date(r.at).astimezone(CAMBODIA).date().isoformat()
        except ValueError:
            continue
        if local == day:
            total += int(json.loads(r.body).get("data", {}).get("amount_riel", 0))
    return total


def reports(
    conn: Connection, *, commune: str | None = None, day: str | None = None
) -> list[dict[str, Any]]:
    """The newest revision of each (device, date), newest date first, with `fees_recorded`:
    what the server holds from the kiosk's fee events that day."""
    t = end_of_day_reports
    query = select(t).order_by(t.c.day.desc(), t.c.commune_code, t.c.kiosk_number, t.c.revision)
    if commune:
        query = query.where(t.c.commune_code == commune)
    if day:
        query = query.where(t.c.day == day)
    newest: dict[tuple[str, str], Any] = {}
    for r in conn.execute(query).all():
        newest[(r.device_id, r.day)] = r  # ascending revisions: the last one wins
    out = []
    for r in newest.values():
        body = json.loads(r.body)
        out.append(
            {
                "device_id": r.device_id,
                "commune_code": r.commune_code,
                "kiosk_number": r.kiosk_number,
                "date": r.day,
                "revision": r.revision,
                "signed_by": r.signed_by,
                "received_at": float(r.received_at),
                "fees_total": int(r.fees_total),
                "fees_recorded": _server_fees(conn, r.device_id, r.day),
                **{k: body.get(k) for k in p.END_OF_DAY_COUNTS},
            }
        )
    return out


@router.put(
    "/{day}/{revision}",
    response_model=EndOfDayOut,
    responses={
        200: {"model": EndOfDayOut, "description": "already received (retry)"},
        201: {"model": EndOfDayOut, "description": "received"},
    },
    summary="clerk: send the signed end-of-day summary (idempotent per date and revision)",
)
async def put_end_of_day(
    day: Day, revision: Revision, ctx: Ctx, req: Signed, body: Annotated[EndOfDayIn, Body()]
) -> JSONResponse:
    doc = json_body(req.body)  # NaN, Infinity, lone surrogates: 400 bad_json
    del body  # validated shape only; the raw document is what gets hashed and stored
    status, out = await run_in_threadpool(store, ctx.engine, req.device, day, revision, doc)
    return JSONResponse(out, status_code=status)
