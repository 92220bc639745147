"""Pages photographed at an angle: corners, true aspect, blur, glare, colour and size."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from kiosk.capture import find_page, make_page
from kiosk.capture import thresholds as T
from kiosk.capture.page import encode_page, is_colour, true_aspect
from tests.fixtures.capture import scenes as S


@pytest.mark.parametrize(
    ("tilt_x", "tilt_y", "roll"), [(25, 12, 6), (-20, 18, -10), (0, 0, 0), (32, -5, 3)]
)
def test_page_at_an_angle_is_found_with_its_true_aspect(tilt_x, tilt_y, roll) -> None:
    frame, corners = S.page_photo_scene(tilt_x=tilt_x, tilt_y=tilt_y, roll=roll)
    report = find_page(frame)
    assert report.found and report.corners is not None
    assert np.abs(report.corners - corners).max() < 12  # px in a 1600×1200 frame
    raw = true_aspect(report.corners, 1600, 1200)
    assert abs(raw - 210 / 297) / (210 / 297) < 0.03
    assert report.paper == "a4"
    assert report.ok, report.as_dict()


def test_corner_naive_aspect_would_be_wrong_for_a_strong_tilt() -> None:
    """Guards the reason for the Zhang–He estimate: side lengths alone mislead."""
    _, corners = S.page_photo_scene(tilt_x=32, tilt_y=-5, roll=3)
    tl, tr, br, bl = corners
    naive = (np.linalg.norm(tr - tl) + np.linalg.norm(br - bl)) / (
        np.linalg.norm(bl - tl) + np.linalg.norm(br - tr)
    )
    assert abs(naive - 210 / 297) / (210 / 297) > 0.06
    assert abs(true_aspect(corners, 1600, 1200) - 210 / 297) < 0.01


def test_straightened_page_is_a4_at_150_dpi_and_under_budget() -> None:
    frame, _ = S.page_photo_scene()
    data = make_page(frame, find_page(frame))
    assert len(data) <= T.PAGE_MAX_BYTES
    page = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    assert page.ndim == 2  # a black-and-white form is stored grey
    assert (
        page.shape[1] in range(1240, 1655) and abs(page.shape[0] / page.shape[1] - 297 / 210) < 0.01
    )


def test_colour_page_stays_colour() -> None:
    frame, _ = S.page_photo_scene(colour=True)
    data = make_page(frame, find_page(frame))
    page = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    assert page.ndim == 3 and len(data) <= T.PAGE_MAX_BYTES


def test_colour_measure_on_either_side_of_its_limit() -> None:
    grey_frac = is_colour(S.a4_page())[1]
    colour_frac = is_colour(S.a4_page(colour=True))[1]
    assert grey_frac < T.PAGE_COLOUR_FRACTION < colour_frac


def test_blurred_page_fails_sharpness() -> None:
    sharp = find_page(S.page_photo_scene()[0]).checks["sharpness"]
    blurred = find_page(S.page_photo_scene(blur=3.0)[0])
    assert blurred.instruction == "capture.page.blurry"
    assert blurred.checks["sharpness"].value < T.PAGE_SHARPNESS_MIN < sharp.value  # type: ignore[operator]


def test_glare_is_seen() -> None:
    clean = find_page(S.page_photo_scene()[0]).checks["glare"]
    glare = find_page(S.page_photo_scene(glare=True)[0])
    assert glare.instruction == "capture.page.glare"
    assert clean.value < T.PAGE_GLARE_MAX < glare.checks["glare"].value  # type: ignore[operator]


def test_no_page_on_an_empty_desk() -> None:
    report = find_page(S.desk(1280, 720))
    assert not report.found and report.instruction == "capture.page.not_found"


def test_whole_frame_kept_when_no_corners() -> None:
    frame = S.a4_page()
    data = make_page(frame, find_page(S.desk(640, 480)))
    assert (
        cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED).shape[0] == frame.shape[0]
    )


def test_huge_noisy_page_is_shrunk_until_it_fits() -> None:
    rng = np.random.default_rng(1)
    noise = rng.integers(0, 255, (2400, 1700, 3), dtype=np.uint8)
    data, info = encode_page(noise)
    assert len(data) <= T.PAGE_MAX_BYTES and info["height"] <= T.PAGE_LONG_SIDE
