"""Citizen journeys made of real taps, shared by the window tests."""

from __future__ import annotations

from typing import Any

from tests.window.finger import wait_for

SERVICE = "national_id_card"
NAMES = {"km": "សុខ", "en": "SOK"}  # typed on the on-screen keyboard, key by key


def named(kiosk: Any, name: str) -> Any:
    """The visible widget called `name` on the current screen (or the window)."""
    from PySide6.QtWidgets import QWidget

    def find() -> Any:
        for w in kiosk.window.findChildren(QWidget, name):
            if w.isVisible():
                return w
        return None

    wait_for(lambda: find() is not None, what=f"a visible {name!r}")
    return find()


def on_screen(kiosk: Any, name: str, **state: Any) -> None:
    """Wait until the kiosk shows screen `name` (and, for questions, `step`)."""
    step = state.get("step")

    def there() -> bool:
        if kiosk.screen_name() != name:
            return False
        if step is not None:
            current = kiosk.page().step
            return current is not None and current.id == step
        return True

    wait_for(there, what=f"screen {name} {state or ''} (now {kiosk.screen_name()})")


def to_service(kiosk: Any, locale: str) -> None:
    """Attract → language → services → the ID card's detail → its first question."""
    f = kiosk.finger
    f.tap(named(kiosk, "attractStart"))
    on_screen(kiosk, "language")
    f.tap(named(kiosk, f"choose_{locale}"))
    on_screen(kiosk, "services")
    f.tap(named(kiosk, f"service_{SERVICE}"))
    on_screen(kiosk, "service_detail")
    f.tap(named(kiosk, "startService"))
    on_screen(kiosk, "question", step="application_type")


def to_name_question(kiosk: Any, locale: str) -> None:
    """…then choose "first card" and Continue: the name question, its keyboard open."""
    to_service(kiosk, locale)
    page = kiosk.page()
    f = kiosk.finger
    f.tap(page.widgets[0].buttons[0])
    f.tap(named(kiosk, "continue"))
    on_screen(kiosk, "question", step="name")
    wait_for(kiosk.window.keyboard.isVisible, what="the keyboard on the name question")


def global_rect(widget: Any) -> Any:
    from PySide6.QtCore import QRect

    return QRect(widget.mapToGlobal(widget.rect().topLeft()), widget.size())


def in_view(kiosk: Any, widget: Any) -> bool:
    """`widget` is wholly on show: inside its scroll area's view, above the keyboard, on the
    screen."""
    from PySide6.QtWidgets import QScrollArea

    if not widget.isVisible():
        return False
    rect = global_rect(widget)
    area = widget.parentWidget()
    while area is not None and not isinstance(area, QScrollArea):
        area = area.parentWidget()
    view = kiosk.screen.geometry()
    if area is not None:
        view = view.intersected(global_rect(area.viewport()))
    keyboard = kiosk.window.keyboard
    if keyboard is not None and keyboard.isVisible():
        view.setBottom(min(view.bottom(), global_rect(keyboard).top() - 1))
    return bool(view.contains(rect))
