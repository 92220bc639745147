"""The partner API (`/partner/v1/…`): other ministries and banks check a citizen's receipt and
read a ministry's decisions, instead of asking for photocopies (issue 13).

What a partner may do is deliberately small and read-only:
- `POST /partner/v1/receipts/check`: is this receipt (application number + verification code)
  genuine, and what is its status? The answer holds nothing the holder's receipt does not show
  (no names, answers, phone or photo); a number the key may not see answers exactly as a wrong
  code does, so a key learns nothing about other ministries' applications.
- `GET /partner/v1/decisions`: the status changes after receipt (no notes: officers write
  free text there) of the applications the key may see, by cursor over the change feed.

Keys are made by an admin (`sala server partner add`, cli_partner.py), shown once and stored as
hashes; each is scoped (ministries, services, jurisdiction, rights), expires, can be revoked,
and has a token bucket kept on its database row (see tables/partner.py for why). Every use,
answered or refused, leaves a `partner_audit` row. The shape suits a CamDX / X-Road security
server in front: plain versioned REST with JSON, no cookies or redirects, the key in a header,
and the `X-Road-Client` / `X-Road-Id` headers kept in the audit for correlation.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Body, Header, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import Connection, Engine, or_, select
from starlette.concurrency import run_in_threadpool

from sync import protocol as p
from sync.server import db, feed
from sync.server.context import Ctx
from sync.server.errors import ApiError
from sync.server.officers import parse_jurisdiction
from sync.server.tables.partner import partner_audit, partner_keys

router = APIRouter(prefix="/partner/v1", tags=["partner"])
ALL = "*"
KEY_PREFIX = "sala_ptn_"
RIGHTS = ("check", "decisions")
MAX_EXPIRY_DAYS = 366
DAY = 86400.0
MAX_LIMIT = 500
SCAN = 2000  # feed entries looked at per decisions request, at most
# Every status after the kiosk's own `received` is someone's decision on the application.
DECISIONS = frozenset(s.value for s in p.ServerStatus if s != p.ServerStatus.RECEIVED)
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_SERVICE = re.compile(r"^[A-Za-z0-9_.-]{1,200}$")
NO_STORE = {"Cache-Control": "no-store"}
T = TypeVar("T")


@dataclass(frozen=True)
class Partner:
    id: str
    name: str
    ministries: tuple[str, ...]
    services: tuple[str, ...]
    jurisdiction: tuple[str, ...]
    rights: tuple[str, ...]

    def sees(self, service_id: str, ministry: str | None, commune_code: str) -> bool:
        """True if this key's ministries, services and jurisdiction all cover the application
        (a service with no owning ministry is seen only by an all-ministries key)."""
        return (
            (ALL in self.ministries or (ministry is not None and ministry in self.ministries))
            and (ALL in self.services or service_id in self.services)
            and (ALL in self.jurisdiction or commune_code.startswith(self.jurisdiction))
        )


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _names(text: str, what: str, pattern: re.Pattern[str]) -> tuple[str, ...]:
    parts = [x.strip() for x in text.split(",") if x.strip()]
    if not parts:
        raise ValueError(f"--{what} is empty: give names separated by commas, or all")
    if any(x.lower() in ("all", ALL) for x in parts):
        return (ALL,)
    for name in parts:
        if not pattern.match(name):
            raise ValueError(f"{name!r} is not a valid name for --{what}")
    return tuple(sorted(set(parts)))


def make_key(
    engine: Engine,
    name: str,
    *,
    ministries: str,
    services: str = ALL,
    jurisdiction: str = ALL,
    rights: str = ",".join(RIGHTS),
    expires_days: float = 90.0,
    rate_per_minute: float = 60.0,
    burst: int = 20,
) -> tuple[str, str]:
    """A new key; returns (id, key). The key is shown once, only its hash is kept.
    Raises ValueError with a sentence for a bad scope, expiry or rate."""
    scope = {
        "ministries": _names(ministries, "ministry", _CODE),
        "services": _names(services, "services", _SERVICE),
        "jurisdiction": parse_jurisdiction(jurisdiction),
    }
    allowed = tuple(sorted({x.strip() for x in rights.split(",") if x.strip()}))
    if not allowed or set(allowed) - set(RIGHTS):
        raise ValueError(f"--rights must be one or more of {', '.join(RIGHTS)}")
    if not 0 < expires_days <= MAX_EXPIRY_DAYS:
        raise ValueError(f"--expires-days must be more than 0 and at most {MAX_EXPIRY_DAYS}")
    if not (0 < rate_per_minute <= 6000 and 1 <= burst <= 1000):
        raise ValueError("--rate must be in (0, 6000] per minute and --burst in [1, 1000]")
    key, key_id, now = KEY_PREFIX + secrets.token_urlsafe(32), secrets.token_hex(5), db.now()
    with engine.begin() as conn:
        _known(conn, scope["ministries"], scope["services"])
        conn.execute(
            partner_keys.insert().values(
                id=key_id,
                key_hash=_hash(key),
                name=name.strip()[:200] or "partner",
                **{k: ",".join(v) for k, v in scope.items()},
                rights=",".join(allowed),
                rate_per_minute=float(rate_per_minute),
                burst=int(burst),
                tokens=float(burst),
                bucket_at=now,
                created_at=now,
                expires_at=now + expires_days * DAY,
            )
        )
        record(conn, None, "partner_add", key_id, "ok", who="cli", key_id=key_id, detail=name)
    return key_id, key


def _known(conn: Connection, ministries: tuple[str, ...], services: tuple[str, ...]) -> None:
    """Refuse a ministry or service the server does not know: a typo would make a key that
    silently sees nothing."""
    sm = db.service_ministry
    owners = {
        r.service_id: r.ministry for r in conn.execute(select(sm.c.service_id, sm.c.ministry))
    }
    for given, known, what in (
        (ministries, set(owners.values()), "ministry"),
        (services, set(owners), "service"),
    ):
        unknown = [x for x in given if x != ALL and x not in known]
        if unknown:
            raise ValueError(
                f"unknown {what} {', '.join(unknown)}; known: {', '.join(sorted(known)) or 'none'}"
            )


def revoke_key(engine: Engine, id_or_key: str) -> int:
    """Revoke by public id or by the key itself; returns how many keys were revoked."""
    ref = id_or_key.strip()
    match = (
        partner_keys.c.key_hash == _hash(ref)
        if ref.startswith(KEY_PREFIX)
        else partner_keys.c.id == ref
    )
    with engine.begin() as conn:
        row = conn.execute(select(partner_keys.c.id).where(match)).first()
        done = conn.execute(
            partner_keys.update()
            .where(match)
            .where(partner_keys.c.revoked_at.is_(None))
            .values(revoked_at=db.now())
        ).rowcount
        if done and row is not None:
            record(conn, None, "partner_revoke", row.id, "ok", who="cli", key_id=row.id)
        return int(done)


def list_keys(engine: Engine) -> list[Any]:
    with db.reading(engine) as conn:
        return list(conn.execute(select(partner_keys).order_by(partner_keys.c.created_at)).all())


def state(row: Any, now: float) -> str:
    """active | expired | revoked, as `partner list` shows it."""
    if row.revoked_at is not None:
        return "revoked"
    return "expired" if row.expires_at <= now else "active"


def record(
    conn: Connection,
    partner: Partner | None,
    action: str,
    subject: str,
    outcome: str,
    *,
    detail: str = "",
    who: str = "?",
    key_id: str | None = None,
) -> None:
    """One audit row, in the caller's transaction."""
    conn.execute(
        partner_audit.insert().values(
            at=db.now(),
            key_id=partner.id if partner else key_id,
            partner=(partner.name if partner else who)[:200],
            action=action[:40],
            subject=subject[:200],
            outcome=outcome[:60],
            detail=detail[:2000],
        )
    )


