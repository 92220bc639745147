"""Device enrolment and signed-request verification (PROTOCOL.md "Device identity").

The server keeps only public keys and hashes of enrolment codes: nothing it stores lets anyone
act as a kiosk. Every signed request is checked in this order: known and not revoked device,
signature version, signature, date within ±5 min (else `clock_skew` with `Sala-Server-Time`),
fresh nonce. Each device gets a kiosk number at enrolment (1..99, unique in its commune, never
reused): kiosks put it in their application numbers, so two kiosks cannot print the same one.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Connection, Engine, select, text
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from sync import protocol as p
from sync.server import db
from sync.server.context import Ctx
from sync.server.errors import ApiError

# No 0/O, 1/I/L or U: codes are read aloud and typed on a touchscreen.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"


@dataclass(frozen=True)
class Device:
    id: str
    commune_code: str
    kiosk_number: int | None = None  # None only for a device the 99 numbers ran out before


@dataclass(frozen=True)
class SignedRequest:
    device: Device
    body: bytes


def server_time() -> str:
    return p.format_date(datetime.now(UTC))


def _unauthorized(code: str, message: str) -> ApiError:
    return ApiError(401, code, message, headers={p.HDR_SERVER_TIME: server_time()})


# --- enrolment codes ---------------------------------------------------------------------------


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def hash_code(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def make_enrolment_code(engine: Engine, commune_code: str, ttl_s: float) -> str:
    """A 12-character one-time code (about 59 bits), shown once; only its hash is stored."""
    if not p.is_ascii_digits(commune_code, 6):
        raise ValueError("commune code must be 6 digits (MEF code), e.g. 120101")
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))
    now = db.now()
    with engine.begin() as conn:
        conn.execute(
            db.enrolment_codes.insert().values(
                code_hash=hash_code(raw),
                commune_code=commune_code,
                created_at=now,
                expires_at=now + ttl_s,
            )
        )
    return "-".join(raw[i : i + 4] for i in range(0, 12, 4))


def enrol(engine: Engine, code: str, public_key: str, label: str) -> Device:
    """Spend a one-time code and bind a new device (its public key) to the code's commune."""
    try:
        p.load_public_key(public_key)
    except ValueError as exc:
        raise ApiError(422, "bad_public_key", f"public_key: {exc}.") from exc
    code_hash = hash_code(code)
    now = db.now()
    with engine.begin() as conn:
        row = conn.execute(
            select(db.enrolment_codes).where(db.enrolment_codes.c.code_hash == code_hash)
        ).first()
        if row is None:
            raise ApiError(
                403,
                "enrolment_code_invalid",
                "This enrolment code is not known; ask the technician for a new one.",
            )
        if row.used_at is not None:
            raise ApiError(
                403,
                "enrolment_code_used",
                "This enrolment code was already used; ask the technician for a new one.",
            )
        if row.expires_at < now:
            raise ApiError(
                403,
                "enrolment_code_expired",
                "This enrolment code has expired; ask the technician for a new one.",
            )
        number = _free_kiosk_number(conn, row.commune_code)
        device_id = str(uuid.uuid4())
        spent = conn.execute(
            db.enrolment_codes.update()
            .where(db.enrolment_codes.c.code_hash == code_hash)
            .where(db.enrolment_codes.c.used_at.is_(None))
            .values(used_at=now, device_id=device_id)
        )
        if spent.rowcount != 1:
            raise ApiError(403, "enrolment_code_used", "This enrolment code was already used.")
        conn.execute(
            db.devices.insert().values(
                id=device_id,
                commune_code=row.commune_code,
                public_key=public_key,
                label=label[:200],
                enrolled_at=now,
                kiosk_number=number,
            )
        )
    return Device(device_id, row.commune_code, number)


def _free_kiosk_number(conn: Connection, commune_code: str) -> int:
    """The lowest number no device of the commune ever had, revoked ones included: a new kiosk
    must not print the application numbers of one that was replaced. Raises 409 when all 99
    are taken (the enrolment code stays unspent: the transaction rolls back)."""
    if conn.dialect.name == "postgresql":  # two enrolments in one commune at once
        conn.execute(text("SELECT pg_advisory_xact_lock(72012)"))
    taken = set(
        conn.execute(
            select(db.devices.c.kiosk_number)
            .where(db.devices.c.commune_code == commune_code)
            .where(db.devices.c.kiosk_number.is_not(None))
        ).scalars()
    )
    for number in range(1, p.KIOSK_NUMBER_MAX + 1):
        if number not in taken:
            return number
    raise ApiError(
        409,
        "kiosk_numbers_exhausted",
        f"Commune {commune_code} has used all {p.KIOSK_NUMBER_MAX} kiosk numbers; "
        "this kiosk cannot be enrolled there. Ask the ministry.",
    )


def revoke(engine: Engine, device_id: str) -> bool:
    with engine.begin() as conn:
        done = conn.execute(
            db.devices.update()
            .where(db.devices.c.id == device_id)
            .where(db.devices.c.revoked_at.is_(None))
            .values(revoked_at=db.now())
        )
        return done.rowcount == 1


def device_is_active(conn: Connection, device_id: str) -> bool:
    revoked = conn.execute(
        select(db.devices.c.revoked_at).where(db.devices.c.id == device_id)
    ).first()
    return revoked is not None and revoked[0] is None


