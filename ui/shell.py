"""The shell: the kiosk's one window, whatever journey runs in it.

It holds the chrome (top bar with the commune's name, the sync badge and the language toggle),
the stack the navigator fills with screens, and the on-screen keyboard's slot under it. It
knows nothing of sessions or of which screens exist: journeys and the navigator do.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from PySide6 import QtCore  # `QtCore.Qt` where used: not before the first paint (ui/app.py)
from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QHBoxLayout, QStackedWidget, QVBoxLayout, QWidget

from ui.widgets.basic import LanguageToggle, OnlineBadge, wrap_label
from ui.widgets.text import tr

if TYPE_CHECKING:
    from PySide6.QtGui import QCloseEvent, QKeyEvent, QPaintEvent, QResizeEvent

    from kiosk.text import Text
    from ui.screens.base import AppContext, Screen


def _make_keyboard() -> Any:
    try:
        from ui.keyboard import OnScreenKeyboard
    except ImportError:
        return None
    return OnScreenKeyboard()


def _ensure_visible(screen: Screen, widget: QWidget) -> None:
    with contextlib.suppress(RuntimeError):  # the widget went away meanwhile (screen rebuilt)
        show_with_question(screen, widget)


def show_with_question(screen: Screen, widget: QWidget) -> None:
    """Scroll so `widget` shows *with its question*: the field's label, help and error above
    it (issue 11, S1.2: a box alone, its question scrolled away, tells a citizen nothing).
    When field and box do not both fit, the box wins, with as much above it as fits."""
    area = screen.scroll_area
    inner = area.widget()
    if inner is None or not inner.isAncestorOf(widget):
        return
    if inner.layout() is not None:
        inner.layout().activate()  # an error label shown this turn must count
    field: QWidget | None = widget
    while field is not None and field is not inner and field.property("sala_field") is not True:
        field = field.parentWidget()
    top_widget = field if field is not None and field is not inner else widget
    top = top_widget.mapTo(inner, top_widget.rect().topLeft()).y()
    bottom = widget.mapTo(inner, widget.rect().bottomLeft()).y()
    view = area.viewport().height()
    bar = area.verticalScrollBar()
    margin = 12
    lo, hi = top - margin, bottom + margin  # content rows that should show
    if hi - lo > view:
        lo = hi - view  # too tall: keep the box and what fits above it
    value = bar.value()
    if lo < value:
        value = lo
    elif hi > value + view:
        value = hi - view
    value = _uncut(inner, value, lo, hi, view)
    if value > bar.maximum():
        # The page ends too soon to scroll the title wholly away: blank room under it while
        # the keyboard is up, as phones do, rather than half a title (or half a box).
        room = value - bar.maximum() + inner.contentsMargins().bottom()
        _set_inset(inner, room)
        QTimer.singleShot(0, lambda: _scroll_to(area, value))
    bar.setValue(max(bar.minimum(), min(bar.maximum(), value)))


def _scroll_to(area: Any, value: int) -> None:
    """The bar is asked for again at the turn: PySide may mark a wrapper kept across a turn
    as deleted when sibling widgets go, though the bar itself lives on."""
    with contextlib.suppress(RuntimeError):  # the page went away meanwhile
        bar = area.verticalScrollBar()
        bar.setValue(max(bar.minimum(), min(bar.maximum(), value)))


def _set_inset(inner: QWidget, px: int) -> None:
    m = inner.contentsMargins()
    if m.bottom() != px:
        inner.setContentsMargins(m.left(), m.top(), m.right(), px)


def clear_inset(screen: Screen | None) -> None:
    """Take away the room `show_with_question` added under a page for the keyboard."""
    area = getattr(screen, "scroll_area", None)
    inner = area.widget() if area is not None else None
    if inner is not None:
        with contextlib.suppress(RuntimeError):
            _set_inset(inner, 0)


def _uncut(inner: QWidget, value: int, lo: int, hi: int, view: int) -> int:
    """A scroll position that cuts no heading or label in half at the top of the view: half
    a title is noise to a citizen. Shows the whole widget if the rows `lo`…`hi` still fit,
    else scrolls it away; the page's top wins whenever everything fits from there."""
    if hi <= view:
        return 0
    for _ in range(4):
        cut = _cut_at(inner, value)
        if cut is None:
            return value
        top, bottom = cut
        if hi - top <= view:
            value = top
        elif bottom <= lo:
            value = bottom
        else:
            return value
    return value


def _cut_at(inner: QWidget, y: int) -> tuple[int, int] | None:
    """The content rows of the smallest visible widget that row `y` runs through."""
    best: tuple[int, int] | None = None
    level = [inner]
    for _ in range(3):  # page body → fields box → field → its label, box, error
        nxt: list[QWidget] = []
        for parent in level:
            for child in parent.findChildren(
                QWidget, options=QtCore.Qt.FindChildOption.FindDirectChildrenOnly
            ):
                if not child.isVisible():
                    continue
                top = child.mapTo(inner, child.rect().topLeft()).y()
                bottom = top + child.height()
                if top < y < bottom:
                    best = (top, bottom)
                    nxt.append(child)
        level = nxt
    return best


