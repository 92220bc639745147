"""Face-photo checks on one camera frame (ICAO 9303 style, GUIDE §5).

Faces are found by MediaPipe's BlazeFace short-range model (assets/capture/models, Apache-2.0,
provenance in its NOTICE), run by OpenCV's own DNN module: no new dependency, one 128×128
inference (about 3 ms on one core) per frame, and six landmarks per face. Eyes, tilt, facing and
centring come from those landmarks. It replaced Haar cascades, whose eye cascade found no eyes
on real photographs, so auto-capture never fired. No Haar fallback is kept: the detector found
the face on every real portrait tried (tests/fixtures/faces and the 158 it was drawn from).
Every limit is in thresholds.py.
Instructions are given from the citizen's side: with a mirrored preview, "move to the right"
moves their face to the right on screen.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import cv2
import numpy as np

from kiosk.capture import thresholds as T
from kiosk.capture.checks import Check

Box = tuple[int, int, int, int]  # x, y, w, h in frame pixels
Point = tuple[float, float]

_INPUT = 128  # the model's input side
_local = threading.local()  # a cv2.dnn.Net is not thread-safe: one per thread


def _net() -> cv2.dnn.Net:
    net: cv2.dnn.Net | None = getattr(_local, "net", None)
    if net is None:
        model = resources.files("assets").joinpath("capture", "models", T.FACE_MODEL)
        net = cv2.dnn.readNetFromTFLite(np.frombuffer(model.read_bytes(), np.uint8))
        _local.net = net
    return net


@cache
def _anchors() -> np.ndarray:
    """The 896 anchor centres of BlazeFace short range (2 per cell at stride 8, 6 at 16)."""
    out: list[tuple[float, float]] = []
    for stride, per_cell in ((8, 2), (16, 6)):
        grid = _INPUT // stride
        for y in range(grid):
            for x in range(grid):
                out += [((x + 0.5) / grid, (y + 0.5) / grid)] * per_cell
    return np.array(out, np.float32)


@dataclass(frozen=True)
class Face:
    """One detected face: its box (sized from the landmarks, see thresholds.py), the
    detector's score, and landmarks in frame pixels. "Right" is the person's right: on the
    left of an unmirrored frame."""

    box: Box
    score: float
    right_eye: Point
    left_eye: Point
    nose: Point
    mouth: Point

    @property
    def eye_distance(self) -> float:
        return math.dist(self.right_eye, self.left_eye)

    @property
    def tilt(self) -> float:
        """Angle of the line through both eyes, in degrees (90 when they are swapped)."""
        dx = self.left_eye[0] - self.right_eye[0]
        dy = self.left_eye[1] - self.right_eye[1]
        return abs(math.degrees(math.atan2(dy, dx))) if dx > 0 else 90.0

    @property
    def yaw(self) -> float:
        """How far the nose tip sits beside the eyes' midpoint, along the eye line, in eye
        distances: 0 facing the camera, about ±0.35 at 30° turned away."""
        ex, ey = self.left_eye[0] - self.right_eye[0], self.left_eye[1] - self.right_eye[1]
        d = math.hypot(ex, ey)
        if d < 1.0:
            return 1.0
        mx = (self.left_eye[0] + self.right_eye[0]) / 2
        my = (self.left_eye[1] + self.right_eye[1]) / 2
        return ((self.nose[0] - mx) * ex + (self.nose[1] - my) * ey) / (d * d)


def _letterbox(frame: np.ndarray) -> tuple[np.ndarray, float]:
    """The frame shrunk to fit 128×128 and padded (black, top-left): image and its scale."""
    h, w = frame.shape[:2]
    scale = _INPUT / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
    return cv2.copyMakeBorder(
        small, 0, _INPUT - size[1], 0, _INPUT - size[0], cv2.BORDER_CONSTANT, value=0
    ), scale


def _run(square: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The model on a 128×128 BGR image: scores, boxes (x0, y0, x1, y1) and six landmarks
    per detection above FACE_SCORE_MIN, in 0..1 of the image, merged by weighted NMS."""
    blob = cv2.dnn.blobFromImage(square, 1 / 127.5, (_INPUT, _INPUT), (127.5, 127.5, 127.5), True)
    net = _net()
    net.setInput(blob)
    logits, raw = net.forward(["classificators", "regressors"])
    scores = 1.0 / (1.0 + np.exp(-np.clip(logits.reshape(-1), -50.0, 50.0)))
    keep = np.flatnonzero(scores >= T.FACE_SCORE_MIN)
    scores = scores[keep]
    anchors = _anchors()[keep]
    reg = raw.reshape(-1, 16)[keep] / _INPUT
    centre = reg[:, 0:2] + anchors
    half = reg[:, 2:4] / 2
    boxes = np.hstack([centre - half, centre + half])
    points = reg[:, 4:16].reshape(-1, 6, 2) + anchors[:, None, :]
    out_s, out_b, out_p = [], [], []
    order = np.argsort(-scores)
    while order.size:
        first, rest = boxes[order[0]], boxes[order]
        ix = np.clip(np.minimum(first[2], rest[:, 2]) - np.maximum(first[0], rest[:, 0]), 0, None)
        iy = np.clip(np.minimum(first[3], rest[:, 3]) - np.maximum(first[1], rest[:, 1]), 0, None)
        inter = ix * iy
        area = (rest[:, 2] - rest[:, 0]) * (rest[:, 3] - rest[:, 1])
        own = (first[2] - first[0]) * (first[3] - first[1])
        same = inter / np.maximum(own + area - inter, 1e-9) > T.FACE_NMS_IOU
        group, order = order[same], order[~same]
        weights = scores[group] / scores[group].sum()  # MediaPipe's weighted NMS
        out_s.append(scores[group[0]])
        out_b.append((boxes[group] * weights[:, None]).sum(axis=0))
        out_p.append((points[group] * weights[:, None, None]).sum(axis=0))
    if not out_s:
        return np.zeros(0), np.zeros((0, 4)), np.zeros((0, 6, 2))
    return np.array(out_s), np.array(out_b), np.array(out_p)


