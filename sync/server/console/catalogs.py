"""Catalogs, for admins: the published versions; upload a catalog JSON and see every problem a
kiosk would find in it; preview a valid one (each service's questions in Khmer and English,
with options, conditions, papers, fee and owning ministry); publish it to the feed.

The check is the kiosk's own validator (`sync.protocol.catalog.validate.check_catalog`, the
code `CatalogManager.install` runs), so "valid here" means "installed there". A refused upload
changes nothing; a valid one is kept as a draft (`catalog.save_draft`) and reaches the feed
only through `catalog.publish`, the function behind `sala server publish catalog` and the API;
a new service gets its owning ministry (`service_ministry`, which scopes officers) chosen in
the same form, or stays visible only to all-ministries accounts.
The upload is read by the console's one upload reader (`console/uploads.py`), with a size cap.
The catalog is every ministry's and every kiosk's, so only an all-ministries admin uploads,
publishes or discards one; other admins read the versions and drafts, with the reason (a
refused post is audited, 403), as on the server-wide settings page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sync.protocol.catalog.reader import MAX_BYTES
from sync.protocol.catalog.schema import Catalog, CatalogError, Condition, Service
from sync.protocol.catalog.text import Text
from sync.protocol.catalog.validate import check_catalog, parse_catalog
from sync.server import catalog, db, officers
from sync.server.console import accounts, scope, uploads
from sync.server.console.application import Refused
from sync.server.console.i18n import t
from sync.server.console.web import Current, Form, checked, ctx_of, lang_of, render

router = APIRouter(prefix="/console", include_in_schema=False)
UPLOAD_MAX = MAX_BYTES + 64 * 1024  # the validator's file cap plus the form's own parts
DraftId = Annotated[str, PathParam(pattern=r"^[0-9a-f]{32}$")]


@dataclass
class Upload:
    """What the multipart form sent: its text fields and the one file."""

    fields: dict[str, str] = field(default_factory=dict)
    filename: str = ""
    data: bytes = b""
    problem: str = ""  # "too_large" | "not_multipart" | "no_file"


async def read_upload(request: Request) -> Upload:
    """The upload form through the console's one upload reader (`uploads.receive`), capped at
    `UPLOAD_MAX`; what went wrong is kept as `problem` for the page to say."""
    try:
        form = await uploads.receive(request, cap=UPLOAD_MAX)
    except uploads.UploadRefused as refused:
        return Upload(problem=refused.problem)
    try:
        fields = {k: v[:1000] for k, v in form.fields.items()}
        sent = form.file("file")
        if sent is None:
            return Upload(fields=fields, problem="no_file")
        name = (sent.file_name or b"").decode("utf-8", "replace")[:200] or "catalog.json"
        return Upload(fields=fields, filename=name, data=form.data(sent))
    finally:
        form.close()


UploadForm = Annotated[Upload, Depends(read_upload)]


@dataclass(frozen=True)
class Problem:
    """One reason an upload is refused: where (the validator's path) and what, in km and en."""

    field: str
    text: Text
    code: str


def _admin(session: Any) -> None:
    if session.account.role != "admin":
        raise Refused(403, "admin_only")


def _editable(session: Any) -> bool:
    return bool(session.account.ministry == accounts.ALL)


def _national_refused(
    request: Request, session: Any, action: str, subject: str
) -> HTMLResponse | None:
    """403 (audited, nothing changes) unless an all-ministries admin changes the catalog."""
    if _editable(session):
        return None
    _audit(request, session, action, subject, "refused:catalog_all_only")
    message = t("catalog_all_only_refused", lang_of(request))
    return _list_page(request, session, 403, message=message)


def _audit(request: Request, session: Any, action: str, subject: str, outcome: str) -> None:
    with ctx_of(request).engine.begin() as conn:
        officers.record(conn, session.account.as_token_officer(), action, subject, outcome)


def _list_page(request: Request, session: Any, status: int = 200, **values: Any) -> HTMLResponse:
    with db.reading(ctx_of(request).engine) as conn:
        versions = catalog.published(conn)
        drafts = catalog.drafts(conn)
    defaults: dict[str, Any] = {"errors": [], "filename": "", "message": "", "done": ""}
    return render(
        request,
        "catalogs.html",
        status,
        session=session,
        versions=versions,
        drafts=drafts,
        upload_max_mb=MAX_BYTES // 1_000_000,
        editable=_editable(session),
        **{**defaults, **values},
    )


@router.get("/catalogs")
def catalogs_page(request: Request, session: Current) -> HTMLResponse:
    _admin(session)
    done = request.query_params.get("done", "")
    version = request.query_params.get("v", "")[:100]
    return _list_page(
        request,
        session,
        done=done if done in ("published", "discarded") else "",
        done_version=version,
    )


@router.post("/catalogs/upload")
def upload(request: Request, session: Current, form: UploadForm) -> Response:
    """Check an uploaded catalog; every problem is shown and nothing is kept, or it becomes a
    draft and the admin is sent to its preview."""
    _admin(session)
    if form.problem != "too_large":
        checked(session, form.fields)
    refused = _national_refused(request, session, "console_catalog_upload", form.filename)
    if refused is not None:
        return refused
    if form.problem:
        _audit(request, session, "console_catalog_upload", form.filename, f"refused:{form.problem}")
        message = t(f"catalog_{form.problem}", lang_of(request), mb=MAX_BYTES // 1_000_000)
        status = 413 if form.problem == "too_large" else 422
        return _list_page(request, session, status, message=message, filename=form.filename)
    found = check_catalog(form.data, form.filename)
    problems = [Problem(e.field, e.text, e.code) for e in found.errors]
    engine = ctx_of(request).engine
    if found.catalog is not None:
        with engine.begin() as conn:
            if catalog.is_published(conn, found.catalog.version):
                words = Text(*(t("catalog_version_exists", lang) for lang in ("km", "en")))
                problems.append(Problem("version", words, "version_exists"))
            else:
                draft_id = catalog.save_draft(
                    conn, form.data, found.catalog.version, form.filename, session.account.label
                )
                officers.record(
                    conn,
                    session.account.as_token_officer(),
                    "console_catalog_upload",
                    found.catalog.version,
                    "ok",
                    detail=f"draft {draft_id}",
                )
                return RedirectResponse(f"/console/catalogs/drafts/{draft_id}", 303)
    codes = ",".join(sorted({e.code or "invalid" for e in problems}))
    _audit(request, session, "console_catalog_upload", form.filename, f"refused:{codes}"[:60])
    return _list_page(request, session, 422, errors=problems, filename=form.filename)


# --- preview ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Preview:
    """A catalog as the preview shows it."""

    catalog: Catalog
    ministries: dict[str, str]  # service id -> ministry key (the server's, not the file's)
    published: bool


def condition_text(service: Service, cond: Condition) -> Text:
    """`cond` in words of the catalog itself: the asked question's label and the option
    labels (a value with no option label is shown as it is)."""
    asked = service.field(cond.field)
    label = asked.label if asked is not None else Text(cond.field, cond.field)

    def shown(value: Any) -> Text:
        if isinstance(value, bool):
            return Text("បាទ/ចាស", "yes") if value else Text("ទេ", "no")
        option = asked.option_label(str(value)) if asked is not None else None
        return option or Text(str(value), str(value))

    values = cond.value if isinstance(cond.value, tuple) else (cond.value,)
    parts = [shown(v) for v in values]
    km_op, en_op = {"equals": ("=", "="), "not_equals": ("≠", "≠"), "in": ("∈", "is one of")}[
        cond.op
    ]
    return Text(
        km=f"«{label.km}» {km_op} " + " / ".join(f"«{x.km}»" for x in parts),
        en=f"“{label.en}” {en_op} " + " / ".join(f"“{x.en}”" for x in parts),
    )


def _preview_page(
    request: Request, session: Any, preview: Preview, status: int = 200, **values: Any
) -> HTMLResponse:
    defaults: dict[str, Any] = {"draft": None, "message": ""}
    unowned = [s for s in preview.catalog.services.values() if s.id not in preview.ministries]
    return render(
        request,
        "catalog_preview.html",
        status,
        session=session,
        preview=preview,
        cat=preview.catalog,
        condition_text=condition_text,
        unowned=unowned,
        ministries=accounts.MINISTRIES,
        editable=_editable(session),
        **{**defaults, **values},
    )


def _preview(conn: Any, raw: str, name: str, published: bool) -> Preview:
    return Preview(
        catalog=parse_catalog(raw.encode("utf-8"), name),
        ministries=scope.ministries(conn),
        published=published,
    )


@router.get("/catalogs/drafts/{draft_id}")
def draft_page(request: Request, session: Current, draft_id: DraftId) -> HTMLResponse:
    _admin(session)
    with db.reading(ctx_of(request).engine) as conn:
        row = catalog.draft(conn, draft_id)
        if row is None:
            raise Refused(404, "not_found")
        preview = _preview(conn, row.body, row.filename, False)
    return _preview_page(request, session, preview, draft=row)


@router.get("/catalogs/versions/{version}")
def version_page(request: Request, session: Current, version: str) -> HTMLResponse:
    """A published version's preview (what kiosks on it ask)."""
    _admin(session)
    with db.reading(ctx_of(request).engine) as conn:
        body = catalog.fetch(conn, "catalog", version[:100])
        if body is None:
            raise Refused(404, "not_found")
        try:
            preview = _preview(conn, body, version, True)
        except CatalogError as exc:  # published before uploads were checked: say so
            errors = [Problem(exc.field, exc.text, exc.code)]
            return _list_page(request, session, 422, errors=errors, filename=version)
    return _preview_page(request, session, preview)


@router.post("/catalogs/drafts/{draft_id}/publish")
def publish(request: Request, session: Current, draft_id: DraftId, form: Form) -> Response:
    """Publish a draft once the admin typed its version (every action works without script, so
    the confirmation is a form field, not a dialog)."""
    checked(session, form)
    _admin(session)
    refused = _national_refused(request, session, "console_catalog_publish", draft_id)
    if refused is not None:
        return refused
    engine = ctx_of(request).engine
    with db.reading(engine) as conn:
        row = catalog.draft(conn, draft_id)
        if row is None:
            raise Refused(404, "not_found")
        if form.get("confirm", "").strip() != row.version:
            preview = _preview(conn, row.body, row.filename, False)
            message = t("catalog_confirm_needed", lang_of(request), version=row.version)
            return _preview_page(request, session, preview, 422, draft=row, message=message)
    owners = {
        sid[len("ministry_") :]: m
        for sid, m in form.items()
        if sid.startswith("ministry_") and m in accounts.MINISTRIES
    }
    try:
        with engine.begin() as conn:
            version = catalog.publish_draft(conn, draft_id)
            known = parse_catalog(str(row.body).encode("utf-8"), row.filename).services
            added = catalog.set_owners(conn, {k: v for k, v in owners.items() if k in known})
            officers.record(
                conn,
                session.account.as_token_officer(),
                "console_catalog_publish",
                version,
                "ok",
                detail=" ".join(f"{k}={v}" for k, v in sorted(added.items())),
            )
    except LookupError:  # published or discarded meanwhile, by another admin
        _audit(request, session, "console_catalog_publish", draft_id, "refused:not_found")
        raise Refused(404, "not_found") from None
    except FileExistsError:
        _audit(request, session, "console_catalog_publish", row.version, "refused:version_exists")
        message = t("catalog_version_exists", lang_of(request))
        return _list_page(request, session, 409, message=message)
    return RedirectResponse(f"/console/catalogs?done=published&v={quote(version)}", 303)


@router.post("/catalogs/drafts/{draft_id}/discard")
def discard(request: Request, session: Current, draft_id: DraftId, form: Form) -> Response:
    checked(session, form)
    _admin(session)
    refused = _national_refused(request, session, "console_catalog_discard", draft_id)
    if refused is not None:
        return refused
    with ctx_of(request).engine.begin() as conn:
        if not catalog.drop_draft(conn, draft_id):
            raise Refused(404, "not_found")
        officers.record(
            conn, session.account.as_token_officer(), "console_catalog_discard", draft_id, "ok"
        )
    return RedirectResponse("/console/catalogs?done=discarded", 303)