def _unauthorized(code: str, message: str) -> ApiError:
    return ApiError(401, code, message, headers={"WWW-Authenticate": "Bearer"})


def _take_token(conn: Connection, row: Any, now: float) -> int:
    """Take one token from the key's bucket; returns 0, or the seconds until one is there."""
    rate = float(row.rate_per_minute) / 60.0
    elapsed = max(0.0, now - float(row.bucket_at))
    tokens = min(float(row.burst), float(row.tokens) + elapsed * rate)
    if tokens < 1.0:
        return max(1, math.ceil((1.0 - tokens) / rate))
    conn.execute(
        partner_keys.update()
        .where(partner_keys.c.id == row.id)
        .values(tokens=tokens - 1.0, bucket_at=now)
    )
    return 0


def serve(
    engine: Engine,
    authorization: str | None,
    action: str,
    subject: str,
    detail: str,
    work: Callable[[Connection, Partner], tuple[str, T]],
) -> T:
    """Authenticate, rate-limit, check the right, run `work` and audit, in one transaction.

    `work` returns (outcome word, answer). The key's row is read FOR UPDATE (PostgreSQL; on
    SQLite the write transaction already serialises), so two processes share one bucket.
    A refusal is audited and committed before it is raised.
    """
    scheme, _, secret = (authorization or "").partition(" ")
    secret = secret.strip()
    with engine.begin() as conn:
        refusal: ApiError | None = None
        row: Any = None
        partner: Partner | None = None
        if scheme.lower() != "bearer" or not secret:
            refusal = _unauthorized(
                p.ERR_UNAUTHORIZED, "A partner key is required (Authorization: Bearer <key>)."
            )
        else:
            keys = partner_keys
            row = conn.execute(
                select(keys).where(keys.c.key_hash == _hash(secret)).with_for_update()
            ).first()
            now = db.now()
            if row is None:
                refusal = _unauthorized("key_unknown", "This partner key is not known.")
            elif row.revoked_at is not None:
                refusal = _unauthorized("key_revoked", "This partner key was revoked.")
            elif row.expires_at <= now:
                refusal = _unauthorized("key_expired", "This partner key has expired.")
            else:
                partner = _partner(row)
                refusal = _admit(conn, row, partner, action, now)
        if refusal is None and partner is not None:
            try:
                outcome, answer = work(conn, partner)
            except ApiError as exc:
                refusal = exc
            else:
                record(conn, partner, action, subject, f"ok:{outcome}", detail=detail)
                return answer
        assert refusal is not None
        record(
            conn,
            partner,
            action,
            subject,
            f"refused:{refusal.code}",
            detail=detail,
            who=row.name if row is not None else "?",
            key_id=row.id if row is not None else None,
        )
    raise refusal


