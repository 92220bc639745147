"""Flags for a second look, computed on the server from what kiosks committed.

- `same_phone`: the phone answered here is on an application of a different person (name and
  date of birth differ): a broker filing for several clients with their own number.
- `same_photo`: the same face photo file (SHA-256, exact) on an application of a different
  person.
- `similar_photo`: a near-duplicate face photo (the same picture re-encoded, resized or
  brightened: perceptual hash within `photo_hash.THRESHOLD` bits) on an application of a
  different person.
- `outside_hours`: submitted at the kiosk outside the hall's hours (`HOURS`, Cambodia time;
  the `console.hall_hours` setting changes them, e.g. `{"days": [0,1,2,3,4,5], "open": "07:00",
  "close": "17:00"}`, days Monday = 0).
- `override`: a clerk accepted a photo that failed a capture check (in the body's attachment
  checks, or a `photo_override` counter event).
- `kiosk_overrides`: the application's kiosk overrode photo checks on more than a share of its
  applications over the last days (`OVERRIDE_SHARE`; the `console.override_share` setting
  changes it, e.g. `{"days": 30, "share": 0.25, "min": 20}`); per-kiosk counts are
  recomputed at most every `STATS_EVERY_S` (`refresh_override_stats`).

Per-application keys (`console_keys`) are derived once per body; the cross-application flags
are correlated EXISTS over them, so a queue can filter on a flag in SQL.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    and_,
    case,
    exists,
    false,
    func,
    or_,
    select,
)
from sqlalchemy.exc import IntegrityError

from sync.server import db
from sync.server.console import photo_hash, scope
from sync.server.media import MediaStore
from sync.server.tables.console_more import console_keys
from sync.server.tables.flags import kiosk_override_stats, photo_near

FLAGS = (
    "same_phone",
    "same_photo",
    "similar_photo",
    "outside_hours",
    "override",
    "kiosk_overrides",
)
HOURS: dict[str, Any] = {"days": [0, 1, 2, 3, 4], "open": "07:00", "close": "17:00"}
OVERRIDE_SHARE: dict[str, Any] = {"days": 30, "share": 0.25, "min": 20}
STATS_EVERY_S = 600.0
STATS_AT = "console.override_stats_at"
BATCH = 2000


def hours(conn: Connection) -> dict[str, Any]:
    """The hall's opening hours: the setting if it is well formed, else `HOURS`."""
    try:
        value = json.loads(db.get_setting(conn, "console.hall_hours") or "null")
        if isinstance(value, dict) and {"days", "open", "close"} <= set(value):
            return value
    except ValueError:
        pass
    return HOURS


def override_share(conn: Connection) -> dict[str, Any]:
    """The kiosk-override rule: the setting if well formed, else `OVERRIDE_SHARE`."""
    try:
        value = json.loads(db.get_setting(conn, "console.override_share") or "null")
    except ValueError:
        value = None
    if not isinstance(value, dict):
        return OVERRIDE_SHARE
    try:
        days, share, least = float(value["days"]), float(value["share"]), int(value["min"])
    except (KeyError, TypeError, ValueError):
        return OVERRIDE_SHARE
    if days <= 0 or not 0 <= share <= 1 or least < 1:
        return OVERRIDE_SHARE
    return {"days": days, "share": share, "min": least}


def refresh_override_stats(engine: Engine, force: bool = False) -> bool:
    """Recount each kiosk's applications and photo overrides over the rule's last days, at
    most every STATS_EVERY_S (one GROUP BY over those days' applications); True if it ran."""
    now = db.now()
    with db.reading(engine) as conn:
        try:
            last = float(db.get_setting(conn, STATS_AT) or 0)
        except ValueError:
            last = 0.0
        rule = override_share(conn)
    if not force and 0 <= now - last < STATS_EVERY_S:
        return False
    regs = db.registrations
    overridden = case((or_(console_keys.c.overrides > 0, _clerk_override()), 1), else_=0)
    try:
        with engine.begin() as conn:
            rows = conn.execute(
                select(regs.c.device_id, func.count(), func.sum(overridden))
                .join(console_keys, console_keys.c.registration_id == regs.c.id)
                .where(regs.c.received_at >= now - rule["days"] * scope.DAY)
                .group_by(regs.c.device_id)
            ).all()
            conn.execute(kiosk_override_stats.delete())
            values = [
                {
                    "device_id": device,
                    "applications": int(n),
                    "overrides": int(o or 0),
                    "flagged": int(n >= rule["min"] and int(o or 0) > rule["share"] * n),
                    "computed_at": now,
                }
                for device, n, o in rows
                if device
            ]
            if values:
                conn.execute(kiosk_override_stats.insert(), values)
            db.set_setting(conn, STATS_AT, repr(now))
    except IntegrityError:  # another server process recounted at the same moment
        return False
    return True


def refresh(engine: Engine, store: MediaStore) -> None:
    """What a page needs before it reads flags: a batch of photo hashes (near duplicates) and
    the kiosks' override counts (every few minutes). The page's own `refresh_keys` (queue.load,
    application.load) queues new photos, hashed from the next view on."""
    photo_hash.refresh(engine, store)
    refresh_override_stats(engine)


