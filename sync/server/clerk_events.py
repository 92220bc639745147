"""`PUT /v1/registrations/{id}/events/{event_id}`: what a clerk did at the counter.

Four kinds (`protocol.ClerkEvent`): `originals_checked` (papers seen or not brought),
`collected` (the hand-over), `fee_received` (amount and paper receipt-book number) and
`photo_override` (a reason code, never free text). Each is idempotent by the kiosk-made event
id: the same body answers the original result, other content is a 409 `event_conflict`.

The server decides races between kiosks: `collected` needs `ready_for_pickup` and becomes the
status `collected` (history and feed, so the commune's other kiosks learn it); a second
hand-over from another kiosk gets 409 `already_collected`. A fee is checked against the
catalog's flat `fee_khr` for the registration's service and form version where the server's
published catalogs say it (a service with answer-dependent fee keys is not checked here), and
only one fee event per application is taken (the anti-broker point).
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, Engine, select
from starlette.concurrency import run_in_threadpool

from sync import protocol as p
from sync.server import db
from sync.server.auth import Device, Signed
from sync.server.context import Ctx
from sync.server.errors import ApiError, json_body
from sync.server.registrations import UUID_PATTERN, RegId
from sync.server.tables.clerk import clerk_events
from sync.server.versions import (
    STAFF_PATTERN,
    Held,
    check_staff,
    conflict,
    content_sha256,
    registration_for,
    rfc3339,
)
from sync.server.versions import set_status as _set_status

router = APIRouter(prefix="/v1/registrations", tags=["clerk"])
EventId = Annotated[str, Path(pattern=UUID_PATTERN, description="event UUID made on the kiosk")]
_HEX64 = re.compile(r"[0-9a-f]{64}")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ID = re.compile(r"[A-Za-z0-9_.:-]{1,100}")
FEE_MAX_RIEL = 10**10


class EventIn(BaseModel):
    model_config = ConfigDict(extra="allow")
    kind: p.ClerkEvent
    at: str = Field(min_length=1, max_length=40, description="RFC 3339, the kiosk's clock")
    staff_id: str = Field(pattern=STAFF_PATTERN)
    data: dict[str, Any] = Field(description="per kind, see PROTOCOL.md")


class EventOut(BaseModel):
    id: str
    event_id: str
    kind: str
    status: str = Field(description="the registration's status after this event")
    received_at: str
    fee_checked: bool | None = Field(
        default=None, description="fee_received: whether the catalog's fee was compared"
    )


def _invalid(message: str) -> ApiError:
    return ApiError(422, p.ERR_EVENT_INVALID, message)


def _text(data: dict[str, Any], key: str, limit: int, *, required: bool) -> None:
    value = data.get(key)
    if value is None and not required:
        return
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise _invalid(f"data.{key} must be text of 1 to {limit} characters.")


def _check_originals(data: dict[str, Any]) -> None:
    checks, unchecked = data.get("checks"), data.get("unchecked_sent")
    if not isinstance(unchecked, bool):
        raise _invalid("data.unchecked_sent must be true or false.")
    least = 0 if unchecked else 1  # sent unchecked after the grace days: maybe no check at all
    if not isinstance(checks, list) or not least <= len(checks) <= 50:
        raise _invalid(f"data.checks must be a list of {least} to 50 checks.")
    for i, check in enumerate(checks):
        where = f"data.checks[{i}]"
        if not isinstance(check, dict):
            raise _invalid(f"{where} must be an object.")
        if not (isinstance(check.get("document_id"), str) and _ID.fullmatch(check["document_id"])):
            raise _invalid(f"{where}.document_id must be a catalog paper id.")
        if not isinstance(check.get("seen"), bool):
            raise _invalid(f"{where}.seen must be true or false.")
        number = check.get("number")
        if number is not None and not (
            isinstance(number, str) and 0 < len(number) <= p.DOCUMENT_NUMBER_MAX
        ):
            raise _invalid(f"{where}.number must be text of 1 to {p.DOCUMENT_NUMBER_MAX}.")
        issued = check.get("issued_on")
        if issued is not None and not (isinstance(issued, str) and _DAY.fullmatch(issued)):
            raise _invalid(f"{where}.issued_on must be a date, YYYY-MM-DD.")
        page = check.get("page_sha256")
        if page is not None and not (isinstance(page, str) and _HEX64.fullmatch(page)):
            raise _invalid(f"{where}.page_sha256 must be 64 lower-case hex digits.")


def check_event(doc: dict[str, Any]) -> None:
    """422 `event_invalid` (one sentence) unless the body's time and data fit its kind."""
    try:
        p.parse_date(doc["at"])
    except ValueError as exc:
        raise _invalid("at must be an RFC 3339 timestamp.") from exc
    data = doc["data"]
    if len(p.canonical_json(data)) > p.CLERK_EVENT_DATA_MAX_BYTES:
        raise _invalid(f"data is over {p.CLERK_EVENT_DATA_MAX_BYTES} bytes of canonical JSON.")
    kind = doc["kind"]
    if kind == p.ClerkEvent.ORIGINALS_CHECKED:
        _check_originals(data)
    elif kind == p.ClerkEvent.FEE_RECEIVED:
        amount = data.get("amount_riel")
        if type(amount) is not int or not 0 <= amount <= FEE_MAX_RIEL:
            raise _invalid("data.amount_riel must be a whole number of riel, 0 or more.")
        _text(data, "receipt_book_no", p.RECEIPT_BOOK_NO_MAX, required=True)
        _text(data, "service_id", 200, required=True)
    elif kind == p.ClerkEvent.COLLECTED:
        for key in ("id_checked", "clerk_responsible"):
            if key in data and not isinstance(data[key], bool):
                raise _invalid(f"data.{key} must be true or false.")
    elif kind == p.ClerkEvent.PHOTO_OVERRIDE:
        _text(data, "field_id", 200, required=True)
        if data.get("reason") not in p.PHOTO_OVERRIDE_REASONS:
            raise _invalid(
                "data.reason must be one of " + ", ".join(p.PHOTO_OVERRIDE_REASONS) + "."
            )


