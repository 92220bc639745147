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
are correlated EXISTS over them (`clause`). Which applications carry a flag is kept in
`console_flags` (and counted per queue in `flag_counts`), so a queue filtered on a flag reads an
index at a million applications: `mark` re-evaluates `clause` for the applications a change can
touch, in the change's transaction (new keys and their phone / photo / near-photo mates, new
near pairs, a kiosk crossing the override share), and `refresh` marks those with a clerk's
photo override received since its last look, before a page reads (page_look.py: a batch
of photo hashes, the kiosks' override counts every few minutes, the clerks' overrides; the
page's own `refresh_keys` queues new photos, hashed from the next view on).

`console_flags` also keeps "supplement arrived" (`SUPPLEMENT`, tables/flags.py), the work
queue's rule rather than a second-look flag: not in `FLAGS` (no filter, no badge), set by
`queue_counts.after` in every writer's transaction and backfilled once by `ensure`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
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
    literal,
    or_,
    select,
    text,
)
from sqlalchemy.exc import IntegrityError

from sync.server import db
from sync.server.console import photo_hash, scope
from sync.server.tables import queue_counts
from sync.server.tables.clerk import clerk_events, registration_versions
from sync.server.tables.console_more import console_keys
from sync.server.tables.flags import (
    SUPPLEMENT as SUPPLEMENT,  # re-exported: the "supplement arrived" queue's kept row
)
from sync.server.tables.flags import (
    console_flags,
    flag_counts,
    kiosk_override_stats,
    photo_near,
    supplement_arrived,
)

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
MARK_CHUNK = 500
FLAGS_READY = "console.flag_counts"
SUPPLEMENT_READY = "console.flag_supplement"  # a database's "supplement arrived" rows were made
CLERK_SEEN = "console.flag_clerk_at"
_flags_ready: set[str] = set()  # engine URLs whose flags this process has seen backfilled
_recounting = threading.Lock()  # one override recount at a time per process
CLERK_MARGIN_S = 600.0  # a clerk event's commit can end after a later one's: looked at again


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
    if not _recounting.acquire(blocking=False):  # another page of this process recounts now
        return False
    try:
        return _recount_override_stats(engine, now, rule)
    finally:
        _recounting.release()


def _recount_override_stats(engine: Engine, now: float, rule: dict[str, Any]) -> bool:
    regs = db.registrations
    overridden = case((or_(console_keys.c.overrides > 0, _clerk_override()), 1), else_=0)
    try:
        with engine.begin() as conn:
            was = set(
                conn.execute(
                    select(kiosk_override_stats.c.device_id).where(
                        kiosk_override_stats.c.flagged == 1
                    )
                ).scalars()
            )
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
            now_flagged = {v["device_id"] for v in values if v["flagged"]}
            changed = sorted(was ^ now_flagged)
            if changed:  # their applications gain or lose `kiosk_overrides`
                mark(
                    conn,
                    conn.execute(select(regs.c.id).where(regs.c.device_id.in_(changed))).scalars(),
                )
            db.set_setting(conn, STATS_AT, repr(now))
    except IntegrityError:  # another server process recounted at the same moment
        return False
    return True


def mark_clerk_overrides(engine: Engine) -> None:
    """Mark the applications a clerk's photo override was received for since the last look
    (less `CLERK_MARGIN_S`), for the `override` flag: an indexed read of a few events."""
    started = db.now()
    with db.reading(engine) as conn:
        try:
            since = float(db.get_setting(conn, CLERK_SEEN) or 0)
        except ValueError:
            since = 0.0
        ids = list(
            conn.execute(
                select(clerk_events.c.registration_id)
                .where(
                    clerk_events.c.kind == "photo_override",
                    clerk_events.c.received_at >= since - CLERK_MARGIN_S,
                )
                .distinct()
            ).scalars()
        )
        have = (
            set(
                conn.execute(
                    select(console_flags.c.registration_id).where(
                        console_flags.c.flag == "override", console_flags.c.registration_id.in_(ids)
                    )
                ).scalars()
            )
            if ids
            else set()
        )
    todo = [i for i in ids if i not in have]
    if not todo and 0 <= started - since < CLERK_MARGIN_S:
        return
    try:
        with engine.begin() as conn:
            mark(conn, todo)
            db.set_setting(conn, CLERK_SEEN, repr(started))
    except IntegrityError:  # another server process wrote the same setting at once
        pass


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
        mark(conn, [*(k["registration_id"] for k in keys), *mates(conn, keys)])
    return len(rows)


def mates(conn: Connection, keys: list[dict[str, Any]]) -> set[str]:
    """Applications whose flags new keys can turn on: the same phone, the same photo, or a
    photo already found near one of theirs."""
    phones = sorted({k["phone"] for k in keys if k["phone"]})
    photos = sorted({k["photo"] for k in keys if k["photo"]})
    out: set[str] = set()
    for column, values in ((console_keys.c.phone, phones), (console_keys.c.photo, photos)):
        for i in range(0, len(values), MARK_CHUNK):
            part = values[i : i + MARK_CHUNK]
            out.update(
                conn.execute(
                    select(console_keys.c.registration_id).where(column.in_(part))
                ).scalars()
            )
    for i in range(0, len(photos), MARK_CHUNK):
        near = select(photo_near.c.other).where(photo_near.c.sha256.in_(photos[i : i + MARK_CHUNK]))
        out.update(
            conn.execute(
                select(console_keys.c.registration_id).where(console_keys.c.photo.in_(near))
            ).scalars()
        )
    return out


