"""Hiding or deleting a capture widget never waits for its camera thread.

The camera here is a real video file read through `VideoFileSource`, wrapped so that `read()`
blocks the way a USB camera does while it reconnects, until the test lets it go. While it still
blocks, the widget goes away and the event loop must keep running (the stall monitor ticks);
only then is the read released, and the thread must end on its own, close the camera on its own
thread, and be deleted (no QThread left behind, no Qt warning). Nothing here depends on how fast
the machine is: the order of events is what is checked.
"""

from __future__ import annotations

import threading
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
WAIT_MS = 60_000  # generous waits for things that must happen: a busy machine is slow


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
        self.release = threading.Event()  # set by the test: blocked reads return


class SlowVideoSource:
    """A video file whose reads block, after the first `fast` frames, until the camera's
    `release` is set or `block_s` has passed (a USB camera reconnecting; by default `WAIT_MS`,
    so a broken test still ends)."""

    is_demo = False

    def __init__(
        self, path: Path, camera: Camera, *, fast: int = 2, block_s: float = WAIT_MS / 1000
    ) -> None:
        self._video = VideoFileSource(path, fps=30.0)
        self.block_s = block_s
        self.name = path.name
        self.camera = camera
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
            self.camera.release.wait(self.block_s)
            self.blocking.clear()
        return self._video.read()

    def close(self) -> None:
        self._video.close()
        with self.camera._lock:
            self.camera.open_now -= 1
            self.camera.closed_on.append(threading.get_ident())


def slow_camera(
    path: Path,
    camera: Camera,
    sources: list[SlowVideoSource],
    *,
    block_s: float = WAIT_MS / 1000,
) -> Callable[[], FrameSource]:
    """Opens `SlowVideoSource`s (each read after the first frames blocks up to `block_s`)."""

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


def loop_runs(qtbot: Any, monitor: StallMonitor) -> None:
    """Wait until the event loop has ticked a few more times (it is not blocked)."""
    ticks = monitor.ticks
    qtbot.waitUntil(lambda: monitor.ticks > ticks + 3, timeout=WAIT_MS)


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
    qtbot.waitUntil(lambda: bool(sources) and sources[0].blocking.is_set(), timeout=WAIT_MS)
    worker = widget.worker
    assert isinstance(worker, FrameWorker) and worker.isRunning()

    monitor = StallMonitor()
    monitor.start()
    loop_runs(qtbot, monitor)
    monitor.mark("hide")
    widget.hide()
    # hide() returned while read() still blocks: nothing waited for the camera thread
    assert worker.isRunning() and sources[0].blocking.is_set()
    monitor.mark("close and delete")
    widget.close()
    widget.deleteLater()
    loop_runs(qtbot, monitor)  # the widget is deleted, and the loop runs on
    assert sources[0].blocking.is_set() and not camera.closed_on  # the read still blocks
    monitor.mark("thread ends by itself")
    camera.release.set()
    qtbot.waitUntil(lambda: bool(camera.closed_on), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not Shiboken.isValid(worker), timeout=WAIT_MS)  # deleted, not leaked
    monitor.stop()
    print(monitor.report())

    assert camera.closed_on == [camera.closed_on[0]] and camera.open_now == 0
    assert camera.closed_on[0] != threading.get_ident()  # closed on the worker thread
    monitor.assert_ran()


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
    qtbot.waitUntil(lambda: bool(sources) and sources[0].blocking.is_set(), timeout=WAIT_MS)
    first = step.worker

    monitor = StallMonitor()
    monitor.start()
    loop_runs(qtbot, monitor)
    monitor.mark("hide, show")
    step.hide()
    step.show()  # a new thread, while the old one still holds the camera
    second = step.worker
    assert second is not None and second is not first
    loop_runs(qtbot, monitor)  # the GUI runs while the new thread waits for the camera
    assert camera.opened == 1 and sources[0].blocking.is_set()
    monitor.mark("second camera starts")
    camera.release.set()
    qtbot.waitUntil(lambda: camera.opened == 2, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not Shiboken.isValid(first), timeout=WAIT_MS)
    monitor.stop()
    print(monitor.report())

    assert camera.most_open == 1  # never two readers on one camera
    monitor.assert_ran()
    step.shutdown()
    qtbot.waitUntil(lambda: not Shiboken.isValid(second), timeout=WAIT_MS)
    assert camera.open_now == 0
