"""The console's pages and form posts under /console/ (server-rendered, no JavaScript needed).

Every POST carries the session's CSRF token (sign-in, before a session, a double-submit cookie);
every page is sent with a strict Content-Security-Policy (scripts only from the console's own
static files: the vendored htmx, partials.py; nothing inline, no eval), nosniff, no
framing and no caching, since they show citizens' data. Handlers are plain `def`s: FastAPI runs
them in its thread pool, where the database calls block.
"""

from __future__ import annotations

import gc
import hmac
import math
import re
import secrets
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import StringConstraints, TypeAdapter, ValidationError

from sync import protocol as p
from sync.server import db
from sync.server.console import (
    accounts,
    application,
    colleagues,
    flags,
    i18n,
    notes,
    page_look,
    page_start,
    queue,
    render_parts,
    scope,
)
from sync.server.console.accounts import Account, Session, SignInError
from sync.server.console.application import Refused
from sync.server.console.page_look import Look
from sync.server.context import Context

HERE = Path(__file__).resolve().parent
COOKIE = "sala_console"
PRE_COOKIE = "sala_pre"  # sign-in form's double-submit CSRF token
LANG_COOKIE = "sala_lang"
FORM_MAX = 64 * 1024
UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
UUID_RE = re.compile(UUID)
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; object-src 'none'; "
    "img-src 'self' data:; style-src 'self'; font-src 'self'; frame-ancestors 'none'; "
    "form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

# Templates are compiled once per process; auto_reload off spares a stat of each template
# (and its parents) on every page: they change only with a new release, which restarts.
env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    auto_reload=False,
)
env.globals["options"] = render_parts.options  # a filter's <option>s (render_parts.py)
env.globals["in_lang"] = render_parts.in_lang
env.filters["day"] = scope.day  # `ts|day`: a direct call, where `day(ts)` goes through Jinja's
# Context.call (a few µs each, two per row of a queue page)
router = APIRouter(prefix="/console", include_in_schema=False)


class NeedSignIn(Exception):
    """No live session: GETs go to the sign-in page, POSTs get it with `session_ended`."""


class BadCsrf(Exception):
    pass


def lang_of(request: Request) -> str:
    lang = request.cookies.get(LANG_COOKIE, "km")
    return lang if lang in i18n.LANGS else "km"


def render(
    request: Request, name: str, status: int = 200, session: Session | None = None, **values: Any
) -> HTMLResponse:
    lang = lang_of(request)

    def t(key: str, **kw: object) -> str:
        return i18n.t(key, lang, **kw)

    html = env.get_template(name).render(
        t=t,
        w=i18n.BY_LANG[lang],  # the same words as items, for loops (i18n.Words)
        lang=lang,
        me=session.account if session else None,
        csrf=session.csrf if session else "",
        path=request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        day=scope.day,
        stamp=scope.stamp,
        **values,
    )
    return HTMLResponse(html, status_code=status, headers=HEADERS)


def ctx_of(request: Request) -> Context:
    ctx: Context = request.app.state.sala
    return ctx


OWN_PASSWORD_PATHS = ("/console/password", "/console/signout")


def current(request: Request) -> Session:
    session = accounts.session_for(ctx_of(request).engine, request.cookies.get(COOKIE))
    return _accepted(request, session)


def _accepted(request: Request, session: Session | None) -> Session:
    """`current`'s checks of the session read for this request."""
    if session is None:
        raise NeedSignIn()
    if session.must_change and request.url.path not in OWN_PASSWORD_PATHS:
        # A password an admin gave: nothing else until the owner has chosen their own.
        if request.method == "GET":
            raise HTTPException(303, headers={"Location": "/console/password"})
        raise Refused(403, "oa_must_change")
    return session


async def read_form(request: Request) -> dict[str, str]:
    """An urlencoded form (the only kind the console posts; no python-multipart needed)."""
    body = await request.body()
    if len(body) > FORM_MAX:
        raise Refused(413, "not_found")
    pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=50)
    return dict(pairs)


Form = Annotated[dict[str, str], Depends(read_form)]
Current = Annotated[Session, Depends(current)]


def checked(session: Session, form: dict[str, str]) -> None:
    if not hmac.compare_digest(form.get("csrf", "").encode(), session.csrf.encode()):
        raise BadCsrf()


def _cookie(response: Response, request: Request, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/console",
        httponly=True,
        secure=request.url.scheme == "https",
        samesite="strict",
    )


def _signin_page(request: Request, status: int = 200, message: str = "") -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    response = render(request, "signin.html", status, pre=token, message=message)
    _cookie(response, request, PRE_COOKIE, token, 3600)
    return response


@router.get("/")
def home() -> RedirectResponse:
    return RedirectResponse("/console/queue", 303)


@router.get("/signin")
def signin_form(request: Request, ended: str = "") -> HTMLResponse:
    return _signin_page(request, message="session_ended" if ended else "")


