"""The on-screen keyboard types into real Qt widgets through Qt's own text input."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QIntValidator, QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from ui.keyboard import PROPERTY, OnScreenKeyboard
from ui.keyboard.coeng import COENG
from ui.keyboard.fonts import ui_font

# The offscreen platform plugin warns about a feature it lacks; not our warning.
pytestmark = [pytest.mark.qt, pytest.mark.qt_log_ignore("does not support propagateSizeHints")]


class Form(QWidget):
    """A window with fields above the keyboard, like a form step on the kiosk."""

    def __init__(self) -> None:
        super().__init__()
        lay = QVBoxLayout(self)
        self.edit = QLineEdit()
        self.other = QLineEdit()
        self.text_edit = QTextEdit()
        self.plain = QPlainTextEdit()
        for w in (self.edit, self.other, self.text_edit, self.plain):
            w.setFont(ui_font(24))
            lay.addWidget(w)
        self.kb = OnScreenKeyboard(locale="km")
        lay.addWidget(self.kb)
        self.resize(1080, 800)


@pytest.fixture
def form(qtbot):  # type: ignore[no-untyped-def]
    f = Form()
    qtbot.addWidget(f)
    f.show()
    qtbot.waitExposed(f)
    f.activateWindow()
    f.edit.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is f.edit)
    return f


def physical_key(widget: QWidget, text: str) -> None:
    """A key event with text, as a hardware keyboard with a Khmer layout sends it."""
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        QApplication.sendEvent(
            widget, QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, text)
        )


def tap(qtbot, kb: OnScreenKeyboard, text: str) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(kb.key_button(text), Qt.MouseButton.LeftButton)


def tap_fn(qtbot, kb: OnScreenKeyboard, action: str, arg: str = "") -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(kb.function_button(action, arg), Qt.MouseButton.LeftButton)


def test_khmer_word_with_two_subscripts_typed_by_single_taps(qtbot, form) -> None:  # type: ignore[no-untyped-def]
    kb = form.kb
    assert kb.layer() == "km"
    tap(qtbot, kb, "ស")
    tap(qtbot, kb, COENG + "ត")  # subscript TA from the strip: one tap, two code points
    tap(qtbot, kb, COENG + "រ")  # subscript RO (written to the left of the base)
    tap_fn(qtbot, kb, "shift")
    tap(qtbot, kb, "ី")  # shift level of the NiDA "i" key
    assert form.edit.text() == "ស\u17d2ត\u17d2រី" == "ស្ត្រី"
    assert QApplication.focusWidget() is form.edit


def test_subscript_strip_follows_the_text_before_the_cursor(qtbot, form) -> None:  # type: ignore[no-untyped-def]
    kb = form.kb
    sub_ka = COENG + "ក"
    with pytest.raises(LookupError):
        kb.key_button(sub_ka)  # nothing to attach a subscript to yet
    tap(qtbot, kb, "ក")
    assert kb.key_button(sub_ka).isEnabled()
    tap(qtbot, kb, sub_ka)
    tap(qtbot, kb, COENG + "ស")
    assert form.edit.text() == "ក្ក្ស"
    with pytest.raises(LookupError):  # a syllable takes at most two subscripts
        kb.key_button(sub_ka)
    # typing on the physical keyboard updates the offer as well
    form.edit.clear()
    physical_key(form.edit, "ម")  # what a hardware Khmer keyboard delivers
    assert kb.key_button(COENG + "យ").isEnabled()


def test_more_subscripts_turns_consonant_keys_into_subscripts_for_one_tap(qtbot, form) -> None:  # type: ignore[no-untyped-def]
    kb = form.kb
    tap(qtbot, kb, "ក")
    with pytest.raises(LookupError):
        kb.key_button(COENG + "ឋ")  # not among the strip's frequent subscripts
    tap_fn(qtbot, kb, "more_subscripts")
    tap(qtbot, kb, COENG + "ឋ")
    assert form.edit.text() == "ក្ឋ"
    tap(qtbot, kb, "ឋ")  # the grid closed again: the same key types the consonant
    assert form.edit.text() == "ក្ឋឋ"


def test_english_with_shift_and_caps(qtbot, form) -> None:  # type: ignore[no-untyped-def]
    kb = form.kb
    tap_fn(qtbot, kb, "layer", "en")
    assert kb.layer() == "en"
    tap_fn(qtbot, kb, "shift")
    tap(qtbot, kb, "S")
    tap(qtbot, kb, "o")  # shift is one-shot
    tap_fn(qtbot, kb, "space")
    tap_fn(qtbot, kb, "caps")
    tap(qtbot, kb, "K")
    tap(qtbot, kb, "H")
    tap_fn(qtbot, kb, "caps")
    tap(qtbot, kb, "a")
    assert form.edit.text() == "So KHa"


def test_khmer_and_latin_digits(qtbot, form) -> None:  # type: ignore[no-untyped-def]
    kb = form.kb
    tap_fn(qtbot, kb, "layer", "num")
    for ch in "១២០":
        tap(qtbot, kb, ch)
    for ch in "+855":
        tap(qtbot, kb, ch)
    assert form.edit.text() == "១២០+855"


def test_backspace_deletes_one_code_point(qtbot, form) -> None:  # type: ignore[no-untyped-def]
    form.edit.setText("ស្ត្រី")
    tap_fn(qtbot, form.kb, "backspace")
    assert form.edit.text() == "ស្ត្រ"
    tap_fn(qtbot, form.kb, "backspace")
    assert form.edit.text() == "ស្ត្"


def test_typing_in_the_middle_inserts_at_the_cursor(qtbot, form) -> None:  # type: ignore[no-untyped-def]
    form.edit.setText("កខ")
    form.edit.setCursorPosition(1)
    tap(qtbot, form.kb, "ង")
    assert form.edit.text() == "កងខ"
    assert form.edit.cursorPosition() == 2


def test_clear_goes_through_qt_so_undo_restores(qtbot, form) -> None:  # type: ignore[no-untyped-def]
    kb = form.kb
    tap_fn(qtbot, kb, "layer", "en")
    for ch in "abc":
        tap(qtbot, kb, ch)
    tap_fn(qtbot, kb, "clear")
    assert form.edit.text() == ""
    form.edit.undo()
    assert form.edit.text() == "abc"


def test_validator_rejects_letters_typed_on_the_keyboard(qtbot, form) -> None:  # type: ignore[no-untyped-def]
    form.edit.setValidator(QIntValidator(0, 99999))
    kb = form.kb
    tap_fn(qtbot, kb, "layer", "en")
    tap(qtbot, kb, "a")
    tap(qtbot, kb, "1")
    tap(qtbot, kb, "x")
    tap(qtbot, kb, "2")
    assert form.edit.text() == "12"


def test_text_edits_receive_text_too(qtbot, form) -> None:  # type: ignore[no-untyped-def]
    for widget in (form.text_edit, form.plain):
        widget.setFocus()
        qtbot.waitUntil(lambda w=widget: QApplication.focusWidget() is w)
        tap(qtbot, form.kb, "ក")
        tap(qtbot, form.kb, COENG + "រ")
        tap_fn(qtbot, form.kb, "backspace")  # one code point: ្ stays
        assert widget.toPlainText() == "ក្"
        tap_fn(qtbot, form.kb, "backspace")
        tap(qtbot, form.kb, COENG + "ម")
        assert widget.toPlainText() == "ក្ម"


def test_keyboard_never_takes_focus_and_reports_keys(qtbot, form) -> None:  # type: ignore[no-untyped-def]
    kb = form.kb
    assert kb.focusPolicy() == Qt.FocusPolicy.NoFocus
    assert kb.testAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
    assert all(b.focusPolicy() == Qt.FocusPolicy.NoFocus for b in kb.buttons())
    seen: list[str] = []
    kb.key_pressed.connect(seen.append)
    tap(qtbot, kb, "ក")
    tap_fn(qtbot, kb, "backspace")
    tap_fn(qtbot, kb, "layer", "num")
    tap(qtbot, kb, "៥")
    assert seen == ["ក", "backspace", "៥"]
    assert QApplication.focusWidget() is form.edit


def test_field_property_picks_the_layer_on_focus(qtbot, form) -> None:  # type: ignore[no-untyped-def]
    form.other.setProperty(PROPERTY, "num")
    form.edit.setProperty(PROPERTY, "en")
    with qtbot.waitSignal(form.kb.layer_changed) as blocker:
        form.other.setFocus()
    assert blocker.args == ["num"]
    form.edit.setFocus()
    qtbot.waitUntil(lambda: form.kb.layer() == "en")


def test_physical_keyboard_keeps_working(qtbot, form) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClicks(form.edit, "ab")
    tap_fn(qtbot, form.kb, "layer", "en")
    tap(qtbot, form.kb, "c")
    qtbot.keyClick(form.edit, Qt.Key.Key_Backspace)
    assert form.edit.text() == "ab"


def test_locale_changes_function_key_words(qtbot, form) -> None:  # type: ignore[no-untyped-def]
    space = form.kb.function_button("space")
    form.kb.set_locale("km")
    km_word = space.text()
    form.kb.set_locale("en")
    assert space.text() == "space" != km_word


def test_a_field_that_goes_away_is_forgotten_quietly(qtbot, form) -> None:  # type: ignore[no-untyped-def]
    """Screens replace their fields; the keyboard must not touch a deleted one."""
    doomed = QLineEdit(form)
    doomed.setFont(ui_font(24))
    doomed.show()
    doomed.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is doomed)
    tap(qtbot, form.kb, "ក")
    doomed.deleteLater()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not doomed)
    form.other.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is form.other)
    tap(qtbot, form.kb, "ខ")
    assert form.other.text() == "ខ"
    with pytest.raises(ValueError):
        form.kb.set_layer("fr")
