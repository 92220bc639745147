"""`OnScreenKeyboard`: Sala's own touch keyboard (Qt Virtual Keyboard has no Khmer).

It types into whatever widget has focus *through Qt's own text input*: text arrives as a
`QInputMethodEvent` commit (a `QKeyEvent` for widgets that refuse input methods), Backspace as a
`Key_Backspace` key event, so validators, undo and cursor movement behave exactly as with a
physical keyboard, which keeps working. The keyboard never takes focus.

Layers: "km" (NiDA), "en" (QWERTY), "num" (Khmer and Latin digits), "sym" (symbols, so Caps
only ever changes letters). A field may ask for a layer with the dynamic property
`sala_keyboard` ("km" | "en" | "num" | "sym"); the keyboard follows focus changes. On the
Khmer layer two strips sit above the keys: the common dependent vowels (NiDA hides half of
them on Shift) and, after a consonant, its subscript forms (U+17D2 + consonant), one tap each;
"more" turns the consonant keys themselves into subscripts for one tap. ← → move the cursor
(as Backspace, through Qt key events) and Next moves focus to the following text box.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QMetaObject, QObject, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QInputMethodEvent, QKeyEvent, QResizeEvent, QShowEvent
from PySide6.QtWidgets import QApplication, QWidget

from kiosk.i18n import tr
from ui.keyboard import coeng, vowels
from ui.keyboard.keys import KeyButton
from ui.keyboard.layouts import LAYERS, Key, Layer, display_label, layer

KEY_HEIGHT = 64  # px; ≥ 12 mm on a 21" 1080p panel with room to spare
# On a 1366×768 panel (15.6"–18.5", 0.25–0.30 mm a pixel) 44 px is still 11–13 mm, and a
# 64-px keyboard would leave the question a 150-px strip (issue 11, S1.2).
MIN_KEY_HEIGHT = 44
SPACING = 6
MARGIN = 8
COMPACT_SPACING = 4  # between keys, when keys are shorter than KEY_HEIGHT
COMPACT_MARGIN = 4
MAX_UNIT = 112  # px; wider keys on big screens only make hands travel further
STRIP_SIZE = 12  # subscripts shown in the strip; the rest are behind "more"
# vowel strip + subscript strip + 5 key rows; every layer gets the same height so the screen
# never jumps
ROWS = 7
SHARE = 0.42  # of the window's height the keyboard may take when its keys must shrink
PROPERTY = "sala_keyboard"
_WATCHED_SIGNALS = ("textChanged", "cursorPositionChanged", "selectionChanged")


class OnScreenKeyboard(QWidget):
    """Touch keyboard with Khmer, English and number layers; see the module docstring."""

    key_pressed = Signal(str)  # the committed text, or "backspace" / "clear"
    layer_changed = Signal(str)

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        locale: str = "km",
        layer_name: str = "km",
        key_height: int = KEY_HEIGHT,
    ) -> None:
        super().__init__(parent)
        if key_height < MIN_KEY_HEIGHT:
            raise ValueError(f"keys must be at least {MIN_KEY_HEIGHT} px tall to touch")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating, True)
        if parent is None:  # shown as its own window: never activate it
            self.setWindowFlag(Qt.WindowType.WindowDoesNotAcceptFocus, True)
        self.setAccessibleName(tr("keyboard.name", locale))
        self._key_height = key_height
        self.setFixedHeight(_height(key_height))
        self.setMinimumWidth(400)
        self._locale = locale
        self._layer = layer_name if layer_name in LAYERS else "km"
        self._shift = False
        self._caps = False
        self._subscript_grid = False
        self._has_next = False
        self._state: tuple[object, ...] = ()  # what the faces show; `_refresh` skips if same
        self._connections: list[QMetaObject.Connection] = []
        self._buttons: dict[str, list[list[KeyButton]]] = {}
        for name in LAYERS:
            self._buttons[name] = [
                [self._make_button(k, digit_row=i == 0) for k in row]
                for i, row in enumerate(layer(name).rows)
            ]
        self._strip = [self._make_sub_button(c) for c in coeng.FREQUENT_SUBSCRIPTS[:STRIP_SIZE]]
        width = layer("km").units / len(vowels.VOWELS)
        self._vowels = [self._make_vowel_button(v, width) for v in vowels.VOWELS]
        more = Key(action="more_subscripts", width=2.5)
        self._more = KeyButton(more, "fn", self)
        self._more.setCheckable(True)
        self._more.clicked.connect(self._on_more_clicked)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._on_focus_changed)
        self._refresh()

    # ---- public API -------------------------------------------------------------------
    def layer(self) -> str:
        """The visible layer: "km", "en", "num" or "sym"."""
        return self._layer

    def ui_locale(self) -> str:
        """The language of the function-key words ("km" or "en")."""
        return self._locale

    def set_layer(self, name: str) -> None:
        """Show layer "km", "en", "num" or "sym"."""
        if name not in LAYERS:
            raise ValueError(f"unknown keyboard layer {name!r}; use one of {LAYERS}")
        if name != self._layer:
            self._layer = name
            self._shift = self._caps = self._subscript_grid = False
            self._refresh()
            self._relayout()
            self.layer_changed.emit(name)

    def set_locale(self, locale: str) -> None:
        """Language of the function-key words (space, clear…); the layer stays as it is."""
        self._locale = locale
        self.setAccessibleName(tr("keyboard.name", locale))
        self._refresh()

    def key_height(self) -> int:
        return self._key_height

    def set_key_height(self, key_height: int) -> None:
        """Shorter keys on short screens (see `key_height_for`); the layer stays as it is."""
        key_height = max(MIN_KEY_HEIGHT, min(KEY_HEIGHT, key_height))
        if key_height != self._key_height:
            self._key_height = key_height
            self.setFixedHeight(_height(key_height))
            self._relayout()

    def buttons(self) -> list[KeyButton]:
        """Every key button of the visible layer, the subscript strip included."""
        keys = [b for row in self._buttons[self._layer] for b in row if b.key.action != "gap"]
        if self._layer == "km":
            keys += [*self._vowels, *self._strip, self._more]
        return keys

    def key_button(self, text: str) -> KeyButton:
        """The visible key that types `text` right now (tests and tutorials use this)."""
        for b in self.buttons():
            if b.types == text and not b.isHidden() and b.isEnabled():
                return b
        raise LookupError(f"no enabled key types {text!r} on layer {self._layer!r}")

    def function_button(self, action: str, arg: str = "") -> KeyButton:
        """The visible function key ("shift", "space", "layer" with arg "en"…)."""
        for b in self.buttons():
            if b.key.action == action and b.key.arg == arg:
                return b
        raise LookupError(f"no {action!r} key on layer {self._layer!r}")

    # ---- building ---------------------------------------------------------------------
    def _make_button(self, key: Key, *, digit_row: bool = False) -> KeyButton:
        role = "char" if key.action == "text" else "fn"
        b = KeyButton(key, role, self)
        b.caps_exempt = digit_row  # Caps changes letters only: digits stay digits (S2.9)
        if key.action == "gap":
            b.setEnabled(False)
            b.hide()
            return b
        if key.action in ("shift", "caps", "layer"):
            b.setCheckable(True)
        icons = ("backspace", "shift", "caps", "left", "right")
        b.icon_name = key.action if key.action in icons else ""
        if key.action in ("backspace", "left", "right"):  # held, it repeats; a tap is one
            b.setAutoRepeat(True)
            b.setAutoRepeatDelay(600)
            b.setAutoRepeatInterval(120)
        b.clicked.connect(lambda _checked=False, k=key, btn=b: self._on_key_clicked(k, btn))
        return b

    def _make_sub_button(self, consonant: str) -> KeyButton:
        b = KeyButton(Key(base=coeng.subscript(consonant)), "sub", self)
        b.set_face(
            display_label(coeng.subscript(consonant)), consonant, types=coeng.subscript(consonant)
        )
        b.clicked.connect(lambda _checked=False, btn=b: self._type(btn.types))
        return b

    def _make_vowel_button(self, vowel: str, width: float) -> KeyButton:
        """A vowel of the strip, drawn on a dotted circle ◌ so the sign alone is legible."""
        b = KeyButton(Key(base=vowel, width=width), "vowel", self)
        b.set_face(display_label(vowel), types=vowel)
        b.clicked.connect(lambda _checked=False, btn=b: self._type(btn.types))
        return b

    # ---- state → faces ----------------------------------------------------------------
    def _refresh(self, *, force: bool = False) -> None:
        """Update labels, checked and enabled states from the current state.

        It runs on every keystroke (the field's text and cursor signals too): when nothing a
        face shows has changed, which is most keystrokes, it returns at once (issue 9)."""
        offers = self._offers() if self._layer == "km" else ()
        state = (
            self._layer,
            self._shift,
            self._caps,
            self._subscript_grid,
            self._locale,
            self._has_next,
            offers,
        )
        if state == self._state and not force:
            return
        self._state = state
        grid = self._layer == "km" and self._subscript_grid
        for name, rows in self._buttons.items():
            visible = name == self._layer
            for b in (b for row in rows for b in row):
                if b.key.action == "gap":
                    continue
                b.setVisible(visible)
                if visible:
                    shifted = self._shift != (self._caps and not b.caps_exempt)
                    self._refresh_button(b, shifted, grid)
        in_km = self._layer == "km"
        subscript, vowel, sign = offers or (False, False, False)
        for b in [*self._strip, self._more]:
            b.setVisible(in_km)
            b.setEnabled(subscript)
        for b in self._vowels:
            b.setVisible(in_km)
            b.setEnabled(sign if b.types in vowels.SIGNS else vowel)
        self._more.setChecked(grid)
        self._more.set_face(tr("keyboard.more_subscripts", self._locale), "")

    def _refresh_button(self, b: KeyButton, shifted: bool, grid: bool) -> None:
        k = b.key
        if k.action == "text":
            text = k.text(shifted)
            if grid:
                ok = coeng.is_consonant(text)
                b.role = "sub"
                b.setEnabled(ok)
                sub = coeng.subscript(text) if ok else ""
                b.set_face(
                    display_label(sub) if ok else display_label(text), text if ok else "", types=sub
                )
                return
            b.role = "char"
            b.setEnabled(True)
            other = k.text(not shifted)
            hint = display_label(other) if self._layer == "km" and other != text else ""
            b.set_face(display_label(text), hint, types=text)
        elif k.action == "shift":
            b.setChecked(self._shift)
            b.set_face(tr("keyboard.shift", self._locale))
        elif k.action == "caps":
            b.setChecked(self._caps)
            b.set_face(tr("keyboard.caps", self._locale))
        elif k.action == "layer":
            b.setChecked(k.arg == self._layer)
            b.set_face(tr(f"keyboard.layer_{k.arg}", self._locale))
        elif k.action in ("backspace", "left", "right", "space", "clear"):
            b.set_face(tr(f"keyboard.{k.action}", self._locale))
        elif k.action == "next":
            b.setEnabled(self._has_next)
            b.set_face(tr("keyboard.next", self._locale))

    # ---- geometry ---------------------------------------------------------------------
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._relayout()

    def _relayout(self) -> None:
        lay: Layer = layer(self._layer)
        rows: list[list[KeyButton]] = [list(r) for r in self._buttons[self._layer]]
        if self._layer == "km":
            rows[:0] = [list(self._vowels), [*self._strip, self._more]]
        gap = _spacing(self._key_height)
        margin = _margin(self._key_height)
        width = self.width() - 2 * margin
        unit = min(width / lay.units, MAX_UNIT)
        free = self.height() - 2 * margin - (len(rows) - 1) * gap
        key_h = int(free / len(rows))
        y = margin
        for row in rows:
            row_units = sum(b.key.width for b in row)
            x = margin + (width - row_units * unit) / 2
            for b in row:
                w = b.key.width * unit
                b.setGeometry(QRect(round(x), y, round(w) - gap, key_h))
                x += w
            y += key_h + gap

    # ---- typing -----------------------------------------------------------------------
    def _on_key_clicked(self, key: Key, button: KeyButton) -> None:
        action = key.action
        if action in ("text", "space"):
            self._type(button.types if action == "text" else " ")
            return  # `_type` refreshes, skipping when nothing changed
        if action in ("backspace", "left", "right"):
            qt_key = {"backspace": Qt.Key.Key_Backspace, "left": Qt.Key.Key_Left}
            self._send_key(qt_key.get(action, Qt.Key.Key_Right))
            self.key_pressed.emit(action)
            return  # the field's own signals refresh the strips
        elif action == "next":
            self.focus_next()
            return
        elif action == "clear":
            self._send_key(Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
            self._send_key(Qt.Key.Key_Backspace)
            self.key_pressed.emit("clear")
        elif action == "shift":
            self._shift = not self._shift
        elif action == "caps":
            self._caps = not self._caps
            self._shift = False
        elif action == "layer":
            self.set_layer(key.arg)
        self._refresh(force=True)  # Qt toggled a checkable key's look: put it right

    def _on_more_clicked(self) -> None:
        self._subscript_grid = not self._subscript_grid
        self._refresh(force=True)

    def focus_next(self) -> bool:
        """Move focus to the next text box of the window (one that may sit under the
        keyboard: the shell scrolls it into view). Never wraps, never clicks anything."""
        box = self._next_box()
        if box is None:
            return False
        box.setFocus(Qt.FocusReason.TabFocusReason)
        self.key_pressed.emit("next")
        return True

    def _next_box(self) -> QWidget | None:
        from PySide6.QtWidgets import QLineEdit  # not at import: PySide makes the type then

        target = self._target()
        if target is None:
            return None
        top = target.window()
        w = target.nextInFocusChain()
        while w is not None and w is not target and w is not top:
            if (
                isinstance(w, QLineEdit)
                and w.isVisible()
                and w.isEnabled()
                and not w.isReadOnly()
                and w.focusPolicy() & Qt.FocusPolicy.TabFocus
            ):
                return w
            w = w.nextInFocusChain()
        return None

    def _type(self, text: str) -> None:
        """Commit `text` to the focused field through Qt's input-method path."""
        if not text:
            return
        target = self._target()
        if target is not None:
            if target.testAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled):
                ev = QInputMethodEvent()
                ev.setCommitString(text)
                QApplication.sendEvent(target, ev)
            else:
                self._send_key(Qt.Key.Key_unknown, text=text)
        self._shift = False
        self._subscript_grid = False
        self.key_pressed.emit(text)
        self._refresh()

    def _send_key(
        self,
        key: Qt.Key,
        modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
        text: str = "",
    ) -> None:
        target = self._target()
        if target is None:
            return
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(target, QKeyEvent(kind, key, modifiers, text))

    def _target(self) -> QWidget | None:
        w = QApplication.focusWidget()
        if w is None or w is self or self.isAncestorOf(w):
            return None
        return w

    # ---- following the focused field ---------------------------------------------------
    def _offers(self) -> tuple[bool, bool, bool]:
        """What the strips offer after the text before the cursor: a subscript, a vowel, a
        sign (ំ ះ, which may also follow a vowel)."""
        w = self._target()
        if w is None:
            return (False, False, False)
        text = w.inputMethodQuery(Qt.InputMethodQuery.ImSurroundingText)
        pos = w.inputMethodQuery(Qt.InputMethodQuery.ImCursorPosition)
        if not isinstance(text, str) or not isinstance(pos, int):
            return (False, False, False)
        before = text[:pos]
        return (
            coeng.can_take_subscript(before),
            vowels.can_take_vowel(before, vowels.VOWELS[0]),
            vowels.can_take_vowel(before, "ំ"),
        )

    def _on_focus_changed(self, old: QWidget | None, new: QWidget | None) -> None:
        if new is not None and (new is self or self.isAncestorOf(new)):
            return
        self._watch(new)
        self._has_next = self._next_box() is not None
        hint = _layer_hint(new)
        if hint is not None:
            self.set_layer(hint)
        self._refresh()
        # A new screen takes the focus before it shows: look again once it has.
        QTimer.singleShot(0, self._update_next)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._update_next()

    def _update_next(self) -> None:
        """Next is enabled while a text box follows the focused one."""
        has_next = self._next_box() is not None
        if has_next != self._has_next:
            self._has_next = has_next
            self._refresh()

    def _watch(self, widget: QWidget | None) -> None:
        """Follow the field's own signals so physical typing updates the subscript strip."""
        for conn in self._connections:
            QObject.disconnect(conn)
        self._connections = []
        if widget is not None:
            for name in _WATCHED_SIGNALS:
                sig = getattr(widget, name, None)
                if sig is not None and hasattr(sig, "connect"):
                    self._connections.append(sig.connect(self._on_field_changed))

    def _on_field_changed(self, *_args: object) -> None:
        self._refresh()