def _admit(
    conn: Connection, row: Any, partner: Partner, action: str, now: float
) -> ApiError | None:
    """The bucket first (a key refused for its rights is still limited), then the right."""
    wait = _take_token(conn, row, now)
    if wait:
        return ApiError(
            429,
            "rate_limited",
            f"Too many requests for this key; retry after {wait} s.",
            headers={"Retry-After": str(wait)},
        )
    if action not in partner.rights:
        return ApiError(
            403, "forbidden_right", f"This key may not use {action!r}; ask the ministry."
        )
    return None


def _partner(row: Any) -> Partner:
    def split(text: str) -> tuple[str, ...]:
        return tuple(x for x in (text or "").split(",") if x)

    return Partner(
        row.id,
        row.name,
        split(row.ministries),
        split(row.services),
        split(row.jurisdiction),
        split(row.rights),
    )


def _owners(conn: Connection, service_ids: set[str]) -> dict[str, str]:
    sm = db.service_ministry
    rows = conn.execute(
        select(sm.c.service_id, sm.c.ministry).where(sm.c.service_id.in_(sorted(service_ids)))
    )
    return {r.service_id: r.ministry for r in rows}


def _rfc3339(ts: float) -> str:
    return p.format_date(datetime.fromtimestamp(ts, UTC))


def _stored_code(body: str) -> str | None:
    """The verification code the kiosk sent in its commit body (or added on a later re-send of
    the same commit, `registrations._late_code`), if it sent one."""
    try:
        code = json.loads(body).get(p.COMMIT_VERIFICATION_CODE)
    except (ValueError, AttributeError):
        return None
    return code.strip().upper() if isinstance(code, str) and code.strip() else None


def check_receipt(
    conn: Connection, partner: Partner, app_number: str, code: str
) -> tuple[str, dict[str, Any]]:
    """(outcome, answer) for one receipt. Unknown number, wrong code and an application the
    key may not see all answer `not_genuine`, alike."""
    regs = db.registrations
    rows = conn.execute(
        select(regs.c.service_id, regs.c.commune_code, regs.c.status, regs.c.status_at, regs.c.body)
        .where(regs.c.app_number == app_number)
        .limit(20)  # old duplicates from before kiosk numbers may exist
    ).all()
    owners = _owners(conn, {r.service_id for r in rows})
    unverifiable = False
    for r in rows:
        if not partner.sees(r.service_id, owners.get(r.service_id), r.commune_code):
            continue
        stored = _stored_code(r.body)
        if stored is None:
            unverifiable = True
        elif hmac.compare_digest(stored.encode(), code.encode()):
            return "genuine", {
                "result": "genuine",
                "app_number": app_number,
                "service_id": r.service_id,
                "status": r.status,
                "status_at": _rfc3339(r.status_at),
                "final": r.status in p.FINAL_STATUSES,
            }
    result = "unverifiable" if unverifiable else "not_genuine"
    return result, {"result": result, "app_number": app_number}


