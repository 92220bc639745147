"""Where frames come from: a real camera, a video file or image sequence, or a synthetic pattern.

All sources are read from a worker thread, never the GUI thread; `read()` may block for one
frame time. The camera source heals itself: after repeated read failures (unplugged, driver
hiccup) or a frozen picture it releases the device and reopens it with an increasing back-off,
returning None meanwhile so the caller keeps painting the last frame and a plain message.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Protocol, runtime_checkable

os.environ.setdefault("OPENCV_VIDEOIO_MSMF_ENABLE_HW_TRANSFORMS", "0")  # before cv2 (GUIDE §5)

import cv2
import numpy as np

from kiosk.capture import thresholds as T
from kiosk.capture.errors import CaptureError

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp"}


@runtime_checkable
class FrameSource(Protocol):
    name: str
    is_demo: bool

    def open(self) -> None: ...
    def read(self) -> np.ndarray | None: ...
    def close(self) -> None: ...


def camera_backends() -> list[int]:
    """Capture APIs to try, best first, for this OS.

    Windows: Media Foundation (fast once HW transforms are off) then DirectShow, which opens
    some older webcams MSMF cannot. Linux: V4L2. Others: whatever OpenCV picks.
    """
    if sys.platform.startswith("win"):
        return [cv2.CAP_MSMF, cv2.CAP_DSHOW]
    if sys.platform.startswith("linux"):
        return [cv2.CAP_V4L2, cv2.CAP_ANY]
    return [cv2.CAP_ANY]


class CameraSource:
    """A webcam (device index) or any path/URL cv2.VideoCapture opens, reopened when it drops.

    `status` is "ok", "reconnecting", "black" or "frozen"; `problem` is the i18n key of the
    message to show, or None.
    """

    is_demo = False

    def __init__(
        self,
        device: int | str,
        width: int = 1280,
        height: int = 720,
        *,
        clock: Callable[[], float] = time.monotonic,
        backends: Sequence[int] | None = None,
    ) -> None:
        self.device = device
        self.width, self.height = width, height
        self.name = f"camera {device}" if isinstance(device, int) else f"camera {Path(device).name}"
        self._clock = clock
        self._backends = (
            list(backends)
            if backends is not None
            else (camera_backends() if isinstance(device, int) else [cv2.CAP_ANY])
        )
        self._cap: cv2.VideoCapture | None = None
        self._failures = 0
        self._backoff = T.REOPEN_BACKOFF_START
        self._retry_at = 0.0
        self._black = 0
        self._same = 0
        self._last_print: np.ndarray | None = None
        self.status = "closed"
        self.reopen_count = 0

    @property
    def problem(self) -> str | None:
        return {
            "reconnecting": "capture.camera.reconnecting",
            "black": "capture.camera.black",
            "frozen": "capture.camera.frozen",
        }.get(self.status)

    def _try_open(self) -> bool:
        for api in self._backends:
            cap = cv2.VideoCapture(self.device, api)
            if not cap.isOpened():
                cap.release()
                continue
            if isinstance(self.device, int):
                # MJPG lets USB 2 webcams deliver 720p at full rate; ignored where unsupported.
                cap.set(cv2.CAP_PROP_FOURCC, cv2.VideoWriter.fourcc(*"MJPG"))
                cap.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
                cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
                cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # the newest frame, not a stale queue
            self._cap = cap
            self._failures = 0
            self._same = 0
            self._black = 0
            self._last_print = None
            self._backoff = T.REOPEN_BACKOFF_START
            self.status = "ok"
            return True
        return False

    def open(self) -> None:
        if not self._try_open():
            raise CaptureError("capture.error.camera_missing")

    def _drop(self) -> None:
        if self._cap is not None:
            self._cap.release()
        self._cap = None
        self.status = "reconnecting"
        self._retry_at = self._clock() + self._backoff

    def read(self) -> np.ndarray | None:
        if self._cap is None:
            if self.status == "closed" or self._clock() < self._retry_at:
                return None
            if self._try_open():
                self.reopen_count += 1
            else:
                self._backoff = min(self._backoff * 2, T.REOPEN_BACKOFF_MAX)
                self._retry_at = self._clock() + self._backoff
                return None
        assert self._cap is not None
        ok, frame = self._cap.read()
        if not ok or frame is None or frame.size == 0:
            self._failures += 1
            if self._failures >= T.READ_FAILURES_BEFORE_REOPEN:
                self._drop()
            return None
        self._failures = 0
        self._watch_health(frame)
        if self.status == "frozen" and self._same >= 2 * T.FROZEN_FRAMES:
            self._drop()  # a hung driver sometimes recovers on reopen
        return frame

    def _watch_health(self, frame: np.ndarray) -> None:
        """Count black and identical frames: a live sensor always has some noise."""
        thumb = frame[::16, ::16]
        self._black = self._black + 1 if float(thumb.mean()) < T.BLACK_MEAN_MAX else 0
        same = self._last_print is not None and np.array_equal(thumb, self._last_print)
        self._same = self._same + 1 if same else 0
        self._last_print = thumb.copy()
        if self._black >= T.BLACK_FRAMES:
            self.status = "black"
        elif self._same >= T.FROZEN_FRAMES:
            self.status = "frozen"
        else:
            self.status = "ok"

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
        self._cap = None
        self.status = "closed"


class _Paced:
    """Sleeps so a file source delivers frames at `fps` (0 = as fast as asked)."""

    def __init__(self, fps: float) -> None:
        self.fps = fps
        self._next = 0.0

    def wait(self) -> None:
        if self.fps <= 0:
            return
        now = time.monotonic()
        if self._next > now:
            time.sleep(self._next - now)
        self._next = max(now, self._next) + 1.0 / self.fps


class VideoFileSource:
    """A video file played in a loop, for demos and tests."""

    def __init__(
        self, path: Path, *, fps: float = 0.0, loop: bool = True, is_demo: bool = False
    ) -> None:
        self.path = Path(path)
        self.name = self.path.name
        self.is_demo = is_demo
        self.loop = loop
        self._pace = _Paced(fps)
        self._cap: cv2.VideoCapture | None = None

    def open(self) -> None:
        cap = cv2.VideoCapture(str(self.path), cv2.CAP_ANY)
        if not cap.isOpened():
            cap.release()
            raise CaptureError("capture.error.video_unreadable", name=self.path.name)
        self._cap = cap

    def read(self) -> np.ndarray | None:
        if self._cap is None:
            return None
        self._pace.wait()
        ok, frame = self._cap.read()
        if not ok and self.loop:
            self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = self._cap.read()
        return frame if ok else None

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
        self._cap = None


class ImageSequenceSource:
    """Still images shown in turn (each for `repeat` frames), looping; the demo camera.

    `jitter` shifts each frame by a pixel or two so a still picture behaves like a live one.
    """

    def __init__(
        self,
        paths: Sequence[Path],
        *,
        repeat: int = 1,
        fps: float = 0.0,
        jitter: bool = False,
        is_demo: bool = False,
        name: str | None = None,
    ) -> None:
        self.paths = [Path(p) for p in paths]
        self.repeat = max(1, repeat)
        self.jitter = jitter
        self.is_demo = is_demo
        self.name = name or (self.paths[0].parent.name if self.paths else "images")
        self._pace = _Paced(fps)
        self._images: list[np.ndarray] = []
        self._i = 0

    def open(self) -> None:
        images = [cv2.imread(str(p), cv2.IMREAD_COLOR) for p in self.paths]
        self._images = [im for im in images if im is not None]
        if not self._images:
            raise CaptureError("capture.error.video_unreadable", name=self.name)
        self._i = 0

    def read(self) -> np.ndarray | None:
        if not self._images:
            return None
        self._pace.wait()
        image = self._images[(self._i // self.repeat) % len(self._images)]
        self._i += 1
        if not self.jitter:
            return image.copy()
        dx = round(1.5 * float(np.sin(self._i * 0.37)))
        dy = round(1.0 * float(np.cos(self._i * 0.23)))
        return np.roll(image, (dy, dx), axis=(0, 1))

    def close(self) -> None:
        self._images = []


class SyntheticSource:
    """A moving test pattern with a frame counter: proves the pipeline without any camera."""

    is_demo = True

    def __init__(self, width: int = 640, height: int = 480, *, fps: float = 0.0) -> None:
        self.width, self.height = width, height
        self.name = "synthetic"
        self._pace = _Paced(fps)
        self._n = 0
        ramp = np.linspace(60, 200, width, dtype=np.float32)
        self._base = np.repeat(np.tile(ramp, (height, 1))[:, :, None], 3, axis=2).astype(np.uint8)

    def open(self) -> None:
        self._n = 0

    def read(self) -> np.ndarray | None:
        self._pace.wait()
        self._n += 1
        frame = self._base.copy()
        x = (self._n * 7) % max(1, self.width - 80)
        cv2.rectangle(
            frame, (x, self.height // 3), (x + 80, self.height // 3 + 80), (255, 255, 255), -1
        )
        cv2.putText(frame, str(self._n), (10, 40), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (0, 0, 0), 2)
        return frame

    def close(self) -> None:
        pass


@contextmanager
def _quiet_opencv() -> Iterator[None]:
    logging = getattr(getattr(cv2, "utils", None), "logging", None)
    if logging is None:
        yield
        return
    level = logging.getLogLevel()
    logging.setLogLevel(logging.LOG_LEVEL_ERROR)
    try:
        yield
    finally:
        logging.setLogLevel(level)


def probe_cameras(max_index: int = 4) -> list[int]:
    """Device indexes that open, for the technician's camera setting (slow: opens each)."""
    found = []
    for index in range(max_index):
        cam = CameraSource(index)
        try:
            with _quiet_opencv():
                cam.open()
        except CaptureError:
            continue
        cam.close()
        found.append(index)
    return found


