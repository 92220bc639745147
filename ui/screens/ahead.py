"""Lay a screen out and paint it once off screen, a band per idle turn, before it is shown.

The first time a screen shows, Qt lays it out and shapes and rasterises its text (Khmer
shaping most); done on the tap that opens it, that was 50-80 ms (issue 9). Rendering it into a
throw-away pixmap while it is hidden does the same work ahead, and later shows reuse it
(layouts stay valid, glyphs stay cached). A hidden widget is laid out by `render` itself.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from PySide6.QtCore import QPoint, QRect, QSize, QTimer
from PySide6.QtGui import QPixmap, QRegion
from PySide6.QtWidgets import QWidget

BANDS = 3  # the paint is split in this many horizontal bands, one per turn


def render_ahead(
    screen: QWidget,
    wanted: Callable[[], bool] = lambda: True,
    size: Callable[[], QSize] | None = None,
) -> None:
    """Render `screen` off screen in slices at its page's size (the stack's; or `size()`),
    while `wanted()` stays true and the screen is not showing: the first turn lays it out,
    each later one paints a band of it."""
    bands: list[QRect] = []
    pixmap = QPixmap(1, 1)

    def step() -> bool:
        nonlocal pixmap
        if screen.isVisible() or not wanted():
            return False
        if pixmap.width() == 1:  # the first turn: sized and laid out (one pixel painted)
            page = screen.parentWidget()
            if size is not None:
                screen.resize(size())
            elif page is not None:
                screen.resize(page.size())
            screen.render(pixmap, QPoint(), QRegion(0, 0, 1, 1))
            pixmap = QPixmap(screen.size())
            w, h = screen.width(), max(1, screen.height())
            bands.extend(QRect(0, i * h // BANDS, w, h // BANDS + 1) for i in range(BANDS))
            return True
        if not bands:
            return False
        band = bands.pop(0)
        screen.render(pixmap, band.topLeft(), QRegion(band))
        return True

    def one() -> None:
        with contextlib.suppress(RuntimeError):  # the screen was deleted meanwhile (tests)
            if step():
                QTimer.singleShot(0, one)

    QTimer.singleShot(0, one)


def later(ms: int, fn: Callable[[], object]) -> None:
    """`fn` on a later turn, unless its widget was deleted meanwhile (a closed window)."""

    def call() -> None:
        with contextlib.suppress(RuntimeError):
            fn()

    QTimer.singleShot(ms, call)
