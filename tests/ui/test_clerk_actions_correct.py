"""Correcting an answer: the citizen's validation message on a bad value with the old value
kept; a good value shows old -> new and becomes the application's answer."""

from __future__ import annotations

from typing import Any

import pytest

from tests.ui.test_clerk_actions_support import BUSINESS, Station

pytestmark = pytest.mark.qt


def answer(station: Station, reg_id: str, field_id: str) -> str:
    return next(v for f, _l, v in station.view(reg_id).answers if f == field_id)


def test_a_bad_correction_shows_the_validation_error_and_keeps_the_old_value(
    kiosk: Any, qtbot: Any
) -> None:
    station = Station(kiosk, qtbot)
    station.sign_in()
    kiosk.citizen.set_locale("en")
    receipt = station.submitted(BUSINESS)
    reg_id = receipt.registration_id
    page = station.act("clerk_correct", reg_id=reg_id)
    assert "name_latin" in page.choices and "face_photo" not in page.choices
    station.tap(page.choices["name_latin"])
    assert page.edit.text() == "SOK DARA"
    assert page.edit.property("sala_keyboard") == "en"

    page.edit.setText("សុខ")  # Khmer letters in the Latin name
    station.tap(page.primary)
    station.wait_done(page)
    error = station.shown_error(page)
    assert error, "the citizen's message for a wrong alphabet"
    assert answer(station, reg_id, "name_latin") == "SOK DARA"
    assert page.edit.text() == "សុខ"  # what the clerk typed stays to be fixed

    page.edit.setText("sok  dara")  # the same once written in capitals
    station.tap(page.primary)
    assert "same" in station.shown_error(page)

    page.edit.setText("sok dara vy")
    station.tap(page.primary)
    station.wait_done(page)
    assert not page.error.isVisible(), station.shown_error(page)
    assert answer(station, reg_id, "name_latin") == "SOK DARA VY"
    done = page.done_label.text()
    assert "SOK DARA" in done and "→" in done and "SOK DARA VY" in done


def test_the_desk_refuses_what_the_screen_let_through(kiosk: Any, qtbot: Any) -> None:
    """A phone number the form engine refuses (same message as the citizen, in Khmer)."""
    station = Station(kiosk, qtbot)
    station.sign_in()
    receipt = station.submitted(BUSINESS, 1)
    reg_id = receipt.registration_id
    page = station.act("clerk_correct", reg_id=reg_id)
    before = answer(station, reg_id, "phone")
    station.tap(page.choices["phone"])
    page.edit.setText("12")
    station.tap(page.primary)
    station.wait_done(page)
    assert station.shown_error(page)
    assert any("\u1780" <= ch <= "\u17ff" for ch in station.shown_error(page))
    assert answer(station, reg_id, "phone") == before
