"""The live preview: the latest frame, a face-shaped guide or the page outline, and one big
instruction. It only paints; frames and their analysis arrive from the FrameWorker."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from kiosk.capture import thresholds as T

GOOD = QColor("#2e9d4f")
ADVICE = QColor("#ffffff")
WARN = QColor("#f2b600")


def _font(px: int, bold: bool = True) -> QFont:
    font = QFont()
    font.setFamilies(["Noto Sans Khmer", "Noto Sans"])
    font.setPixelSize(px)
    font.setBold(bold)
    return font


class CameraView(QWidget):
    """mode: "face" (mirrored, oval guide), "page" (outline of the found page) or "qr"."""

    def __init__(self, mode: str = "face", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mode = mode
        self.mirror = mode == "face"
        self._image: QImage | None = None
        self._frame_size = (640, 480)
        self._analysis: Any = None
        self.instruction = ""
        self.message = ""  # a camera problem or "no camera": replaces the instruction
        self.badge = ""  # "Demo camera"
        self.good = False
        self.progress = 0.0  # auto-capture ring, 0..1
        self._band: QPixmap | None = None
        self._band_key: tuple[str, int, int, int] | None = None
        self.setMinimumSize(320, 240)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def sizeHint(self) -> QSize:
        return QSize(640, 480)

    def show_frame(self, image: QImage, frame_size: tuple[int, int], analysis: Any = None) -> None:
        self._image = image
        self._frame_size = frame_size
        self._analysis = analysis
        self.update()

    def clear_frame(self) -> None:
        self._image = None
        self._analysis = None
        self.update()

    def set_text(
        self,
        *,
        instruction: str | None = None,
        message: str | None = None,
        badge: str | None = None,
    ) -> None:
        if instruction is not None:
            self.instruction = instruction
        if message is not None:
            self.message = message
        if badge is not None:
            self.badge = badge
        self.update()

    # -- geometry -------------------------------------------------------------------------
    def _image_rect(self) -> QRectF:
        fw, fh = self._frame_size
        w, h = self.width(), self.height()
        s = min(w / fw, h / fh)
        return QRectF((w - fw * s) / 2, (h - fh * s) / 2, fw * s, fh * s)

    def _map(self, x: float, y: float) -> QPointF:
        r = self._image_rect()
        fw, fh = self._frame_size
        if self.mirror:
            x = fw - x
        return QPointF(r.x() + x * r.width() / fw, r.y() + y * r.height() / fh)

    # -- painting -------------------------------------------------------------------------
    def paintEvent(self, event: Any) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor("#1b1f24"))
        rect = self._image_rect()
        if self._image is not None:
            p.drawImage(rect, self._image)
        if self.mode == "face":
            self._paint_oval(p, rect)
        elif self.mode == "page":
            self._paint_page(p)
        elif self.mode == "qr":
            self._paint_qr_frame(p, rect)
        self._paint_text(p)
        p.end()

    def _paint_oval(self, p: QPainter, rect: QRectF) -> None:
        """A head-shaped oval where the head must be for a 70–80 % crop: centred, eyes mid-frame."""
        head_h = rect.height() * 0.62
        head_w = head_h * 0.72
        cx = rect.center().x()
        cy = rect.y() + rect.height() * (0.5 - (T.EYE_LINE_FROM_CROWN - 0.5) * 0.62)
        oval = QRectF(cx - head_w / 2, cy - head_h / 2, head_w, head_h)
        # rect + ellipse with odd-even fill darkens outside the oval without a (slow)
        # boolean path operation on every frame
        dim = QPainterPath()
        dim.setFillRule(Qt.FillRule.OddEvenFill)
        dim.addRect(rect)
        dim.addEllipse(oval)
        p.fillPath(dim, QColor(0, 0, 0, 110))
        colour = GOOD if self.good else ADVICE
        p.setPen(QPen(colour, 5, Qt.PenStyle.DashLine if not self.good else Qt.PenStyle.SolidLine))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawEllipse(oval)
        if self.progress > 0:
            p.setPen(QPen(GOOD, 10))
            p.drawArc(oval.adjusted(-10, -10, 10, 10), 90 * 16, int(-360 * 16 * self.progress))

    def _paint_page(self, p: QPainter) -> None:
        corners = self._analysis
        if corners is None:
            return
        poly = QPolygonF([self._map(float(x), float(y)) for x, y in corners])
        p.setPen(QPen(GOOD, 5))
        p.setBrush(QColor(46, 157, 79, 50))
        p.drawPolygon(poly)

    def _paint_qr_frame(self, p: QPainter, rect: QRectF) -> None:
        side = min(rect.width(), rect.height()) * 0.6
        box = QRectF(rect.center().x() - side / 2, rect.center().y() - side / 2, side, side)
        p.setPen(QPen(GOOD if self.good else ADVICE, 5))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRoundedRect(box, 16, 16)

    def _text_band(self, text: str, colour: QColor) -> QPixmap:
        """The instruction band, shaped and drawn once per text/size/colour, then reused:
        shaping Khmer on every frame is the costliest part of a paint."""
        key = (text, self.width(), self.height(), colour.rgba())
        if self._band_key != key or self._band is None:
            px = max(22, min(40, self.height() // 12))
            band = QPixmap(max(1, self.width()), round(px * 3.0))
            band.fill(QColor(0, 0, 0, 170))
            bp = QPainter(band)
            bp.setRenderHint(QPainter.RenderHint.TextAntialiasing)
            bp.setFont(_font(px))
            bp.setPen(colour)
            bp.drawText(
                QRectF(16, 4, band.width() - 32, band.height() - 8),
                int(Qt.AlignmentFlag.AlignCenter) | int(Qt.TextFlag.TextWordWrap),
                text,
            )
            bp.end()
            self._band, self._band_key = band, key
        return self._band

    def _paint_text(self, p: QPainter) -> None:
        text = self.message or self.instruction
        if text:
            colour = WARN if self.message else (GOOD.lighter(150) if self.good else ADVICE)
            band = self._text_band(text, colour)
            p.drawPixmap(0, self.height() - band.height(), band)
        if self.badge:
            p.setFont(_font(20))
            metrics = p.fontMetrics()
            w = metrics.horizontalAdvance(self.badge) + 28
            box = QRectF(12, 12, w, metrics.height() + 14)
            p.setBrush(WARN)
            p.setPen(Qt.PenStyle.NoPen)
            p.drawRoundedRect(box, 10, 10)
            p.setPen(QColor("#1b1f24"))
            p.drawText(box, int(Qt.AlignmentFlag.AlignCenter), self.badge)
