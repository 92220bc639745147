"""Commune staff in the back office: the roster the clerk station receives.

Supervisors and admins act within their jurisdiction (`Account.covers`). Adding, disabling,
enabling and resetting call the same functions as `sala-server staff …` (sync.server.staff),
which bump the row's version and append the commune's `staff` feed entry in one transaction,
audited as the officer. A one-time code is shown once, on a page of its own that prints as a
slip. Every change is a plain form post with the session's CSRF token; disabling has a
confirmation page.
"""

from __future__ import annotations

import re
import secrets
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.exc import IntegrityError

from sync import protocol as p
from sync.server import db, officers, staff
from sync.server.console import communes
from sync.server.console.accounts import Session
from sync.server.console.application import Refused
from sync.server.console.i18n import t
from sync.server.console.web import UUID, Current, Form, checked, ctx_of, lang_of, render

router = APIRouter(prefix="/console", include_in_schema=False)
ROLES = ("clerk", "supervisor")  # the technician comes with the kiosk's setup, not from here
StaffId = Annotated[str, PathParam(pattern=UUID)]
ONCE = re.compile(r"[A-Za-z0-9_-]{16,64}")  # the add form's one-time token
_ONCE_IDS = uuid.UUID("5a1a0000-57af-4f00-8000-000000000001")  # namespace of the ids it makes


def _manager(session: Session) -> None:
    if not session.account.manages_communes():
        raise Refused(403, "forbidden_role")


def _covers(session: Session, commune: str) -> bool:
    return session.account.covers(commune)


def _refuse_outside(request: Request, session: Session, subject: str) -> None:
    with ctx_of(request).engine.begin() as conn:
        officer = session.account.as_token_officer()
        officers.record(conn, officer, "console_staff", subject, "refused:outside_jurisdiction")
    raise Refused(403, "st_outside")


def _member(request: Request, session: Session, staff_id: str) -> Any:
    """The roster row, if it is in the officer's jurisdiction (403, audited) and exists (404).
    A technician's account (the ministry's field kit, `sala-server staff add`) is an admin's
    only: a supervisor who could reset its code could sign in at a kiosk as its technician."""
    _manager(session)
    with db.reading(ctx_of(request).engine) as conn:
        row = staff.get(conn, staff_id)
    if row is None:
        raise Refused(404, "not_found")
    if not _covers(session, row.commune_code):
        _refuse_outside(request, session, staff_id)
    if row.role not in ROLES and session.account.role != "admin":
        with ctx_of(request).engine.begin() as conn:
            officer = session.account.as_token_officer()
            officers.record(conn, officer, "console_staff", staff_id, "refused:admin_only")
        raise Refused(403, "admin_only")
    return row


def _communes(
    conn: Any, session: Session, names: dict[str, dict[str, str]]
) -> tuple[list[str], list[str]]:
    """(communes in use, communes to offer in the filter: in use or in the gazetteer), both
    within the officer's jurisdiction."""
    used = communes.in_use(conn)
    return (
        sorted(c for c in used if _covers(session, c)),
        sorted(c for c in used | set(names) if _covers(session, c)),
    )


def _page(
    request: Request,
    session: Session,
    status: int = 200,
    form: dict[str, str] | None = None,
    **values: Any,
) -> HTMLResponse:
    commune = request.query_params.get("commune", "") if form is None else form.get("commune", "")
    commune = commune.strip()[:6]
    engine = ctx_of(request).engine
    with db.reading(engine) as conn:
        names = communes.names(conn)
        used, offered = _communes(conn, session, names)
        counts = communes.active_staff(conn)
        problem = communes.problem(commune, names) if commune else ""
        shown = commune and not problem and _covers(session, commune)
        people = staff.roster(conn, commune) if shown else []
    if commune and not problem and not shown:
        _refuse_outside(request, session, commune)
    with engine.begin() as conn:
        officer = session.account.as_token_officer()
        officers.record(conn, officer, "console_staff", commune or "communes", "ok")
    message = values.pop("message", "") or (
        t(problem, lang_of(request), code=commune) if problem else ""
    )
    return render(
        request,
        "staff.html",
        status,
        session=session,
        commune=commune if not problem else "",
        asked=commune,
        names=names,
        offered=offered,
        used=used,
        counts=counts,
        people=people,
        roles=ROLES,
        name_max=p.STAFF_NAME_MAX,
        form=form or {"commune": commune},
        once=secrets.token_urlsafe(16),
        message=message,
        done=values.pop("done", ""),
        **values,
    )


@router.get("/staff")
def staff_page(request: Request, session: Current) -> HTMLResponse:
    _manager(session)
    done = request.query_params.get("done", "")
    return _page(request, session, done=done if done in ("disabled", "enabled") else "")


def _name_problem(text: str, lang: str, which: str) -> str:
    """The officer's-language sentence for a name `p.clean_staff_name` refuses ("" if fine)."""
    try:
        p.clean_staff_name(text)
    except p.StaffNameError as refused:
        field = t(f"st_name_{which}", lang)
        return t(f"st_name_{refused.code}", lang, field=field, n=p.STAFF_NAME_MAX)
    return ""


