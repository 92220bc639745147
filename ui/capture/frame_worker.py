"""The frame grabber: reads and analyses frames on its own thread, keeps only the latest.

The GUI thread is told "a frame is waiting" at most once until it takes it, so a slow paint
never builds a queue: frames that arrive meanwhile replace the waiting one. Reading, the checks
(face, page corners, QR) and the RGB preview conversion all happen here.

Stopping never waits on the GUI thread: `request_stop()` raises the thread's interruption flag
and hands the QThread to a reaper (a child of the application), so the widget that started it
can go away at once; the thread closes its camera itself when its current `read()` returns and
is deleted on `finished`. A camera read may block for seconds (a USB camera reconnecting), and
a join there would freeze the screen. The next worker for the same camera waits (on its own
thread) until the previous one has released it. At `aboutToQuit` (and at interpreter exit) the
reaper joins what is still running, with a bounded wait.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal
from PySide6.QtGui import QImage

from kiosk.capture.errors import CaptureError
from kiosk.capture.preview import preview_rgb
from kiosk.capture.sources import FrameSource, open_source

log = logging.getLogger(__name__)
JOIN_AT_EXIT_MS = 3000  # the longest app shutdown waits for camera threads, all together
HANDOFF_WAIT_S = 5.0  # the longest a new worker waits for the previous one to release a camera


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
        # Owned by the reaper, not by the widget: a widget may be deleted while this thread
        # still waits in read(), and Qt must never destroy a running QThread. `parent` (the
        # widget) only stops this worker when it goes.
        super().__init__(_reaper())
        self._retired = False
        if parent is not None:
            parent.destroyed.connect(self.request_stop)
        self._open_source = open_source
        self._analyse = analyse
        self._mirror = mirror
        self._preview_width = preview_width
        self._lock = threading.Lock()
        self._latest: Latest | None = None
        self._waiting = False
        self._problem: str | None = None
        self.frames = 0  # frames read and analysed (for the benchmark)
        # Set (on the worker thread) once the source is closed or never opened. The next worker
        # for the same camera waits for it, so two threads never hold one webcam.
        self.released = threading.Event()
        self._key = getattr(open_source, "camera_key", open_source)
        with _handoff_lock:
            self._after = _last_release.get(self._key)
            _last_release[self._key] = self.released

    def take(self) -> Latest | None:
        """The newest analysed frame (None if nothing new since the last take)."""
        with self._lock:
            latest, self._latest = self._latest, None
            self._waiting = False
        return latest

    def set_analyse(self, analyse: Callable[[np.ndarray], Any] | None) -> None:
        self._analyse = analyse

    def request_stop(self) -> None:
        """Stop without waiting (what widgets call, on the GUI thread): the thread finishes on
        its own, closes its source itself and is deleted after `finished`. Safe to call on a
        worker that never started or already finished, and more than once."""
        self.requestInterruption()
        if not self.isRunning() and not self.isFinished():
            self.released.set()  # never started: nothing to hand over
        if not self._retired:
            self._retired = True
            self.finished.connect(self.deleteLater)
        if QCoreApplication.instance() is not None:  # None only while Python shuts down
            _reaper().sweep()

    def stop(self, timeout_ms: int = 3000) -> None:
        """Stop and join (blocks up to `timeout_ms`): for tests and tools, never a widget."""
        self.requestInterruption()
        self.wait(timeout_ms)

    def _set_problem(self, problem: str | None) -> None:
        if problem != self._problem:
            self._problem = problem
            if not self.isInterruptionRequested():
                self.problem_changed.emit(problem)

    def _wait_for_previous(self) -> bool:
        """Wait (here, off the GUI thread) until the last worker on this camera let it go;
        False if this worker was stopped meanwhile."""
        after, self._after = self._after, None
        deadline = time.monotonic() + HANDOFF_WAIT_S
        while after is not None and not after.wait(0.05):
            if self.isInterruptionRequested():
                return False
            if time.monotonic() > deadline:
                log.warning("the previous camera thread still holds the camera; opening anyway")
                break
        return not self.isInterruptionRequested()

    def run(self) -> None:
        try:
            if not self._wait_for_previous():
                return
            try:
                source = self._open_source()
            except CaptureError as exc:
                if not self.isInterruptionRequested():
                    self.source_failed.emit(exc)
                return
            try:
                self._run(source)
            finally:
                source.close()  # on this thread: a camera is released where it was read
        finally:
            self.released.set()
            with _handoff_lock:
                if _last_release.get(self._key) is self.released:
                    del _last_release[self._key]  # nobody to hand over to: forget it

    def _run(self, source: FrameSource) -> None:
        if self.isInterruptionRequested():
            return
        self.source_opened.emit(
            {
                "name": source.name,
                "is_demo": source.is_demo,
                "fallback_reason": getattr(source, "fallback_reason", None),
            }
        )
        while not self.isInterruptionRequested():
            frame = source.read()
            problem = getattr(source, "problem", None)
            if frame is None:
                self._set_problem(problem or "capture.camera.reconnecting")
                self.msleep(30)
                continue
            self._set_problem(problem)
            if self.isInterruptionRequested():
                break  # stopped while read() blocked: no more work, no more signals
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
            if notify and not self.isInterruptionRequested():
                self.frame_ready.emit()


class _Reaper(QObject):
    """Owns every worker until its thread has ended; a child of the application, so a widget's
    destruction never destroys a running QThread ("Destroyed while thread is still running")."""

    def __init__(self, app: QCoreApplication) -> None:
        super().__init__(app)
        self.setObjectName("salaFrameWorkerReaper")
        app.aboutToQuit.connect(self.join_all)

    def sweep(self) -> None:
        """Delete the stopped workers whose thread is over (or never began): no `finished`
        will come for them any more."""
        for w in self.workers():
            if w._retired and not w.isRunning():
                w.deleteLater()

    def workers(self) -> list[FrameWorker]:
        return [w for w in self.findChildren(FrameWorker) if isinstance(w, FrameWorker)]

    def join_all(self, timeout_ms: int = JOIN_AT_EXIT_MS) -> bool:
        """Stop every camera thread and wait for them, all together at most `timeout_ms`
        (application exit); True if all ended."""
        deadline = time.monotonic() + timeout_ms / 1000
        for worker in self.workers():
            worker.requestInterruption()
            left = int((deadline - time.monotonic()) * 1000)
            if left <= 0 or not worker.wait(left):
                log.warning("a camera thread did not stop in time")
                return False
        return True


_handoff_lock = threading.Lock()
_last_release: dict[Any, threading.Event] = {}


def _reaper() -> _Reaper:
    app = QCoreApplication.instance()
    if app is None:
        raise RuntimeError("FrameWorker needs a QApplication")
    found = app.findChild(_Reaper, "salaFrameWorkerReaper")
    return found if isinstance(found, _Reaper) else _Reaper(app)


def start_frame_worker(
    open_source: Callable[[], FrameSource],
    analyse: Callable[[np.ndarray], Any] | None,
    *,
    on_frame: Callable[..., Any],
    on_problem: Callable[..., Any],
    on_opened: Callable[..., Any],
    on_failed: Callable[..., Any],
    **options: Any,
) -> FrameWorker:
    """A running camera thread wired to a capture widget's four slots: the one way the photo,
    document and QR widgets start their camera. `options` go to `FrameWorker`."""
    worker = FrameWorker(open_source, analyse, **options)
    worker.frame_ready.connect(on_frame)
    worker.problem_changed.connect(on_problem)
    worker.source_opened.connect(on_opened)
    worker.source_failed.connect(on_failed)
    worker.start()
    return worker


def live_workers() -> list[FrameWorker]:
    """Workers not yet deleted, stopped or not (tests check that none leak)."""
    app = QCoreApplication.instance()
    found = app.findChild(_Reaper, "salaFrameWorkerReaper") if app is not None else None
    return found.workers() if isinstance(found, _Reaper) else []


@atexit.register
def _join_at_exit() -> None:
    """Scripts and test runs may end without aboutToQuit: join before Qt is torn down."""
    try:
        app = QCoreApplication.instance()
        found = app.findChild(_Reaper, "salaFrameWorkerReaper") if app is not None else None
        if isinstance(found, _Reaper):
            found.join_all()
    except RuntimeError:  # Qt's objects are already gone
        pass


def source_opener(
    source: str | Callable[[], FrameSource] | None, ctx: Any, purpose: str, fps: float
) -> Callable[[], FrameSource]:
    """How a widget opens its camera: an explicit source, else the kiosk's `ctx.camera`."""
    if callable(source):
        return source
    spec = source if source is not None else (getattr(ctx, "camera", None) or "auto")

    def open_it() -> FrameSource:
        return open_source(str(spec), purpose=purpose, fps=fps)

    open_it.camera_key = str(spec)  # type: ignore[attr-defined]  # one camera, one reader
    return open_it
