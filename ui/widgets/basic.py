"""The kiosk's building blocks. Their look is in `assets/styles/kiosk.qss` (object names and
dynamic properties), never in code, so one stylesheet keeps every screen consistent."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6 import QtCore
from PySide6.QtCore import QSize, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QWidget

from ui.widgets.text import digits, tr

if TYPE_CHECKING:
    from PySide6.QtCore import QObject
    from PySide6.QtGui import QEnterEvent

MIN_TOUCH_PX = 48  # 12 mm on a 1080p 21" panel (GUIDE.md §4)


def set_enum_property(obj: QObject, name: str, key: str) -> None:
    """Set the enum (or flags) Qt property `name` by its key, e.g. ("textFormat", "PlainText"):
    Qt converts the name itself. Widgets of the first screen use this instead of naming a
    member of `Qt` (written `QtCore.Qt.…` elsewhere in this module), as PySide builds all ~93
    enums of that namespace on its first touch: ~30 ms the kiosk's first paint does not wait
    for (ui/app.py, tests/ui/test_startup_qt_namespace.py). A key Qt does not know raises."""
    if not obj.setProperty(name, key):
        raise ValueError(f"{type(obj).__name__} has no {name} {key!r}")


def repolish(widget: QWidget) -> None:
    """Re-apply the stylesheet after a dynamic property changed: Qt does not re-match the
    QSS selectors that test properties by itself."""
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)


def wrap_label(text: str = "", *, role: str = "body", parent: QWidget | None = None) -> QLabel:
    """A word-wrapping label; `role` (heading, body, hint, big, …) selects its style."""
    label = QLabel(text, parent)
    label.setProperty("role", role)
    set_enum_property(label, "textFormat", "PlainText")
    label.setSizePolicy(wrapping_policy())
    label.setWordWrap(True)
    return label


def wrapping_policy() -> QSizePolicy:
    """Grow vertically as wrapped text needs; height follows width (or text gets cut)."""
    policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    policy.setHeightForWidth(True)
    return policy


class BigButton(QPushButton):
    """A large touch button. kind = primary | secondary | choice | link | danger."""

    def __init__(self, text: str = "", *, kind: str = "secondary", parent: QWidget | None = None):
        # Not QPushButton(text, parent): with two arguments PySide also tries the
        # (QIcon, text) overload and builds the QIcon type and its enums first (~1.2 ms of
        # start-up, for buttons that have no icon). Qt's own constructor does just this.
        super().__init__(parent)
        if text:
            self.setText(text)
        self.setProperty("kind", kind)
        self.setMinimumHeight(MIN_TOUCH_PX + 24)
        self.setMinimumWidth(MIN_TOUCH_PX * 2)
        self._hand = False  # the pointing-hand cursor: on the first hover (`enterEvent`)
        set_enum_property(self, "focusPolicy", "StrongFocus")
        self.setAutoDefault(False)

    def enterEvent(self, event: QEnterEvent) -> None:
        # A cursor has no key name to set as a property (`set_enum_property`), so it is set
        # when a pointer first comes over the button, not before the first paint (unless
        # someone set one meanwhile).
        if not self._hand:
            self._hand = True
            Qt = QtCore.Qt
            if not self.testAttribute(Qt.WidgetAttribute.WA_SetCursor):
                self.setCursor(Qt.CursorShape.PointingHandCursor)
        super().enterEvent(event)

    def set_kind(self, kind: str) -> None:
        self.setProperty("kind", kind)
        repolish(self)


class WrapButton(BigButton):
    """A big button whose text word-wraps (long Khmer options must never be cut)."""

    def __init__(self, text: str = "", *, kind: str = "choice", parent: QWidget | None = None):
        super().__init__("", kind=kind, parent=parent)
        self.setProperty("wraps", True)
        self._label = QLabel(self)
        self._label.setWordWrap(True)
        self._label.setProperty("role", "button_text")
        set_enum_property(self._label, "textFormat", "PlainText")
        self._label.setAttribute(QtCore.Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        box = QHBoxLayout(self)
        box.setContentsMargins(22, 10, 22, 10)
        box.addWidget(self._label)
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.setText(text)

    def setText(self, text: str) -> None:
        self._label.setText(text)
        self.setAccessibleName(text)
        self.updateGeometry()

    def text(self) -> str:
        return self._label.text()

    def sizeHint(self) -> QSize:
        layout = self.layout()
        hint = layout.sizeHint() if layout is not None else super().sizeHint()
        return QSize(
            max(hint.width(), self.minimumWidth()), max(hint.height(), self.minimumHeight())
        )


class ChoiceButton(WrapButton):
    """A big toggle for one option of a choice, yes/no or consent question."""

    MARK = "✓  "  # the chosen option says so in a shape, not only in a fill colour

    def __init__(self, text: str = "", value: object = None, parent: QWidget | None = None):
        self._plain = text
        super().__init__(text, kind="choice", parent=parent)
        self.value = value
        self.setCheckable(True)
        self.toggled.connect(self._on_toggled)

    def setText(self, text: str) -> None:
        self._plain = text
        super().setText(self.MARK + text if self.isCheckable() and self.isChecked() else text)

    def text(self) -> str:
        return self._plain

    def sync(self) -> None:
        """Show the checked state (mark and text colour); call after a setChecked made with
        signals blocked (a restored answer), which `toggled` does not report."""
        on = self.isChecked()
        # QSS cannot style a child by its parent's :checked state; a property on the label can.
        if self._label.property("checked") != on:
            self._label.setProperty("checked", on)
            repolish(self._label)
        self.setText(self._plain)

    def _on_toggled(self, _on: bool) -> None:
        self.sync()


class StepHeader(QLabel):
    """ "Step 3 of 8": honest counting rather than a progress bar (GOV.UK pattern)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "step")
        self.setWordWrap(True)

    def set_step(self, n: int, total: int, locale: str) -> None:
        self.setText(tr("ui.step", locale, n=n, total=total))


