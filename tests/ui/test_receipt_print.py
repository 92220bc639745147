"""Printing: real ESC/POS bytes through python-escpos to a file and to a TCP printer on
127.0.0.1, clear outcomes when there is no printer or it fails, and reprint after a fix."""

from __future__ import annotations

import shutil
import socket
import threading
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("PySide6")
pytest.importorskip("escpos")

from kiosk.capture.qr import read_qr
from kiosk.catalog import load_bundled_catalog
from kiosk.catalog.schema import Service
from kiosk.model import Receipt
from ui.receipts.printers import (
    PrinterSettingError,
    PrinterSpec,
    parse_printer_spec,
    print_receipt,
)
from ui.receipts.raster import dark_rows, render_receipt_raster

pytestmark = pytest.mark.qt

ESC_INIT = b"\x1b@"
GS_V0 = b"\x1dv0"
CUT = b"\x1dV"


def service() -> Service:
    return load_bundled_catalog().services["national_id_card"]


def receipt(svc: Service) -> Receipt:
    return Receipt(
        registration_id="0190d3a2-0000-7000-8000-000000000003",
        app_number="120101-00003-8",
        verification_code="ZX81QA",
        service_id=svc.id,
        form_version=svc.version,
        commune_code="120101",
        fee_khr=svc.fee_khr,
        submitted_at=datetime(2026, 11, 21, 1, 2, tzinfo=UTC),
    )


def raster_bands(data: bytes) -> tuple[int, bytes]:
    """Reassemble the GS v 0 bands of an ESC/POS job: (width in bytes, all rows)."""
    rows = bytearray()
    width = 0
    pos = data.find(GS_V0)
    while pos >= 0:
        header = data[pos + 4 : pos + 8]
        width = header[0] | header[1] << 8
        height = header[2] | header[3] << 8
        start = pos + 8
        rows += data[start : start + width * height]
        pos = data.find(GS_V0, start + width * height)
    return width, bytes(rows)


def assert_valid_job(data: bytes, svc: Service, rec: Receipt) -> None:
    assert data.startswith(ESC_INIT)
    assert data.count(GS_V0) >= 2  # tall receipts go in bands
    assert CUT in data[-8:]
    width_bytes, rows = raster_bands(data)
    assert width_bytes == 72  # 576 dots
    expected = dark_rows(render_receipt_raster(rec, svc, "km"))  # stateless: same picture
    assert rows == expected
    # What the printer would print still scans.
    bits = np.unpackbits(np.frombuffer(rows, np.uint8)).reshape(-1, 576)
    paper = np.where(bits == 1, 0, 255).astype(np.uint8)
    assert read_qr(paper) == rec.qr_payload


