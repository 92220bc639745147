"""Printing a receipt: to the system printer (Qt print support) or an ESC/POS thermal printer.

`print_receipt` never raises for printer trouble: it returns a `PrintResult` whose bilingual
message tells the citizen what to do, plus a technician detail for the log. Nothing is kept
between calls, so a failed job is reprinted by calling it again once the printer is fixed.

Printer settings (`Config.printer`):
    "none" or ""                 no printer at this kiosk
    "system" / "system:NAME"     the OS default printer / the printer called NAME
    "escpos:usb:VID:PID"         USB thermal printer, ids in hex (e.g. escpos:usb:04b8:0202)
    "escpos:file:/dev/usb/lp0"   a device file (or any file: tests use a plain one)
    "escpos:network:HOST[:PORT]" a network thermal printer, port 9100 by default
python-escpos is an optional extra (`pip install sala[escpos]`), imported only when used.
"""

from __future__ import annotations

import contextlib
import copy
import logging
from dataclasses import dataclass
from typing import Any, Literal

from PySide6.QtGui import QImage

from kiosk.i18n import tr_text
from kiosk.model import Receipt
from kiosk.printer_spec import PrinterSettingError, PrinterSpec, parse_printer_spec
from kiosk.text import Text
from ui.receipts.content import Block, ServiceLike, receipt_blocks
from ui.receipts.pdf import paint_paged
from ui.receipts.raster import INVERT, dark_rows, render_blocks_raster

log = logging.getLogger(__name__)

Outcome = Literal["printed", "no_printer", "error"]
THERMAL_WIDTH = 576
FRAGMENT_ROWS = 256  # GS v 0 bands: small enough for printers with little buffer memory


@dataclass(frozen=True)
class PrintResult:
    """What happened, in words for the citizen (`message`) and for the technician (`detail`)."""

    outcome: Outcome
    message: Text
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome == "printed"


def print_receipt(
    receipt: Receipt,
    service: ServiceLike,
    locale: str,
    printer_spec: str | None,
    *,
    commune_name: str | Text | None = None,
    width: int = THERMAL_WIDTH,
) -> PrintResult:
    """Print the receipt; never raises for printer problems (see `PrintResult`)."""
    blocks = receipt_blocks(receipt, service, locale, commune_name)
    return print_blocks(
        blocks, printer_spec, title=f"Sala receipt {receipt.app_number}", width=width
    )


def print_blocks(
    blocks: list[Block], printer_spec: str | None, *, title: str, width: int = THERMAL_WIDTH
) -> PrintResult:
    """Print any paper made of receipt blocks (the receipt, the clerk's end of day) on the
    kiosk's printer; never raises for printer problems (see `PrintResult`)."""
    try:
        spec = parse_printer_spec(printer_spec)
    except PrinterSettingError as exc:
        log.error("printer setting: %s", exc)
        return PrintResult("error", tr_text("receipt.print_bad_setting"), str(exc))
    if spec.kind == "none":
        return PrintResult("no_printer", tr_text("receipt.print_no_printer"), "printer is 'none'")
    try:
        if spec.kind == "system":
            detail = _print_system(blocks, spec.target, title)
        else:
            detail = _print_escpos(render_blocks_raster(blocks, width), spec)
    except Exception as exc:  # printers fail in many ways; the citizen gets one clear message
        log.exception("printing %s failed", title)
        return PrintResult("error", tr_text("receipt.print_error"), f"{type(exc).__name__}: {exc}")
    log.info("printed %s: %s", title, detail)
    return PrintResult("printed", tr_text("receipt.print_printed"), detail)


def _print_system(blocks: list[Block], name: str, title: str) -> str:
    """Draw on a QPrinter with the same routine as the PDF; the OS spooler does the rest."""
    from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

    info = QPrinterInfo.printerInfo(name) if name else QPrinterInfo.defaultPrinter()
    if info.isNull():
        what = f"no printer called {name!r}" if name else "no default printer"
        raise RuntimeError(f"the system has {what}")
    printer = QPrinter(info, QPrinter.PrinterMode.HighResolution)
    printer.setDocName(title)
    paint_paged(printer, blocks, printer.resolution(), 1.0)
    if printer.printerState() == QPrinter.PrinterState.Error:
        raise RuntimeError(f"printer {info.printerName()!r} reported an error")
    return f"system printer {info.printerName()!r}"


def _open_escpos(spec: PrinterSpec, width: int) -> Any:
    from escpos import printer as escpos_printer

    if spec.kind == "file":
        device = escpos_printer.File(devfile=spec.target, auto_flush=True)
    elif spec.kind == "usb":
        if not escpos_printer.Usb.is_usable():
            raise RuntimeError("USB printing needs pyusb: pip install 'python-escpos[usb]'")
        device = escpos_printer.Usb(spec.vendor, spec.product)
    else:
        device = escpos_printer.Network(spec.target, port=spec.port, timeout=10)
    # The generic profile does not know the paper width; tell it, without touching the
    # shared profile data other printers use.
    device.profile.profile_data = copy.deepcopy(device.profile.profile_data)
    device.profile.profile_data.setdefault("media", {})["width"] = {"pixels": width}
    return device


def _print_escpos(image: QImage, spec: PrinterSpec) -> str:
    """ESC @, the receipt as GS v 0 raster bands (via python-escpos), feed and cut."""
    from PIL import Image

    rows = dark_rows(image)
    row_bytes = (image.width() + 7) // 8
    # PIL "1" raw data: 1 bits are white, so hand over the inverted rows.
    bitmap = Image.frombytes("1", (row_bytes * 8, image.height()), rows.translate(INVERT)).crop(
        (0, 0, image.width(), image.height())
    )
    device = _open_escpos(spec, image.width())
    try:
        device.hw("INIT")
        device.image(bitmap, impl="bitImageRaster", fragment_height=FRAGMENT_ROWS)
        device.cut()
        device.close()  # flushes: a late write error still counts as a failed job
    except Exception:
        with contextlib.suppress(Exception):
            device.close()
        raise
    where = spec.target or f"{spec.vendor:04x}:{spec.product:04x}"
    return f"ESC/POS {spec.kind} {where}: {image.width()}x{image.height()} dots"
