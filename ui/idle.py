"""Idle handling: ask "Do you need more time?", then end the session (GUIDE.md §4).

An application-wide event filter notes every touch, click and key; after `idle_seconds` with
none, `warned` is emitted and a countdown of `grace_seconds` starts; `expired` ends the session.
Any touch during the countdown cancels it (the prompt's own button is just a big target for it).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

_ACTIVITY = frozenset(
    {
        QEvent.Type.MouseButtonPress,
        QEvent.Type.TouchBegin,
        QEvent.Type.KeyPress,
        QEvent.Type.Wheel,
        QEvent.Type.InputMethod,
    }
)


class IdleWatcher(QObject):
    warned = Signal(int)  # seconds left
    tick = Signal(int)  # seconds left, once a second while warning
    resumed = Signal()  # the citizen touched something during the warning
    expired = Signal()

    def __init__(self, idle_seconds: float, grace_seconds: float, parent: QObject | None = None):
        super().__init__(parent)
        self.idle_ms = int(idle_seconds * 1000)
        self.grace_s = max(1, round(grace_seconds))
        self._grace_ms = int(grace_seconds * 1000)
        self._idle = QTimer(self, singleShot=True)
        self._idle.timeout.connect(self._on_idle)
        self._second = QTimer(self, interval=1000)
        self._second.timeout.connect(self._on_second)
        self._grace = QTimer(self, singleShot=True)
        self._grace.timeout.connect(self._on_grace_over)
        self._left = 0
        self._armed = False
        self.exempt: QObject | None = None  # the prompt itself: its buttons decide
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    @property
    def warning(self) -> bool:
        return self._grace.isActive()

    @property
    def armed(self) -> bool:
        return self._armed

    def arm(self) -> None:
        """Start watching (a citizen session is under way)."""
        self._armed = True
        self._restart()

    def disarm(self) -> None:
        """Stop watching (the attract screen is showing)."""
        self._armed = False
        for t in (self._idle, self._second, self._grace):
            t.stop()

    def poke(self) -> None:
        """Activity: restart the idle clock, and cancel a running warning."""
        if not self._armed:
            return
        was_warning = self.warning
        self._restart()
        if was_warning:
            self.resumed.emit()

    def _restart(self) -> None:
        self._second.stop()
        self._grace.stop()
        self._idle.start(self.idle_ms)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if self._armed and event.type() in _ACTIVITY:
            self.poke()
        return False

    def _on_idle(self) -> None:
        self._left = self.grace_s
        self._grace.start(self._grace_ms)
        self._second.start()
        self.warned.emit(self._left)

    def _on_second(self) -> None:
        self._left = max(0, self._left - 1)
        self.tick.emit(self._left)

    def _on_grace_over(self) -> None:
        self.disarm()
        self.expired.emit()

    def close(self) -> None:
        self.disarm()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