def of_photos(conn: Connection, shas: list[str]) -> list[str]:
    """The applications with one of these face photos (to mark when a near pair is found)."""
    return list(
        conn.execute(
            select(console_keys.c.registration_id).where(console_keys.c.photo.in_(shas))
        ).scalars()
    )


def mark(conn: Connection, reg_ids: Iterable[str]) -> None:
    """Set `console_flags` of these applications to what `clause` says now, and move their
    flag counts with them (`queue_counts.before`/`after`), in the caller's transaction. The
    registrations are locked first, in id order, so a decision on one waits (or is waited for)
    and the counts it reads are the ones it changes."""
    ids = sorted(set(reg_ids))
    regs = db.registrations
    for i in range(0, len(ids), MARK_CHUNK):
        part = ids[i : i + MARK_CHUNK]
        if conn.dialect.name == "postgresql":
            conn.execute(
                select(regs.c.id).where(regs.c.id.in_(part)).order_by(regs.c.id).with_for_update()
            )
        seen = queue_counts.before(conn, part)
        conn.execute(
            console_flags.delete().where(
                console_flags.c.registration_id.in_(part), console_flags.c.flag.in_(FLAGS)
            )
        )
        rows = [
            {"flag": flag, "registration_id": reg_id}
            for flag in FLAGS
            for reg_id in conn.execute(
                select(console_keys.c.registration_id).where(
                    console_keys.c.registration_id.in_(part), clause(flag)
                )
            ).scalars()
        ]
        db.insert_ignore(conn, console_flags, rows)
        queue_counts.after(conn, part, seen)


def ensure(engine: Engine) -> None:
    """Once per database (the setting remembers it): every application's flags from `clause`
    and "supplement arrived" rows, and their counts, for keys derived before `console_flags`
    existed or seeded directly; a database whose flags were made before "supplement arrived"
    was kept gets those rows alone, once (`SUPPLEMENT_READY`). PostgreSQL locks both tables
    first, so a concurrent `mark` waits and then adds its own."""
    if engine.url.render_as_string() in _flags_ready:
        return
    queue_counts.ensure(engine)  # the facts' copied status first: the flags copy it in turn
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("LOCK TABLE console_flags, flag_counts IN EXCLUSIVE MODE"))
        if db.get_setting(conn, FLAGS_READY) != "done":
            conn.execute(console_flags.delete())
            for flag in FLAGS:
                conn.execute(
                    console_flags.insert().from_select(
                        ["flag", "registration_id"],
                        select(literal(flag), console_keys.c.registration_id).where(clause(flag)),
                    )
                )
            regs = db.registrations
            conn.execute(
                console_flags.insert().from_select(
                    ["flag", "registration_id"],
                    select(literal(SUPPLEMENT), regs.c.id).where(supplement_arrived(regs)),
                )
            )
            queue_counts.copy_to_flags(conn, console_flags.c.flag.in_((*FLAGS, SUPPLEMENT)))
            conn.execute(flag_counts.delete())
            conn.execute(
                flag_counts.insert().from_select(
                    [*queue_counts.FLAG_KEYS, "n"], queue_counts._grouped(conn, None, True)
                )
            )
            db.set_setting(conn, FLAGS_READY, "done")
            db.set_setting(conn, SUPPLEMENT_READY, "done")
        elif db.get_setting(conn, SUPPLEMENT_READY) != "done":
            _backfill_supplements(conn)
            db.set_setting(conn, SUPPLEMENT_READY, "done")
    _flags_ready.add(engine.url.render_as_string())


def _backfill_supplements(conn: Connection) -> None:
    """The "supplement arrived" rows of a database whose flags were made before they were
    kept: the applications with a supplement since their last status change (read from the
    few supplements), moved through `queue_counts.before`/`after`, which sets the rows and
    adds their flag counts and the page's narrow rows."""
    regs, v = db.registrations, registration_versions
    ids = sorted(
        conn.execute(
            select(v.c.registration_id)
            .join(regs, regs.c.id == v.c.registration_id)
            .where(v.c.received_at >= regs.c.status_at)
            .distinct()
        ).scalars()
    )
    for i in range(0, len(ids), MARK_CHUNK):
        part = ids[i : i + MARK_CHUNK]
        queue_counts.after(conn, part, queue_counts.before(conn, part))


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
    """The flags of each of these registrations (a page of a queue, or one application), from
    the kept flags (equal to `clause`, see `mark`): one indexed read."""
    if not reg_ids:
        return {}
    out: dict[str, list[str]] = {r: [] for r in reg_ids}
    found = conn.execute(
        select(console_flags.c.registration_id, console_flags.c.flag).where(
            console_flags.c.registration_id.in_(reg_ids), console_flags.c.flag.in_(FLAGS)
        )
    ).all()
    for reg_id, flag in sorted(found, key=lambda rf: FLAGS.index(rf[1]) if rf[1] in FLAGS else 99):
        out[reg_id].append(flag)
    return out


def listed(reg_id: ColumnElement[str]) -> ColumnElement[str | None]:
    """`of` for the application `reg_id` as a column of a page's own statement (one string:
    `parse` it), so a queue page does not read its rows' flags in a second round trip."""
    cf = console_flags
    return (
        select(func.aggregate_strings(cf.c.flag, ","))
        .where(cf.c.registration_id == reg_id, cf.c.flag.in_(FLAGS))
        .scalar_subquery()
    )


def parse(listed: str | None) -> list[str]:
    """The flags in a `listed` column, in `FLAGS` order as `of` gives them."""
    found = set((listed or "").split(","))
    return [flag for flag in FLAGS if flag in found]


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
