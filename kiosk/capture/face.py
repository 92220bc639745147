"""Face-photo checks on one camera frame (ICAO 9303 style, GUIDE §5).

Detection uses OpenCV's bundled Haar cascades (frontal face + eye): they ship inside the
opencv-python-headless wheel, need no model download and run in a few milliseconds on a
320 px grey frame. Eyes are searched only inside the face box. Every limit is in thresholds.py.
Instructions are given from the citizen's side: with a mirrored preview, "move to the right"
moves their face to the right on screen.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from kiosk.capture import thresholds as T
from kiosk.capture.checks import Check

Box = tuple[int, int, int, int]  # x, y, w, h in frame pixels

_local = threading.local()  # cascades are not thread-safe: one pair per thread


def _cascades() -> tuple[cv2.CascadeClassifier, cv2.CascadeClassifier]:
    pair: tuple[cv2.CascadeClassifier, cv2.CascadeClassifier] | None = getattr(_local, "pair", None)
    if pair is None:
        base = str(getattr(cv2, "data").haarcascades)  # noqa: B009 - cv2.data is untyped
        face = cv2.CascadeClassifier(base + "haarcascade_frontalface_default.xml")
        eye = cv2.CascadeClassifier(base + "haarcascade_eye.xml")
        if face.empty() or eye.empty():
            raise RuntimeError("OpenCV's Haar cascades are missing from the cv2 package")
        pair = (face, eye)
        _local.pair = pair
    return pair


@dataclass(frozen=True)
class FaceReport:
    """Every check with its value and limits, the crop to cut, and one instruction key."""

    ok: bool
    instruction: str
    frame_size: tuple[int, int]  # width, height
    faces: tuple[Box, ...] = ()
    eyes: tuple[Box, ...] = ()
    crop: Box | None = None
    checks: dict[str, Check] = field(default_factory=dict)

    @property
    def face(self) -> Box | None:
        return self.faces[0] if self.faces else None

    @property
    def failed(self) -> list[str]:
        return [name for name, c in self.checks.items() if not c.passed]

    def as_dict(self) -> dict[str, Any]:
        """The measured values, for `Attachment.checks`."""
        out: dict[str, Any] = {name: c.as_dict() for name, c in self.checks.items()}
        out["instruction"] = self.instruction
        out["ok"] = self.ok
        return out


def _grey(frame: np.ndarray) -> np.ndarray:
    return frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)


def _normalise(small: np.ndarray) -> np.ndarray:
    """Stretch contrast between the 1st and 99th percentile.

    Histogram equalisation would spend most grey levels on a large plain wall and flatten a
    small face; a percentile stretch keeps the face's contrast and still rescues dim frames.
    """
    lo, hi = np.percentile(small[::2, ::2], (1, 99))
    if hi - lo < 8:
        return small
    return cv2.convertScaleAbs(small, alpha=255.0 / (hi - lo), beta=-lo * 255.0 / (hi - lo))


def detect_faces(grey: np.ndarray, hint: Box | None = None) -> list[Box]:
    """Face boxes in `grey`'s pixels, largest first, found on a downscaled copy.

    With `hint` (last frame's face) only the area around it is searched, at sizes near it:
    several times cheaper, which is what keeps 720p webcams at full rate on a 2-core PC.
    """
    h, w = grey.shape[:2]
    scale = min(1.0, T.DETECT_WIDTH / w)
    x0 = y0 = 0
    min_side = max(24, int(h * scale * T.FACE_MIN_FRACTION))
    max_side = 0
    if hint is not None:
        hx, hy, hw, hh = hint
        x0, y0 = max(0, int(hx - 0.6 * hw)), max(0, int(hy - 0.6 * hh))
        x1, y1 = min(w, int(hx + 1.6 * hw)), min(h, int(hy + 1.6 * hh))
        grey = grey[y0:y1, x0:x1]
        min_side = max(24, int(0.75 * hw * scale))
        max_side = int(1.35 * hw * scale) + 1
    gh, gw = grey.shape[:2]
    small = cv2.resize(
        grey, (max(1, round(gw * scale)), max(1, round(gh * scale))), interpolation=cv2.INTER_AREA
    )
    small = _normalise(small)
    found = _cascades()[0].detectMultiScale(
        small,
        T.FACE_SCALE_FACTOR,
        T.FACE_MIN_NEIGHBOURS,
        minSize=(min_side, min_side),
        maxSize=(max_side, max_side) if max_side else (0, 0),
    )
    boxes = [
        (round(bx / scale) + x0, round(by / scale) + y0, round(bw / scale), round(bh / scale))
        for bx, by, bw, bh in found
    ]
    boxes.sort(key=lambda b: b[2] * b[3], reverse=True)
    return boxes


class FaceTracker:
    """check_face for a live stream: searches near the last face, fully every few frames.

    The full search (every `full_every` frames, or when the face is lost) still notices a
    second person stepping in well within the one second that auto-capture waits.
    """

    def __init__(self, full_every: int = 4) -> None:
        self.full_every = full_every
        self._last: Box | None = None
        self._n = 0

    def __call__(self, frame: np.ndarray) -> FaceReport:
        self._n += 1
        hint = self._last if self._n % self.full_every else None
        report = check_face(frame, hint=hint)
        if hint is not None and len(report.faces) != 1:
            report = check_face(frame)
        self._last = report.face if len(report.faces) == 1 else None
        return report


def detect_eyes(grey: np.ndarray, face: Box) -> list[Box]:
    """Up to two eyes in the upper part of the face box, left to right, in frame pixels."""
    x, y, w, h = face
    top = y + int(h * 0.15)  # eyes sit at about 35–45 % of the Haar face box
    roi = grey[top : y + int(h * 0.62), x : x + w]
    if roi.size == 0:
        return []
    scale = 100.0 / max(1, w)
    small = cv2.resize(
        roi, (100, max(1, round(roi.shape[0] * scale))), interpolation=cv2.INTER_AREA
    )
    found = _cascades()[1].detectMultiScale(
        small, 1.15, T.EYE_MIN_NEIGHBOURS, minSize=(13, 13), maxSize=(38, 38)
    )
    eyes = [tuple(round(v / scale) for v in b) for b in found]
    eyes = [(ex + x, ey + top, ew, eh) for ex, ey, ew, eh in eyes]
    eyes.sort(key=lambda b: b[2] * b[3], reverse=True)
    left = [e for e in eyes if e[0] + e[2] / 2 < x + w / 2]
    right = [e for e in eyes if e[0] + e[2] / 2 >= x + w / 2]
    picked = ([left[0]] if left else []) + ([right[0]] if right else [])
    return picked  # type: ignore[return-value]


def head_crop(face: Box, frame_w: int, frame_h: int) -> tuple[Box | None, float, float]:
    """The 35×45 crop with the head at 70–80 %, plus the head height and crown y.

    Returns (crop or None when no crop fits the frame, head height, crown y).
    """
    x, y, w, h = face
    head_h = T.HEAD_FROM_BOX * h
    crown = y - T.HEAD_TOP_ABOVE_BOX * h
    crop_h = min(head_h / T.HEAD_IN_CROP_TARGET, float(frame_h))
    if head_h / crop_h > T.HEAD_IN_CROP_MAX:
        return None, head_h, crown
    crop_w = crop_h * 35.0 / 45.0
    top = min(max(crown - T.CROP_TOP_MARGIN * crop_h, 0.0), frame_h - crop_h)
    left = min(max(x + w / 2 - crop_w / 2, 0.0), frame_w - crop_w)
    if crown < top or crown + head_h > top + crop_h or crop_w > frame_w:
        return None, head_h, crown
    return (round(left), round(top), round(crop_w), round(crop_h)), head_h, crown


def _sharpness(grey_face: np.ndarray) -> float:
    """Variance of the Laplacian on the face scaled to 200 px high and to a fixed contrast.

    Both normalisations make the number mean the same at any distance and exposure
    (exposure has its own check): a dim sharp face must not read as blurred.
    """
    scale = 200.0 / max(1, grey_face.shape[0])
    size = (max(1, round(grey_face.shape[1] * scale)), 200)
    norm = cv2.resize(
        grey_face, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    )
    norm = norm.astype(np.float32)
    std = float(norm.std())
    if std < 1.0:
        return 0.0
    norm = (norm - float(norm.mean())) * (50.0 / std)
    return float(cv2.Laplacian(norm, cv2.CV_32F).var())


def _background(grey: np.ndarray, face: Box) -> tuple[float, float]:
    """Median grey level and edge density of the wall beside and above the head.

    Edge density (share of Canny edge pixels) tells a plain wall from posters, shelves or
    people behind, and a strand of hair reaching into the band barely moves it, where a plain
    standard deviation would jump on the hair/wall boundary.
    """
    fh, fw = grey.shape[:2]
    x, y, w, h = face
    crown = int(y - T.HEAD_TOP_ABOVE_BOX * h)
    eye_line = y + h // 2
    pad = int(0.25 * w)  # hair often reaches a quarter of the face width beyond the box
    reach = int(0.9 * w)
    top = max(crown - int(0.6 * h), 0)
    boxes = [
        (top, max(crown - pad // 2, 0), max(x - pad, 0), min(x + w + pad, fw)),  # above the head
        (top, min(eye_line, fh), max(x - pad - reach, 0), max(x - pad, 0)),  # left of it
        (top, min(eye_line, fh), min(x + w + pad, fw), min(x + w + pad + reach, fw)),  # right
    ]
    levels: list[np.ndarray] = []
    edges = 0
    total = 0
    for y0, y1, x0, x1 in boxes:
        region = grey[y0:y1, x0:x1]
        if region.shape[0] < 8 or region.shape[1] < 8:
            continue
        levels.append(region[::2, ::2].reshape(-1))
        e = cv2.Canny(cv2.GaussianBlur(region, (3, 3), 0), 40, 120)
        edges += int(np.count_nonzero(e))
        total += e.size
    if not total:
        return 0.0, 1.0
    return float(np.median(np.concatenate(levels))), edges / total


def _no_face_report(grey: np.ndarray, size: tuple[int, int], count: int) -> FaceReport:
    mean = float(grey[::4, ::4].mean())
    checks = {"face_count": Check("face_count", float(count), 1, 1)}
    if count == 0 and mean < T.FACE_MEAN_MIN * 0.6:
        checks["exposure"] = Check("exposure", mean, T.FACE_MEAN_MIN, T.FACE_MEAN_MAX)
        return FaceReport(False, "capture.face.more_light", size, checks=checks)
    if count == 0 and mean > T.FACE_MEAN_MAX:
        checks["exposure"] = Check("exposure", mean, T.FACE_MEAN_MIN, T.FACE_MEAN_MAX)
        return FaceReport(False, "capture.face.too_bright", size, checks=checks)
    key = "capture.face.look" if count == 0 else "capture.face.one_person"
    return FaceReport(False, key, size, checks=checks)


def check_face(frame: np.ndarray, hint: Box | None = None) -> FaceReport:
    """Run every face-photo check on a BGR frame and pick the one instruction to show.

    `hint` (the previous frame's face) narrows the search; see FaceTracker.
    """
    grey = _grey(frame)
    fh, fw = grey.shape[:2]
    faces = detect_faces(grey, hint)
    if len(faces) != 1:
        report = _no_face_report(grey, (fw, fh), len(faces))
        return FaceReport(
            report.ok, report.instruction, (fw, fh), tuple(faces), (), None, report.checks
        )
    face = faces[0]
    x, y, w, h = face
    crop, head_h, crown = head_crop(face, fw, fh)
    eyes = detect_eyes(grey, face)

    inner = grey[y + h // 6 : y + h - h // 6, x + w // 5 : x + w - w // 5]
    face_mean = float(inner.mean()) if inner.size else 0.0
    clipped = float((inner >= 250).mean()) if inner.size else 0.0
    min_head = max(
        T.CROP_MIN_FRAME_FRACTION * T.HEAD_IN_CROP_TARGET,
        T.CROP_MIN_SOURCE_PX * T.HEAD_IN_CROP_TARGET / fh,
    )
    tilt: float | None = None
    if len(eyes) == 2:
        (ax, ay, aw, ah), (bx, by, bw, bh) = eyes
        dx = (bx + bw / 2) - (ax + aw / 2)
        dy = (by + bh / 2) - (ay + ah / 2)
        tilt = abs(math.degrees(math.atan2(dy, dx))) if dx > 0 else 90.0
    bg_mean, bg_edges = _background(grey, face)
    ideal_eye_y = fh / 2.0
    eye_y = crown + T.EYE_LINE_FROM_CROWN * head_h
    checks = {
        "face_count": Check("face_count", 1.0, 1, 1),
        "exposure": Check("exposure", face_mean, T.FACE_MEAN_MIN, T.FACE_MEAN_MAX),
        "clipped": Check("clipped", clipped, None, T.FACE_CLIPPED_MAX),
        "head_size": Check("head_size", head_h / fh, round(min_head, 3), T.HEAD_IN_CROP_MAX),
        "centre_x": Check(
            "centre_x", (x + w / 2 - fw / 2) / fw, -T.CENTRE_TOLERANCE, T.CENTRE_TOLERANCE
        ),
        "centre_y": Check(
            "centre_y",
            (eye_y - ideal_eye_y) / fh if crop is not None else 1.0,
            -2 * T.CENTRE_TOLERANCE,
            2 * T.CENTRE_TOLERANCE,
        ),
        "eyes": Check("eyes", float(len(eyes)), 2, None),
        "tilt": Check("tilt", tilt, None, T.EYE_TILT_MAX_DEG),
        "background_edges": Check("background_edges", bg_edges, None, T.BACKGROUND_EDGES_MAX),
        "background_mean": Check("background_mean", bg_mean, T.BACKGROUND_MEAN_MIN, None),
        "sharpness": Check(
            "sharpness", _sharpness(grey[y : y + h, x : x + w]), T.SHARPNESS_MIN, None
        ),
    }
    return FaceReport(
        ok=all(c.passed for c in checks.values()),
        instruction=_instruction(checks),
        frame_size=(fw, fh),
        faces=(face,),
        eyes=tuple(eyes),
        crop=crop,
        checks=checks,
    )


def _instruction(c: dict[str, Check]) -> str:
    """The single most useful thing to say, in the order a person can fix things."""
    if c["exposure"].too_low:
        return "capture.face.more_light"
    if c["exposure"].too_high or not c["clipped"].passed:
        return "capture.face.too_bright"
    if c["head_size"].too_low:
        return "capture.face.closer"
    if c["head_size"].too_high:
        return "capture.face.back"
    if c["centre_x"].too_high:  # face right of centre in the camera's view: the person's right
        return "capture.face.right"
    if c["centre_x"].too_low:
        return "capture.face.left"
    if not c["centre_y"].passed:
        return "capture.face.centre"
    if not c["eyes"].passed:
        return "capture.face.look"
    if not c["tilt"].passed:
        return "capture.face.level"
    if not (c["background_edges"].passed and c["background_mean"].passed):
        return "capture.face.background"
    return "capture.face.hold_still"
