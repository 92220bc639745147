"""Frames made ready for painting: downscaled, RGB, optionally mirrored (selfie view)."""

from __future__ import annotations

import cv2
import numpy as np


def preview_rgb(frame: np.ndarray, max_width: int = 960, *, mirror: bool = False) -> np.ndarray:
    """A C-contiguous RGB copy no wider than `max_width`; the GUI only wraps it in a QImage."""
    h, w = frame.shape[:2]
    if w > max_width:
        frame = cv2.resize(
            frame, (max_width, round(h * max_width / w)), interpolation=cv2.INTER_AREA
        )
    if frame.ndim == 2:
        rgb = cv2.cvtColor(frame, cv2.COLOR_GRAY2RGB)
    else:
        rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
    if mirror:
        rgb = cv2.flip(rgb, 1)
    return np.ascontiguousarray(rgb)
