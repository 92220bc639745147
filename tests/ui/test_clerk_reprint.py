"""The clerk reprints a citizen's receipt from the application view: on the kiosk's real
printer routine (ESC/POS to a file standing in for the device), audited as a reprint."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.ui.test_clerk_signin_support import Desk, submit_application
from ui.app import make_printer

pytestmark = pytest.mark.qt


def _application(kiosk: Any, qtbot: Any) -> tuple[Desk, Any]:
    desk = Desk(kiosk, qtbot, manual_clock=False)
    receipt = submit_application(desk, name_km="សុខ ស្រីពៅ", name_latin="SOK SREYPOV")
    desk.sign_in()
    kiosk.nav.set_locale("en")
    desk.clerk.go("clerk_application", reg_id=receipt.registration_id)
    app = desk.page("clerk_application")
    qtbot.waitUntil(lambda: app.view is not None, timeout=30_000)
    return desk, app


def test_reprint_prints_the_receipt_and_audits_it(
    make_kiosk: Any, qtbot: Any, tmp_path: Path
) -> None:
    paper = tmp_path / "printer.bin"
    kiosk = make_kiosk(printer=make_printer(f"escpos:file:{paper}"))
    desk, app = _application(kiosk, qtbot)
    desk.tap(app.reprint)
    qtbot.waitUntil(lambda: app.print_note.isVisible(), timeout=30_000)
    assert app.print_note.text() and app.reprint.isEnabled()
    assert paper.stat().st_size > 1000  # a raster receipt went to the "device"
    actions = desk.db(lambda s: [a.action for a in s.audit.after(0)])
    assert "clerk.reprinted" in actions


def test_no_printer_is_said_plainly(kiosk: Any, qtbot: Any) -> None:
    desk, app = _application(kiosk, qtbot)
    desk.tap(app.reprint)
    assert app.print_note.isVisible()
    assert app.print_note.text() == "This kiosk has no printer set up."
    actions = desk.db(lambda s: [a.action for a in s.audit.after(0)])
    assert "clerk.reprinted" not in actions
