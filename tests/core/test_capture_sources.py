"""Frame sources with real cv2.VideoCapture on real video files (this machine has no camera)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from kiosk.capture import CaptureError, open_source
from kiosk.capture import thresholds as T
from kiosk.capture.sources import (
    CameraSource,
    FrameSource,
    ImageSequenceSource,
    SyntheticSource,
    demo_paths,
)


def write_video(path: Path, frames: list[np.ndarray], fps: float = 15) -> Path:
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (w, h))
    assert writer.isOpened()
    for f in frames:
        writer.write(f)
    writer.release()
    return path


def noisy_frames(n: int, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.integers(60, 200, (120, 160, 3), dtype=np.uint8) for _ in range(n)]


class FakeClock:
    """A clock the test advances: the back-off is exercised without sleeping."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_camera_reopens_after_the_device_disappears_and_comes_back(tmp_path: Path) -> None:
    video = write_video(tmp_path / "cam.avi", noisy_frames(12))
    away = tmp_path / "unplugged.avi"
    clock = FakeClock()
    cam = CameraSource(str(video), clock=clock)
    cam.open()
    assert isinstance(cam, FrameSource)
    assert cam.read() is not None and cam.status == "ok"
    video.rename(away)  # "unplugged"
    results = [cam.read() for _ in range(20)]  # drains what was buffered, then fails
    assert results[-1] is None and cam.status == "reconnecting"
    assert cam.problem == "capture.camera.reconnecting"
    backoffs = []
    for _ in range(4):  # each failed reopen doubles the wait
        clock.now += 10
        assert cam.read() is None
        backoffs.append(cam._retry_at - clock.now)
    assert backoffs == sorted(backoffs) and backoffs[-1] <= T.REOPEN_BACKOFF_MAX
    away.rename(video)  # "plugged back in"
    assert cam.read() is None  # still waiting out the back-off
    clock.now += 10
    frame = cam.read()
    assert frame is not None and cam.status == "ok" and cam.reopen_count == 1
    cam.close()


def test_black_frames_are_reported(tmp_path: Path) -> None:
    video = write_video(
        tmp_path / "black.avi", [np.zeros((120, 160, 3), np.uint8)] * (T.BLACK_FRAMES + 2)
    )
    cam = CameraSource(str(video))
    cam.open()
    for _ in range(T.BLACK_FRAMES + 1):
        cam.read()
    assert cam.status == "black" and cam.problem == "capture.camera.black"
    cam.close()


def test_frozen_frames_are_reported_then_the_camera_reopened(tmp_path: Path) -> None:
    still = noisy_frames(1)[0]
    video = write_video(tmp_path / "frozen.avi", [still] * (2 * T.FROZEN_FRAMES + 5))
    cam = CameraSource(str(video))
    cam.open()
    for _ in range(T.FROZEN_FRAMES + 1):
        cam.read()
    assert cam.status == "frozen"
    for _ in range(T.FROZEN_FRAMES):
        cam.read()
    assert cam.status == "reconnecting"
    cam.close()


def test_live_noise_is_not_frozen(tmp_path: Path) -> None:
    cam = CameraSource(str(write_video(tmp_path / "live.avi", noisy_frames(T.FROZEN_FRAMES + 5))))
    cam.open()
    for _ in range(T.FROZEN_FRAMES + 3):
        cam.read()
    assert cam.status == "ok"
    cam.close()


def test_missing_camera_raises_a_plain_error() -> None:
    with pytest.raises(CaptureError) as err:
        CameraSource(7, backends=[cv2.CAP_V4L2]).open()
    assert err.value.key == "capture.error.camera_missing"
    assert "file" in err.value.en


def test_auto_falls_back_to_the_demo_camera_and_says_so() -> None:
    source = open_source("auto", fps=0)
    try:
        if isinstance(source, CameraSource):
            pytest.skip("a real camera is attached")
        assert source.is_demo
        assert source.fallback_reason == "capture.camera.demo_no_camera"  # type: ignore[attr-defined]
        a, b = source.read(), source.read()
        assert a is not None and b is not None and a.shape == b.shape
    finally:
        source.close()


@pytest.mark.parametrize("purpose", ["face", "page", "qr"])
def test_demo_pictures_ship_for_each_purpose(purpose: str) -> None:
    paths = demo_paths(purpose)
    assert paths and all(p.stat().st_size < 200_000 for p in paths)
    source = open_source("demo", purpose=purpose, fps=0)
    assert source.is_demo and source.read() is not None
    source.close()


def test_video_file_loops(tmp_path: Path) -> None:
    source = open_source(str(write_video(tmp_path / "clip.avi", noisy_frames(5))), fps=0)
    frames = [source.read() for _ in range(12)]
    assert all(f is not None for f in frames)
    source.close()


def test_image_folder_and_synthetic(tmp_path: Path) -> None:
    for i, f in enumerate(noisy_frames(3)):
        cv2.imwrite(str(tmp_path / f"{i}.png"), f)
    seq = open_source(str(tmp_path), fps=0)
    assert isinstance(seq, ImageSequenceSource) and seq.read() is not None
    synth = open_source("synthetic", fps=0)
    assert isinstance(synth, SyntheticSource)
    a, b = synth.read(), synth.read()
    assert a is not None and b is not None and not np.array_equal(a, b)


def test_unknown_path_is_a_missing_camera(tmp_path: Path) -> None:
    with pytest.raises(CaptureError):
        open_source(str(tmp_path / "nothing.mp4"))


def test_probe_finds_no_camera_where_there_is_no_device() -> None:
    from pathlib import Path as P

    from kiosk.capture.sources import probe_cameras

    if any(P(f"/dev/video{i}").exists() for i in range(2)) or not P("/dev").exists():
        pytest.skip("this machine has (or may have) video devices")
    assert probe_cameras(2) == []
