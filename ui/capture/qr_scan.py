"""Read a receipt's QR code from the camera; emits `scanned(text)` for a Sala receipt only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from kiosk.capture.errors import CaptureError
from kiosk.capture.qr import read_qr
from kiosk.capture.sources import FrameSource
from kiosk.model import parse_qr_payload
from ui.capture.camera_view import CameraView
from ui.capture.frame_worker import FrameWorker, source_opener, start_frame_worker
from ui.widgets.text import tr


class QrScanner(QWidget):
    scanned = Signal(str)  # the whole QR text, e.g. "SALA1:120101-00042-7:AB12CD"

    def __init__(
        self,
        ctx: Any = None,
        *,
        locale: str | None = None,
        source: str | Callable[[], FrameSource] | None = None,
        autostart: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("qrScanner")
        self.ctx = ctx
        self._locale = locale
        self._open = source_opener(source, ctx, "qr", 10.0)
        self.autostart = autostart
        self.worker: FrameWorker | None = None
        self.last_text: str | None = None
        self._message = ""
        self._state = "capture.qr.hint"
        self.is_demo = False
        self.view = CameraView("qr")
        self.view.setObjectName("qrView")
        self.view.setMinimumSize(320, 240)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.view)
        self.retranslate()

    @property
    def language(self) -> str:
        if self._locale:
            return self._locale
        session = getattr(self.ctx, "session", None)
        return str(getattr(session, "locale", "km"))

    def set_locale(self, locale: str) -> None:
        self._locale = locale
        self.retranslate()

    def retranslate(self, locale: str | None = None) -> None:
        if locale:
            self._locale = locale
        self.view.set_text(
            instruction=tr(self._state, self.language),
            message=tr(self._message, self.language) if self._message else "",
            badge=tr("capture.camera.demo", self.language) if self.is_demo else "",
        )

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self.autostart:
            self.start()

    def hideEvent(self, event: Any) -> None:
        self.stop()
        super().hideEvent(event)

    def closeEvent(self, event: Any) -> None:
        self.stop()
        super().closeEvent(event)

    def start(self) -> None:
        if self.worker is not None:
            return
        self.last_text = None
        self.worker = start_frame_worker(
            self._open,
            read_qr,
            mirror=False,
            preview_width=640,
            parent=self,
            on_frame=self._on_frame,
            on_problem=self._on_problem,
            on_opened=self._on_opened,
            on_failed=self._on_failed,
        )

    def stop(self) -> None:
        worker, self.worker = self.worker, None
        if worker is not None:
            worker.request_stop()  # never waits: the thread ends and closes the camera itself

    def _on_opened(self, info: dict[str, Any]) -> None:
        self.is_demo = bool(info.get("is_demo"))
        self.retranslate()

    def _on_failed(self, exc: CaptureError) -> None:
        self._message = exc.message_key
        self.retranslate()

    def _on_problem(self, key: str | None) -> None:
        self._message = key or ""
        self.retranslate()

    NOT_OURS = "capture.qr.not_ours"  # what a QR that is not accepted makes the scanner say

    def accepts(self, text: str) -> bool:
        """Whether a decoded QR is one this scanner announces: a Sala receipt here; the setup
        reader accepts setup QRs instead."""
        return parse_qr_payload(text) is not None

    def _on_frame(self) -> None:
        latest = self.worker.take() if self.worker is not None else None
        if latest is None:
            return
        self.view.show_frame(latest.image, latest.frame_size)
        text: str | None = latest.analysis
        if not text or text == self.last_text:
            return
        self.last_text = text  # the same code held up for several frames is announced once
        ours = self.accepts(text)
        self._state = "capture.qr.found" if ours else self.NOT_OURS
        self.view.good = ours
        self.retranslate()
        if ours:
            self.scanned.emit(text)