def demo_paths(purpose: str) -> list[Path]:
    """The bundled demo pictures for a purpose: "face", "page" or "qr"."""
    base = resources.files("assets").joinpath("capture")
    path = Path(str(base))
    return sorted(path.glob(f"demo_{purpose}*.jpg"))


def demo_source(purpose: str = "face", *, fps: float = 15.0) -> ImageSequenceSource:
    paths = demo_paths(purpose) or demo_paths("face")
    return ImageSequenceSource(paths, repeat=1, fps=fps, jitter=True, is_demo=True, name="demo")


def open_source(
    spec: str, *, purpose: str = "face", width: int = 1280, height: int = 720, fps: float = 15.0
) -> FrameSource:
    """Open the source named in the config: "auto" | "demo" | "synthetic" | index | path.

    "auto" tries cameras 0 and 1 and falls back to the demo pictures, which it says by
    `is_demo=True` and `fallback_reason` (an i18n key), so the screen can show "Demo camera".
    The returned source is already open.
    """
    spec = spec.strip()
    if spec == "auto":
        for index in (0, 1):
            cam = CameraSource(index, width, height)
            try:
                with _quiet_opencv():  # probing an absent camera is expected, not a warning
                    cam.open()
            except CaptureError:
                continue
            return cam
        demo = demo_source(purpose, fps=fps)
        demo.open()
        demo.fallback_reason = "capture.camera.demo_no_camera"  # type: ignore[attr-defined]
        return demo
    source: FrameSource
    if spec == "demo":
        source = demo_source(purpose, fps=fps)
    elif spec == "synthetic":
        source = SyntheticSource(width=640, height=480, fps=fps)
    elif spec.isdigit():
        source = CameraSource(int(spec), width, height)
    else:
        path = Path(spec)
        if path.is_dir():
            images = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
            source = ImageSequenceSource(images, fps=fps, name=path.name)
        elif path.suffix.lower() in IMAGE_SUFFIXES:
            source = ImageSequenceSource([path], fps=fps, jitter=True, name=path.name)
        elif path.exists():
            source = VideoFileSource(path, fps=fps)
        else:
            raise CaptureError("capture.error.camera_missing")
    source.open()
    return source