def test_escpos_file_printer_gets_init_raster_and_cut(qapp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    svc, target = service(), tmp_path / "lp0"
    rec = receipt(svc)
    result = print_receipt(rec, svc, "km", f"escpos:file:{target}")
    assert result.ok and result.outcome == "printed", result.detail
    assert result.message.km and result.message.en
    assert_valid_job(target.read_bytes(), svc, rec)


def test_escpos_network_printer_on_localhost(qapp) -> None:  # type: ignore[no-untyped-def]
    svc = service()
    rec = receipt(svc)
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    received = bytearray()

    def accept() -> None:
        conn, _ = server.accept()
        with conn:
            while chunk := conn.recv(65536):
                received.extend(chunk)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        result = print_receipt(rec, svc, "km", f"escpos:network:127.0.0.1:{port}")
        thread.join(timeout=20)
    finally:
        server.close()
    assert result.ok, result.detail
    assert not thread.is_alive()
    assert_valid_job(bytes(received), svc, rec)


@pytest.mark.parametrize("spec", ["none", "", None, "  "])
def test_no_printer_configured(qapp, spec: str | None) -> None:  # type: ignore[no-untyped-def]
    svc = service()
    result = print_receipt(receipt(svc), svc, "km", spec)
    assert result.outcome == "no_printer" and not result.ok
    assert "QR" in result.message.km and "QR" in result.message.en


@pytest.mark.parametrize("spec", ["bogus", "escpos:usb:zz", "escpos:serial:/dev/ttyS0"])
def test_bad_setting_is_a_printer_error_not_an_exception(qapp, spec: str) -> None:  # type: ignore[no-untyped-def]
    svc = service()
    result = print_receipt(receipt(svc), svc, "en", spec)
    assert result.outcome == "error"
    assert result.message.en.startswith("The printer setting is wrong")
    assert spec in result.detail


def test_failed_job_then_reprint_after_the_fix(qapp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    svc = service()
    rec = receipt(svc)
    folder = tmp_path / "usb"
    folder.mkdir()
    target = folder / "lp0"
    spec = f"escpos:file:{target}"
    shutil.rmtree(folder)  # the printer's device node vanished (unplugged)
    failed = print_receipt(rec, svc, "km", spec)
    assert failed.outcome == "error"
    assert "បោះពុម្ព" in failed.message.km and "Print again" in failed.message.en
    assert "lp0" in failed.detail
    folder.mkdir()  # plugged back in
    again = print_receipt(rec, svc, "km", spec)
    assert again.ok, again.detail
    assert_valid_job(target.read_bytes(), svc, rec)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_write_error_in_the_middle_of_a_job(qapp) -> None:  # type: ignore[no-untyped-def]
    """/dev/full opens fine and fails on the first write: a printer dying mid-job."""
    svc = service()
    result = print_receipt(receipt(svc), svc, "km", "escpos:file:/dev/full")
    assert result.outcome == "error"
    assert "No space left" in result.detail


def test_unreachable_network_printer(qapp) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as s:  # a port that was free a moment ago: nobody listens
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    svc = service()
    result = print_receipt(receipt(svc), svc, "km", f"escpos:network:127.0.0.1:{port}")
    assert result.outcome == "error"


def test_system_printer_missing_is_reported(qapp) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtPrintSupport import QPrinterInfo

    name = "sala-test-no-such-printer"
    assert QPrinterInfo.printerInfo(name).isNull()
    svc = service()
    result = print_receipt(receipt(svc), svc, "km", f"system:{name}")
    assert result.outcome == "error"
    assert name in result.detail


def test_parse_printer_spec() -> None:
    assert parse_printer_spec("none") == PrinterSpec("none")
    assert parse_printer_spec("system") == PrinterSpec("system")
    assert parse_printer_spec("system:Front desk") == PrinterSpec("system", "Front desk")
    assert parse_printer_spec("escpos:usb:04b8:0x0202") == PrinterSpec(
        "usb", vendor=0x04B8, product=0x0202
    )
    assert parse_printer_spec("escpos:file:/dev/usb/lp0") == PrinterSpec("file", "/dev/usb/lp0")
    assert parse_printer_spec("escpos:network:10.0.0.9") == PrinterSpec("network", "10.0.0.9")
    assert parse_printer_spec("escpos:network:10.0.0.9:9101").port == 9101
    for bad in ("escpos:usb:04b8", "escpos:network:", "escpos:network:h:x", "lpt1"):
        with pytest.raises(PrinterSettingError):
            parse_printer_spec(bad)


def test_usb_printer_absent_is_a_printer_error(qapp) -> None:  # type: ignore[no-untyped-def]
    svc = service()
    result = print_receipt(receipt(svc), svc, "km", "escpos:usb:04b8:0202")
    assert result.outcome == "error"
    assert result.message.en.startswith("The receipt could not be printed")


def test_printing_from_a_worker_thread(qapp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The UI prints through its task pool, off the GUI thread."""
    svc = service()
    rec = receipt(svc)
    target = tmp_path / "lp0"
    results = []
    worker = threading.Thread(
        target=lambda: results.append(print_receipt(rec, svc, "km", f"escpos:file:{target}"))
    )
    worker.start()
    worker.join(timeout=60)
    assert results and results[0].ok, results
    assert_valid_job(target.read_bytes(), svc, rec)


def test_qprinter_gets_the_same_drawing(qapp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The system-printer path draws on a QPrinter; Qt's PDF output stands in for the spooler."""
    import pypdfium2 as pdfium
    from PySide6.QtGui import QPageSize
    from PySide6.QtPrintSupport import QPrinter

    from ui.receipts.content import receipt_blocks
    from ui.receipts.pdf import paint_paged

    svc = service()
    rec = receipt(svc)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "spool.pdf"))
    printer.setPageSize(QPageSize(QPageSize.PageSizeId.A5))
    paint_paged(printer, receipt_blocks(rec, svc, "en"), printer.resolution(), 1.0)
    doc = pdfium.PdfDocument(str(tmp_path / "spool.pdf"))
    text = "".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    assert rec.app_number in text and svc.name.en in text
