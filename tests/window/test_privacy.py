"""What a citizen can and cannot see and reach: the idle prompt hides the previous answers
(S2.12), and the photo and papers steps offer no file browser and no officer override
(S1.4, S2.10)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.window.finger import pump, wait_for
from tests.window.journeys import NAMES, global_rect, on_screen, to_name_question

SMALL = pytest.mark.parametrize("size", [(1366, 768)], ids=["1366x768"])


@SMALL
def test_the_idle_prompt_hides_what_was_typed(running: Any, locale: str) -> None:
    from PySide6.QtWidgets import QFrame

    k = running
    to_name_question(k, locale)
    k.finger.type(NAMES["km"])
    prompt = k.kiosk.policy.prompt
    prompt.show_countdown(30, locale)  # as the idle timer would, without waiting 90 s
    wait_for(prompt.isVisible, what="the idle prompt")
    pump(200)
    shot = k.screen.grabWindow(0).toImage()
    card = global_rect(prompt.findChild(QFrame, "idleCard"))
    colours = set()
    for y in range(0, shot.height(), 7):
        for x in range(0, shot.width(), 7):
            if not card.contains(x, y):
                colours.add(shot.pixel(x, y))
    assert len(colours) == 1, f"the page shows through the prompt ({len(colours)} colours)"
    prompt.more_time.emit()
    wait_for(lambda: not prompt.isVisible(), what="the prompt to go")


@SMALL
def test_no_file_browser_nor_override_for_citizens(running: Any, locale: str) -> None:
    from PySide6.QtWidgets import QAbstractButton, QWidget

    k = running
    to_name_question(k, locale)
    citizen = k.kiosk.citizen
    for step in ("face_photo", "family_book"):
        citizen.go("question", step_id=step)  # set-up: straight to the step
        on_screen(k, "question", step=step)
        page = k.page()
        wait_for(lambda p=page: p.findChildren(QAbstractButton), what="the step's buttons")
        pump(300)
        shown = [
            w.objectName() for w in page.findChildren(QWidget) if w.isVisible() and w.objectName()
        ]
        for name in ("photoUseFile", "photoOverride", "photoOverrideReason", "docChooseFile"):
            assert name not in shown, f"{name} is on the citizen's {step} step"
        # No scan folder is set up on this kiosk: no scanner source either.
        assert "docMode_scanner" not in shown
        assert "docMode_file" not in shown
