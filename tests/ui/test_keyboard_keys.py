"""Issue 11, S2.9: vowels without Shift, cursor keys, a symbol layer, Caps that keeps digits,
a Next key; and issue 9: the keys are not re-dressed on keystrokes that change nothing."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from PySide6.QtWidgets import QApplication

from tests.ui.test_keyboard_typing import form as form  # the fixture
from tests.ui.test_keyboard_typing import tap, tap_fn
from ui.keyboard.coeng import COENG
from ui.keyboard.keys import KeyButton
from ui.keyboard.layouts import DOTTED_CIRCLE
from ui.keyboard.vowels import VOWELS, can_take_vowel

pytestmark = [pytest.mark.qt, pytest.mark.qt_log_ignore("does not support propagateSizeHints")]


@pytest.mark.parametrize(
    ("before", "vowel", "allowed"),
    [
        ("", "ា", False),
        ("ក", "ី", True),
        ("ស្ត", "ី", True),  # after a subscript
        ("កា", "ី", False),  # not a second vowel
        ("កា", "ំ", True),  # but ាំ
        ("កោ", "ះ", True),  # and ោះ
        ("abc", "ា", False),
    ],
)
def test_where_a_vowel_may_follow(before: str, vowel: str, allowed: bool) -> None:
    assert can_take_vowel(before, vowel) is allowed


def test_vowels_are_one_tap_each_without_shift(qtbot, form) -> None:  # type: ignore[no-untyped-def]
    kb = form.kb
    strip = [b for b in kb.buttons() if b.role == "vowel"]
    assert [b.types for b in strip] == list(VOWELS)
    assert {"ី", "ឿ", "ៀ", "ើ", "ោ", "ៅ", "ុ", "ូ", "ួ", "ែ", "ៃ", "ា", "ំ", "ះ"} <= set(VOWELS)
    assert not any(b.isEnabled() for b in strip)  # nothing to carry a vowel yet
    assert all(b.text().startswith(DOTTED_CIRCLE) for b in strip)  # legible on ◌
    tap(qtbot, kb, "ស")
    tap(qtbot, kb, COENG + "ត")
    tap(qtbot, kb, COENG + "រ")
    strip_key = next(b for b in strip if b.types == "ី")
    assert strip_key.isEnabled()
    qtbot.mouseClick(strip_key, pytest.importorskip("PySide6.QtCore").Qt.MouseButton.LeftButton)
    assert form.edit.text() == "ស្ត្រី"
    assert kb.function_button("shift").isChecked() is False  # no Shift was needed
    # the strip's keys are as tall as the letter keys and their glyphs drawn big
    assert strip_key.height() >= kb.key_button("ក").height() - 1


def test_cursor_keys_move_in_the_field_so_a_surname_goes_first(qtbot, form) -> None:  # type: ignore[no-untyped-def]
    kb = form.kb
    tap_fn(qtbot, kb, "layer", "en")
    for ch in "dara":
        tap(qtbot, kb, ch)
    for _ in range(4):
        tap_fn(qtbot, kb, "left")
    assert form.edit.cursorPosition() == 0
    for ch in "sok":
        tap(qtbot, kb, ch)
    tap_fn(qtbot, kb, "space")
    tap_fn(qtbot, kb, "right")
    assert form.edit.text() == "sok dara"
    assert form.edit.cursorPosition() == 5
    assert QApplication.focusWidget() is form.edit


def test_symbols_have_their_own_layer_and_caps_keeps_the_digits(qtbot, form) -> None:  # type: ignore[no-untyped-def]
    kb = form.kb
    tap_fn(qtbot, kb, "layer", "en")
    tap_fn(qtbot, kb, "caps")
    tap(qtbot, kb, "1")  # Caps: digits stay digits
    tap(qtbot, kb, "A")
    with pytest.raises(LookupError):
        kb.key_button("!")
    tap_fn(qtbot, kb, "layer", "sym")
    assert kb.layer() == "sym"
    assert kb.function_button("layer", "sym").isChecked()
    for ch in "@#/":
        tap(qtbot, kb, ch)
    tap_fn(qtbot, kb, "layer", "km")
    tap_fn(qtbot, kb, "caps")
    tap(qtbot, kb, "១")  # the Khmer digit row too
    assert form.edit.text() == "1A@#/១"


def test_next_moves_focus_to_the_following_box_only(qtbot, form) -> None:  # type: ignore[no-untyped-def]
    kb = form.kb
    form.text_edit.hide()
    form.plain.hide()
    assert kb.function_button("next").isEnabled()
    tap(qtbot, kb, "ក")
    tap_fn(qtbot, kb, "next")
    qtbot.waitUntil(lambda: QApplication.focusWidget() is form.other)
    assert form.edit.text() == "ក"  # nothing else happened
    assert not kb.function_button("next").isEnabled()  # the last box: Next never wraps


def test_a_keystroke_that_changes_nothing_leaves_the_keys_alone(qtbot, form, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    kb = form.kb
    tap_fn(qtbot, kb, "layer", "en")
    tap(qtbot, kb, "a")
    calls: list[str] = []
    original = KeyButton.set_face

    def counting(self, *args, **kw):  # type: ignore[no-untyped-def]
        calls.append(self.text())
        return original(self, *args, **kw)

    monkeypatch.setattr(KeyButton, "set_face", counting)
    for ch in "bcd":
        tap(qtbot, kb, ch)
    assert calls == []
    assert form.edit.text() == "abcd"
    tap_fn(qtbot, kb, "shift")  # a real change still re-dresses the keys
    assert calls
