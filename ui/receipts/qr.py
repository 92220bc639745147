"""The one QR drawing for Sala: the confirmation screen and every receipt (PDF, ESC/POS raster)
draw their codes here, so what a citizen photographs on the screen is what the receipt prints.

Codes come from the `qrcode` package (pure Python, no Pillow). Error correction M (15 %) survives
a crumpled thermal slip or a phone photo of the screen while keeping the code small. Modules are
drawn as whole device pixels so a 1-bit printer and the screen get crisp edges and PDFs exact
vector squares.

Encoding is pure Python (~5-15 ms, and ~25 ms to import `qrcode` the first time), so callers run
`qr_matrix` off the GUI thread; the result is cached per payload, so the screen, the receipt and
a reprint encode it once. Drawing a matrix is cheap and may run anywhere (QImage, not QPixmap).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter

QUIET_ZONE = 4  # modules of white around the code, as ISO/IEC 18004 asks
WARM_PAYLOAD = "SALA-QR-WARM-UP"

Matrix = tuple[tuple[bool, ...], ...]


@lru_cache(maxsize=16)
def _encode(payload: str) -> Matrix:
    import qrcode  # here, not at import: the screen module loads before any code is needed

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(payload)
    code.make(fit=True)
    return tuple(tuple(bool(cell) for cell in row) for row in code.get_matrix())


def qr_matrix(payload: str) -> list[list[bool]]:
    """The code's modules (True = dark), without the quiet zone. Slow the first time for a
    payload: not on the GUI thread."""
    return [list(row) for row in _encode(payload)]


def warm_up() -> None:
    """Import `qrcode` and encode once (its tables are built on first use): run on a worker
    after the first paint, so the first citizen's receipt does not pay for it."""
    qr_matrix(WARM_PAYLOAD)


def draw_qr(
    painter: QPainter, x: float, y: float, module: float, matrix: Sequence[Sequence[bool]]
) -> None:
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


def module_px_for(
    matrix: Sequence[Sequence[bool]], side_px: int, quiet_zone: int = QUIET_ZONE
) -> int:
    """The largest whole-pixel module that fits the code and its quiet zone in `side_px`."""
    return max(1, side_px // (len(matrix) + 2 * quiet_zone))


def qr_image(
    code: str | Sequence[Sequence[bool]], module_px: int = 10, quiet_zone: int = QUIET_ZONE
) -> QImage:
    """A black-on-white QR code image (quiet zone included), from a payload or a matrix."""
    matrix = qr_matrix(code) if isinstance(code, str) else code
    side = (len(matrix) + 2 * quiet_zone) * module_px
    image = QImage(side, side, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    draw_qr(painter, quiet_zone * module_px, quiet_zone * module_px, module_px, matrix)
    painter.end()
    return image