# --- signed requests ---------------------------------------------------------------------------


def _signature_base(
    headers: dict[str, str],
    method: str,
    target: str,
    date: str,
    nonce: str,
    body: bytes,
    v1_tus_until: float | None,
) -> bytes:
    """The bytes the device must have signed, by `Sala-Signature-Version` (absent: 1).

    Version 1 signs no headers, so an in-path rewrite of Upload-Length or Upload-Metadata
    would pass: it is accepted only on requests without tus headers, or, while a fleet
    upgrades, until the configured `--accept-v1-tus-until` date.
    """
    version = headers.get(p.HDR_SIGNATURE_VERSION.lower(), "1").strip()
    if version == "2":
        return p.signature_base_v2(method, target, date, nonce, headers, body)
    if version != "1":
        raise _unauthorized(
            p.ERR_SIGNATURE_VERSION, "Sala-Signature-Version must be 1 or 2 (2 is current)."
        )
    tus = [h for h in p.TUS_SIGNED_HEADERS if h in headers]
    if tus and (v1_tus_until is None or db.now() >= v1_tus_until):
        raise _unauthorized(
            p.ERR_SIGNATURE_VERSION,
            f"A version-1 signature does not cover {', '.join(tus)}; sign with "
            "Sala-Signature-Version 2 (update the kiosk).",
        )
    return p.signature_base(method, target, date, nonce, body)


def verify_request(
    engine: Engine,
    method: str,
    target: str,
    headers: dict[str, str],
    body: bytes,
    *,
    v1_tus_until: float | None = None,
) -> Device:
    """Authenticate one request or raise a 401 ApiError; records the nonce on success.

    `headers` have lower-case names; a repeated header is joined with commas, so a second
    copy added on the way does not slip past the signature."""
    device_id = headers.get(p.HDR_DEVICE.lower(), "")
    date = headers.get(p.HDR_DATE.lower(), "")
    nonce = headers.get(p.HDR_NONCE.lower(), "")
    signature = headers.get(p.HDR_SIGNATURE.lower(), "")
    if not (device_id and date and nonce and signature):
        raise _unauthorized(
            p.ERR_UNAUTHORIZED,
            "This request is not signed: Sala-Device, Sala-Date, Sala-Nonce and Sala-Signature "
            "headers are required.",
        )
    if len(nonce) > 64 or len(device_id) > 64:
        raise _unauthorized(p.ERR_UNAUTHORIZED, "Sala-Nonce or Sala-Device is too long.")
    with db.reading(engine) as conn:
        row = conn.execute(select(db.devices).where(db.devices.c.id == device_id)).first()
    if row is None:
        raise _unauthorized("unknown_device", "This device is not enrolled; enrol it again.")
    if row.revoked_at is not None:
        raise _unauthorized("device_revoked", "This device was revoked by the ministry.")
    base = _signature_base(headers, method, target, date, nonce, body, v1_tus_until)
    if not p.verify(row.public_key, signature, base):
        raise _unauthorized("bad_signature", "The request signature does not match.")
    try:
        sent = p.parse_date(date)
    except ValueError as exc:
        raise _unauthorized("bad_date", "Sala-Date must be an RFC 3339 UTC timestamp.") from exc
    skew = abs((datetime.now(UTC) - sent).total_seconds())
    if skew > p.CLOCK_SKEW_SECONDS:
        raise _unauthorized(
            p.ERR_CLOCK_SKEW,
            f"The device clock is {int(skew)} s away from the server's; "
            "use Sala-Server-Time and retry.",
        )
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":  # a nonce lost in a crash is harmless: the
                conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")  # date window ends
            conn.execute(
                db.nonces.insert().values(device_id=device_id, nonce=nonce, seen_at=db.now())
            )
    except IntegrityError as exc:
        raise _unauthorized(
            p.ERR_REPLAY, "This request was already received (replayed nonce)."
        ) from exc
    return Device(row.id, row.commune_code, row.kiosk_number)


def purge_nonces(engine: Engine) -> int:
    """Nonces older than twice the date window can never be replayed (the date check fails)."""
    cutoff = db.now() - 2 * p.CLOCK_SKEW_SECONDS - 60
    with engine.begin() as conn:
        return conn.execute(db.nonces.delete().where(db.nonces.c.seen_at < cutoff)).rowcount


def request_target(request: Request) -> str:
    """The path and query exactly as sent, which is what the device signed."""
    raw = request.scope.get("raw_path") or request.url.path.encode()
    qs = request.scope.get("query_string", b"")
    target = raw.decode("latin-1")
    return f"{target}?{qs.decode('latin-1')}" if qs else target


async def signed(request: Request, ctx: Ctx) -> SignedRequest:
    """FastAPI dependency: the authenticated device and the exact body bytes it signed."""
    body = await request.body()
    headers: dict[str, str] = {}
    for name, value in request.headers.items():  # every copy of a repeated header
        name = name.lower()
        headers[name] = f"{headers[name]},{value}" if name in headers else value
    device = await run_in_threadpool(
        functools.partial(verify_request, v1_tus_until=ctx.config.signature_v1_tus_until),
        ctx.engine,
        request.method,
        request_target(request),
        headers,
        body,
    )
    return SignedRequest(device, body)


Signed = Annotated[SignedRequest, Depends(signed)]
