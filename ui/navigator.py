"""The navigator: which screen the shell's stack shows, and which journey owns it.

Screens see navigation through the small `Navigator` protocol, never the window. Each role is
a `Journey` (the citizen's today; the clerk's and the technician's later) that registers its
screens here and is the navigator its own screens are given, so a screen reaches only its own
journey's operations. Screens are imported and built lazily: only the home screen exists
before the first paint, the rest are made in slices right after it (`build_rest_in_slices`),
or at once when one is needed sooner.

A second journey plugs in without touching the citizen code:

    nav.register(clerk, [("clerk_home", "ui.clerk.home", "ClerkHomeScreen"), ...])
    nav.go("clerk_home")     # the clerk's journey now owns the stack (`nav.active`)
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QObject, QTimer, Signal

if TYPE_CHECKING:
    from PySide6.QtWidgets import QStackedWidget

    from ui.screens.base import AppContext, Screen

# A lazily built screen: (name, module, class); the class is called as cls(ctx, journey).
ScreenSpec = tuple[str, str, str]


class Navigator(Protocol):
    """What every screen may ask of navigation."""

    @property
    def current(self) -> str: ...

    def go(self, name: str, **kw: Any) -> None: ...

    def set_locale(self, locale: str) -> None: ...


class Journey(Navigator, Protocol):
    """A role's path through the kiosk. It is the `Navigator` its screens are given (it passes
    navigation on to the `StackNavigator`) and adds its own operations for them."""

    def end_session(self) -> None:
        """Forget this role's session and show the home screen (idle expiry calls it too)."""
        ...


class StackNavigator(QObject):
    """The screen registry over the shell's stack: lazy build, `go`, the language switch."""

    screen_built = Signal(str)  # a lazily built screen's name (its journey may wire it)
    screen_changed = Signal(str)  # the screen's name, after it was entered
    locale_changed = Signal(str)  # after the current screen was retranslated

    def __init__(
        self, ctx: AppContext, stack: QStackedWidget, *, home: str, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.stack = stack
        self.home = home  # shown when no session runs (the idle and GC policy rest there)
        self.screens: dict[str, Screen] = {}
        self._owner: dict[str, Journey] = {}
        self._later: list[tuple[ScreenSpec, Journey]] = []
        self._steps: list[Callable[[], None]] = []  # parts made after the first paint
        self._current = home
        self._stack_gone = False  # a test may delete the window before the slices are done
        self._stopped = False  # set by `stop_building()` when the kiosk shuts down
        stack.destroyed.connect(self._on_stack_destroyed)

    # -- registration ----------------------------------------------------------------------
    def add(self, journey: Journey, screen: Screen, name: str) -> None:
        """A screen built now (the home screen, needed for the first paint)."""
        self.screens[name] = screen
        self._owner[name] = journey
        self.stack.addWidget(screen)

    def register(self, journey: Journey, specs: Iterable[ScreenSpec]) -> None:
        """Screens `journey` owns, built after the first paint as cls(ctx, journey)."""
        for spec in specs:
            self._owner[spec[0]] = journey
            self._later.append((spec, journey))

    def add_build_step(self, step: Callable[[], None]) -> None:
        """Something else to make after the first paint (the keyboard, the idle watcher)."""
        self._steps.append(step)

    def screens_of(self, journey: Journey) -> list[Screen]:
        return [s for name, s in self.screens.items() if self._owner.get(name) is journey]

    @property
    def active(self) -> Journey | None:
        """The journey that owns the screen showing now."""
        return self._owner.get(self._current)

    # -- lazy build ------------------------------------------------------------------------
    @property
    def built(self) -> bool:
        return not self._steps and all(spec[0] in self.screens for spec, _j in self._later)

    def build_rest(self) -> None:
        """Create every screen and part still missing now (idempotent)."""
        while self._build_next():
            pass

    def build_rest_in_slices(self) -> None:
        """Create the rest after the first paint, one part per event-loop turn, so a touch on
        the home screen is answered between two of them (`go()` builds what is missing at
        once if a screen is needed sooner)."""

        def one() -> None:
            if not (self._stack_gone or self._stopped) and self._build_next():
                QTimer.singleShot(0, one)

        QTimer.singleShot(0, one)

    def _build_next(self) -> bool:
        """Build one missing part (the build steps first, then one screen); False when none
        is left."""
        if self._steps:
            self._steps.pop(0)()
            return True
        for (name, module, cls_name), journey in self._later:
            if name in self.screens:
                continue
            cls = getattr(importlib.import_module(module), cls_name)
            self.screens[name] = screen = cls(self.ctx, journey)
            self.stack.addWidget(screen)
            self.screen_built.emit(name)
            return True
        return False

    def _on_stack_destroyed(self) -> None:
        self._stack_gone = True

    def stop_building(self) -> None:
        """No more sliced building: the kiosk is shutting down and its workers are gone."""
        self._stopped = True

    # -- navigation (the Navigator protocol) -------------------------------------------------
    @property
    def current(self) -> str:
        return self._current

    def go(self, name: str, **kw: Any) -> None:
        if name not in self.screens:
            self.build_rest()
        screen = self.screens[name]
        self._current = name
        self.stack.setCurrentWidget(screen)
        screen.enter(**kw)
        self.screen_changed.emit(name)

    def set_locale(self, locale: str) -> None:
        """Switch language from any screen; answers and typed text stay as they are."""
        self.ctx.session.locale = locale
        self.screens[self._current].retranslate()
        self.locale_changed.emit(locale)
