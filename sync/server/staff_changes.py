"""`POST /v1/staff-changes`: what a kiosk's supervisor did to the roster, reported to the server.

A batch is applied in order in one transaction: all of it or none, so a refusal names the
change (`index`, `id`) and the kiosk can set that one aside and send the rest. Each change id
is idempotent: the same id with the same content answers its original result, other content is
a 409. A kiosk acts only on its own commune's staff, and the acting staff member (`by`) must be
allowed to: a supervisor for anyone of the commune, a clerk only for their own PIN or unlock;
`technician` (the field kit's first supervisor, before the kiosk knew any staff) only adds.
The server decides races: a change to an account the ministry disabled meanwhile is refused.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, Engine, select
from starlette.concurrency import run_in_threadpool

from sync import protocol as p
from sync.server import db, officers, staff
from sync.server.auth import Device, Signed
from sync.server.context import Ctx
from sync.server.errors import ApiError, json_body

router = APIRouter(prefix="/v1", tags=["staff"])
# Lower-case canonical UUIDs only: ids go back out in the roster, and kiosks compare them as text.
UUID_LOWER = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
TECHNICIAN = "technician"
MAX_CHANGES = 100
_NULLABLE_VERIFIERS = ("pin_verifier", "first_code_verifier")


class StaffChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=UUID_LOWER, description="change UUID, the idempotency key")
    staff_id: str = Field(pattern=UUID_LOWER)
    action: Literal["add", "disable", "reset_pin", "unlock"]
    by: str = Field(
        max_length=36,
        pattern=f"^(?:{UUID_LOWER[1:-1]}|{TECHNICIAN})$",
        description="the acting staff id, or `technician` (add only)",
    )
    at: str = Field(min_length=1, max_length=40, description="RFC 3339, the kiosk's clock")
    detail: dict[str, Any] = Field(default_factory=dict, description="per action, see PROTOCOL")


class StaffChangesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    changes: list[StaffChangeIn] = Field(min_length=1, max_length=MAX_CHANGES)


class ChangeResult(BaseModel):
    id: str
    staff_id: str
    action: str
    version: int = Field(description="the roster row's version after this change")
    seq: int | None = Field(description="its feed entry, or null when the roster did not change")


class StaffChangesOut(BaseModel):
    results: list[ChangeResult]


def _name(detail: dict[str, Any]) -> tuple[str, str]:
    name = detail.get("name")
    if not isinstance(name, dict) or set(name) != {"km", "en"}:
        raise ValueError('add needs "name": {"km": …, "en": …}')
    out = []
    for lang in ("km", "en"):
        try:
            out.append(p.clean_staff_name(name[lang]))
        except ValueError as exc:
            raise ValueError(f"name.{lang}: {exc}") from exc
    return out[0], out[1]


def _verifiers(detail: dict[str, Any], absent_is_null: bool) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for key in _NULLABLE_VERIFIERS:
        if key not in detail:
            if absent_is_null:
                out[key] = None
            continue
        value = detail[key]
        if value is not None:
            try:
                p.check_staff_verifier(value)
            except ValueError as exc:
                raise ValueError(f"{key}: {exc}") from exc
        out[key] = value
    return out


def check_detail(action: str, detail: dict[str, Any]) -> dict[str, Any]:
    """The roster values a change's detail asks for; ValueError (a sentence) if malformed."""
    allowed = {
        "add": {"name", "role", *_NULLABLE_VERIFIERS},
        "disable": {"reason"},
        "reset_pin": set(_NULLABLE_VERIFIERS),
        "unlock": {"how"},
    }[action]
    extra = sorted(set(detail) - allowed)
    if extra:
        raise ValueError(f"{action} does not take {', '.join(extra)}")
    if action == "add":
        km, en = _name(detail)
        if detail.get("role") not in ("clerk", "supervisor"):
            raise ValueError('a kiosk adds a "role" of clerk or supervisor only')
        return {"name_km": km, "name_en": en, "role": detail["role"], **_verifiers(detail, False)}
    if action == "disable":
        reason = detail.get("reason", "")
        if not (isinstance(reason, str) and len(reason) <= 40 and reason.isascii()):
            raise ValueError("reason must be a short ASCII code")
        return {}
    if action == "reset_pin":  # a key left out means null: the PIN or the code is forgotten
        values = _verifiers(detail, True)
        if not any(values.values()):
            raise ValueError("reset_pin must set pin_verifier or first_code_verifier")
        return values
    if detail.get("how") not in ("supervisor", "code"):
        raise ValueError('unlock needs "how": "supervisor" or "code"')
    return {}


