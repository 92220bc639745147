"""Choices as big toggle buttons: one of many, several of many, yes/no, and consent."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QButtonGroup, QGridLayout, QWidget

from kiosk.i18n import wrap_points
from ui.screens.fields.base import FieldWidget
from ui.widgets.basic import ChoiceButton


class _ButtonsField(FieldWidget):
    exclusive = True

    def __init__(self, field: Any, ctx: Any, *, heading: bool = True) -> None:
        super().__init__(field, ctx, heading=heading)
        self.group = QButtonGroup(self)
        self.group.setExclusive(False)  # exclusivity by hand: a second tap may un-choose
        self.buttons: list[ChoiceButton] = []
        self.grid = QGridLayout()
        self.grid.setSpacing(14)
        self.input.addLayout(self.grid)

    def _add(self, value: Any, name: str) -> ChoiceButton:
        b = ChoiceButton(value=value)
        b.setObjectName(f"choice_{self.field.id}_{name}")
        i = len(self.buttons)
        self.grid.addWidget(b, i // 2, i % 2)
        self.group.addButton(b)
        self.buttons.append(b)
        b.toggled.connect(lambda on, btn=b: self._on_toggled(btn, on))
        return b

    def _on_toggled(self, button: ChoiceButton, on: bool) -> None:
        if on and self.exclusive:
            for other in self.buttons:
                if other is not button and other.isChecked():
                    other.setChecked(False)
        self.edited.emit()

    def raw_value(self) -> Any:
        chosen = [b.value for b in self.buttons if b.isChecked()]
        if self.exclusive:
            return chosen[0] if chosen else None
        return chosen or None

    def set_value(self, value: Any) -> None:
        values = value if isinstance(value, list | tuple) else [value]
        for b in self.buttons:
            b.blockSignals(True)
            b.setChecked(value is not None and b.value in values)
            b.blockSignals(False)
            b.sync()  # the mark and the white text, which the blocked `toggled` would set

    def focus_target(self) -> QWidget | None:
        # No focus ring on the first option when the step opens: it read as "already chosen".
        return None


class ChoiceField(_ButtonsField):
    def __init__(self, field: Any, ctx: Any, *, heading: bool = True) -> None:
        super().__init__(field, ctx, heading=heading)
        self.exclusive = str(field.type) != "multi_choice"
        for option in field.options:
            self._add(option.value, option.value)

    def retranslate(self) -> None:
        super().retranslate()
        for b, option in zip(self.buttons, self.field.options, strict=True):
            b.setText(wrap_points(option.label.get(self.lang)))


class YesNoField(_ButtonsField):
    def __init__(self, field: Any, ctx: Any, *, heading: bool = True) -> None:
        super().__init__(field, ctx, heading=heading)
        self._add(True, "yes")
        self._add(False, "no")

    def retranslate(self) -> None:
        super().retranslate()
        self.buttons[0].setText(self.tr("ui.yes"))
        self.buttons[1].setText(self.tr("ui.no"))


class ConsentField(_ButtonsField):
    def __init__(self, field: Any, ctx: Any, *, heading: bool = True) -> None:
        super().__init__(field, ctx, heading=heading)
        self._add(True, "agree")

    def retranslate(self) -> None:
        super().retranslate()
        self.buttons[0].setText(self.tr("ui.consent.i_agree"))

    def raw_value(self) -> Any:
        return bool(self.buttons[0].isChecked())
