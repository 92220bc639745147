"""JPEG encoding that adapts quality (then size) until the bytes fit a budget."""

from __future__ import annotations

import cv2
import numpy as np


def encode_jpeg(image: np.ndarray, qualities: tuple[int, ...], max_bytes: int) -> tuple[bytes, int]:
    """The first quality whose JPEG fits `max_bytes`; shrink by 10 % steps if none does.

    Returns (bytes, quality). Progressive/optimised Huffman tables cost nothing to decode and
    save a few percent.
    """
    img = image
    while True:
        for q in qualities:
            params = [cv2.IMWRITE_JPEG_QUALITY, q, cv2.IMWRITE_JPEG_OPTIMIZE, 1]
            ok, buf = cv2.imencode(".jpg", img, params)
            if not ok:
                raise ValueError("JPEG encoding failed")
            if buf.size <= max_bytes:
                return buf.tobytes(), q
        h, w = img.shape[:2]
        if min(h, w) < 64:
            return buf.tobytes(), qualities[-1]
        img = cv2.resize(img, (int(w * 0.9), int(h * 0.9)), interpolation=cv2.INTER_AREA)
