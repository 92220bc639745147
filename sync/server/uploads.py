"""tus 1.0.0 at /v1/uploads: core, creation(-with-upload), checksum, expiration, termination.

Written here rather than taken from tuspyserver because every PATCH must carry a device signature
over its exact bytes, the offset must live in the same database as the commit that references it
(so a restart or SIGKILL never loses or invents bytes), and the 204 may only go out after fsync.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy import Engine, select
from starlette.concurrency import run_in_threadpool

from sync import protocol as p
from sync.server import db
from sync.server.auth import Signed
from sync.server.context import Context, Ctx
from sync.server.errors import ApiError
from sync.server.media import is_sha256, is_upload_id

router = APIRouter(prefix="/v1/uploads", tags=["uploads"])


def _tus_headers(**extra: Any) -> dict[str, str]:
    headers = {"Tus-Resumable": p.TUS_VERSION, "Cache-Control": "no-store"}
    headers.update({k.replace("_", "-"): str(v) for k, v in extra.items()})
    return headers


def _http_date(ts: float) -> str:
    return format_datetime(datetime.fromtimestamp(ts, UTC), usegmt=True)


def _check_version(request: Request) -> None:
    version = request.headers.get("tus-resumable")
    if version is not None and version != p.TUS_VERSION:
        raise ApiError(
            412,
            "tus_version",
            f"Only tus {p.TUS_VERSION} is supported.",
            headers={"Tus-Version": p.TUS_VERSION},
        )


def _int_header(request: Request, name: str) -> int:
    try:
        return p.parse_uint(request.headers.get(name))
    except ValueError as exc:
        raise ApiError(
            400, "bad_header", f"{name} must be a non-negative integer in ASCII digits."
        ) from exc


def _check_chunk(request: Request, chunk: bytes) -> None:
    header = request.headers.get("upload-checksum")
    if header is None:
        return
    algo, _, b64 = header.strip().partition(" ")
    if algo != p.TUS_CHECKSUM_ALGORITHM:
        raise ApiError(400, "checksum_algorithm", "Upload-Checksum must use sha256.")
    try:
        expected = base64.b64decode(b64.strip(), validate=True)
    except ValueError as exc:
        raise ApiError(400, "bad_header", "Upload-Checksum is not base64.") from exc
    if hashlib.sha256(chunk).digest() != expected:
        raise ApiError(
            p.HTTP_CHECKSUM_MISMATCH,
            "checksum_mismatch",
            "The chunk's SHA-256 does not match Upload-Checksum; send it again.",
        )


def _too_large(declared: int, limit: int) -> ApiError:
    return ApiError(
        413,
        "too_large",
        f"This upload declares {declared} bytes; the limit is {limit} bytes (Tus-Max-Size).",
        headers={"Tus-Max-Size": str(limit)},
    )


@router.options("", status_code=204, summary="tus capabilities (no auth)")
def options(ctx: Ctx) -> Response:
    return Response(
        status_code=204,
        headers={
            "Tus-Resumable": p.TUS_VERSION,
            "Tus-Max-Size": str(ctx.config.max_upload),
            "Tus-Version": p.TUS_VERSION,
            "Tus-Extension": ",".join(p.TUS_EXTENSIONS),
            "Tus-Checksum-Algorithm": p.TUS_CHECKSUM_ALGORITHM,
        },
    )


@router.post("", status_code=201, summary="create an upload (tus creation)")
async def create(request: Request, ctx: Ctx, req: Signed) -> Response:
    _check_version(request)
    if "upload-defer-length" in request.headers:
        raise ApiError(400, "defer_length", "Upload-Defer-Length is not supported.")
    length = _int_header(request, "Upload-Length")
    if length > ctx.config.max_upload:
        raise _too_large(length, ctx.config.max_upload)
    try:
        meta = p.decode_tus_metadata(request.headers.get("upload-metadata", ""))
    except ValueError as exc:
        raise ApiError(400, "bad_metadata", str(exc)) from exc
    sha = meta.get("sha256", "")
    if not is_sha256(sha):
        raise ApiError(
            400, "bad_metadata", "Upload-Metadata must carry sha256 (64 lowercase hex digits)."
        )
    registration = meta.get("registration", "")[:64] or None
    chunk = req.body
    if chunk:
        if request.headers.get("content-type", "").split(";")[0] != p.TUS_CONTENT_TYPE:
            raise ApiError(415, "content_type", f"A first chunk needs {p.TUS_CONTENT_TYPE}.")
        if len(chunk) > length:
            raise _too_large(len(chunk), length)
        _check_chunk(request, chunk)
    upload_id, offset = await run_in_threadpool(
        _create, ctx, req.device.id, sha, length, registration, chunk
    )
    headers = _tus_headers(Location=f"/v1/uploads/{upload_id}", Upload_Offset=offset)
    return Response(status_code=201, headers=headers)


def _create(
    ctx: Context, device_id: str, sha: str, length: int, registration: str | None, chunk: bytes
) -> tuple[str, int]:
    engine = ctx.engine
    with db.reading(engine) as conn:
        done = conn.execute(
            select(db.uploads.c.id)
            .where(db.uploads.c.device_id == device_id)
            .where(db.uploads.c.sha256 == sha)
            .where(db.uploads.c.length == length)
            .where(db.uploads.c.status == "complete")
            .limit(1)
        ).scalar()
    if done is not None and ctx.media.has(sha):
        return str(done), length
    upload_id = str(uuid.uuid4())
    now = db.now()
    with engine.begin() as conn:
        conn.execute(
            db.uploads.insert().values(
                id=upload_id,
                device_id=device_id,
                sha256=sha,
                length=length,
                offset=0,
                status="open",
                registration_id=registration,
                created_at=now,
                updated_at=now,
                expires_at=now + ctx.config.upload_expiry_s,
            )
        )
    if chunk or length == 0:
        return upload_id, _append(ctx, upload_id, device_id, 0, chunk)
    return upload_id, 0


def _load(engine: Engine, upload_id: str, device_id: str) -> Any:
    if not is_upload_id(upload_id):
        raise ApiError(404, "unknown_upload", "No such upload.")
    with db.reading(engine) as conn:
        row = conn.execute(select(db.uploads).where(db.uploads.c.id == upload_id)).first()
    if row is None or row.device_id != device_id or row.status == "deleted":
        raise ApiError(404, "unknown_upload", "No such upload.")
    if row.status == "expired" or (row.status == "open" and row.expires_at < db.now()):
        raise ApiError(410, "upload_expired", "This upload expired; start a new one.")
    return row


def _append(ctx: Context, upload_id: str, device_id: str, offset: int, chunk: bytes) -> int:
    """Write one chunk durably and record the new offset; returns it."""
    with ctx.upload_lock(upload_id):
        row = _load(ctx.engine, upload_id, device_id)
        if row.status == "failed":
            raise ApiError(
                409,
                "upload_failed",
                "The finished file did not match its SHA-256; start a new upload.",
            )
        if offset != row.offset:
            raise ApiError(
                409,
                "offset_mismatch",
                f"Upload-Offset is {offset} but the server has {row.offset} bytes.",
                headers=_tus_headers(Upload_Offset=row.offset),
                offset=row.offset,
            )
        if offset + len(chunk) > row.length:
            raise ApiError(
                413,
                "too_many_bytes",
                f"This chunk goes past the declared Upload-Length of {row.length}.",
            )
        if row.status == "complete":
            return int(row.offset)
        new_offset = offset + len(chunk)
        if chunk or row.length == 0:
            ctx.media.write_chunk(upload_id, offset, chunk)
        status = "open"
        if new_offset == row.length:
            status = "complete" if ctx.media.finish(upload_id, row.sha256) else "failed"
        now = db.now()
        with ctx.engine.begin() as conn:
            conn.execute(
                db.uploads.update()
                .where(db.uploads.c.id == upload_id)
                .where(db.uploads.c.offset == offset)
                .values(
                    offset=new_offset,
                    status=status,
                    updated_at=now,
                    expires_at=now + ctx.config.upload_expiry_s,
                )
            )
        return new_offset


@router.head("/{upload_id}", summary="current offset (tus core)")
async def head(upload_id: str, request: Request, ctx: Ctx, req: Signed) -> Response:
    _check_version(request)
    row = await run_in_threadpool(_load, ctx.engine, upload_id, req.device.id)
    headers = _tus_headers(Upload_Offset=row.offset, Upload_Length=row.length)
    if row.status == "open":
        headers["Upload-Expires"] = _http_date(row.expires_at)
    return Response(status_code=200, headers=headers)


@router.patch("/{upload_id}", status_code=204, summary="append a chunk (tus core + checksum)")
async def patch(upload_id: str, request: Request, ctx: Ctx, req: Signed) -> Response:
    _check_version(request)
    if request.headers.get("content-type", "").split(";")[0] != p.TUS_CONTENT_TYPE:
        raise ApiError(415, "content_type", f"PATCH needs Content-Type {p.TUS_CONTENT_TYPE}.")
    offset = _int_header(request, "Upload-Offset")
    _check_chunk(request, req.body)
    new_offset = await run_in_threadpool(_append, ctx, upload_id, req.device.id, offset, req.body)
    headers = _tus_headers(Upload_Offset=new_offset)
    headers["Upload-Expires"] = _http_date(db.now() + ctx.config.upload_expiry_s)
    return Response(status_code=204, headers=headers)


@router.delete("/{upload_id}", status_code=204, summary="abandon an upload (tus termination)")
async def delete(upload_id: str, request: Request, ctx: Ctx, req: Signed) -> Response:
    _check_version(request)
    await run_in_threadpool(_delete, ctx, upload_id, req.device.id)
    return Response(status_code=204, headers=_tus_headers())


def _delete(ctx: Context, upload_id: str, device_id: str) -> None:
    with ctx.upload_lock(upload_id):
        row = _load(ctx.engine, upload_id, device_id)
        with ctx.engine.begin() as conn:
            conn.execute(
                db.uploads.update()
                .where(db.uploads.c.id == upload_id)
                .values(status="deleted", updated_at=db.now())
            )
        if row.status != "complete":  # finished media may be shared; it is content-addressed
            ctx.media.drop_partial(upload_id)


def expire_uploads(ctx: Context) -> int:
    """Sweep: unfinished uploads past Upload-Expires lose their partial file."""
    now = db.now()
    with ctx.engine.begin() as conn:
        ids = list(
            conn.execute(
                select(db.uploads.c.id)
                .where(db.uploads.c.status.in_(("open", "failed")))
                .where(db.uploads.c.expires_at < now)
            ).scalars()
        )
        if ids:
            conn.execute(
                db.uploads.update()
                .where(db.uploads.c.id.in_(ids))
                .values(status="expired", updated_at=now)
            )
    for upload_id in ids:
        ctx.media.drop_partial(upload_id)
    return len(ids)
