"""S1.1: with the on-screen keyboard open, one tap on Continue is one Continue.

Before the fix, the press moved focus off the text box, the keyboard hid at once, the footer
jumped ~430 px down, and the release landed elsewhere: no click.
"""

from __future__ import annotations

from typing import Any

from tests.window.journeys import NAMES, named, on_screen, to_name_question


def test_continue_with_keyboard_open_takes_one_tap(running: Any, locale: str) -> None:
    k = running
    to_name_question(k, locale)
    f = k.finger
    page = k.page()
    km_box, latin_box = (w.edit for w in page.widgets)
    f.type(NAMES["km"])
    f.tap(latin_box)
    f.type(NAMES["en"])
    assert km_box.text() == NAMES["km"]
    assert latin_box.text() == NAMES["en"]
    taps = f.taps
    f.tap(named(k, "continue"))
    on_screen(k, "question", step="sex")
    assert f.taps == taps + 1


def test_one_tap_on_continue_answers_even_with_the_keyboard_open(running: Any, locale: str) -> None:
    """The Khmer name typed, the Latin one not: one tap on Continue says what is missing."""
    from tests.window.finger import wait_for

    k = running
    to_name_question(k, locale)
    f = k.finger
    latin = k.page().widgets[1]
    f.type(NAMES["km"])
    assert k.window.keyboard.isVisible()
    f.tap(named(k, "continue"))
    wait_for(latin.error.isVisible, what="Continue's answer: the Latin name is missing")
    assert k.page().step.id == "name"
