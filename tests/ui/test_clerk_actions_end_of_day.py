"""End of day: the day's figures on screen, a PDF, a print; signed with a supervisor's PIN,
refused with a clerk's PIN (nothing stored)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from kiosk.i18n import cambodia_today
from tests.ui.test_clerk_actions_support import (
    BUSINESS,
    CLERK_PIN,
    RESIDENCE,
    SUP_PIN,
    SUPERVISOR,
    Station,
)

pytestmark = pytest.mark.qt


def type_pin(station: Station, page: Any, pin: str) -> None:
    station.tap(page.pin.keys["clear"])
    for d in pin:
        station.tap(page.pin.keys[d])


def test_end_of_day_is_signed_by_a_supervisor_not_a_clerk(kiosk: Any, qtbot: Any) -> None:
    station = Station(kiosk, qtbot)
    # The kiosk's store stamps submissions with the real clock: the day is today's.
    station.clock.now = datetime.now(UTC)
    station.sign_in()
    kiosk.citizen.set_locale("en")
    for n in range(2):
        station.submitted(BUSINESS, n)
    station.submitted(RESIDENCE, 5)
    page = station.act("clerk_end_of_day", day=cambodia_today())
    qtbot.waitUntil(lambda: page.summary is not None and bool(page.supervisors), timeout=30_000)
    assert page.summary.taken == 3
    shown = [w.text() for w in page.findChildren(type(page.day)) if w.isVisible()]
    assert "Applications taken" in shown and "3" in shown
    assert "Not signed yet." in page.signed.text()
    assert list(page.supervisors) == [SUPERVISOR]  # only supervisors sign
    assert page.chosen_supervisor() == SUPERVISOR

    type_pin(station, page, CLERK_PIN)  # the clerk tries their own PIN
    station.tap(page.primary)
    station.wait_done(page)
    assert station.shown_error(page)
    assert page.pin.value == ""  # a PIN never stays on the screen
    assert station.db(lambda store: store.end_of_day_pending()) == []

    type_pin(station, page, SUP_PIN)
    station.tap(page.primary)
    station.wait_done(page)
    assert not page.error.isVisible(), station.shown_error(page)
    assert page.summary.signed_by == SUPERVISOR
    assert "Srey Mealea" in page.signed.text()
    pending = station.db(lambda store: store.end_of_day_pending())
    assert len(pending) == 1

    station.tap(page.pdf)
    qtbot.waitUntil(lambda: page.pdf_path is not None, timeout=30_000)
    pdf = Path(page.pdf_path)
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 2000
    station.tap(page.print)  # this kiosk has no printer: it says so
    qtbot.waitUntil(lambda: "printer" in page.paper_state.text().lower(), timeout=30_000)
