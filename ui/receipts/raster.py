"""The receipt as a 1-bit image for 80 mm ESC/POS thermal printers (576 dots at 203 dpi).

Thermal printers' code pages have no Khmer, so the receipt goes as a picture: drawn by the same
routine as the PDF onto a greyscale image, then thresholded (not dithered: dithering makes
text fuzzy on a thermal head) to `QImage.Format_Mono`.
"""

from __future__ import annotations

import math

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPainter

from kiosk.model import Receipt
from kiosk.text import Text
from ui.receipts.content import Block, ServiceLike, receipt_blocks
from ui.receipts.layout import Surface, paint_receipt

THERMAL_DPI = 203.2  # 8 dots per mm, the common head of 58 and 80 mm printers
SIDE_MARGIN = 8  # dots
TOP_MARGIN = 8
BOTTOM_FEED = 48  # dots of white so the cutter does not slice the last line
INVERT = bytes(b ^ 0xFF for b in range(256))  # bytes.translate table that flips every bit


def render_receipt_raster(
    receipt: Receipt,
    service: ServiceLike,
    locale: str,
    width: int = 576,
    *,
    commune_name: str | Text | None = None,
) -> QImage:
    """A `Format_Mono` image exactly `width` dots wide, as tall as the receipt needs."""
    return render_blocks_raster(receipt_blocks(receipt, service, locale, commune_name), width)


def render_blocks_raster(blocks: list[Block], width: int = 576) -> QImage:
    """Any paper made of receipt blocks (the receipt, the clerk's end of day) as a 1-bit strip
    `width` dots wide, as tall as it needs."""
    if width < 200:
        raise ValueError(f"receipt raster width {width} is too narrow; 80 mm paper is 576")
    surface = Surface(
        x=SIDE_MARGIN,
        y=TOP_MARGIN,
        width=width - 2 * SIDE_MARGIN,
        dots_per_pt=THERMAL_DPI / 72.0,
        pixel_snap=True,
    )
    probe = QImage(width, 8, QImage.Format.Format_Grayscale8)
    painter = QPainter(probe)
    height = paint_receipt(painter, blocks, surface, draw=False)
    painter.end()

    grey = QImage(
        width, math.ceil(TOP_MARGIN + height + BOTTOM_FEED), QImage.Format.Format_Grayscale8
    )
    grey.fill(QColor("white"))
    painter = QPainter(grey)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
    paint_receipt(painter, blocks, surface)
    painter.end()
    flags = (
        Qt.ImageConversionFlag.MonoOnly
        | Qt.ImageConversionFlag.ThresholdDither
        | Qt.ImageConversionFlag.AvoidDither
    )
    return grey.convertToFormat(QImage.Format.Format_Mono, flags)


def dark_rows(image: QImage) -> bytes:
    """Rows of a 1-bit image packed MSB first with 1 = print (black), as ESC/POS expects."""
    mono = image.convertToFormat(QImage.Format.Format_Mono)
    black_is_one = QColor(mono.color(1)).lightness() < 128
    row_bytes = (mono.width() + 7) // 8
    out = bytearray()
    bits = mono.constBits()
    data = bytes(bits)[: mono.bytesPerLine() * mono.height()]
    for y in range(mono.height()):
        row = data[y * mono.bytesPerLine() : y * mono.bytesPerLine() + row_bytes]
        out += row if black_is_one else row.translate(INVERT)
    pad = row_bytes * 8 - mono.width()
    if pad:  # clear the padding bits at the end of each row
        mask = (0xFF << pad) & 0xFF
        for y in range(mono.height()):
            out[y * row_bytes + row_bytes - 1] &= mask
    return bytes(out)
