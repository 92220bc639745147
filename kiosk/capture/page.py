"""Papers photographed by the camera: find the four corners, straighten, check blur and glare.

The page's true aspect ratio is recovered from the four corners with Zhang & He's whiteboard
method (focal length estimated from the quadrilateral, principal point at the image centre),
then snapped to a known paper size when close, so an A4 page photographed at an angle comes
out as A4 and not as a squashed trapezoid.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from kiosk.capture import thresholds as T
from kiosk.capture.checks import Check
from kiosk.capture.encode import encode_jpeg

# width / height of the paper sizes a kiosk sees, portrait; landscape is the inverse.
PAPERS = {"a4": 210 / 297, "letter": 215.9 / 279.4, "id_card": 53.98 / 85.6}


@dataclass(frozen=True)
class PageReport:
    """Where the page is and how good the straightened picture would be."""

    found: bool
    instruction: str
    corners: np.ndarray | None = None  # 4×2 float32: top-left, top-right, bottom-right, bottom-left
    aspect: float | None = None  # width / height of the straightened page
    paper: str | None = None  # snapped paper size name, if any
    checks: dict[str, Check] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.found and all(c.passed for c in self.checks.values())

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {name: c.as_dict() for name, c in self.checks.items()}
        out.update(found=self.found, aspect=self.aspect, paper=self.paper)
        return out


def order_corners(pts: np.ndarray) -> np.ndarray:
    """Top-left, top-right, bottom-right, bottom-left."""
    pts = pts.reshape(4, 2).astype(np.float32)
    s = pts.sum(axis=1)
    d = np.diff(pts, axis=1).reshape(4)
    return np.array(
        [pts[np.argmin(s)], pts[np.argmin(d)], pts[np.argmax(s)], pts[np.argmax(d)]], np.float32
    )


def locate_page(frame: np.ndarray) -> np.ndarray | None:
    """The page's four corners in frame pixels (ordered), or None.

    Edges (Canny) then contours reduced with approxPolyDP; the largest convex quadrilateral
    covering PAGE_MIN_AREA wins. A bright-page threshold (Otsu) is the fallback for soft edges.
    """
    h, w = frame.shape[:2]
    scale = min(1.0, T.PAGE_DETECT_WIDTH / w)
    small = cv2.resize(frame, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    grey = small if small.ndim == 2 else cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    grey = cv2.GaussianBlur(grey, (5, 5), 0)
    min_area = T.PAGE_MIN_AREA * grey.shape[0] * grey.shape[1]
    med = float(np.median(grey))
    edges = cv2.Canny(grey, int(max(10, 0.66 * med)), int(min(255, 1.33 * med + 30)))
    edges = cv2.dilate(edges, np.ones((3, 3), np.uint8))
    _, bright = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    for mask in (edges, bright):
        contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
        for c in sorted(contours, key=cv2.contourArea, reverse=True)[:8]:
            if cv2.contourArea(c) < min_area:
                break
            hull = cv2.convexHull(c)
            peri = cv2.arcLength(hull, True)
            for eps in (0.02, 0.03, 0.05):
                quad = cv2.approxPolyDP(hull, eps * peri, True)
                if len(quad) == 4 and cv2.isContourConvex(quad):
                    if cv2.contourArea(quad) >= min_area:
                        refined = _refine(order_corners(quad), c.reshape(-1, 2).astype(np.float32))
                        return np.asarray(refined / scale, np.float32)
                    break
    return None


def _refine(quad: np.ndarray, contour: np.ndarray) -> np.ndarray:
    """Corners from straight lines fitted to each side's contour points.

    approxPolyDP keeps contour vertices that can sit a few pixels off the real corner;
    intersecting fitted sides puts them back on it.
    """
    lines = []
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        ab = b - a
        length = float(np.hypot(*ab))
        if length < 1:
            return quad
        t = ((contour - a) @ ab) / (length * length)
        rel = contour - a
        dist = np.abs(ab[0] * rel[:, 1] - ab[1] * rel[:, 0]) / length
        near = contour[(t > 0.1) & (t < 0.9) & (dist < max(3.0, 0.03 * length))]
        if len(near) < 5:
            return quad
        vx, vy, x0, y0 = cv2.fitLine(near, cv2.DIST_HUBER, 0, 0.01, 0.01).reshape(4)
        lines.append((np.array([x0, y0]), np.array([vx, vy])))
    out = []
    for i in range(4):
        (p1, d1), (p2, d2) = lines[i - 1], lines[i]
        m = np.array([d1, -d2]).T
        if abs(np.linalg.det(m)) < 1e-6:
            return quad
        t1, _ = np.linalg.solve(m, p2 - p1)
        out.append(p1 + t1 * d1)
    refined = np.array(out, np.float32)
    if np.abs(refined - quad).max() > 0.1 * float(np.hypot(*(quad[2] - quad[0]))):
        return quad
    return refined


def true_aspect(corners: np.ndarray, frame_w: int, frame_h: int) -> float:
    """Width/height of the real rectangle behind a perspective quadrilateral (Zhang & He 2007)."""
    tl, tr, br, bl = (np.array([p[0], p[1], 1.0]) for p in corners.astype(np.float64))
    m1, m2, m3, m4 = tl, tr, bl, br
    u0, v0 = frame_w / 2.0, frame_h / 2.0
    k2 = np.dot(np.cross(m1, m4), m3) / np.dot(np.cross(m2, m4), m3)
    k3 = np.dot(np.cross(m1, m4), m2) / np.dot(np.cross(m3, m4), m2)
    n2 = k2 * m2 - m1
    n3 = k3 * m3 - m1
    affine = math.sqrt((n2[0] ** 2 + n2[1] ** 2) / max(1e-9, n3[0] ** 2 + n3[1] ** 2))
    if abs(n2[2] * n3[2]) < 1e-9:
        return affine
    f2 = -(
        (n2[0] * n3[0] - (n2[0] * n3[2] + n2[2] * n3[0]) * u0 + n2[2] * n3[2] * u0 * u0)
        + (n2[1] * n3[1] - (n2[1] * n3[2] + n2[2] * n3[1]) * v0 + n2[2] * n3[2] * v0 * v0)
    ) / (n2[2] * n3[2])
    if f2 <= 0:
        return affine
    a_inv = np.linalg.inv(np.array([[math.sqrt(f2), 0, u0], [0, math.sqrt(f2), v0], [0, 0, 1.0]]))
    q = a_inv.T @ a_inv
    ratio = float(n2 @ q @ n2) / float(n3 @ q @ n3)
    return math.sqrt(ratio) if ratio > 0 else affine


def snap_paper(aspect: float) -> tuple[float, str | None]:
    """The nearest known paper aspect if within PAGE_ASPECT_SNAP, else the measured one."""
    for name, ratio in PAPERS.items():
        for r, suffix in ((ratio, ""), (1 / ratio, "_landscape")):
            if abs(aspect - r) / r <= T.PAGE_ASPECT_SNAP:
                return r, name + suffix
    return aspect, None


def output_size(aspect: float, paper: str | None) -> tuple[int, int]:
    long_side = T.CARD_LONG_SIDE if paper and paper.startswith("id_card") else T.PAGE_LONG_SIDE
    if aspect >= 1:
        return long_side, round(long_side / aspect)
    return round(long_side * aspect), long_side


def straighten(
    frame: np.ndarray, corners: np.ndarray, aspect: float, paper: str | None
) -> np.ndarray:
    w, h = output_size(aspect, paper)
    dst = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], np.float32)
    m = cv2.getPerspectiveTransform(corners.astype(np.float32), dst)
    return cv2.warpPerspective(
        frame, m, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE
    )


def page_checks(page: np.ndarray, *, glare: bool = True) -> dict[str, Check]:
    """Blur (Laplacian variance at 1000 px wide) and glare (fraction of saturated pixels)."""
    grey = page if page.ndim == 2 else cv2.cvtColor(page, cv2.COLOR_BGR2GRAY)
    scale = 1000.0 / max(grey.shape[:2])
    norm = cv2.resize(
        grey,
        None,
        fx=scale,
        fy=scale,
        interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR,
    )
    checks = {
        "sharpness": Check(
            "sharpness", float(cv2.Laplacian(norm, cv2.CV_64F).var()), T.PAGE_SHARPNESS_MIN, None
        )
    }
    if glare:
        # Glare is a smooth saturated patch brighter than the paper itself: blur away fine
        # white gaps between letters and compare to the paper's own level.
        soft = cv2.GaussianBlur(norm, (0, 0), 3)
        level = max(T.PAGE_GLARE_LEVEL, min(254.0, float(np.median(soft)) + 25))
        frac = float((soft >= level).mean())
        checks["glare"] = Check("glare", frac, None, T.PAGE_GLARE_MAX)
    return checks


def find_page(frame: np.ndarray) -> PageReport:
    """Corners, true aspect and the blur/glare checks of the page in a camera frame."""
    corners = locate_page(frame)
    if corners is None:
        return PageReport(False, "capture.page.not_found")
    fh, fw = frame.shape[:2]
    aspect, paper = snap_paper(true_aspect(corners, fw, fh))
    page = straighten(frame, corners, aspect, paper)
    checks = page_checks(page)
    if not checks["sharpness"].passed:
        key = "capture.page.blurry"
    elif not checks["glare"].passed:
        key = "capture.page.glare"
    else:
        key = "capture.page.ok"
    return PageReport(True, key, corners, aspect, paper, checks)


def is_colour(page: np.ndarray) -> tuple[bool, float]:
    """Whether the page needs colour: the fraction of clearly coloured pixels (Lab chroma)."""
    if page.ndim == 2:
        return False, 0.0
    small = cv2.resize(
        page,
        (400, max(1, round(400 * page.shape[0] / page.shape[1]))),
        interpolation=cv2.INTER_AREA,
    )
    lab = cv2.cvtColor(small, cv2.COLOR_BGR2LAB).astype(np.float32)
    chroma = np.hypot(lab[:, :, 1] - 128.0, lab[:, :, 2] - 128.0)
    frac = float((chroma > T.PAGE_CHROMA_LEVEL).mean())
    return frac > T.PAGE_COLOUR_FRACTION, frac


def encode_page(page: np.ndarray) -> tuple[bytes, dict[str, Any]]:
    """JPEG of a flat page, grey unless it needs colour, at most PAGE_MAX_BYTES.

    Never upscales: a page larger than PAGE_LONG_SIDE is reduced to it.
    """
    colour, frac = is_colour(page)
    img = page if colour or page.ndim == 2 else cv2.cvtColor(page, cv2.COLOR_BGR2GRAY)
    long_side = max(img.shape[:2])
    if long_side > T.PAGE_LONG_SIDE:
        s = T.PAGE_LONG_SIDE / long_side
        img = cv2.resize(
            img, (round(img.shape[1] * s), round(img.shape[0] * s)), interpolation=cv2.INTER_AREA
        )
    data, quality = encode_jpeg(img, T.PAGE_QUALITIES, T.PAGE_MAX_BYTES)
    info = {
        "colour": colour,
        "colour_fraction": round(frac, 4),
        "quality": quality,
        "width": int(img.shape[1]),
        "height": int(img.shape[0]),
    }
    return data, info


def make_page(frame: np.ndarray, report: PageReport) -> bytes:
    """The straightened page as JPEG; the whole frame when no corners were found."""
    if report.found and report.corners is not None and report.aspect is not None:
        page = straighten(frame, report.corners, report.aspect, report.paper)
    else:
        page = frame
    return encode_page(page)[0]


def page_outline(frame: np.ndarray) -> np.ndarray | None:
    """Corners only, for the live preview overlay (the full checks run on the shutter)."""
    return locate_page(frame)
