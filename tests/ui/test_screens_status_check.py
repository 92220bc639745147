"""Check my application: the number typed on the on-screen keyboard (or the receipt's QR shown
to the camera) gives the last known status in plain words, with when it was last updated."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QPushButton

from tests.ui.conftest import Journey

pytestmark = pytest.mark.qt


def open_status(j: Journey, locale: str) -> Any:
    j.start(locale)
    j.click(j.find(QPushButton, "checkStatus"))
    j.wait_screen("status_check")
    return j.nav.screens["status_check"]


def test_status_by_number_then_after_a_decision(journey: Journey, qtbot: Any) -> None:
    j = journey
    receipt = journey.quick_submit(locale="en")
    j.click(j.find(QPushButton, "finish"))
    j.wait_screen("attract")

    screen = open_status(j, "en")
    assert screen.edit.text() == ""
    j.type_into(screen.edit, receipt.app_number)  # taps on the number keys
    j.click(j.find(QPushButton, "statusCheck"))
    assert screen.edit.text() == receipt.app_number
    qtbot.waitUntil(lambda: screen.result.text().startswith("Saved at this kiosk"))
    assert screen.updated.text().startswith("Last updated: ")  # kiosk.i18n.format_datetime

    change = {
        "kind": "status",
        "registration_id": receipt.registration_id,
        "app_number": receipt.app_number,
        "status": "ready_for_pickup",
        "note": "Bring your old card",
        "at": "2026-12-01T03:00:00+00:00",
        "seq": 1,
    }
    j.db(lambda store: store.apply_changes([change], "c1"))
    j.click(j.find(QPushButton, "statusCheck"))
    qtbot.waitUntil(lambda: "Collect it at the commune hall" in screen.result.text())
    assert "Bring your old card" in screen.note.text()  # the officer's note, in the panel
    assert "1 December 2026, 10:00" in screen.updated.text()  # Cambodian time

    j.click(j.find(QPushButton, "languageToggle"))  # the same result, now in Khmer
    assert "Collect" not in screen.result.text() and screen.result.text()
    assert "១ ធ្នូ ២០២៦ ម៉ោង ១០:០០" in screen.updated.text()


def test_status_from_the_receipt_qr_code(journey: Journey, qtbot: Any) -> None:
    j = journey
    receipt = journey.quick_submit(locale="km")
    j.citizen.end_session()
    j.wait_screen("attract")
    screen = open_status(j, "km")
    if screen.scan.isVisible():  # the camera reads codes only once asked to
        j.click(j.find(QPushButton, "statusScan"))
    if screen.scanner is None:
        pytest.skip("no QR scanner widget on this kiosk")
    screen.scanner.stop()  # the demo camera shows a demo receipt; this test shows ours
    screen.scanner.scanned.emit(receipt.qr_payload)  # what the camera widget sends
    qtbot.waitUntil(lambda: screen._state[:1] == ("found",))
    assert screen._reg is not None and screen._reg.app_number == receipt.app_number
    assert screen.result.text().replace("\u200b", "").startswith("បាន")  # saved, in Khmer
