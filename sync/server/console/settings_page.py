"""The admins' settings page: the audit sample's share, the hall's opening hours and the kiosk
photo-override rule (server_settings.py checks and audits them; `sala server settings` is the
same on the command line). Each is its own plain form post with the session's CSRF token; a
refused value is shown back with the reason in the officer's language and nothing is saved.
They are server-wide, so only an all-ministries admin changes them; a single-ministry admin sees
them read-only, with the reason (a refused post is audited, 403). The CLI is the machine's
operator and unrestricted.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sync.server import db
from sync.server.console import server_settings
from sync.server.console.accounts import ALL, Session
from sync.server.console.application import Refused
from sync.server.console.i18n import t
from sync.server.console.web import Current, Form, _admin, checked, ctx_of, lang_of, render

router = APIRouter(prefix="/console", include_in_schema=False)
DAYS = range(7)  # Monday = 0, as flags.outside counts them


def _pct(fraction: float) -> str:
    return f"{fraction * 100:g}"


def _fields(now: dict[str, dict[str, Any]]) -> dict[str, str | list[str]]:
    """The forms' values from the settings in force."""
    audit, hours, rule = now["audit_share"], now["hall_hours"], now["override_share"]
    return {
        "share": _pct(audit["share"]),
        "communes": "\n".join(f"{c} {_pct(v)}" for c, v in audit["communes"].items()),
        "days": [str(d) for d in hours["days"]],
        "open": str(hours["open"]),
        "close": str(hours["close"]),
        "o_days": f"{float(rule['days']):g}",
        "o_share": _pct(float(rule["share"])),
        "o_min": str(rule["min"]),
    }


def _page(
    request: Request,
    session: Session,
    status: int = 200,
    sent: dict[str, Any] | None = None,
    **values: Any,
) -> HTMLResponse:
    admin = _admin(session)
    with db.reading(ctx_of(request).engine) as conn:
        fields = _fields(server_settings.current(conn))
    fields.update(sent or {})
    done = request.query_params.get("done", "")
    return render(
        request,
        "settings.html",
        status,
        session=session,
        v=fields,
        days=DAYS,
        done=done if done in server_settings.KEYS else "",
        editable=admin.ministry == ALL,
        **values,
    )


@router.get("/settings")
def settings_page(request: Request, session: Current) -> HTMLResponse:
    return _page(request, session)


@router.post("/settings/{name}")
def settings_save(request: Request, session: Current, name: str, form: Form) -> Response:
    checked(session, form)
    days = [str(d) for d in DAYS if form.get(f"day{d}") == "1"]  # one checkbox per day
    return _save(request, session, name, form, days)


def _save(
    request: Request, session: Session, name: str, form: dict[str, str], days: list[str]
) -> Response:
    admin = _admin(session)
    if name not in server_settings.KEYS:
        raise Refused(404, "not_found")
    if admin.ministry != ALL:  # a server-wide setting is no single ministry's to change
        server_settings.audit_refusal(ctx_of(request).engine, admin, name, "set_all_only")
        message = t("set_all_only_refused", lang_of(request))
        return _page(request, session, 403, message=message, which=name)
    try:
        if name == "audit_share":
            value = server_settings.audit_share(form.get("share", ""), form.get("communes", ""))
        elif name == "hall_hours":
            value = server_settings.hall_hours(days, form.get("open", ""), form.get("close", ""))
        else:
            value = server_settings.override_share(
                form.get("o_days", ""), form.get("o_share", ""), form.get("o_min", "")
            )
    except server_settings.SettingError as exc:
        message = t(exc.code, lang_of(request), **exc.values)
        sent = {k: form.get(k, "") for k in ("share", "communes", "open", "close")}
        sent.update({k: form.get(k, "") for k in ("o_days", "o_share", "o_min")})
        shown: dict[str, Any] = {k: v for k, v in sent.items() if k in _keys_of(name)}
        if name == "hall_hours":
            shown["days"] = days
        return _page(request, session, 422, sent=shown, message=message, which=name)
    server_settings.save(ctx_of(request).engine, session.account, name, value)
    return RedirectResponse(f"/console/settings?done={name}", 303)


def _keys_of(name: str) -> tuple[str, ...]:
    return {
        "audit_share": ("share", "communes"),
        "hall_hours": ("open", "close"),
        "override_share": ("o_days", "o_share", "o_min"),
    }[name]
