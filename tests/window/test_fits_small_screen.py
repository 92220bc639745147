"""S1.2: at 1366×768 the question, its box and its error show together above the keyboard.

Before the fix, the keyboard left a 150-px strip: a failed Continue put the red error out of
view, so to a citizen "nothing happened".
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.window.finger import wait_for
from tests.window.journeys import in_view, named, on_screen, to_name_question


@pytest.mark.parametrize("size", [(1366, 768)], ids=["1366x768"])
def test_error_shows_above_the_keyboard_after_a_failed_continue(running: Any, locale: str) -> None:
    k = running
    to_name_question(k, locale)
    page = k.page()
    first = page.widgets[0]
    assert first.edit.hasFocus()
    assert in_view(k, first.label) and in_view(k, first.edit), "the question is not on show"
    k.finger.tap(named(k, "continue"))  # nothing typed: the error
    wait_for(first.error.isVisible, what="the error under the question")
    on_screen(k, "question", step="name")
    wait_for(k.window.keyboard.isVisible, what="the keyboard, back for the box in error")
    for part in (first.label, first.error, first.edit):
        wait_for(lambda p=part: in_view(k, p), what=f"{part.objectName() or part} in view")
