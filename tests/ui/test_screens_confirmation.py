"""The confirmation screen and printing: a printer that fails mid-job, a reprint, no printer;
the QR a citizen photographs is the receipts' own drawing (ui/receipts/qr.py) and scans."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel, QPushButton

from kiosk.model import State
from tests.ui.conftest import Journey
from ui.app import make_printer

pytestmark = pytest.mark.qt


def test_printer_error_mid_job_then_reprint(make_kiosk: Any, qtbot: Any, tmp_path: Path) -> None:
    pytest.importorskip("escpos", reason="the ESC/POS printer extra (sala[escpos]) is needed")
    device = tmp_path / "printer" / "lp0"  # the folder is missing: the job fails
    printer = make_printer(f"escpos:file:{device}")
    assert printer is not None
    j = Journey(make_kiosk(printer=printer), qtbot, tmp_path)
    receipt = j.quick_submit()
    qr = j.find(QLabel, "qrCode")
    qtbot.waitUntil(lambda: qr.pixmap() is not None and not qr.pixmap().isNull(), timeout=15_000)
    small = qr.width()
    state = j.find(QLabel, "printState")
    assert not state.isVisible()  # a printer is configured: nothing to apologise for yet

    button = j.find(QPushButton, "printReceipt")
    j.click(button)
    qtbot.waitUntil(
        lambda: button.isEnabled() and "could not be printed" in state.text(), timeout=15_000
    )
    assert "Your application is saved" in state.text()
    assert qr.width() > small >= 200  # the QR grows, to be photographed instead
    assert button.text() == "Print again"
    # the application is saved whatever the printer does
    reg = j.db(lambda store: store.get(receipt.registration_id))
    assert reg.state is State.SUBMITTED

    device.parent.mkdir()  # the clerk fixes the printer
    j.click(button)
    qtbot.waitUntil(
        lambda: "printing" in state.text() and "Take it" in state.text(), timeout=15_000
    )
    assert device.stat().st_size > 1000  # ESC/POS raster bytes reached the device


def test_no_printer_shows_a_big_qr_and_says_so(journey: Any, qtbot: Any) -> None:
    j = journey
    receipt = j.quick_submit(locale="km")
    assert j.find(QLabel, "appNumber").text() == receipt.app_number
    qr = j.find(QLabel, "qrCode")
    qtbot.waitUntil(lambda: qr.pixmap() is not None and not qr.pixmap().isNull(), timeout=15_000)
    assert qr.width() >= 400
    assert j.find(QPushButton, "printReceipt").isHidden()
    assert j.find(QLabel, "printState").text().replace("\u200b", "").startswith("គ្មាន")
    j.click(j.find(QPushButton, "languageToggle"))
    assert "no printer" in j.find(QLabel, "printState").text()


def test_qr_on_screen_decodes_to_the_receipt_payload(journey: Any, qtbot: Any) -> None:
    """The QR shown is the real thing: OpenCV (through the core) reads it back."""
    j = journey
    receipt = j.quick_submit()
    qr = j.find(QLabel, "qrCode")
    qtbot.waitUntil(lambda: qr.pixmap() is not None and not qr.pixmap().isNull(), timeout=15_000)
    image = qr.pixmap().toImage().convertToFormat(qr.pixmap().toImage().Format.Format_Grayscale8)

    def decode() -> Any:
        import numpy as np

        from kiosk.capture import read_qr

        w, h, stride = image.width(), image.height(), image.bytesPerLine()
        raw = np.frombuffer(bytes(image.constBits()), dtype=np.uint8).reshape(h, stride)[:, :w]
        return read_qr(np.stack([raw] * 3, axis=-1).copy())

    box: dict[str, Any] = {}
    j.k.tasks.run_io(decode, lambda r: box.setdefault("r", r))
    qtbot.waitUntil(lambda: "r" in box, timeout=10_000)
    assert box["r"] == receipt.qr_payload


def test_screen_qr_is_the_receipt_drawing_and_a_late_code_is_never_shown(
    journey: Any, qtbot: Any
) -> None:
    """One QR drawing: the screen shows exactly ui.receipts.qr's image of the receipt's payload
    (whole-pixel modules, quiet zone), and a code that arrives for another payload is ignored."""
    from ui.receipts.qr import module_px_for, qr_image, qr_matrix

    j = journey
    receipt = j.quick_submit()
    qr = j.find(QLabel, "qrCode")
    qtbot.waitUntil(lambda: qr.pixmap() is not None and not qr.pixmap().isNull(), timeout=15_000)
    shown = qr.pixmap().toImage().convertToFormat(QImage.Format.Format_RGB32)
    matrix = qr_matrix(receipt.qr_payload)
    expected = qr_image(receipt.qr_payload, module_px_for(matrix, qr.width()))
    assert shown == expected
    assert shown.width() <= qr.width() and module_px_for(matrix, qr.width()) >= 8

    screen = j.nav.screens["confirmation"]
    screen._on_qr_ready(("SALA|someone-else", qr_matrix("SALA|someone-else")))
    assert qr.pixmap().toImage().convertToFormat(QImage.Format.Format_RGB32) == expected


# -- the same words and the same clock as the receipt (issue 11 S3.13) --------------------


@pytest.fixture
def machine_in_new_york(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The kiosk PC's clock zone is not Cambodia's: nothing a citizen reads may follow it."""
    import time

    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_confirmation_says_what_the_receipt_says(
    journey: Any, qtbot: Any, machine_in_new_york: Any
) -> None:
    from kiosk.i18n import format_datetime, format_working_days, tr, wrap_points
    from ui.receipts.content import receipt_blocks, receipt_strings

    j = journey
    receipt = j.quick_submit(service_id="residence_certificate", locale="en")
    service = j.k.ctx.catalog.services["residence_certificate"]
    screen = j.nav.screens["confirmation"]
    receipt_text = " ".join(receipt_strings(receipt_blocks(receipt, service, "en", "")))
    # one clock: Cambodian time on the screen and on the receipt, whatever the machine's zone
    when = format_datetime(receipt.submitted_at, "en")
    assert j.find(QLabel, "confirmSent").text() == f"Sent: {when}"
    assert tr("receipt.submitted", "en", when=when) in receipt_text
    # one phrase for the processing time: "working days" everywhere
    days = format_working_days(service.processing_days, "en")
    assert days in screen.next.text() and days in receipt_text
    assert days in tr("ui.services.days", "en", days=service.processing_days)
    # the service's own next steps, not "bring your ID card" for everyone
    assert j.find(QLabel, "confirmNextSteps").text() == wrap_points(service.what_next().en)
    j.click(j.find(QPushButton, "languageToggle"))
    km_days = format_working_days(service.processing_days, "km")
    assert km_days in screen.next.text()
    assert screen.steps.text() == wrap_points(service.what_next().km)
    assert format_datetime(receipt.submitted_at, "km") in j.find(QLabel, "confirmSent").text()

    # "Check my application" shows the same moment, in the same words
    j.click(j.find(QPushButton, "finish"))
    j.wait_screen("attract")
    j.nav.go("status_check", origin="attract")
    status = j.nav.screens["status_check"]
    status.edit.setText(receipt.app_number)
    j.click(j.find(QPushButton, "statusCheck"))
    qtbot.waitUntil(lambda: status.panel.isVisible(), timeout=15_000)
    assert format_datetime(receipt.submitted_at, "km") in status.updated.text()