def outside(ts: float, rule: dict[str, Any]) -> bool:
    at = datetime.fromtimestamp(ts, scope.ICT)
    hhmm = at.strftime("%H:%M")
    return at.weekday() not in rule["days"] or not (rule["open"] <= hhmm < rule["close"])


def phone_key(value: Any) -> str | None:
    """Digits only, +855/855 written as the national 0; None if too short to mean a phone."""
    if not isinstance(value, str | int):
        return None
    digits = "".join(c for c in str(value) if c.isascii() and c.isdigit())
    if digits.startswith("855"):
        digits = "0" + digits[3:]
    elif digits and not digits.startswith("0"):
        digits = "0" + digits
    return digits[:20] if len(digits) >= 8 else None


def _norm(value: Any) -> str:
    return " ".join(str(value).split()).lower() if isinstance(value, str) else ""


def keys_of(reg_id: str, body: str, rule: dict[str, Any], fallback: float) -> dict[str, Any]:
    try:
        doc = json.loads(body)
    except ValueError:
        doc = {}
    answers = doc.get("answers") if isinstance(doc.get("answers"), dict) else {}
    latin, khmer = _norm(answers.get("name_latin")), _norm(answers.get("name_km"))
    name = latin or khmer
    person = f"{name}|{answers.get('date_of_birth', '')}" if name else f"?{reg_id}"
    atts = [a for a in doc.get("attachments", []) if isinstance(a, dict)]
    photo = next((str(a.get("sha256")) for a in atts if a.get("kind") == "photo"), None)
    overrides = sum(
        1 for a in atts if isinstance(a.get("checks"), dict) and a["checks"].get("override")
    )
    submitted = scope.submitted_at(body, fallback)
    return {
        "registration_id": reg_id,
        "phone": phone_key(answers.get("phone")),
        "person": person[:300],
        "photo": photo[:64] if photo else None,
        "names": " ".join(x for x in (khmer, latin) if x)[:2000],
        "outside_hours": int(outside(submitted, rule)),
        "overrides": overrides,
        "computed_at": db.now(),
    }


def refresh_keys(conn: Connection) -> int:
    """Derive keys for registrations that have none yet; returns how many were added."""
    regs = db.registrations
    rows = conn.execute(
        select(regs.c.id, regs.c.body, regs.c.received_at)
        .outerjoin(console_keys, console_keys.c.registration_id == regs.c.id)
        .where(console_keys.c.registration_id.is_(None))
        .limit(BATCH)
    ).all()
    if rows:
        rule = hours(conn)
        keys = [keys_of(r.id, r.body, rule, r.received_at) for r in rows]
        conn.execute(console_keys.insert(), keys)
        photo_hash.enqueue(conn, [k["photo"] for k in keys])
    return len(rows)


def _clerk_override() -> ColumnElement[bool]:
    events = db.metadata.tables.get("clerk_events")  # the clerk station's table, if present
    if events is None:
        return false()
    return exists().where(
        events.c.registration_id == console_keys.c.registration_id,
        events.c.kind == "photo_override",
    )


def clause(flag: str) -> ColumnElement[bool]:
    """SQL for one flag over `console_keys` (joined to the query's registrations)."""
    k, other = console_keys, console_keys.alias("other_keys")
    if flag == "same_phone":
        return exists().where(
            and_(other.c.phone == k.c.phone, other.c.person != k.c.person, k.c.phone.is_not(None))
        )
    if flag == "same_photo":
        return exists().where(
            and_(other.c.photo == k.c.photo, other.c.person != k.c.person, k.c.photo.is_not(None))
        )
    if flag == "similar_photo":
        near = photo_near
        return exists().where(
            and_(
                near.c.sha256 == k.c.photo,
                other.c.photo == near.c.other,
                other.c.person != k.c.person,
            )
        )
    if flag == "kiosk_overrides":
        regs, stats = db.registrations.alias("flag_regs"), kiosk_override_stats
        return exists().where(
            and_(
                regs.c.id == k.c.registration_id,
                stats.c.device_id == regs.c.device_id,
                stats.c.flagged == 1,
            )
        )
    if flag == "outside_hours":
        return k.c.outside_hours == 1
    if flag == "override":
        return or_(k.c.overrides > 0, _clerk_override())
    return false()


def of(conn: Connection, reg_ids: list[str]) -> dict[str, list[str]]:
    """The flags of each of these registrations (a page of a queue, or one application)."""
    if not reg_ids:
        return {}
    out: dict[str, list[str]] = {r: [] for r in reg_ids}
    for flag in FLAGS:
        found = conn.execute(
            select(console_keys.c.registration_id).where(
                console_keys.c.registration_id.in_(reg_ids), clause(flag)
            )
        ).scalars()
        for reg_id in found:
            out[reg_id].append(flag)
    return out


def search(q: str) -> ColumnElement[bool]:
    """Applications whose name contains `q`, or whose phone is `q` (any way it is written)."""
    clauses: list[ColumnElement[bool]] = []
    phone = phone_key(q) if all(c.isdigit() or c in "+ -" for c in q) else None
    if phone:
        clauses.append(console_keys.c.phone == phone)
    text = _norm(q)
    if any(c.isalpha() for c in text) and len(text) >= 2:
        clauses.append(console_keys.c.names.contains(text, autoescape=True))
    return or_(*clauses) if clauses else false()
