"""USB bundles in the back office: upload a kiosk's `.salabundle`, see what it brought, and
download the signed `.salareturn` for the stick.

The upload is read by `console/uploads.py` into a temp file in the data dir as it streams: a
bundle is never held in memory while it uploads (nor while it imports: `import_file` reads it
in segments), and an oversize one is refused. The import is
`usb_import.import_file`, what `sala-server import` runs: the network's commit path and rules,
so a second upload of the same bundle changes nothing and says so. Admins and supervisors
import the bundles of the communes in their jurisdiction (`Account.covers`, on the manifest's
commune, read before anything is committed; the import then holds it against the enrolled
device), and download only those communes' returns. Return bundles
are kept under `<data dir>/usb-returns/<commune>/` for download, and expire (`expire_returns`,
run by the server's sweep at start and every interval, and at each upload): 7 days after the
first download (a `<name>.fetched` marker holds its time), and 30 days after they were written
if never downloaded. A technician who needs one later imports the bundle again: the import is
idempotent and writes a fresh return. Temp files an interrupted upload left go after a day.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from sync.protocol import usb as fmt
from sync.protocol.usb_reader import BundleReader
from sync.server import db, officers, usb_import
from sync.server.console import uploads
from sync.server.console.accounts import Account, Session
from sync.server.console.application import Refused
from sync.server.console.web import Current, checked, ctx_of, render
from sync.server.context import Context

router = APIRouter(prefix="/console", include_in_schema=False)
UPLOAD_MAX = 256 * 1024 * 1024  # bigger bundles: `sala-server import` on the server itself
# (limits.LARGE_BODIES lets this route's body past the server-wide 16 MB; the cap is here)
SLACK = 64 * 1024  # the form's other fields and multipart framing
INCOMING = "usb-uploads"
RETURNS = "usb-returns"
RETURN_NAME = re.compile(r"sala-return-[0-9A-Za-z-]{1,8}-[0-9A-Za-z-]{1,8}\.salareturn")
COMMUNE = re.compile(r"[0-9]{6}")
FETCHED = ".fetched"  # marker beside a return bundle: its mtime is the first download
KEEP_DAYS = 30  # a return bundle never downloaded
AFTER_DOWNLOAD_DAYS = 7  # a downloaded one (the stick may have failed: a second chance)
INCOMING_HOURS = 24  # a temp file of an upload that never finished (a crash, a kill)
log = logging.getLogger(__name__)


def expire_returns(data_dir: Path, now: float | None = None) -> int:
    """Delete return bundles past their time, their markers and stale upload temp files;
    returns how many return bundles went. One directory listing per commune: cheap enough
    for every upload. A file that cannot be removed is left for the next sweep."""
    now = time.time() if now is None else now
    removed = 0
    for folder in (data_dir / RETURNS).glob("*"):
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            try:
                if path.name.endswith(FETCHED):
                    if not path.with_name(path.name.removesuffix(FETCHED)).exists():
                        path.unlink()  # its bundle is gone
                    continue
                if not RETURN_NAME.fullmatch(path.name):
                    continue
                marker = path.with_name(path.name + FETCHED)
                fetched = marker.stat().st_mtime if marker.exists() else None
                due = (
                    now - fetched > AFTER_DOWNLOAD_DAYS * 86400
                    if fetched is not None
                    else now - path.stat().st_mtime > KEEP_DAYS * 86400
                )
                if due:
                    path.unlink()
                    marker.unlink(missing_ok=True)
                    removed += 1
            except OSError as exc:
                log.warning("return bundle %s not expired: %s", path.name, exc)
    for path in (data_dir / INCOMING).glob("*"):
        try:
            if path.is_file() and now - path.stat().st_mtime > INCOMING_HOURS * 3600:
                path.unlink()
        except OSError as exc:
            log.warning("upload temp file %s not removed: %s", path.name, exc)
    return removed


@dataclass
class Outcome:
    result: usb_import.ImportResult | None = None
    error: str = ""  # a BundleError code (i18n `usb_e_<code>`), "io" or "no_file"
    detail: str = ""  # the technician's English sentence, shown small under the message
    commune: str = ""
    before: tuple[float, str] | None = None  # an earlier console import of this bundle


def _allowed(session: Session) -> Account:
    if not session.account.manages_communes():
        raise Refused(403, "forbidden_role")
    return session.account


def _page(request: Request, session: Session, status: int = 200, **values: Any) -> HTMLResponse:
    values.setdefault("o", None)
    return render(request, "usb.html", status, session=session, cap_mb=UPLOAD_MAX >> 20, **values)


@router.get("/usb")
def usb_page(request: Request, session: Current) -> HTMLResponse:
    _allowed(session)
    return _page(request, session)


@router.post("/usb")
async def usb_upload(request: Request, session: Current) -> Response:
    account = _allowed(session)
    ctx = ctx_of(request)
    incoming = ctx.config.data_dir / INCOMING
    incoming.mkdir(exist_ok=True)
    await run_in_threadpool(expire_returns, ctx.config.data_dir)
    try:
        form = await uploads.receive(
            request,
            cap=UPLOAD_MAX + SLACK,
            upload_dir=incoming,
            spool_at=0,
            max_fields=10,
            drain_oversize=False,
        )
    except uploads.UploadRefused as refused:
        error = "too_large" if refused.problem == "too_large" else "no_file"
        return _page(request, session, 413 if error == "too_large" else 422, o=Outcome(error=error))
    try:
        checked(session, form.fields)
        bundle = form.file("bundle")
        if bundle is None:
            return _page(request, session, 422, o=Outcome(error="no_file"))
        outcome = await run_in_threadpool(_import, ctx, account, form.path(bundle))
    finally:
        form.close()
    return _page(request, session, 422 if outcome.error else 200, o=outcome)


def _audit(ctx: Context, account: Account, subject: str, outcome: str, detail: str = "") -> None:
    with ctx.engine.begin() as conn:
        officers.record(
            conn, account.as_token_officer(), "console_usb_import", subject, outcome, detail=detail
        )


def _earlier(ctx: Context, bundle_id: str) -> tuple[float, str] | None:
    audit = db.officer_audit
    with db.reading(ctx.engine) as conn:
        row = conn.execute(
            select(audit.c.at, audit.c.officer)
            .where(audit.c.action == "console_usb_import")
            .where(audit.c.subject == bundle_id)
            .where(audit.c.outcome == "ok")
            .order_by(audit.c.id)
            .limit(1)
        ).first()
    return (float(row.at), str(row.officer).split("#")[0]) if row else None


def _import(ctx: Context, account: Account, path: Path) -> Outcome:
    """Check the framing and the officer's reach, then `import_file`; audited either way."""
    try:
        with BundleReader(path) as reader:  # the framing only: the import reads the rest
            manifest = reader.manifest
        commune = str(manifest.get("commune_code", ""))
        bundle_id = str(manifest.get("bundle_id", ""))[:64]
        if not COMMUNE.fullmatch(commune):
            raise fmt.BundleError("tampered", "The bundle names no commune.")
        if not account.covers(commune):
            _audit(ctx, account, bundle_id, "refused:outside_jurisdiction", commune)
            raise Refused(403, "st_outside")
        before = _earlier(ctx, bundle_id)
        returns = ctx.config.data_dir / RETURNS / commune
        returns.mkdir(parents=True, exist_ok=True)
        result = usb_import.import_file(ctx, path, returns)
        if result.return_path is not None:  # a fresh return starts its own time
            result.return_path.with_name(result.return_path.name + FETCHED).unlink(missing_ok=True)
    except fmt.BundleError as exc:
        _audit(ctx, account, "upload", f"refused:{exc.code}", exc.message)
        return Outcome(error=exc.code, detail=exc.message)
    except OSError as exc:
        _audit(ctx, account, "upload", "refused:io", str(exc))
        return Outcome(error="io", detail=str(exc))
    counts = (
        f"device={result.device_id} created={len(result.created)} "
        f"repeated={len(result.repeated)} refused={len(result.refused)}"
    )
    _audit(ctx, account, result.bundle_id, "ok", counts)
    return Outcome(result=result, commune=commune, before=before)


@router.get("/usb/returns/{commune}/{name}")
def usb_return(request: Request, session: Current, commune: str, name: str) -> FileResponse:
    account = _allowed(session)
    if not COMMUNE.fullmatch(commune) or not RETURN_NAME.fullmatch(name):
        raise Refused(404, "not_found")
    ctx = ctx_of(request)
    if not account.covers(commune):
        with ctx.engine.begin() as conn:
            officer = account.as_token_officer()
            officers.record(
                conn, officer, "console_usb_return", name, "refused:outside_jurisdiction"
            )
        raise Refused(403, "st_outside")
    path = ctx.config.data_dir / RETURNS / commune / name
    if not path.is_file():
        raise Refused(404, "not_found")
    with ctx.engine.begin() as conn:
        officers.record(conn, account.as_token_officer(), "console_usb_return", name, "ok")
    marker = path.with_name(name + FETCHED)
    try:
        if not marker.exists():  # the first download starts the return's last week
            marker.touch()
    except OSError as exc:  # the download matters more; the 30 days still apply
        log.warning("download of %s not marked: %s", name, exc)
    return FileResponse(
        path,
        media_type="application/octet-stream",
        filename=name,
        headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
    )
