"""Every screen, in Khmer and English, at 1366x768, 1920x1080 and portrait 1080x1920: no
label's text is cut, no button is narrower than its text or smaller than 48 px, nothing sticks
out of the window, and the window never grows past the screen."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QWidget

from ui.screenshots import scenes, settle
from ui.widgets.basic import MIN_TOUCH_PX

pytestmark = [pytest.mark.qt, pytest.mark.slow]
SIZES = [(1366, 768), (1920, 1080), (1080, 1920)]


def _skip(w: QWidget, window: QWidget) -> bool:
    """Widgets another part owns and tests itself (the on-screen keyboard), and ones the
    citizen cannot see (scrolled-away pages hide nothing: only hidden ones are skipped)."""
    kb = getattr(window, "keyboard", None)
    return not w.isVisible() or (kb is not None and (w is kb or kb.isAncestorOf(w)))


def label_problem(label: QLabel) -> str | None:
    text = label.text()
    if not text or (label.pixmap() is not None and not label.pixmap().isNull()):
        return None
    rect = label.contentsRect()
    flags = int(label.alignment().value)
    if label.wordWrap():
        flags |= int(Qt.TextFlag.TextWordWrap.value)
    fm = label.fontMetrics()
    needed = fm.boundingRect(QRect(0, 0, max(rect.width(), 1), 100_000), flags, text)
    if needed.width() > rect.width() + 1 or needed.height() > rect.height() + 1:
        return (
            f"label {label.objectName() or label.property('role')!r} {text[:40]!r}: "
            f"needs {needed.width()}x{needed.height()}, has {rect.width()}x{rect.height()}"
        )
    return None


def button_problem(button: QPushButton) -> str | None:
    name = button.objectName() or button.text()[:30]
    if button.width() < MIN_TOUCH_PX or button.height() < MIN_TOUCH_PX:
        return f"button {name!r} is {button.width()}x{button.height()}, under {MIN_TOUCH_PX} px"
    if not button.property("wraps"):  # wrapping buttons' text is a QLabel, checked as one
        hint = button.sizeHint()
        if button.width() + 1 < hint.width() or button.height() + 1 < hint.height():
            return (
                f"button {name!r} {button.text()[:30]!r} is {button.width()}x"
                f"{button.height()}, its text needs {hint.width()}x{hint.height()}"
            )
    return None


def overflow_problem(w: QWidget, window: QWidget) -> str | None:
    right = w.mapTo(window, QPoint(w.width(), 0)).x()
    if right > window.width() + 1:
        return f"{type(w).__name__} {w.objectName()!r} sticks out to x={right}"
    return None


def check_scene(window: QWidget) -> list[str]:
    problems: list[str] = []
    for label in window.findChildren(QLabel):
        if not _skip(label, window):
            problems += filter(None, [label_problem(label), overflow_problem(label, window)])
    for button in window.findChildren(QPushButton):
        if not _skip(button, window):
            problems += filter(None, [button_problem(button), overflow_problem(button, window)])
    for card in window.findChildren(QFrame):
        if (
            card.property("role") == "card"
            and not _skip(card, window)
            and card.height() < 2 * MIN_TOUCH_PX
        ):
            problems.append(f"service card {card.objectName()} only {card.height()} px high")
    return problems


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_every_screen_fits_in_both_languages(make_kiosk: Any, size: tuple[int, int]) -> None:
    kiosk = make_kiosk(size=size)
    window = kiosk.window
    problems: list[str] = []
    visited = keyboarded = 0
    for locale in ("km", "en"):
        for scene in scenes(kiosk, locale):
            visited += 1
            assert (window.width(), window.height()) == size, f"{scene}: the window grew"
            problems += [f"{locale} {scene}: {p}" for p in check_scene(window)]
            edits = (
                [
                    e
                    for e in kiosk.nav.screens["question"].findChildren(QWidget)
                    if e.property("sala_keyboard") and e.isVisible()
                ]
                if scene.startswith("06_question") and window.keyboard
                else []
            )
            if edits:  # with the keyboard up, everything still fits
                edits[0].setFocus()
                settle(kiosk)
                assert window.keyboard.isVisible()
                assert (window.width(), window.height()) == size, f"{scene}: grew"
                problems += [f"{locale} {scene} +keyboard: {p}" for p in check_scene(window)]
                keyboarded += 1
    assert visited >= 2 * 20 and keyboarded >= 2 * 3
    assert not problems, "\n".join(problems[:40])
