"""The frame grabber keeps only the latest frame: a busy GUI never builds a queue."""

from __future__ import annotations

import time
from typing import Any

import pytest

from kiosk.capture import CaptureError
from kiosk.capture.sources import FrameSource, SyntheticSource
from ui.capture.frame_worker import FrameWorker

pytestmark = pytest.mark.qt


def synthetic() -> FrameSource:
    source = SyntheticSource(320, 240, fps=200)
    source.open()
    return source


def test_busy_gui_gets_one_notification_and_the_newest_frame(qtbot: Any) -> None:
    analysed: list[int] = []
    worker = FrameWorker(synthetic, lambda f: analysed.append(1) or len(analysed))
    notes: list[int] = []
    worker.frame_ready.connect(lambda: notes.append(1))
    worker.start()
    try:
        qtbot.waitUntil(lambda: worker.frames > 0, timeout=30_000)
        # The GUI thread is "busy": no events are processed while the worker reads on. Waited
        # for by count, with a generous deadline, not for a fixed time: a busy machine is slow.
        deadline = time.monotonic() + 60
        while worker.frames <= 10 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert worker.frames > 10
        qtbot.wait(20)
        assert len(notes) <= 2  # not one per frame
        before = worker.frames  # counted just before its frame is stored: allow one behind
        latest = worker.take()
        assert latest is not None
        assert latest.analysis >= before - 1  # the newest, not the oldest (which notified)
        assert latest.image.width() == 320
        assert worker.take() is None or worker.frames > latest.analysis
    finally:
        worker.stop()
    assert worker.isFinished()


def test_a_source_that_cannot_open_is_reported(qtbot: Any) -> None:
    def broken() -> FrameSource:
        raise CaptureError("capture.error.camera_missing")

    worker = FrameWorker(broken)
    with qtbot.waitSignal(worker.source_failed, timeout=5000) as sig:
        worker.start()
    assert sig.args[0].key == "capture.error.camera_missing"
    worker.wait(2000)