def _check_actor(conn: Connection, device: Device, change: dict[str, Any]) -> None:
    by, action, target = change["by"], change["action"], change["staff_id"]
    if by == TECHNICIAN:
        if action != "add":
            raise ApiError(403, "staff_actor_not_allowed", "`technician` may only add staff.")
        return
    actor = staff.get(conn, by)
    if actor is None:
        raise ApiError(403, "staff_actor_unknown", f"Staff member {by} (`by`) is not known.")
    if actor.commune_code != device.commune_code:
        raise ApiError(403, "staff_wrong_commune", "`by` is staff of another commune.")
    if actor.status != "active":
        raise ApiError(403, "staff_actor_disabled", "`by` is a disabled account.")
    own = by == target and (
        action == "reset_pin" or (action == "unlock" and change["detail"].get("how") == "code")
    )
    if actor.role == "clerk" and not own:
        raise ApiError(
            403,
            "staff_actor_not_allowed",
            "A clerk may only change their own PIN or unlock themselves with a code.",
        )


def _apply(
    conn: Connection, device: Device, change: dict[str, Any], values: dict[str, Any]
) -> dict[str, Any]:
    """One validated change against the roster; returns its result (not yet stored)."""
    staff_id, action = change["staff_id"], change["action"]
    target = staff.get(conn, staff_id)
    if target is not None and target.commune_code != device.commune_code:
        raise ApiError(403, "staff_wrong_commune", "This staff member is of another commune.")
    _check_actor(conn, device, change)
    seq: int | None = None
    if target is None:
        if action != "add":
            raise ApiError(404, "unknown_staff", f"No staff member {staff_id}.")
        name_km, name_en, role = values.pop("name_km"), values.pop("name_en"), values.pop("role")
        version, seq = staff.insert(
            conn,
            staff_id,
            device.commune_code,
            name_km,
            name_en,
            role,
            f"device:{device.id}",
            **values,
        )
        return {"version": version, "seq": seq}
    version = int(target.version)
    if target.status != "active":
        if action != "disable":
            raise ApiError(409, "staff_disabled", "This account is disabled on the server.")
    elif action == "disable":
        values = {"status": "disabled", "first_code_verifier": None, "unlock_verifier": None}
        version, seq = staff.update(conn, staff_id, **values)
    elif action == "unlock":
        if change["detail"]["how"] == "code" and target.unlock_verifier is not None:
            version, seq = staff.update(conn, staff_id, unlock_verifier=None)  # one-time
    else:  # add (an update of the row) or reset_pin
        version, seq = staff.update(conn, staff_id, **values)
    return {"version": version, "seq": seq}


def apply_changes(engine: Engine, device: Device, changes: list[dict[str, Any]]) -> dict[str, Any]:
    """Apply a batch in one transaction; a refusal carries the failing change's index and id."""
    results: list[dict[str, Any]] = []
    try:
        with engine.begin() as conn:
            db.lock_feed(conn)  # one writer: change ids and version bumps stay in order
            for change in changes:
                results.append(_one(conn, device, change))
    except ApiError as exc:
        change = changes[len(results)]
        exc.extra.setdefault("index", len(results))
        exc.extra.setdefault("id", change.get("id"))
        with engine.begin() as conn:
            officers.record(
                conn,
                None,
                f"staff_{change.get('action')}",
                str(change.get("staff_id")),
                f"refused:{exc.code}",
                detail=exc.message,
                who=f"device:{device.id}",
            )
        raise
    return {"results": results}


def _one(conn: Connection, device: Device, change: dict[str, Any]) -> dict[str, Any]:
    content = hashlib.sha256(p.canonical_json(change)).hexdigest()
    held = conn.execute(
        select(db.staff_changes).where(db.staff_changes.c.id == change["id"])
    ).first()
    if held is not None:
        if held.content_sha256 == content and held.device_id == device.id:
            result: dict[str, Any] = json.loads(held.result)
            return result
        raise ApiError(
            409,
            "staff_change_conflict",
            "A change with this id was already received with other content; nothing changed.",
        )
    try:
        p.parse_date(change["at"])
        values = check_detail(change["action"], change["detail"])
    except ValueError as exc:
        raise ApiError(422, "staff_change_invalid", f"{exc}.") from exc
    done = _apply(conn, device, change, values)
    result = {
        "id": change["id"],
        "staff_id": change["staff_id"],
        "action": change["action"],
        **done,
    }
    conn.execute(
        db.staff_changes.insert().values(
            id=change["id"],
            device_id=device.id,
            staff_id=change["staff_id"],
            action=change["action"],
            content_sha256=content,
            body=p.canonical_text(change),
            result=p.canonical_text(result),
            received_at=db.now(),
        )
    )
    officers.record(
        conn,
        None,
        f"staff_{change['action']}",
        change["staff_id"],
        "ok",
        detail=f"by {change['by']}",
        who=f"device:{device.id}",
    )
    return result


@router.post("/staff-changes", response_model=StaffChangesOut, summary="report local staff changes")
async def post_staff_changes(
    ctx: Ctx, req: Signed, body: Annotated[StaffChangesIn, Body()]
) -> dict[str, Any]:
    doc = json_body(req.body)  # NaN, Infinity, lone surrogates: 400 bad_json
    del body  # validated shape; the raw changes are what is hashed and stored
    return await run_in_threadpool(apply_changes, ctx.engine, req.device, doc["changes"])
