"""The receipt QR read from a photographed-like frame (made with the qrcode package)."""

from __future__ import annotations

import cv2
import pytest

from kiosk.capture import read_qr
from kiosk.model import parse_qr_payload
from tests.fixtures.capture import scenes as S

PAYLOAD = "SALA1:120101-00042-7:AB12CD"


@pytest.mark.parametrize(
    ("angle", "scale", "blur"), [(0, 1.0, 0), (18, 0.9, 1.2), (-35, 0.6, 1.0), (70, 1.3, 1.6)]
)
def test_receipt_qr_is_read_rotated_scaled_and_blurred(
    angle: float, scale: float, blur: float
) -> None:
    text = read_qr(S.qr_photo(PAYLOAD, angle=angle, scale=scale, blur=blur))
    assert text == PAYLOAD
    assert parse_qr_payload(text) == ("120101-00042-7", "AB12CD")


def test_no_qr_in_a_face_frame() -> None:
    assert read_qr(S.face_frame()) is None


def test_foreign_qr_is_read_but_not_ours() -> None:
    text = read_qr(S.qr_photo("https://example.org/", angle=10))
    assert text == "https://example.org/" and parse_qr_payload(text) is None


def test_qr_in_grey_frame() -> None:
    grey = cv2.cvtColor(S.qr_photo(PAYLOAD), cv2.COLOR_BGR2GRAY)
    assert read_qr(grey) == PAYLOAD


def test_every_setup_code_printed_clean_is_read() -> None:
    """Setup QRs as the console prints them (segno, error level M, 6 px modules): OpenCV's
    classic detector alone misses about 3 in 100 of these perfect pictures (the order of the
    finder patterns); a technician's enrolment must not depend on which code came out."""
    import io
    import random

    import numpy as np
    import segno

    rng = random.Random(7)
    for i in range(200):
        code = f"{rng.getrandbits(16):04x}-{rng.getrandbits(16):04x}"
        text = f"sala-enrol:1?u=https://127.0.0.1:{30000 + i}&c={code}&m=120101"
        if i % 2:
            text += f"&f={rng.getrandbits(256):064x}"
        buf = io.BytesIO()
        segno.make(text, error="m").save(buf, kind="png", scale=6, border=4)
        picture = cv2.imdecode(np.frombuffer(buf.getvalue(), np.uint8), cv2.IMREAD_GRAYSCALE)
        assert read_qr(picture) == text, text
