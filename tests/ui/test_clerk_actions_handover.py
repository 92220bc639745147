"""Hand-over: the receipt (number or QR text) and the ID card number typed, or the clerk's
"I take responsibility" after a warning; only then "collected"."""

from __future__ import annotations

from typing import Any

import pytest

from tests.ui.test_clerk_actions_support import BUSINESS, Station

pytestmark = pytest.mark.qt


def ready(station: Station, n: int = 0) -> Any:
    receipt = station.submitted(BUSINESS, n)
    station.sent(receipt.registration_id, "ready_for_pickup")
    return receipt


def test_hand_over_needs_the_id_number_or_the_responsibility_choice(kiosk: Any, qtbot: Any) -> None:
    station = Station(kiosk, qtbot)
    station.sign_in()
    receipt = ready(station)
    reg_id = receipt.registration_id
    page = station.act("clerk_handover", reg_id=reg_id)

    station.tap(page.primary)  # nothing given
    assert station.shown_error(page)
    page.number.setText(receipt.qr_payload)  # as the camera reads the receipt
    page._check_number()
    assert page.number_matches()
    station.tap(page.primary)  # no ID number, no responsibility
    kiosk.citizen.set_locale("en")
    station.tap(page.primary)
    assert "ID card number" in station.shown_error(page)
    assert not station.view(reg_id).collected

    page.id_number.setText("999999999")  # not the card the application names
    station.tap(page.primary)
    station.wait_done(page)
    assert station.shown_error(page)
    assert not station.view(reg_id).collected

    page.id_number.clear()
    station.tap(page.responsible)
    assert page.responsible.isChecked() and page.warning.isVisible()
    assert "responsible" in page.warning.text()
    station.tap(page.primary)
    station.wait_done(page)
    assert station.view(reg_id).collected
    assert not page.error.isVisible() and page.done_label.isVisible()
    assert "already collected" in page.state.text()


def test_the_right_id_number_hands_over(kiosk: Any, qtbot: Any) -> None:
    station = Station(kiosk, qtbot)
    station.sign_in()
    receipt = ready(station, 3)
    reg_id = receipt.registration_id
    page = station.act("clerk_handover", reg_id=reg_id)
    page.number.setText("x" + receipt.app_number)  # a typo: not this application
    page._check_number()
    page.id_number.setText("100200303")
    station.tap(page.primary)
    assert station.shown_error(page)
    assert not station.view(reg_id).collected
    page.number.setText(receipt.app_number.replace("-", " "))
    station.tap(page.primary)
    station.wait_done(page)
    assert station.view(reg_id).collected
