"""Cut the passport-style portrait (35×45 proportions, 413×531 px JPEG) from a checked frame."""

from __future__ import annotations

import cv2
import numpy as np

from kiosk.capture import thresholds as T
from kiosk.capture.encode import encode_jpeg
from kiosk.capture.errors import CaptureError
from kiosk.capture.face import FaceReport, head_crop


def portrait_crop(frame: np.ndarray, report: FaceReport) -> np.ndarray:
    """The 35×45 region around the head, or the largest centred one when no face was found.

    The second case serves the clerk's override: the photo is kept even though a check failed.
    """
    fh, fw = frame.shape[:2]
    crop = report.crop
    if crop is None and report.face is not None:
        # Too close: take the tallest crop the frame allows, centred on the face.
        x, y, w, h = report.face
        ch = fh
        cw = min(fw, round(ch * 35 / 45))
        left = min(max(round(x + w / 2 - cw / 2), 0), fw - cw)
        crop = (left, 0, cw, ch)
    if crop is None:
        ch = fh if fw * 45 >= fh * 35 else round(fw * 45 / 35)
        cw = round(ch * 35 / 45)
        crop = ((fw - cw) // 2, (fh - ch) // 2, cw, ch)
    x, y, w, h = crop
    region = frame[y : y + h, x : x + w]
    if region.size == 0:
        raise CaptureError("capture.error.no_photo")
    interp = cv2.INTER_AREA if h > T.PORTRAIT_SIZE[1] else cv2.INTER_CUBIC
    return cv2.resize(region, T.PORTRAIT_SIZE, interpolation=interp)


def make_portrait(frame: np.ndarray, report: FaceReport) -> bytes:
    """A colour 413×531 JPEG of at most PORTRAIT_MAX_BYTES (quality adapted to fit)."""
    if frame.ndim == 2:
        frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
    data, _ = encode_jpeg(portrait_crop(frame, report), T.PORTRAIT_QUALITIES, T.PORTRAIT_MAX_BYTES)
    return data


__all__ = ["head_crop", "make_portrait", "portrait_crop"]
