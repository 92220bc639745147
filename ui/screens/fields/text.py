"""Typed answers: names (Khmer or Latin), numbers, phone, national ID.

A plain QLineEdit, so the physical keyboard and the on-screen keyboard (which types through Qt
key and input-method events) both work. No maxLength cut: a pasted 10,000-character answer is
kept and the form engine says it is too long, rather than silently losing text.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QWidget

from ui.screens.fields.base import FieldWidget

_LAYERS = {
    "text_km": "km",
    "text_latin": "en",
    "number": "num",
    "phone": "num",
    "national_id": "num",
}


class TextField(FieldWidget):
    def __init__(self, field: Any, ctx: Any, *, heading: bool = True) -> None:
        super().__init__(field, ctx, heading=heading)
        self.keyboard_layer = _LAYERS.get(str(field.type), "km")
        self.edit = QLineEdit()
        self.edit.setObjectName(f"input_{field.id}")
        self.edit.setMaxLength(1_000_000)
        self.edit.setProperty("sala_keyboard", self.keyboard_layer)
        if self.keyboard_layer == "num":
            hints = (
                Qt.InputMethodHint.ImhDigitsOnly
                if str(field.type) != "phone"
                else (Qt.InputMethodHint.ImhDialableCharactersOnly)
            )
            self.edit.setInputMethodHints(hints)
        elif self.keyboard_layer == "en":
            self.edit.setInputMethodHints(Qt.InputMethodHint.ImhLatinOnly)
        self.edit.textEdited.connect(lambda _t: self.edited.emit())
        self.input.addWidget(self.edit)

    def raw_value(self) -> Any:
        text = self.edit.text()
        return text if text.strip() else None

    def set_value(self, value: Any) -> None:
        self.edit.setText("" if value is None else str(value))

    def focus_target(self) -> QWidget | None:
        return self.edit
