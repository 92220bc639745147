"""Photo and papers agree (issue 11, S2.8): a photo is kept as soon as it is taken, Continue
accepts what is on screen, there is one green primary button, and a line says what is kept."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QPushButton

from tests.ui.conftest import Journey

pytestmark = pytest.mark.qt


def primaries(j: Journey) -> list[QPushButton]:
    """The green buttons a citizen sees on the current screen."""
    screen = j.nav.screens[j.screen]
    return [
        b
        for b in screen.findChildren(QPushButton)
        if b.isVisible() and b.property("kind") == "primary" and b.x() > -10_000
    ]


def test_photo_on_screen_is_accepted_by_continue(journey: Journey, qtbot: Any) -> None:
    j = journey
    j.start("en")
    j.choose_service("residence_certificate")
    j.nav.go("question", step_id="face_photo")
    w = j.field("face_photo")
    assert [b.objectName() for b in primaries(j)] == ["continue"]  # the shutter is not green
    qtbot.waitUntil(w.step.shutter.isEnabled, timeout=15_000)
    if w.step.pages.currentIndex() == 0:  # not taken by itself yet: the citizen taps
        j.click(w.step.shutter)
    qtbot.waitUntil(lambda: w.step.pages.currentIndex() == 1, timeout=15_000)
    assert not w.step.accept.isVisible()  # no "Use this photo" to miss
    assert [b.objectName() for b in primaries(j)] == ["continue"]
    j.cont()  # straight away, while the photo may still be being kept
    qtbot.waitUntil(lambda: j.step_ids() == ["residence_book"], timeout=15_000)
    assert len(j.k.ctx.session.attachments_for("face_photo")) == 1


def test_kept_photo_is_confirmed_and_retake_clears_it(journey: Journey, qtbot: Any) -> None:
    j = journey
    j.start("en")
    j.choose_service("residence_certificate")
    j.nav.go("question", step_id="face_photo")
    w = j.field("face_photo")
    qtbot.waitUntil(w.step.shutter.isEnabled, timeout=15_000)
    if w.step.pages.currentIndex() == 0:
        j.click(w.step.shutter)
    qtbot.waitUntil(w.kept.isVisible, timeout=15_000)
    assert w.kept.text().startswith("✓ Photo kept")
    j.click(w.step.retake)  # the live camera again: nothing to accept now
    assert not w.kept.isVisible() and j.k.ctx.session.attachments_for("face_photo") == []


def test_papers_have_no_use_button_and_say_what_is_kept(journey: Journey, qtbot: Any) -> None:
    j = journey
    j.start("en")
    j.choose_service("residence_certificate")
    j.nav.go("question", step_id="residence_book")
    w = j.field("residence_book")
    assert not w.step.approve.isVisible()  # "Use these pages" is gone
    assert [b.objectName() for b in primaries(j)] == ["continue"]
    j.attach_file("residence_book")
    qtbot.waitUntil(w.kept.isVisible, timeout=10_000)
    assert w.kept.text() == "✓ 1 page kept. Touch Continue, or add more."
    j.cont()  # the last question: on to the check (consent is asked once, before sending)
    j.wait_screen("check_answers")
