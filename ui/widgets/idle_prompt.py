"""The "Do you need more time?" prompt: an overlay inside the kiosk window (never an OS
dialog), with a live countdown and two big answers.

The overlay is opaque: whoever walks up to a kiosk left mid-journey must not read the
previous citizen's answers through it (issue 11, S2.12)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QVBoxLayout, QWidget

from ui.widgets.basic import BigButton, wrap_label
from ui.widgets.text import tr

BACKDROP = QColor("#0B0C0C")  # the top bar's black


class IdlePrompt(QWidget):
    more_time = Signal()
    end_now = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("idleOverlay")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        card = QFrame()
        card.setObjectName("idleCard")
        box = QVBoxLayout(card)
        box.setContentsMargins(40, 32, 40, 32)
        box.setSpacing(20)
        self.title = wrap_label(role="heading")
        self.body = wrap_label(role="lead")
        self.body.setObjectName("idleCountdown")
        box.addWidget(self.title)
        box.addWidget(self.body)
        row = QHBoxLayout()
        self.end = BigButton(kind="secondary")
        self.end.setObjectName("idleEnd")
        self.more = BigButton(kind="primary")
        self.more.setObjectName("idleMore")
        self.end.clicked.connect(self.end_now.emit)
        self.more.clicked.connect(self.more_time.emit)
        row.addWidget(self.end)
        row.addStretch(1)
        row.addWidget(self.more)
        box.addLayout(row)
        outer.addWidget(card)  # no alignment flag: aligned items lose height-for-width wrapping
        outer.addStretch(1)
        self._outer = outer
        self._left = 0
        self._locale = "km"
        self.hide()

    def paintEvent(self, event: QPaintEvent) -> None:
        """An opaque backdrop first, whatever alpha the stylesheet gives the overlay."""
        painter = QPainter(self)
        painter.fillRect(self.rect(), BACKDROP)
        painter.end()
        super().paintEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        """A touch anywhere outside the two buttons also means "I am still here"."""
        event.accept()
        self.more_time.emit()

    def resizeEvent(self, event: object) -> None:
        side = max(24, (self.width() - 900) // 2)
        self._outer.setContentsMargins(side, 24, side, 24)
        super().resizeEvent(event)  # type: ignore[arg-type]

    def show_countdown(self, seconds: int, locale: str) -> None:
        self._locale = locale
        self.update_seconds(seconds)
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())
        self.raise_()
        self.show()

    def retranslate(self, locale: str) -> None:
        """The language was switched while the prompt shows."""
        self._locale = locale
        self.update_seconds(self._left)

    def update_seconds(self, seconds: int) -> None:
        self._left = seconds
        self.title.setText(tr("ui.idle.title", self._locale))
        self.body.setText(tr("ui.idle.body", self._locale, s=seconds))
        self.more.setText(tr("ui.idle.more", self._locale))
        self.end.setText(tr("ui.idle.end", self._locale))
