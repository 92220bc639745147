"""Face-photo checks on a real photograph (tests/fixtures/capture), both sides of each limit.

The real portrait and no-face sets are in test_capture_face_real.py.
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest

from kiosk.capture import check_face, make_portrait
from kiosk.capture import face as face_mod
from kiosk.capture import thresholds as T
from kiosk.capture.autoshot import AutoShot
from kiosk.capture.face import FaceReport
from tests.fixtures.capture import scenes as S


@pytest.fixture(scope="module")
def good() -> FaceReport:
    return check_face(S.face_frame())


def test_good_frame_passes_every_check(good: FaceReport) -> None:
    assert good.ok, good.failed
    assert good.instruction == "capture.face.hold_still"
    assert len(good.eyes) == 2
    assert good.crop is not None
    _, _, w, h = good.crop
    assert abs(w / h - 35 / 45) < 0.01


@pytest.mark.parametrize(
    ("frame", "failed", "instruction"),
    [
        (S.too_far, "head_size", "capture.face.closer"),
        (lambda: S.face_frame(scale=2.9), "head_size", "capture.face.back"),
        (lambda: S.face_frame(dx=110), "centre_x", "capture.face.right"),
        (lambda: S.face_frame(dx=-110), "centre_x", "capture.face.left"),
        (S.two_faces, "face_count", "capture.face.one_person"),
        (S.no_face, "face_count", "capture.face.look"),
        (S.blurred, "sharpness", "capture.face.hold_still"),
        (lambda: S.darker(0.3), "exposure", "capture.face.more_light"),
        (lambda: S.brighter(90), "exposure", "capture.face.too_bright"),
        (S.busy_background, "background_edges", "capture.face.background"),
        (lambda: S.tilted(-12), "tilt", "capture.face.level"),
    ],
)
def test_each_bad_frame_fails_its_check_and_says_what_to_do(frame, failed, instruction) -> None:
    report = check_face(frame())
    assert not report.ok
    assert failed in report.failed
    assert report.instruction == instruction


def test_head_size_limits_sit_between_far_and_close() -> None:
    sizes = {s: check_face(S.face_frame(scale=s)).checks["head_size"] for s in (1.3, 2.3, 2.9)}
    assert sizes[1.3].too_low and sizes[2.3].passed and sizes[2.9].too_high
    assert sizes[2.9].high == T.HEAD_IN_CROP_MAX


def test_plain_and_busy_background_on_either_side_of_the_limit() -> None:
    plain = check_face(S.plain_background_head()).checks["background_edges"]
    busy = check_face(S.busy_background()).checks["background_edges"]
    assert plain.value is not None and busy.value is not None
    assert plain.value < T.BACKGROUND_EDGES_MAX < busy.value


def test_sharpness_limit_between_sharp_and_blurred(good: FaceReport) -> None:
    blurred = check_face(S.blurred()).checks["sharpness"]
    assert blurred.value is not None and good.checks["sharpness"].value is not None
    assert blurred.value < T.SHARPNESS_MIN < good.checks["sharpness"].value


def test_sharpness_does_not_confuse_dim_with_blurred() -> None:
    assert check_face(S.darker(0.6)).checks["sharpness"].passed


def test_exposure_limits_between_dark_normal_and_bright(good: FaceReport) -> None:
    assert check_face(S.darker(0.3)).checks["exposure"].too_low
    assert good.checks["exposure"].passed
    bright = check_face(S.brighter(90)).checks["exposure"]
    assert bright.too_high


def test_eyes_level_limit() -> None:
    level = check_face(S.face_frame()).checks["tilt"]
    tilted = check_face(S.tilted(-12)).checks["tilt"]
    assert level.value is not None and tilted.value is not None
    assert level.value < T.EYE_TILT_MAX_DEG < tilted.value


def test_head_turned_away_asks_to_look_at_the_camera(monkeypatch) -> None:
    """The eyes count only while the nose sits between them: a turned head has no eyes."""
    frame = S.face_frame()
    real = face_mod.refine

    def turned(frame: np.ndarray, face: face_mod.Face) -> face_mod.Face:
        f = real(frame, face)
        shift = (T.FACE_YAW_MAX + 0.1) * f.eye_distance
        return dataclasses.replace(f, nose=(f.nose[0] + shift, f.nose[1]))

    assert abs(check_face(frame).landmarks.yaw) < T.FACE_YAW_MAX  # type: ignore[union-attr]
    monkeypatch.setattr(face_mod, "refine", turned)
    report = check_face(frame)
    assert report.checks["eyes"].too_low
    assert report.instruction == "capture.face.look"


def test_report_as_dict_keeps_values_and_limits(good: FaceReport) -> None:
    d = good.as_dict()
    assert d["sharpness"]["low"] == T.SHARPNESS_MIN
    assert d["sharpness"]["passed"] is True
    assert isinstance(d["head_size"]["value"], float)


def test_portrait_is_413x531_colour_jpeg_under_budget(good: FaceReport) -> None:
    data = make_portrait(S.face_frame(), good)
    assert data[:3] == b"\xff\xd8\xff"
    assert len(data) <= T.PORTRAIT_MAX_BYTES
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    assert img.shape == (531, 413, 3)
    again = check_face(cv2.copyMakeBorder(img, 0, 0, 200, 200, cv2.BORDER_REPLICATE))
    # the face in the portrait is centred horizontally
    assert again.face is not None
    fx = again.face[0] + again.face[2] / 2 - 200
    assert abs(fx - 413 / 2) < 413 * 0.08


def test_portrait_of_noisy_frame_still_fits_budget() -> None:
    rng = np.random.default_rng(0)
    noisy = np.clip(
        S.face_frame().astype(np.int16) + rng.normal(0, 25, (480, 640, 3)), 0, 255
    ).astype(np.uint8)
    data = make_portrait(noisy, check_face(noisy))
    assert len(data) <= T.PORTRAIT_MAX_BYTES


def test_override_portrait_without_a_face_is_still_made() -> None:
    report = check_face(S.no_face())
    img = cv2.imdecode(
        np.frombuffer(make_portrait(S.no_face(), report), np.uint8), cv2.IMREAD_COLOR
    )
    assert img.shape == (531, 413, 3)


def test_autoshot_fires_after_a_steady_second_and_not_before(good: FaceReport) -> None:
    shot = AutoShot()
    fired = [shot.feed(good, t / 15) for t in range(20)]  # 15 fps
    assert fired.index(True) == 15  # 1.0 s and ≥ 8 frames
    assert not any(fired[:15])


def test_autoshot_resets_on_a_bad_frame_or_movement(good: FaceReport) -> None:
    shot = AutoShot()
    bad = check_face(S.blurred())
    for t in range(10):
        assert not shot.feed(good, t / 15)
    assert not shot.feed(bad, 10 / 15)
    assert shot.progress(10 / 15) == 0.0
    moved = check_face(S.face_frame(dx=50))
    for t in range(11, 20):
        assert not shot.feed(good if t % 2 else moved, t / 15)


def test_tracker_agrees_with_full_search_and_still_sees_a_second_person() -> None:
    from kiosk.capture.face import FaceTracker

    tracker = FaceTracker()
    good = S.face_frame()
    reports = [tracker(good) for _ in range(4)]
    assert all(r.ok for r in reports)
    full = check_face(good)
    assert all(r.face == full.face for r in reports)
    assert tracker(S.two_faces()).instruction == "capture.face.one_person"
