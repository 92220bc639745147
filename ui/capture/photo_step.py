"""The face-photo step: live guidance, auto-capture and review.

A citizen gets no file browser and no "accept anyway" (issue 11, S1.4 and S2.10): a photo
from a file (`import_path`) and accepting one that fails the checks (`accept_despite_checks`)
are the clerk's, called from the clerk's station behind a sign-in, never from this screen.

Built by the form screen as `PhotoStep(field=field, ctx=ctx)` (ctx.tasks stores the photo,
ctx.camera names the camera), or stand-alone with `locale`, `source` and an injected
`save_media`/`audit`. Emits `captured([Attachment])` once the photo is stored.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QVBoxLayout, QWidget

from kiosk.capture.autoshot import AutoShot
from kiosk.capture.errors import CaptureError
from kiosk.capture.face import FaceReport, FaceTracker, check_face
from kiosk.capture.portrait import make_portrait
from kiosk.capture.sources import FrameSource
from kiosk.i18n import error_text
from kiosk.model import Attachment, MediaRef
from ui.capture.camera_pages import CameraPages
from ui.capture.frame_worker import FrameWorker, Latest, source_opener, start_frame_worker
from ui.capture.work import Audit, CaptureWork, SaveMedia
from ui.widgets.basic import wrap_label
from ui.widgets.text import tr

log = logging.getLogger(__name__)


def _error_text(exc: BaseException, locale: str) -> str:
    """Any capture or store error in the person's words (`kiosk.i18n.error_text`)."""
    return error_text(exc, locale, fallback="capture.error.save_failed")