class ErrorLabel(QLabel):
    """A plain-words error next to a field; hidden while there is nothing to say."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "error")
        self.setWordWrap(True)
        set_enum_property(self, "textFormat", "PlainText")
        self.setSizePolicy(wrapping_policy())
        self.hide()

    def show_error(self, text: str) -> None:
        self.setText(text)
        self.setVisible(bool(text))

    def clear_error(self) -> None:
        self.setText("")
        self.hide()


class OnlineBadge(QLabel):
    """Online / offline / not enrolled, from the sync worker's state. Styled as a status line
    with a coloured mark (kiosk.qss), not a pill: it does nothing when touched, so it must
    not look like a button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "badge")
        set_enum_property(self, "focusPolicy", "NoFocus")
        self.setWordWrap(True)
        self._state = "not_enrolled"
        self._pending = 0

    def set_state(self, state: str, pending: int, locale: str) -> None:
        """state: online | offline | not_enrolled."""
        self._state, self._pending = state, pending
        text = tr(f"ui.{state}", locale)
        if pending and state != "not_enrolled":
            text += " · " + tr("ui.sync.pending", locale, n=pending)
        self.setText(text)
        self.setProperty("state", state)
        repolish(self)

    def retranslate(self, locale: str) -> None:
        self.set_state(self._state, self._pending, locale)


class LanguageToggle(BigButton):
    """One tap to the other language, on every screen; emits the new locale."""

    locale_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(kind="toggle", parent=parent)
        # Never takes focus: a tap on it mid-question leaves the text box focused, so the
        # next on-screen key still types there.
        set_enum_property(self, "focusPolicy", "NoFocus")
        self._locale = "km"
        self.clicked.connect(self._on_clicked)
        self.retranslate("km")

    def retranslate(self, locale: str) -> None:
        self._locale = locale
        self.setText(tr("ui.language.toggle", locale))
        self.setAccessibleName("language")

    def _on_clicked(self) -> None:
        self.locale_chosen.emit("en" if self._locale == "km" else "km")


__all__ = [
    "MIN_TOUCH_PX",
    "BigButton",
    "ChoiceButton",
    "ErrorLabel",
    "LanguageToggle",
    "OnlineBadge",
    "StepHeader",
    "WrapButton",
    "digits",
    "set_enum_property",
    "wrap_label",
]