def key_height_for(screen_height: int) -> int:
    """Key height for a window `screen_height` px tall: the full 64 px on tall screens, less
    on shorter ones, so the keyboard takes about `SHARE` of the height and the question, its
    field and its error stay visible above it; never under 44 px (11 mm at 1366×768, where
    the keyboard is 340 px)."""
    budget = SHARE * screen_height - 2 * COMPACT_MARGIN - (ROWS - 1) * COMPACT_SPACING
    if _height(KEY_HEIGHT) <= SHARE * screen_height:
        return KEY_HEIGHT
    return max(MIN_KEY_HEIGHT, min(KEY_HEIGHT - 1, int(budget / ROWS)))


def _spacing(key_height: int) -> int:
    return SPACING if key_height >= KEY_HEIGHT else COMPACT_SPACING


def _margin(key_height: int) -> int:
    return MARGIN if key_height >= KEY_HEIGHT else COMPACT_MARGIN


def _height(key_height: int) -> int:
    return 2 * _margin(key_height) + ROWS * key_height + (ROWS - 1) * _spacing(key_height)


def _layer_hint(widget: QWidget | None) -> str | None:
    """The `sala_keyboard` property of the field or its nearest ancestor that sets one."""
    w = widget
    for _ in range(3):
        if w is None:
            return None
        value = w.property(PROPERTY)
        if isinstance(value, str) and value in LAYERS:
            return value
        w = w.parentWidget()
    return None


__all__ = ["PROPERTY", "OnScreenKeyboard", "key_height_for"]
