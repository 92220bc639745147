"""Read the receipt's QR code from a camera frame (`SALA1:<app number>:<verification>`)."""

from __future__ import annotations

import threading

import cv2
import numpy as np

_local = threading.local()  # the detector keeps state: one per thread


def _detectors() -> tuple[cv2.QRCodeDetector, cv2.QRCodeDetectorAruco]:
    dets = getattr(_local, "dets", None)
    if dets is None:
        dets = _local.dets = (cv2.QRCodeDetector(), cv2.QRCodeDetectorAruco())
    return dets


def _decode(grey: np.ndarray, aruco: bool = False) -> str | None:
    try:
        text, _points, _ = _detectors()[int(aruco)].detectAndDecode(grey)
    except cv2.error:
        return None
    return text or None


def read_qr(frame: np.ndarray) -> str | None:
    """The QR text, or None. Tries the frame as is with both of OpenCV's detectors, then a
    downscaled and a sharpened copy, which rescue large, slightly blurred codes held close to
    the camera."""
    grey = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    text = _decode(grey)
    if text:
        return text
    # OpenCV's classic detector misses ~3% of even perfect printed codes (their finder
    # patterns' layout); the ArUco-based one finds those, and costs less on a frame with none
    text = _decode(grey, aruco=True)
    if text:
        return text
    h, w = grey.shape[:2]
    if max(h, w) > 800:
        s = 800 / max(h, w)
        text = _decode(cv2.resize(grey, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA))
        if text:
            return text
    blurred = cv2.GaussianBlur(grey, (0, 0), 2.0)
    sharp = cv2.addWeighted(grey, 1.8, blurred, -0.8, 0)
    text = _decode(sharp)
    if text:
        return text
    _, binary = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return _decode(binary)