@router.post("/staff")
def staff_add(request: Request, session: Current, form: Form) -> Response:
    checked(session, form)
    _manager(session)
    lang = lang_of(request)
    commune, role = form.get("commune", "").strip(), form.get("role", "")
    with db.reading(ctx_of(request).engine) as conn:
        problem = communes.problem(commune, communes.names(conn))
    if problem:
        message = t(problem, lang, code=commune[:6])
    elif not _covers(session, commune):
        _refuse_outside(request, session, commune)
    else:
        message = _name_problem(form.get("name_km", ""), lang, "km") or _name_problem(
            form.get("name_en", ""), lang, "en"
        )
        if not message and role not in ROLES:
            message = t("st_bad_role", lang)
    if message:
        return _page(request, session, 422, form=form, message=message)
    staff_id = _once_id(session, form.get("once", ""))
    try:
        new = staff.add(
            ctx_of(request).engine,
            commune,
            form["name_km"],
            form["name_en"],
            role,
            officer=session.account.as_token_officer(),
            staff_id=staff_id,
        )
    except IntegrityError:  # this form was sent before (a reload, a double click)
        page = _sent_twice(request, session, staff_id) if staff_id else None
        if page is None:
            raise
        return page
    return _code_page(request, session, new.staff_id, new.code, "st_code_first")


def _once_id(session: Session, once: str) -> str | None:
    """The new member's id, made from the add form's one-time token and the officer: a form
    sent again (the browser's "resend" on the code page, a double click) names the same
    person, and the roster refuses a second one. None (a random id) without a token."""
    if not ONCE.fullmatch(once):
        return None
    return str(uuid.uuid5(_ONCE_IDS, f"{session.account.id}/{once}"))


def _sent_twice(request: Request, session: Session, staff_id: str) -> HTMLResponse | None:
    """409: nobody is added again, and no code is shown again (it was shown once). None when
    `staff_id` is not on the roster (the refusal was something else)."""
    with db.reading(ctx_of(request).engine) as conn:
        row = staff.get(conn, staff_id)
    if row is None or not _covers(session, row.commune_code):
        return None
    lang = lang_of(request)
    message = t("st_already_added", lang, name=_name_of(row, lang), reset=t("st_reset", lang))
    return _page(request, session, 409, form={"commune": row.commune_code}, message=message)


def _code_page(
    request: Request, session: Session, staff_id: str, code: str, what: str
) -> HTMLResponse:
    """The one-time code, once, large, printable as a slip (the page is never cached)."""
    with db.reading(ctx_of(request).engine) as conn:
        row = staff.get(conn, staff_id)
        names = communes.names(conn)
    return render(
        request, "staff_code.html", session=session, m=row, code=code, what=what, names=names
    )


@router.get("/staff/{staff_id}/disable")
def disable_confirm(request: Request, session: Current, staff_id: StaffId) -> HTMLResponse:
    row = _member(request, session, staff_id)
    with db.reading(ctx_of(request).engine) as conn:
        names = communes.names(conn)
    return render(request, "staff_confirm.html", session=session, m=row, names=names)


def _set_status(
    request: Request, session: Session, staff_id: str, form: dict[str, str], status: str
) -> Response:
    checked(session, form)
    row = _member(request, session, staff_id)
    try:
        staff.set_status(
            ctx_of(request).engine, staff_id, status, officer=session.account.as_token_officer()
        )
    except ValueError:  # already so: nothing changes
        key = "st_already_disabled" if status == "disabled" else "st_already_active"
        message = t(key, lang_of(request), name=_name_of(row, lang_of(request)))
        return _page(request, session, 409, form={"commune": row.commune_code}, message=message)
    done = "disabled" if status == "disabled" else "enabled"
    return RedirectResponse(f"/console/staff?commune={row.commune_code}&done={done}", 303)


@router.post("/staff/{staff_id}/disable")
def disable(request: Request, session: Current, staff_id: StaffId, form: Form) -> Response:
    return _set_status(request, session, staff_id, form, "disabled")


@router.post("/staff/{staff_id}/enable")
def enable(request: Request, session: Current, staff_id: StaffId, form: Form) -> Response:
    return _set_status(request, session, staff_id, form, "active")


@router.post("/staff/{staff_id}/reset")
def reset(request: Request, session: Current, staff_id: StaffId, form: Form) -> Response:
    checked(session, form)
    row = _member(request, session, staff_id)
    try:
        new = staff.reset(
            ctx_of(request).engine, staff_id, officer=session.account.as_token_officer()
        )
    except ValueError:  # disabled: enable first
        message = t("st_reset_disabled", lang_of(request), name=_name_of(row, lang_of(request)))
        return _page(request, session, 409, form={"commune": row.commune_code}, message=message)
    return _code_page(request, session, new.staff_id, new.code, "st_code_reset")


def _name_of(row: Any, lang: str) -> str:
    return str(row.name_km if lang == "km" else row.name_en)
