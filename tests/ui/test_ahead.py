"""Work done ahead of a tap (`ui/screens/question.py`, `check_answers.py`, `ui/policy.py`):
the next question step is made while the citizen reads the current one, the check-answers
rows are filled while they answer the last question, and none of it keeps anything of one
citizen for the next. The idle watch sees a tap on the kiosk window (it watches the window
real input arrives at, not every event of the application)."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QLabel

pytestmark = pytest.mark.qt


def test_the_next_step_is_made_ahead_and_used(journey: Any, qtbot: Any) -> None:
    j = journey
    j.start("en")
    j.choose_service("passport_ordinary")
    q = j.question
    qtbot.waitUntil(lambda: q._ahead is not None, timeout=10_000)
    made = q._ahead[1]
    assert [w.field.id for w in made] == ["name_km", "name_latin"]
    assert all(w.isHidden() for w in made)
    j.choose("applicant", "self")
    j.cont()
    assert j.step_ids() == ["name_km", "name_latin"]
    assert q.widgets == made  # the very widgets made ahead, now shown
    assert all(w.isVisible() for w in q.widgets)


def test_an_answer_that_adds_a_step_makes_that_one_ahead(journey: Any, qtbot: Any) -> None:
    j = journey
    j.start("km")
    j.choose_service("national_id_card")
    q = j.question
    qtbot.waitUntil(lambda: q._ahead is not None, timeout=10_000)
    assert [w.field.id for w in q._ahead[1]] != ["old_id_number"]
    j.choose("application_type", "renewal")  # renewal asks the old ID number next
    qtbot.waitUntil(
        lambda: q._ahead is not None and [w.field.id for w in q._ahead[1]] == ["old_id_number"],
        timeout=10_000,
    )
    made = q._ahead[1]
    j.cont()
    assert q.widgets == made


def test_nothing_made_ahead_outlives_the_session(journey: Any, qtbot: Any) -> None:
    j = journey
    j.start("en")
    j.choose_service("passport_ordinary")
    j.choose("applicant", "self")
    j.cont()
    j.type_into(j.field("name_latin").edit, "Vibol", keyboard=False)
    q = j.question
    qtbot.waitUntil(lambda: q._ahead is not None, timeout=10_000)
    check = j.nav.screens["check_answers"]
    check.fill_ahead()
    qtbot.waitUntil(lambda: any(r.value.text() for r, _l in check._built.values()), timeout=10_000)
    j.citizen.end_session()
    assert q._ahead is None and q.widgets == []
    assert all(not r.value.text() and r.isHidden() for r, _l in check._built.values())
    left = [
        (lab.objectName(), lab.parentWidget().objectName(), lab.text())
        for lab in j.w.findChildren(QLabel)
        if "vibol" in lab.text().lower()
    ]
    assert not left


def test_a_tap_on_the_window_counts_as_someone_there(journey: Any, qtbot: Any) -> None:
    j = journey
    j.start("en")
    idle = j.k.policy.idle
    assert idle.armed
    pokes: list[bool] = []
    real = idle.poke
    idle.poke = lambda: (pokes.append(True), real())[1]  # type: ignore[method-assign]
    # as a real tap arrives: through the window (QTest's widget overload skips it)
    qtbot.mouseClick(j.w.windowHandle(), Qt.MouseButton.LeftButton, pos=QPoint(5, 5))
    assert pokes
