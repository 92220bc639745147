"""The kiosks, for admins: every device with its commune, number, last contact, app version,
backlog, last self-test, last successful sync, clock skew and audit chain state
(fleet_columns.py); the ones silent for N days; enrolment codes with the setup QR; and revoking
a kiosk (after a confirmation page, a plain form post). An admin sees, makes codes for and
revokes only the kiosks of communes within their jurisdiction (`Account.covers`, the rule
account_admin.within applies to accounts); outside it: 403, audited, nothing changes.

Codes and revocation call the same functions as `sala server enrolment-code` and `sala
server revoke` (sync.server.auth). Version, backlog and self-test come from each kiosk's
latest report (`device_reports.latest_reports`); the last contact is the newest of that
report, its last signed request (nonces) and its last application.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

import segno
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy import Engine, func, select

from sync import protocol as p
from sync.protocol import setup_qr
from sync.server import auth, db, officers
from sync.server.console.application import Refused
from sync.server.console.fleet_ca import server_pin
from sync.server.console.fleet_columns import (
    NO_AUDIT,
    SKEW_WARN_S,
    SPAN_S,
    AuditState,
    audit_states,
    clock_skew,
    last_sync,
    measured,
    own_clock_offset,
    skew_text,
)
from sync.server.console.i18n import t
from sync.server.console.web import Current, Form, checked, ctx_of, lang_of, render
from sync.server.device_reports import NUMBER_MAX, Rollback, latest_reports

router = APIRouter(prefix="/console", include_in_schema=False)
SILENT_DAYS = 3
TTL_HOURS_MAX = 24 * 14
DEVICE_ID = re.compile(r"[0-9A-Za-z-]{1,36}")
FINGERPRINT = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Kiosk:
    device_id: str
    commune_code: str
    kiosk_number: int | None
    label: str
    revoked: bool
    last_contact: float | None
    version: str
    pending: int | None
    oldest_hours: float | None
    fail: int
    warn: int
    reported: bool
    rollback: Rollback | None = None  # the last update, rolled back (device_reports)
    last_sync: float | None = None  # the kiosk's last successful sync, as it reports it
    skew_s: float | None = None  # server receipt - the report's `at`: + kiosk behind
    audit: AuditState = NO_AUDIT  # its uploaded audit chain (fleet_columns.audit_states)
    own_clock_s: float | None = None  # the kiosk's own clock offset, learned (+ behind)

    @property
    def skew_warn(self) -> bool:
        return self.skew_s is not None and abs(self.skew_s) > SKEW_WARN_S

    @property
    def own_clock_off(self) -> bool:
        return self.own_clock_s is not None and abs(self.own_clock_s) > SKEW_WARN_S


def _value(report: dict[str, Any] | None, check: str, name: str) -> Any:
    for c in (report or {}).get("checks", []):
        if isinstance(c, dict) and c.get("id") == check:
            return (c.get("values") or {}).get(name)
    return None


def _count(value: Any) -> int | None:
    """A count a kiosk reported; None (shown as unknown) if it is not a plausible one."""
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if 0 <= value <= NUMBER_MAX else None


def kiosks(engine: Engine) -> list[Kiosk]:
    """Every kiosk, worst first (failing self-tests, then warnings, then the longest silent)."""
    with db.reading(engine) as conn:
        rows = latest_reports(conn)
        chains = audit_states(conn)
        seen = dict(
            conn.execute(
                select(db.nonces.c.device_id, func.max(db.nonces.c.seen_at)).group_by(
                    db.nonces.c.device_id
                )
            ).all()
        )
        sent = dict(
            conn.execute(
                select(
                    db.registrations.c.device_id, func.max(db.registrations.c.received_at)
                ).group_by(db.registrations.c.device_id)
            ).all()
        )
    out = []
    for r in rows:
        times = [x for x in (r.last_contact, seen.get(r.device_id), sent.get(r.device_id)) if x]
        summary = (r.report or {}).get("summary")
        summary = summary if isinstance(summary, dict) else {}
        pending, oldest = (
            _value(r.report, "backlog", "pending"),
            _value(r.report, "backlog", "oldest_hours"),
        )
        out.append(
            Kiosk(
                device_id=r.device_id,
                commune_code=r.commune_code,
                kiosk_number=r.kiosk_number,
                label=r.label,
                revoked=r.revoked,
                last_contact=max(times) if times else None,
                version=str(_value(r.report, "version", "version") or "—"),
                pending=_count(pending),
                oldest_hours=measured(oldest, SPAN_S / 3600),
                fail=_count(summary.get("fail")) or 0,
                warn=_count(summary.get("warn")) or 0,
                reported=r.report is not None,
                rollback=r.rollback,
                last_sync=last_sync(r.report),
                skew_s=clock_skew(r.report, r.last_contact),
                audit=chains.get(r.device_id, NO_AUDIT),
                own_clock_s=own_clock_offset(r.report),
            )
        )
    return out


def silent(fleet: list[Kiosk], days: int, now: float) -> list[Kiosk]:
    """Active kiosks with no contact for more than `days` days (or none ever)."""
    edge = now - days * 86400.0
    return [k for k in fleet if not k.revoked and (k.last_contact or 0.0) < edge]


def _admin(request: Request, session: Any) -> None:
    if session.account.role != "admin":
        raise Refused(403, "admin_only")


def _theirs(engine: Engine, session: Any) -> list[Kiosk]:
    """The kiosks of communes within the admin's jurisdiction."""
    return [k for k in kiosks(engine) if session.account.covers(k.commune_code)]


def _outside(request: Request, session: Any, action: str, subject: str) -> None:
    """Audit an action on a commune outside the admin's jurisdiction."""
    with ctx_of(request).engine.begin() as conn:
        officers.record(
            conn,
            session.account.as_token_officer(),
            action,
            subject,
            "refused:outside_jurisdiction",
        )


