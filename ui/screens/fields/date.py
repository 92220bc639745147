"""A date as three boxes: day, month, year (GOV.UK pattern; no calendar popup to fight with).

Khmer digits are accepted. An impossible date (31 February) is caught here, in plain words,
before the form engine sees it; a future date of birth is the engine's rule.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLineEdit, QWidget

from kiosk.i18n import to_ascii_digits
from ui.screens.fields.base import FieldWidget
from ui.widgets.basic import wrap_label


class DateField(FieldWidget):
    keyboard_layer = "num"

    def __init__(self, field: Any, ctx: Any, *, heading: bool = True) -> None:
        super().__init__(field, ctx, heading=heading)
        grid = QGridLayout()
        grid.setHorizontalSpacing(18)
        self.caption: dict[str, Any] = {}
        self.boxes: dict[str, QLineEdit] = {}
        for col, (part, width, max_len) in enumerate(
            (("day", 120, 2), ("month", 120, 2), ("year", 180, 4))
        ):
            cap = wrap_label(role="caption")
            box = QLineEdit()
            box.setObjectName(f"input_{field.id}_{part}")
            box.setProperty("sala_keyboard", "num")
            box.setMaxLength(max_len + 2)
            box.setFixedWidth(width)
            box.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly)
            box.textEdited.connect(lambda _t, p=part: self._on_edited(p))
            grid.addWidget(cap, 0, col)
            grid.addWidget(box, 1, col)
            self.caption[part], self.boxes[part] = cap, box
        grid.setColumnStretch(3, 1)
        self.input.addLayout(grid)

    def _on_edited(self, part: str) -> None:
        """Day → month → year: once a part is complete, the next box takes the typing (the
        on-screen keyboard has no Tab, and a citizen should not have to aim for each box)."""
        self.edited.emit()
        text = to_ascii_digits(self.boxes[part].text()).strip()
        nxt = {"day": "month", "month": "year"}.get(part)
        if nxt is None or not text.isdigit():
            return
        # "4" can only be a day of one digit; "2" may still become "25".
        first_max = 3 if part == "day" else 1
        if len(text) >= 2 or int(text) > first_max:
            box = self.boxes[nxt]
            box.setFocus()
            box.selectAll()

    def retranslate(self) -> None:
        super().retranslate()
        for part, cap in self.caption.items():
            cap.setText(self.tr(f"ui.date.{part}"))

    def _parts(self) -> tuple[str, str, str]:
        d, m, y = (to_ascii_digits(self.boxes[p].text()).strip() for p in ("day", "month", "year"))
        return d, m, y

    def raw_value(self) -> Any:
        d, m, y = self._parts()
        if not (d or m or y):
            return None
        if not (d.isdigit() and m.isdigit() and y.isdigit() and len(y) == 4):
            return f"{y}-{m}-{d}"
        return f"{int(y):04d}-{int(m):02d}-{int(d):02d}"

    def local_issue(self) -> str | None:
        d, m, y = self._parts()
        if not (d or m or y):
            return None
        if not (d and m and y):
            return "ui.date.incomplete"
        if not (d.isdigit() and m.isdigit() and y.isdigit() and len(y) == 4):
            return "ui.date.invalid"
        try:
            dt.date(int(y), int(m), int(d))
        except ValueError:
            return "ui.date.invalid"
        return None

    def set_value(self, value: Any) -> None:
        y = m = d = ""
        if isinstance(value, str) and value.count("-") == 2:
            y, m, d = value.split("-")
        self.boxes["day"].setText(d)
        self.boxes["month"].setText(m)
        self.boxes["year"].setText(y)

    def focus_target(self) -> QWidget | None:
        return self.boxes["day"]