class _ReleaseWatch(QObject):
    """Calls `done` on the loop turn after the finger comes up (mouse or touch release).

    Installed on the application only while a finger is down, so the rest of the time no
    event pays for a Python filter."""

    def __init__(self, parent: QObject, done: Any) -> None:
        super().__init__(parent)
        self._done = done
        self._armed = False

    def arm(self) -> None:
        if not self._armed:
            self._armed = True
            QApplication.instance().installEventFilter(self)  # type: ignore[union-attr]

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.MouseButtonRelease, QEvent.Type.TouchEnd):
            self._armed = False
            QApplication.instance().removeEventFilter(self)  # type: ignore[union-attr]
            QTimer.singleShot(0, self._done)  # after the release is delivered (the click)
        return False


def _wants_keyboard(widget: QWidget) -> bool:
    from PySide6.QtWidgets import QLineEdit  # not at import: PySide makes the type then

    return isinstance(widget, QLineEdit) and widget.isEnabled() and not widget.isReadOnly()


class Shell(QWidget):
    """Top bar, screen stack, keyboard slot; the keyboard shows while a text box has focus."""

    first_shown = Signal()  # once, on the event-loop turn after the first paint
    locale_chosen = Signal(str)  # the language toggle was tapped

    def __init__(
        self,
        ctx: AppContext,
        *,
        window_flags: QtCore.Qt.WindowType | None = None,
        locked_down: bool | None = None,
    ) -> None:
        super().__init__()
        if window_flags is not None:  # before the children exist: cheap now, not later
            self.setWindowFlags(window_flags)
        # The kiosk (full screen; frameless where that means something: ui/app.py) ignores a
        # window manager's close request (Alt+F4 on a desktop session): only a technician's
        # sign-in leaves it. `sala kiosk --windowed` closes as any window does.
        self.locked_down = window_flags is not None if locked_down is None else locked_down
        self.ctx = ctx
        self.setObjectName("kioskWindow")
        self.setWindowTitle("Sala")
        root = QVBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(0)
        bar = QWidget()
        bar.setObjectName("topBar")
        top = QHBoxLayout(bar)
        top.setContentsMargins(24, 4, 24, 4)
        self.place = wrap_label(role="bar")
        self.place.setObjectName("communeName")
        self.badge = OnlineBadge()
        self.badge.setObjectName("onlineBadge")
        self.toggle = LanguageToggle()
        self.toggle.setObjectName("languageToggle")
        self.toggle.locale_chosen.connect(self.locale_chosen)
        top.addWidget(self.place, 1)
        top.addWidget(self.badge)
        top.addWidget(self.toggle)
        root.addWidget(bar)
        self.stack = QStackedWidget()
        # Pages scroll; the stack must not demand the tallest page's height, or the window
        # outgrows a 1366x768 screen once the on-screen keyboard shows.
        self.stack.setMinimumSize(1, 1)
        root.addWidget(self.stack, 1)
        self._root = root
        self.keyboard: Any = None  # made after the first paint (`make_keyboard`)
        self.overlay: QWidget | None = None  # kept the window's size (the idle prompt)
        self._place_name: Text | None = None
        self._sync_worker: Any = None
        self._sync_timer: QTimer | None = None
        self._shown_once = False
        self._inset_page: Screen | None = None  # the page given room under it for the keyboard
        self._release_watch = _ReleaseWatch(self, self._sync_keyboard)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._on_focus_changed)
        # Not `_on_sync_status(None)`: re-polishing through QWidget.style() costs ~9 ms before
        # the first paint (PySide builds QStyle's enums); before its first show, the badge is
        # polished with the property anyway.
        self.badge.setText(tr("ui.not_enrolled", ctx.locale))
        self.badge.setProperty("state", "not_enrolled")

    @property
    def shown_once(self) -> bool:
        return self._shown_once

    def make_keyboard(self) -> None:
        """Put the on-screen keyboard under the stack (a navigator build step)."""
        if self.keyboard is not None:
            return
        self.keyboard = _make_keyboard()
        if self.keyboard is not None:
            self.keyboard.setObjectName("onScreenKeyboard")
            self._fit_keyboard()
            self._root.addWidget(self.keyboard)
            self.keyboard.hide()

    def _fit_keyboard(self) -> None:
        """Shorter keys on a short window (1366×768), so the question shows above them."""
        if self.keyboard is not None and self.height() > 100:
            from ui.keyboard.keyboard import key_height_for

            self.keyboard.set_key_height(key_height_for(self.height()))

    # -- chrome ----------------------------------------------------------------------------
    def set_place(self, name: Text | None) -> None:
        """The commune's name in the top bar, in the session's language."""
        self._place_name = name
        if name is not None:
            self.place.setText(name.get(self.ctx.locale))

    def retranslate(self, locale: str) -> None:
        self.toggle.retranslate(locale)
        self.badge.retranslate(locale)
        if self._place_name is not None:
            self.place.setText(self._place_name.get(locale))
        if self.keyboard is not None:
            self.keyboard.set_locale(locale)

    # -- the sync badge --------------------------------------------------------------------
    def start_sync_polling(self, worker: Any) -> None:
        """Show `worker.state()` in the badge, asked on the io pool every 5 s."""
        self._sync_worker = worker
        if self._sync_timer is None:
            self._sync_timer = QTimer(self, interval=5000)
            self._sync_timer.timeout.connect(self._poll_sync)
        self._sync_timer.start()
        self._poll_sync()

    def stop_sync_polling(self) -> None:
        """At shutdown, before the task helper stops: a later tick would ask a stopped pool."""
        if self._sync_timer is not None:
            self._sync_timer.stop()
        self._sync_worker = None

    def _poll_sync(self) -> None:
        worker = self._sync_worker
        if worker is not None:
            self.ctx.tasks.run_io(worker.state, self._on_sync_status, lambda exc: None)

    def _on_sync_status(self, status: Any) -> None:
        if status is None:
            self.badge.set_state("not_enrolled", 0, self.ctx.locale)
            return
        state = "online" if getattr(status, "online", False) else "offline"
        self.badge.set_state(state, int(getattr(status, "pending", 0) or 0), self.ctx.locale)

    # -- the keyboard ----------------------------------------------------------------------
    def _page(self) -> Screen | None:
        return self.stack.currentWidget()  # type: ignore[return-value]

    def _on_screen_changed(self, _name: str = "") -> None:
        """On a new screen the keyboard shows only if a text box there already has focus."""
        screen = self._page()
        if self.keyboard is None or screen is None:
            return
        from PySide6.QtWidgets import QLineEdit  # not at import: PySide makes the type then

        focus = QApplication.focusWidget()
        wants = isinstance(focus, QLineEdit) and screen.isAncestorOf(focus)
        if self._inset_page is not None and (self._inset_page is not screen or not wants):
            clear_inset(self._inset_page)
        self._inset_page = screen
        self.keyboard.setVisible(wants)
        if wants:
            self.keyboard.set_locale(self.ctx.locale)

    def _on_focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        """The keyboard shows while a text box has focus; the box stays visible above it.

        It hides only once the finger is up: a press on Continue (or a list row) takes the
        focus, and hiding the keyboard then would move the layout under the finger, so the
        release would land elsewhere and the tap do nothing (issue 11, S1.1). After the
        click, `_sync_keyboard` looks again: the click may have focused a new text box."""
        screen = self._page()
        if new is None or screen is None or not screen.isAncestorOf(new):
            return  # focus moved into the keyboard itself, or nowhere: leave things be
        if self.keyboard is not None:
            wants = _wants_keyboard(new)
            if wants and not self.keyboard.isVisible():
                self.keyboard.setVisible(True)
                self.keyboard.set_locale(self.ctx.locale)
            elif not wants and self.keyboard.isVisible():
                if QApplication.mouseButtons() != QtCore.Qt.MouseButton.NoButton:
                    self._release_watch.arm()
                else:
                    QTimer.singleShot(0, self._sync_keyboard)
        if screen.scrolls and _wants_keyboard(new):
            QTimer.singleShot(0, lambda: _ensure_visible(screen, new))

    def _sync_keyboard(self) -> None:
        """Show the keyboard if (and only if) a text box of the current screen has focus."""
        screen = self._page()
        if self.keyboard is None or screen is None:
            return
        focus = QApplication.focusWidget()
        wants = focus is not None and screen.isAncestorOf(focus) and _wants_keyboard(focus)
        if wants != self.keyboard.isVisible():
            self.keyboard.setVisible(wants)
            if not wants:
                clear_inset(screen)
            if wants:
                self.keyboard.set_locale(self.ctx.locale)
                if screen.scrolls and focus is not None:
                    QTimer.singleShot(0, lambda: _ensure_visible(screen, focus))

    # -- window events ---------------------------------------------------------------------
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_keyboard()
        if self.overlay is not None and self.overlay.isVisible():
            self.overlay.setGeometry(self.rect())

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._shown_once:
            self._shown_once = True
            QTimer.singleShot(0, self.first_shown.emit)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.locked_down and event.spontaneous():
            event.ignore()
            return
        super().closeEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == QtCore.Qt.Key.Key_Escape:
            event.accept()  # no accidental exits; Escape does nothing on a kiosk
            return
        super().keyPressEvent(event)