def _days(request: Request) -> int:
    v = request.query_params.get("days", "")
    return min(int(v), 365) if v.isascii() and v.isdigit() and 0 < len(v) < 4 else SILENT_DAYS


def _page(request: Request, session: Any, status: int = 200, **values: Any) -> HTMLResponse:
    engine = ctx_of(request).engine
    fleet = _theirs(engine, session)
    days = _days(request)
    with engine.begin() as conn:
        officers.record(conn, session.account.as_token_officer(), "console_fleet", "fleet", "ok")
    defaults = {"code": "", "qr": "", "qr_png": "", "qr_text": "", "message": "", "done": ""}
    defaults["ca_warning"] = ""
    if "pin" not in values:
        values["pin"] = server_pin(request)
    return render(
        request,
        "fleet.html",
        status,
        session=session,
        fleet=fleet,
        silent=silent(fleet, days, db.now()),
        days=days,
        skew_text=skew_text,
        base_url=str(request.base_url).rstrip("/"),
        **{**defaults, **values},
    )


@router.get("/fleet")
def fleet_page(request: Request, session: Current) -> HTMLResponse:
    _admin(request, session)
    done = request.query_params.get("done", "")
    return _page(request, session, done="revoke_done" if done == "revoked" else "")


@router.post("/fleet/codes")
def make_code(request: Request, session: Current, form: Form) -> HTMLResponse:
    """A one-time enrolment code and its setup QR (server URL, code, commune, expiry, CA).
    A fingerprint the admin typed wins (the server's own chain can be the wrong pin: TLS ended
    by a proxy in front, a CA about to change), with a warning when it differs from the one
    this server's TLS chain gives (fleet_ca.py), which is used when the field is empty."""
    checked(session, form)
    _admin(request, session)
    commune = form.get("commune", "").strip()
    url = form.get("url", "").strip() or str(request.base_url).rstrip("/")
    pin = server_pin(request)
    typed = form.get("ca_sha256", "").strip().lower().replace(":", "") or None
    fingerprint = typed or pin.sha256
    hours = form.get("ttl_hours", "72").strip()
    lang = lang_of(request)
    problem = ""
    if not p.is_ascii_digits(commune, 6):
        problem = t("code_bad_commune", lang)
    elif not (hours.isascii() and hours.isdigit() and 1 <= int(hours) <= TTL_HOURS_MAX):
        problem = t("code_bad_hours", lang, max=TTL_HOURS_MAX)
    elif not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", url):
        problem = t("code_bad_url", lang)
    elif fingerprint is not None and not FINGERPRINT.fullmatch(fingerprint):
        problem = t("code_bad_ca", lang)
    if problem:
        message = t("bad_code_request", lang, detail=problem)
        return _page(request, session, 422, message=message, pin=pin)
    if not session.account.covers(commune):
        _outside(request, session, "console_enrolment_code", commune)
        return _page(request, session, 403, message=t("st_outside", lang), pin=pin)
    engine = ctx_of(request).engine
    ttl = int(hours) * 3600
    code = auth.make_enrolment_code(engine, commune, ttl)
    text = setup_qr.enrolment_qr_text(
        url, code, commune_code=commune, expires_at=int(time.time() + ttl), ca_sha256=fingerprint
    )
    with engine.begin() as conn:
        officers.record(
            conn, session.account.as_token_officer(), "console_enrolment_code", commune, "ok"
        )
    made = segno.make(text, error="m")
    qr = Markup(made.svg_inline(scale=4, dark="#000"))
    png = made.png_data_uri(scale=6, border=4)  # the same QR as a picture, to print or save
    differs = typed is not None and pin.sha256 is not None and typed != pin.sha256
    warning = t("ca_differs", lang, own=pin.sha256) if differs else ""
    return _page(
        request,
        session,
        code=code,
        qr=qr,
        qr_png=png,
        qr_text=text,
        commune=commune,
        pin=pin,
        ca_warning=warning,
    )


@router.get("/fleet/{device_id}/revoke")
def revoke_confirm(request: Request, session: Current, device_id: str) -> HTMLResponse:
    """The confirmation page: revoking cannot be undone (the kiosk must enrol again)."""
    _admin(request, session)
    found = [k for k in kiosks(ctx_of(request).engine) if k.device_id == device_id]
    if not DEVICE_ID.fullmatch(device_id) or not found or found[0].revoked:
        raise Refused(404, "not_found")
    if not session.account.covers(found[0].commune_code):
        _outside(request, session, "console_revoke", device_id)
        raise Refused(403, "st_outside")
    return render(request, "fleet_confirm.html", session=session, k=found[0])


@router.post("/fleet/{device_id}/revoke")
def revoke(request: Request, session: Current, device_id: str, form: Form) -> Response:
    checked(session, form)
    _admin(request, session)
    if not DEVICE_ID.fullmatch(device_id):
        raise Refused(404, "not_found")
    engine = ctx_of(request).engine
    with db.reading(engine) as conn:
        commune = conn.execute(
            select(db.devices.c.commune_code).where(db.devices.c.id == device_id)
        ).scalar()
    if commune is not None and not session.account.covers(commune):
        _outside(request, session, "console_revoke", device_id)
        raise Refused(403, "st_outside")
    done = auth.revoke(engine, device_id)
    with engine.begin() as conn:
        officers.record(
            conn,
            session.account.as_token_officer(),
            "console_revoke",
            device_id,
            "ok" if done else "refused:not_found",
        )
    if not done:
        raise Refused(404, "not_found")
    return RedirectResponse("/console/fleet?done=revoked", 303)
