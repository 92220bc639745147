"""Citizen journeys made of real taps, shared by the window tests."""

from __future__ import annotations

from typing import Any

from tests.window.finger import settle, wait_for

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
    """…then choose "first card" and Continue: the name question, its keyboard open and its
    box scrolled into view above it (the shell does that on the turn after the focus)."""
    from PySide6.QtWidgets import QApplication

    to_service(kiosk, locale)
    page = kiosk.page()
    f = kiosk.finger
    f.tap(page.widgets[0].buttons[0])
    f.tap(named(kiosk, "continue"))
    on_screen(kiosk, "question", step="name")
    wait_for(kiosk.window.keyboard.isVisible, what="the keyboard on the name question")
    box = QApplication.focusWidget()
    assert box is not None, "the keyboard shows with no box focused"
    wait_for(lambda: in_view(kiosk, box), what="the name box in view above the keyboard")


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


def field(kiosk: Any, field_id: str) -> Any:
    """The widget of question `field_id`, once the kiosk shows it."""

    def find() -> Any:
        if kiosk.screen_name() != "question":
            return None
        return next((w for w in kiosk.page().widgets if w.field.id == field_id), None)

    wait_for(lambda: find() is not None, what=f"the question {field_id!r}")
    return find()


def has_focus(widget: Any) -> bool:
    from PySide6.QtWidgets import QApplication

    return QApplication.focusWidget() is widget


def tap_to_focus(kiosk: Any, box: Any) -> None:
    """One tap on a text box: it takes the focus and the keyboard shows under it."""
    if not has_focus(box):
        kiosk.finger.tap(box)
        wait_for(lambda: has_focus(box), what=f"{box.objectName()} to take the focus")
    wait_for(kiosk.window.keyboard.isVisible, what="the keyboard")


def tap_next_key(kiosk: Any, box: Any) -> None:
    """The keyboard's Next key: `box` takes the focus and is scrolled into view above it."""
    kiosk.finger.tap(kiosk.window.keyboard.function_button("next"))
    wait_for(lambda: has_focus(box), what=f"Next to focus {box.objectName()}")
    wait_for(lambda: in_view(kiosk, box), what=f"{box.objectName()} in view above the keyboard")


def choose(kiosk: Any, field_id: str, name: str) -> None:
    """One tap on a choice button: it is chosen."""
    button = named(kiosk, f"choice_{field_id}_{name}")
    kiosk.finger.tap(button)
    wait_for(button.isChecked, what=f"{field_id}: {name} chosen")


def cont(kiosk: Any, next_field: str) -> Any:
    """One tap on Continue: the next question (`next_field`) shows; its widget."""
    kiosk.finger.tap(named(kiosk, "continue"))
    return field(kiosk, next_field)


def choose_place(kiosk: Any, field_id: str) -> str:
    """One tap on the first row of the place list (the kiosk's own commune's villages).

    The list is swiped into view first; the row is found and aimed at only after that, so
    nothing the app owns (a list row) is held across the swipe's event-loop turns. The swipe
    must leave the list as it was: a swipe that chose a place, or rebuilt the list under the
    finger, fails here (it would be a tap lost or a wrong place for a citizen).
    """
    from PySide6.QtCore import Qt

    w = field(kiosk, field_id)
    lst = w.list
    wait_for(lambda: lst.isVisible() and lst.count() > 0, what=f"{field_id}: the places")
    rebuilt = count_rebuilds(lst)
    before = dict(w.codes)
    f = kiosk.finger
    f.reveal(lst)  # swiped into view if need be
    settle()
    assert w.codes == before and not rebuilt, f"{field_id}: the swipe chose {w.codes}"
    item = lst.item(0)
    code = item.data(Qt.ItemDataRole.UserRole)
    centre = lst.viewport().mapToGlobal(lst.visualItemRect(item).center())
    f.tap_at(centre.x(), centre.y())
    wait_for(lambda: code in w.codes.values(), what=f"{field_id}: the tapped row, chosen")
    wait_for(lambda: "village" in w.codes, what=f"{field_id}: a village")
    return str(w.codes["village"])


def count_rebuilds(lst: Any) -> list[int]:
    """A list that grows by one entry each time `lst` is emptied and filled again."""
    seen: list[int] = []
    lst.model().modelReset.connect(lambda: seen.append(1))
    return seen


def capture(kiosk: Any, field_id: str, pages: int) -> None:
    """The demo camera: the photo auto-captures (the shutter is tapped only if it has not
    after a while); each page is one tap on the shutter. Waits for what is kept."""
    session = kiosk.kiosk.ctx.session
    w = field(kiosk, field_id)
    shutter, view = w.step.shutter, w.step.view

    def kept() -> int:
        return len(session.attachments_for(field_id))

    for n in range(1, pages + 1):
        if field_id == "face_photo":
            try:
                wait_for(lambda n=n: kept() >= n, 15, "the photo's auto-capture")
                continue
            except AssertionError:
                pass
        wait_for(lambda: shutter.isVisible() and shutter.isEnabled(), what="the shutter")
        # the citizen holds the page still until the live view shows it found (not a time)
        wait_for(lambda: view.good, what=f"{field_id}: the live view to find the page")
        if kept() >= n:
            continue
        kiosk.finger.tap(shutter)
        wait_for(lambda n=n: kept() >= n, 60, f"{field_id}: page {n} kept")
    wait_for(lambda: not w.pending(), 60, f"{field_id}: stored")


def papers_to_confirmation(kiosk: Any) -> str:
    """From the last question's Continue: check answers (no problems) → consent → send → the
    confirmation with its application number in view. The number."""
    f = kiosk.finger
    f.tap(named(kiosk, "continue"))
    on_screen(kiosk, "check_answers")
    check = kiosk.page()
    wait_for(lambda: not check.issues, what="check answers without problems")
    f.tap(named(kiosk, "checkContinue"))
    on_screen(kiosk, "consent")
    f.tap(named(kiosk, "agreeSubmit"))
    on_screen(kiosk, "confirmation")
    number = named(kiosk, "appNumber")
    session = kiosk.kiosk.ctx.session
    wait_for(
        lambda: session.receipt is not None and number.text() == session.receipt.app_number,
        what="the application number on the confirmation",
    )
    assert in_view(kiosk, number)
    return str(number.text())


def check_status(kiosk: Any, app_number: str) -> Any:
    """Confirmation → Finish → the welcome screen's second big button → type `app_number` on
    the on-screen number keys → Check: the status panel, in view. The panel."""
    f = kiosk.finger
    f.tap(named(kiosk, "finish"))
    on_screen(kiosk, "attract")
    f.tap(named(kiosk, "attractCheck"))
    on_screen(kiosk, "status_check")
    screen = kiosk.page()
    assert not screen.error.isVisible() or not screen.error.text(), "an error before input"
    tap_to_focus(kiosk, screen.edit)
    wait_for(lambda: in_view(kiosk, screen.edit), what="the number box above the keyboard")
    f.type(app_number)
    assert screen.edit.text() == app_number
    f.tap(named(kiosk, "statusCheck"))
    panel = screen.panel
    wait_for(panel.isVisible, what="the status panel")
    wait_for(lambda: in_view(kiosk, panel), what="the status panel in view")
    assert screen.result.text() and screen.service.text()
    return screen
