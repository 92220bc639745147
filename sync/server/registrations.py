"""`PUT /v1/registrations/{id}`: the idempotent commit of one registration.

Everything happens in one database transaction, and the 2xx goes out only after it committed:
device still active and bound to the body's commune, every attachment fully uploaded by this
device with the declared SHA-256 and size, an application number no other device holds, then
the insert, the first feed entry (`received`) and the signed receipt. Same id + same canonical
content answers the original receipt; different content is a 409 and nothing is overwritten.
The one exception: the same content plus the receipt's verification code, which an upgraded
kiosk adds to a commit it made before (`_late_code`), is the same commit, and the code is kept.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from sync import protocol as p
from sync.protocol.capture_checks import MAX_CHECKS_CHARS, without_checks
from sync.protocol.code_backfill import CONFLICT, HELD, RECORDED
from sync.server import catalog, db, keys
from sync.server.auth import Device, Signed, device_is_active
from sync.server.context import Context, Ctx
from sync.server.errors import ApiError, json_body
from sync.server.feed import append_change

router = APIRouter(prefix="/v1/registrations", tags=["registrations"])
UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
RegId = Annotated[str, Path(pattern=UUID_PATTERN, description="registration UUID")]


class AttachmentIn(BaseModel):
    model_config = ConfigDict(extra="allow")
    field_id: str = Field(min_length=1, max_length=200)
    kind: str = Field(min_length=1, max_length=40)
    page: int = Field(ge=0, le=1000)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=0)
    mime: str = Field(max_length=100)
    upload: str = Field(max_length=200)
    checks: dict[str, Any] | None = None  # capture checks (sync/protocol/capture_checks.py)

    @field_validator("checks")
    @classmethod
    def _small_checks(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is not None and len(p.canonical_text(value)) > MAX_CHECKS_CHARS:
            raise ValueError(f"checks must be at most {MAX_CHECKS_CHARS} characters of JSON")
        return value


class CommitIn(BaseModel):
    model_config = ConfigDict(extra="allow")
    service_id: str = Field(min_length=1, max_length=200)
    form_version: str = Field(min_length=1, max_length=100)
    app_number: str = Field(min_length=1, max_length=40)
    commune_code: str = Field(pattern=r"^[0-9]{6}$")
    locale: str = Field(max_length=10)
    submitted_at: str = Field(max_length=40)
    answers: dict[str, Any]
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=200)
    version: StrictInt = Field(
        default=1,
        ge=1,
        le=p.REGISTRATION_VERSION_MAX,
        description="the kiosk's latest version (corrections before upload); supplements follow",
    )
    verification_code: str | None = Field(
        default=None,
        pattern=p.VERIFICATION_CODE_PATTERN,
        description="the printed receipt's code, for the partner API's receipt check",
    )


class Receipt(BaseModel):
    registration_id: str
    app_number: str
    received_at: str
    content_sha256: str
    server_seq: int


class CommitOut(BaseModel):
    receipt: Receipt
    signature: str
    review: str | None = None


def _missing(
    conn: Any, ctx: Context, device: Device, attachments: list[dict[str, Any]]
) -> list[str]:
    missing: list[str] = []
    for att in attachments:
        sha, size = att["sha256"], att["size"]
        found = conn.execute(
            select(db.uploads.c.id)
            .where(db.uploads.c.device_id == device.id)
            .where(db.uploads.c.sha256 == sha)
            .where(db.uploads.c.length == size)
            .where(db.uploads.c.status == "complete")
            .limit(1)
        ).first()
        if (found is None or not ctx.media.has(sha)) and sha not in missing:
            missing.append(sha)
    return missing


def _check_app_number(conn: Any, device: Device, app_number: str) -> None:
    """Refuse a number another device already used: citizens read it aloud to look their case
    up, and two kiosks handing out the same one mixed up their decisions (issue 10).

    Checked under the feed lock, which every commit takes anyway before its feed entry: on
    PostgreSQL two kiosks committing the same number at once are serialised here, and the
    second sees the first. A unique index cannot do it, since old duplicates may exist.
    """
    db.lock_feed(conn)
    regs = db.registrations
    holder = conn.execute(
        select(regs.c.id)
        .where(regs.c.app_number == app_number)
        .where(regs.c.device_id != device.id)
        .limit(1)
    ).first()
    if holder is not None:
        raise ApiError(
            409,
            p.ERR_APP_NUMBER_TAKEN,
            f"Application number {app_number} was already sent by another kiosk; "
            "this kiosk must number its applications with its own kiosk number.",
        )


def _late_code(conn: Any, reg_id: str, doc: dict[str, Any], held_sha256: str) -> bool:
    """True if `doc` is the held commit plus what upgraded kiosks add to a commit they made
    before (its answer lost on a cut link), so the retry gets the original receipt, not a 409:
    its attachments' capture checks (PROTOCOL.md "Commit"), and its receipt's verification
    code, which makes the receipt checkable (partner API). A code is recorded once: a held one
    is never replaced, and another code is a conflict. The receipt's `content_sha256` stays the
    first commit's.
    """
    plain = without_checks(doc)
    if p.commit_body_sha256(plain) == held_sha256:
        return True  # only the capture checks were added
    code = plain.get(p.COMMIT_VERIFICATION_CODE)
    if not isinstance(code, str):
        return False
    core = {k: v for k, v in plain.items() if k != p.COMMIT_VERIFICATION_CODE}
    if p.commit_body_sha256(core) != held_sha256:
        return False
    return record_code(conn, reg_id, code) != CONFLICT


def record_code(conn: Any, reg_id: str, code: str) -> str:
    """Add `code` to the stored body of `reg_id` unless it holds one: `recorded`, `held` (this
    same code) or `conflict` (another one; never replaced). The one writer of a late code, for
    a re-sent commit and for the backfill (`code_backfill.py`); the caller checked the device."""
    regs = db.registrations
    body = conn.execute(  # row locked on PostgreSQL: two senders cannot both record a code
        select(regs.c.body).where(regs.c.id == reg_id).with_for_update()
    ).scalar_one()
    doc = json.loads(body)
    held = doc.get(p.COMMIT_VERIFICATION_CODE)
    if held is not None:
        return HELD if held == code else CONFLICT
    doc[p.COMMIT_VERIFICATION_CODE] = code
    conn.execute(regs.update().where(regs.c.id == reg_id).values(body=p.canonical_text(doc)))
    return RECORDED


def commit(
    ctx: Context, device: Device, reg_id: str, doc: dict[str, Any]
) -> tuple[int, dict[str, Any]]:
    """Returns (HTTP status, response body); raises ApiError for refusals."""
    content = p.commit_body_sha256(doc)
    for attempt in range(2):
        try:
            return _commit_once(ctx, device, reg_id, doc, content)
        except IntegrityError:  # the same id committed concurrently: answer as a retry would
            if attempt:
                raise
    raise AssertionError("unreachable")


def _commit_once(
    ctx: Context, device: Device, reg_id: str, doc: dict[str, Any], content: str
) -> tuple[int, dict[str, Any]]:
    regs = db.registrations
    with ctx.engine.begin() as conn:
        if not device_is_active(conn, device.id):
            raise ApiError(401, "device_revoked", "This device was revoked by the ministry.")
        if doc["commune_code"] != device.commune_code:
            raise ApiError(
                403,
                "wrong_commune",
                f"This device is enrolled for commune {device.commune_code}, "
                f"not {doc['commune_code']}.",
            )
        old = conn.execute(
            select(
                regs.c.content_sha256,
                regs.c.receipt,
                regs.c.signature,
                regs.c.commune_code,
                regs.c.review,
            ).where(regs.c.id == reg_id)
        ).first()
        if old is not None:
            if old.commune_code == device.commune_code and (
                old.content_sha256 == content or _late_code(conn, reg_id, doc, old.content_sha256)
            ):
                return 200, {
                    "receipt": json.loads(old.receipt),
                    "signature": old.signature,
                    "review": old.review,
                }
            raise ApiError(
                409,
                p.ERR_CONFLICT,
                "A registration with this id was already "
                "received with different content; nothing was changed.",
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
        _check_app_number(conn, device, doc["app_number"])
        known = catalog.known_services(conn)
        review = None if (doc["service_id"], doc["form_version"]) in known else "unknown_service"
        now = db.now()
        at = p.format_date(datetime.fromtimestamp(now, UTC))
        seq = append_change(
            conn,
            "status",
            device.commune_code,
            {
                "registration_id": reg_id,
                "app_number": doc["app_number"],
                "status": p.ServerStatus.RECEIVED.value,
                "note": "",
                "at": at,
            },
        )
        receipt = {
            "registration_id": reg_id,
            "app_number": doc["app_number"],
            "received_at": at,
            "content_sha256": content,
            "server_seq": seq,
        }
        signature = keys.sign_json(ctx.key, receipt)
        conn.execute(
            regs.insert().values(
                id=reg_id,
                device_id=device.id,
                commune_code=device.commune_code,
                service_id=doc["service_id"],
                form_version=doc["form_version"],
                app_number=doc["app_number"],
                content_sha256=content,
                body=p.canonical_text(doc),
                received_at=now,
                status=p.ServerStatus.RECEIVED.value,
                status_note="",
                status_at=now,
                review=review,
                receipt=p.canonical_text(receipt),
                signature=signature,
            )
        )
        conn.execute(
            db.status_history.insert().values(
                registration_id=reg_id,
                status=p.ServerStatus.RECEIVED.value,
                note="",
                actor=f"device:{device.id}",
                at=now,
            )
        )
    return 201, {"receipt": receipt, "signature": signature, "review": review}


@router.put(
    "/{registration_id}",
    response_model=CommitOut,
    responses={
        200: {"model": CommitOut, "description": "already received (retry)"},
        201: {"model": CommitOut, "description": "received"},
    },
    summary="commit a registration (idempotent)",
)
async def put_registration(
    registration_id: RegId, ctx: Ctx, req: Signed, body: Annotated[CommitIn, Body()]
) -> JSONResponse:
    doc = json_body(req.body)  # NaN, Infinity, lone surrogates: 400 bad_json
    del body  # validated shape only; the raw document is what gets hashed and stored
    status, out = await run_in_threadpool(commit, ctx, req.device, registration_id, doc)
    return JSONResponse(out, status_code=status)
