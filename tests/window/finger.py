"""`Finger`: taps, drags and on-screen-keyboard typing as real X input at screen coordinates.

Every gesture is XTest input through xdotool: the pointer moves, the button goes down, the
app receives the press and runs for a finger's pause, the button comes up. Waits are for
events, not for time: a step goes on once the app has the press (or the release) it sent, so
a busy box slows the journey down instead of squeezing the finger's pause. Widgets are only
*looked at* (to find where to put the finger); nothing is clicked through Qt.
"""

from __future__ import annotations

import contextlib
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

PRESS_MS = 100  # a finger's tap: the press held ~0.1 s (counted once the app has it), release
WAIT_S = 30.0  # generous: the machine running the tests is busy
MIN_SWIPE = 60  # px: the shortest drag `reveal` makes, well past any tap's jitter


def pump(ms: float) -> None:
    """Run the event loop for `ms` milliseconds (a gesture's pace only; waits use `wait_for`)."""
    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QApplication

    end = time.monotonic() + ms / 1000
    while True:
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 10)
        left = end - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(0.005, left))


def settle() -> None:
    """Deliver what is already pending: posted events (layout requests) and zero-time timers
    (the `QTimer.singleShot(0, …)` work a tap or a focus change leaves for the next turn)."""
    from PySide6.QtCore import QCoreApplication, QEventLoop
    from PySide6.QtWidgets import QApplication

    for _ in range(2):
        QCoreApplication.sendPostedEvents()
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents)


def wait_for(cond: Callable[[], Any], timeout: float = WAIT_S, what: str = "") -> None:
    """Run the event loop until `cond()` is true (checked after every batch of events); fail
    saying `what` after `timeout` s."""
    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QApplication

    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what or cond}")
        QApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 10)
        if not cond():
            time.sleep(0.002)


class _Xdotool:
    """One `xdotool -` for the whole session: it runs each command line as it is written, so
    a gesture costs no process start (~40 ms each on a busy box, three per tap before)."""

    def __init__(self, xdotool: str) -> None:
        self.proc = subprocess.Popen(
            [xdotool, "-"], stdin=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )

    def send(self, *args: str) -> None:
        proc = self.proc
        if proc.poll() is not None or proc.stdin is None:
            err = proc.stderr.read() if proc.stderr is not None else ""
            raise AssertionError(f"xdotool exited ({proc.returncode}): {err[-500:]}")
        proc.stdin.write(" ".join(args) + "\n")
        proc.stdin.flush()

    def close(self) -> None:
        proc = self.proc
        if proc.poll() is None:
            with contextlib.suppress(OSError):
                if proc.stdin is not None:
                    proc.stdin.close()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


class _Arrivals:
    """Counts the mouse presses and releases Qt hands to any of its windows, while a gesture
    runs (an application filter, installed only then: it sees every event of every object)."""

    def __init__(self) -> None:
        from PySide6.QtCore import QEvent, QObject
        from PySide6.QtGui import QWindow

        arrivals = self

        class Filter(QObject):
            def eventFilter(self, obj: Any, event: Any) -> bool:
                if isinstance(obj, QWindow):
                    t = event.type()
                    if t == QEvent.Type.MouseButtonPress:
                        arrivals.presses += 1
                    elif t == QEvent.Type.MouseButtonRelease:
                        arrivals.releases += 1
                return False

        self.presses = 0
        self.releases = 0
        self.filter = Filter()

    @contextmanager
    def watching(self) -> Iterator[_Arrivals]:
        from PySide6.QtWidgets import QApplication

        app = QApplication.instance()
        self.presses = self.releases = 0
        app.installEventFilter(self.filter)
        try:
            yield self
        finally:
            app.removeEventFilter(self.filter)


class Finger:
    """A finger on one X screen of the Xvfb display."""

    def __init__(self, kiosk: Any, screen_index: int, xdotool: str) -> None:
        self.kiosk = kiosk
        self.screen_index = screen_index
        self.xdotool = xdotool
        self.taps = 0
        self._arrivals = _Arrivals()
        self._xdotool: _Xdotool | None = None

    # -- raw input ------------------------------------------------------------------------
    def _xdo(self, *args: str) -> None:
        if self._xdotool is None:
            self._xdotool = _Xdotool(self.xdotool)
        self._xdotool.send(*args)

    def close(self) -> None:
        """End the session's xdotool (the kiosk is closing)."""
        if self._xdotool is not None:
            self._xdotool.close()
            self._xdotool = None

    def _to(self, x: int, y: int) -> list[str]:
        return ["mousemove", "--screen", str(self.screen_index), str(x), str(y)]

    def down(self, x: int, y: int) -> None:
        """The pointer to (x, y), then the press (one xdotool run: X keeps them in order, so
        the app sees the pointer arrive first); returns once the app has the press."""
        with self._arrivals.watching() as seen:
            self._xdo(*self._to(x, y), "mousedown", "1")
            wait_for(lambda: seen.presses > 0, what=f"the press at {x},{y} to arrive")

    def move(self, x: int, y: int) -> None:
        self._xdo(*self._to(x, y))

    def up(self) -> None:
        """The release; returns once the app has it and has run what it left for the next
        turn (a tap's `QTimer.singleShot(0, …)`: a scroll into view, the keyboard's hiding)."""
        with self._arrivals.watching() as seen:
            self._xdo("mouseup", "1")
            wait_for(lambda: seen.releases > 0, what="the release to arrive")
        settle()

    def tap_at(self, x: int, y: int) -> None:
        """Press at (x, y), let the app run for a finger's pause, release at the same place."""
        self.taps += 1
        self.down(x, y)
        pump(PRESS_MS)
        self.up()

    def drag(
        self,
        x: int,
        y: int,
        dx: int,
        dy: int,
        steps: int = 10,
        *,
        hold_ms: int = 60,
        step_ms: int = 25,
    ) -> None:
        """A swipe: press, hold `hold_ms`, move in `steps` steps `step_ms` apart, release."""
        self.down(x, y)
        pump(hold_ms)
        for i in range(1, steps + 1):
            self.move(x + dx * i // steps, y + dy * i // steps)
            pump(step_ms)
        pump(60)
        self.up()

    # -- widgets --------------------------------------------------------------------------
    def point(self, widget: Any) -> tuple[int, int]:
        """The screen point a finger would aim at: the middle of the widget's visible part."""
        wait_for(
            lambda: widget.isVisible() and widget.isEnabled(),
            what=f"{widget.objectName() or widget} to be visible and enabled",
        )
        settle()  # pending layout requests land first: aim where the widget is drawn
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
        """Swipe its scroll area, as a citizen would, until `widget` is wholly in view.

        The view is asked of the scroll area afresh each time, never kept across event-loop
        turns: PySide can mark its wrapper of a Qt-made object (a scroll area's viewport) as
        deleted when other widgets are torn down (the question screen deletes the last step's
        on the next turns), though the viewport itself lives on; a kept wrapper then raised
        "already deleted" in the middle of a journey."""
        from PySide6.QtCore import QPoint

        area = _scroll_area_of(widget)  # made in Python (ui/screens/base.py): its wrapper holds
        if area is None:
            return
        for _ in range(12):
            viewport = area.viewport()
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
            # From the page's left margin, where the finger lands on no control: this swipe
            # only scrolls (swipes that start on list rows: test_place_list_swipes.py).
            mid = viewport.mapToGlobal(QPoint(8, viewport.height() // 2))
            self.drag(mid.x(), mid.y() - shift // 2, 0, shift)
            wait_for(lambda: _scroller_idle(area.viewport()), what="the scroll to settle")
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
