"""One page of an application, larger and turned: the console's zoom and rotate.

The console runs no scripts (its CSP forbids them), so both happen on the server: the media
route turns an image with Pillow when asked `?rotate=90|180|270` (clockwise, after the
camera's own EXIF orientation), and this page shows a page fitted to the screen, at its own
size or at twice it, with links to turn it. Authorisation is the media route's (ministry and
jurisdiction, a page listed by the commit or one of its supplements); the image request itself
is what the audit records as `console_media`.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from sync.server import db
from sync.server.console import application_extra, scope
from sync.server.console.application import Refused, _get
from sync.server.console.web import Current, RegId, ctx_of, render
from sync.server.media import is_sha256

router = APIRouter(prefix="/console", include_in_schema=False)
TURNS = ("0", "90", "180", "270")
ZOOMS = ("fit", "100", "200")
TURNABLE = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "PNG"}
MEDIA_HEADERS = {  # as web.media sends a file: it is shown alone, never run
    "Content-Security-Policy": "default-src 'none'; img-src 'self'; sandbox",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "private, no-store",
}


def _turn(rotate: str) -> str:
    if rotate not in TURNS:
        raise Refused(422, "bad_rotate")
    return rotate


def rotated(path: Path, mime: str, rotate: str, sha256: str) -> Response:
    """The image at `path` turned `rotate` degrees clockwise; 422 for other angles, a PDF, or a
    file Pillow cannot read (a decompression bomb included)."""
    turn = _turn(rotate)
    if mime not in TURNABLE:
        raise Refused(422, "cannot_rotate")
    from PIL import Image, ImageOps

    steps = {
        "0": None,
        "90": Image.Transpose.ROTATE_270,  # Pillow's ROTATE_n turn counter-clockwise
        "180": Image.Transpose.ROTATE_180,
        "270": Image.Transpose.ROTATE_90,
    }
    out = io.BytesIO()
    try:
        with Image.open(path) as im:
            upright = ImageOps.exif_transpose(im)
            step = steps[turn]
            turned = upright.transpose(step) if step is not None else upright
            kind = TURNABLE[mime]
            if kind == "JPEG" and turned.mode not in ("RGB", "L"):
                turned = turned.convert("RGB")
            turned.save(out, kind, **({"quality": 90} if kind == "JPEG" else {}))
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise Refused(422, "cannot_rotate") from exc
    kind_mime = "image/jpeg" if TURNABLE[mime] == "JPEG" else "image/png"
    headers = {**MEDIA_HEADERS, "Content-Disposition": f'inline; filename="{sha256[:12]}"'}
    return Response(out.getvalue(), media_type=kind_mime, headers=headers)


def _size(path: Path, turn: str) -> tuple[int, int] | None:
    """Width and height as shown after the turn (Pillow reads only the header)."""
    from PIL import Image, ImageOps

    try:
        with Image.open(path) as im:
            width, height = ImageOps.exif_transpose(im).size
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
    return (height, width) if turn in ("90", "270") else (width, height)


@router.get("/applications/{reg_id}/pages/{sha256}")
def page_view(
    request: Request,
    session: Current,
    reg_id: RegId,
    sha256: str,
    rotate: str = "0",
    zoom: str = "fit",
) -> HTMLResponse:
    turn = _turn(rotate)
    if zoom not in ZOOMS:
        raise Refused(422, "bad_zoom")
    ctx = ctx_of(request)
    with db.reading(ctx.engine) as conn:
        row, _fact = _get(conn, session.account, reg_id)  # 404 / 403 as the media route
        service = scope.services(conn).get((row.service_id, row.form_version))
        page = application_extra.attachment_named(conn, row, sha256) if is_sha256(sha256) else None
    if page is None or not ctx.media.has(sha256):
        raise Refused(404, "not_found")
    turnable = page.mime in TURNABLE
    size = _size(ctx.media.media_path(sha256), turn) if turnable else None
    width: Any = None
    if size is not None and zoom != "fit":
        width = size[0] * (2 if zoom == "200" else 1)
    return render(
        request,
        "application_page.html",
        session=session,
        row=row,
        page=page,
        field=application_extra.field_labels(service).get(page.field_id, {}),
        turn=turn,
        zoom=zoom,
        turnable=turnable,
        width=width,
        left=TURNS[(TURNS.index(turn) - 1) % 4],
        right=TURNS[(TURNS.index(turn) + 1) % 4],
    )