# --- the catalog's fee --------------------------------------------------------------------------

_fee_cache: dict[str, tuple[int, dict[tuple[str, str], int | None]]] = {}


def _fees_of(doc: Any) -> dict[tuple[str, str], int | None]:
    services = doc.get("services", []) if isinstance(doc, dict) else []
    items = list(services.values()) if isinstance(services, dict) else services
    out: dict[tuple[str, str], int | None] = {}
    for svc in items if isinstance(items, list) else []:
        if not isinstance(svc, dict) or "id" not in svc:
            continue
        fee = svc.get("fee_khr")
        other = [k for k in svc if k.startswith("fee") and k != "fee_khr"]
        flat = fee if type(fee) is int and fee >= 0 and not other else None
        out[(str(svc["id"]), str(svc.get("version", "")))] = flat
    return out


def catalog_fee(conn: Connection, service_id: str, form_version: str) -> int | None:
    """The flat fee in riel of (service, form version) in the newest published catalog that
    has it; None when no catalog has it or its fee depends on more than the service."""
    docs = db.documents
    count = len(conn.execute(select(docs.c.version).where(docs.c.kind == "catalog")).all())
    key = str(conn.engine.url)
    cached = _fee_cache.get(key)
    if cached is None or cached[0] != count:
        fees: dict[tuple[str, str], int | None] = {}
        rows = conn.execute(
            select(docs.c.body).where(docs.c.kind == "catalog").order_by(docs.c.published_at)
        ).scalars()
        for body in rows:  # oldest first: a newer catalog's fee replaces an older one's
            try:
                fees.update(_fees_of(json.loads(body)))
            except ValueError:
                continue
        cached = _fee_cache[key] = (count, fees)
    return cached[1].get((service_id, form_version))


# --- the event ----------------------------------------------------------------------------------


def _by_kind(conn: Connection, reg_id: str, kind: str) -> Any:
    return conn.execute(
        select(clerk_events.c.id, clerk_events.c.device_id, clerk_events.c.body)
        .where(clerk_events.c.registration_id == reg_id)
        .where(clerk_events.c.kind == kind)
        .order_by(clerk_events.c.received_at)
        .limit(1)
    ).first()


def _collect(conn: Connection, held: Held, device: Device, doc: dict[str, Any], now: float) -> str:
    if held.status == p.ServerStatus.COLLECTED:
        first = _by_kind(conn, held.id, p.ClerkEvent.COLLECTED)
        extra: dict[str, Any] = {"status": held.status}
        if first is not None:
            kiosk = conn.execute(
                select(db.devices.c.kiosk_number).where(db.devices.c.id == first.device_id)
            ).scalar()
            extra |= {"kiosk_number": kiosk, "at": json.loads(first.body).get("at")}
        raise conflict(
            p.ERR_ALREADY_COLLECTED,
            "This application was already handed over"
            + (f" at kiosk {extra['kiosk_number']}" if extra.get("kiosk_number") else "")
            + "; nothing was changed.",
            **extra,
        )
    if held.status != p.ServerStatus.READY_FOR_PICKUP:
        raise conflict(
            p.ERR_STATUS_FORBIDS,
            f"This application is {held.status}, not ready_for_pickup: it cannot be handed over.",
            status=held.status,
        )
    actor = f"device:{device.id} staff:{doc['staff_id']}"
    _set_status(conn, held, p.ServerStatus.COLLECTED.value, "", actor, now)
    return p.ServerStatus.COLLECTED.value