def detect(frame: np.ndarray) -> list[Face]:
    """Faces in a BGR (or grey) frame, largest first; small or doubtful ones are left out."""
    if frame.ndim == 2:
        frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
    square, scale = _letterbox(frame)
    scores, _, points = _run(square)
    faces = [_face(p * _INPUT / scale, float(s)) for s, p in zip(scores, points, strict=True)]
    faces = [f for f in faces if f.box[3] >= T.FACE_MIN_FRACTION * frame.shape[0]]
    faces.sort(key=lambda f: f.box[2], reverse=True)
    return faces


def refine(frame: np.ndarray, face: Face) -> Face:
    """The same face measured again on a 128×128 crop around it.

    On the whole frame an eye sits within ±1 input pixel, which is ±5° of tilt for a face at
    kiosk distance; on a crop of REFINE_CROP face boxes the eyes are 2–3 times further apart
    in input pixels and the tilt steadies to about ±1°.
    """
    if frame.ndim == 2:
        frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
    x, y, w, h = face.box
    side = T.REFINE_CROP * w
    s = _INPUT / side
    ox, oy = x + w / 2 - side / 2, y + h / 2 - side / 2
    m = np.array([[s, 0, -ox * s], [0, s, -oy * s]], np.float32)
    crop = cv2.warpAffine(frame, m, (_INPUT, _INPUT), flags=cv2.INTER_AREA)
    scores, _, points = _run(crop)
    if not scores.size:
        return face
    best = int(np.argmax(scores))
    return _face(points[best] * side + np.array([ox, oy]), float(scores[best]))


def _face(pts: np.ndarray, score: float) -> Face:
    """A Face with its box sized from the landmarks (see BOX_FROM_LANDMARKS).

    Eye distance and eye-to-mouth distance shrink with opposite head turns (sideways, up or
    down), so their mean holds the size better than the detector's box, which grows with hair
    and hats.
    """
    p = [(float(a), float(b)) for a, b in pts[:4]]
    right, left, nose, mouth = p
    mid = ((right[0] + left[0]) / 2, (right[1] + left[1]) / 2)
    side = T.BOX_FROM_LANDMARKS * (math.dist(right, left) + math.dist(mid, mouth)) / 2
    x, y = round(mid[0] - side / 2), round(mid[1] - T.EYE_IN_BOX * side)
    return Face((x, y, round(side), round(side)), score, right, left, nose, mouth)


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
    landmarks: Face | None = None  # the one face's detection, when there is exactly one

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


class FaceTracker:
    """check_face for a live stream, one per stream.

    With Haar cascades this searched near the last face to keep 720p at full rate; the
    landmark detector looks at the whole frame in a few milliseconds, so every frame gets the
    full search and a second person stepping in is seen at once.
    """

    def __call__(self, frame: np.ndarray) -> FaceReport:
        return check_face(frame)


def eye_boxes(face: Face, frame_w: int, frame_h: int) -> list[Box]:
    """A box around each eye landmark that lies inside the frame (person's right first)."""
    d = face.eye_distance
    w, h = max(2, round(0.42 * d)), max(2, round(0.26 * d))
    out: list[Box] = []
    for ex, ey in (face.right_eye, face.left_eye):
        if 0 <= ex < frame_w and 0 <= ey < frame_h:
            out.append((round(ex - w / 2), round(ey - h / 2), w, h))
    return out


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


def check_face(frame: np.ndarray) -> FaceReport:
    """Run every face-photo check on a BGR frame and pick the one instruction to show."""
    grey = _grey(frame)
    fh, fw = grey.shape[:2]
    found = detect(frame)
    if len(found) != 1:
        report = _no_face_report(grey, (fw, fh), len(found))
        boxes = tuple(f.box for f in found)
        return FaceReport(report.ok, report.instruction, (fw, fh), boxes, (), None, report.checks)
    one = refine(frame, found[0])
    face = one.box
    x, y, w, h = face
    crop, head_h, crown = head_crop(face, fw, fh)
    eyes = eye_boxes(one, fw, fh)
    facing = abs(one.yaw) <= T.FACE_YAW_MAX

    x0, y0 = max(x, 0), max(y, 0)
    inner = grey[y0 + h // 6 : y + h - h // 6, x0 + w // 5 : x + w - w // 5]
    face_mean = float(inner.mean()) if inner.size else 0.0
    clipped = float((inner >= 250).mean()) if inner.size else 0.0
    min_head = max(
        T.CROP_MIN_FRAME_FRACTION * T.HEAD_IN_CROP_TARGET,
        T.CROP_MIN_SOURCE_PX * T.HEAD_IN_CROP_TARGET / fh,
    )
    tilt = one.tilt if len(eyes) == 2 else None
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
        "eyes": Check("eyes", float(len(eyes) if facing else 0), 2, None),
        "tilt": Check("tilt", tilt, None, T.EYE_TILT_MAX_DEG),
        "background_edges": Check("background_edges", bg_edges, None, T.BACKGROUND_EDGES_MAX),
        "background_mean": Check("background_mean", bg_mean, T.BACKGROUND_MEAN_MIN, None),
        "sharpness": Check(
            "sharpness", _sharpness(grey[y0 : y + h, x0 : x + w]), T.SHARPNESS_MIN, None
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
        landmarks=one,
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
