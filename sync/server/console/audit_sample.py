"""The random audit sample: a stated share of each commune's decided applications goes to a
supervisor's second review.

Selection is deterministic and unpredictable: an application is in the sample when
HMAC-SHA256(server secret, registration id), read as a fraction of 2^64, is below its commune's
share (`SHARE`, or the `console.audit_share` setting, e.g. `{"share": 0.02, "communes":
{"120101": 0.1}}`). The secret (`console.audit_secret`) is made once on the server and never
shown, so nobody can tell in advance which applications will be drawn; and an application
enters `audit_samples` only once it is decided (approved or rejected, read from the status
history after a cursor), so an officer deciding it cannot see that it was drawn. Re-deciding
never redraws: the draw depends on the id alone.

A supervisor of the ministry and jurisdiction records "agree", or "disagree" with a note; the
review is audited (`console_second_review`) and cannot be changed afterwards, nor made by the
person who took the decision.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import IntegrityError

from sync import protocol as p
from sync.server import db, officers
from sync.server.console import queue, scope
from sync.server.console.accounts import Account
from sync.server.console.application import Refused, _get
from sync.server.tables.flags import audit_samples

S = p.ServerStatus
SHARE = 0.02
DECISIONS = (S.APPROVED.value, S.REJECTED.value)
VERDICTS = ("agree", "disagree")
SECRET = "console.audit_secret"
CURSOR = "console.audit_cursor"
BATCH = 5000
NOTE_MAX = 1000
LIST_MAX = 200


@dataclass(frozen=True)
class Rule:
    share: float
    communes: dict[str, float]

    def share_for(self, commune: str) -> float:
        return self.communes.get(commune, self.share)


def _fraction(value: Any) -> float | None:
    try:
        share = float(value)
    except (TypeError, ValueError):
        return None
    return share if 0 <= share <= 1 else None


def rule(conn: Connection) -> Rule:
    """The sample's shares: the setting where well formed (a bad entry is dropped), else SHARE."""
    try:
        value = json.loads(db.get_setting(conn, "console.audit_share") or "null")
    except ValueError:
        value = None
    if isinstance(value, dict):
        share = _fraction(value.get("share", SHARE))
        raw = value.get("communes")
        communes = {
            str(c): f
            for c, v in (raw.items() if isinstance(raw, dict) else [])
            if (f := _fraction(v)) is not None
        }
        return Rule(SHARE if share is None else share, communes)
    single = _fraction(value)
    return Rule(SHARE if single is None else single, {})


def secret(engine: Engine) -> bytes:
    """The server's sampling secret, made on first use. Two processes starting at once: the
    first one stored wins (insert-if-absent, never an upsert), and both read back the one
    stored, so no application is drawn under a secret that is then replaced."""
    with db.reading(engine) as conn:
        found = db.get_setting(conn, SECRET)
    if found is None:
        with engine.begin() as conn:
            made = {"key": SECRET, "value": secrets.token_hex(32)}
            db.insert_ignore(conn, db.settings, [made])
            found = db.get_setting(conn, SECRET)
    return bytes.fromhex(str(found))


