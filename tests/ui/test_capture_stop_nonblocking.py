"""Hiding or deleting a capture widget never waits for its camera thread.

The camera here is a real video file read through `VideoFileSource`, wrapped so that `read()`
blocks the way a USB camera does while it reconnects. The GUI event loop is watched by the
stall monitor while the widget goes away; the thread must end on its own afterwards, close the
camera on its own thread, and be deleted (no QThread left behind, no Qt warning).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from shiboken6 import Shiboken

from kiosk.capture.sources import FrameSource, VideoFileSource
from tests.fixtures.capture import scenes as S
from tests.fixtures.capture.qt_helpers import context, tasks_fixture  # noqa: F401 - fixture
from tests.ui.stall import StallMonitor
from ui.capture.document_step import DocumentStep
from ui.capture.frame_worker import FrameWorker
from ui.capture.photo_step import PhotoStep
from ui.capture.qr_scan import QrScanner

pytestmark = pytest.mark.qt
BLOCK_S = 1.0  # how long one read() blocks once the preview is running
GAP_LIMIT_MS = 50


def write_video(path: Path, frame: np.ndarray, frames: int = 6) -> Path:
    h, w = frame.shape[:2]
    out = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 10.0, (w, h))
    assert out.isOpened(), "OpenCV cannot write the test video"
    for _ in range(frames):
        out.write(frame)
    out.release()
    return path


class Camera:
    """One physical camera: counts how many sources hold it at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.open_now = 0
        self.most_open = 0
        self.opened = 0
        self.closed_on: list[int] = []  # thread ids that closed a source


class SlowVideoSource:
    """A video file whose reads block for `block_s` after the first `fast` frames."""

    is_demo = False

    def __init__(self, path: Path, camera: Camera, *, block_s: float, fast: int = 2) -> None:
        self._video = VideoFileSource(path, fps=30.0)
        self.name = path.name
        self.camera = camera
        self.block_s = block_s
        self.fast = fast
        self.reads = 0
        self.blocking = threading.Event()  # set while a read() is blocked

    def open(self) -> None:
        self._video.open()
        with self.camera._lock:
            self.camera.open_now += 1
            self.camera.opened += 1
            self.camera.most_open = max(self.camera.most_open, self.camera.open_now)

    def read(self) -> np.ndarray | None:
        self.reads += 1
        if self.reads > self.fast:
            self.blocking.set()
            time.sleep(self.block_s)
            self.blocking.clear()
        return self._video.read()

    def close(self) -> None:
        self._video.close()
        with self.camera._lock:
            self.camera.open_now -= 1
            self.camera.closed_on.append(threading.get_ident())


def slow_camera(
    path: Path, camera: Camera, sources: list[SlowVideoSource], block_s: float = BLOCK_S
) -> Callable[[], FrameSource]:
    def open_it() -> FrameSource:
        source = SlowVideoSource(path, camera, block_s=block_s)
        source.open()
        sources.append(source)
        return source

    return open_it


def make_photo(ctx: Any, opener: Any) -> Any:
    return PhotoStep(ctx=ctx, source=opener, reg_id="reg-1")


def make_document(ctx: Any, opener: Any) -> Any:
    return DocumentStep(ctx=ctx, source=opener)


def make_qr(ctx: Any, opener: Any) -> Any:
    return QrScanner(ctx, source=opener)


@pytest.mark.parametrize(
    "make", [make_photo, make_document, make_qr], ids=["photo", "document", "qr"]
)
def test_hiding_and_deleting_a_widget_whose_camera_blocks_keeps_the_gui_live(
    qtbot: Any, tasks: Any, tmp_path: Path, make: Callable[[Any, Any], Any]
) -> None:
    video = write_video(tmp_path / "camera.avi", S.face_frame())
    camera, sources = Camera(), []
    widget = make(context(tasks, "en"), slow_camera(video, camera, sources))
    widget.resize(900, 760)
    widget.show()
    qtbot.waitUntil(lambda: bool(sources) and sources[0].blocking.is_set(), timeout=10_000)
    worker = widget.worker
    assert isinstance(worker, FrameWorker) and worker.isRunning()

    monitor = StallMonitor()
    monitor.start()
    qtbot.wait(30)  # a few ticks before, so a stall at the hide itself is measured
    monitor.mark("hide")
    widget.hide()
    assert worker.isRunning()  # hide() returned while read() still blocks: nothing waited
    monitor.mark("close and delete")
    widget.close()
    widget.deleteLater()
    monitor.mark("thread ends by itself")
    qtbot.waitUntil(lambda: bool(camera.closed_on), timeout=BLOCK_S * 1000 + 5_000)
    qtbot.waitUntil(lambda: not Shiboken.isValid(worker), timeout=5_000)  # deleted, not leaked
    monitor.stop()

    assert camera.closed_on == [camera.closed_on[0]] and camera.open_now == 0
    assert camera.closed_on[0] != threading.get_ident()  # closed on the worker thread
    monitor.assert_below(GAP_LIMIT_MS)


def test_showing_again_at_once_waits_for_the_camera_off_the_gui_thread(
    qtbot: Any, tasks: Any, tmp_path: Path
) -> None:
    """Back and forth on a step: the new thread opens the camera only once the old one let it
    go, and the GUI thread waits for neither."""
    video = write_video(tmp_path / "camera.avi", S.face_frame())
    camera, sources = Camera(), []
    step = PhotoStep(
        ctx=context(tasks, "en"), source=slow_camera(video, camera, sources), reg_id="reg-1"
    )
    qtbot.addWidget(step)
    step.resize(900, 760)
    step.show()
    qtbot.waitUntil(lambda: bool(sources) and sources[0].blocking.is_set(), timeout=10_000)
    first = step.worker

    monitor = StallMonitor()
    monitor.start()
    qtbot.wait(30)
    monitor.mark("hide, show")
    step.hide()
    step.show()  # a new thread, while the old one still holds the camera
    second = step.worker
    assert second is not None and second is not first
    monitor.mark("second camera starts")
    qtbot.waitUntil(lambda: camera.opened == 2, timeout=BLOCK_S * 1000 + 5_000)
    qtbot.waitUntil(lambda: not Shiboken.isValid(first), timeout=5_000)
    monitor.stop()

    assert camera.most_open == 1  # never two readers on one camera
    monitor.assert_below(GAP_LIMIT_MS)
    step.shutdown()
    qtbot.waitUntil(lambda: not Shiboken.isValid(second), timeout=BLOCK_S * 1000 + 5_000)
    assert camera.open_now == 0
