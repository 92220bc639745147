"""`POST /v1/audit`: a kiosk's hash-chained audit, uploaded append-only and verified.

The kiosk's audit was local only: whoever controls the kiosk could rewrite it and recompute the
chain. Once entries are here, the server holds them: each upload must continue from the last
entry the server has for that device (entry 1 from `protocol.AUDIT_GENESIS`), with every hash
recomputed by `protocol.audit_entry_hash`. Entries the server already holds may be sent again
if they are the same; anything else is refused and flagged for the back office in
`device_audit_flags` (a break: an entry that does not hash or does not link, or that differs
from the held one; a gap: a missing seq). The good entries before the problem are kept, so the
server's head only moves forward. Entries carry no personal data by design (ids and codes, not
names or answers); details over `protocol.AUDIT_DETAILS_MAX_BYTES` are refused.
"""

from __future__ import annotations

import itertools
from typing import Annotated, Any

from fastapi import APIRouter, Body
from pydantic import BaseModel, ConfigDict, Field, StrictInt
from sqlalchemy import Connection, Engine, func, select
from starlette.concurrency import run_in_threadpool

from sync import protocol as p
from sync.server import db
from sync.server.auth import Device, Signed
from sync.server.context import Ctx
from sync.server.errors import ApiError, json_body

router = APIRouter(prefix="/v1", tags=["audit"])
MAX_ENTRIES = 1000
HEX64 = r"^[0-9a-f]{64}$"


class AuditEntryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seq: StrictInt = Field(ge=1, le=10**15)
    at: str = Field(min_length=1, max_length=64)
    actor: str = Field(min_length=1, max_length=200)
    action: str = Field(min_length=1, max_length=100)
    subject: str = Field(max_length=200)
    details: dict[str, Any]
    prev_hash: str = Field(pattern=HEX64)
    hash: str = Field(pattern=HEX64)


class AuditIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    entries: list[AuditEntryIn] = Field(min_length=1, max_length=MAX_ENTRIES)


class AuditHead(BaseModel):
    head_seq: int = Field(description="the newest entry the server holds for this device (0: none)")
    head_hash: str = Field(description="its hash (the genesis value when there is none)")


class AuditOut(AuditHead):
    stored: int = Field(description="entries new to the server in this upload")
    duplicates: int = Field(description="entries it already held, sent again")


def _head(conn: Connection, device_id: str) -> tuple[int, str]:
    seq = conn.execute(
        select(func.max(db.device_audit.c.seq)).where(db.device_audit.c.device_id == device_id)
    ).scalar()
    if seq is None:
        return 0, p.AUDIT_GENESIS
    held = conn.execute(
        select(db.device_audit.c.hash)
        .where(db.device_audit.c.device_id == device_id)
        .where(db.device_audit.c.seq == seq)
    ).scalar()
    return int(seq), str(held)


def head(engine: Engine, device: Device) -> dict[str, Any]:
    with db.reading(engine) as conn:
        seq, h = _head(conn, device.id)
    return {"head_seq": seq, "head_hash": h}


def _check_batch(entries: list[dict[str, Any]]) -> list[str]:
    """Canonical details per entry; 422 for an unordered batch or oversized details."""
    seqs = [e["seq"] for e in entries]
    if any(b <= a for a, b in itertools.pairwise(seqs)):
        raise ApiError(422, "audit_batch_unordered", "Entries must be in increasing seq order.")
    out = []
    for e in entries:
        text = p.canonical_text(e["details"])
        if len(text.encode("utf-8")) > p.AUDIT_DETAILS_MAX_BYTES:
            raise ApiError(
                422,
                "audit_details_too_large",
                f"Entry {e['seq']}: details are over {p.AUDIT_DETAILS_MAX_BYTES} bytes; audit "
                "details carry ids and codes, never personal data.",
                seq=e["seq"],
            )
        out.append(text)
    return out


def _problem(kind: str, entry: dict[str, Any], head: tuple[int, str], why: str) -> ApiError:
    code = p.ERR_AUDIT_GAP if kind == "gap" else p.ERR_AUDIT_CHAIN_BROKEN
    extra: dict[str, Any] = {"seq": entry["seq"], "head_seq": head[0], "head_hash": head[1]}
    if kind == "gap":
        extra["expected_seq"] = head[0] + 1
    return ApiError(409, code, f"Audit entry {entry['seq']}: {why}", kind=kind, **extra)


