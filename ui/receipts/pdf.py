"""The receipt as a PDF (A6 by default, A4 on request) and on any paged Qt device (printers).

QPdfWriter embeds subsets of the bundled Noto fonts with the glyphs HarfBuzz chose, so Khmer
prints and displays correctly on machines that have no Khmer font at all.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Literal

from PySide6.QtCore import QMarginsF
from PySide6.QtGui import QPagedPaintDevice, QPageLayout, QPageSize, QPainter, QPdfWriter

from kiosk.model import Receipt
from kiosk.text import Text
from ui.receipts.content import Block, ServiceLike, receipt_blocks
from ui.receipts.layout import Surface, fit_scale, paint_receipt

PageSizeName = Literal["A6", "A4"]
PDF_DPI = 300
# page size, margin (mm), type scale: A4 gets bigger type so a clerk can read it at arm's length
PAGES: dict[str, tuple[QPageSize.PageSizeId, float, float]] = {
    "A6": (QPageSize.PageSizeId.A6, 6.0, 1.0),
    "A4": (QPageSize.PageSizeId.A4, 14.0, 1.2),
}


def paint_paged(
    device: QPagedPaintDevice, blocks: list[Block], resolution: int, scale: float
) -> None:
    """Draw `blocks` on a PDF writer or printer: on one page, with the type shrunk a little if
    that is what it takes (never below `layout.MIN_PT`), else over as many pages as needed."""
    painter = QPainter()
    if not painter.begin(device):
        raise OSError("could not start drawing on the page device")
    try:
        rect = device.pageLayout().paintRectPixels(resolution)
        surface = Surface(
            x=0.0,
            y=0.0,
            width=float(rect.width()),
            dots_per_pt=resolution / 72.0,
            page_height=float(rect.height()),
            scale=scale,
        )
        surface = replace(surface, scale=fit_scale(painter, blocks, surface))
        paint_receipt(painter, blocks, surface, new_page=device.newPage)
    finally:
        painter.end()


def render_receipt_pdf(
    receipt: Receipt,
    service: ServiceLike,
    path: Path | str,
    locale: str,
    *,
    size: PageSizeName = "A6",
    commune_name: str | Text | None = None,
) -> Path:
    """Write the receipt to `path` (atomically: a half-written PDF never appears there)."""
    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"folder for the receipt PDF does not exist: {path.parent}")
    blocks = receipt_blocks(receipt, service, locale, commune_name)
    return write_blocks_pdf(blocks, path, size=size, title=f"Sala receipt {receipt.app_number}")


def write_blocks_pdf(
    blocks: list[Block], path: Path, *, size: PageSizeName = "A6", title: str = "Sala"
) -> Path:
    """Any paper made of receipt blocks as a PDF at `path`, written atomically (a half-written
    file never appears there). Receipts and the clerk's end of day both come through here."""
    if size not in PAGES:
        raise ValueError(f"unknown receipt page size {size!r}; use A6 or A4")
    page_id, margin, scale = PAGES[size]
    tmp = path.with_name(path.name + ".part")
    writer = QPdfWriter(str(tmp))
    writer.setResolution(PDF_DPI)
    writer.setPageSize(QPageSize(page_id))
    writer.setPageMargins(QMarginsF(margin, margin, margin, margin), QPageLayout.Unit.Millimeter)
    writer.setTitle(title)
    writer.setCreator("Sala")
    try:
        paint_paged(writer, blocks, PDF_DPI, scale)
        del writer  # flushes and closes the file
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
