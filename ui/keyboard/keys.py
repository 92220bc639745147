"""One painted key of the on-screen keyboard.

Painted by hand rather than styled QPushButtons so a key can carry a small second label (the
shift character, or the plain consonant under a subscript that looks like another one, ្ត/្ដ)
and icons that need no symbol font. Keys never take focus: focus stays in the field being typed.
Each face is drawn once into a shared pixmap cache; a repaint only copies it.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QPixmap,
    QPolygonF,
)
from PySide6.QtWidgets import QAbstractButton, QWidget

from ui.keyboard.fonts import ui_font
from ui.keyboard.layouts import Key

COLORS = {
    "char": ("#ffffff", "#1b1b1b"),
    "fn": ("#d7dce2", "#1b1b1b"),
    "sub": ("#fff4d6", "#1b1b1b"),
    "vowel": ("#e3effa", "#1b1b1b"),
    "active": ("#1d70b8", "#ffffff"),
    "pressed": ("#b1b4b6", "#0b0c0c"),
    "disabled": ("#eef0f2", "#9aa0a6"),
}
# Painted faces by (text, hint, icon, kind, role, state, width, height, device pixel ratio).
_FACES: dict[tuple[object, ...], QPixmap] = {}
MAX_FACES = 2000  # ~4 layers × shift × states at one size is a few hundred


class KeyButton(QAbstractButton):
    """A touch key: big main label, optional corner hint, optional drawn icon."""

    def __init__(self, key: Key, role: str = "char", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.role = role
        self.hint = ""
        self.icon_name = ""  # "backspace" | "shift" | "caps" | "left" | "right" | ""
        self.types = ""  # the text a tap commits now (empty for function keys)
        self.caps_exempt = False  # the digit row: Caps leaves it alone
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents, True)

    def set_face(self, label: str, hint: str = "", *, types: str = "") -> None:
        """What the key shows and commits; repaints only when something changed."""
        if (label, hint, types) != (self.text(), self.hint, self.types):
            self.setText(label)
            self.setAccessibleName(label)
            self.hint = hint
            self.types = types
            self.update()

    def state(self) -> str:
        """The colour scheme the key is painted in now (a key of `COLORS`)."""
        if not self.isEnabled():
            return "disabled"
        if self.isDown():
            return "pressed"
        if self.isChecked():
            return "active"
        return self.role

    def paintEvent(self, event: QPaintEvent) -> None:
        """Draw the cached face: painting ~60 keys in Python cost ~0.3 ms each, ~20-30 ms on
        every step that shows the keyboard (measured); a cached pixmap is a few µs."""
        p = QPainter(self)
        p.drawPixmap(0, 0, self.face())
        p.end()  # now: a frame kept alive elsewhere (a traceback, a sampler) would keep it open

    def face(self) -> QPixmap:
        """This key's look at its current size and state, drawn once and shared by every key
        that looks the same (faces are the same for every kiosk session)."""
        dpr = self.devicePixelRatioF()
        state = self.state()
        w, h = self.width(), self.height()
        kind = "icon" if self.icon_name else self.key.action == "text"
        cache_key = (self.text(), self.hint, self.icon_name, kind, self.role, state, w, h, dpr)
        pixmap = _FACES.get(cache_key)
        if pixmap is None:
            if len(_FACES) >= MAX_FACES:  # a resize or a new screen size: start again
                _FACES.clear()
            pixmap = QPixmap(max(1, round(w * dpr)), max(1, round(h * dpr)))
            pixmap.setDevicePixelRatio(dpr)
            pixmap.fill(Qt.GlobalColor.transparent)
            painter = QPainter(pixmap)
            self._draw_face(painter, state, w, h)
            painter.end()
            _FACES[cache_key] = pixmap
        return pixmap

    def _draw_face(self, p: QPainter, state: str, width: int, height: int) -> None:
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        bg, fg = COLORS[state]
        r = QRectF(0, 0, width, height).adjusted(1, 1, -1, -1)
        p.setPen(QPen(QColor("#8a9096"), 1))
        p.setBrush(QColor(bg))
        p.drawRoundedRect(r, 8, 8)
        h = r.height()
        if self.hint:
            p.setPen(QColor("#5f6368") if state != "active" else QColor(fg))
            p.setFont(ui_font(max(12, int(h * 0.22))))
            p.drawText(r.adjusted(8, 2, -4, -4), Qt.AlignmentFlag.AlignLeft, self.hint)
        p.setPen(QColor(fg))
        if self.icon_name:
            self._draw_icon(p, r, QColor(fg))
            return
        text = self.text()
        big = self.role in ("sub", "vowel")  # a lone sign on ◌ must read at arm's length
        size = h * (0.56 if big else 0.46 if self.key.action == "text" else 0.34)
        font = ui_font(max(14, int(size)))
        p.setFont(font)
        while p.fontMetrics().horizontalAdvance(text) > r.width() - 8 and font.pixelSize() > 12:
            font.setPixelSize(font.pixelSize() - 1)
            p.setFont(font)
        p.drawText(r, Qt.AlignmentFlag.AlignCenter, text)

    def _draw_icon(self, p: QPainter, r: QRectF, color: QColor) -> None:
        s = min(r.width(), r.height()) * 0.42
        c = r.center()
        pen = QPen(color, max(2.0, s / 10))
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        if self.icon_name == "backspace":
            w, hh = s * 1.3, s * 0.45
            path = QPainterPath(QPointF(c.x() - w / 2, c.y()))
            for x, y in ((-w / 4, -hh), (w / 2, -hh), (w / 2, hh), (-w / 4, hh)):
                path.lineTo(c.x() + x, c.y() + y)
            path.closeSubpath()
            p.drawPath(path)
            d = hh * 0.5
            x0 = c.x() + w / 8
            p.drawLine(QPointF(x0 - d, c.y() - d), QPointF(x0 + d, c.y() + d))
            p.drawLine(QPointF(x0 - d, c.y() + d), QPointF(x0 + d, c.y() - d))
        elif self.icon_name in ("left", "right"):
            d = -1 if self.icon_name == "left" else 1
            w, hh = s * 0.7, s * 0.4
            tip = QPointF(c.x() + d * w, c.y())
            p.drawLine(QPointF(c.x() - d * w, c.y()), tip)
            p.drawLine(tip, QPointF(tip.x() - d * hh, c.y() - hh))
            p.drawLine(tip, QPointF(tip.x() - d * hh, c.y() + hh))
        elif self.icon_name in ("shift", "caps"):
            top = c.y() - s * 0.6
            pts = [
                (0, 0),
                (s * 0.5, s * 0.5),
                (s * 0.22, s * 0.5),
                (s * 0.22, s * 0.95),
                (-s * 0.22, s * 0.95),
                (-s * 0.22, s * 0.5),
                (-s * 0.5, s * 0.5),
            ]
            p.drawPolygon(QPolygonF([QPointF(c.x() + x, top + y) for x, y in pts]))
            if self.icon_name == "caps":
                y = top + s * 1.15
                p.drawLine(QPointF(c.x() - s * 0.22, y), QPointF(c.x() + s * 0.22, y))
