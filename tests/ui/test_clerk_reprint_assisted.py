"""The reprint of an assisted application says "assisted by <clerk>" as the first print did:
the clerk helps a citizen through their own journey, later opens the application and taps
Reprint; the kiosk's real printer routine (ESC/POS to a file) prints the same paper."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.ui.conftest import LONG_WAIT_MS
from tests.ui.test_clerk_actions_assisted import fill_and_submit
from tests.ui.test_clerk_actions_support import BUSINESS, CLERK_PIN, Station
from ui.app import make_printer

pytestmark = pytest.mark.qt


def test_reprint_of_an_assisted_application_names_the_clerk(
    make_kiosk: Any, qtbot: Any, tmp_path: Path
) -> None:
    from ui.receipts.content import receipt_blocks, receipt_strings

    paper = tmp_path / "printer.bin"
    device = make_printer(f"escpos:file:{paper}")
    printed: list[Any] = []

    def printer(receipt: Any, service: Any, locale: str) -> Any:
        printed.append(receipt)  # what went to the real printer routine
        return device(receipt, service, locale)

    kiosk = make_kiosk(printer=printer)
    station = Station(kiosk, qtbot)
    station.sign_in()
    station.tap(station.act("clerk_assisted").primary)
    station.wait_screen("language")
    first = fill_and_submit(station, kiosk, qtbot)
    station.tap(kiosk.nav.screens["confirmation"].finish)
    station.wait_screen("staff_pin")  # the clerk's PIN again opens the queue
    station.type_pin(CLERK_PIN)
    station.wait_screen("clerk_home")

    kiosk.nav.set_locale("en")
    station.clerk.go("clerk_application", reg_id=first.registration_id)
    app = station.page("clerk_application")
    qtbot.waitUntil(lambda: app.view is not None, timeout=LONG_WAIT_MS)
    station.tap(app.reprint)
    qtbot.waitUntil(lambda: app.print_note.isVisible(), timeout=LONG_WAIT_MS)
    assert app.reprint.isEnabled() and paper.stat().st_size > 1000

    (again,) = printed
    assert again.assisted_by_name == first.assisted_by_name
    service = kiosk.ctx.catalog.services[BUSINESS]
    reprinted = receipt_strings(receipt_blocks(again, service, "en", ""))
    assert "Application made with the help of clerk Sok Vichet." in reprinted
    # the same paper as the first print, line for line
    assert reprinted == receipt_strings(receipt_blocks(first, service, "en", ""))
