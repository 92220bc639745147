"""Capture benchmark: face-check frame rate, GUI stall with the live camera view, output sizes.

Run: QT_QPA_PLATFORM=offscreen .venv/bin/python tests/bench/capture_bench.py

Frames are JPEG-encoded first and decoded in the loop, as an MJPEG webcam delivers them; the
baseline measured in the same run is decode alone. Goals: ≥ 25 fps at 640×480, ≥ 12 fps at
1280×720, GUI stall ≤ 50 ms, photo ≤ 60 KB, page ≤ 250 KB.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import cv2
import numpy as np

from kiosk.capture import check_face, find_page, make_page, make_portrait
from kiosk.capture.face import FaceTracker
from tests.fixtures.capture import scenes as S


def mjpeg_frames(w: int, h: int, n: int = 12) -> list[bytes]:
    scale = 2.3 * h / 480
    out = []
    for i in range(n):
        frame = S.face_frame(scale=scale, dx=(i % 5) - 2, dy=(i % 3) - 1, w=w, h=h)
        out.append(cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes())
    return out


def rate(fn, frames: list[bytes], seconds: float = 3.0) -> float:
    n = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        fn(frames[n % len(frames)])
        n += 1
    return n / (time.perf_counter() - start)


def decode(data: bytes) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)


def stall_ms(seconds: float = 10.0) -> tuple[float, int]:
    """Longest gap of a 5 ms QTimer while PhotoStep shows a 1280×720 MJPEG-like camera."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from kiosk.capture.sources import FrameSource
    from ui.capture.photo_step import PhotoStep

    app = QApplication.instance() or QApplication([])
    from ui.app import load_fonts

    load_fonts()
    frames = mjpeg_frames(1280, 720)
    off_centre = [
        cv2.imencode(".jpg", S.face_frame(scale=3.45, dx=250, w=1280, h=720))[1].tobytes()
    ]

    class MjpegSource:
        """Decodes JPEG frames at 30 fps, like a webcam in MJPG mode (never auto-captures)."""

        name = "mjpeg-bench"
        is_demo = False

        def __init__(self) -> None:
            self.i = 0
            self.next = time.monotonic()

        def open(self) -> None:
            pass

        def read(self) -> np.ndarray | None:
            delay = self.next - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            self.next = max(self.next + 1 / 30, time.monotonic())
            self.i += 1
            data = off_centre[0] if self.i % 2 else frames[self.i % len(frames)]
            return decode(data)

        def close(self) -> None:
            pass

    def open_source() -> FrameSource:
        return MjpegSource()

    step = PhotoStep(locale="km", source=open_source, save_media=None)
    step.resize(1280, 800)
    step.show()
    gaps = {"max": 0.0, "last": time.perf_counter()}
    long_gaps: list[float] = []
    when: list[tuple[int, float]] = []
    t0 = time.perf_counter()

    def tick() -> None:
        now = time.perf_counter()
        gap = (now - gaps["last"]) * 1000
        gaps["max"] = max(gaps["max"], gap)
        if gap > 25:
            long_gaps.append(round(gap))
            when.append((round(gap), round(now - t0, 2)))
        gaps["last"] = now

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(tick)
    end = time.perf_counter() + seconds
    # let the camera start before measuring
    while step.latest is None and time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.005)
    gaps["last"] = t0 = time.perf_counter()
    timer.start()
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.001)
    timer.stop()
    print(
        f"gaps over 25 ms: {len(long_gaps)} {sorted(long_gaps)[-8:]}; "
        f"worst (ms, at s): {sorted(when)[-3:]}"
    )
    frames_shown = step.worker.frames if step.worker is not None else 0
    step.shutdown()
    step.close()
    return gaps["max"], frames_shown


def main() -> None:
    f640, f1280 = mjpeg_frames(640, 480), mjpeg_frames(1280, 720)
    assert (
        check_face(decode(f640[2])).face is not None
        and check_face(decode(f1280[2])).face is not None
    )
    decode_640 = rate(decode, f640)
    decode_1280 = rate(decode, f1280)
    full_640 = rate(lambda d: check_face(decode(d)), f640)
    full_1280 = rate(lambda d: check_face(decode(d)), f1280)
    track_640, track_1280 = FaceTracker(), FaceTracker()  # what the live view runs
    fps_640 = rate(lambda d: track_640(decode(d)), f640)
    fps_1280 = rate(lambda d: track_1280(decode(d)), f1280)
    print(f"decode only: {decode_640:.0f} fps @640, {decode_1280:.0f} fps @1280")
    print(
        f"decode + checks, full search every frame: {full_640:.1f} fps @640, "
        f"{full_1280:.1f} fps @1280"
    )
    print(f"decode + checks, tracked (live view): {fps_640:.1f} fps @640, {fps_1280:.1f} fps @1280")

    good = S.face_frame()
    photo_kb = len(make_portrait(good, check_face(good))) / 1000
    page_sizes = []
    for kw in ({}, {"colour": True}, {"tilt_x": 0, "tilt_y": 0, "roll": 0}):
        frame, _ = S.page_photo_scene(**kw)
        page_sizes.append(len(make_page(frame, find_page(frame))) / 1000)
    page_kb = max(page_sizes)
    print(f"photo {photo_kb:.1f} KB, pages {', '.join(f'{p:.0f}' for p in page_sizes)} KB")

    stall, shown = stall_ms(10.0)
    print(f"GUI stall max {stall:.1f} ms over 10 s with {shown} frames analysed")
    print(
        f"RESULT fps_640={fps_640:.1f} fps_1280={fps_1280:.1f} stall_max_ms={stall:.1f} "
        f"photo_kb={photo_kb:.1f} page_kb={page_kb:.1f} decode_only_fps_640={decode_640:.1f} "
        f"decode_only_fps_1280={decode_1280:.1f} full_search_fps_640={full_640:.1f} "
        f"full_search_fps_1280={full_1280:.1f} load_avg={os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
