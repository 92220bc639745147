"""Run-time policy, in one place: when the cyclic GC runs and when a session times out.

GC: none during start-up (`pause_gc_for_startup`, from `ui.commands`/`ui.app.run`) and none
while someone is using the kiosk: a full collection walks every Qt wrapper and took 50-300 ms
(measured), so garbage is collected when the home screen shows (after the first paint, and
after each session). Once the long-lived data (catalog, gazetteer, Qt wrappers) is loaded it is
moved out of the collector's reach (`freeze_long_lived`).

Idle (GUIDE.md §4): an application-wide event filter notes every touch, click and key; after
`idle_seconds` with none, "Do you need more time?" shows with a countdown of `grace_seconds`;
then the active journey's session ends. Any touch during the countdown cancels it. Nobody is
timed on the home screen, where the filter is removed. During a session it watches the windows
real input arrives at (the kiosk window, and any other window that takes the focus), not the
whole application: there it ran in Python for every event of every object (thousands when a
screen is built, ~10% of a screen change's time, measured).
"""

from __future__ import annotations

import contextlib
import gc
import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

if TYPE_CHECKING:
    from collections.abc import Callable

    from ui.navigator import StackNavigator
    from ui.shell import Shell
    from ui.widgets.idle_prompt import IdlePrompt

log = logging.getLogger(__name__)

_ACTIVITY: frozenset[QEvent.Type] = frozenset()
# `ctx.extras` slot: a callable told of every touch during a session, besides the active
# journey's `touch` (the clerk station's, for the citizen it assists: ui/clerk/journey.py).
ALSO_TOUCHED = "also_touched"


def _activity() -> frozenset[QEvent.Type]:
    """The events that count as someone being there. Made on first use: this module is on
    the start-up path, and PySide builds an enum's members when first touched."""
    global _ACTIVITY
    if not _ACTIVITY:
        t = QEvent.Type
        _ACTIVITY = frozenset(
            {t.MouseButtonPress, t.TouchBegin, t.KeyPress, t.Wheel, t.InputMethod}
        )
    return _ACTIVITY


class IdleWatcher(QObject):
    """Counts idle time while armed: `warned`, a `tick` a second, then `expired`."""

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
        self._activity = _activity()
        self.exempt: QObject | None = None  # the prompt itself: its buttons decide
        self.on_activity: Callable[[], None] | None = None  # told of each touch while armed
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    @property
    def warning(self) -> bool:
        return self._grace.isActive()

    @property
    def timing(self) -> tuple[float, float]:
        return self.idle_ms / 1000, self._grace_ms / 1000

    def set_timing(self, idle_seconds: float, grace_seconds: float) -> None:
        """Another journey's idle rule (the clerk's: 3 minutes in all); from the next arm."""
        self.idle_ms = int(idle_seconds * 1000)
        self.grace_s = max(1, round(grace_seconds))
        self._grace_ms = int(grace_seconds * 1000)

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
        if self.on_activity is not None:
            self.on_activity()
        was_warning = self.warning
        self._restart()
        if was_warning:
            self.resumed.emit()

    def _restart(self) -> None:
        self._second.stop()
        self._grace.stop()
        self._idle.start(self.idle_ms)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        # Called for every event of the application (thousands when a screen is built), so
        # the cheapest tests come first: a person's input is always spontaneous (from the
        # window system); the events Qt and our code send each other are not.
        if not self._armed or not event.spontaneous():
            return False
        if event.type() in self._activity:
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


def pause_gc_for_startup() -> None:
    """No cyclic GC until the home screen is painted: start-up makes many objects and few
    cycles, and the collections cost ~5 ms there. `RuntimePolicy` turns it back on."""
    gc.disable()


def freeze_long_lived() -> None:
    """Move what is loaded so far out of the cyclic GC's reach, or every full collection walks
    ~100k objects on the GUI thread (measured: 50-300 ms stalls mid-journey). Runs no
    collection itself."""
    gc.freeze()


