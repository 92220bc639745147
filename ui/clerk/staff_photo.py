"""Staff photos in the staff screens: the camera panel a supervisor takes a colleague's photo
with (`StaffPhotoPanel`, shown by `clerk_staff`), and the round photo on the sign-in cards and
staff rows (`show_photo`, over the initials avatar, which stays as the fallback).

The camera is the citizen capture's own: `FrameWorker` reads and checks frames on its thread
(`FaceTracker`), and the live and review pages are the photo step's layout
(`ui.capture.camera_pages.CameraPages`); cutting the portrait
(`kiosk.staff.photo.portrait_from_frame`) and decoding JPEGs run on the io pool; the store
work (`StaffDesk.set_photo`/`remove_photo`/`photos`) runs on the db worker. Thumbnails are kept
small (`THUMB_PX`) in a cache keyed by the photo's hash, so a card's photo is decrypted and
decoded once per change, never on the GUI thread.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QImage, QPainter, QPainterPath, QPixmap
from PySide6.QtWidgets import QVBoxLayout, QWidget

from kiosk.i18n import error_text
from ui.capture.camera_pages import CameraPages
from ui.capture.frame_worker import FrameWorker, Latest, source_opener, start_frame_worker
from ui.clerk.widgets import Avatar
from ui.widgets.basic import BigButton, ErrorLabel
from ui.widgets.text import tr

if TYPE_CHECKING:
    from PySide6.QtGui import QPaintEvent

log = logging.getLogger(__name__)
THUMB_PX = 176  # a card's photo is decoded at this size (2x the largest avatar)
CACHE_SIZE = 64  # thumbnails kept (one commune's staff, with room to spare)
OnError = Callable[[BaseException], None]
Runner = Callable[[Callable[[Any], Any], Callable[[Any], None], OnError], None]

_thumbs: OrderedDict[str, QImage] = OrderedDict()  # sha256 -> square thumbnail


# -- thumbnails on the cards ---------------------------------------------------------------------
def thumbnail(data: bytes, side: int = THUMB_PX) -> QImage:
    """A square, top-centred crop of a portrait, scaled to `side` px (io pool: never the GUI
    thread). A null QImage when the bytes do not decode."""
    image = QImage.fromData(data)
    if image.isNull():
        return image
    w, h = image.width(), image.height()
    s = min(w, h)
    top = max(0, min(h - s, round(h * 0.08))) if h > w else 0  # keep the head, not the chest
    square = image.copy((w - s) // 2, top, s, s)
    return square.scaled(
        side,
        side,
        Qt.AspectRatioMode.IgnoreAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    ).convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)


def _decode_all(found: dict[str, tuple[str, bytes | None]]) -> dict[str, tuple[str, QImage]]:
    return {
        staff_id: (sha, thumbnail(data))
        for staff_id, (sha, data) in found.items()
        if data is not None
    }


def load_photos(ctx: Any, run_staff: Runner, on_done: Callable[[dict[str, QImage]], None]) -> None:
    """{staff id: thumbnail} for every account with a photo, through the cache: the db worker
    reads only photos not cached; the io pool decodes them; `on_done` runs on the GUI thread."""

    def read(found: dict[str, tuple[str, bytes | None]]) -> None:
        if all(data is None for _sha, data in found.values()):  # none, or all cached
            on_done({sid: _thumbs[sha] for sid, (sha, _d) in found.items() if sha in _thumbs})
            return

        def decoded(images: dict[str, tuple[str, QImage]]) -> None:
            for sha, image in images.values():
                if not image.isNull():
                    _thumbs[sha] = image
            while len(_thumbs) > CACHE_SIZE:
                _thumbs.popitem(last=False)
            out = {sid: _thumbs[sha] for sid, (sha, _d) in found.items() if sha in _thumbs}
            on_done(out)

        ctx.tasks.run_io(
            lambda: _decode_all(found),
            decoded,
            lambda exc: log.warning("staff photos not decoded: %s", exc),
        )

    known = frozenset(_thumbs)
    run_staff(
        lambda desk: desk.photos(known),
        read,
        lambda exc: log.warning("staff photos not read: %s", exc),
    )


class PhotoFace(QWidget):
    """The photo, round, painted over an `Avatar` of the same size (the initials stay below as
    the fallback: hiding this shows them again)."""

    def __init__(self, avatar: QWidget) -> None:
        super().__init__(avatar)
        self.setObjectName("staffPhotoFace")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.image: QImage | None = None
        self.setGeometry(avatar.rect())

    def set_image(self, image: QImage | None) -> None:
        self.image = image
        self.setVisible(image is not None)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        if self.image is None:
            return
        p = QPainter(self)
        try:
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            rect = QRectF(self.rect()).adjusted(1, 1, -1, -1)
            clip = QPainterPath()
            clip.addEllipse(rect)
            p.setClipPath(clip)
            p.drawImage(rect, self.image)
        finally:
            p.end()


def show_photo(holder: QWidget, image: QImage | None) -> bool:
    """Put `image` on the first initials avatar inside `holder` (a card or a row); None shows
    the initials again. False when `holder` has no avatar."""
    avatar = holder.findChild(Avatar)
    if avatar is None:
        return False
    face = avatar.findChild(PhotoFace)
    if face is None:
        if image is None:
            return True
        face = PhotoFace(avatar)
    face.set_image(image)
    return True


# -- the camera panel ----------------------------------------------------------------------------
# The citizen capture's camera texts that offer a file or the scanner, which this panel has
# not: said here as what a supervisor can do instead.
STAFF_CAMERA_TEXTS = {
    "capture.error.camera_missing": "clerk.ui.staff.photo_no_camera",
    "capture.camera.black": "clerk.ui.staff.photo_black",
}


class StaffPhotoPanel(QWidget):
    """Live camera with the face guide and a large shutter; then the portrait with "Take again"
    and "Save photo"; "Remove photo" when the account has one. Refusals (no face, two faces,
    too dark…) are said in the screen's language and the camera stays on."""

    saved = Signal(object)  # the StaffMember whose photo was stored
    removed = Signal(object)  # the StaffMember whose photo was removed

    def __init__(self, ctx: Any, run_staff: Runner, session: Callable[[], Any]) -> None:
        super().__init__()
        self.setObjectName("staffPhotoPanel")
        self.ctx = ctx
        self._run_staff = run_staff
        self._session = session
        self.source: Any = None  # a FrameSource opener (tests), else the kiosk's camera
        self.lang = "km"
        self.member: Any = None
        self.has_photo = False
        self.worker: FrameWorker | None = None
        self.latest: Latest | None = None
        self.portrait: bytes | None = None
        self.is_demo = False
        self.busy = False
        self._error: BaseException | None = None
        # Kept, not said once: a language switch says the camera's failure or problem again.
        self._camera_error: BaseException | None = None
        self._problem: str | None = None  # an i18n key (camera covered, too dark…)
        self._shot = 0  # a portrait cut for an earlier shot is dropped
        self._build()

    def _build(self) -> None:
        root = QVBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(12)
        self.pages = CameraPages("staffPhoto", primary="Save", size="shutter")
        root.addWidget(self.pages, 1)
        self.view, self.shutter = self.pages.view, self.pages.shutter
        self.check, self.image = self.pages.review_text, self.pages.review_image
        self.retake, self.save = self.pages.retake, self.pages.primary
        self.shutter.clicked.connect(self._on_shutter)
        self.retake.clicked.connect(self._on_retake)
        self.save.clicked.connect(self._on_save)
        self.error = ErrorLabel()
        self.error.setObjectName("staffPhotoError")
        root.addWidget(self.error)
        self.remove = BigButton(kind="secondary")
        self.remove.setObjectName("staffPhotoRemove")
        self.remove.clicked.connect(self._on_remove)
        root.addWidget(self.remove, 0, Qt.AlignmentFlag.AlignLeft)

    # -- showing -----------------------------------------------------------------------------
    def shutter_height(self) -> int:
        """The shutter's height as the stylesheet makes it (its one owner, kiosk.qss)."""
        self.shutter.ensurePolished()
        return max(self.shutter.minimumHeight(), self.shutter.sizeHint().height())

    def open(self, member: Any, *, has_photo: bool, locale: str, height: int) -> None:
        """Start on the live camera for `member`; `height` is what the screen can give the
        preview with the shutter still in view."""
        self.member, self.has_photo, self.lang = member, has_photo, locale
        self.portrait, self.latest, self._error, self._camera_error = None, None, None, None
        self._problem = None
        self.busy = False
        view = max(240, min(720, height))
        self.view.setFixedHeight(view)
        self.image.setFixedHeight(max(200, view - 52))  # the review's question takes the rest
        self.pages.setCurrentIndex(0)
        self.retranslate(locale)
        self.start_camera()

    def reset(self) -> None:
        """Nothing of the photo stays (the staff side ended, or the supervisor left)."""
        self.stop_camera()
        self._shot += 1
        self.member, self.portrait, self.latest, self._error = None, None, None, None
        self._camera_error, self._problem = None, None
        self.image.clear()
        self.view.clear_frame()
        self.error.clear_error()
        self.busy = False
        self.pages.setCurrentIndex(0)

    def retranslate(self, locale: str) -> None:
        self.lang = locale
        name = self.member.name.get(locale) if self.member is not None else ""
        self.shutter.setText(tr("clerk.ui.staff.photo_shutter", locale))
        self.retake.setText(tr("clerk.ui.staff.photo_retake", locale))
        self.save.setText(tr("clerk.ui.staff.photo_save", locale))
        self.remove.setText(tr("clerk.ui.staff.photo_remove", locale))
        self.check.setText(tr("clerk.ui.staff.photo_check", locale, name=name))
        self.view.set_text(badge=tr("capture.camera.demo", locale) if self.is_demo else "")
        self._show_instruction()
        self._show_error()
        self._enable()

    def _enable(self) -> None:
        live = self.pages.currentIndex() == 0
        self.shutter.setEnabled(
            live and not self.busy and self.latest is not None and self._camera_error is None
        )
        self.save.setEnabled(not self.busy and self.portrait is not None)
        self.retake.setEnabled(not self.busy)
        self.remove.setVisible(self.has_photo and live)
        self.remove.setEnabled(not self.busy)

    def _show_error(self) -> None:
        if self._error is None:
            self.error.clear_error()
        else:
            self.error.show_error(error_text(self._error, self.lang, fallback="clerk.ui.error"))

    def _fail(self, exc: BaseException) -> None:
        self.busy = False
        if not hasattr(exc, "message_key"):
            log.error("staff photo failed", exc_info=exc)
        self._error = exc
        self._show_error()
        self._enable()

    # -- camera ------------------------------------------------------------------------------
    def start_camera(self) -> None:
        if self.worker is not None:
            return
        from kiosk.capture.face import FaceTracker

        self.worker = start_frame_worker(
            source_opener(self.source, self.ctx, "face", 15.0),
            FaceTracker(),
            mirror=True,
            parent=self,
            on_frame=self._on_frame,
            on_problem=self._on_problem,
            on_opened=self._on_opened,
            on_failed=self._on_failed,
        )

    def stop_camera(self) -> None:
        worker, self.worker = self.worker, None
        if worker is not None:
            worker.request_stop()  # never waits: the thread closes the camera itself

    def hideEvent(self, event: Any) -> None:
        self.stop_camera()
        super().hideEvent(event)

    def _on_opened(self, info: dict[str, Any]) -> None:
        self.is_demo = bool(info.get("is_demo"))
        self._camera_error = None
        self.view.set_text(badge=tr("capture.camera.demo", self.lang) if self.is_demo else "")
        self._show_instruction()

    def _on_failed(self, exc: BaseException) -> None:
        self._camera_error = exc
        self._show_instruction()
        self._enable()

    def _on_problem(self, key: str | None) -> None:
        self._problem = key
        self._show_instruction()

    def _on_frame(self) -> None:
        worker = self.worker
        latest = worker.take() if worker is not None else None
        if latest is None:
            return
        self.latest = latest
        self.view.good = bool(getattr(latest.analysis, "ok", False))
        self.view.show_frame(latest.image, latest.frame_size)
        self._show_instruction()
        self._enable()

    def _show_instruction(self) -> None:
        """The frame's instruction and, over it, a camera failure or problem: in the current
        language (`retranslate` calls this again)."""
        report = self.latest.analysis if self.latest is not None else None
        key = report.instruction if report is not None else "capture.camera.starting"
        message = ""
        if self._camera_error is not None:
            staff = STAFF_CAMERA_TEXTS.get(getattr(self._camera_error, "message_key", ""))
            message = (
                tr(staff, self.lang)
                if staff
                else error_text(self._camera_error, self.lang, fallback="clerk.ui.error")
            )
        elif self._problem:
            message = tr(STAFF_CAMERA_TEXTS.get(self._problem, self._problem), self.lang)
        self.view.set_text(instruction=tr(key, self.lang), message=message)

    # -- taking, saving, removing ----------------------------------------------------------------
    def _on_shutter(self) -> None:
        latest = self.latest
        if latest is None or self.busy or self.pages.currentIndex() != 0:
            return
        self.busy = True
        self._error = None
        self._show_error()
        self._enable()
        self._shot += 1
        shot = self._shot
        frame, report = latest.frame, latest.analysis

        def cut() -> tuple[bytes, QImage]:
            from kiosk.staff.photo import portrait_from_frame

            data = portrait_from_frame(frame, report)
            return data, QImage.fromData(data)

        def done(result: tuple[bytes, QImage]) -> None:
            if shot != self._shot:
                return
            self.busy = False
            self.portrait = result[0]
            side = max(200, self.image.height() - 8)
            self.image.setPixmap(
                QPixmap.fromImage(result[1]).scaledToHeight(
                    side, Qt.TransformationMode.SmoothTransformation
                )
            )
            self.pages.setCurrentIndex(1)
            self.stop_camera()
            self._enable()

        def failed(exc: BaseException) -> None:
            if shot == self._shot:
                self._fail(exc)

        self.ctx.tasks.run_io(cut, done, failed)

    def _on_retake(self) -> None:
        if self.busy:
            return
        self._shot += 1
        self.portrait, self.latest, self._error = None, None, None
        self.image.clear()
        self.pages.setCurrentIndex(0)
        self._show_error()
        self.start_camera()
        self._show_instruction()
        self._enable()

    def _on_save(self) -> None:
        data, member, session = self.portrait, self.member, self._session()
        if data is None or member is None or self.busy:
            return
        self.busy = True
        self._enable()

        def done(_sha: object) -> None:
            self.busy = False
            self.saved.emit(member)

        self._run_staff(lambda desk: desk.set_photo(session, member.id, data), done, self._fail)

    def _on_remove(self) -> None:
        member, session = self.member, self._session()
        if member is None or self.busy:
            return
        self.busy = True
        self._enable()

        def done(_r: object) -> None:
            self.busy = False
            self.removed.emit(member)

        self._run_staff(lambda desk: desk.remove_photo(session, member.id), done, self._fail)
