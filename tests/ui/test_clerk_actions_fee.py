"""The fee screen: the catalog's fee is shown, any other amount is refused with a clear
message and nothing is saved (the anti-broker point); the right amount is recorded."""

from __future__ import annotations

from typing import Any

import pytest

from tests.ui.test_clerk_actions_support import RESIDENCE, Station

pytestmark = pytest.mark.qt


def type_amount(station: Station, page: Any, digits: str) -> None:
    station.tap(page.keypad.keys["clear"])
    for d in digits:
        station.tap(page.keypad.keys[d])


def test_a_fee_other_than_the_catalogs_is_refused_and_nothing_saved(kiosk: Any, qtbot: Any) -> None:
    station = Station(kiosk, qtbot)
    station.sign_in()
    receipt = station.submitted(RESIDENCE)
    page = station.act("clerk_fee", reg_id=receipt.registration_id)
    assert "5,000" in page.due.text() or "៥.០០០" in page.due.text()

    type_amount(station, page, "50000")  # a broker's price
    page.book.setText("A-0042")
    station.tap(page.primary)
    station.wait_done(page)
    error = station.shown_error(page)
    assert "៥.០០០" in error and "៥០.០០០" in error  # km: the amount typed and the real fee
    assert station.view(receipt.registration_id).fee_paid is None
    assert page.amount.text() == "50000"  # what was typed stays

    kiosk.citizen.set_locale("en")
    station.tap(page.primary)
    station.wait_done(page)
    assert "cannot record any other amount" in station.shown_error(page)

    type_amount(station, page, "5000")
    station.tap(page.primary)
    station.wait_done(page)
    paid = station.view(receipt.registration_id).fee_paid
    assert paid is not None and paid.amount_riel == 5000 and paid.receipt_book_no == "A-0042"
    assert page.done_label.isVisible() and not page.error.isVisible()
    assert "A-0042" in page.paid.text()
    assert not page.primary.isEnabled()  # recorded once; a second fee is not offered


def test_the_desk_refusal_is_shown_in_the_clerks_language(kiosk: Any, qtbot: Any) -> None:
    """A receipt-book number the desk cannot read: its own refusal, in Khmer."""
    station = Station(kiosk, qtbot)
    station.sign_in()
    receipt = station.submitted(RESIDENCE)
    page = station.act("clerk_fee", reg_id=receipt.registration_id)
    type_amount(station, page, "5000")
    page.book.setText("<script>")
    station.tap(page.primary)
    station.wait_done(page)
    error = station.shown_error(page)
    assert error and any("\u1780" <= ch <= "\u17ff" for ch in error), error
    assert station.view(receipt.registration_id).fee_paid is None


def test_signing_out_wipes_what_the_action_screens_showed(kiosk: Any, qtbot: Any) -> None:
    """Idle or sign-out: nothing of the last application stays on any action screen."""
    station = Station(kiosk, qtbot)
    station.sign_in()
    receipt = station.submitted(RESIDENCE)
    reg_id = receipt.registration_id
    fee = station.act("clerk_fee", reg_id=reg_id)
    type_amount(station, fee, "5000")
    fee.book.setText("A-0042")
    handover = station.act("clerk_handover", reg_id=reg_id)
    handover.number.setText(receipt.app_number)
    handover.id_number.setText("100200300")
    correct = station.act("clerk_correct", reg_id=reg_id)
    station.tap(correct.choices["name_latin"])
    station.clerk.end_session("idle")
    station.wait_screen("attract")
    for page in (fee, handover, correct):
        assert page.view is None and page.reg_id is None
    assert fee.amount.text() == "" and fee.book.text() == ""
    assert handover.number.text() == "" and handover.id_number.text() == ""
    assert correct.edit.text() == "" and not correct.choices