class RuntimePolicy(QObject):
    """Applies the GC and idle policy to a shell and its navigator."""

    def __init__(
        self,
        shell: Shell,
        nav: StackNavigator,
        *,
        idle_seconds: float = 90,
        grace_seconds: float = 30,
    ) -> None:
        super().__init__(shell)
        self.shell = shell
        self.nav = nav
        self._idle_seconds, self._grace_seconds = idle_seconds, grace_seconds
        # Made after the first paint (a navigator build step): idle matters once a session runs.
        self.prompt: IdlePrompt | None = None
        self.idle: IdleWatcher | None = None
        self._watched: list[QObject] = []  # where the idle filter is installed
        # The updater's signals (kiosk/update/spool.py): a session runs whenever a screen
        # other than home shows; the health stamp once home has shown after start.
        self._session = False
        self._stamped = False
        self._signals_lock = threading.Lock()  # io workers write them one at a time
        nav.add_build_step(self._make_idle)
        nav.screen_changed.connect(self._on_screen_changed)
        nav.locale_changed.connect(self._on_locale_changed)
        shell.first_shown.connect(self._on_first_shown)

    def _make_idle(self) -> None:
        from ui.widgets.idle_prompt import IdlePrompt

        prompt = self.prompt = IdlePrompt(self.shell)
        self.shell.overlay = prompt
        prompt.more_time.connect(self._on_more_time)
        prompt.end_now.connect(self._on_end_now)
        idle = self.idle = IdleWatcher(self._idle_seconds, self._grace_seconds, self)
        idle.exempt = prompt
        idle.on_activity = self._on_activity
        idle.warned.connect(self._on_idle_warned)
        idle.tick.connect(prompt.update_seconds)
        idle.resumed.connect(prompt.hide)
        idle.expired.connect(self._on_idle_expired)
        self._remove_filter()  # installed when a session starts (`_on_screen_changed`)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusWindowChanged.connect(self._on_focus_window)

    def close(self) -> None:
        if self.idle is not None:
            self.idle.close()

    # -- the navigator -----------------------------------------------------------------------
    def _on_screen_changed(self, name: str) -> None:
        session = name != self.nav.home
        if session != self._session or (not session and not self._stamped):
            self._session = session
            self._send_update_signals()
        idle, prompt = self.idle, self.prompt
        if name == self.nav.home:
            if prompt is not None:
                prompt.hide()
            if idle is not None:
                idle.disarm()
                self._remove_filter()
            if not gc.isenabled() and self.shell.shown_once:  # else at the first paint
                QTimer.singleShot(0, self._collect_garbage)
        elif idle is not None and (not idle.armed or self._timing_for_active() != idle.timing):
            # A journey may have its own idle rule (`idle_timing`: the clerk's 3 minutes).
            idle.set_timing(*self._timing_for_active())
            handle = self.shell.windowHandle()  # None before the window was ever shown
            self._install(handle if handle is not None else QApplication.instance())
            idle.arm()
            gc.disable()  # no collection pauses while someone touches the screen

    def _on_activity(self) -> None:
        """A touch: a journey that keeps its own session clock (the clerk's) hears of it, and
        so does whoever set `ctx.extras[ALSO_TOUCHED]` (a clerk assisting a citizen: the
        citizen's taps keep the staff session alive; the citizen's idle rule stays in force)."""
        touch = getattr(self.nav.active, "touch", None)
        if touch is not None:
            touch()
        also = self.nav.ctx.extras.get(ALSO_TOUCHED)
        if also is not None:
            also()

    def _timing_for_active(self) -> tuple[float, float]:
        timing = getattr(self.nav.active, "idle_timing", None)
        return timing if timing is not None else (self._idle_seconds, self._grace_seconds)

    def _on_locale_changed(self, locale: str) -> None:
        if self.prompt is not None and self.prompt.isVisible():
            self.prompt.retranslate(locale)

    def _install(self, target: QObject | None) -> None:
        """Watch the input arriving at `target` (a window, or the whole application)."""
        if target is not None and self.idle is not None and target not in self._watched:
            target.installEventFilter(self.idle)
            self._watched.append(target)

    def _on_focus_window(self, window: QObject | None) -> None:
        """Another window took the focus during a session (a file dialog): watch it too."""
        if self.idle is not None and self.idle.armed:
            self._install(window)

    def _remove_filter(self) -> None:
        app = QApplication.instance()
        if app is not None and self.idle is not None:
            app.removeEventFilter(self.idle)
        for target in self._watched:
            with contextlib.suppress(RuntimeError):  # a dialog's window already gone
                target.removeEventFilter(self.idle)
        self._watched = []

    # -- the updater's signals ---------------------------------------------------------------
    def _send_update_signals(self) -> None:
        """Tell the root updater whether someone is using the kiosk (it installs only when
        not) and, once the attract screen has been painted after start, that this release
        is healthy. Files, so an io worker writes them, never before the first paint; each
        write takes the latest state, so the last one written is always the current one."""
        data_dir = getattr(self.nav.ctx.config, "data_dir", None)
        if data_dir is None or not self.shell.shown_once or self.nav.ctx.tasks.closed:
            return
        stamp = not self._stamped and self.nav.current == self.nav.home
        self._stamped = self._stamped or stamp

        def write() -> None:
            with self._signals_lock:
                write_update_signals(Path(data_dir), self._session, stamp=stamp)

        self.nav.ctx.tasks.run_io(
            write, on_error=lambda exc: log.warning("update signals not written: %s", exc)
        )

    # -- GC ----------------------------------------------------------------------------------
    def _on_first_shown(self) -> None:
        self._send_update_signals()
        if not gc.isenabled() and self.nav.current == self.nav.home:
            QTimer.singleShot(0, self._collect_garbage)

    def _collect_garbage(self) -> None:
        if self.nav.current == self.nav.home:
            gc.collect()
            gc.enable()

    # -- idle --------------------------------------------------------------------------------
    def _on_idle_warned(self, seconds: int) -> None:
        assert self.prompt is not None  # connected when both were made
        self.prompt.show_countdown(seconds, self.nav.ctx.locale)

    def _on_more_time(self) -> None:
        assert self.prompt is not None and self.idle is not None
        self.prompt.hide()
        self.idle.poke()

    def _on_end_now(self) -> None:
        self._end_session()

    def _on_idle_expired(self) -> None:
        log.info("session ended after inactivity")
        self._end_session()

    def _end_session(self) -> None:
        journey = self.nav.active
        if journey is not None:
            journey.end_session()
        else:  # a screen nobody owns: still never leave it unattended
            self.nav.go(self.nav.home)


def write_update_signals(data_dir: Path, session: bool, *, stamp: bool) -> None:
    """The kiosk's side of `kiosk.update.spool`: the session mark, and the health stamp of
    the running version (off the GUI thread: files)."""
    from kiosk.model import utc_now
    from kiosk.update import spool
    from kiosk.update.cli import installed_version

    spool.mark_session(data_dir, session)
    if stamp:
        spool.write_health_stamp(data_dir, installed_version(), utc_now())
