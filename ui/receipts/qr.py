"""QR codes for receipts and screens, from the `qrcode` package (pure Python, no Pillow needed).

Error correction M (15 %) survives a crumpled thermal slip or a phone photo of the screen while
keeping the code small. Modules are drawn as whole device pixels so a 1-bit printer gets crisp
edges and PDFs get exact vector squares.
"""

from __future__ import annotations

import qrcode
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter

QUIET_ZONE = 4  # modules of white around the code, as ISO/IEC 18004 asks


def qr_matrix(payload: str) -> list[list[bool]]:
    """The code's modules (True = dark), without the quiet zone."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(payload)
    code.make(fit=True)
    return [[bool(cell) for cell in row] for row in code.get_matrix()]


def draw_qr(painter: QPainter, x: float, y: float, module: float, matrix: list[list[bool]]) -> None:
    """Dark modules as filled squares; (x, y) is the top-left corner of the first module."""
    painter.save()
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("black"))
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            painter.drawRect(
                QRectF(x + start * module, y + r * module, (c - start) * module, module)
            )
    painter.restore()


def qr_image(payload: str, module_px: int = 10, quiet_zone: int = QUIET_ZONE) -> QImage:
    """A black-on-white QR code image, e.g. for the confirmation screen."""
    matrix = qr_matrix(payload)
    side = (len(matrix) + 2 * quiet_zone) * module_px
    image = QImage(side, side, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    draw_qr(painter, quiet_zone * module_px, quiet_zone * module_px, module_px, matrix)
    painter.end()
    return image
