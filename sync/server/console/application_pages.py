"""One page of an application, larger and turned: the console's zoom and rotate.

Every page works without scripts (the console's only script, htmx, is an enhancement), so
both happen on the server: the media route turns an image with Pillow when asked
`?rotate=90|180|270` (clockwise, after the camera's own EXIF orientation), and this page shows
a page fitted to the screen, at its own size or at twice it, with links to turn it.
Authorisation is the media route's (ministry and jurisdiction, a page listed by the commit or
one of its supplements); the image request itself is what the audit records as `console_media`.

A page is data from a kiosk, not trusted: it is opened through `image_open` (only the
formats kiosks send, and a page over `image_open.PIXELS_MAX` refused from its header, before
any pixel is decoded), and set upright by Pillow's `ImageOps.exif_transpose`. `rotate=0`
serves the stored file as it is (browsers apply its EXIF orientation), and the size for the
page view comes from the header and the EXIF orientation tag, so neither decodes anything. At
most `DECODES` pages are decoded at once per process, and turned images are kept in `TURNED`,
an in-memory LRU with a byte cap: in memory, not beside the media on disk, because a turned
page is a copy of a citizen's document that retention, purge and backups would otherwise have
to know about; it serves the repeats that matter (zoom links, reloads, turning back) and dies
with the process.
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from sync.server import db
from sync.server.console import application_extra, scope
from sync.server.console.application import Refused, _get
from sync.server.console.image_open import TooLarge, Unreadable, open_image
from sync.server.console.web import Current, RegId, ctx_of, render
from sync.server.media import is_sha256

router = APIRouter(prefix="/console", include_in_schema=False)
TURNS = ("0", "90", "180", "270")
ZOOMS = ("fit", "100", "200")
TURNABLE = {"image/jpeg": "JPEG", "image/png": "PNG"}  # as kiosks send pages
ORIENTATION_TAG = 0x0112
SWAPPED = (5, 6, 7, 8)  # EXIF orientations that show the image on its side
DECODES = threading.BoundedSemaphore(2)  # 2 × (≤ 40 MP × 3 B × 2 copies) ≈ 0.5 GB at worst
# A request waits this long for a decode slot, then gets 503 (`page_busy`): handler threads are
# shared with the kiosks' API, so pages being turned must not hold them all indefinitely.
DECODE_WAIT_S = 10.0
MEDIA_HEADERS = {  # as web.media sends a file: it is shown alone, never run
    "Content-Security-Policy": "default-src 'none'; img-src 'self'; sandbox",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "private, no-store",
}


class TurnedCache:
    """Turned images by (sha256, turn), least recently used out first, within `max_bytes`."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str]) -> bytes | None:
        with self._lock:
            data = self._items.get(key)
            if data is not None:
                self._items.move_to_end(key)
            return data

    def put(self, key: tuple[str, str], data: bytes) -> None:
        if len(data) > self.max_bytes // 4:  # one huge page must not flush all the others
            return
        with self._lock:
            old = self._items.pop(key, None)
            self._bytes -= len(old) if old is not None else 0
            self._items[key] = data
            self._bytes += len(data)
            while self._bytes > self.max_bytes:
                _key, dropped = self._items.popitem(last=False)
                self._bytes -= len(dropped)

    def held(self) -> list[tuple[str, str]]:
        with self._lock:
            return list(self._items)

    @property
    def size(self) -> int:
        return self._bytes


TURNED = TurnedCache(64 * 1024 * 1024)


def _turn(rotate: str) -> str:
    if rotate not in TURNS:
        raise Refused(422, "bad_rotate")
    return rotate


def _orientation(im: Any) -> int:
    """The EXIF orientation from the header's EXIF block (never `getexif()`: for a PNG it
    decodes the whole image first); 1 when there is none."""
    from PIL import Image

    raw = im.info.get("exif")
    if not raw:
        return 1
    exif = Image.Exif()
    try:
        exif.load(raw)
        value = exif.get(ORIENTATION_TAG, 1)
    except Exception:  # a damaged EXIF block (struct.error, SyntaxError, ...): as upright
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _open(path: Path) -> Any:
    """The image at `path`, header read, pixels not decoded; Refused 422 if it is not a
    kiosk's format (`cannot_rotate`) or is over the pixel cap (`page_too_large`)."""
    try:
        return open_image(path)
    except TooLarge as exc:
        raise Refused(422, "page_too_large") from exc
    except Unreadable as exc:
        raise Refused(422, "cannot_rotate") from exc


def _turned(path: Path, mime: str, turn: str) -> bytes:
    from PIL import Image, ImageOps

    steps = {  # Pillow's ROTATE_n turn counter-clockwise
        "90": Image.Transpose.ROTATE_270,
        "180": Image.Transpose.ROTATE_180,
        "270": Image.Transpose.ROTATE_90,
    }
    out = io.BytesIO()
    with _open(path) as im:
        try:
            oriented = _orientation(im) != 1  # a damaged EXIF block: as upright, not refused
            im.load()
            if oriented:  # in place: the unturned pixels are let go at once
                ImageOps.exif_transpose(im, in_place=True)
            image = im.transpose(steps[turn])
            kind = TURNABLE[mime]
            if kind == "JPEG" and image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            image.save(out, kind, **({"quality": 90} if kind == "JPEG" else {}))
        except (OSError, ValueError, SyntaxError) as exc:  # truncated or damaged
            raise Refused(422, "cannot_rotate") from exc
    return out.getvalue()


def rotated(path: Path, mime: str, rotate: str, sha256: str) -> Response:
    """The image at `path` turned `rotate` degrees clockwise; 422 for other angles, a PDF, a
    file Pillow cannot read, or a page over the pixel cap (`page_too_large`); 503 (`page_busy`)
    when no decode slot frees within DECODE_WAIT_S. `0`: the stored file as it is."""
    turn = _turn(rotate)
    if mime not in TURNABLE:
        raise Refused(422, "cannot_rotate")
    headers = {**MEDIA_HEADERS, "Content-Disposition": f'inline; filename="{sha256[:12]}"'}
    if turn == "0":
        return FileResponse(path, media_type=mime, headers=headers)
    key = (sha256, turn)
    data = TURNED.get(key)
    if data is None:
        if not DECODES.acquire(timeout=DECODE_WAIT_S):
            raise Refused(503, "page_busy")
        try:
            data = TURNED.get(key)  # another request may have turned it meanwhile
            if data is None:
                data = _turned(path, mime, turn)
                TURNED.put(key, data)
        finally:
            DECODES.release()
    kind_mime = "image/jpeg" if TURNABLE[mime] == "JPEG" else "image/png"
    return Response(data, media_type=kind_mime, headers=headers)


def _size(path: Path, turn: str) -> tuple[int, int]:
    """Width and height as shown after the EXIF orientation and the turn, from the header
    (nothing decoded); Refused as `_open` when it cannot be read or is over the cap."""
    with _open(path) as im:
        width, height = im.size
        if _orientation(im) in SWAPPED:
            width, height = height, width
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
    turnable, too_large = page.mime in TURNABLE, False
    size: tuple[int, int] | None = None
    if turnable:
        try:
            size = _size(ctx.media.media_path(sha256), turn)
        except Refused as exc:
            too_large = exc.code == "page_too_large"
    if too_large and turn != "0":  # said here, not as a broken picture
        raise Refused(422, "page_too_large")
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
        too_large=too_large,
        width=width,
        left=TURNS[(TURNS.index(turn) - 1) % 4],
        right=TURNS[(TURNS.index(turn) + 1) % 4],
    )
