"""The frame grabber: reads and analyses frames on its own thread, keeps only the latest.

The GUI thread is told "a frame is waiting" at most once until it takes it, so a slow paint
never builds a queue: frames that arrive meanwhile replace the waiting one. Reading, the checks
(face, page corners, QR) and the RGB preview conversion all happen here.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QThread, Signal
from PySide6.QtGui import QImage

from kiosk.capture.errors import CaptureError
from kiosk.capture.preview import preview_rgb
from kiosk.capture.sources import FrameSource, open_source

log = logging.getLogger(__name__)


@dataclass
class Latest:
    """One analysed frame, ready to paint."""

    frame: np.ndarray
    analysis: Any
    image: QImage
    frame_size: tuple[int, int]
    at: float
    problem: str | None = None


class FrameWorker(QThread):
    frame_ready = Signal()  # a new Latest is waiting: call take()
    problem_changed = Signal(object)  # i18n key of a camera problem, or None when it is over
    source_opened = Signal(object)  # {"name", "is_demo", "fallback_reason"}
    source_failed = Signal(object)  # the CaptureError

    def __init__(
        self,
        open_source: Callable[[], FrameSource],
        analyse: Callable[[np.ndarray], Any] | None = None,
        *,
        mirror: bool = False,
        preview_width: int = 960,
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self._open_source = open_source
        self._analyse = analyse
        self._mirror = mirror
        self._preview_width = preview_width
        self._lock = threading.Lock()
        self._latest: Latest | None = None
        self._waiting = False
        self._problem: str | None = None
        self.frames = 0  # frames read and analysed (for the benchmark)

    def take(self) -> Latest | None:
        """The newest analysed frame (None if nothing new since the last take)."""
        with self._lock:
            latest, self._latest = self._latest, None
            self._waiting = False
        return latest

    def set_analyse(self, analyse: Callable[[np.ndarray], Any] | None) -> None:
        self._analyse = analyse

    def stop(self, timeout_ms: int = 3000) -> None:
        self.requestInterruption()
        self.wait(timeout_ms)

    def _set_problem(self, problem: str | None) -> None:
        if problem != self._problem:
            self._problem = problem
            self.problem_changed.emit(problem)

    def run(self) -> None:
        try:
            source = self._open_source()
        except CaptureError as exc:
            self.source_failed.emit(exc)
            return
        self.source_opened.emit(
            {
                "name": source.name,
                "is_demo": source.is_demo,
                "fallback_reason": getattr(source, "fallback_reason", None),
            }
        )
        try:
            while not self.isInterruptionRequested():
                frame = source.read()
                problem = getattr(source, "problem", None)
                if frame is None:
                    self._set_problem(problem or "capture.camera.reconnecting")
                    self.msleep(30)
                    continue
                self._set_problem(problem)
                try:
                    analysis = self._analyse(frame) if self._analyse is not None else None
                except Exception:  # one odd frame must not end the preview
                    log.exception("frame analysis failed; frame skipped")
                    continue
                rgb = preview_rgb(frame, self._preview_width, mirror=self._mirror)
                h, w = rgb.shape[:2]
                image = QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).convertToFormat(
                    QImage.Format.Format_RGB32
                )  # the painter's native format: converted here, not on the GUI thread
                latest = Latest(
                    frame,
                    analysis,
                    image,
                    (frame.shape[1], frame.shape[0]),
                    time.monotonic(),
                    problem,
                )
                self.frames += 1
                with self._lock:
                    self._latest = latest
                    notify = not self._waiting
                    self._waiting = True
                if notify:
                    self.frame_ready.emit()
        finally:
            source.close()


def source_opener(
    source: str | Callable[[], FrameSource] | None, ctx: Any, purpose: str, fps: float
) -> Callable[[], FrameSource]:
    """How a widget opens its camera: an explicit source, else the kiosk's `ctx.camera`."""
    if callable(source):
        return source
    spec = source if source is not None else (getattr(ctx, "camera", None) or "auto")

    def open_it() -> FrameSource:
        return open_source(str(spec), purpose=purpose, fps=fps)

    return open_it