def read_decisions(
    conn: Connection, partner: Partner, after: int, limit: int
) -> tuple[str, dict[str, Any]]:
    """Decisions after feed seq `after` on applications this key sees, oldest first.

    The change feed is the source (its seqs become visible in order, `db.lock_feed`); a cursor
    older than its retention gets 410 with the oldest cursor still answerable. At most `SCAN`
    entries are looked at per request: `more` then says to ask again from `next`.
    """
    changes, regs = db.changes, db.registrations
    floor, head = feed._floor(conn), feed._head(conn)
    if after < floor or after > head:
        raise ApiError(
            410,
            p.ERR_CURSOR_EXPIRED,
            "This cursor is older than the retained feed or not from this server; "
            "start again from `floor` (decisions before it are no longer listed).",
            floor=str(floor),
        )
    query = (
        select(changes.c.seq, changes.c.commune_code, changes.c.payload)
        .where(changes.c.kind == "status")
        .where(changes.c.seq > after)
        .where(changes.c.seq <= head)
        .order_by(changes.c.seq)
        .limit(SCAN)
    )
    if ALL not in partner.jurisdiction:
        query = query.where(
            or_(*(changes.c.commune_code.startswith(c) for c in partner.jurisdiction))
        )
    scanned = conn.execute(query).all()
    entries = [(r.seq, r.commune_code or "", json.loads(r.payload)) for r in scanned]
    entries = [e for e in entries if e[2].get("status") in DECISIONS]
    ids = sorted({str(e[2].get("registration_id")) for e in entries})
    services = {
        r.id: r.service_id
        for r in conn.execute(select(regs.c.id, regs.c.service_id).where(regs.c.id.in_(ids)))
    }
    owners = _owners(conn, set(services.values()))
    out: list[dict[str, Any]] = []
    nxt = scanned[-1].seq if len(scanned) == SCAN else head
    for seq, commune, payload in entries:
        service_id = services.get(str(payload.get("registration_id")))
        if service_id is None or not partner.sees(service_id, owners.get(service_id), commune):
            continue  # purged, or not this key's
        if len(out) == limit:
            nxt = out[-1]["seq"]
            break
        out.append(
            {
                "seq": seq,
                "app_number": payload.get("app_number", ""),
                "service_id": service_id,
                "commune_code": commune,
                "status": payload.get("status"),
                "at": payload.get("at", ""),
            }
        )
    more = nxt < head
    return f"{len(out)}", {"decisions": out, "next": str(nxt), "more": more}


# --- HTTP ---------------------------------------------------------------------------------


def _detail(request: Request) -> str:
    """Where the request came from, for the audit (X-Road headers are kept as data only)."""
    parts = [f"from={request.client.host if request.client else '?'}"]
    for name in ("X-Road-Client", "X-Road-Id"):
        value = request.headers.get(name)
        if value:
            parts.append(f"{name}={value[:300]}")
    return " ".join(parts)


class CheckIn(BaseModel):
    app_number: str = Field(
        pattern=r"^[0-9][0-9-]{0,39}$", description="as printed on the receipt, ASCII digits"
    )
    verification_code: str = Field(
        pattern=r"^[0-9A-Za-z]{4,16}$", description="the receipt's 6-character code"
    )


class CheckOut(BaseModel):
    result: str = Field(description="genuine | not_genuine | unverifiable (sent without a code)")
    app_number: str
    service_id: str | None = Field(default=None, description="genuine only")
    status: str | None = Field(default=None, description="genuine only: the status now")
    status_at: str | None = Field(default=None, description="genuine only: RFC 3339")
    final: bool | None = Field(default=None, description="genuine only: no further change")


class Decision(BaseModel):
    seq: int
    app_number: str
    service_id: str
    commune_code: str
    status: str
    at: str


class DecisionsOut(BaseModel):
    decisions: list[Decision]
    next: str = Field(description="the cursor for the next request (`after`)")
    more: bool


Auth = Annotated[str | None, Header(include_in_schema=False)]


@router.post(
    "/receipts/check",
    response_model=CheckOut,
    response_model_exclude_none=True,
    summary="partner: is this receipt genuine, and its status",
)
async def post_check(
    request: Request, ctx: Ctx, body: Annotated[CheckIn, Body()], authorization: Auth = None
) -> JSONResponse:
    code = body.verification_code.upper()

    def work(conn: Connection, partner: Partner) -> tuple[str, dict[str, Any]]:
        return check_receipt(conn, partner, body.app_number, code)

    answer = await run_in_threadpool(
        serve, ctx.engine, authorization, "check", body.app_number, _detail(request), work
    )
    return JSONResponse(answer, headers=NO_STORE)


@router.get(
    "/decisions",
    response_model=DecisionsOut,
    summary="partner: decisions on the applications this key sees",
)
async def get_decisions(
    request: Request,
    ctx: Ctx,
    after: Annotated[str, Query(max_length=20, pattern=r"^[0-9]{1,18}$")] = "0",
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    authorization: Auth = None,
) -> JSONResponse:
    cursor = p.parse_uint(after)

    def work(conn: Connection, partner: Partner) -> tuple[str, dict[str, Any]]:
        return read_decisions(conn, partner, cursor, limit)

    answer = await run_in_threadpool(
        serve, ctx.engine, authorization, "decisions", f"after {cursor}", _detail(request), work
    )
    return JSONResponse(answer, headers=NO_STORE)
