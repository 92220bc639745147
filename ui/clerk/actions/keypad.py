"""A large numeric pad for amounts and PINs: one tap is one digit, nothing moves under the
finger (the on-screen keyboard never opens for these boxes: they are read-only to it)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QLineEdit, QWidget

from kiosk.i18n import digits
from ui.widgets.basic import MIN_TOUCH_PX, BigButton

KEY_PX = MIN_TOUCH_PX + 28


def pad_box(name: str, *, secret: bool = False) -> QLineEdit:
    """The box a `Keypad` types into: read-only, so the text keyboard stays closed."""
    box = QLineEdit()
    box.setObjectName(name)
    box.setReadOnly(True)
    box.setMinimumHeight(KEY_PX)
    if secret:
        box.setEchoMode(QLineEdit.EchoMode.Password)
    return box


class Keypad(QWidget):
    """Digits 1-9, 0, delete and clear, typing into `target` (at most `max_len` digits)."""

    changed = Signal(str)  # the digits now in the box (ASCII)

    def __init__(self, target: QLineEdit, *, max_len: int = 12, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("clerkKeypad")
        self.target = target
        self.max_len = max_len
        grid = QGridLayout(self)
        grid.setSpacing(10)
        grid.setContentsMargins(0, 0, 0, 0)
        self.keys: dict[str, BigButton] = {}
        order = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "clear", "0", "del"]
        for i, key in enumerate(order):
            b = BigButton(kind="secondary")
            b.setObjectName(f"keypad_{key}")
            b.setMinimumHeight(KEY_PX)
            b.setMinimumWidth(KEY_PX + 24)
            b.clicked.connect(lambda _=False, k=key: self.press(k))
            grid.addWidget(b, i // 3, i % 3)
            self.keys[key] = b
        self.retranslate("km")

    def retranslate(self, locale: str) -> None:
        for key, b in self.keys.items():
            if key == "del":
                b.setText("⌫")
            elif key == "clear":
                b.setText("C")
            else:
                b.setText(digits(key, locale))

    def press(self, key: str) -> None:
        text = self.target.text()
        if key == "del":
            text = text[:-1]
        elif key == "clear":
            text = ""
        elif len(text) < self.max_len:
            text += key
        self.target.setText(text)
        self.changed.emit(text)

    def clear(self) -> None:
        self.target.clear()
        self.changed.emit("")
