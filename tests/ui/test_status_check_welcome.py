"""Check my application from the welcome screen (issue 11, S2.5): one tap gets there, nothing
is said before the citizen gives a number, and the result is a status panel (service, state,
what to do next and when, the officer's note)."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QPushButton

from tests.ui.conftest import Journey

pytestmark = pytest.mark.qt


def test_one_tap_from_welcome_and_no_error_before_input(journey: Journey, qtbot: Any) -> None:
    j = journey
    assert j.screen == "attract"
    j.click(j.find(QPushButton, "attractCheck"))  # tap 1
    j.wait_screen("status_check")
    screen = j.nav.screens["status_check"]
    qtbot.wait(300)  # a demo camera would have read its demo code by now
    assert not screen.error.isVisible() and not screen.panel.isVisible()
    assert screen.scanner is None or not screen.scanner.isVisible()  # reads only on request
    assert screen.edit.hasFocus()  # type straight away: the number keyboard is up
    j.click(j.find(QPushButton, "languageToggle"))  # language chosen right here
    assert j.k.ctx.session.locale == "en"
    assert screen.heading.text() == "Check my application"
    assert screen.edit.hasFocus()  # the toggle takes no focus: typing still goes to the box
    j.click(j.find(QPushButton, "statusCheck"))  # Check with nothing typed: a gentle prompt
    assert screen.error.text() == "Type the application number from your receipt first."
    j.click(j.find(QPushButton, "statusBack"))
    j.wait_screen("attract")  # Back goes where the citizen came from


def test_status_panel_says_service_state_next_step_and_note(journey: Journey, qtbot: Any) -> None:
    j = journey
    receipt = j.quick_submit(locale="en")
    j.click(j.find(QPushButton, "finish"))
    j.wait_screen("attract")
    j.click(j.find(QPushButton, "attractCheck"))
    j.wait_screen("status_check")
    screen = j.nav.screens["status_check"]
    j.click(j.find(QPushButton, "languageToggle"))
    j.type_into(screen.edit, receipt.app_number)
    j.click(j.find(QPushButton, "statusCheck"))
    qtbot.waitUntil(screen.panel.isVisible, timeout=10_000)
    assert screen.service.text() == "Service: Residence certificate"
    assert screen.result.text().startswith("Saved at this kiosk")
    assert screen.next_step.text().startswith("Nothing to do now. Expected around ")
    assert not screen.note.isVisible()

    change = {
        "kind": "status",
        "registration_id": receipt.registration_id,
        "app_number": receipt.app_number,
        "status": "needs_papers",
        "note": "The residence book page 2 is missing",
        "at": "2026-12-01T03:00:00+00:00",
        "seq": 1,
    }
    j.db(lambda store: store.apply_changes([change], "c1"))
    j.click(j.find(QPushButton, "statusCheck"))
    qtbot.waitUntil(lambda: "More papers" in screen.result.text(), timeout=10_000)
    assert screen.next_step.text().startswith("What to do: bring these papers")
    assert "Residence book" in screen.next_step.text()
    assert screen.note.text() == "Note from the officer: The residence book page 2 is missing"

    change = dict(change, status="ready_for_pickup", note="", seq=2)
    j.db(lambda store: store.apply_changes([change], "c2"))
    j.click(j.find(QPushButton, "statusCheck"))
    qtbot.waitUntil(lambda: "ready" in screen.result.text(), timeout=10_000)
    assert "collect it, from 1 December 2026" in screen.next_step.text()
    assert not screen.note.isVisible()
    j.click(j.find(QPushButton, "languageToggle"))  # the whole panel follows the language
    assert "Collect" not in screen.next_step.text() and "១ ធ្នូ ២០២៦" in screen.next_step.text()
