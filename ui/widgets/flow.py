"""`ButtonGrid`: a grid of equal buttons whose column count follows the width it is given.

A fixed 3-per-row QGridLayout squeezes each button below its text at 1080 px portrait (the
labels got cut); per-size column counts would break again with the next translation. Here the
columns are as many as fit each button's whole text (its sizeHint), at most `columns`, and the
rows are balanced (6 buttons that fit 4 a row go 3 + 3, not 4 + 2). Its height follows its
width (heightForWidth), so the screen around it scrolls rather than cutting it.

A widget that places its buttons itself, not a QLayout subclass: PySide invalidates the Python
wrappers of the QLayoutItems a Python layout keeps once the screen is shown.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QRect, QSize
from PySide6.QtWidgets import QSizePolicy, QWidget


class ButtonGrid(QWidget):
    """Buttons in as many equal columns as their texts fit (at most `columns`); `add` them."""

    def __init__(self, parent: QWidget | None = None, *, columns: int = 3, spacing: int = 12):
        super().__init__(parent)
        self.max_columns = max(1, columns)
        self.spacing = spacing
        self.buttons: list[QWidget] = []
        # Not Fixed: a box layout would then cap it at sizeHint's (fewest rows) height.
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def add(self, button: QWidget) -> None:
        button.setParent(self)
        self.buttons.append(button)
        self._changed()

    # -- geometry ------------------------------------------------------------------------------
    def _shown(self) -> list[QWidget]:
        return [b for b in self.buttons if not b.isHidden()]

    def cell(self) -> QSize:
        """The widest text and the tallest button: one column is at least this wide, and
        every row this tall."""
        sizes = [b.sizeHint().expandedTo(b.minimumSize()) for b in self._shown()]
        width = max((s.width() for s in sizes), default=0)
        return QSize(width, max((s.height() for s in sizes), default=0))

    def _needs(self) -> list[int]:
        return [b.sizeHint().expandedTo(b.minimumSize()).width() for b in self._shown()]

    @staticmethod
    def _natural(needs: list[int], most: int) -> list[int]:
        """Columns' widths with at most `most` a row, rows balanced (4 that fit 3: 2 + 2)."""
        cols = math.ceil(len(needs) / math.ceil(len(needs) / most))
        return [max(needs[c::cols]) for c in range(cols)]

    def columns_for(self, width: int) -> list[int]:
        """The columns' widths at `width`: as many columns as fit every button's whole text
        (each column as wide as its widest), the spare width shared out."""
        needs = self._needs()
        if not needs:
            return [width]
        for most in range(min(self.max_columns, len(needs)), 0, -1):
            widths = self._natural(needs, most)
            spare = width - sum(widths) - (len(widths) - 1) * self.spacing
            if spare >= 0 or most == 1:
                return [w + spare // len(widths) for w in widths]
        raise AssertionError("unreachable: one column always returns")

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        n = len(self._shown())
        if not n:
            return 0
        rows = math.ceil(n / len(self.columns_for(width)))
        return rows * self.cell().height() + (rows - 1) * self.spacing

    def sizeHint(self) -> QSize:
        """Every button at its own width, as few rows as `columns` allows."""
        needs = self._needs()
        widths = self._natural(needs, min(self.max_columns, len(needs))) if needs else [0]
        width = sum(widths) + (len(widths) - 1) * self.spacing
        return QSize(width, self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:
        """One column as wide as the widest text (narrower would cut it); the height of the
        fewest rows: the real one comes from heightForWidth (a one-column height here would
        make a scroll area's page that much taller, blank at the bottom)."""
        return QSize(self.cell().width(), self.sizeHint().height())

    def _changed(self) -> None:
        self.updateGeometry()
        self._place()

    def _place(self) -> None:
        shown = self._shown()
        if not shown:
            return
        widths, cell_h = self.columns_for(self.width()), self.cell().height()
        lefts = [sum(widths[:c]) + c * self.spacing for c in range(len(widths))]
        for n, button in enumerate(shown):
            row, col = divmod(n, len(widths))
            y = row * (cell_h + self.spacing)
            button.setGeometry(QRect(lefts[col], y, widths[col], cell_h))

    def resizeEvent(self, event: object) -> None:
        self._place()

    def event(self, event: QEvent) -> bool:
        # A button's text (a language switch) or visibility changed: Qt asks its parent, which
        # has no layout to do it, to lay out again.
        if event.type() == QEvent.Type.LayoutRequest:
            self._changed()
            return True
        return super().event(event)
