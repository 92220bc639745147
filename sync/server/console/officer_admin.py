"""Back-office accounts in the console: admins add, disable, enable and reset the officers of
their own ministry and jurisdiction (never giving out more of either than their own), and end
their sessions; every officer changes their own password and enrols a reset authenticator.

The pages call account_admin.py, as `sala server officer …` does, so both are scoped and
audited the same way. Every change is a plain form post with the session's CSRF token;
disabling and the resets go through a confirmation page first. A new password, and a new
authenticator's QR, are shown once to the admin, on a page that is never cached, to hand over
in person. Only an all-ministries admin makes another admin (a peer it could not manage after).
Enrolment (password and a code of the new authenticator) happens before a session exists, so
its form carries the sign-in page's double-submit token and counts towards the same lockouts.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated, Any

import segno
from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sync.server import officers
from sync.server.console import account_admin, accounts
from sync.server.console.account_admin import AdminRefusal
from sync.server.console.accounts import Session, SignInError
from sync.server.console.application import Refused
from sync.server.console.i18n import t
from sync.server.console.web import (
    COOKIE,
    PRE_COOKIE,
    Current,
    Form,
    _admin,
    _cookie,
    _signin_page,
    checked,
    ctx_of,
    lang_of,
    render,
)

router = APIRouter(prefix="/console", include_in_schema=False)
AccountId = Annotated[str, PathParam(pattern=r"^[0-9a-f]{12}$")]
CONFIRMED = ("disable", "reset-password", "reset-totp")  # asked again before they are done
DIRECT = ("enable", "end-sessions")
DONE = ("disable", "enable", "end-sessions")
FORBIDDEN = ("oa_not_yours", "oa_admin_needs_all")  # 403; other refusals are conflicts (409)


def _ministries(admin: accounts.Account) -> tuple[str, ...]:
    """What this admin may give a new account: their own ministry, or any."""
    if admin.ministry == accounts.ALL:
        return (*accounts.MINISTRIES, accounts.ALL)
    return (admin.ministry,)


def _roles(admin: accounts.Account) -> tuple[str, ...]:
    """What this admin may make: an admin only by an all-ministries admin (`_peer_refusal`)."""
    return accounts.ROLES if admin.ministry == accounts.ALL else accounts.ROLES[:-1]


def _qr(uri: str) -> str:
    return str(segno.make(uri, error="m").svg_inline(scale=4, dark="#000"))


def _page(request: Request, session: Session, status: int = 200, **values: Any) -> HTMLResponse:
    admin = _admin(session)
    people = account_admin.manageable(ctx_of(request).engine, admin)
    done, who = request.query_params.get("done", ""), request.query_params.get("who", "")
    if done not in DONE or not any(m.account.username == who for m in people):
        done = ""  # the notice names only an account listed here, never any text of the URL's
    values.setdefault("message", "")
    values.setdefault("created", None)
    return render(
        request,
        "officers.html",
        status,
        session=session,
        people=people,
        roles=_roles(admin),
        ministries=_ministries(admin),
        done=done,
        done_who=who,
        **values,
    )


@router.get("/officers")
def officers_page(request: Request, session: Current) -> HTMLResponse:
    return _page(request, session)


@router.post("/officers")
def officers_add(request: Request, session: Current, form: Form) -> HTMLResponse:
    checked(session, form)
    admin = _admin(session)
    lang = lang_of(request)
    values: dict[str, Any] = {"created": None, "qr": "", "uri": "", "message": ""}
    ministry = form.get("ministry", "")
    if ministry not in _ministries(admin):
        values["message"] = t("oa_other_ministry", lang)
        return _page(request, session, 403, **values)
    if form.get("role") in accounts.ROLES and form.get("role") not in _roles(admin):
        refusal = AdminRefusal("oa_admin_needs_all", "only an all-ministries admin adds admins")
        name = form.get("username", "").strip().lower()[:64] or "?"
        engine = ctx_of(request).engine
        account_admin.audit_refusal(
            engine, admin, f"console:{admin.label}", "console_officer_add", name, refusal
        )
        values["message"] = t("oa_admin_needs_all", lang)
        return _page(request, session, 403, **values)
    try:
        wanted = officers.parse_jurisdiction(form.get("jurisdiction", ""))
    except ValueError:
        wanted = ()  # accounts.create refuses it with its own message below
    if not account_admin.within(admin, wanted):
        refusal = AdminRefusal("oa_wider_jurisdiction", "beyond the admin's own jurisdiction")
        name = form.get("username", "").strip().lower()[:64] or "?"
        engine = ctx_of(request).engine
        account_admin.audit_refusal(
            engine, admin, f"console:{admin.label}", "console_officer_add", name, refusal
        )
        values["message"] = t("oa_wider_jurisdiction", lang, where=", ".join(admin.jurisdiction))
        return _page(request, session, 403, **values)
    try:
        account, secret = accounts.create(
            ctx_of(request).engine,
            username=form.get("username", ""),
            display_name=form.get("display_name", ""),
            password=form.get("password", ""),
            role=form.get("role", ""),
            ministry=ministry,
            jurisdiction=form.get("jurisdiction", ""),
            created_by=f"console:{admin.label}",
            totp=form.get("role") in accounts.TOTP_ROLES or form.get("no_totp") != "1",
            must_change=True,  # the admin typed it: the owner chooses their own first
        )
        values["created"] = account
        if secret:
            values["uri"] = accounts.totp_uri(secret, account.username)
            values["qr"] = _qr(values["uri"])
    except accounts.AccountError as exc:
        values["message"] = t(exc.code, lang, **exc.values)
    return _page(request, session, 422 if values["message"] else 200, **values)


def _managed(
    request: Request, session: Session, account_id: str, action: str
) -> account_admin.Managed:
    """The account, if this admin manages it; else 404 (another ministry's accounts are not
    told apart from missing ones), audited."""
    admin = _admin(session)
    engine = ctx_of(request).engine
    found = next(
        (m for m in account_admin.manageable(engine, admin) if m.account.id == account_id), None
    )
    if found is not None and not found.peer:
        return found
    code = "oa_admin_needs_all" if found is not None else "oa_not_yours"
    refusal = AdminRefusal(code, "not an account this admin manages")
    audit = f"console_officer_{action.replace('-', '_')}"[:40]
    account_admin.audit_refusal(engine, admin, admin.label, audit, account_id, refusal)
    raise Refused(403 if found is not None else 404, code)


@router.get("/officers/{account_id}/{action}")
def confirm(request: Request, session: Current, account_id: AccountId, action: str) -> Response:
    if action not in CONFIRMED:
        raise Refused(404, "not_found")
    m = _managed(request, session, account_id, action)
    return render(request, "officer_confirm.html", session=session, m=m, action=action)


@router.post("/officers/{account_id}/{action}")
def act(
    request: Request, session: Current, account_id: AccountId, action: str, form: Form
) -> Response:
    checked(session, form)
    admin = _admin(session)
    if action not in CONFIRMED + DIRECT:
        raise Refused(404, "not_found")
    engine, who = ctx_of(request).engine, f"console:{admin.label}"
    m = _managed(request, session, account_id, action)
    try:
        if action in ("disable", "enable"):
            account_admin.set_enabled(engine, admin, account_id, action == "enable", who)
        elif action == "reset-totp":
            uri = accounts.totp_uri(
                account_admin.reset_totp(engine, admin, account_id, who), m.account.username
            )
            return render(request, "officer_totp.html", session=session, m=m, uri=uri, qr=_qr(uri))
        elif action == "end-sessions":
            account_admin.end_sessions(engine, admin, account_id, who)
        else:
            password = account_admin.reset_password(engine, admin, account_id, None, who)
            return render(request, "officer_secret.html", session=session, m=m, secret=password)
    except AdminRefusal as exc:
        name = m.account.display_name
        message = t(exc.code, lang_of(request), name=name)
        return _page(request, session, 403 if exc.code in FORBIDDEN else 409, message=message)
    return RedirectResponse(f"/console/officers?done={action}&who={m.account.username}", 303)


def _pre_page(
    request: Request, name: str, status: int = 200, message: str = "", **values: Any
) -> HTMLResponse:
    """A page of a form posted before any session (its double-submit CSRF cookie)."""
    token = secrets.token_urlsafe(24)
    response = render(request, name, status, pre=token, message=message, **values)
    _cookie(response, request, PRE_COOKIE, token, 3600)
    return response


def _pre_ok(request: Request, form: dict[str, str]) -> bool:
    pre = request.cookies.get(PRE_COOKIE, "")
    return bool(pre) and hmac.compare_digest(form.get("csrf", "").encode(), pre.encode())


@router.get("/enrol")
def enrol_form(request: Request) -> HTMLResponse:
    return _pre_page(request, "officer_enrol.html")


@router.post("/enrol")
def enrol(request: Request, form: Form) -> Response:
    """Password and a code of the new authenticator (the QR the admin handed over) finish
    enrolment and sign in; anything wrong is the sign-in's own "wrong" answer, counted."""
    if not _pre_ok(request, form):
        return _pre_page(request, "officer_enrol.html", 403, t("csrf", lang_of(request)))
    engine, lang = ctx_of(request).engine, lang_of(request)
    source = request.client.host if request.client else "?"
    username, password = form.get("username", ""), form.get("password", "")
    try:
        token = account_admin.enrol_finish(
            engine, username, password, form.get("totp", "").strip(), source
        )
    except SignInError as exc:
        message = t(exc.code, lang, minutes=exc.minutes)
        return _pre_page(request, "officer_enrol.html", 401, message)
    response = RedirectResponse("/console/queue", 303)
    _cookie(response, request, COOKIE, token, int(accounts.ABSOLUTE_S))
    response.delete_cookie(PRE_COOKIE, path="/console")
    return response


@router.get("/password")
def password_form(request: Request, session: Current) -> HTMLResponse:
    done = request.query_params.get("done") == "1"
    return render(
        request,
        "officer_password.html",
        session=session,
        message="",
        done=done,
        must_change=session.must_change,
    )


@router.post("/password")
def password_change(request: Request, session: Current, form: Form) -> Response:
    checked(session, form)
    lang = lang_of(request)
    new = form.get("new", "")
    if new != form.get("again", ""):
        message = t("oa_passwords_differ", lang)
    else:
        source = request.client.host if request.client else "?"
        try:
            account_admin.change_own_password(
                ctx_of(request).engine, session, form.get("current", ""), new, source
            )
            return RedirectResponse("/console/password?done=1", 303)
        except AdminRefusal as exc:
            message = t(exc.code, lang, n=accounts.PASSWORD_MIN)
        except SignInError as exc:  # too many wrong current passwords: this session is over
            response = _signin_page(request, 401, t(exc.code, lang, minutes=exc.minutes))
            response.delete_cookie(COOKIE, path="/console")
            return response
    return render(
        request,
        "officer_password.html",
        422,
        session=session,
        message=message,
        done=False,
        must_change=session.must_change,
    )
