"""The staff screens' own widgets: an initials avatar, a member card and the PIN pad.

Looks come from the kiosk stylesheet's existing roles and kinds (card, card_title, primary…);
the avatar paints its circle itself (no image files: accounts carry no photo yet).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ui.widgets.basic import MIN_TOUCH_PX, BigButton, wrap_label
from ui.widgets.text import digits, tr

if TYPE_CHECKING:
    from PySide6.QtGui import QMouseEvent, QPaintEvent

# Distinct, dark enough for white letters (contrast AA): the person's colour is stable.
AVATAR_COLOURS = ("#003078", "#00703C", "#4C2C92", "#B10E1E", "#484F53", "#005A30")


def capture_check_label(check: str, locale: str) -> str:
    """A capture check's own words (`capture.check.*`, e.g. "photo.sharpness" -> "sharp"),
    else its id: the application view and the override screen name checks alike."""
    key = f"capture.check.{check.rsplit('.', 1)[-1]}"
    text = tr(key, locale)
    return check if text == key else text


def initials(name_en: str, name_km: str = "") -> str:
    """Up to two letters from the Latin name ("SOK DARA" -> "SD"); else the Khmer name's
    first cluster."""
    words = [w for w in name_en.split() if w[:1].isalnum()]
    if words:
        return "".join(w[0] for w in words[:2]).upper()
    return name_km.strip()[:2] or "?"


class Avatar(QWidget):
    """A round badge with the person's initials (a stand-in for a photo)."""

    def __init__(self, size: int = 88, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedSize(size, size)
        self._text = ""
        self._colour = QColor(AVATAR_COLOURS[0])
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)

    def set_person(self, staff_id: str, name_en: str, name_km: str = "") -> None:
        self._text = initials(name_en, name_km)
        self._colour = QColor(AVATAR_COLOURS[sum(map(ord, staff_id)) % len(AVATAR_COLOURS)])
        self.update()

    def clear(self) -> None:
        self._text = ""
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        try:
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(self._colour)
            rect = QRectF(self.rect()).adjusted(1, 1, -1, -1)
            p.drawEllipse(rect)
            font = QFont(self.font())
            font.setPixelSize(int(self.height() * 0.38))
            font.setBold(True)
            p.setFont(font)
            p.setPen(QColor("#FFFFFF"))
            p.drawText(rect, Qt.AlignmentFlag.AlignCenter, self._text)
        finally:
            p.end()


class MemberCard(QFrame):
    """One staff account to tap: avatar, name in both languages, role and state. The whole
    card is the target; it reacts on release inside it (a drag that scrolls does nothing)."""

    clicked = Signal(object)  # the StaffMember

    def __init__(self, member: Any, locale: str, state: str = "") -> None:
        super().__init__()
        self.member = member
        self.setObjectName(f"staff_{member.id}")
        self.setProperty("role", "card")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setMinimumHeight(MIN_TOUCH_PX * 2 + 24)
        row = QHBoxLayout(self)
        row.setContentsMargins(20, 14, 20, 14)
        row.setSpacing(20)
        avatar = Avatar(84)
        avatar.set_person(member.id, member.name.en, member.name.km)
        row.addWidget(avatar, 0, Qt.AlignmentFlag.AlignVCenter)
        col = QVBoxLayout()
        col.setSpacing(2)
        other = "en" if locale == "km" else "km"
        self.title = wrap_label(member.name.get(locale), role="card_title")
        col.addWidget(self.title)
        if member.name.get(other) and member.name.get(other) != member.name.get(locale):
            col.addWidget(wrap_label(member.name.get(other), role="card_line"))
        line = tr(f"staff.role.{member.role}", locale)
        if state:
            line = f"{line} · {state}"
        self.state = wrap_label(line, role="card_hint")
        col.addWidget(self.state)
        row.addLayout(col, 1)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self.rect().contains(event.position().toPoint()):
            self.clicked.emit(self.member)
        event.accept()


class PinPad(QWidget):
    """Digits 0-9, Clear and Delete on big keys; the typed digits show as dots only."""

    changed = Signal(int)  # how many digits are typed

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pinPad")
        self._digits = ""
        self.max_length = 6
        self.shown_length = 6
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(12)
        self.dots = QLabel()
        self.dots.setObjectName("pinDots")
        self.dots.setProperty("role", "heading")
        self.dots.setAlignment(Qt.AlignmentFlag.AlignCenter)
        box.addWidget(self.dots)
        grid = QGridLayout()
        grid.setSpacing(12)
        self.keys: dict[str, BigButton] = {}
        order = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "clear", "0", "back"]
        for i, key in enumerate(order):
            button = BigButton(kind="secondary")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # taps never move the focus
            button.setMinimumSize(132, 76)
            name = f"pinKey_{key}" if key.isdigit() else f"pin{key.capitalize()}"
            button.setObjectName(name)
            button.clicked.connect(lambda _c=False, k=key: self._on_key(k))
            grid.addWidget(button, i // 3, i % 3)
            self.keys[key] = button
        box.addLayout(grid)
        self.retranslate("km")
        self._show()

    @property
    def value(self) -> str:
        return self._digits

    def set_max_length(self, length: int) -> None:
        self.max_length = length
        self._digits = self._digits[:length]
        self._show()

    def clear(self) -> None:
        self._digits = ""
        self._show()
        self.changed.emit(0)

    def retranslate(self, locale: str) -> None:
        for key, button in self.keys.items():
            if key.isdigit():
                button.setText(digits(key, locale))
            else:
                which = "clear" if key == "clear" else "backspace"
                button.setText(tr(f"clerk.ui.pin.{which}", locale))

    def type_digits(self, text: str) -> None:
        for ch in text:
            self._on_key(ch)

    def _on_key(self, key: str) -> None:
        if key == "clear":
            self._digits = ""
        elif key == "back":
            self._digits = self._digits[:-1]
        elif key.isdigit() and len(self._digits) < self.max_length:
            self._digits += key
        self._show()
        self.changed.emit(len(self._digits))

    def _show(self) -> None:
        n = len(self._digits)
        total = max(self.shown_length, n)
        self.dots.setText(" ".join("●" * n + "○" * (total - n)))