@router.post("/signin")
def signin(request: Request, form: Form) -> Response:
    pre = request.cookies.get(PRE_COOKIE, "")
    if not pre or not hmac.compare_digest(form.get("csrf", "").encode(), pre.encode()):
        return _signin_page(request, 403, "csrf")
    source = request.client.host if request.client else "?"
    try:
        token = accounts.sign_in(
            ctx_of(request).engine,
            form.get("username", ""),
            form.get("password", ""),
            form.get("totp", ""),
            source,
        )
    except SignInError as exc:
        lang = lang_of(request)
        return _signin_page(request, 401, i18n.t(exc.code, lang, minutes=exc.minutes))
    response = RedirectResponse("/console/queue", 303)
    _cookie(response, request, COOKIE, token, int(accounts.ABSOLUTE_S))
    response.delete_cookie(PRE_COOKIE, path="/console")
    return response


@router.post("/signout")
def signout(request: Request, session: Current, form: Form) -> Response:
    checked(session, form)
    accounts.sign_out(ctx_of(request).engine, session)
    response = _signin_page(request, message="signed_out")
    response.delete_cookie(COOKIE, path="/console")
    return response


@router.get("/lang/{lang}")
def set_lang(request: Request, lang: str, next: str = "/console/queue") -> RedirectResponse:
    """One click to the other language; `next` must be a console path (no open redirect)."""
    safe = (
        next
        if next.startswith("/console/") and "//" not in next and "\\" not in next
        else "/console/queue"
    )
    response = RedirectResponse(safe, 303)
    if lang in i18n.LANGS:
        _cookie(response, request, LANG_COOKIE, lang, 365 * 86400)
    return response


@router.get("/queue")
def queue_page(request: Request) -> HTMLResponse:
    session, look = _page_start(request)
    f = queue.Filters.parse(dict(request.query_params))
    ctx = ctx_of(request)
    page = queue.load(ctx.engine, session.account, f, filled=look.filled)
    pages = max(1, math.ceil(page.total / f.size))
    with db.reading(ctx.engine) as conn:
        names = scope.service_names(conn, look.catalogs)
    me = session.account
    mates = [  # read for a supervisor only: nobody else is shown the list
        a
        for a in (colleagues.of(ctx.engine, _own(me)) if me.role == "supervisor" else [])
        if a.role != "admin" and (a.ministry == "*" or me.owns(a.ministry))
    ]
    outcome = request.query_params.get("bulk", "")
    bulk_outcomes = (
        "done",
        "review_done",
        "ready_done",
        "ready_place_date",
        "empty",
        "unknown_action",
    )
    return render(
        request,
        "queue.html",
        session=session,
        f=f,
        page=page,
        pages=pages,
        queues=queue.QUEUES,
        names=names,
        statuses=list(p.STATUS_TRANSITIONS),
        flag_names=flags.FLAGS,
        colleagues=mates,
        bulk=outcome if outcome in bulk_outcomes else "",
        bulk_n=request.query_params.get("n", "0")[:6],
        bulk_skipped=request.query_params.get("skipped", "0")[:6],
        back=urlencode(f.query()),
        link=lambda **kw: "?" + urlencode(f.query(**kw)),
    )


def _own(me: Account) -> str | None:
    """The ministry whose officers `me` may pick from (None: every ministry's)."""
    return None if me.ministry == accounts.ALL else me.ministry


def _page_start(request: Request) -> tuple[Session, Look]:
    """The session, checked as `current` does, and the page's upkeep look, read in one round
    trip (page_start.py). Called by the busiest pages themselves, not as a dependency: one
    hop through the thread pool less."""
    ctx = ctx_of(request)
    start = page_start.read(ctx.engine, request.cookies.get(COOKIE))
    session = _accepted(request, start.session)
    return session, start.look(ctx.engine, ctx.media)


def _application_page(
    request: Request,
    session: Session,
    reg_id: str,
    status: int = 200,
    message: str = "",
    look: Look | None = None,
) -> HTMLResponse:
    ctx = ctx_of(request)
    look = look or page_look.prepare(ctx.engine, ctx.media)
    detail = application.load(
        ctx.engine, session.account, reg_id, filled=look.filled, catalogs=look.catalogs
    )
    with db.reading(ctx.engine) as conn:
        names = scope.service_names(conn, look.catalogs)
    supervisor = session.account.role == "supervisor"  # the only one shown the list
    mates = [
        a
        for a in (colleagues.of(ctx.engine, detail.ministry) if supervisor else [])
        if a.role != "admin" and a.owns(detail.ministry) and a.covers(detail.row.commune_code)
    ]
    done = request.query_params.get("done", "")
    return render(
        request,
        "application.html",
        status,
        session=session,
        d=detail,
        names=names,
        message=message or ("done" if done else ""),
        colleagues=mates,
        now=scope.stamp,
        error=status >= 400,
        days_left=_days_left(detail),
        papers=notes.for_service("papers", detail.row.service_id),
        reasons=notes.for_service("reject", detail.row.service_id),
    )