def _fee(conn: Connection, held: Held, data: dict[str, Any]) -> bool:
    if data["service_id"] != held.service_id:
        raise _invalid(f"data.service_id is {data['service_id']!r}; this is {held.service_id!r}.")
    first = _by_kind(conn, held.id, p.ClerkEvent.FEE_RECEIVED)
    if first is not None:
        raise ApiError(
            409,
            p.ERR_FEE_ALREADY_RECEIVED,
            "A fee for this application was already recorded; nothing was changed.",
            event_id=first.id,
        )
    fee = catalog_fee(conn, held.service_id, held.form_version)
    if fee is not None and data["amount_riel"] != fee:
        raise ApiError(
            409,
            p.ERR_FEE_MISMATCH,
            f"The catalog's fee for this service is {fee} riel, not {data['amount_riel']}; "
            "nothing was recorded.",
            expected_riel=fee,
        )
    return fee is not None


def record_event(
    engine: Engine, device: Device, reg_id: str, event_id: str, doc: dict[str, Any]
) -> tuple[int, dict[str, Any]]:
    """Store one event; returns (HTTP status, body) or raises ApiError."""
    check_event(doc)
    content = content_sha256({"registration_id": reg_id, **doc})
    with engine.begin() as conn:
        db.lock_feed(conn)  # one writer: two kiosks handing over at once are served in turn
        held = registration_for(conn, device, reg_id)
        old = conn.execute(
            select(
                clerk_events.c.content_sha256, clerk_events.c.device_id, clerk_events.c.answer
            ).where(clerk_events.c.id == event_id)
        ).first()
        if old is not None:
            if old.content_sha256 == content and old.device_id == device.id:
                answer: dict[str, Any] = json.loads(old.answer)
                return 200, answer
            raise ApiError(
                409,
                p.ERR_EVENT_CONFLICT,
                "An event with this id was already received with other content; nothing "
                "was changed.",
            )
        check_staff(conn, device, doc["staff_id"])
        now = db.now()
        status, kind = held.status, doc["kind"]
        out: dict[str, Any] = {}
        if kind == p.ClerkEvent.COLLECTED:
            status = _collect(conn, held, device, doc, now)
        elif kind == p.ClerkEvent.FEE_RECEIVED:
            out["fee_checked"] = _fee(conn, held, doc["data"])
        answer = {
            "id": reg_id,
            "event_id": event_id,
            "kind": kind,
            "status": status,
            "received_at": rfc3339(now),
            **out,
        }
        conn.execute(
            clerk_events.insert().values(
                id=event_id,
                registration_id=reg_id,
                device_id=device.id,
                kind=kind,
                staff_id=doc["staff_id"],
                at=doc["at"],
                content_sha256=content,
                body=p.canonical_text(doc),
                answer=p.canonical_text(answer),
                received_at=now,
            )
        )
    return 201, answer


def events_of(conn: Connection, reg_id: str) -> list[dict[str, Any]]:
    """A registration's counter events, in the order received (for the console and the CLI)."""
    rows = conn.execute(
        select(clerk_events)
        .where(clerk_events.c.registration_id == reg_id)
        .order_by(clerk_events.c.received_at, clerk_events.c.id)
    ).all()
    return [
        {
            "event_id": r.id,
            "kind": r.kind,
            "at": r.at,
            "staff_id": r.staff_id,
            "device_id": r.device_id,
            "received_at": float(r.received_at),
            "data": json.loads(r.body).get("data", {}),
        }
        for r in rows
    ]


@router.put(
    "/{registration_id}/events/{event_id}",
    response_model=EventOut,
    responses={
        200: {"model": EventOut, "description": "already received (retry)"},
        201: {"model": EventOut, "description": "recorded"},
    },
    summary="clerk: record a counter event (idempotent by event id)",
)
async def put_event(
    registration_id: RegId,
    event_id: EventId,
    ctx: Ctx,
    req: Signed,
    body: Annotated[EventIn, Body()],
) -> JSONResponse:
    doc = json_body(req.body)  # NaN, Infinity, lone surrogates: 400 bad_json
    del body  # validated shape only; the raw document is what gets hashed and stored
    status, out = await run_in_threadpool(
        record_event,
        ctx.engine,
        device=req.device,
        reg_id=registration_id,
        event_id=event_id,
        doc=doc,
    )
    return JSONResponse(out, status_code=status)