class PhotoStep(QWidget):
    captured = Signal(list)  # [Attachment] after the photo is stored
    failed = Signal(str)  # a message already in the current language

    def __init__(
        self,
        field: Any = None,
        ctx: Any = None,
        *,
        locale: str | None = None,
        source: str | Callable[[], FrameSource] | None = None,
        save_media: SaveMedia | None = None,
        audit: Audit | None = None,
        reg_id: Callable[[], str | None] | str | None = None,
        field_id: str | None = None,
        autostart: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("photoStep")
        self.ctx = ctx
        self.field_id = field_id or (field.id if field is not None else "photo")
        self.language = locale or (ctx.session.locale if ctx is not None else "km")
        self._open = source_opener(source, ctx, "face", 15.0)
        self._reg_id = reg_id
        self.work = CaptureWork(
            tasks=getattr(ctx, "tasks", None), save_media=save_media, audit=audit, parent=self
        )
        self.autostart = autostart
        self.auto = AutoShot()
        self.worker: FrameWorker | None = None
        self.latest: Latest | None = None
        self.is_demo = False
        self._camera_error: str | None = None  # i18n key, or a CaptureError's key
        self._problem: str | None = None
        self._review: tuple[bytes, dict[str, Any]] | None = None
        self._shots = 0  # one more at each "Take again"
        self._busy = False
        self._build()
        self._restore()
        self.retranslate(self.language)

    def _restore(self) -> None:
        """A photo this field already holds (coming Back to the step) is shown, not retaken."""
        session = getattr(self.ctx, "session", None)
        held = session.attachments_for(self.field_id) if session is not None else []
        if not held:
            return
        self.pages.setCurrentIndex(1)
        self.accept.hide()  # already stored: only "Take again" makes sense

        def loaded(blobs: list[bytes]) -> None:
            self._show_image(blobs[0])

        self.work.read(
            [held[0].media.sha256], loaded, lambda exc: log.warning("photo not loaded: %s", exc)
        )

    # -- layout ----------------------------------------------------------------------------
    def _build(self) -> None:
        root = QVBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(12)
        # the shutter is the one button that matters: the stylesheet's large size (kiosk.qss
        # `[button_size="shutter"]`, its one owner), as on every camera screen
        self.pages = CameraPages("photo", primary="Accept", size="shutter")
        root.addWidget(self.pages, 1)
        self.view, self.shutter = self.pages.view, self.pages.shutter
        self.review_text, self.review_image = self.pages.review_text, self.pages.review_image
        self.retake, self.accept = self.pages.retake, self.pages.primary
        self.review_image.setMinimumSize(260, 334)
        self.shutter.clicked.connect(self._on_shutter)
        self.retake.clicked.connect(self._on_retake)
        self.accept.clicked.connect(self._on_accept)
        self.status = wrap_label(role="error")
        self.status.setObjectName("photoStatus")
        self.status.hide()
        root.addWidget(self.status)

    # -- language --------------------------------------------------------------------------
    def set_locale(self, locale: str) -> None:
        self.retranslate(locale)

    def retranslate(self, locale: str | None = None) -> None:
        if locale:
            self.language = locale
        t = self.tr
        self.shutter.setText(t("capture.photo.shutter"))
        self.retake.setText(t("capture.photo.retake"))
        self.accept.setText(t("capture.photo.accept"))
        self.review_text.setText(t("capture.photo.check_it"))
        self.view.set_text(badge=t("capture.camera.demo") if self.is_demo else "")
        self._show_instruction()

    def tr(self, key: str, **kw: object) -> str:  # type: ignore[override]
        return tr(key, self.language, **kw)

    # -- camera lifecycle ------------------------------------------------------------------
    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self.autostart and self.pages.currentIndex() == 0:
            self.start_camera()

    def hideEvent(self, event: Any) -> None:
        self.stop_camera()
        super().hideEvent(event)

    def start_camera(self) -> None:
        if self.worker is not None:
            return
        self.auto.reset()
        self.worker = start_frame_worker(
            self._open,
            FaceTracker(),
            mirror=True,
            parent=self,
            on_frame=self._on_frame,
            on_problem=self._on_problem,
            on_opened=self._on_source_opened,
            on_failed=self._on_source_failed,
        )

    def stop_camera(self) -> None:
        worker, self.worker = self.worker, None
        if worker is not None:
            worker.request_stop()  # never waits: the thread ends and closes the camera itself

    def closeEvent(self, event: Any) -> None:
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop the camera thread and the private workers (tests and screen teardown)."""
        self.stop_camera()
        self.work.shutdown()

    def _on_source_opened(self, info: dict[str, Any]) -> None:
        self.is_demo = bool(info.get("is_demo"))
        self._camera_error = None
        self.view.set_text(badge=self.tr("capture.camera.demo") if self.is_demo else "")

    def _on_source_failed(self, exc: CaptureError) -> None:
        self._camera_error = exc.message_key
        self.view.set_text(message=error_text(exc, self.language))
        self.shutter.setEnabled(False)

    def _on_problem(self, key: str | None) -> None:
        self._problem = key
        self._show_instruction()

    def _on_frame(self) -> None:
        worker = self.worker
        latest = worker.take() if worker is not None else None
        if latest is None:
            return
        self.latest = latest
        report: FaceReport = latest.analysis
        self.view.good = report.ok
        self.view.show_frame(latest.image, latest.frame_size)
        if self.pages.currentIndex() == 0 and not self._busy:
            if self.auto.feed(report, latest.at):
                self._capture(latest, override=None)
            self.view.progress = self.auto.progress(time.monotonic())
        self._show_instruction()

    def _show_instruction(self) -> None:
        report = self.latest.analysis if self.latest is not None else None
        instruction = (
            self.tr(report.instruction)
            if report is not None
            else self.tr("capture.camera.starting")
        )
        message = ""
        if self._camera_error:
            message = self.tr(self._camera_error)
        elif self._problem:
            message = self.tr(self._problem)
        self.view.set_text(instruction=instruction, message=message)
        self.shutter.setEnabled(
            self.latest is not None and not self._busy and not self._camera_error
        )

    # -- taking the photo ------------------------------------------------------------------
    def _on_shutter(self) -> None:
        if self.latest is not None and not self._busy:
            self._capture(self.latest, override=None)

    def accept_despite_checks(self, reason: str) -> bool:
        """The clerk accepts the current frame although checks fail (stored and audited with
        `reason`); False when there is no reason or no frame yet."""
        reason = reason.strip()
        if not reason or self.latest is None or self._busy:
            return False
        self._capture(self.latest, override=reason)
        return True

    def _capture(self, latest: Latest, *, override: str | None) -> None:
        """Cut the portrait off the GUI thread, then review it (or store it, for an override)."""
        self._busy = True
        self.auto.reset()
        frame, report = latest.frame, latest.analysis
        checks: dict[str, Any] = dict(report.as_dict(), source="camera", demo=self.is_demo)
        if override is not None:
            checks["override"] = {"reason": override, "failed": report.failed}

        def done(data: bytes) -> None:
            self._busy = False
            if override is not None:
                self._store(data, checks)
                self.work.audit(
                    "photo_override",
                    self.reg_id() or "",
                    {
                        "field_id": self.field_id,
                        "reason": override,
                        "failed": report.failed,
                        "values": {n: c.value for n, c in report.checks.items()},
                    },
                    on_error=lambda exc: log.error("override not audited: %s", exc),
                )
            else:
                # Kept at once, as the papers' pages are: the photo on screen is the one the
                # screen's Continue accepts (no separate "Use this photo" to miss).
                self._show_review(data, checks)
                self._store(data, checks)

        self.work.image(lambda: make_portrait(frame, report), done, self._on_error)

    def reg_id(self) -> str | None:
        if callable(self._reg_id):
            return self._reg_id()
        if self._reg_id is not None:
            return self._reg_id
        draft = getattr(getattr(self.ctx, "session", None), "draft", None)
        return getattr(draft, "id", None)

    def _show_image(self, data: bytes) -> None:
        image = QImage.fromData(data)
        self.review_image.setPixmap(
            QPixmap.fromImage(image).scaledToHeight(
                max(200, min(531, self.height() - 220)), Qt.TransformationMode.SmoothTransformation
            )
        )

    def _show_review(self, data: bytes, checks: dict[str, Any]) -> None:
        self._review = (data, checks)
        self._show_image(data)
        self.accept.hide()  # stored straight away (`_capture`): Continue is the one action
        self.pages.setCurrentIndex(1)
        self.stop_camera()

    def _on_retake(self) -> None:
        self._review = None
        self._shots += 1  # a photo still being stored is no longer the one on screen
        self.captured.emit([])  # the live camera is on screen now: no photo to accept
        self.pages.setCurrentIndex(0)
        self.latest = None
        self.start_camera()
        self._show_instruction()

    def _on_accept(self) -> None:
        if self._review is not None and not self._busy:
            self._store(*self._review)

    def _store(self, data: bytes, checks: dict[str, Any]) -> None:
        shot = self._shots
        self._busy = True
        self.accept.setEnabled(False)
        self._show_status("")

        def stored(refs: list[MediaRef]) -> None:
            self._busy = False
            self.accept.setEnabled(True)
            if shot != self._shots:  # "Take again" came first: the live camera stays
                return
            self._show_review(data, checks)
            self._review = None
            self.accept.hide()  # stored: "Take again" is the only thing left to do
            self.captured.emit([Attachment(self.field_id, "photo", refs[0], 0, checks)])

        self.work.save([(data, "image/jpeg")], stored, self._on_error)

    def _on_error(self, exc: BaseException) -> None:
        self._busy = False
        self.accept.setEnabled(True)
        log.warning("photo step: %s", exc)
        text = _error_text(exc, self.language)
        self._show_status(text)
        self.failed.emit(text)

    def _show_status(self, text: str) -> None:
        self.status.setText(text)
        self.status.setVisible(bool(text))

    # -- from a file (the clerk's) ---------------------------------------------------------
    def import_path(self, path: Path) -> None:
        """A photo from a file: checked and cropped like a camera frame, then stored.

        The file route is the clerk's: it is stored straight away with its check results
        (failed checks included) rather than refused.
        """
        from kiosk.capture.imports import read_images

        def work() -> tuple[bytes, dict[str, Any]]:
            image = read_images(path)[0]
            report = check_face(image)
            checks = dict(report.as_dict(), source="file", file=Path(path).name)
            return make_portrait(image, report), checks

        def done(result: tuple[bytes, dict[str, Any]]) -> None:
            self._busy = False
            self._store(*result)

        self._busy = True
        self._show_status("")
        self.work.image(work, done, self._on_error)