def _days_left(detail: application.Detail) -> float | None:
    """Days to the promised date while the application waits on the ministry; None after."""
    due = detail.facts.due_at if detail.facts is not None else None
    if due is None or detail.row.status not in queue.OPEN:
        return None
    return (float(due) - db.now()) / scope.DAY


RegId = Annotated[str, PathParam(pattern=UUID)]


_REG_ID = TypeAdapter(Annotated[str, StringConstraints(pattern=UUID)])


@router.get("/applications/{reg_id}")
def application_page(request: Request, reg_id: str) -> HTMLResponse:
    session, look = _page_start(request)  # then `RegId`'s check, in the same order as
    try:  # when the session was a dependency (an ended one signs in before a 422), same 422
        _REG_ID.validate_python(reg_id)
    except ValidationError as exc:
        where = [{**e, "loc": ("path", "reg_id", *e["loc"])} for e in exc.errors(include_url=False)]
        raise RequestValidationError(where) from None
    return _application_page(request, session, reg_id, look=look)


@router.post("/applications/{reg_id}/act")
def act(request: Request, session: Current, reg_id: RegId, form: Form) -> Response:
    checked(session, form)
    try:
        application.act(
            ctx_of(request).engine, session.account, reg_id, form.get("action", ""), form
        )
    except Refused as exc:
        if exc.status in (403, 404):
            raise
        return _application_page(request, session, reg_id, exc.status, exc.code)
    return RedirectResponse(f"/console/applications/{reg_id}?done=1", 303)


@router.post("/applications/{reg_id}/assign")
def assign(request: Request, session: Current, reg_id: RegId, form: Form) -> Response:
    checked(session, form)
    try:
        application.assign(
            ctx_of(request).engine, session.account, reg_id, form.get("to", session.account.id)
        )
    except Refused as exc:
        if exc.status in (403, 404):
            raise
        return _application_page(request, session, reg_id, exc.status, exc.code)
    return RedirectResponse(f"/console/applications/{reg_id}?done=1", 303)


@router.get("/applications/{reg_id}/media/{sha256}")
def media(
    request: Request, session: Current, reg_id: RegId, sha256: str, rotate: str = ""
) -> Response:
    ctx = ctx_of(request)
    path, mime = application.media(ctx.engine, ctx.media, session.account, reg_id, sha256)
    if rotate:  # turned on the server: no script needed (application_pages.py)
        from sync.server.console.application_pages import rotated

        return rotated(path, mime, rotate, sha256)
    inline = "inline" if mime != "application/octet-stream" else "attachment"
    return FileResponse(
        path,
        media_type=mime,
        headers={
            "Content-Disposition": f'{inline}; filename="{sha256[:12]}"',
            "Content-Security-Policy": "default-src 'none'; img-src 'self'; sandbox",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


def _admin(session: Session) -> Account:
    if session.account.role != "admin":
        raise Refused(403, "admin_only")
    return session.account


def install(app: FastAPI) -> None:
    """Mount the console at /console/ on the server's app, with its own error pages."""
    from sync.server.console import (
        application_pages,
        bulk,
        catalogs,
        dashboards,
        fleet,
        officer_admin,
        partials,
        performance,
        second_review,
        settings_page,
        staff_pages,
        usb_upload,
    )

    app.include_router(router)
    for more in (
        application_pages.router,
        bulk.router,
        catalogs.router,
        dashboards.router,
        fleet.router,
        officer_admin.router,
        performance.router,
        second_review.router,
        settings_page.router,
        staff_pages.router,
        usb_upload.router,
    ):
        app.include_router(more)
    app.mount("/console/static", StaticFiles(directory=HERE / "static"), name="console-static")
    partials.install(app)  # redirects and errors of htmx's swaps become whole-page loads

    @app.exception_handler(NeedSignIn)
    async def need_signin(request: Request, _exc: NeedSignIn) -> Response:
        if request.method == "GET":
            return RedirectResponse("/console/signin?ended=1", 303)
        return _signin_page(request, 401, "session_ended")

    @app.exception_handler(BadCsrf)
    async def bad_csrf(request: Request, _exc: BadCsrf) -> Response:
        return render(request, "error.html", 403, message="csrf")

    @app.exception_handler(Refused)
    async def refused(request: Request, exc: Refused) -> Response:
        return render(request, "error.html", exc.status, message=exc.code)

    # Last: the app, its routes and every module are built. What exists now lives as long as
    # the process; frozen, the collector's full passes no longer walk it (~150k objects) every
    # few hundred requests (issue 13 "Scale": measured, a queue page's share of collection fell
    # from ~1 ms to ~0.4 ms). A process-wide choice: app.create_app may be its better home.
    gc.collect()
    gc.freeze()