def draw(key: bytes, reg_id: str) -> float:
    """The application's place in [0, 1): in the sample when below its commune's share."""
    digest = hmac.new(key, reg_id.encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def refresh(engine: Engine) -> int:
    """Draw the applications decided since the cursor; returns how many joined the sample."""
    key = secret(engine)
    hist, regs = db.status_history, db.registrations
    try:
        with engine.begin() as conn:
            cursor = int(db.get_setting(conn, CURSOR) or 0)
            shares = rule(conn)
            rows = conn.execute(
                select(
                    hist.c.id,
                    hist.c.registration_id,
                    hist.c.status,
                    hist.c.actor,
                    hist.c.at,
                    regs.c.commune_code,
                )
                .join(regs, regs.c.id == hist.c.registration_id)
                .where(hist.c.id > cursor, hist.c.status.in_(DECISIONS))
                .order_by(hist.c.id)
                .limit(BATCH)
            ).all()
            if not rows:
                return 0
            drawn: dict[str, dict[str, Any]] = {}
            for r in rows:
                if r.registration_id in drawn:
                    continue
                if draw(key, r.registration_id) < shares.share_for(r.commune_code):
                    drawn[r.registration_id] = {
                        "registration_id": r.registration_id,
                        "commune_code": r.commune_code,
                        "decided_status": r.status,
                        "decided_by": r.actor,
                        "decided_at": r.at,
                        "note": "",
                    }
            known = set(
                conn.execute(
                    select(audit_samples.c.registration_id).where(
                        audit_samples.c.registration_id.in_(list(drawn))
                    )
                ).scalars()
            )
            new = [v for k, v in drawn.items() if k not in known]
            if new:
                conn.execute(audit_samples.insert(), new)
            db.set_setting(conn, CURSOR, str(rows[-1].id))
    except IntegrityError:  # another server process drew the same rows; it wrote them
        return 0
    return len(new)


def listing(engine: Engine, account: Account) -> dict[str, list[Any]]:
    """The supervisor's second-review queue (waiting, oldest decision first) and the latest
    reviews, within their ministry and jurisdiction."""
    if account.role != "supervisor":
        raise Refused(403, "supervisors_only")
    refresh(engine)
    regs, facts, a = db.registrations, db.console_facts, audit_samples
    with engine.begin() as conn:
        queue.refresh(conn)  # facts of new registrations only (a full fill scans all)
    cols = (
        a,
        regs.c.app_number,
        regs.c.service_id,
        regs.c.status,
    )
    base = (
        select(*cols)
        .join(regs, regs.c.id == a.c.registration_id)
        .join(facts, facts.c.registration_id == a.c.registration_id)
        .where(scope.visible(account))
    )
    with db.reading(engine) as conn:
        waiting = conn.execute(
            base.where(a.c.verdict.is_(None)).order_by(a.c.decided_at).limit(LIST_MAX)
        ).all()
        done = conn.execute(
            base.where(a.c.verdict.is_not(None)).order_by(a.c.reviewed_at.desc()).limit(50)
        ).all()
    return {"waiting": list(waiting), "done": list(done)}


def review(engine: Engine, account: Account, reg_id: str, verdict: str, note: str) -> None:
    """Record a supervisor's second review; Refused (audited, nothing changed) otherwise."""
    officer = account.as_token_officer()
    note = " ".join(note.split())[:NOTE_MAX]
    try:
        if account.role != "supervisor":
            raise Refused(403, "supervisors_only")
        if verdict not in VERDICTS:
            raise Refused(422, "sr_pick_verdict")
        if verdict == "disagree" and not note:
            raise Refused(422, "sr_note_required")
        with engine.begin() as conn:
            _get(conn, account, reg_id)  # 404 / 403 outside the ministry or jurisdiction
            row = conn.execute(
                select(audit_samples).where(audit_samples.c.registration_id == reg_id)
            ).first()
            if row is None:
                raise Refused(404, "sr_not_sampled")
            if row.decided_by == f"officer:{officer.label}":
                raise Refused(403, "sr_own_decision")
            changed = conn.execute(
                audit_samples.update()
                .where(audit_samples.c.registration_id == reg_id, audit_samples.c.verdict.is_(None))
                .values(verdict=verdict, note=note, reviewer=account.label, reviewed_at=db.now())
            ).rowcount
            if changed != 1:
                raise Refused(409, "sr_already_reviewed")
            officers.record(
                conn, officer, "console_second_review", reg_id, "ok", detail=f"{verdict}: {note}"
            )
    except Refused as exc:
        with engine.begin() as conn:
            officers.record(conn, officer, "console_second_review", reg_id, f"refused:{exc.code}")
        raise
