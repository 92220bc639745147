"""The station's home on a real store: the six queue counts, lists newest first, touch
scrolling, search typed on the on-screen keyboard (Latin and Khmer) and a receipt's QR; a tap
on a row opens that application."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QScroller

from tests.ui.test_clerk_signin_support import Desk, submit_application

pytestmark = pytest.mark.qt


def _signed_in_with_applications(kiosk: Any, qtbot: Any) -> tuple[Desk, list[Any]]:
    desk = Desk(kiosk, qtbot, manual_clock=False)
    receipts = [
        submit_application(desk, name_km="សុខ ស្រីពៅ", name_latin="SOK SREYPOV"),
        submit_application(
            desk, "birth_certificate_copy", name_km="កែវ ណារី", name_latin="KEO NARY"
        ),
        submit_application(desk, name_km="ចាន់ ដារា", name_latin="CHAN DARA"),
    ]
    desk.sign_in()
    home = desk.page("clerk_home")
    qtbot.waitUntil(lambda: bool(home.counts) and bool(home.cards), timeout=30_000)
    return desk, receipts


def test_counts_and_newest_first_then_a_tap_opens_it(kiosk: Any, qtbot: Any) -> None:
    desk, receipts = _signed_in_with_applications(kiosk, qtbot)
    home = desk.page("clerk_home")
    assert home.counts["today"] == 3
    assert home.counts["originals"] == 2  # the ID card checks originals before upload
    assert set(home.counts) == {
        "originals",
        "needs_papers",
        "supplement",
        "pickup",
        "problems",
        "today",
    }
    assert home.queue_name == "originals"  # the first list with anything in it
    numbers = [r.app_number for r in home.rows]
    assert numbers == [receipts[2].app_number, receipts[0].app_number]  # newest first
    assert QScroller.hasScroller(home.list_area.viewport())  # a finger drag scrolls it
    assert "២" in home.chip["originals"].text()  # Khmer digits in km
    desk.tap(home.chip["today"])
    qtbot.waitUntil(lambda: home.queue_name == "today" and len(home.cards) == 3, timeout=30_000)
    assert home.rows[0].app_number == receipts[2].app_number
    card = next(c for c in home.cards if c.reg_id == receipts[1].registration_id)
    desk.tap(card)
    desk.wait_screen("clerk_application")
    app = desk.page("clerk_application")
    qtbot.waitUntil(lambda: app.view is not None, timeout=30_000)
    assert app.view.reg_id == receipts[1].registration_id
    desk.tap(app.back)
    desk.wait_screen("clerk_home")


def test_search_typed_on_the_keyboard_in_latin_and_khmer(kiosk: Any, qtbot: Any) -> None:
    desk, receipts = _signed_in_with_applications(kiosk, qtbot)
    home = desk.page("clerk_home")
    kb = kiosk.window.keyboard
    kiosk.window.activateWindow()
    desk.tap(home.search_box)
    home.search_box.setFocus()
    qtbot.waitUntil(kb.isVisible, timeout=30_000)
    kb.set_layer("en")
    for ch in "sreypov":
        try:
            key = kb.key_button(ch)
        except LookupError:
            key = kb.key_button(ch.upper())
        desk.tap(key)
    assert home.search_box.text().lower() == "sreypov"
    qtbot.waitUntil(lambda: (home.searching or "").lower() == "sreypov", timeout=30_000)
    assert [r.reg_id for r in home.rows] == [receipts[0].registration_id]
    assert not home.chips_box.isVisible()  # results only, under the search box
    home.search_box.clear()
    kb.set_layer("km")
    for ch in "ចាន់":
        desk.tap(kb.key_button(ch))
    desk.tap(home.search_button)
    qtbot.waitUntil(lambda: home.searching == "ចាន់", timeout=30_000)
    assert [r.reg_id for r in home.rows] == [receipts[2].registration_id]


def test_application_number_and_receipt_qr_find_it(kiosk: Any, qtbot: Any) -> None:
    desk, receipts = _signed_in_with_applications(kiosk, qtbot)
    home = desk.page("clerk_home")
    home.search_box.setText(receipts[1].app_number)
    desk.tap(home.search_button)
    qtbot.waitUntil(lambda: home.searching == receipts[1].app_number, timeout=30_000)
    assert [r.reg_id for r in home.rows] == [receipts[1].registration_id]
    home.search_box.setText("nobody-at-all")
    desk.tap(home.search_button)
    qtbot.waitUntil(lambda: home.searching == "nobody-at-all", timeout=30_000)
    assert home.rows == [] and "nobody-at-all" in home.title.text()
    # the camera read a receipt: one match opens at once
    home._on_scanned(receipts[0].qr_payload)
    desk.wait_screen("clerk_application")
    app = desk.page("clerk_application")
    qtbot.waitUntil(lambda: app.view is not None, timeout=30_000)
    assert app.view.app_number == receipts[0].app_number
