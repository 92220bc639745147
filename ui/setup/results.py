"""Self-test results as rows a technician reads: a mark, then what to do (`Result.text`)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QVBoxLayout, QWidget

from ui.screens.base import clear_layout
from ui.widgets.basic import wrap_label

MARKS = {"ok": "✓", "warn": "!", "fail": "✗", "skipped": "–"}


class ResultList(QWidget):
    """The diagnostics results, worst first; `show_results([])` shows "running"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("setupResults")
        self.rows = QVBoxLayout(self)
        self.rows.setContentsMargins(0, 0, 0, 0)
        self.rows.setSpacing(6)
        self.results: list[Any] = []

    def show_results(self, results: list[Any], locale: str, empty: str) -> None:
        from kiosk.setup.checks import worst_first

        self.results = worst_first(list(results))
        clear_layout(self.rows)
        if not self.results:
            self.rows.addWidget(wrap_label(empty, role="hint"))
            return
        for r in self.results:
            row = wrap_label(f"{MARKS.get(r.status, '?')}  {r.text(locale)}", role="body")
            row.setProperty("state", r.status)
            row.setObjectName(f"setupResult_{r.id}")
            self.rows.addWidget(row)

    def minimumSizeHint(self) -> QSize:
        """One line a row at least; the real height comes from heightForWidth. (The default,
        every row wrapped at its narrowest, made the technician's page hundreds of pixels
        taller than its content, blank at the bottom.)"""
        return QSize(super().minimumSizeHint().width(), self.heightForWidth(100_000))

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(MARKS, 0)
        for r in self.results:
            out[r.status] = out.get(r.status, 0) + 1
        return out
