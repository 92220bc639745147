"""`Finger`: taps, drags and on-screen-keyboard typing as real X input at screen coordinates.

Every gesture is XTest input through xdotool: the pointer moves, the button goes down, the
event loop runs for a finger's pause, the button comes up. Widgets are only *looked at* (to
find where to put the finger); nothing is clicked through Qt.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from typing import Any

PRESS_MS = 100  # a finger's tap: press, ~0.1 s, release
WAIT_S = 30.0  # generous: the machine running the tests is busy
MIN_SWIPE = 60  # px: the shortest drag `reveal` makes, well past any tap's jitter


def pump(ms: float) -> None:
    """Run the event loop for `ms` milliseconds."""
    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QApplication

    end = time.monotonic() + ms / 1000
    while True:
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 10)
        left = end - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(0.005, left))


def wait_for(cond: Callable[[], Any], timeout: float = WAIT_S, what: str = "") -> None:
    """Run the event loop until `cond()` is true; fail saying `what` after `timeout` s."""
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what or cond}")
        pump(20)


class Finger:
    """A finger on one X screen of the Xvfb display."""

    def __init__(self, kiosk: Any, screen_index: int, xdotool: str) -> None:
        self.kiosk = kiosk
        self.screen_index = screen_index
        self.xdotool = xdotool
        self.taps = 0

    # -- raw input ------------------------------------------------------------------------
    def _xdo(self, *args: str) -> None:
        subprocess.run([self.xdotool, *args], check=True, timeout=30)

    def down(self, x: int, y: int) -> None:
        self._xdo("mousemove", "--screen", str(self.screen_index), str(x), str(y))
        pump(30)  # the pointer arrives (enter/move events) before the press
        self._xdo("mousedown", "1")

    def move(self, x: int, y: int) -> None:
        self._xdo("mousemove", "--screen", str(self.screen_index), str(x), str(y))

    def up(self) -> None:
        self._xdo("mouseup", "1")

    def tap_at(self, x: int, y: int) -> None:
        """Press at (x, y), let the app run for a finger's pause, release at the same place."""
        self.taps += 1
        self.down(x, y)
        pump(PRESS_MS)
        self.up()
        pump(60)

    def drag(self, x: int, y: int, dx: int, dy: int, steps: int = 10) -> None:
        """A swipe: press, move in `steps` steps with the app running between, release."""
        self.down(x, y)
        pump(60)
        for i in range(1, steps + 1):
            self.move(x + dx * i // steps, y + dy * i // steps)
            pump(25)
        pump(60)
        self.up()
        pump(100)

    # -- widgets --------------------------------------------------------------------------
    def point(self, widget: Any) -> tuple[int, int]:
        """The screen point a finger would aim at: the middle of the widget's visible part."""
        wait_for(
            lambda: widget.isVisible() and widget.isEnabled(),
            what=f"{widget.objectName() or widget} to be visible and enabled",
        )
        pump(50)  # pending layout requests land first: aim where the widget is drawn
        self.reveal(widget)
        visible = widget.visibleRegion().boundingRect()
        name = widget.objectName() or type(widget).__name__
        assert not visible.isEmpty(), f"{name} is hidden from view"
        centre = widget.mapToGlobal(visible.center())
        screen = self.kiosk.screen.geometry()
        assert screen.contains(centre), f"{name} is off the screen at {centre}"
        # Not QApplication.widgetAt: with one X screen per size it looks on the first screen.
        top = widget.window()
        under = top.childAt(top.mapFromGlobal(centre))
        assert under is widget or (under is not None and widget.isAncestorOf(under)), (
            f"{name} is covered by {under and (under.objectName() or type(under).__name__)}"
        )
        return centre.x(), centre.y()

    def reveal(self, widget: Any) -> None:
        """Swipe its scroll area, as a citizen would, until `widget` is wholly in view."""
        from PySide6.QtCore import QPoint

        area = _scroll_area_of(widget)
        if area is None:
            return
        viewport = area.viewport()
        for _ in range(12):
            top = widget.mapTo(viewport, widget.rect().topLeft()).y()
            bottom = top + widget.height()
            height = viewport.height()
            # Wholly in view; or, taller than the view, its top in the view's upper third (a
            # swipe cannot land on an exact pixel: the scroller eats the drag threshold).
            if top >= 0 and (bottom <= height or top <= height // 3):
                return
            # Drag the content by at most half the view, from the view's middle; never by less
            # than a swipe (a few pixels' "drag" is a tap, and a tap on a list row chooses it).
            shift = -top + 12 if top < 0 else -(min(bottom - height + 12, top))
            shift = max(-height // 2, min(height // 2, shift))
            if abs(shift) < MIN_SWIPE:
                shift = MIN_SWIPE if shift > 0 else -MIN_SWIPE
            # From the page's left margin, not the middle: a slow drag that starts on a list
            # row can end as a tap on it (seen on a loaded box), which chooses the row.
            mid = viewport.mapToGlobal(QPoint(8, viewport.height() // 2))
            self.drag(mid.x(), mid.y() - shift // 2, 0, shift)
            wait_for(lambda: _scroller_idle(viewport), what="the scroll to settle")
        raise AssertionError(f"{widget.objectName()} could not be swiped into view")

    def tap(self, widget: Any) -> None:
        """One tap in the middle of what is visible of `widget`."""
        self.tap_at(*self.point(widget))

    def type(self, text: str) -> None:
        """Type `text` by tapping the on-screen keys: a subscript (្ + consonant) in one tap
        on the strip, Shift first only when a character needs it. Each tap must type."""
        from PySide6.QtWidgets import QApplication

        keyboard = self.kiosk.window.keyboard
        wait_for(keyboard.isVisible, what="the on-screen keyboard")
        i = 0
        while i < len(text):
            box = QApplication.focusWidget()  # a date box hands on to the next by itself
            ch = text[i : i + 2]
            key = _key(keyboard, ch) if len(ch) == 2 and ch[0] == "\u17d2" else None
            if key is None:
                ch = text[i]
                key = _key(keyboard, ch)
            if key is None:
                # a run of capitals: Caps once, as a citizen would, rather than Shift each
                run = len(text[i:]) - len(text[i:].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ "))
                caps = run > 2 and not keyboard.function_button("caps").isChecked()
                self.tap(keyboard.function_button("caps" if caps else "shift"))
                key = _key(keyboard, ch)
            assert key is not None, f"no key types {ch!r} on layer {keyboard.layer()}"
            before = box.text() if hasattr(box, "text") else None
            self.tap(key)
            if before is not None:
                wait_for(lambda b=box, t=before: b.text() != t, what=f"the tap on {ch!r} to type")
            i += len(ch)


def _scroll_area_of(widget: Any) -> Any:
    from PySide6.QtWidgets import QScrollArea

    w = widget.parentWidget()
    while w is not None and not isinstance(w, QScrollArea):
        w = w.parentWidget()
    return w


def _scroller_idle(viewport: Any) -> bool:
    from PySide6.QtWidgets import QScroller

    if not QScroller.hasScroller(viewport):
        return True
    return QScroller.scroller(viewport).state() == QScroller.State.Inactive


def _key(keyboard: Any, ch: str) -> Any:
    text = " " if ch == " " else ch
    if text == " ":
        return keyboard.function_button("space")
    try:
        return keyboard.key_button(text)
    except LookupError:
        return None