def upload(engine: Engine, device: Device, entries: list[dict[str, Any]]) -> dict[str, Any]:
    details = _check_batch(entries)
    stored = duplicates = 0
    problem: ApiError | None = None
    with engine.begin() as conn:
        # one upload per device at a time (PostgreSQL; SQLite's writers are serialised anyway)
        conn.execute(select(db.devices.c.id).where(db.devices.c.id == device.id).with_for_update())
        head_seq, head_hash = _head(conn, device.id)
        held = {
            r.seq: r.hash
            for r in conn.execute(
                select(db.device_audit.c.seq, db.device_audit.c.hash)
                .where(db.device_audit.c.device_id == device.id)
                .where(db.device_audit.c.seq >= entries[0]["seq"])
                .where(db.device_audit.c.seq <= min(entries[-1]["seq"], head_seq))
            )
        }
        now = db.now()
        for e, text in zip(entries, details, strict=True):
            computed = p.audit_entry_hash(
                e["prev_hash"], e["seq"], e["at"], e["actor"], e["action"], e["subject"], text
            )
            if e["seq"] <= head_seq:
                if held.get(e["seq"]) == e["hash"] == computed:
                    duplicates += 1
                    continue
                why = "differs from the entry the server already holds"
                problem = _problem("chain_broken", e, (head_seq, head_hash), why)
                break
            if e["seq"] != head_seq + 1:
                why = f"the server holds up to {head_seq}; the entries between are missing"
                problem = _problem("gap", e, (head_seq, head_hash), why)
                break
            if e["prev_hash"] != head_hash or computed != e["hash"]:
                why = (
                    "does not link to the previous entry"
                    if e["prev_hash"] != head_hash
                    else "its hash does not match its content"
                )
                problem = _problem("chain_broken", e, (head_seq, head_hash), why)
                break
            conn.execute(
                db.device_audit.insert().values(
                    device_id=device.id,
                    seq=e["seq"],
                    at=e["at"],
                    actor=e["actor"],
                    action=e["action"],
                    subject=e["subject"],
                    details=text,
                    prev_hash=e["prev_hash"],
                    hash=e["hash"],
                    received_at=now,
                )
            )
            head_seq, head_hash = e["seq"], e["hash"]
            stored += 1
    if problem is not None:  # the good entries before it are committed; now flag it
        problem.extra.update(head_seq=head_seq, head_hash=head_hash, stored=stored)
        bad = next(e for e in entries if e["seq"] == problem.extra["seq"])
        _flag(engine, device, problem, bad)
        raise problem
    out = {"head_seq": head_seq, "head_hash": head_hash}
    return {**out, "stored": stored, "duplicates": duplicates}


def _flag(engine: Engine, device: Device, problem: ApiError, entry: dict[str, Any]) -> None:
    """One open flag per (device, kind, seq): a kiosk retrying the same upload counts up."""
    kind = str(problem.extra["kind"])
    detail = p.canonical_text(
        {
            "reason": problem.message,
            "head_seq": problem.extra["head_seq"],
            "head_hash": problem.extra["head_hash"],
            "prev_hash": entry["prev_hash"],
            "hash": entry["hash"],
        }
    )
    flags = db.device_audit_flags
    with engine.begin() as conn:
        now = db.now()
        open_flag = conn.execute(
            select(flags.c.id)
            .where(flags.c.device_id == device.id)
            .where(flags.c.kind == kind)
            .where(flags.c.seq == entry["seq"])
            .where(flags.c.resolved_at.is_(None))
        ).scalar()
        if open_flag is not None:
            conn.execute(
                flags.update()
                .where(flags.c.id == open_flag)
                .values(count=flags.c.count + 1, last_at=now, detail=detail)
            )
            return
        conn.execute(
            flags.insert().values(
                device_id=device.id,
                commune_code=device.commune_code,
                kind=kind,
                seq=entry["seq"],
                detail=detail,
                first_at=now,
                last_at=now,
                count=1,
            )
        )


def open_flags(engine: Engine) -> list[Any]:
    """Unresolved breaks and gaps, oldest first (`sala-server audit-flags`)."""
    flags = db.device_audit_flags
    with db.reading(engine) as conn:
        return list(
            conn.execute(
                select(flags).where(flags.c.resolved_at.is_(None)).order_by(flags.c.first_at)
            ).all()
        )


@router.post("/audit", response_model=AuditOut, summary="upload audit entries (append-only)")
async def post_audit(ctx: Ctx, req: Signed, body: Annotated[AuditIn, Body()]) -> dict[str, Any]:
    doc = json_body(req.body)  # NaN, Infinity, lone surrogates: 400 bad_json
    del body  # validated shape; the raw details are what the kiosk hashed
    return await run_in_threadpool(upload, ctx.engine, req.device, doc["entries"])


@router.get("/audit/head", response_model=AuditHead, summary="where this device's audit stands")
async def get_audit_head(ctx: Ctx, req: Signed) -> dict[str, Any]:
    return await run_in_threadpool(head, ctx.engine, req.device)
