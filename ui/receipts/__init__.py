"""Receipts drawn once by Qt: PDF (A6/A4), 1-bit raster for 80 mm ESC/POS printers, printing,
and reprinting a stored receipt by application number (`sala receipt`, the clerk station).

Exports are imported lazily so `ui.receipts.content` (the words, Qt-free) loads without Qt.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ui.receipts.pdf import render_receipt_pdf
    from ui.receipts.printers import PrintResult, print_receipt
    from ui.receipts.qr import qr_image
    from ui.receipts.raster import render_receipt_raster
    from ui.receipts.reprint import (
        ReceiptNotFound,
        find_receipt,
        reprint_receipt,
        write_receipt_pdf,
    )

__all__ = [
    "PrintResult",
    "ReceiptNotFound",
    "find_receipt",
    "print_receipt",
    "qr_image",
    "render_receipt_pdf",
    "render_receipt_raster",
    "reprint_receipt",
    "write_receipt_pdf",
]

_HOMES = {
    "render_receipt_pdf": "ui.receipts.pdf",
    "render_receipt_raster": "ui.receipts.raster",
    "print_receipt": "ui.receipts.printers",
    "PrintResult": "ui.receipts.printers",
    "qr_image": "ui.receipts.qr",
    "ReceiptNotFound": "ui.receipts.reprint",
    "find_receipt": "ui.receipts.reprint",
    "reprint_receipt": "ui.receipts.reprint",
    "write_receipt_pdf": "ui.receipts.reprint",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        import importlib

        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(name)
