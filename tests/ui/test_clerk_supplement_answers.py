"""The supplement answers the ministry's question: new pages and changed answers go together
(`ClerkDesk.supplement(answers=, pages=)`), picked and checked as on the correction screen
(the citizen's own messages; a refused answer sends nothing)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.ui.conftest import LONG_WAIT_MS, write_test_image
from tests.ui.test_clerk_actions_support import BUSINESS, Station

pytestmark = pytest.mark.qt


def answer(station: Station, reg_id: str, field_id: str) -> str:
    return next(v for f, _l, v in station.view(reg_id).answers if f == field_id)


def needs_papers(kiosk: Any, qtbot: Any, n: int = 0) -> tuple[Station, str, Any]:
    station = Station(kiosk, qtbot)
    station.sign_in()
    kiosk.nav.set_locale("en")
    reg_id = station.submitted(BUSINESS, n).registration_id
    station.sent(reg_id, "needs_papers", note="The Latin name is misspelt; bring the lease")
    page = station.act("clerk_supplement", reg_id=reg_id)
    return station, reg_id, page


def type_answer(station: Station, page: Any, field_id: str, text: str) -> None:
    station.tap(page.answers.choices[field_id])
    page.answers.edit.setText(text)
    page.answers.edit.textEdited.emit(text)  # as the on-screen keyboard's typing does


def test_pages_and_a_changed_answer_in_one_supplement(
    kiosk: Any, qtbot: Any, tmp_path: Path
) -> None:
    station, reg_id, page = needs_papers(kiosk, qtbot)
    assert "misspelt" in page.note.text()
    assert "name_latin" in page.answers.choices and "face_photo" not in page.answers.choices
    pages_before = len(station.view(reg_id).page_media_ids)

    type_answer(station, page, "name_latin", "សុខ")  # Khmer letters in the Latin name
    station.tap(page.primary)
    assert station.shown_error(page).startswith("Name")  # "<label>: <the citizen's message>"
    assert station.view(reg_id).version == 1 and answer(station, reg_id, "name_latin") == "SOK DARA"

    type_answer(station, page, "name_latin", "sok daran")
    assert "SOK DARA → SOK DARAN" in page.changes.text()  # as it will be stored
    station.tap(page.fields["premises_paper"])
    page.step.import_path(write_test_image(tmp_path / "lease.jpg"))
    qtbot.waitUntil(lambda: bool(page.step.pages), timeout=LONG_WAIT_MS)
    station.tap(page.primary)
    station.wait_done(page)
    assert not page.error.isVisible(), station.shown_error(page)
    assert page.done_label.isVisible()
    view = station.view(reg_id)
    assert view.version == 2
    assert answer(station, reg_id, "name_latin") == "SOK DARAN"
    assert len(view.page_media_ids) == pages_before + 1
    # the screen starts again from the application as it is now
    assert page.answers.typed == {} and not page.changes.isVisible()
    assert page.answers.choices["name_latin"].text().endswith("SOK DARAN")


def test_answers_only_and_two_at_once(kiosk: Any, qtbot: Any) -> None:
    station, reg_id, page = needs_papers(kiosk, qtbot, 1)
    phone = answer(station, reg_id, "phone")
    type_answer(station, page, "name_latin", "chan sophea vy")
    type_answer(station, page, "phone", "012 999 888")
    station.tap(page.answers.choices["name_latin"])  # back to the first: what was typed stays
    assert page.answers.edit.text() == "chan sophea vy"
    assert page.changes.text().count("→") == 2
    station.tap(page.primary)
    station.wait_done(page)
    assert not page.error.isVisible(), station.shown_error(page)
    assert station.view(reg_id).version == 2
    assert answer(station, reg_id, "name_latin") == "CHAN SOPHEA VY"
    assert answer(station, reg_id, "phone") != phone


def test_nothing_to_send_is_said_and_nothing_changes(kiosk: Any, qtbot: Any) -> None:
    station, reg_id, page = needs_papers(kiosk, qtbot, 2)
    type_answer(station, page, "name_latin", "heng  vanna")  # the same once normalised
    assert not page.changes.isVisible()
    station.tap(page.primary)
    assert station.shown_error(page) == "Take or pick a page, or change an answer, first."
    type_answer(station, page, "phone", "12")  # too short: the citizen's message, nothing sent
    station.tap(page.primary)
    assert "Phone" in station.shown_error(page) or "phone" in station.shown_error(page)
    assert station.view(reg_id).version == 1
